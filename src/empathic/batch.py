"""Batch analysis of a file of messages: in this process, or over Ray Data on many machines.

``analyze_file(INPUT, OUTPUT, engine="single"|"ray")`` reads plain text, JSONL, CSV or Parquet,
reads every message with the perceiver (one ``Engine`` per process, or per Ray actor) and writes
one record per message, in input order, as JSONL, CSV or Parquet. Bad rows (undecodable, not
JSON, no text, over the length limit) are reported with their line and skipped; the rest is
written. Both engines give the same records, byte for byte.

Context: a message with a ``conversation_id`` is read beside the earlier messages of its
conversation (the last 8), as ``empathic analyze`` does; these histories are put together here,
in input order, before any work is shared out, so every worker sees the same inputs.

On a Ray cluster: ``pip install 'empathic[ray]'`` on every node, then
``RAY_ADDRESS=ray://HEAD:10001 empathic analyze --engine ray in.parquet out.parquet`` (or
``--ray-address``); without an address a local Ray instance is started on this machine. Input
and output paths are read and written by the driver (this process).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from empathic.transcripts import (
    CSV_COLUMNS,
    TEXT_KEYS,
    InputFormat,
    LineError,
    Message,
    ReadingWriter,
    guess_format,
    read_messages,
    reading_record,
)

if TYPE_CHECKING:
    from empathic.config import EmpathicConfig

OutputFormat = Literal["jsonl", "csv", "parquet"]
Engine = Literal["single", "ray"]
BATCH = 256
HISTORY = 8  # earlier messages of the same conversation read as context


@dataclass(frozen=True)
class Row:
    """One message to read, with its context."""

    seq: int
    line: int
    text: str
    id: str | None
    conversation_id: str | None
    history: tuple[str, ...]


@dataclass
class Result:
    """What a batch run did: rows written, bad rows with their line, seconds."""

    written: int = 0
    errors: list[LineError] = field(default_factory=list)
    seconds: float = 0.0
    engine: str = "single"
    workers: int = 1

    @property
    def rows_per_s(self) -> float:
        return (self.written + len(self.errors)) / self.seconds if self.seconds else 0.0


def output_format(path: str | Path) -> OutputFormat:
    suffix = Path(path).suffix.lower()
    return "parquet" if suffix == ".parquet" else "csv" if suffix == ".csv" else "jsonl"


def input_format(path: str | Path) -> InputFormat | Literal["parquet"]:
    return "parquet" if Path(path).suffix.lower() == ".parquet" else guess_format(str(path))


# -- reading the input ---------------------------------------------------------------------


def read_rows(
    path: str | Path, fmt: InputFormat | Literal["parquet", "auto"] = "auto", context: bool = True
) -> tuple[list[Row], list[LineError]]:
    """The messages of ``path`` with their histories, and the lines that could not be read."""
    fmt = input_format(path) if fmt == "auto" else fmt
    if fmt == "parquet":
        return _rows(_parquet_messages(path), context)
    with open(path, "rb") as stream:
        return _rows(read_messages(stream, fmt), context)


def _rows(items: Iterator[Message | LineError], context: bool) -> tuple[list[Row], list[LineError]]:
    rows: list[Row] = []
    errors: list[LineError] = []
    histories: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item, LineError):
            errors.append(item)
            continue
        history: tuple[str, ...] = ()
        if context and item.conversation_id:
            earlier = histories.setdefault(item.conversation_id, [])
            history = tuple(earlier[-HISTORY:])
            earlier.append(item.text)
        rows.append(Row(len(rows), item.line, item.text, item.id, item.conversation_id, history))
    return rows, errors


def _parquet_messages(path: str | Path) -> Iterator[Message | LineError]:
    """Rows of a Parquet file as messages; a row's "line" is its 1-based row number."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    names = [n.lower() for n in table.column_names]
    column = next((table.column_names[names.index(k)] for k in TEXT_KEYS if k in names), None)
    if column is None:
        yield LineError(1, f"Parquet file has no text column ({', '.join(TEXT_KEYS)})")
        return
    texts = table.column(column).to_pylist()
    ids = table.column("id").to_pylist() if "id" in table.column_names else [None] * len(texts)
    cids = (
        table.column("conversation_id").to_pylist()
        if "conversation_id" in table.column_names
        else [None] * len(texts)
    )
    for number, (text, ident, cid) in enumerate(zip(texts, ids, cids, strict=True), start=1):
        if not isinstance(text, str):
            yield LineError(number, f"the {column!r} cell is {type(text).__name__}, not text")
            continue
        yield Message(
            number, text, None if ident is None else str(ident), None if cid is None else str(cid)
        )


