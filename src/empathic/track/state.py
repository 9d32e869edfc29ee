"""Conversation state over turns: smoothed feeling, escalation, unresolved issue, phrases used."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from empathic.config import TrackingConfig
from empathic.types import Reading, State, TurnSummary

if TYPE_CHECKING:
    from empathic.conversation import Conversation

_DEFAULT = TrackingConfig()
_INSULTS = ("idiot", "moron", "useless", "incompetent", "pathetic", "stupid", "clown", "joke")


def turn_escalation(reading: Reading) -> float:
    """How heated this one message is, 0..1: negative feeling, intensity, and the cues."""
    negative = max(0.0, -reading.valence)
    score = 0.45 * negative + 0.25 * reading.intensity * (reading.valence < 0)
    kinds = {c.kind for c in reading.cues}
    score += 0.12 * ("all_caps" in kinds) + 0.1 * ("profanity" in kinds)
    score += 0.1 * ("repetition" in kinds) + 0.05 * ("repeated_punctuation" in kinds)
    score += 0.1 * any(word in reading.text.lower() for word in _INSULTS)
    if reading.intent in {"thanks", "good_news", "greeting", "goodbye"}:
        score *= 0.3
    return min(1.0, score)


def _same_problem(reading: Reading, state: State) -> bool:
    """Is this turn another push on the problem the person already raised?"""
    if reading.intent not in {"complaint", "request_human", "venting", "question"}:
        return False
    previous = state.turns[-1] if state.turns else None
    still = reading.has_cue("repetition")
    return bool(still or (previous and previous.intent == "complaint" and reading.valence < 0))


def track(
    state: State | None,
    reading: Reading,
    conversation_id: str = "default",
    config: TrackingConfig = _DEFAULT,
) -> State:
    """The state after this reading."""
    state = state or State(conversation_id=conversation_id)
    smoothing = config.smoothing
    first = not state.turns
    escalation_now = turn_escalation(reading)
    escalation = (
        escalation_now if first else smoothing * escalation_now + (1 - smoothing) * state.escalation
    )
    valence = (
        reading.valence if first else smoothing * reading.valence + (1 - smoothing) * state.valence
    )
    intensity = (
        reading.intensity
        if first
        else smoothing * reading.intensity + (1 - smoothing) * state.intensity
    )
    previous = state.turns[-1] if state.turns else None
    deescalating = bool(
        previous
        and state.peak_escalation >= config.deescalation_peak
        and reading.valence - previous.valence >= config.deescalation_valence_rise
        and escalation < state.escalation
    )
    # Calmer words while asking for a person are not the problem going away: the hand-off
    # summary still needs it.
    if reading.intent in {"thanks", "good_news", "goodbye"} or (
        deescalating and reading.intent != "request_human"
    ):
        unresolved = 0
    elif reading.intent == "complaint" and not state.unresolved:
        unresolved = 1
    elif state.unresolved and _same_problem(reading, state):
        unresolved = state.unresolved + 1
    else:
        unresolved = state.unresolved
    issue = state.issue if unresolved else None
    if issue is None and reading.intent in {"complaint", "question", "request_human", "venting"}:
        issue = reading.text.strip()[:200]
    summary = TurnSummary(
        reading.text[:500], reading.intent, reading.ekman, round(reading.valence, 3),
        round(reading.intensity, 3), round(escalation, 3),
        None if reading.story is None else round(reading.story, 3),
    )  # fmt: skip
    return replace(
        state,
        turns=(*state.turns, summary),
        valence=valence,
        intensity=intensity,
        escalation=escalation,
        escalation_trend=escalation - state.escalation,
        escalated_turns=state.escalated_turns + 1
        if escalation >= config.escalation_threshold
        else 0,
        peak_escalation=max(state.peak_escalation, escalation),
        deescalating=deescalating,
        unresolved=unresolved,
        issue=issue,
        crisis=state.crisis or reading.crisis is not None,
    )


def remember_reply(state: State, used: tuple[str, ...], apologies: int, tried: str) -> State:
    """Record what our reply said, so later turns do not repeat it."""
    return replace(
        state,
        used_phrases=(*state.used_phrases, *used),
        apologies=state.apologies + apologies,
        tried=(*state.tried, tried) if tried else state.tried,
    )


def raise_handoff(state: State) -> State:
    return replace(state, handoff="raised")


class Tracker:
    """The built-in ``Tracker``: ``track`` with the configured smoothing and thresholds."""

    def __init__(self, config: TrackingConfig | None = None):
        self.config = config or TrackingConfig()

    def track(self, conversation: Conversation, reading: Reading) -> State:
        return track(conversation.state, reading, conversation.id, self.config)
