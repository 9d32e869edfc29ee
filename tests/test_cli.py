"""The `empathic` command, run as a real subprocess."""

import csv
import io
import json
import subprocess
import sys

import pytest


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "empathic", *args], input=stdin, capture_output=True, timeout=300
    )


MESSAGES = [
    "I am furious, this is the third time my order is late!!!",
    "Thank you so much, that fixed it",
    "Hi, what are your opening hours?",
]


def test_analyze_plain_text_from_stdin_to_jsonl():
    result = run("analyze", "-", stdin="\n".join(MESSAGES).encode())
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["text"] for r in records] == MESSAGES
    assert [r["line"] for r in records] == [1, 2, 3]
    assert records[1]["intent"] == "thanks"
    assert any(c["kind"] == "repetition" for c in records[0]["cues"])


def test_jsonl_and_csv_round_trip(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate(MESSAGES)), "utf-8"
    )
    as_jsonl = run("analyze", str(source))
    assert as_jsonl.returncode == 0, as_jsonl.stderr
    records = [json.loads(x) for x in as_jsonl.stdout.decode().splitlines()]
    out_csv = tmp_path / "out.csv"
    as_csv = run("analyze", str(source), "--format", "csv", "-o", str(out_csv))
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text("utf-8"))))
    assert [r["id"] for r in rows] == ["0", "1", "2"]
    for record, row in zip(records, rows, strict=True):
        assert row["text"] == record["text"]
        assert row["intent"] == record["intent"]
        assert row["ed_emotion"] == record["ed_emotion"]
        assert abs(float(row["valence"]) - record["valence"]) < 1e-6
    # The CSV we wrote is itself valid input.
    again = run("analyze", str(out_csv))
    assert again.returncode == 0, again.stderr
    assert [json.loads(x)["intent"] for x in again.stdout.decode().splitlines()] == [
        r["intent"] for r in records
    ]


def test_csv_input_with_multiline_field(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,text\n1,"first line\nsecond line"\n2,hello there\n', "utf-8")
    result = run("analyze", str(source))
    assert result.returncode == 0, result.stderr
    records = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert records[0]["text"] == "first line\nsecond line"
    assert records[1]["line"] == 4


def test_bad_lines_are_named_and_the_rest_is_processed(tmp_path):
    lines = [json.dumps({"text": f"message number {i}"}).encode() for i in range(1, 816)]
    lines[811] = b'{"text": "broken'  # line 812
    lines[99] = b'{"text": "caf\xe9 bad encoding"}'  # line 100
    lines[199] = json.dumps({"text": "x" * 5_000_000}).encode()  # line 200
    lines[299] = b"[1, 2]"  # line 300
    source = tmp_path / "big.jsonl"
    source.write_bytes(b"\n".join(lines))
    result = run("analyze", str(source))
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "line 812: malformed JSON" in err
    assert "line 100: not valid UTF-8" in err
    assert "line 200:" in err and "limit" in err
    assert "line 300:" in err
    records = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert len(records) == 811
    assert {r["line"] for r in records}.isdisjoint({100, 200, 300, 812})
    assert records[-1]["text"] == "message number 815"


def test_empty_file_is_a_clear_error(tmp_path):
    source = tmp_path / "empty.txt"
    source.write_bytes(b"")
    result = run("analyze", str(source))
    assert result.returncode == 2
    assert "no message could be analysed" in result.stderr.decode()


def test_missing_file(tmp_path):
    result = run("analyze", str(tmp_path / "nope.txt"))
    assert result.returncode == 2
    assert "cannot open" in result.stderr.decode()


def test_table_format():
    result = run("analyze", "-", "--format", "table", stdin="\n".join(MESSAGES).encode())
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "emotion (ED-32)" in out and "thanks" in out


def test_conversation_context_from_jsonl(tmp_path):
    rows = [
        {"conversation_id": "a", "text": "My grandmother passed away last week."},
        {"conversation_id": "a", "text": "I keep thinking about her."},
        {"conversation_id": "b", "text": "I keep thinking about her."},
    ]
    source = tmp_path / "conv.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    records = [json.loads(x) for x in run("analyze", str(source)).stdout.decode().splitlines()]
    assert [r["context_turns"] for r in records] == [0, 1, 0]


@pytest.mark.parametrize("text", ["I'm so happy, I got the job!", "where is my parcel???"])
def test_chat_shows_each_reading(text):
    result = run("chat", stdin=f"{text}\n/quit\n".encode())
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "emotion (ED-32)" in out
    assert text[:20] in out


def test_chat_shows_crisis_evidence():
    result = run("chat", stdin=b"I want to kill myself\n")
    assert "crisis signal (self_harm)" in result.stdout.decode()


def _visible_width(line: str) -> int:
    from rich.text import Text

    return Text.from_ansi(line).cell_len


LONG = "I am furious, this is the third time my order is late and nobody ever answers the phone!!!"


def test_table_fits_80_columns_and_is_plain_text_when_piped():
    result = run("analyze", "-", "--format", "table", stdin=f"{LONG}\nthanks\n".encode())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines and all(len(line) <= 80 for line in lines)
    out = "\n".join(lines)
    assert "\x1b[" not in out and "─" not in out  # no colour, no rules: plain text
    assert "…" in out and "emotion (ED-32)" in out  # the long message cut with an ellipsis


def test_table_on_a_terminal_fits_80_columns():
    import io

    from empathic.cli import print_table
    from empathic.engine import Engine

    readings = Engine().analyze([LONG, "I want to end my life", "thanks"])
    out = io.StringIO()
    print_table([(str(i), r) for i, r in enumerate(readings, 1)], out, terminal=True, width=80)
    lines = out.getvalue().splitlines()
    assert "\x1b[" in out.getvalue() and "─" in out.getvalue()  # colour and a rule
    assert lines and max(_visible_width(line) for line in lines) <= 80
    assert "…" in out.getvalue()


def test_analyze_writes_parquet_with_the_same_records(tmp_path):
    pytest.importorskip("pyarrow")
    from empathic.batch import read_output

    source = tmp_path / "in.jsonl"
    rows = [{"id": i, "conversation_id": "a", "text": t} for i, t in enumerate(MESSAGES)]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n{oops\n", "utf-8")
    as_jsonl = run("analyze", str(source), "-o", str(tmp_path / "out.jsonl"))
    as_parquet = run("analyze", str(source), str(tmp_path / "out.parquet"))
    assert as_jsonl.returncode == as_parquet.returncode == 1  # the bad line, reported
    assert "line 4" in as_parquet.stderr.decode()
    records = read_output(tmp_path / "out.parquet")
    assert records == read_output(tmp_path / "out.jsonl")
    assert [r["text"] for r in records] == MESSAGES and records[2]["context_turns"] == 2
