"""The calibration critic.

Every draft is scored against its plan: feeling acknowledged when the plan asks for it, no more
empathy sentences than the plan's budget, apologies within limit, nothing repeated from earlier
turns, help present (an answer, a next step or a question) unless the plan is pure support, no
banned phrase, sensible length. Composer drafts carry a strategy per sentence; LLM drafts are
split into sentences and tagged by the patterns below.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from empathic.check import conduct
from empathic.types import (
    EMPATHY_BUDGET,
    EMPATHY_STRATEGIES,
    Check,
    Draft,
    Plan,
    Reply,
    Sentence,
    State,
)

if TYPE_CHECKING:
    from empathic.conversation import Conversation
    from empathic.respond.composer import Composer

MAX_WORDS = 110
SUPPORT_ONLY = EMPATHY_STRATEGIES | {"thank_back", "greet", "farewell", "resources", "condolence"}
# Sentences that help: an answer, a next step, a question, or where the hand-over stands.
HELP_STRATEGIES = frozenset(
    {"inform", "next_step", "ask", "suggest", "handoff", "restate", "handoff_status",
     "offer_person", "no_answer", "contact", "refer_back", "recap", "confirm_fact", "note_fact"}
)  # fmt: skip
_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|apologies|my apologies)\b", re.I)
_FEELING = re.compile(
    r"\b(?:frustrat\w*|annoy\w*|upset\w*|worr\w*|stress\w*|disappoint\w*|understand\w*|"
    r"sounds?\s+(?:like|really|so|very)|must\s+(?:be|feel|have)|can\s+(?:see|imagine)|"
    r"that's\s+(?:hard|tough|difficult|a\s+lot|not\s+ok\w*)|makes\s+sense|fair\s+enough|"
    r"congratulations|wonderful|great\s+news|glad|happy\s+for|(?:so\s+)?sorry\s+(?:to\s+hear|for\s+your)|"
    r"here\s+for\s+you|not\s+alone|scary|exhausting|infuriating|confus\w*)\b",
    re.I,
)
_HELP = re.compile(
    r"\?|\b(?:i'll|i\s+will|we'll|we\s+will|you\s+can|here's|here\s+is|next|step|check|"
    r"look\s+into|send|refund|replace\w*|within|days?|hours?|link|https?://|email|call)\b|\d",
    re.I,
)
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


@functools.lru_cache(maxsize=32)
def _any_of(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a whole phrase list: the critic runs it on every sentence of every
    reply, and a search per phrase was a tenth of an LLM turn's own time."""
    alternatives = sorted({re.escape(p.lower()) for p in phrases}, key=len, reverse=True)
    return (
        re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")
        if alternatives
        else re.compile("(?!)")
    )


def _found(lower_text: str, phrases: tuple[str, ...]) -> list[str]:
    """The phrases (whole words) that ``lower_text`` contains, in list order."""
    if not _any_of(phrases).search(lower_text):
        return []
    return [p for p in phrases if re.search(r"\b" + re.escape(p.lower()) + r"\b", lower_text)]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


def tag_sentences(text: str) -> tuple[Sentence, ...]:
    """Split free text into sentences tagged apologize / acknowledge / inform."""
    out = []
    for piece in _SENTENCE.findall(text):
        piece = piece.strip()
        if not piece:
            continue
        if _APOLOGY.search(piece):
            strategy = "apologize"
        elif _FEELING.search(piece):
            strategy = "acknowledge"
        else:
            strategy = "inform"
        out.append(Sentence(piece, strategy))
    return tuple(out)


def _is_empathy(sentence: Sentence) -> bool:
    return sentence.strategy in EMPATHY_STRATEGIES


def _is_apology(sentence: Sentence) -> bool:
    return sentence.strategy == "apologize" or bool(_APOLOGY.search(sentence.text))


