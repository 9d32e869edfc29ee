"""Reading messages from plain text, JSONL or CSV, and writing readings as JSONL or CSV.

Input is read as bytes and decoded line by line, so one bad line (undecodable bytes, malformed
JSON, a 5 MB blob) becomes an error that names its line while every other line is still read.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, TextIO

from empathic.types import Reading

InputFormat = Literal["text", "jsonl", "csv"]
TEXT_KEYS = ("text", "message", "content", "utterance")
# A line longer than this is rejected before decoding; the analyser's own limit is lower.
MAX_LINE_BYTES = 1 << 20


@dataclass(frozen=True)
class Message:
    line: int
    text: str
    id: str | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def guess_format(path: str | None) -> InputFormat:
    suffix = Path(path).suffix.lower() if path and path != "-" else ""
    formats: dict[str, InputFormat] = {
        ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"
    }  # fmt: skip
    return formats.get(suffix, "text")


def _decoded_lines(stream: BinaryIO) -> Iterator[tuple[int, str | LineError]]:
    for number, raw in enumerate(stream, start=1):
        if len(raw) > MAX_LINE_BYTES:
            yield (
                number,
                LineError(
                    number,
                    f"line is {len(raw) / 1e6:.1f} MB; the limit is {MAX_LINE_BYTES >> 20} MB",
                ),
            )
            continue
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield (
                number,
                LineError(
                    number,
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                ),
            )
            continue
        if "\x00" in text:
            yield number, LineError(number, "contains NUL bytes (binary data?)")
            continue
        yield number, text.rstrip("\r\n")


def _from_record(number: int, record: object) -> Message | LineError:
    if isinstance(record, str):
        return Message(number, record)
    if not isinstance(record, dict):
        return LineError(number, f"expected a JSON object with a 'text' field, got {record!r:.40}")
    text = next((record[k] for k in TEXT_KEYS if isinstance(record.get(k), str)), None)
    if text is None:
        return LineError(number, f"no text field (looked for {', '.join(TEXT_KEYS)})")
    ident = record.get("id")
    conversation = record.get("conversation_id")
    return Message(
        number,
        text,
        None if ident is None else str(ident),
        None if conversation is None else str(conversation),
    )


def read_messages(stream: BinaryIO, fmt: InputFormat) -> Iterator[Message | LineError]:
    """Messages (or per-line errors) from ``stream`` in ``fmt``. Blank lines are skipped."""
    lines = _decoded_lines(stream)
    if fmt == "csv":
        yield from _read_csv(lines)
        return
    for number, line in lines:
        if isinstance(line, LineError):
            yield line
        elif not line.strip():
            continue
        elif fmt == "text":
            yield Message(number, line)
        else:
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield LineError(number, f"malformed JSON ({exc.msg} at column {exc.colno})")
                continue
            except (RecursionError, ValueError):
                yield LineError(number, "malformed JSON (nested too deeply or invalid)")
                continue
            yield _from_record(number, record)


def _read_csv(lines: Iterator[tuple[int, str | LineError]]) -> Iterator[Message | LineError]:
    errors: list[LineError] = []

    def text_lines() -> Iterator[str]:
        # Bad lines become empty lines so the csv module's line count stays true.
        for _, line in lines:
            if isinstance(line, LineError):
                errors.append(line)
                yield "\n"
            else:
                yield line + "\n"

    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.reader(text_lines(), strict=True)
    header: list[str] | None = None
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from errors
            errors.clear()
            yield LineError(start, f"bad CSV ({exc})")
            start = reader.line_num + 1
            continue
        yield from errors
        errors.clear()
        row_start, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [h.strip().lower() for h in row]
            if not any(k in header for k in TEXT_KEYS):
                yield LineError(
                    row_start, f"CSV header has no text column ({', '.join(TEXT_KEYS)})"
                )
                return
            continue
        yield _from_record(row_start, dict(zip(header, row, strict=False)))
    yield from errors


def reading_record(message: Message, reading: Reading) -> dict:
    record = {"line": message.line, "id": message.id, "conversation_id": message.conversation_id}
    record.update(reading.to_dict())
    return record


CSV_COLUMNS = (
    "line", "id", "conversation_id", "text", "ed_emotion", "ekman", "goemotions_labels",
    "valence", "arousal", "intensity", "intent", "cues", "crisis", "crisis_confidence",
)  # fmt: skip


def _cell(value: object) -> object:
    """Spreadsheets run cells that start with = + - @ as formulas: quote them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_row(record: dict) -> dict:
    crisis = record.get("crisis") or {}
    return {
        **{k: _cell(record.get(k)) for k in CSV_COLUMNS},
        "goemotions_labels": ";".join(record["goemotions_labels"]),
        "cues": ";".join(sorted({c["kind"] for c in record["cues"]})),
        "crisis": crisis.get("kind", ""),
        "crisis_confidence": crisis.get("confidence", ""),
    }


class ReadingWriter:
    """Writes reading records as JSONL or CSV."""

    def __init__(self, out: TextIO, fmt: Literal["jsonl", "csv"]):
        self.out, self.fmt = out, fmt
        self._csv = None
        if fmt == "csv":
            self._csv = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
            self._csv.writeheader()

    def write(self, records: Iterable[dict]) -> None:
        for record in records:
            if self._csv is not None:
                self._csv.writerow(_csv_row(record))
            else:
                self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.out.flush()
