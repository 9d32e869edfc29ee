import io

from empathic.transcripts import LineError, Message, guess_format, read_messages


def read(data: bytes, fmt):
    return list(read_messages(io.BytesIO(data), fmt))


def test_guess_format():
    assert guess_format("a.jsonl") == "jsonl"
    assert guess_format("a.CSV") == "csv"
    assert guess_format("a.txt") == "text"
    assert guess_format("-") == "text"


def test_text_skips_blank_lines_and_keeps_numbers():
    items = read(b"one\n\n  \ntwo\r\n", "text")
    assert items == [Message(1, "one"), Message(4, "two")]


def test_bom_is_removed():
    assert read(b"\xef\xbb\xbfhello\n", "text") == [Message(1, "hello")]


def test_jsonl_fields_and_errors():
    items = read(
        b'{"text": "a", "id": 7, "conversation_id": "c"}\n{"message": "b"}\n{"nope": 1}\n"c"\n',
        "jsonl",
    )
    assert items[0] == Message(1, "a", "7", "c")
    assert items[1] == Message(2, "b")
    assert isinstance(items[2], LineError) and "no text field" in items[2].message
    assert items[3] == Message(4, "c")


def test_csv_without_text_column():
    items = read(b"a,b\n1,2\n", "csv")
    assert len(items) == 1 and isinstance(items[0], LineError)
    assert "no text column" in items[0].message


def test_csv_unterminated_quote():
    items = read(b'text\n"open quote\n', "csv")
    assert isinstance(items[-1], LineError) and "unexpected end of data" in items[-1].message


def test_csv_bad_quoting_is_reported_and_reading_goes_on():
    items = read(b'text\n"closed" junk\nfine\nI am 6" tall\n', "csv")
    assert isinstance(items[0], LineError) and items[0].line == 2
    assert [m.text for m in items[1:]] == ["fine", 'I am 6" tall']
    assert [m.line for m in items[1:]] == [3, 4]


def test_deeply_nested_json_is_a_line_error():
    items = read(b"[" * 100_000 + b"\n" + b'{"text": "ok"}\n', "jsonl")
    assert isinstance(items[0], LineError) and items[1] == Message(2, "ok")


def test_oversized_line_is_skipped_without_loss_of_the_next():
    items = read(b"x" * (3 << 20) + b"\nnext line\n", "text")
    assert isinstance(items[0], LineError) and "limit" in items[0].message
    assert items[1] == Message(2, "next line")
