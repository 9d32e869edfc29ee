"""The value objects that travel between stages. All immutable."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Intent = Literal[
    "complaint",
    "question",
    "request_human",
    "thanks",
    "good_news",
    "venting",
    "greeting",
    "goodbye",
    "other",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]

CrisisKind = Literal["self_harm", "harm_to_others", "abuse", "medical_emergency"]
CRISIS_KINDS: tuple[str, ...] = CrisisKind.__args__  # type: ignore[attr-defined]

EKMAN: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")


@dataclass(frozen=True)
class Span:
    """A piece of the message, by character offsets, that supports a finding."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Cue:
    """A surface signal in the message: all caps, repeated punctuation, urgency, ..."""

    kind: str
    span: Span


@dataclass(frozen=True)
class CrisisSignal:
    """A person may be in danger. ``evidence`` names the words that raised it."""

    kind: CrisisKind
    confidence: float
    evidence: tuple[Span, ...]


@dataclass(frozen=True)
class Reading:
    """How one message reads: emotions, intent, cues and any crisis signal."""

    text: str
    ed_emotion: str
    ed_probs: dict[str, float]
    goemotions: dict[str, float]
    goemotions_labels: tuple[str, ...]
    ekman: str
    ekman_probs: dict[str, float]
    valence: float
    arousal: float
    intensity: float
    intent: str
    intent_probs: dict[str, float]
    cues: tuple[Cue, ...] = ()
    crisis: CrisisSignal | None = None
    context_turns: int = 0
    meta: dict[str, str] = field(default_factory=dict)

    def top_ed(self, n: int = 3) -> list[tuple[str, float]]:
        return sorted(self.ed_probs.items(), key=lambda kv: -kv[1])[:n]

    def has_cue(self, kind: str) -> bool:
        return any(c.kind == kind for c in self.cues)

    def to_dict(self) -> dict:
        """JSON-ready form (rounded probabilities)."""
        data = asdict(self)
        for key in ("ed_probs", "goemotions", "ekman_probs", "intent_probs"):
            data[key] = {k: round(v, 4) for k, v in data[key].items()}
        for key in ("valence", "arousal", "intensity"):
            data[key] = round(data[key], 4)
        data["goemotions_labels"] = list(self.goemotions_labels)
        return data
