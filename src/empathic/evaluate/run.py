"""``empathic eval``: run suites, write the report, print the summary."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from empathic.components import LLMBackend
from empathic.data import demo_knowledge
from empathic.engine import Engine
from empathic.errors import DataNotFoundError, EmpathicError
from empathic.evaluate import suites as su
from empathic.evaluate.epitome import MECHANISMS, REPLICATION, EpitomeScorer
from empathic.evaluate.report import score_table, write_report


@dataclass(frozen=True)
class EvalOptions:
    suites: tuple[str, ...]
    name: str | None = None
    out: Path = Path("reports")
    limit: int = 300
    seed: int = 13
    transcripts: Path | None = None
    scenario_folder: Path | None = None
    steer: bool = True
    write: bool = True
    command: str = "empathic eval"


def epitome_figures(scorer: EpitomeScorer, seed: int = 13) -> dict:
    """Accuracy and macro-F1 per mechanism on the EPITOME test split, and a majority baseline."""
    import numpy as np

    from empathic.evaluate import datasets as ds
    from empathic.evaluate.metrics import accuracy, macro_f1

    split = ds.epitome_split(ds.epitome(), seed=seed)
    test, train = split["test"], split["train"]
    levels = scorer.score([p.seeker for p in test], [p.response for p in test]).levels
    truth = np.array([p.levels for p in test])
    out: dict = {}
    for j, mechanism in enumerate(MECHANISMS):
        majority = np.bincount([p.levels[j] for p in train], minlength=3).argmax()
        guess = np.full(len(truth), majority)
        out[mechanism] = (
            round(accuracy(truth[:, j], levels[:, j]), 4),
            round(macro_f1(truth[:, j], levels[:, j], 3), 4),
        )
        out[f"{mechanism}_majority"] = (
            round(accuracy(truth[:, j], guess), 4),
            round(macro_f1(truth[:, j], guess, 3), 4),
        )
    out["test_pairs"] = len(test)
    return out


def _print_epitome(console: Console, figures: dict) -> None:
    table = Table(title=f"EPITOME scorer, test split ({figures['test_pairs']} pairs)")
    for column in ("mechanism", "accuracy", "macro-F1", "replication", "majority"):
        table.add_column(column)
    for m in MECHANISMS:
        acc, f1 = figures[m]
        ra, rf = REPLICATION[m]
        ma, mf = figures[f"{m}_majority"]
        table.add_row(m.replace("_", " "), f"{acc:.3f}", f"{f1:.3f}", f"{ra:.2f} / {rf:.2f}",
                      f"{ma:.3f} / {mf:.3f}")  # fmt: skip
    console.print(table)


def _print_result(console: Console, result: su.SuiteResult) -> None:
    s = result.summary
    if "error" in s:
        console.print(f"[yellow]{result.name}: not run: {s['error']}[/yellow]")
        return
    if result.name == "ed":
        rows = score_table(s["systems"])
        table = Table(title=f"EmpatheticDialogues test: {s['listener_turns']} listener turns, "
                            f"{s['conversations']} conversations")  # fmt: skip
        for column in rows[0]:
            table.add_column(column)
        for row in rows[1:]:
            table.add_row(*row)
        console.print(table)
        sources = s.get("composer_reply_sources", {})
        if sources.get("safety"):
            console.print(
                f"[yellow]{sources['safety']} of {sum(sources.values())} composer replies were the "
                "fixed crisis reply (a crisis signal was read); they weigh on its scores[/yellow]"
            )
    elif result.name == "esconv":
        published = ", ".join(
            f"{k} {v['accuracy']:.3f}" + (f" / {v['macro_f1']:.3f}" if v["macro_f1"] else "")
            for k, v in s["published"].items()
        )
        console.print(
            f"ESConv next strategy ({s['samples']} test turns): accuracy {s['accuracy']:.3f}, "
            f"macro-F1 {s['macro_f1']:.3f} (published: {published})"
        )
    elif result.name == "scenarios":
        table = Table(title="scenario suite")
        for column in ("scenario", "expectations", "passed", "failures"):
            table.add_column(column, overflow="fold")
        for row in result.details["table"]:
            table.add_row(row["scenario"], str(row["expectations"]), str(row["passed"]),
                          "; ".join(row["failures"])[:300])  # fmt: skip
        console.print(table)
        # The line scripts read (kept from the first `eval scenarios`).
        print(f"pass rate: {s['pass_rate']:.3f} ({s['passed']}/{s['expectations']})")
    elif result.name == "transcripts":
        console.print(
            f"transcripts: {s['conversations']} conversations, {s['user_messages']} user messages, "
            f"{s['agent_replies']} agent replies, {s['skipped_lines']} lines skipped; "
            f"{s['escalations']} escalations, {s['de_escalations']} de-escalations, "
            f"{s['handoff_points']} hand-off points"
        )
        if s.get("agent"):
            rows = score_table({"agent replies": s["agent"]})
            table = Table(title="agent replies in the transcripts")
            for column in rows[0]:
                table.add_column(column)
            for row in rows[1:]:
                table.add_row(*row)
            console.print(table)


def run_eval(
    options: EvalOptions,
    llm: LLMBackend | None = None,
    console: Console | None = None,
    err: Console | None = None,
) -> Path | None:
    """Run ``options.suites``; write the report unless told not to. Returns its folder."""
    console = console or Console(width=200)
    err = err or Console(stderr=True)
    started = time.perf_counter()
    engine = Engine()
    backend = Engine(engine.perceiver, llm=llm, steer=options.steer) if llm is not None else None
    epitome = None
    if {"ed", "transcripts"} & set(options.suites):
        try:
            epitome = EpitomeScorer()
        except EmpathicError as exc:
            err.print(f"[yellow]EPITOME scores skipped: {exc}[/yellow]")
    results: list[su.SuiteResult] = []
    figures = None
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=True,
    ) as progress:  # fmt: skip
        for suite in options.suites:
            try:
                if suite == "ed" and epitome is not None:
                    figures = epitome_figures(epitome)
                results.append(_run_suite(suite, options, engine, backend, llm, epitome, progress))
            except DataNotFoundError as exc:
                results.append(su.SuiteResult(suite, summary={"error": str(exc)}))
    if figures:
        _print_epitome(console, figures)
    for result in results:
        _print_result(console, result)
    elapsed = time.perf_counter() - started
    if not options.write:
        return None
    name = options.name or datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = write_report(results, options.out, name, options.command, figures)
    console.print(f"report: {folder / 'report.md'} ({elapsed:.0f}s)")
    return folder


def _run_suite(
    suite: str,
    options: EvalOptions,
    engine: Engine,
    backend: Engine | None,
    llm: LLMBackend | None,
    epitome: EpitomeScorer | None,
    progress: Progress,
) -> su.SuiteResult:
    """One suite, on the same engine (and pipeline) the server runs."""
    if suite == "ed":
        return su.ed_suite(engine, options.limit, options.seed, backend, epitome, progress)
    if suite == "esconv":
        return su.esconv_suite(engine.perceiver)
    if suite == "scenarios":
        engines: dict[bool, Engine] = {}

        def engine_for(knowledge: bool) -> Engine:
            if knowledge not in engines:
                kb = demo_knowledge() if knowledge else None
                engines[knowledge] = Engine(
                    engine.perceiver, knowledge=kb, llm=llm, steer=options.steer
                )
            return engines[knowledge]

        return su.scenarios_suite(engine_for, options.scenario_folder, progress)
    if options.transcripts is None:
        raise EmpathicError("the transcripts suite needs --transcripts FILE")
    return su.transcripts_suite(engine, options.transcripts, epitome, progress)


def check_suites(names: Sequence[str]) -> list[str]:
    """The unknown names among ``names``."""
    return [n for n in names if n not in su.SUITES]
