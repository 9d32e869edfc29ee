"""Reading messages from plain text, JSONL or CSV, and writing readings as JSONL or CSV.

Input is read as bytes and decoded line by line, so one bad line (undecodable bytes, malformed
JSON, a 5 MB blob) becomes an error that names its line while every other line is still read.
"""

from __future__ import annotations

import csv
import io
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
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}.get(
        suffix, "text"
    )


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
            yield _from_record(number, record)


def _read_csv(lines: Iterator[tuple[int, str | LineError]]) -> Iterator[Message | LineError]:
    header: list[str] | None = None
    pending: list[str] = []
    start = 0
    for number, line in lines:
        if isinstance(line, LineError):
            yield line
            continue
        if not pending:
            start = number
        pending.append(line)
        # A quoted field may span lines: wait until the quotes balance.
        if "\n".join(pending).count('"') % 2:
            continue
        rows = list(csv.reader(io.StringIO("\n".join(pending))))
        pending = []
        if not rows or not any(cell.strip() for cell in rows[0]):
            continue
        row = rows[0]
        if header is None:
            header = [h.strip().lower() for h in row]
            if not any(k in header for k in TEXT_KEYS):
                yield LineError(
                    start, f"CSV header has no text column (one of {', '.join(TEXT_KEYS)})"
                )
                return
            continue
        yield _from_record(start, dict(zip(header, row, strict=False)))
    if pending:
        yield LineError(start, "unterminated quoted field at end of file")


def reading_record(message: Message, reading: Reading) -> dict:
    record = {"line": message.line, "id": message.id, "conversation_id": message.conversation_id}
    record.update(reading.to_dict())
    return record


CSV_COLUMNS = (
    "line", "id", "conversation_id", "text", "ed_emotion", "ekman", "goemotions_labels",
    "valence", "arousal", "intensity", "intent", "cues", "crisis", "crisis_confidence",
)  # fmt: skip


def _csv_row(record: dict) -> dict:
    crisis = record.get("crisis") or {}
    return {
        **{k: record.get(k) for k in CSV_COLUMNS},
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
