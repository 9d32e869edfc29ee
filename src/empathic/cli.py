"""The ``empathic`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, Literal, NoReturn, TextIO

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from empathic.errors import EmpathicError, InputError
from empathic.types import Reading

if TYPE_CHECKING:
    from empathic.config import EmpathicConfig, LLMConfig

app = typer.Typer(
    help="empathic: an empathetic dialogue engine for customer-facing chatbots.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)
BATCH = 256


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="TOML configuration file (default: env EMPATHIC_CONFIG)"),
]


def _fail(exc: Exception) -> NoReturn:
    """Print an error the user can act on and exit 2."""
    err.print(f"[red]error:[/red] {_plain(str(exc))}")
    raise typer.Exit(2) from exc


def _load_config(path: Path | None = None, **sections: dict[str, Any]) -> EmpathicConfig:
    """The configuration: the command's options (``sections``, None meaning not given) over
    the environment, over the TOML file, over the defaults; exit 2 when it is not valid."""
    from empathic.config import ConfigError, EmpathicConfig

    overrides = {
        name: given
        for name, values in sections.items()
        if (given := {k: v for k, v in values.items() if v is not None})
    }
    try:
        return EmpathicConfig.load(path, **overrides)
    except ConfigError as exc:
        _fail(exc)


def _engine(config: EmpathicConfig, llm=None):
    """The engine the configuration describes (perception, knowledge base, locale), answering
    through ``llm`` when given; exit 2 when a model or the knowledge base cannot be loaded."""
    from empathic.engine import Engine

    try:
        return Engine(llm=llm, config=config)
    except EmpathicError as exc:
        _fail(exc)


def _plain(text: str) -> str:
    """User text made safe for the terminal: no Rich markup, no control characters."""
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return escape(cleaned)


def reading_table(
    rows: list[tuple[str, Reading]], title: str | None = None, plain: bool = False,
    width: int = 80,
) -> Table:  # fmt: skip
    """Readings as a table ``width`` columns wide (80 by default): the message and long labels
    are cut with an ellipsis, figures never wrap; the crisis column only when a row has one.
    ``plain``: no rules, no colour (for files and pipes)."""
    crises = any(r.crisis for _, r in rows)
    number = max([len(label) for label, _ in rows] + [1])
    fixed = {"emotion (ED-32)": 17, "ekman": 8, "val": 5, "intent": 10, "crisis": 8}
    if not crises:
        del fixed["crisis"]
    gaps = 2 * (len(fixed) + 1)  # one space either side of each column but the edges
    message = max(10, width - number - sum(fixed.values()) - gaps)
    table = Table(
        title=title, show_lines=False, expand=False, box=None if plain else box.SIMPLE_HEAD,
        pad_edge=False, header_style="" if plain else "bold", show_edge=False,
    )  # fmt: skip
    table.add_column("#", justify="right", no_wrap=True, width=number)
    table.add_column("message", overflow="ellipsis", no_wrap=True, max_width=message)
    for name, size in fixed.items():
        table.add_column(name, overflow="ellipsis", no_wrap=True, max_width=size,
                         justify="right" if name == "val" else "left")  # fmt: skip
    for label, r in rows:
        ed, p = r.top_ed(1)[0]
        cells = [label, _plain(" ".join(r.text.split())), _plain(f"{ed} {p:.2f}"), r.ekman,
                 f"{r.valence:+.2f}", r.intent]  # fmt: skip
        if crises:
            kind = r.crisis.kind if r.crisis else ""
            cells.append(kind if plain or not kind else f"[bold red]{kind}[/]")
        table.add_row(*cells)
    return table


def print_table(rows: list[tuple[str, Reading]], out: TextIO, terminal: bool | None = None,
                width: int | None = None) -> None:  # fmt: skip
    """The readings table on ``out``: with rules and colour on a terminal (its width, at most
    ``width``), as plain aligned text in 80 columns otherwise."""
    terminal = out.isatty() if terminal is None else terminal
    if terminal:
        console = Console(file=out, force_terminal=True)
        console.width = min(console.width, width or console.width)
    else:
        console = Console(file=out, width=width or 80, no_color=True, force_terminal=False,
                          color_system=None, emoji=False, highlight=False)  # fmt: skip
    table = reading_table(rows, plain=not terminal, width=console.width)
    console.print(table, overflow="ellipsis", crop=True)


@app.command()
def analyze(
    path: Annotated[
        str,
        typer.Argument(help="input file (.txt, .jsonl, .csv, .parquet), or - for standard input"),
    ] = "-",
    destination: Annotated[
        str | None,
        typer.Argument(help="output file (.jsonl, .csv or .parquet); same as --output"),
    ] = None,
    input_format: Annotated[
        Literal["auto", "text", "jsonl", "csv"],
        typer.Option("--input-format", "-i", help="auto guesses from the file name"),
    ] = "auto",
    output_format: Annotated[
        Literal["jsonl", "csv", "table", "parquet"] | None,
        typer.Option("--format", "-f", help="default: from the output's suffix, else jsonl"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of standard output")
    ] = None,
    context: Annotated[
        bool, typer.Option(help="use earlier messages of the same conversation_id as context")
    ] = True,
    engine_name: Annotated[
        Literal["single", "ray"],
        typer.Option("--engine", help="single: this process; ray: Ray Data actors (the ray extra)"),
    ] = "single",
    workers: Annotated[
        int | None, typer.Option(help="--engine ray: actors (default: the cluster's CPUs)")
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="--engine ray: cluster to join (default: env RAY_ADDRESS, else local)"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Read messages (plain lines, JSONL, CSV or Parquet) and write one reading per message.

    Bad lines are reported on standard error with their line number and skipped; the exit code
    is 1 when any line was skipped, 2 when nothing could be analysed. Parquet output, Parquet
    input and --engine ray need an output file: `empathic analyze --engine ray IN OUT`.
    """
    from empathic.transcripts import guess_format

    output = Path(destination) if destination is not None else output
    fmt_out = output_format or _format_from(output)
    if engine_name == "ray" or fmt_out == "parquet" or path.lower().endswith(".parquet"):
        _analyze_batch(
            path, output, fmt_out, input_format, context, engine_name, workers, ray_address, config
        )
        return
    fmt = guess_format(path) if input_format == "auto" else input_format
    stream = _open_input(path)
    if output and path != "-" and output.resolve() == Path(path).resolve():
        err.print("[red]error:[/red] --output is the input file; choose another path")
        raise typer.Exit(2)
    engine = _engine(_load_config(config))
    out = _open_output(output)
    run = _Analysis(engine, out, fmt_out, context)
    total_bytes = Path(path).stat().st_size if path != "-" else None
    run.read_all(stream, fmt, total_bytes)
    if fmt_out == "table":
        print_table(run.table_rows, out)
    if output:
        out.close()
    _finish(run.analysed, run.skipped)


