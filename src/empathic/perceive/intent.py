"""Intent: the learned head, with one rule on top.

An explicit request for a person is the one intent a support bot must never miss (it triggers a
hand-off), so a phrase rule overrides the head for it.
"""

from __future__ import annotations

import re

_REQUEST_HUMAN = re.compile(
    r"\b(?:(?:speak|talk|chat)\s+(?:to|with)|(?:get|give|put|transfer|connect|escalate)\s+"
    r"(?:me\s+)?(?:(?:to|through\s+to|with)\s+)?(?:this\s+to\s+)?|want|need|request|"
    r"let\s+me\s+(?:speak|talk)\s+(?:to|with))\s+(?:an?\s+|the\s+|your\s+|some\s+)?"
    r"(?:real\s+|live\s+|actual\s+)?(?:human(?:\s+being)?|person|agent|operator|representative|rep|"
    r"manager|supervisor|someone\s+(?:real|in\s+charge)|somebody\s+real|staff\s+member)\b|"
    r"\b(?:are\s+you\s+a\s+(?:bot|robot|machine)|not\s+a\s+bot|stop\s+(?:the\s+)?bot|"
    r"human\s+please|agent\s+please|call\s+me\s+back)\b",
    re.IGNORECASE,
)


def asks_for_human(text: str) -> bool:
    return _REQUEST_HUMAN.search(text) is not None


def resolve_intent(
    text: str,
    labels: tuple[str, ...],
    probs: list[float],
    sarcastic: bool = False,
    valence: float = 0.0,
) -> tuple[str, dict]:
    """The intent label and its probabilities, after two rules.

    An explicit request for a person always wins. "Thanks a lot" with a sarcasm cue or a clearly
    negative feeling is a complaint, never thanks or good news.
    """
    by_label = dict(zip(labels, probs, strict=True))
    if asks_for_human(text):
        return "request_human", by_label
    intent = max(by_label, key=by_label.__getitem__)
    if intent in {"thanks", "good_news"} and (sarcastic or valence < -0.3):
        return "complaint", by_label
    if intent == "other" and "?" in text:
        return "question", by_label
    return intent, by_label
