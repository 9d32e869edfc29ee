"""The evaluation suites behind ``empathic eval``: ed, esconv, scenarios, transcripts.

Each suite returns a ``SuiteResult``: a summary (the numbers the report's table shows), details
(tables, failure examples) and the data its plots need. ``report.py`` turns them into files.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from empathic.errors import EmpathicError, InputError, ModelArtifactError
from empathic.evaluate import datasets as ds
from empathic.evaluate import scorers as sc
from empathic.evaluate.epitome import MECHANISMS, SHORT, EpitomeScorer
from empathic.evaluate.metrics import accuracy, confusion, macro_f1
from empathic.types import EMPATHY_STRATEGIES, Reading, Turn

SUITES = ("ed", "esconv", "scenarios", "transcripts")
# Replies of an always-maximal-empathy baseline: three of these before the helpful part.
MAX_EMPATHY = (
    "I'm so sorry you're going through this.",
    "That must be incredibly hard for you.",
    "Your feelings are completely valid.",
    "I can only imagine how you must feel right now.",
    "I'm here for you, and you're not alone.",
    "I completely understand how upsetting this must be.",
    "That sounds really overwhelming.",
)
HELPFUL_FALLBACK = "How can I help with that?"
# Published ESConv strategy-prediction figures (accuracy, macro-F1 where published).
ESCONV_PUBLISHED = {
    "ESConv (Liu et al. 2021), BlenderBot-Joint": (0.322, 0.218),
    "MISC (Tu et al. 2022)": (0.316, None),
    "SAGE (2023)": (0.468, None),
}


@dataclass
class SuiteResult:
    name: str
    summary: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    plots: dict = field(default_factory=dict)


def _progress(progress, items: Sequence, description: str) -> Iterator:
    """Iterate ``items`` with a task on a rich Progress (or silently without one)."""
    if progress is None:
        yield from items
        return
    task = progress.add_task(description, total=len(items))
    for item in items:
        yield item
        progress.advance(task)
    progress.remove_task(task)


# -- scoring replies of one system -------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One place to reply: what the person said (and read as), and the conversation it is in."""

    conversation: str
    seeker: str  # the person's words the reply answers (with earlier ones, oldest first)
    reading: Reading
    facts: tuple[str, ...] = ()
    emotion: str | None = None  # a data set's gold label, when it has one


def _empathy_readings(perceiver, replies: Sequence[str]) -> list[Reading | None]:
    texts = [" ".join(sc.classify(r).empathy) for r in replies]
    todo = [i for i, t in enumerate(texts) if t.strip()]
    out: list[Reading | None] = [None] * len(replies)
    for start in range(0, len(todo), 256):
        chunk = todo[start : start + 256]
        for i, reading in zip(chunk, perceiver.read_batch([texts[i][:4000] for i in chunk]),
                              strict=True):  # fmt: skip
            out[i] = reading
    return out


def score_replies(
    exchanges: Sequence[Exchange], replies: Sequence[str], perceiver, epitome: EpitomeScorer | None
) -> dict:
    """Every scorer over one system's replies; per-reply rows and the aggregate."""
    levels = (
        epitome.score([e.seeker for e in exchanges], replies).levels
        if epitome is not None
        else None
    )
    reply_readings = _empathy_readings(perceiver, replies)
    earlier: dict[str, list[str]] = {}
    rows = []
    for i, (exchange, reply) in enumerate(zip(exchanges, replies, strict=True)):
        before = earlier.setdefault(exchange.conversation, [])
        calibration = sc.calibration(exchange.reading, reply, before)
        before.append(reply)
        helpful = sc.helpfulness(reply, exchange.facts)
        row = {
            "conversation": exchange.conversation,
            "reply": reply,
            "emotion_match": sc.emotion_match(exchange.reading, reply, reply_readings[i]),
            "over": list(calibration.over),
            "under": list(calibration.under),
            "need": calibration.need,
            "empathy_sentences": calibration.empathy_sentences,
            "helpful": helpful.helpful,
            "answer": helpful.answer,
            "next_step": helpful.next_step,
            "question": helpful.question,
            "fact_used": helpful.fact_used,
        }
        if levels is not None:
            row |= {SHORT[m]: int(levels[i, j]) for j, m in enumerate(MECHANISMS)}
        rows.append(row)
    return {"rows": rows, "aggregate": aggregate(rows, replies)}


