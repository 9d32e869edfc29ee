"""Write an evaluation report: reports/<name>/report.json, report.md and PNG plots.

``reports/LATEST`` names the newest report's folder; ``latest_report()`` finds it (the web
dashboard links it).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from empathic.evaluate.epitome import MECHANISMS, REPLICATION, SHORT
from empathic.evaluate.suites import SuiteResult

# The rows of the side-by-side table of reply scores, with how each is printed.
ROWS = (
    ("er", "emotional reactions (0-2)", "{:.2f}"),
    ("ip", "interpretations (0-2)", "{:.2f}"),
    ("ex", "explorations (0-2)", "{:.2f}"),
    ("emotion_match", "emotion match", "{:.1%}"),
    ("over_empathy_rate", "over-empathy", "{:.1%}"),
    ("under_empathy_rate", "under-empathy", "{:.1%}"),
    ("helpful", "helpful (answer/step/question)", "{:.1%}"),
    ("has_question", "asks a question", "{:.1%}"),
    ("fact_used", "knowledge fact used", "{:.1%}"),
    ("empathy_sentences", "empathy sentences / reply", "{:.2f}"),
    ("dist1", "Dist-1", "{:.3f}"),
    ("dist2", "Dist-2", "{:.3f}"),
    ("same_opening_share", "same opening (3 words)", "{:.1%}"),
)


def _cell(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return fmt.format(value)


def score_table(systems: dict[str, dict]) -> list[list[str]]:
    """Header + rows: one column per system, one row per score."""
    names = list(systems)
    rows = [["score", *names]]
    for key, label, fmt in ROWS:
        if any(systems[n].get(key) is not None for n in names):
            rows.append([label, *(_cell(systems[n].get(key), fmt) for n in names)])
    return rows


def _markdown_table(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows[1:]]
    return "\n".join(out)


# -- plots -------------------------------------------------------------------------------------


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_levels(levels: dict[str, dict[str, list[int]]], path: Path, title: str) -> Path | None:
    """Share of replies at level 0/1/2 per mechanism, one bar group per system."""
    systems = [s for s, v in levels.items() if v]
    if not systems:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
    width = 0.8 / len(systems)
    for ax, mechanism in zip(axes, MECHANISMS, strict=True):
        key = SHORT[mechanism]
        for k, system in enumerate(systems):
            counts = np.array(levels[system].get(key, [0, 0, 0]), dtype=float)
            share = counts / max(counts.sum(), 1)
            ax.bar(np.arange(3) + k * width - 0.4 + width / 2, share, width, label=system)
        ax.set_xticks(range(3), ["0 none", "1 weak", "2 strong"])
        ax.set_title(mechanism.replace("_", " "))
    axes[0].set_ylabel("share of replies")
    axes[-1].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_per_emotion(per_emotion: dict[str, dict], path: Path) -> Path | None:
    if not per_emotion:
        return None
    plt = _pyplot()
    emotions = sorted(per_emotion, key=lambda e: -per_emotion[e]["top3"])
    fig, ax = plt.subplots(figsize=(13, 4.2))
    x = np.arange(len(emotions))
    ax.bar(x - 0.2, [per_emotion[e]["top1"] for e in emotions], 0.4, label="top-1")
    ax.bar(x + 0.2, [per_emotion[e]["top3"] for e in emotions], 0.4, label="top-3")
    ax.set_xticks(x, emotions, rotation=70, fontsize=8)
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.set_title("ED-32 emotion read from the speaker's turns, by gold emotion (ED test)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_confusion(labels: list[str], matrix: list[list[int]], path: Path, title: str) -> Path:
    plt = _pyplot()
    m = np.array(matrix, dtype=float)
    norm = m / np.maximum(m.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    short = [label[:18] for label in labels]
    ax.set_xticks(range(len(labels)), short, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), short, fontsize=8)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{norm[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.5 else "black")  # fmt: skip
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_calibration(by_system: dict[str, dict[str, int]], path: Path, title: str) -> Path | None:
    kinds = sorted({k for v in by_system.values() for k in v})
    if not kinds:
        return None
    plt = _pyplot()
    systems = list(by_system)
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(kinds) * max(1, len(systems) / 2) + 1.5))
    height = 0.8 / len(systems)
    y = np.arange(len(kinds))
    for k, system in enumerate(systems):
        ax.barh(y + k * height - 0.4 + height / 2,
                [by_system[system].get(kind, 0) for kind in kinds], height, label=system)  # fmt: skip
    ax.set_yticks(y, [k.replace("_", " ") for k in kinds])
    ax.set_xlabel("replies")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_trajectories(trajectories: dict[str, list[float]], path: Path, title: str) -> Path | None:
    if not trajectories:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, values in trajectories.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", label=name[:40])
    ax.axhline(0, color="grey", lw=0.8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("user turn")
    ax.set_ylabel("valence")
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_bars(counts: dict[str, int], path: Path, title: str) -> Path | None:
    if not counts:
        return None
    plt = _pyplot()
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(items) + 1.5))
    ax.barh([k for k, _ in items][::-1], [v for _, v in items][::-1])
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# -- the report --------------------------------------------------------------------------------


def _plots(result: SuiteResult, folder: Path) -> list[Path]:
    made: list[Path | None] = []
    plots = result.plots
    name = result.name
    if plots.get("levels"):
        made.append(plot_levels(plots["levels"], folder / f"{name}_score_distributions.png",
                                f"EPITOME levels of the replies ({name})"))  # fmt: skip
    if plots.get("per_emotion"):
        made.append(plot_per_emotion(plots["per_emotion"], folder / f"{name}_per_emotion_accuracy.png"))  # fmt: skip
    if plots.get("confusion"):
        c = plots["confusion"]
        made.append(plot_confusion(c["labels"], c["matrix"], folder / f"{name}_confusion_matrix.png",
                                   "ESConv next strategy, test (rows normalised)"))  # fmt: skip
    if plots.get("calibration"):
        made.append(plot_calibration(plots["calibration"], folder / f"{name}_calibration_failures.png",
                                     f"calibration failures by kind ({name})"))  # fmt: skip
    if plots.get("trajectories"):
        made.append(plot_trajectories(plots["trajectories"], folder / f"{name}_worst_trajectories.png",
                                      f"valence of the worst conversations ({name})"))  # fmt: skip
    if plots.get("failed_expectations"):
        made.append(plot_bars(plots["failed_expectations"], folder / f"{name}_failed_expectations.png",
                              "failed scenario expectations by kind"))  # fmt: skip
    return [p for p in made if p is not None]


def _majority(figures: dict, mechanism: str) -> str:
    got = figures.get(f"{mechanism}_majority")
    return f"{got[0]:.3f} / {got[1]:.3f}" if got else "-"


def _markdown(results: list[SuiteResult], meta: dict, plots: dict[str, list[Path]]) -> str:
    out = [f"# empathic evaluation: {meta['name']}", "",
           f"Created {meta['created']} by `{meta['command']}`.", ""]  # fmt: skip
    if meta.get("epitome"):
        out += ["## EPITOME scorer", "", "Test split (20%, grouped by seeker post) of EPITOME-Reddit:", ""]  # fmt: skip
        rows = [["mechanism", "accuracy", "macro-F1", "replication (acc / F1)", "majority"]]
        for m in MECHANISMS:
            got = meta["epitome"].get(m)
            rows.append([m.replace("_", " "),
                         _cell(got[0] if got else None, "{:.3f}"), _cell(got[1] if got else None, "{:.3f}"),
                         f"{REPLICATION[m][0]:.2f} / {REPLICATION[m][1]:.2f}", _majority(meta["epitome"], m)])  # fmt: skip
        out += [_markdown_table(rows), ""]
    for result in results:
        out += [f"## {result.name}", ""]
        s = result.summary
        if "error" in s:
            out += [f"Not run: {s['error']}", ""]
            continue
        if result.name == "ed":
            out += [f"{s['listener_turns']} listener turns of {s['conversations']} EmpatheticDialogues "
                    "test conversations; each system replies at the position of the human listener "
                    f"(composer reply sources: {s.get('composer_reply_sources', {})}).", "",
                    _markdown_table(score_table(s["systems"])), ""]  # fmt: skip
        elif result.name == "esconv":
            rows = [["model", "accuracy", "macro-F1"],
                    ["empathic (this run)", f"{s['accuracy']:.3f}", f"{s['macro_f1']:.3f}"]]  # fmt: skip
            for k, v in s["published"].items():
                rows.append([k, _cell(v["accuracy"], "{:.3f}"), _cell(v["macro_f1"], "{:.3f}")])
            out += [f"Next-strategy prediction on {s['samples']} ESConv test turns.", "",
                    _markdown_table(rows), ""]  # fmt: skip
        elif result.name == "scenarios":
            out += [f"Pass rate {s['pass_rate']:.1%} ({s['passed']}/{s['expectations']} expectations, "
                    f"{s['scenarios']} scenarios).", ""]  # fmt: skip
            failing = [r for r in result.details.get("table", []) if r["failures"]]
            if failing:
                rows = [["scenario", "failures"]]
                rows += [[r["scenario"], "; ".join(r["failures"])[:300].replace("|", "/")] for r in failing]  # fmt: skip
                out += [_markdown_table(rows), ""]
        elif result.name == "transcripts":
            out += [f"{s['conversations']} conversations, {s['user_messages']} user messages, "
                    f"{s['agent_replies']} agent replies ({s['skipped_lines']} lines skipped); "
                    f"{s['escalations']} escalations, {s['de_escalations']} de-escalations, "
                    f"{s['handoff_points']} hand-off points.", ""]  # fmt: skip
            if s.get("agent"):
                out += [_markdown_table(score_table({"agent": s["agent"]})), ""]
        examples = result.details.get("failure_examples") or []
        if examples:
            out += ["Calibration failures, examples:", ""]
            for e in examples[:12]:
                out.append(
                    f"- **{e['kind']}** ({e['system']}): “{e['message'][:160]}” → “{e['reply'][:200]}”"
                )
            out.append("")
        for path in plots.get(result.name, []):
            out += [f"![{path.stem}]({path.name})", ""]
    return "\n".join(out)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_report(
    results: list[SuiteResult], out: Path, name: str, command: str = "empathic eval",
    epitome: dict | None = None,
) -> Path:  # fmt: skip
    """Write report.json, report.md and the plots to ``out/name``; returns the folder."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "name": name,
        "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "epitome": epitome,
    }
    plots = {r.name: _plots(r, folder) for r in results}
    data = {
        **meta,
        "suites": {
            r.name: {"summary": r.summary, "details": r.details,
                     "plots": [p.name for p in plots[r.name]]}
            for r in results
        },
    }  # fmt: skip
    (folder / "report.json").write_text(json.dumps(_jsonable(data), indent=2) + "\n", "utf-8")
    (folder / "report.md").write_text(_markdown(results, meta, plots), "utf-8")
    (out / "LATEST").write_text(name + "\n", "utf-8")
    return folder