def critique(
    draft: Draft, plan: Plan, state: State, banned: tuple[str, ...] = ()
) -> tuple[Check, ...]:
    """Verdicts for ``draft`` under ``plan``."""
    sentences = draft.sentences
    text = draft.text
    lower = text.lower()
    empathy = [s for s in sentences if _is_empathy(s)]
    apologies = [s for s in sentences if _is_apology(s)]
    used = {_norm(p) for p in state.used_phrases}
    repeated = [
        s.text for s in sentences if (_is_empathy(s) or _is_apology(s)) and _norm(s.text) in used
    ]
    budget = EMPATHY_BUDGET[plan.empathy_level]
    wants_feeling = any(s in plan.strategies for s in ("acknowledge", "celebrate", "support"))
    pure_support = set(plan.strategies) <= SUPPORT_ONLY
    helpful = any(s.strategy in HELP_STRATEGIES for s in sentences)
    if draft.source != "composer":
        helpful = helpful and bool(_HELP.search(text))
    banned_found = _found(lower, tuple(banned))
    allowed_apologies = plan.max_apologies if state.apologies == 0 else 0
    # The knowledge base's answers are as long as they are; the limit is on what we add.
    words = len(text.split()) - sum(len(k.split()) for k in plan.knowledge if k in text)
    return (
        Check("feeling_acknowledged", not wants_feeling or bool(empathy) or draft.source == "safety",
              "" if empathy or not wants_feeling else "the plan asks to acknowledge the feeling"),
        Check("empathy_within_budget", len(empathy) <= max(budget, 0) or draft.source == "safety",
              f"{len(empathy)} empathy sentence(s), budget {budget}"),
        Check("apologies_within_limit", len(apologies) <= allowed_apologies or draft.source == "safety",
              f"{len(apologies)} apolog(ies), allowed {allowed_apologies}"),
        Check("no_repeated_phrasing", not repeated, "; ".join(repeated)),
        Check("help_present", pure_support or helpful or draft.source == "safety",
              "" if helpful else "no answer, next step or question"),
        Check("no_banned_phrases", not banned_found, "; ".join(banned_found)),
        Check("length_ok", 0 < words <= MAX_WORDS, f"{words} words"),
    )  # fmt: skip


def repair(
    draft: Draft,
    plan: Plan,
    state: State,
    alternative: Callable[[Sentence], Sentence | None],
    banned: tuple[str, ...] = (),
) -> tuple[Draft, tuple[str, ...]]:
    """Fix what can be fixed by editing: returns the new draft and what was done."""
    done: list[str] = []
    used = {_norm(p) for p in state.used_phrases}
    sentences = list(draft.sentences)
    # Swap phrasing already used in this conversation.
    for i, s in enumerate(sentences):
        if (_is_empathy(s) or _is_apology(s)) and _norm(s.text) in used:
            swap = alternative(s)
            if swap is not None:
                sentences[i] = swap
                done.append("swapped_repeated_phrase")
            else:
                sentences[i] = None  # type: ignore[call-overload]
                done.append("dropped_repeated_phrase")
    sentences = [s for s in sentences if s is not None]
    # Drop apologies beyond the limit (keep the first allowed ones).
    allowed = plan.max_apologies if state.apologies == 0 else 0
    kept_apologies = 0
    kept: list[Sentence] = []
    for s in sentences:
        if _is_apology(s) and draft.source != "safety":
            if kept_apologies >= allowed:
                done.append("dropped_surplus_apology")
                continue
            kept_apologies += 1
        kept.append(s)
    # Drop empathy sentences beyond the budget (later ones go first).
    budget = EMPATHY_BUDGET[plan.empathy_level]
    empathy_seen = 0
    trimmed: list[Sentence] = []
    for s in kept:
        if _is_empathy(s) and draft.source != "safety":
            if empathy_seen >= budget:
                done.append("dropped_surplus_empathy")
                continue
            empathy_seen += 1
        trimmed.append(s)
    # Remove sentences with banned phrases.
    clean = [s for s in trimmed if not _any_of(tuple(banned)).search(s.text.lower())]
    if len(clean) < len(trimmed):
        done.append("dropped_banned_phrase")
    return Draft(tuple(clean), draft.source), tuple(done)