def _format_from(output: Path | None) -> Literal["jsonl", "csv", "parquet"]:
    suffix = output.suffix.lower() if output else ""
    return "parquet" if suffix == ".parquet" else "csv" if suffix == ".csv" else "jsonl"


def _finish(analysed: int, skipped: int) -> None:
    """The summary line and the exit code: 2 when nothing was analysed, 1 when lines were
    skipped."""
    if analysed == 0:
        err.print("[red]error:[/red] no message could be analysed (empty input?)")
        raise typer.Exit(2)
    err.print(f"analysed {analysed} message(s), skipped {skipped} line(s)")
    if skipped:
        raise typer.Exit(1)


def _analyze_batch(
    path: str, output: Path | None, fmt_out: str, input_format: str, context: bool,
    engine_name: Literal["single", "ray"],
    workers: int | None, ray_address: str | None, config: Path | None,
) -> None:  # fmt: skip
    """``analyze`` through empathic.batch: Parquet, or Ray Data actors."""
    from empathic import batch

    if output is None or path == "-":
        _fail(InputError("Parquet and --engine ray read and write files: give INPUT and OUTPUT "
                         "(for example `empathic analyze --engine ray in.jsonl out.parquet`)"))  # fmt: skip
    if fmt_out not in ("jsonl", "csv", "parquet"):
        _fail(
            InputError(f"--format {fmt_out} is not a file format here; use jsonl, csv or parquet")
        )
    if output.resolve() == Path(path).resolve():
        _fail(InputError("the output is the input file; choose another path"))
    if not Path(path).is_file():
        err.print(f"[red]error:[/red] cannot open {path}: no such file")
        raise typer.Exit(2)
    if engine_name == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            _fail(InputError("--engine ray needs Ray: pip install 'empathic[ray]'"))
    settings = _load_config(config)
    result = batch.analyze_file(
        path, output, engine_name, input_fmt=input_format, output_fmt=fmt_out, context=context,  # type: ignore[arg-type]
        config=settings,
        workers=workers, ray_address=ray_address,
        on_error=lambda e: err.print(f"[yellow]{_plain(str(e))}[/yellow]"),
    )  # fmt: skip
    err.print(f"{engine_name}: {result.rows_per_s:.0f} rows/s on {result.workers} worker(s)")
    _finish(result.written, len(result.errors))