# -- reading the messages ------------------------------------------------------------------


def read_batch(engine: Any, rows: list[Row]) -> list[tuple[int, str, str]]:
    """(seq, record as JSON, error) per row, in order: one of record and error is empty."""
    errors, readings = engine.analyze_messages(
        [r.text for r in rows], [list(r.history) for r in rows]
    )
    out: list[tuple[int, str, str]] = []
    kept = iter(readings)
    for i, row in enumerate(rows):
        if i in errors:
            out.append((row.seq, "", str(errors[i])))
            continue
        message = Message(row.line, row.text, row.id, row.conversation_id)
        record = reading_record(message, next(kept))
        out.append((row.seq, json.dumps(record, ensure_ascii=False), ""))
    return out


# -- writing the records -------------------------------------------------------------------


class RecordWriter:
    """Writes records (JSON text, in order) as JSONL, CSV or Parquet."""

    def __init__(self, path: str | Path, fmt: OutputFormat):
        self.path, self.fmt = Path(path), fmt
        self._parquet: Any = None
        self._text: io.TextIOWrapper | None = None
        self._writer: ReadingWriter | None = None
        if fmt != "parquet":
            self._text = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._writer = ReadingWriter(self._text, fmt)

    def write(self, records: list[str]) -> None:
        if not records:
            return
        if self.fmt == "jsonl":
            assert self._text is not None
            self._text.write("".join(r + "\n" for r in records))
        elif self._writer is not None:
            self._writer.write(json.loads(r) for r in records)
        else:
            self._write_parquet(records)

    def _write_parquet(self, records: list[str]) -> None:
        """Flat columns (those of the CSV output) plus the whole record as JSON."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from empathic.transcripts import _csv_row

        rows = [(_csv_row(json.loads(r)), r) for r in records]
        columns: dict[str, list[Any]] = {name: [] for name in (*CSV_COLUMNS, "record")}
        for flat, raw in rows:
            for name in CSV_COLUMNS:
                value = flat[name]
                columns[name].append(None if value == "" and name == "crisis_confidence" else value)
            columns["record"].append(raw)
        table = pa.table(
            {
                name: pa.array(values, type=_PARQUET_TYPES.get(name, pa.string()))
                for name, values in columns.items()
            }  # fmt: skip
        )
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, table.schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
        if self._parquet is None and self.fmt == "parquet":
            self._write_parquet_empty()
        if self._parquet is not None:
            self._parquet.close()

    def _write_parquet_empty(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema(
            [(n, _PARQUET_TYPES.get(n, pa.string())) for n in (*CSV_COLUMNS, "record")]
        )
        pq.write_table(schema.empty_table(), self.path)


def _parquet_types() -> dict[str, Any]:
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return {}
    return {
        "line": pa.int64(), "valence": pa.float64(), "arousal": pa.float64(),
        "intensity": pa.float64(), "crisis_confidence": pa.float64(),
    }  # fmt: skip


_PARQUET_TYPES = _parquet_types()


def read_output(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSONL, CSV or Parquet output file (for tests and comparisons)."""
    fmt = output_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return [json.loads(r) for r in pq.read_table(path).column("record").to_pylist()]
    with open(path, encoding="utf-8", newline="") as stream:
        if fmt == "csv":
            return list(csv.DictReader(stream))
        return [json.loads(line) for line in stream if line.strip()]


# -- the two engines -----------------------------------------------------------------------


Progress = Callable[[int], None]


