"""The ``empathic`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
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


def _plain(text: str) -> str:
    """User text made safe for the terminal: no Rich markup, no control characters."""
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return escape(cleaned)


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
            _plain(r.text if len(r.text) <= 60 else r.text[:57] + "..."),
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
    if output and path != "-" and output.resolve() == Path(path).resolve():
        err.print("[red]error:[/red] --output is the input file; choose another path")
        raise typer.Exit(2)
    engine = _engine()
    try:
        out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write {output}: {exc.strerror}")
        raise typer.Exit(2) from exc
    writer = None if output_format == "table" else ReadingWriter(out, output_format)
    total_bytes = Path(path).stat().st_size if path != "-" else None
    histories: dict[str, list[str]] = {}
    table_rows: list[tuple[str, Reading]] = []
    analysed = skipped = 0

    def flush(batch: list[tuple[Message, list[str]]]) -> None:
        nonlocal analysed, skipped
        errors, readings = engine.analyze_messages(
            [m.text for m, _ in batch], [history for _, history in batch]
        )
        for index, error in errors.items():
            err.print(f"[yellow]line {batch[index][0].line}:[/yellow] {_plain(str(error))}")
            skipped += 1
        records = []
        kept = [m for i, (m, _) in enumerate(batch) if i not in errors]
        for message, reading in zip(kept, readings, strict=True):
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
        batch: list[tuple[Message, list[str]]] = []
        for item in read_messages(stream, fmt):
            if isinstance(item, LineError):
                err.print(f"[yellow]{_plain(str(item))}[/yellow]")
                skipped += 1
                continue
            # The context is what came before this message, even within the same batch.
            history: list[str] = []
            if context and item.conversation_id:
                earlier = histories.setdefault(item.conversation_id, [])
                history = earlier[-8:]
                earlier.append(item.text)
            batch.append((item, history))
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


def _llm_client(backend: str | None, model: Path | None, timeout: float):
    """(client, server) for --backend URL or --model PATH.gguf; (None, None) for the composer."""
    from empathic.respond.llm import ChatClient

    if model is not None:
        from empathic.respond.local_llm import LocalLlamaServer

        try:
            server = LocalLlamaServer(model)
        except EmpathicError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        return ChatClient(server.url, timeout=timeout), server
    if backend:
        import os

        return ChatClient(backend, model=os.environ.get("EMPATHIC_LLM_MODEL", "default"),
                          api_key=os.environ.get("EMPATHIC_LLM_API_KEY"), timeout=timeout), None  # fmt: skip
    return None, None


KnowledgeOption = Annotated[
    Path | None, typer.Option("--knowledge", "-k", help="markdown/FAQ folder to answer from")
]
BackendOption = Annotated[
    str | None, typer.Option("--backend", help="OpenAI-compatible base URL of an LLM to steer")
]
ModelOption = Annotated[
    Path | None, typer.Option("--model", help="a local GGUF model, served on 127.0.0.1")
]


@app.command()
def chat(
    knowledge: KnowledgeOption = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    show_reading: Annotated[bool, typer.Option(help="show each message's reading")] = True,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the LLM")] = 30.0,
) -> None:
    """Talk to the engine in the terminal. Ctrl-D or /quit ends.

    Replies come from the built-in composer unless --backend or --model names an LLM.
    """
    from empathic.engine import Engine

    client, server = _llm_client(backend, model, timeout)
    try:
        engine = Engine(knowledge=knowledge, llm=client)
    except EmpathicError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        _chat_loop(engine, show_reading)
    finally:
        if server is not None:
            server.close()


def _chat_loop(engine, show_reading: bool) -> None:
    # Piped output has no terminal width; rich's 80 columns would break the table's headers.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    interactive = sys.stdin.isatty()
    console.print("[bold]empathic chat[/bold]: type a message; /quit to leave.")
    turns = 0
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
            turn = engine.respond("terminal", text)
        except InputError as exc:
            console.print(f"[yellow]{exc}[/yellow]")
            continue
        turns += 1
        if show_reading:
            console.print(reading_table([(str(turns), turn.reading)]))
            verdict = "ok" if turn.reply.passed else "needs work"
            console.print(
                f"[dim]plan: {' > '.join(turn.plan.strategies)} | empathy {turn.plan.empathy_level}"
                f" | critic: {verdict}{' | repaired: ' + ', '.join(turn.reply.repairs) if turn.reply.repairs else ''}[/dim]"
            )
        if turn.reading.crisis:
            console.print(
                f"[bold red]crisis signal ({turn.reading.crisis.kind}):[/] "
                + "; ".join(f'"{_plain(s.text)}"' for s in turn.reading.crisis.evidence)
            )
        console.print(f"[bold green]empathic>[/] {_plain(turn.reply.text)}")
        if turn.handoff:
            console.print(f"[bold magenta]hand-off raised:[/] {_plain(turn.handoff.summary)}")


@app.command("eval")
def eval_(
    suites: Annotated[
        list[str], typer.Argument(help="one or more of: ed, esconv, scenarios, transcripts")
    ],
    name: Annotated[
        str | None, typer.Option(help="report folder name (default: the date and time)")
    ] = None,
    out: Annotated[Path, typer.Option(help="folder that holds the reports")] = Path("reports"),
    backend: BackendOption = None,
    model: ModelOption = None,
    limit: Annotated[
        int, typer.Option(help="EmpatheticDialogues test conversations to reply to (0: all)")
    ] = 300,
    seed: Annotated[int, typer.Option(help="seed of the ED sample")] = 13,
    transcripts: Annotated[
        Path | None, typer.Option(help="your conversations, JSONL or CSV (role, text, ...)")
    ] = None,
    unsteered: Annotated[
        bool, typer.Option(help="send the LLM a plain system prompt, no plan, no critic")
    ] = False,
    folder: Annotated[Path | None, typer.Option(help="scenario folder")] = None,
    report: Annotated[bool, typer.Option(help="write reports/<name>/")] = True,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the LLM")] = 60.0,
) -> None:
    """Measure empathy and helpfulness; write report.json, report.md and plots.

    Suites: ed (reply to EmpatheticDialogues test conversations beside the human listeners and
    two baselines), esconv (next-strategy prediction), scenarios (the multi-turn scenario suite),
    transcripts (your own conversations, with --transcripts FILE).
    """
    from empathic.evaluate.run import EvalOptions, check_suites, run_eval

    if transcripts is not None and "transcripts" not in suites:
        suites = [*suites, "transcripts"]
    unknown = check_suites(suites)
    if unknown:
        err.print(f"[red]error:[/red] unknown suite(s) {', '.join(unknown)}; "
                  "choose from ed, esconv, scenarios, transcripts")  # fmt: skip
        raise typer.Exit(2)
    if "transcripts" in suites and (transcripts is None or not transcripts.is_file()):
        err.print("[red]error:[/red] the transcripts suite needs --transcripts FILE (JSONL or CSV)")
        raise typer.Exit(2)
    options = EvalOptions(
        tuple(dict.fromkeys(suites)), name, out, limit, seed, transcripts, folder,
        steer=not unsteered, write=report, command="empathic eval " + " ".join(sys.argv[2:]),
    )  # fmt: skip
    client, server = _llm_client(backend, model, timeout)
    try:
        run_eval(options, client, err=err)
    except EmpathicError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        if server is not None:
            server.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="store URL: sqlite:///PATH or postgresql://USER@HOST/DB "
            "(env EMPATHIC_DB_URL; default sqlite:///empathic.db)",
        ),
    ] = None,  # fmt: skip
    knowledge: KnowledgeOption = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    timeout: Annotated[float, typer.Option(help="seconds per upstream LLM call")] = 20.0,
    rate_limit: Annotated[
        int, typer.Option(help="requests per minute per key or client address; 0 = off")
    ] = 600,
    max_body_bytes: Annotated[int, typer.Option(help="largest request body accepted")] = 256_000,
    cors_origin: Annotated[
        list[str] | None, typer.Option(help="allow browser calls from this origin (repeatable)")
    ] = None,
    require_keys: Annotated[
        bool | None,
        typer.Option("--require-keys/--open", help="default: keys required once one exists"),
    ] = None,
    encoder_threads: Annotated[
        int, typer.Option(help="threads per encoder run; 0 = all cores (onnxruntime's default)")
    ] = 1,
    workers: Annotated[
        int, typer.Option(help="worker processes, each with its own engine, sharing the store")
    ] = 1,
) -> None:
    """Start the HTTP service: JSON API, OpenAI-compatible endpoint, chat page and dashboard."""
    import os

    import uvicorn

    from empathic.serve import Settings, create_app

    settings = Settings(
        db_url=db or os.environ.get("EMPATHIC_DB_URL") or Settings.db_url,
        knowledge=str(knowledge) if knowledge else None,
        backend=backend,
        backend_model=os.environ.get("EMPATHIC_LLM_MODEL", "default"),
        backend_api_key=os.environ.get("EMPATHIC_LLM_API_KEY"),
        model=str(model) if model else None,
        upstream_timeout=timeout,
        rate_limit=rate_limit,
        max_body_bytes=max_body_bytes,
        cors_origins=list(cors_origin or []),
        require_keys=require_keys,
        encoder_threads=encoder_threads,
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in {'0.0.0.0', '::'} else shown}:{port}"
    banner = (
        f"empathic serving on {url}  (chat {url}/ , dashboard {url}/dashboard , API {url}/docs)"
    )
    if workers > 1:
        import json
        import tempfile
        from dataclasses import asdict

        from empathic.store import Store

        try:
            store = Store(settings.db_url)  # migrate once, before the workers start
        except Exception as exc:  # noqa: BLE001 - a bad URL or an unreachable database
            err.print(f"[red]error:[/red] cannot open the store {settings.db_url}: {exc}")
            raise typer.Exit(2) from exc
        keyed = settings.require_keys or (settings.require_keys is None and store.active_keys())
        store.close()
        # Workers count into shared files; /metrics adds them up.
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="empathic-"))
        os.environ["EMPATHIC_SERVE_SETTINGS"] = json.dumps(asdict(settings))
        print(f"{banner}, {workers} workers", flush=True)
        _warn_if_open(host, bool(keyed))
        uvicorn.run("empathic.serve.app:create_app_from_environment", factory=True,
                    workers=workers, host=host, port=port, log_level="warning")  # fmt: skip
        return
    try:
        application = create_app(settings)
    except EmpathicError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    print(banner, flush=True)
    _warn_if_open(host, application.state.services.keys.required())
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _warn_if_open(host: str, keyed: bool) -> None:
    if host not in {"127.0.0.1", "localhost", "::1"} and not keyed:
        err.print("[yellow]warning:[/yellow] listening beyond this machine with no API key; "
                  "create one with `empathic keys create NAME`.")  # fmt: skip


keys_app = typer.Typer(help="API keys for the HTTP service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
DbOption = Annotated[str | None, typer.Option("--db", help="store URL (env EMPATHIC_DB_URL)")]


def _store(db: str | None):
    import os

    from empathic.store import DEFAULT_URL, Store

    return Store(db or os.environ.get("EMPATHIC_DB_URL") or DEFAULT_URL)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="who or what the key is for")],
    db: DbOption = None,
    rate_limit: Annotated[
        int | None, typer.Option(help="requests per minute for this key (default: the server's)")
    ] = None,
) -> None:
    """Create a key and print it once; only its hash is stored."""
    store = _store(db)
    try:
        secret, key = store.create_key(name, rate_limit)
    except EmpathicError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        store.close()
    err.print(f"key {key['id']} ({_plain(key['name'])}) created; it is shown only this once:")
    print(secret)


@keys_app.command("list")
def keys_list(db: DbOption = None) -> None:
    """List keys (id, name, prefix, state); secrets are never shown again."""
    store = _store(db)
    try:
        for key in store.api_keys():
            state = "revoked" if key["revoked_at"] else "active"
            print(f"{key['id']}\t{key['name']}\t{key['prefix']}...\t{state}")
    finally:
        store.close()


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="the key's id")], db: DbOption = None):
    """Revoke a key (servers stop accepting it within 30 seconds)."""
    store = _store(db)
    try:
        if not store.revoke_key(key_id):
            err.print(f"[red]error:[/red] no active key {key_id}")
            raise typer.Exit(1)
    finally:
        store.close()
    print(f"key {key_id} revoked")


def main() -> None:  # pragma: no cover - console entry
    app()
