"""What a reply does, checked against the conversation: the critic's second half.

``critic.py`` checks tone against the plan (feeling acknowledged, empathy budget, apologies,
banned phrases, length). These check conduct a customer notices at once: a promise nobody will
keep, the same sentence twice, a question about a fact they already gave, good news celebrated
over bad news, a request for a person not honoured, safety resources dropped after a crisis,
a sentence that announces something that never comes. Each finding names the sentences it is
about, so a repair can drop or replace exactly those.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from empathic.check.content import (
    announces,
    asks_for,
    asks_for_person,
    mentions_bereavement,
    unbacked,
)
from empathic.conversation import Conversation
from empathic.types import Check, Draft, Plan, Sentence

CONDUCT_CHECKS = (
    "no_unbacked_promise",
    "no_repeated_content",
    "no_known_fact_asked",
    "emotion_fits",
    "handoff_honoured",
    "crisis_mode_kept",
    "no_dangling_sentence",
)
_CELEBRATORY = re.compile(
    r"\b(?:congratulations|congrats|great\s+news|wonderful|fantastic|brilliant|amazing|awesome|"
    r"so\s+(?:happy|glad)|happy\s+(?:for\s+you|to\s+help)|glad\s+(?:that|it|everything|i\s+could|"
    r"you)|that's\s+great|great!|how\s+exciting|love\s+(?:that|it|the|hearing)|yay|woo+hoo|haha|"
    r"good\s+one|enjoy\b|thanks\s+for\s+the\s+(?:feedback|laugh)|kind\s+words)",
    re.I,
)
_IRRITATION = re.compile(
    r"\b(?:irritat\w*|annoy\w*|frustrat\w*|infuriat\w*|aggravat\w*|inconvenien\w*)\b", re.I
)
_PERSON = re.compile(
    r"\b(?:colleague|person|people|human|team|staff|specialist|agent|someone)\b|"
    r"@|\bcall\b|\bphone\b|\+?\d[\d ()-]{6,}",
    re.I,
)
_RESOURCES = re.compile(
    r"\b(?:988|116\s?123|999|911|112|emergency|crisis\s+line|helpline|samaritans|lifeline)\b",
    re.I,
)
_PERSON_STRATEGIES = frozenset({"handoff", "handoff_status", "offer_person", "contact"})
_CONTENT = frozenset({"inform", "contact", "recap"})  # what an announcement may lead into
_NEGATIVE_FAMILIES = frozenset({"sadness", "fear", "frustration", "disappointment"})


@dataclass(frozen=True)
class Finding:
    """A failed conduct check and the sentences (by index) that failed it."""

    check: str
    sentences: tuple[int, ...]
    detail: str


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def said_before(conversation: Conversation) -> set[str]:
    """Our earlier replies' sentences of three words or more, normalised (a short "Thanks!"
    said twice is not a repetition)."""
    return {_norm(p) for p in conversation.said_before() if len(p.split()) >= 3}


def findings(
    draft: Draft, plan: Plan, conversation: Conversation, actions: Collection[str]
) -> list[Finding]:
    """Every conduct problem of ``draft`` in this conversation."""
    if draft.source == "safety":
        return []  # the fixed, reviewed safe reply
    sentences = draft.sentences
    return [
        f
        for f in (
            _promises(sentences, actions),
            _repeats(sentences, conversation),
            _known_facts(sentences, conversation),
            _emotion(sentences, plan, conversation),
            _handoff(sentences, plan, conversation),
            _crisis_mode(sentences, conversation),
            _dangling(sentences),
        )
        if f is not None
    ]


def conduct_checks(found: list[Finding]) -> tuple[Check, ...]:
    """One verdict per conduct check."""
    failed = {f.check: f for f in found}
    return tuple(
        Check(name, name not in failed, failed[name].detail if name in failed else "")
        for name in CONDUCT_CHECKS
    )


def _finding(check: str, hits: list[int], sentences: tuple[Sentence, ...]) -> Finding | None:
    if not hits:
        return None
    return Finding(check, tuple(hits), "; ".join(sentences[i].text for i in hits))


def _promises(sentences: tuple[Sentence, ...], actions: Collection[str]) -> Finding | None:
    hits = [i for i, s in enumerate(sentences) if unbacked(s.text, actions)]
    return _finding("no_unbacked_promise", hits, sentences)


def _repeats(sentences: tuple[Sentence, ...], conversation: Conversation) -> Finding | None:
    earlier = said_before(conversation)
    seen: set[str] = set()
    hits = []
    for i, s in enumerate(sentences):
        key = _norm(s.text)
        if s.strategy != "recap" and len(s.text.split()) >= 3 and (key in earlier or key in seen):
            hits.append(i)
        seen.add(key)
    return _finding("no_repeated_content", hits, sentences)


def _known_facts(sentences: tuple[Sentence, ...], conversation: Conversation) -> Finding | None:
    known = set(conversation.facts)
    hits = [i for i, s in enumerate(sentences) if asks_for(s.text) & known]
    return _finding("no_known_fact_asked", hits, sentences)


def _emotion(
    sentences: tuple[Sentence, ...], plan: Plan, conversation: Conversation
) -> Finding | None:
    """Celebrating when the feeling is negative (or after a bereavement in this conversation);
    irritation offered to grief or fear. A fix the plan celebrates (family "relief": the words
    say it works now, not sarcastically) may be told with the trouble it replaced ("it's working
    now. It was saying the music wasn't available."), which reads negative."""
    turns = conversation.state.turns
    grief = any(mentions_bereavement(t.text) for t in turns)
    negative = bool(turns and turns[-1].valence < -0.1) and plan.family != "relief"
    low = plan.family in _NEGATIVE_FAMILIES or grief or negative
    sad = plan.family in {"sadness", "fear"} or grief
    hits = [
        i
        for i, s in enumerate(sentences)
        if (low and _CELEBRATORY.search(s.text)) or (sad and _IRRITATION.search(s.text))
    ]
    return _finding("emotion_fits", hits, sentences)


def _handoff(
    sentences: tuple[Sentence, ...], plan: Plan, conversation: Conversation
) -> Finding | None:
    """A request for a person (first or repeated, however the intent read it) is answered
    about the person or the way to reach one, not with a question."""
    turns = conversation.state.turns
    asked = (
        plan.handoff_reason == "asked for a human"
        or "handoff_status" in plan.strategies
        or bool(turns and asks_for_person(turns[-1].text))
        or (conversation.waiting_for_person and "handoff" in plan.strategies)
    )
    if not asked:
        return None
    questions = [i for i, s in enumerate(sentences) if s.text.rstrip().endswith("?")]
    about_person = any(
        s.strategy in _PERSON_STRATEGIES or _PERSON.search(s.text) for s in sentences
    )
    if about_person and not questions:
        return None
    return Finding(
        "handoff_honoured",
        tuple(questions),
        "a question instead of the hand-off" if questions else "no word of a person",
    )


def _crisis_mode(sentences: tuple[Sentence, ...], conversation: Conversation) -> Finding | None:
    if not conversation.state.crisis or any(_RESOURCES.search(s.text) for s in sentences):
        return None
    return Finding("crisis_mode_kept", (), "no safety resources in crisis mode")


def _dangling(sentences: tuple[Sentence, ...]) -> Finding | None:
    """A sentence that announces content, with no answer after it."""
    hits = [
        i
        for i, s in enumerate(sentences)
        if announces(s.text)
        and (i + 1 == len(sentences) or sentences[i + 1].strategy not in _CONTENT)
    ]
    return _finding("no_dangling_sentence", hits, sentences)
