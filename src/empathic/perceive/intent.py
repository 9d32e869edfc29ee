"""Intent: the learned head, with one rule on top.

An explicit request for a person is the one intent a support bot must never miss (it triggers a
hand-off), so a phrase rule overrides the head for it.
"""

from __future__ import annotations

import re

from empathic.config import PerceptionConfig

_DEFAULTS = PerceptionConfig()

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


# Cues of someone upset enough that their question is a complaint.
UPSET_CUES = frozenset(
    {"all_caps", "repeated_punctuation", "repetition", "profanity", "sarcasm_hint", "urgency"}
)
# A direct question, or a plain request for something to be done.
_ASKS = re.compile(
    r"\?\s*$|\?\s|^(?:hi|hello|hey)?[,!\s]*(?:i\s+(?:need|want|would\s+like|'d\s+like)\s+to|"
    r"(?:can|could|would)\s+you|please)\b|(?:^|[.!?]\s+|\b(?:just|please|then)\s+)tell\s+me\s+(?:\w+\s+)?(?:when|how|what|why|where|if)\b",
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
    upset: bool = False,
    afraid_or_sad: bool = False,
    config: PerceptionConfig | None = None,
) -> tuple[str, dict]:
    """The intent label and its probabilities, after the rules.

    An explicit request for a person always wins. "Thanks a lot" with a sarcasm cue or a clearly
    negative feeling is a complaint, never thanks or good news. A calm question about a problem
    (no shouting, swearing or repeating, not frightened or sad) is a question. The valence
    limits are ``config.sarcasm_valence`` and ``config.calm_valence``.
    """
    config = config or _DEFAULTS
    by_label = dict(zip(labels, probs, strict=True))
    if asks_for_human(text):
        return "request_human", by_label
    intent = max(by_label, key=by_label.__getitem__)
    if intent in {"thanks", "good_news"} and (sarcastic or valence < config.sarcasm_valence):
        return "complaint", by_label
    if intent == "other" and ("?" in text or _ASKS.search(text)):
        return "question", by_label
    calm = not upset and not afraid_or_sad and valence > config.calm_valence
    if intent == "complaint" and calm and _ASKS.search(text):
        # A calm question or request about a problem ("is that covered by the warranty?",
        # "I need to change my email address") wants an answer, not an apology.
        return "question", by_label
    return intent, by_label
