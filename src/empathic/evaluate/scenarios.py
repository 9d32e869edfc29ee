"""The multi-turn scenario suite: expected behaviour per turn, checked against real turns.

A scenario is a TOML file in the packaged suite (``empathic.data.scenarios_dir()``):

    name = "frustrated customer escalates"
    knowledge = true                 # answer from the demo knowledge base (``empathic.data.demo_knowledge()``)
    [[turns]]
    user = "My parcel is two weeks late."
    [turns.expect]
    strategies_include = ["acknowledge"]
    no_apology = false

Plan-level expectations (strategies_include / strategies_exclude, empathy, handoff, crisis,
intent) test the planner; reply-level ones (acknowledges, no_apology, max_apologies,
no_preamble, has_help, mentions, mentions_human, safe_reply, checks_pass) test the words, which
is what differs between the composer and an LLM backend.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from empathic.check.critic import tag_sentences
from empathic.data import scenarios_dir
from empathic.types import EMPATHY_STRATEGIES, Turn

_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|apologies)\b", re.I)
_HUMAN = re.compile(r"\b(?:colleague|human|person|agent|team|specialist|someone)\b", re.I)
_SAFE = re.compile(
    r"\b(?:988|116 123|999|911|112|emergency|crisis line|helpline|samaritans)\b", re.I
)
KNOWN_KEYS = {
    "strategies_include", "strategies_exclude", "empathy", "handoff", "crisis", "intent",
    "acknowledges", "no_apology", "max_apologies", "no_preamble", "has_help", "mentions",
    "mentions_human", "safe_reply", "checks_pass",
}  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    turns: tuple[dict, ...]
    knowledge: bool = False


@dataclass(frozen=True)
class Outcome:
    scenario: str
    turn: int
    expectation: str
    passed: bool
    detail: str


def load_scenarios(folder: Path | None = None) -> list[Scenario]:
    scenarios = []
    for path in sorted((folder or scenarios_dir()).glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        turns = tuple(data.get("turns", ()))
        for i, turn in enumerate(turns, 1):
            unknown = set(turn.get("expect", {})) - KNOWN_KEYS
            if unknown or "user" not in turn:
                raise ValueError(
                    f"{path.name} turn {i}: unknown keys {sorted(unknown)} or no 'user'"
                )
        scenarios.append(
            Scenario(data.get("name", path.stem), path, turns, data.get("knowledge", False))
        )
    return scenarios


def _sentences(turn: Turn):
    return turn.reply.sentences or tag_sentences(turn.reply.text)


def evaluate_turn(scenario: str, index: int, turn: Turn, expect: dict) -> list[Outcome]:
    text = turn.reply.text
    sentences = _sentences(turn)
    empathy = [s for s in sentences if s.strategy in EMPATHY_STRATEGIES]
    apologies = len(_APOLOGY.findall(text))
    checks = {c.name: c for c in turn.reply.checks}
    results: list[tuple[str, bool, str]] = []
    for key, want in expect.items():
        if key == "strategies_include":
            missing = [s for s in want if s not in turn.plan.strategies]
            results.append((key, not missing, f"missing {missing} in {turn.plan.strategies}"))
        elif key == "strategies_exclude":
            present = [s for s in want if s in turn.plan.strategies]
            results.append((key, not present, f"unwanted {present} in {turn.plan.strategies}"))
        elif key == "empathy":
            levels = [want] if isinstance(want, str) else want
            results.append(
                (key, turn.plan.empathy_level in levels, f"got {turn.plan.empathy_level}")
            )
        elif key == "handoff":
            results.append(
                (key, (turn.handoff is not None) == want, f"handoff={turn.handoff is not None}")
            )
        elif key == "crisis":
            got = turn.reading.crisis.kind if turn.reading.crisis else False
            ok = bool(got) == want if isinstance(want, bool) else got == want
            results.append((key, ok, f"crisis={got}"))
        elif key == "intent":
            results.append((key, turn.reading.intent == want, f"intent={turn.reading.intent}"))
        elif key == "acknowledges":
            results.append((key, bool(empathy) == want, f"{len(empathy)} empathy sentence(s)"))
        elif key == "no_apology":
            results.append((key, (apologies == 0) == want, f"{apologies} apolog(ies)"))
        elif key == "max_apologies":
            results.append((key, apologies <= want, f"{apologies} apolog(ies)"))
        elif key == "no_preamble":
            first = sentences[0] if sentences else None
            ok = first is None or first.strategy not in EMPATHY_STRATEGIES | {"apologize"}
            results.append((key, ok == want, f"first sentence: {first.text if first else ''}"))
        elif key == "has_help":
            ok = checks.get("help_present") is not None and checks["help_present"].passed
            results.append(
                (key, ok == want, checks["help_present"].detail if "help_present" in checks else "")
            )
        elif key == "mentions":
            words = [want] if isinstance(want, str) else want
            missing = [w for w in words if w.lower() not in text.lower()]
            results.append((key, not missing, f"missing {missing}"))
        elif key == "mentions_human":
            results.append((key, bool(_HUMAN.search(text)) == want, ""))
        elif key == "safe_reply":
            results.append((key, bool(_SAFE.search(text)) == want, ""))
        elif key == "checks_pass":
            failed = [c.name for c in turn.reply.checks if not c.passed]
            results.append((key, (not failed) == want, f"failed {failed}"))
    return [
        Outcome(scenario, index, k, ok, "" if ok else f"{d} | reply: {text[:160]}")
        for k, ok, d in results
    ]


def run_scenarios(engine_for, scenarios: list[Scenario]) -> list[Outcome]:
    """Run every scenario in a fresh conversation. ``engine_for(knowledge: bool)`` gives the engine."""
    outcomes: list[Outcome] = []
    for number, scenario in enumerate(scenarios):
        engine = engine_for(scenario.knowledge)
        conversation = f"scenario-{number}-{scenario.path.stem}"
        for index, turn_spec in enumerate(scenario.turns, 1):
            turn = engine.respond(conversation, turn_spec["user"])
            outcomes += evaluate_turn(scenario.name, index, turn, turn_spec.get("expect", {}))
    return outcomes


def pass_rate(outcomes: list[Outcome]) -> float:
    return sum(o.passed for o in outcomes) / max(len(outcomes), 1)