def _open_input(path: str) -> BinaryIO:
    """The input as bytes: standard input for ``-``; exit 2 when the file cannot be opened."""
    try:
        return sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot open {path}: {exc.strerror}")
        raise typer.Exit(2) from exc


def _open_output(output: Path | None) -> TextIO:
    """Where readings go: the ``--output`` file or standard output; exit 2 when not writable."""
    try:
        return open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write {output}: {exc.strerror}")
        raise typer.Exit(2) from exc


class _Analysis:
    """One ``empathic analyze`` run: reads messages in batches, writes their readings, and
    counts what was analysed and what was skipped."""

    def __init__(
        self, engine, out: TextIO, output_format: Literal["jsonl", "csv", "table"], context: bool
    ):
        from empathic.transcripts import ReadingWriter

        self.engine = engine
        self.writer = None if output_format == "table" else ReadingWriter(out, output_format)
        self.context = context
        self.histories: dict[str, list[str]] = {}
        self.table_rows: list[tuple[str, Reading]] = []
        self.analysed = 0
        self.skipped = 0

    def read_all(
        self, stream: BinaryIO, fmt: Literal["text", "jsonl", "csv"], total_bytes: int | None
    ) -> None:
        """Every message of ``stream``, in batches of BATCH, with a progress bar on big files."""
        from empathic.transcripts import LineError, read_messages

        with Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(), console=err, transient=True,
            disable=total_bytes is not None and total_bytes < 50_000,
        ) as progress:  # fmt: skip
            task = progress.add_task("analysing", total=total_bytes)
            batch: list[tuple[Any, list[str]]] = []
            for item in read_messages(stream, fmt):
                if isinstance(item, LineError):
                    err.print(f"[yellow]{_plain(str(item))}[/yellow]")
                    self.skipped += 1
                    continue
                batch.append((item, self.history(item)))
                if len(batch) >= BATCH:
                    self.flush(batch)
                    batch = []
                    if total_bytes:
                        progress.update(task, completed=stream.tell())
            if batch:
                self.flush(batch)
            progress.update(task, completed=total_bytes)

    def history(self, message) -> list[str]:
        """The context of ``message``: what came before it in its conversation, even within
        the same batch (the last 8 messages); none without --context or a conversation_id."""
        if not (self.context and message.conversation_id):
            return []
        earlier = self.histories.setdefault(message.conversation_id, [])
        history = earlier[-8:]
        earlier.append(message.text)
        return history

    def flush(self, batch: list[tuple[Any, list[str]]]) -> None:
        """Reads one batch; bad messages are reported by line and skipped."""
        from empathic.transcripts import reading_record

        errors, readings = self.engine.analyze_messages(
            [m.text for m, _ in batch], [history for _, history in batch]
        )
        for index, error in errors.items():
            err.print(f"[yellow]line {batch[index][0].line}:[/yellow] {_plain(str(error))}")
            self.skipped += 1
        records = []
        kept = [m for i, (m, _) in enumerate(batch) if i not in errors]
        for message, reading in zip(kept, readings, strict=True):
            records.append(reading_record(message, reading))
            self.table_rows.append((str(message.line), reading))
        self.analysed += len(records)
        if self.writer:
            self.writer.write(records)
            self.table_rows.clear()


def _llm_client(config: LLMConfig, default_timeout: float):
    """(client, server) for the configured LLM (``--backend URL`` or ``--model PATH.gguf``);
    (None, None) for the composer. Without a timeout in the options, environment or file the
    command's own ``default_timeout`` applies."""
    from empathic.respond.llm import open_llm

    if "timeout" not in config.model_fields_set:
        config = config.model_copy(update={"timeout": default_timeout})
    try:
        return open_llm(config)
    except EmpathicError as exc:
        _fail(exc)


