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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from empathic.check.content import announces, asks_for, needed_actions
from empathic.check.critic import tag_sentences
from empathic.data import scenarios_dir
from empathic.track.facts import update as update_facts
from empathic.types import EMPATHY_STRATEGIES, Turn

if TYPE_CHECKING:
    from empathic.engine import Engine

_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|apologies)\b", re.I)
_HUMAN = re.compile(r"\b(?:colleague|human|person|agent|team|specialist|someone)\b", re.I)
_CONTACT = re.compile(r"@|https?://|\bcall\b|\bphone\b|\bemail\b|\bcontact\b", re.I)
_GLAD = re.compile(
    r"\b(?:congratulations|congrats|great\s+news|wonderful|fantastic|brilliant|amazing|"
    r"(?:so|really|very)\s+(?:glad|happy|pleased)|(?:glad|great|lovely)\s+to\s+hear|delighted|"
    r"thrilled|that's\s+great)\b",
    re.I,
)
_CONDOLENCE = re.compile(
    r"\b(?:sorry\s+for\s+your\s+loss|so\s+sorry|condolences|sorry\s+to\s+hear|loss|passed|"
    r"thinking\s+of\s+you|my\s+thoughts|heartbreaking|devastating)\b",
    re.I,
)
_IRRITATION = re.compile(
    r"\b(?:irritat\w*|annoy\w*|frustrat\w*|infuriat\w*|inconvenien\w*)\b", re.I
)
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


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


@dataclass(frozen=True)
class Earlier:
    """What came before a turn, for the expectations that need it: our earlier replies and
    the facts the customer gave up to and including this turn."""

    replies: tuple[str, ...] = ()
    facts: dict[str, str] = field(default_factory=dict)


def _no_false_promise(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    # The scenarios run on a deployment that registers no action: every promise is unbacked.
    promised = [s.text for s in _sentences(turn) if needed_actions(s.text)]
    return (not promised) == want, f"promised: {promised}"


def _no_repeat(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    before = {
        _norm(p)
        for reply in earlier.replies
        for p in _SENTENCE.findall(reply)
        if len(p.split()) >= 3
    }
    repeated = [
        s.text for s in _sentences(turn) if s.strategy != "recap" and _norm(s.text) in before
    ]
    return (not repeated) == want, f"repeated: {repeated}"


def _no_dangling(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    sentences = _sentences(turn)
    dangling = [
        s.text
        for i, s in enumerate(sentences)
        if announces(s.text)
        and (
            i + 1 == len(sentences)
            or sentences[i + 1].strategy not in {"inform", "contact", "recap"}
        )
    ]
    return (not dangling) == want, f"dangling: {dangling}"


def _no_known_fact_asked(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    asked = [s.text for s in _sentences(turn) if asks_for(s.text) & earlier.facts.keys()]
    return (not asked) == want, f"asked again: {asked}"


def _uses_fact(turn: Turn, want: str, earlier: Earlier) -> Verdict:
    return want.lower() in turn.reply.text.lower(), f"no {want!r}"


def _honours_handoff(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    text = turn.reply.text
    ok = bool(_HUMAN.search(text) or _CONTACT.search(text)) and "?" not in text
    return ok == want, "a question, or no word of a person"


def _crisis_persists(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    return bool(_SAFE.search(turn.reply.text)) == want, "no safety resources"


def _celebrates(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    glad = any(s.strategy == "celebrate" for s in _sentences(turn)) or bool(
        _GLAD.search(turn.reply.text)
    )
    return glad == want, "no enthusiasm" if want else "celebrated"


def _condolence(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    text = turn.reply.text
    ok = bool(_CONDOLENCE.search(text)) and not _IRRITATION.search(text)
    return ok == want, "no condolence, or irritation offered to grief"


def _plain_answer(turn: Turn, want: bool, earlier: Earlier) -> Verdict:
    return _no_preamble(turn, want)


def _context_free(check: Callable[[Turn, Any], Verdict]) -> Callable[[Turn, Any, Earlier], Verdict]:
    return lambda turn, want, earlier: check(turn, want)


# One function per expectation key a scenario may set: first those that read the turn alone.
_TURN_ONLY: dict[str, Callable[[Turn, Any], Verdict]] = {
    "strategies_include": _strategies_include, "strategies_exclude": _strategies_exclude,
    "empathy": _empathy, "handoff": _handoff, "crisis": _crisis, "intent": _intent,
    "acknowledges": _acknowledges, "no_apology": _no_apology, "max_apologies": _max_apologies,
    "no_preamble": _no_preamble, "has_help": _has_help, "mentions": _mentions,
    "mentions_human": _mentions_human, "safe_reply": _safe_reply, "checks_pass": _checks_pass,
}  # fmt: skip
EXPECTATIONS: dict[str, Callable[[Turn, Any, Earlier], Verdict]] = {
    **{key: _context_free(check) for key, check in _TURN_ONLY.items()},
    "no_false_promise": _no_false_promise, "no_repeat": _no_repeat, "no_dangling": _no_dangling,
    "no_known_fact_asked": _no_known_fact_asked, "uses_fact": _uses_fact,
    "honours_handoff": _honours_handoff, "crisis_persists": _crisis_persists,
    "celebrates": _celebrates, "condolence": _condolence, "plain_answer": _plain_answer,
}  # fmt: skip


def evaluate_turn(
    scenario: str, index: int, turn: Turn, expect: dict[str, Any], earlier: Earlier | None = None
) -> list[Outcome]:
    """One outcome per expectation of this turn."""
    text = turn.reply.text
    outcomes = []
    for key, want in expect.items():
        ok, detail = EXPECTATIONS[key](turn, want, earlier or Earlier())
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
        outcomes += run_conversation(
            engine,
            conversation,
            scenario.name,
            [(t["user"], t.get("expect", {})) for t in scenario.turns],
        )
    return outcomes


def run_conversation(
    engine: Engine, conversation_id: str, name: str, turns: Sequence[tuple[str, dict[str, Any]]]
) -> list[Outcome]:
    """The turns of one conversation through the engine, each checked against its expectations."""
    outcomes: list[Outcome] = []
    replies: list[str] = []
    given: dict[str, str] = {}
    for index, (user, expect) in enumerate(turns, 1):
        given = update_facts(given, user)
        turn = engine.respond(conversation_id, user)
        outcomes += evaluate_turn(name, index, turn, expect, Earlier(tuple(replies), dict(given)))
        replies.append(turn.reply.text)
    return outcomes


def pass_rate(outcomes: list[Outcome]) -> float:
    return sum(o.passed for o in outcomes) / max(len(outcomes), 1)
