"""The classifier heads that read the shared embedding, loaded from models/heads.npz.

All heads are linear (numpy only at run time): ED-32 softmax, GoEmotions-28 sigmoid with
per-label thresholds, Ekman thresholds over the GoEmotions groups, intent softmax, crisis softmax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from empathic.perceive.crisis import CrisisHead
from empathic.perceive.encoder import artifact


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


@dataclass(frozen=True)
class Heads:
    ed_labels: tuple[str, ...]
    ed_w: np.ndarray
    ed_b: np.ndarray
    go_labels: tuple[str, ...]
    go_w: np.ndarray
    go_b: np.ndarray
    go_thresholds: np.ndarray
    ekman_labels: tuple[str, ...]
    ekman_members: np.ndarray  # (len(go_labels), len(ekman_labels)) 0/1
    ekman_thresholds: np.ndarray
    intent_labels: tuple[str, ...]
    intent_w: np.ndarray
    intent_b: np.ndarray
    crisis: CrisisHead

    @classmethod
    def load(cls) -> Heads:
        with np.load(artifact("heads.npz"), allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        labels: dict[str, Any] = {
            k: tuple(str(x) for x in arrays.pop(k)) for k in list(arrays) if k.endswith("_labels")
        }
        crisis = CrisisHead(
            arrays.pop("crisis_w"), arrays.pop("crisis_b"), float(arrays.pop("crisis_threshold"))
        )
        return cls(**labels, **arrays, crisis=crisis)

    def ed(self, embeddings: np.ndarray) -> np.ndarray:
        return softmax(embeddings @ self.ed_w + self.ed_b)

    def goemotions(self, embeddings: np.ndarray) -> np.ndarray:
        return sigmoid(embeddings @ self.go_w + self.go_b)

    def ekman(self, go_probs: np.ndarray) -> np.ndarray:
        """Score of each Ekman group: the strongest of its GoEmotions members."""
        return (go_probs[:, :, None] * self.ekman_members[None, :, :]).max(axis=1)

    def intent(self, embeddings: np.ndarray) -> np.ndarray:
        return softmax(embeddings @ self.intent_w + self.intent_b)