KnowledgeOption = Annotated[
    str | None,
    typer.Option(
        "--knowledge", "-k", help="markdown/FAQ folder to answer from, or 'demo' (the demo shop)"
    ),
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
    timeout: Annotated[
        float | None, typer.Option(help="seconds to wait for the LLM (default 30)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Talk to the engine in the terminal. Ctrl-D or /quit ends.

    Replies come from the built-in composer unless --backend or --model names an LLM.
    """
    settings = _load_config(
        config,
        llm={"url": backend, "local_model": _text(model), "timeout": timeout},
        responding={"knowledge_base": knowledge},
    )
    client, server = _llm_client(settings.llm, 30.0)
    try:
        _chat_loop(_engine(settings, client), show_reading)
    finally:
        if server is not None:
            server.close()


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


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
    settings = _load_config(llm={"url": backend, "local_model": _text(model)})
    client, server = _llm_client(settings.llm, timeout)
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
    host: Annotated[str | None, typer.Option(help="address to listen on [127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on [8000]")] = None,
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
    timeout: Annotated[
        float | None, typer.Option(help="seconds per upstream LLM call [20]")
    ] = None,
    rate_limit: Annotated[
        int | None,
        typer.Option(help="requests per minute per key or client address; 0 = off [600]"),
    ] = None,
    max_body_bytes: Annotated[
        int | None, typer.Option(help="largest request body accepted [256000]")
    ] = None,
    cors_origin: Annotated[
        list[str] | None, typer.Option(help="allow browser calls from this origin (repeatable)")
    ] = None,
    open_: Annotated[
        bool | None,
        typer.Option(
            "--open/--require-keys",
            help="--open: no API keys, every caller is admin (loopback hosts only); "
            "--require-keys: keys even on a fresh store. Default: open on loopback only while "
            "the store has never had a key",
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(help="believe X-Forwarded-For from this proxy address (repeatable)"),
    ] = None,
    encoder_threads: Annotated[
        int | None,
        typer.Option(help="threads per encoder run; 0 = all cores (onnxruntime's default) [1]"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="worker processes, each with its own engine, sharing the store [1]"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Start the HTTP service: JSON API, OpenAI-compatible endpoint, chat page and dashboard.

    Options override the environment (EMPATHIC_*), which overrides the --config file.
    """
    settings = _load_config(
        config,
        serving={
            "host": host, "port": port, "db_url": db, "rate_limit": rate_limit,
            "max_body_bytes": max_body_bytes, "cors_origins": cors_origin or None,
            "open": open_, "encoder_threads": encoder_threads, "workers": workers,
            "trusted_proxies": trusted_proxy or None,
        },
        llm={"url": backend, "local_model": _text(model), "timeout": timeout},
        responding={"knowledge_base": knowledge},
    )  # fmt: skip
    serving = settings.serving
    shown = f"[{serving.host}]" if ":" in serving.host else serving.host
    local = "127.0.0.1" if serving.host in {"0.0.0.0", "::"} else shown
    url = f"http://{local}:{serving.port}"
    banner = (
        f"empathic serving on {url}  (chat {url}/ , dashboard {url}/dashboard , API {url}/docs)"
    )
    if serving.workers > 1:
        _serve_workers(settings, banner)
    else:
        _serve_one(settings, banner)


def _serve_one(settings: EmpathicConfig, banner: str) -> None:
    """One process: the app is built here, so a bad model or store fails before listening."""
    import uvicorn

    from empathic.serve import create_app

    serving = settings.serving
    try:
        application = create_app(settings)
    except EmpathicError as exc:
        _fail(exc)
    print(banner, flush=True)
    _say_how_callers_are_checked(serving, not application.state.services.keys.required())
    uvicorn.run(application, **_uvicorn_options(serving))


def _serve_workers(settings: EmpathicConfig, banner: str) -> None:
    """Several uvicorn workers: the store is migrated once here, then each worker builds its
    app from the configuration passed to it as JSON (``empathic.config.WORKER_ENV``)."""
    import os
    import tempfile

    import uvicorn

    from empathic.config import WORKER_ENV
    from empathic.store import Store

    serving = settings.serving
    try:
        store = Store(serving.db_url)  # migrate once, before the workers start
    except Exception as exc:  # noqa: BLE001 - a bad URL or an unreachable database
        err.print(f"[red]error:[/red] cannot open the store {serving.db_url}: {exc}")
        raise typer.Exit(2) from exc
    fresh = store.keys_ever() == 0
    store.close()
    # Workers count into shared files; /metrics adds them up. These are written for the worker
    # processes, never read here.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="empathic-"))
    os.environ[WORKER_ENV] = settings.to_json()
    print(f"{banner}, {serving.workers} workers", flush=True)
    from empathic.serve.auth import is_loopback

    is_open = is_loopback(serving.host) and (
        serving.open is True or (serving.open is None and fresh)
    )
    _say_how_callers_are_checked(serving, is_open)
    uvicorn.run("empathic.serve.app:create_app_from_environment", factory=True,
                workers=serving.workers, **_uvicorn_options(serving))  # fmt: skip


def _uvicorn_options(serving) -> dict[str, Any]:
    """Where to listen, and whose X-Forwarded-* headers to believe: only the configured
    proxies' (none by default: a client must not choose the address it is rate-limited as)."""
    return {
        "host": serving.host, "port": serving.port, "log_level": "warning",
        "proxy_headers": bool(serving.trusted_proxies),
        "forwarded_allow_ips": ",".join(serving.trusted_proxies) or "",
        "h11_max_incomplete_event_size": serving.max_header_bytes,
        "server_header": False,
    }  # fmt: skip


def _say_how_callers_are_checked(serving, is_open: bool) -> None:
    """One clear line on stderr: open on loopback (and why), or keys required (and how)."""
    if is_open:
        why = "--open" if serving.open else "no API key exists yet"
        err.print(f"[yellow]open:[/yellow] this server needs no API key ({why}) and answers "
                  f"only this machine ({serving.host}); every caller is admin. Create a key with "
                  "`empathic keys create NAME` to require keys from then on.")  # fmt: skip
    else:
        err.print("API keys required (Authorization: Bearer KEY); create one with "
                  "`empathic keys create NAME --tenant T --role chat|operator|admin`.")  # fmt: skip


keys_app = typer.Typer(help="API keys for the HTTP service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
DbOption = Annotated[str | None, typer.Option("--db", help="store URL (env EMPATHIC_DB_URL)")]


def _store(db: str | None):
    """The store of ``--db``, else of the configuration (EMPATHIC_DB_URL, EMPATHIC_CONFIG)."""
    from empathic.store import Store

    return Store(_load_config(serving={"db_url": db}).serving.db_url)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="who or what the key is for")],
    db: DbOption = None,
    rate_limit: Annotated[
        int | None, typer.Option(help="requests per minute for this key (default: the server's)")
    ] = None,
    tenant: Annotated[
        str, typer.Option(help="whose conversations the key reaches ([A-Za-z0-9_-]{1,64})")
    ] = "default",
    role: Annotated[
        str,
        typer.Option(
            help="chat (send turns, analyze), operator (also read, dashboard, "
            "hand-offs) or admin (everything)"
        ),
    ] = "chat",
) -> None:
    """Create a key and print it once; only its hash is stored."""
    store = _store(db)
    try:
        secret, key = store.create_key(name, rate_limit, tenant, role)
    except EmpathicError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        store.close()
    err.print(f"key {key['id']} ({_plain(key['name'])}, tenant {key['tenant']}, role "
              f"{key['role']}) created; it is shown only this once:")  # fmt: skip
    print(secret)


@keys_app.command("list")
def keys_list(db: DbOption = None) -> None:
    """List keys (id, name, prefix, tenant, role, state); secrets are never shown again."""
    store = _store(db)
    try:
        for key in store.api_keys():
            state = "revoked" if key["revoked_at"] else "active"
            print(f"{key['id']}\t{key['name']}\t{key['prefix']}...\t{key['tenant']}\t"
                  f"{key['role']}\t{state}")  # fmt: skip
    finally:
        store.close()


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="the key's id")], db: DbOption = None):
    """Revoke a key (servers stop accepting it within 30 seconds). Revoking the last key never
    makes a server open: keys stay required."""
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