def _rate(values: Iterable[bool | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return round(sum(kept) / len(kept), 4) if kept else None


def aggregate(rows: Sequence[dict], replies: Sequence[str]) -> dict:
    out: dict = {"replies": len(rows)}
    for key in ("er", "ip", "ex"):
        if rows and key in rows[0]:
            values = np.array([r[key] for r in rows])
            out[key] = round(float(values.mean()), 4)
            out[f"{key}_levels"] = np.bincount(values, minlength=3).tolist()
    out["emotion_match"] = _rate(r["emotion_match"] for r in rows)
    out["over_empathy_rate"] = _rate(bool(r["over"]) for r in rows)
    out["under_empathy_rate"] = _rate(bool(r["under"]) for r in rows)
    out["over_kinds"] = dict(Counter(k for r in rows for k in r["over"]))
    out["under_kinds"] = dict(Counter(k for r in rows for k in r["under"]))
    out["helpful"] = _rate(r["helpful"] for r in rows)
    out["has_question"] = _rate(r["question"] for r in rows)
    out["fact_used"] = _rate(r["fact_used"] for r in rows)
    out["empathy_sentences"] = round(float(np.mean([r["empathy_sentences"] for r in rows])), 3) if rows else None  # fmt: skip
    diversity = sc.diversity(replies)
    out["dist1"] = round(diversity.dist1, 4)
    out["dist2"] = round(diversity.dist2, 4)
    out["same_opening_share"] = round(diversity.same_opening_share, 4)
    out["top_opening"] = diversity.top_opening
    out["top_opening_share"] = round(diversity.top_opening_share, 4)
    return out


def _without_empathy(turn) -> str:
    """The composer's reply with every empathy and apology sentence taken out."""
    kept = [
        s.text
        for s in turn.reply.sentences
        if s.strategy not in EMPATHY_STRATEGIES and s.strategy != "apologize"
    ]
    kept = [s for s in kept if not sc.classify(s).empathy and not sc.classify(s).apologies]
    return " ".join(kept) or HELPFUL_FALLBACK


def _maximal(helpful: str, index: int) -> str:
    picks = [MAX_EMPATHY[(index + k) % len(MAX_EMPATHY)] for k in range(3)]
    return " ".join([*picks, helpful])


# -- EmpatheticDialogues ----------------------------------------------------------------------


def ed_suite(
    engine,
    limit: int = 300,
    seed: int = 13,
    backend_engine=None,
    epitome: EpitomeScorer | None = None,
    progress=None,
) -> SuiteResult:
    """Reply to ED test conversations turn by turn; score against the human listeners."""
    conversations = ds.empathetic_dialogue_conversations("test")
    if limit and limit < len(conversations):
        conversations = random.Random(seed).sample(conversations, limit)
    exchanges: list[Exchange] = []
    replies: dict[str, list[str]] = {"composer": [], "human": [], "helpful_only": [],
                                     "max_empathy": []}  # fmt: skip
    if backend_engine is not None:
        replies["backend"] = []
    trajectories: dict[str, list[float]] = {}
    sources: Counter[str] = Counter()  # composer, safety (the fixed crisis reply), ...
    registers: Counter[str] = Counter()  # the plan's register: personal story or support
    perception = []  # (gold emotion, top-3 predicted ED emotions) per speaker turn
    for conversation in _progress(progress, conversations, "ED test conversations"):
        cid = f"ed-{conversation.conv_id}"
        said: list[str] = []
        last: Turn | None = None
        backend_last: Turn | None = None
        for role, text in conversation.turns:
            if role == "speaker":
                try:
                    last = engine.respond(cid, text)
                    if backend_engine is not None:
                        backend_last = backend_engine.respond(cid, text)
                except InputError:
                    last = None
                    continue
                said.append(text)
                trajectories.setdefault(cid, []).append(last.reading.valence)
                perception.append((conversation.emotion, [e for e, _ in last.reading.top_ed(3)]))
            elif last is not None:
                index = len(exchanges)
                exchanges.append(
                    Exchange(
                        cid, " ".join(said), last.reading, last.plan.knowledge, conversation.emotion
                    )  # fmt: skip
                )
                helpful = _without_empathy(last)
                replies["composer"].append(last.reply.text)
                sources[last.reply.source] += 1
                registers["personal" if last.plan.personal else "support"] += 1
                replies["human"].append(text)
                replies["helpful_only"].append(helpful)
                replies["max_empathy"].append(_maximal(helpful, index))
                if backend_last is not None:
                    replies["backend"].append(backend_last.reply.text)
                last = None
    scored = {}
    for system, texts in _progress(progress, list(replies.items()), "scoring ED replies"):
        scored[system] = score_replies(exchanges, texts, engine.perceiver, epitome)
    summary = {system: s["aggregate"] for system, s in scored.items()}
    # Perception on the same turns: ED-32 top-1 / top-3 accuracy per gold emotion.
    per_emotion = {}
    for emotion in ds.ED_EMOTIONS:
        mine = [top for gold, top in perception if gold == emotion]
        if mine:
            per_emotion[emotion] = {
                "n": len(mine),
                "top1": round(sum(t[0] == emotion for t in mine) / len(mine), 3),
                "top3": round(sum(emotion in t for t in mine) / len(mine), 3),
            }
    composer_rows = scored["composer"]["rows"]
    problems: Counter[str] = Counter()
    for row in composer_rows:
        problems[row["conversation"]] += len(row["over"]) + len(row["under"])
    worst = [c for c, n in problems.most_common(6) if n > 0] or list(trajectories)[:6]
    examples = _failure_examples(exchanges, scored)
    return SuiteResult(
        "ed",
        summary={
            "conversations": len(conversations),
            "listener_turns": len(exchanges),
            "systems": summary,
            "composer_reply_sources": dict(sources),
            "composer_registers": dict(registers),
            "perception_top1": round(float(np.mean([t[0] == g for g, t in perception])), 4)
            if perception
            else None,
        },
        details={"per_emotion_perception": per_emotion, "failure_examples": examples},
        plots={
            "levels": {
                s: {k: v[f"{k}_levels"] for k in ("er", "ip", "ex") if f"{k}_levels" in v}
                for s, v in summary.items()
            },  # fmt: skip
            "per_emotion": per_emotion,
            "calibration": {s: v["over_kinds"] | v["under_kinds"] for s, v in summary.items()},
            "trajectories": {c: trajectories[c] for c in worst if c in trajectories},
        },
    )


def _failure_examples(exchanges: Sequence[Exchange], scored: dict, per_kind: int = 2) -> list:
    out = []
    for system in ("composer", "backend"):
        if system not in scored:
            continue
        seen: Counter[str] = Counter()
        for exchange, row in zip(exchanges, scored[system]["rows"], strict=True):
            for kind in row["over"] + row["under"]:
                if seen[kind] < per_kind:
                    seen[kind] += 1
                    out.append({"system": system, "kind": kind,
                                "message": exchange.reading.text[:300], "reply": row["reply"][:400]})  # fmt: skip
    return out


# -- ESConv ------------------------------------------------------------------------------------


def strategy_predictions(model, encoder, samples) -> tuple[np.ndarray, np.ndarray]:
    """True and predicted strategy indices of ``model`` on ESConv-like samples, from one call
    over them all (int8 activations are quantized per batch: batching differently would move
    the figures slightly)."""
    labels = list(model.labels)
    truth = np.array([labels.index(s.strategy) for s in samples])
    return truth, model.predict_samples(encoder, samples).argmax(1)


def strategy_scores(model, encoder, samples) -> dict[str, float]:
    """Accuracy and macro-F1 of next-strategy prediction (what the papers report)."""
    truth, pred = strategy_predictions(model, encoder, samples)
    return {"accuracy": accuracy(truth, pred), "macro_f1": macro_f1(truth, pred, len(model.labels))}


def esconv_suite(perceiver) -> SuiteResult:
    """Next-strategy prediction of the respond stage's model on the ESConv test split."""
    from empathic.plan.strategy_model import StrategyModel

    try:
        model = StrategyModel.load()
    except ModelArtifactError as exc:
        return SuiteResult("esconv", summary={"error": str(exc)})
    samples = ds.esconv("test")
    labels = list(model.labels)
    truth, pred = strategy_predictions(model, perceiver.encoder, samples)
    matrix = confusion(truth, pred, len(labels))
    return SuiteResult(
        "esconv",
        summary={
            "samples": len(samples),
            "accuracy": round(accuracy(truth, pred), 4),
            "macro_f1": round(macro_f1(truth, pred, len(labels)), 4),
            "published": {
                k: {"accuracy": a, "macro_f1": f} for k, (a, f) in ESCONV_PUBLISHED.items()
            },
        },
        plots={"confusion": {"labels": labels, "matrix": matrix.tolist()}},
    )


# -- scenario suite ----------------------------------------------------------------------------


def scenarios_suite(engine_for: Callable[[bool], object], folder: Path | None = None,
                    progress=None) -> SuiteResult:  # fmt: skip
    from empathic.evaluate.scenarios import load_scenarios, pass_rate, run_scenarios

    scenarios = load_scenarios(folder)
    outcomes = []
    for scenario in _progress(progress, scenarios, "scenarios"):
        outcomes += run_scenarios(engine_for, [scenario])
    table = []
    for scenario in scenarios:
        mine = [o for o in outcomes if o.scenario == scenario.name]
        table.append({
            "scenario": scenario.name, "expectations": len(mine),
            "passed": sum(o.passed for o in mine),
            "failures": [f"t{o.turn} {o.expectation}: {o.detail}" for o in mine if not o.passed],
        })  # fmt: skip
    failed_by = Counter(o.expectation for o in outcomes if not o.passed)
    return SuiteResult(
        "scenarios",
        summary={
            "scenarios": len(scenarios),
            "expectations": len(outcomes),
            "passed": sum(o.passed for o in outcomes),
            "pass_rate": round(pass_rate(outcomes), 4),
        },
        details={"table": table},
        plots={"failed_expectations": dict(failed_by)},
    )


# -- the user's own transcripts ----------------------------------------------------------------

USER_ROLES = {"user", "customer", "seeker", "client", "human", "speaker", "visitor", "caller"}
AGENT_ROLES = {"assistant", "agent", "bot", "supporter", "system_reply", "listener", "operator",
               "staff", "support"}  # fmt: skip


@dataclass(frozen=True)
class TranscriptLine:
    conversation: str
    role: str  # "user" or "agent"
    text: str


def read_transcripts(path: Path) -> tuple[list[TranscriptLine], list[str]]:
    """Lines of a JSONL or CSV transcript file, and the problems of the lines that were skipped.

    Each record needs a text (``text``/``message``/``content``), a ``conversation_id`` and a
    ``role`` (user/customer/... or assistant/agent/bot/...). A record without a role is taken
    as the person's.
    """
    raw = path.read_bytes().decode("utf-8-sig", errors="replace")
    records: list[tuple[int, object]] = []
    errors: list[str] = []
    if path.suffix.lower() == ".csv":
        for number, row in enumerate(csv.DictReader(io.StringIO(raw, newline="")), start=2):
            records.append((number, {k.strip().lower(): v for k, v in row.items() if k}))
    else:
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((number, json.loads(line)))
            except (json.JSONDecodeError, RecursionError):
                errors.append(f"line {number}: malformed JSON")
    lines = []
    for number, record in records:
        if not isinstance(record, dict):
            errors.append(f"line {number}: not an object")
            continue
        text = next((record[k] for k in ("text", "message", "content", "utterance")
                     if isinstance(record.get(k), str) and record[k].strip()), None)  # fmt: skip
        if text is None:
            errors.append(f"line {number}: no text")
            continue
        role = str(record.get("role") or record.get("speaker") or "user").strip().lower()
        if role not in USER_ROLES | AGENT_ROLES:
            errors.append(f"line {number}: unknown role {role!r}")
            continue
        conversation = str(record.get("conversation_id") or record.get("conversation") or "default")
        lines.append(TranscriptLine(conversation, "agent" if role in AGENT_ROLES else "user", text))
    return lines, errors


def transcripts_suite(
    engine, path: Path, epitome: EpitomeScorer | None = None, progress=None
) -> SuiteResult:
    """Readings, escalation, hand-off points and calibration problems of real conversations."""
    from empathic.conversation import Conversation

    threshold = engine.config.tracking.escalation_threshold

    lines, errors = read_transcripts(path)
    conversations: dict[str, list[TranscriptLine]] = {}
    for line in lines:
        conversations.setdefault(line.conversation, []).append(line)
    exchanges: list[Exchange] = []
    agent_replies: list[str] = []
    per_conversation = []
    trajectories: dict[str, list[float]] = {}
    intents: Counter[str] = Counter()
    emotions: Counter[str] = Counter()
    for cid, turns in _progress(progress, list(conversations.items()), "transcripts"):
        users = [t.text for t in turns if t.role == "user"]
        histories = [users[max(0, i - 8) : i] for i in range(len(users))]
        bad, readings = engine.analyze_messages(users, histories)
        errors += [f"{cid}: {error}" for error in bad.values()]
        readings_iter = iter(readings)
        conversation = Conversation.start(cid)
        state = None
        events = []
        said: list[str] = []
        last: Reading | None = None
        handoff_at = None
        user_index = -1
        for turn in turns:
            if turn.role == "user":
                user_index += 1
                if user_index in bad:
                    continue
                reading = next(readings_iter)
                previous = conversation.state.escalation
                # The engine's own track / plan / hand-off steps, without a reply of ours: the
                # transcript's agent answered.
                raised_before = conversation.handoff is not None
                conversation = engine.pipeline.observe(conversation, reading)
                state = conversation.state
                intents[reading.intent] += 1
                emotions[reading.ekman] += 1
                number = len(state.turns)
                if state.escalation >= threshold > previous:
                    events.append({"turn": number, "event": "escalation", "escalation": round(state.escalation, 3)})  # fmt: skip
                if state.deescalating:
                    events.append({"turn": number, "event": "de-escalation", "escalation": round(state.escalation, 3)})  # fmt: skip
                if conversation.handoff is not None and not raised_before:
                    handoff_at = {"turn": number, "reason": conversation.handoff.reason}
                said.append(reading.text)
                last = reading
            elif last is not None:
                exchanges.append(Exchange(cid, " ".join(said[-4:]), last))
                agent_replies.append(turn.text)
                last = None
        if state is None:
            continue
        trajectories[cid] = [t.valence for t in state.turns]
        per_conversation.append({
            "conversation": cid, "user_turns": len(state.turns),
            "peak_escalation": round(state.peak_escalation, 3),
            "final_valence": round(state.turns[-1].valence, 3),
            "events": events, "handoff": handoff_at,
        })  # fmt: skip
    scored = (
        score_replies(exchanges, agent_replies, engine.perceiver, epitome) if exchanges else None
    )
    problems: dict[str, list] = {}
    if scored:
        for exchange, row in zip(exchanges, scored["rows"], strict=True):
            for kind in row["over"] + row["under"]:
                problems.setdefault(exchange.conversation, []).append(
                    {"kind": kind, "message": exchange.reading.text[:300], "reply": row["reply"][:300]}
                )  # fmt: skip
    for summary in per_conversation:
        summary["calibration_problems"] = problems.get(summary["conversation"], [])
    worst = sorted(per_conversation, key=lambda c: (-c["peak_escalation"], c["final_valence"]))[:6]
    aggregate_scores = scored["aggregate"] if scored else {}
    return SuiteResult(
        "transcripts",
        summary={
            "file": str(path),
            "conversations": len(per_conversation),
            "user_messages": sum(c["user_turns"] for c in per_conversation),
            "agent_replies": len(agent_replies),
            "skipped_lines": len(errors),
            "escalations": sum(
                e["event"] == "escalation" for c in per_conversation for e in c["events"]
            ),
            "de_escalations": sum(
                e["event"] == "de-escalation" for c in per_conversation for e in c["events"]
            ),
            "handoff_points": sum(c["handoff"] is not None for c in per_conversation),
            "intents": dict(intents),
            "emotions": dict(emotions),
            "agent": aggregate_scores,
        },  # fmt: skip
        details={"conversations": per_conversation, "errors": errors[:200]},
        plots={
            "trajectories": {c["conversation"]: trajectories[c["conversation"]] for c in worst},
            "calibration": {
                "agent": aggregate_scores.get("over_kinds", {})
                | aggregate_scores.get("under_kinds", {})
            }
            if scored
            else {},
            "levels": {
                "agent": {
                    k: aggregate_scores[f"{k}_levels"]
                    for k in ("er", "ip", "ex")
                    if f"{k}_levels" in aggregate_scores
                }
            }
            if scored
            else {},
        },  # fmt: skip
    )


def load_epitome() -> EpitomeScorer | None:
    """The EPITOME scorer, or None (with the reason printed by the caller) when not built."""
    try:
        return EpitomeScorer()
    except EmpathicError:
        return None


__all__ = [
    "SUITES", "SuiteResult", "ed_suite", "esconv_suite", "scenarios_suite", "transcripts_suite",
    "read_transcripts", "score_replies", "load_epitome",
]  # fmt: skip