def analyze_file(
    source: str | Path,
    destination: str | Path,
    engine: Engine = "single",
    *,
    input_fmt: InputFormat | Literal["parquet", "auto"] = "auto",
    output_fmt: OutputFormat | None = None,
    context: bool = True,
    config: EmpathicConfig | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    batch_size: int = BATCH,
    on_error: Callable[[LineError], None] | None = None,
) -> Result:
    """Read every message of ``source`` and write its reading to ``destination`` (format from
    its suffix unless ``output_fmt``), on this process (``single``) or over Ray Data (``ray``,
    ``workers`` actors, each with its own Engine). Bad rows are reported to ``on_error`` and in
    the result, with their line, and left out of the output."""
    start = time.perf_counter()
    rows, errors = read_rows(source, input_fmt, context)
    writer = RecordWriter(destination, output_fmt or output_format(destination))
    result = Result(engine=engine)
    try:
        if engine == "ray":
            batches = _ray_batches(rows, config, workers, ray_address, batch_size, result)
        else:
            batches = _single_batches(rows, config, batch_size)
        for out in batches:
            for seq, _, problem in out:
                if problem:
                    errors.append(LineError(rows[seq].line, problem))
            writer.write([record for _, record, problem in out if not problem])
            result.written += sum(1 for _, _, problem in out if not problem)
    finally:
        writer.close()
    errors.sort(key=lambda e: e.line)
    if on_error is not None:
        for bad in errors:
            on_error(bad)
    result.errors = errors
    result.seconds = time.perf_counter() - start
    return result


def _one_blas_thread() -> None:
    """numpy's BLAS sums the heads' matrix products in another order with two threads than
    with one, which moves a probability's fourth decimal now and then. A Ray actor gets one
    thread (Ray sets OMP_NUM_THREADS=1 for a one-CPU actor); one process on its own would take
    every core. One thread in both keeps their outputs byte-identical on any CPU. (The heads'
    products are small: a thread pool does not speed them up.)"""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # for the life of the actor


def _single_batches(
    rows: list[Row], config: EmpathicConfig | None, batch_size: int
) -> Iterator[list[tuple[int, str, str]]]:
    from threadpoolctl import threadpool_limits

    from empathic.engine import Engine as EmpathicEngine

    engine = EmpathicEngine(config=config)
    with threadpool_limits(limits=1, user_api="blas"):  # as the Ray actors (_one_blas_thread)
        for i in range(0, len(rows), batch_size):
            yield read_batch(engine, rows[i : i + batch_size])


class _ActorReader:
    """A Ray Data actor: one Engine, built once, reads batch after batch."""

    def __init__(self, config_json: str | None):
        from empathic.config import EmpathicConfig
        from empathic.engine import Engine as EmpathicEngine

        config = EmpathicConfig.from_json(config_json) if config_json else None
        self.engine = EmpathicEngine(config=config)
        _one_blas_thread()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        """Each input row is one whole chunk of messages (as the single-process run cuts them:
        the perceiver pads within a batch, so the same chunks give the same figures)."""
        outputs = []
        for chunk in batch["chunk"]:
            rows = [Row(seq, 0, text, None, None, tuple(history))
                    for seq, text, history in json.loads(chunk)]  # fmt: skip
            outputs.append(json.dumps(read_batch(self.engine, rows), ensure_ascii=False))
        return {"out": outputs}


def ray_workers(workers: int | None) -> int:
    import ray

    cpus = int(ray.cluster_resources().get("CPU", 1))
    return max(1, workers or cpus)


def _ray_batches(
    rows: list[Row],
    config: EmpathicConfig | None,
    workers: int | None,
    address: str | None,
    batch_size: int,
    result: Result,
) -> Iterator[list[tuple[int, str, str]]]:
    """Batches read by Ray actors, in input order; records get their line and ids here."""
    import ray
    import ray.data

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)  # fmt: skip
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    result.workers = ray_workers(workers)
    if not rows:
        return
    chunks = [
        {"chunk": json.dumps([[r.seq, r.text, r.history] for r in rows[i : i + batch_size]],
                             ensure_ascii=False)}
        for i in range(0, len(rows), batch_size)
    ]  # fmt: skip
    dataset = ray.data.from_items(chunks, override_num_blocks=len(chunks))
    read = dataset.map_batches(
        _ActorReader,
        fn_constructor_args=(config.to_json() if config is not None else None,),
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=result.workers),
        num_cpus=1,
        batch_format="numpy",
    )
    for item in read.iter_rows():
        out = []
        for seq, record, error in json.loads(item["out"]):
            out.append((seq, _with_ids(record, rows[seq]) if record else "", error))
        yield out


def _with_ids(record: str, row: Row) -> str:
    """The record as the single-process run writes it: line, id and conversation first."""
    data = json.loads(record)
    data.update(line=row.line, id=row.id, conversation_id=row.conversation_id)
    return json.dumps(data, ensure_ascii=False)