_repair = repair  # RuleCritic.check's ``repair`` flag shadows the function's name inside it


class RuleCritic:
    """The built-in ``Critic``: tone against the plan (``critique``) and conduct in the
    conversation (``conduct.findings``: promises, repeats, known facts, emotion fit, hand-off,
    crisis mode, dangling sentences). What fails is repaired by editing: a sentence is swapped
    for another of the composer's wordings or dropped, a missing hand-off or safety line is
    added. The fixed safe reply is checked but never edited."""

    def __init__(
        self,
        banned: tuple[str, ...] = (),
        composer: Composer | None = None,
        actions: Collection[str] = (),
    ):
        self.banned = banned
        self.composer = composer
        self.actions = frozenset(actions)

    def check(
        self, draft: Draft, plan: Plan, conversation: Conversation, repair: bool = True
    ) -> Reply:
        state = conversation.state
        checks = self._verdicts(draft, plan, conversation)
        repairs: tuple[str, ...] = ()
        if repair and not all(c.passed for c in checks) and draft.source != "safety":
            draft, repairs = _repair(
                draft, plan, state, self._alternatives(draft, plan, state), self.banned
            )
            draft, more = self._repair_conduct(draft, plan, conversation)
            repairs += more
            checks = self._verdicts(draft, plan, conversation)
        return Reply(draft.text, draft.source, checks, repairs, sentences=draft.sentences)

    def _verdicts(self, draft: Draft, plan: Plan, conversation: Conversation) -> tuple[Check, ...]:
        found = conduct.findings(draft, plan, conversation, self.actions)
        tone = critique(draft, plan, conversation.state, self.banned)
        return tone + conduct.conduct_checks(found)

    def _repair_conduct(
        self, draft: Draft, plan: Plan, conversation: Conversation
    ) -> tuple[Draft, tuple[str, ...]]:
        """Swap or drop the sentences a conduct check names; add what is missing."""
        done: list[str] = []
        sentences: list[Sentence | None] = list(draft.sentences)
        for finding in conduct.findings(draft, plan, conversation, self.actions):
            for i in finding.sentences:
                sentences[i] = self._swap(sentences[i], plan, conversation, draft.source)
                done.append(f"fixed_{finding.check}")
        kept = tuple(s for s in sentences if s is not None)
        draft = Draft(kept, draft.source)
        for finding in conduct.findings(draft, plan, conversation, self.actions):
            line = self._missing_line(finding.check, plan, conversation)
            if line is not None:
                draft = Draft((*draft.sentences, line), draft.source)
                done.append(f"added_{finding.check}")
        return draft, tuple(done)

    def _swap(
        self, sentence: Sentence | None, plan: Plan, conversation: Conversation, source: str
    ) -> Sentence | None:
        if sentence is None or self.composer is None or source != "composer":
            return None
        state = conversation.state
        return self.composer.alternative(
            sentence, plan, state, conduct.said_before(conversation), conversation.facts
        )

    def _missing_line(self, check: str, plan: Plan, conversation: Conversation) -> Sentence | None:
        """The sentence whose absence failed ``check``: the safety resources, or the hand-off."""
        if self.composer is None:
            return None
        strategy = {"crisis_mode_kept": "resources", "handoff_honoured": "handoff"}.get(check)
        if strategy is None:
            return None
        if strategy == "handoff" and "handoff_status" in plan.strategies:
            strategy = "handoff_status"
        probe = Sentence("", strategy)
        return self.composer.alternative(probe, plan, conversation.state, (), conversation.facts)

    def _alternatives(
        self, draft: Draft, plan: Plan, state: State
    ) -> Callable[[Sentence], Sentence | None]:
        composer = self.composer
        if composer is None or draft.source != "composer":
            return lambda sentence: None
        return lambda sentence: composer.alternative(sentence, plan, state)
