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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from empathic.check.critic import tag_sentences
from empathic.data import scenarios_dir
from empathic.types import EMPATHY_STRATEGIES, Turn

_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|apologies)\b", re.I)
_HUMAN = re.compile(r"\b(?:colleague|human|person|agent|team|specialist|someone)\b", re.I)
_SAFE = re.compile(
    r"\b(?:988|116 123|999|911|112|emergency|crisis line|helpline|samaritans)\b", re.I
)


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
            unknown = set(turn.get("expect", {})) - set(EXPECTATIONS)
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


Verdict = tuple[bool, str]  # passed, and what was seen


def _strategies_include(turn: Turn, want: list[str]) -> Verdict:
    missing = [s for s in want if s not in turn.plan.strategies]
    return not missing, f"missing {missing} in {turn.plan.strategies}"


def _strategies_exclude(turn: Turn, want: list[str]) -> Verdict:
    present = [s for s in want if s in turn.plan.strategies]
    return not present, f"unwanted {present} in {turn.plan.strategies}"


def _empathy(turn: Turn, want: str | list[str]) -> Verdict:
    levels = [want] if isinstance(want, str) else want
    return turn.plan.empathy_level in levels, f"got {turn.plan.empathy_level}"


def _handoff(turn: Turn, want: bool) -> Verdict:
    return (turn.handoff is not None) == want, f"handoff={turn.handoff is not None}"


def _crisis(turn: Turn, want: bool | str) -> Verdict:
    got = turn.reading.crisis.kind if turn.reading.crisis else False
    ok = bool(got) == want if isinstance(want, bool) else got == want
    return ok, f"crisis={got}"


def _intent(turn: Turn, want: str) -> Verdict:
    return turn.reading.intent == want, f"intent={turn.reading.intent}"


def _acknowledges(turn: Turn, want: bool) -> Verdict:
    empathy = [s for s in _sentences(turn) if s.strategy in EMPATHY_STRATEGIES]
    return bool(empathy) == want, f"{len(empathy)} empathy sentence(s)"


def _no_apology(turn: Turn, want: bool) -> Verdict:
    apologies = len(_APOLOGY.findall(turn.reply.text))
    return (apologies == 0) == want, f"{apologies} apolog(ies)"


def _max_apologies(turn: Turn, want: int) -> Verdict:
    apologies = len(_APOLOGY.findall(turn.reply.text))
    return apologies <= want, f"{apologies} apolog(ies)"


def _no_preamble(turn: Turn, want: bool) -> Verdict:
    sentences = _sentences(turn)
    first = sentences[0] if sentences else None
    ok = first is None or first.strategy not in EMPATHY_STRATEGIES | {"apologize"}
    return ok == want, f"first sentence: {first.text if first else ''}"


def _has_help(turn: Turn, want: bool) -> Verdict:
    check = next((c for c in turn.reply.checks if c.name == "help_present"), None)
    ok = check is not None and check.passed
    return ok == want, check.detail if check is not None else ""


def _mentions(turn: Turn, want: str | list[str]) -> Verdict:
    words = [want] if isinstance(want, str) else want
    missing = [w for w in words if w.lower() not in turn.reply.text.lower()]
    return not missing, f"missing {missing}"


def _mentions_human(turn: Turn, want: bool) -> Verdict:
    return bool(_HUMAN.search(turn.reply.text)) == want, ""


def _safe_reply(turn: Turn, want: bool) -> Verdict:
    return bool(_SAFE.search(turn.reply.text)) == want, ""


def _checks_pass(turn: Turn, want: bool) -> Verdict:
    failed = [c.name for c in turn.reply.checks if not c.passed]
    return (not failed) == want, f"failed {failed}"


# One function per expectation key a scenario may set.
EXPECTATIONS: dict[str, Callable[[Turn, Any], Verdict]] = {
    "strategies_include": _strategies_include, "strategies_exclude": _strategies_exclude,
    "empathy": _empathy, "handoff": _handoff, "crisis": _crisis, "intent": _intent,
    "acknowledges": _acknowledges, "no_apology": _no_apology, "max_apologies": _max_apologies,
    "no_preamble": _no_preamble, "has_help": _has_help, "mentions": _mentions,
    "mentions_human": _mentions_human, "safe_reply": _safe_reply, "checks_pass": _checks_pass,
}  # fmt: skip


def evaluate_turn(scenario: str, index: int, turn: Turn, expect: dict[str, Any]) -> list[Outcome]:
    """One outcome per expectation of this turn."""
    text = turn.reply.text
    outcomes = []
    for key, want in expect.items():
        ok, detail = EXPECTATIONS[key](turn, want)
        outcomes.append(
            Outcome(scenario, index, key, ok, "" if ok else f"{detail} | reply: {text[:160]}")
        )
    return outcomes


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
