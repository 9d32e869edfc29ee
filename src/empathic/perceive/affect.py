"""Valence, arousal and intensity, derived from the GoEmotions probabilities and the cues.

Each GoEmotions label has a (valence, arousal) anchor chosen by the project after the NRC VAD
ordering; a message's values are the probability-weighted mean of the anchors. Cues such as
shouting and "!!!" raise arousal and intensity, never valence.
"""

from __future__ import annotations

import numpy as np

from empathic.config import PerceptionConfig
from empathic.types import Cue

_DEFAULTS = PerceptionConfig()

ANCHORS: dict[str, tuple[float, float]] = {
    "admiration": (0.6, 0.4), "amusement": (0.7, 0.6), "anger": (-0.8, 0.85),
    "annoyance": (-0.55, 0.6), "approval": (0.5, 0.3), "caring": (0.55, 0.35),
    "confusion": (-0.2, 0.45), "curiosity": (0.2, 0.5), "desire": (0.35, 0.6),
    "disappointment": (-0.6, 0.35), "disapproval": (-0.5, 0.45), "disgust": (-0.75, 0.6),
    "embarrassment": (-0.5, 0.55), "excitement": (0.8, 0.9), "fear": (-0.75, 0.8),
    "gratitude": (0.75, 0.4), "grief": (-0.9, 0.45), "joy": (0.85, 0.7), "love": (0.85, 0.55),
    "nervousness": (-0.5, 0.75), "optimism": (0.6, 0.5), "pride": (0.7, 0.55),
    "realization": (0.05, 0.4), "relief": (0.55, 0.25), "remorse": (-0.6, 0.4),
    "sadness": (-0.75, 0.3), "surprise": (0.15, 0.8), "neutral": (0.0, 0.2),
}  # fmt: skip

# Arousal and intensity added per cue kind (perception.cue_boost).
_CUE_BOOST = _DEFAULTS.cue_boost


# Labels that describe a stance more than a feeling: a curious question is not an intense message.
_NOT_FELT = frozenset({"neutral", "curiosity", "realization", "approval"})


def affect(
    labels: tuple[str, ...],
    probs: np.ndarray,
    cues: tuple[Cue, ...],
    config: PerceptionConfig | None = None,
) -> tuple[float, ...]:
    """(valence in [-1, 1], arousal in [0, 1], intensity in [0, 1]) for one message."""
    config = config or _DEFAULTS
    anchors = np.array([ANCHORS[label] for label in labels])
    weights = probs / max(float(probs.sum()), 1e-6)
    valence, arousal = (weights[:, None] * anchors).sum(0)
    neutral = float(probs[labels.index("neutral")])
    emotional = max(
        float(p) for label, p in zip(labels, probs, strict=True) if label not in _NOT_FELT
    )
    boost = sum(config.cue_boost.get(kind, 0.0) for kind in {c.kind for c in cues})
    intensity = emotional * (1.0 - config.neutral_damping * neutral) + boost
    return (
        float(np.clip(valence, -1, 1)),
        float(np.clip(arousal + boost, 0, 1)),
        float(np.clip(intensity, 0, 1)),
    )
