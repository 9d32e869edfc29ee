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
    assert isinstance(items[-1], LineError) and "unterminated" in items[-1].message
