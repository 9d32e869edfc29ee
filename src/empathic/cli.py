"""The ``empathic`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from empathic.errors import EmpathicError, InputError
from empathic.types import Reading

app = typer.Typer(
    help="empathic: an empathetic dialogue engine for customer-facing chatbots.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)
BATCH = 256


def _engine():
    from empathic.engine import Engine

    try:
        return Engine()
    except EmpathicError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def reading_table(rows: list[tuple[str, Reading]], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    for column in ("#", "message", "emotion (ED-32)", "GoEmotions", "ekman", "val", "int",
                   "intent", "cues", "crisis"):  # fmt: skip
        table.add_column(column, overflow="fold")
    for label, r in rows:
        ed, p = r.top_ed(1)[0]
        crisis = f"[bold red]{r.crisis.kind}[/]" if r.crisis else ""
        table.add_row(
            label,
            r.text if len(r.text) <= 60 else r.text[:57] + "...",
            f"{ed} {p:.2f}",
            ", ".join(r.goemotions_labels),
            r.ekman,
            f"{r.valence:+.2f}",
            f"{r.intensity:.2f}",
            r.intent,
            ", ".join(sorted({c.kind for c in r.cues})),
            crisis,
        )
    return table


@app.command()
def analyze(
    path: Annotated[str, typer.Argument(help="input file, or - for standard input")] = "-",
    input_format: Annotated[
        Literal["auto", "text", "jsonl", "csv"],
        typer.Option("--input-format", "-i", help="auto guesses from the file name"),
    ] = "auto",
    output_format: Annotated[
        Literal["jsonl", "csv", "table"], typer.Option("--format", "-f")
    ] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of standard output")
    ] = None,
    context: Annotated[
        bool, typer.Option(help="use earlier messages of the same conversation_id as context")
    ] = True,
) -> None:
    """Read messages (plain lines, JSONL or CSV) and write one reading per message.

    Bad lines are reported on standard error with their line number and skipped; the exit code
    is 1 when any line was skipped, 2 when nothing could be analysed.
    """
    from empathic.transcripts import (
        LineError,
        Message,
        ReadingWriter,
        guess_format,
        read_messages,
        reading_record,
    )

    fmt = guess_format(path) if input_format == "auto" else input_format
    try:
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot open {path}: {exc.strerror}")
        raise typer.Exit(2) from exc
    engine = _engine()
    out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
    writer = None if output_format == "table" else ReadingWriter(out, output_format)
    total_bytes = Path(path).stat().st_size if path != "-" else None
    histories: dict[str, list[str]] = {}
    table_rows: list[tuple[str, Reading]] = []
    analysed = skipped = 0

    def flush(batch: list[Message]) -> None:
        nonlocal analysed, skipped
        good, readings = engine.analyze_messages(
            [m.text for m in batch],
            [
                histories.get(m.conversation_id, []) if context and m.conversation_id else []
                for m in batch
            ],  # fmt: skip
        )
        for index, error in good.items():
            err.print(f"[yellow]line {batch[index].line}:[/yellow] {error}")
            skipped += 1
        records = []
        for message, reading in zip([m for i, m in enumerate(batch) if i not in good], readings,
                                    strict=True):  # fmt: skip
            if message.conversation_id:
                histories.setdefault(message.conversation_id, []).append(message.text)
            records.append(reading_record(message, reading))
            table_rows.append((str(message.line), reading))
        analysed += len(records)
        if writer:
            writer.write(records)
            table_rows.clear()

    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=True,
        disable=total_bytes is not None and total_bytes < 50_000,
    ) as progress:  # fmt: skip
        task = progress.add_task("analysing", total=total_bytes)
        batch: list[Message] = []
        for item in read_messages(stream, fmt):
            if isinstance(item, LineError):
                err.print(f"[yellow]{item}[/yellow]")
                skipped += 1
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                flush(batch)
                batch = []
                if total_bytes:
                    progress.update(task, completed=stream.tell())
        if batch:
            flush(batch)
        progress.update(task, completed=total_bytes)
    if output_format == "table":
        Console(file=out, width=160).print(reading_table(table_rows))
    if output:
        out.close()
    if analysed == 0:
        err.print("[red]error:[/red] no message could be analysed (empty input?)")
        raise typer.Exit(2)
    err.print(f"analysed {analysed} message(s), skipped {skipped} line(s)")
    if skipped:
        raise typer.Exit(1)


@app.command()
def chat() -> None:
    """Talk to the engine in the terminal; each message's reading is shown. Ctrl-D or /quit ends."""
    engine = _engine()
    console = Console()
    history: list[str] = []
    interactive = sys.stdin.isatty()
    console.print("[bold]empathic chat[/bold]: type a message; /quit to leave.")
    while True:
        try:
            text = console.input("[bold cyan]you>[/] ") if interactive else input()
        except (EOFError, KeyboardInterrupt):
            break
        if text.strip() in {"/quit", "/exit"}:
            break
        if not text.strip():
            continue
        try:
            reading = engine.analyze([text], [history])[0]
        except InputError as exc:
            console.print(f"[yellow]{exc}[/yellow]")
            continue
        history.append(text)
        console.print(reading_table([(str(len(history)), reading)]))
        if reading.crisis:
            console.print(
                f"[bold red]crisis signal ({reading.crisis.kind}):[/] "
                + "; ".join(f'"{s.text}"' for s in reading.crisis.evidence)
            )


def main() -> None:  # pragma: no cover - console entry
    app()