def latest_report(out: Path = Path("reports")) -> Path | None:
    """The folder of the newest report under ``out``, or None."""
    pointer = out / "LATEST"
    if pointer.is_file():
        folder = out / pointer.read_text("utf-8").strip()
        if (folder / "report.json").is_file():
            return folder
    candidates = sorted(out.glob("*/report.json"), key=lambda p: p.stat().st_mtime)
    return candidates[-1].parent if candidates else None


def latest_summary(out: Path = Path("reports")) -> dict | None:
    """What a dashboard shows of the newest report: name, date, files, headline numbers."""
    folder = latest_report(out)
    if folder is None:
        return None
    data = json.loads((folder / "report.json").read_text("utf-8"))
    headline: dict = {}
    suites = data.get("suites", {})
    ed = suites.get("ed", {}).get("summary", {}).get("systems", {})
    for system in ("composer", "human", "backend"):
        if system in ed:
            headline[system] = {k: ed[system].get(k) for k in
                                ("er", "ex", "emotion_match", "over_empathy_rate", "dist2")}  # fmt: skip
    for name in ("esconv", "scenarios", "transcripts"):
        summary = suites.get(name, {}).get("summary")
        if summary:
            headline[name] = {k: v for k, v in summary.items() if isinstance(v, int | float | str)}
    return {
        "name": data.get("name"),
        "created": data.get("created"),
        "folder": str(folder),
        "files": sorted(p.name for p in folder.iterdir() if p.suffix in {".md", ".json", ".png"}),
        "headline": headline,
    }
