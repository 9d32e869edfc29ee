"""The learned part of the policy: next supporter strategy, trained on ESConv.

A logistic regression over the shared embedding of the recent context plus the previous
strategy (support conversations have rhythm: a question often follows reassurance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from empathic.perceive.encoder import Encoder, artifact
from empathic.perceive.heads import softmax

CONTEXT_TURNS = 3


def context_text(context: Sequence[str]) -> str:
    return " [SEP] ".join(context[-CONTEXT_TURNS:])


def features(
    embeddings: np.ndarray, previous: Sequence[str | None], labels: Sequence[str]
) -> np.ndarray:
    onehot = np.zeros((len(previous), len(labels) + 1), dtype=np.float32)
    for row, strategy in enumerate(previous):
        onehot[row, labels.index(strategy) if strategy in labels else len(labels)] = 1
    return np.hstack([embeddings, onehot])


@dataclass(frozen=True)
class StrategyModel:
    labels: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray

    @classmethod
    def load(cls) -> StrategyModel:
        with np.load(artifact("strategy.npz"), allow_pickle=False) as data:
            return cls(tuple(str(x) for x in data["labels"]), data["w"], data["b"])

    def predict_proba(self, embeddings: np.ndarray, previous: Sequence[str | None]) -> np.ndarray:
        return softmax(features(embeddings, previous, self.labels) @ self.weights + self.bias)

    def predict(self, encoder: Encoder, context: Sequence[str], previous: str | None) -> str:
        probs = self.predict_proba(encoder.embed([context_text(context)]), [previous])[0]
        return self.labels[int(np.argmax(probs))]
