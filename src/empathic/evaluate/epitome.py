"""EPITOME empathy mechanisms (Sharma et al., EMNLP 2020), scored from (seeker message, response).

Three mechanisms, each 0 (none), 1 (weak) or 2 (strong):

* emotional reactions (ER): the response expresses warmth, compassion, concern;
* interpretations (IP): it shows understanding of the seeker's feelings or experience;
* explorations (EX): it asks about what the seeker has not said.

One MiniLM-L6, fine-tuned multi-task on EPITOME-Reddit by ``training/train_epitome.py``, reads
"[CLS] seeker [SEP] response [SEP]" (the seeker post truncated from the front, the response kept
whole) and three 3-way heads read its pooled vector. Int8 ONNX at run time, no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from empathic.config import EmpathicConfig
from empathic.errors import ModelArtifactError
from empathic.perceive.encoder import MODELS_DIR, artifact

MECHANISMS: tuple[str, ...] = ("emotional_reactions", "interpretations", "explorations")
SHORT = {"emotional_reactions": "er", "interpretations": "ip", "explorations": "ex"}
MAX_TOKENS = 256
MIN_SEEKER_TOKENS = 16
REBUILD = "python training/train_epitome.py"
# Test accuracy / macro-F1 of a replication of the paper's model (RoBERTa bi-encoders) on
# EPITOME-Reddit: the figures this scorer is measured against.
REPLICATION = {
    "emotional_reactions": (0.82, 0.75),
    "interpretations": (0.84, 0.70),
    "explorations": (0.91, 0.64),
}


def _artifact(name: str):
    """A shipped EPITOME artifact, verified; the error names the command that rebuilds it."""
    path = MODELS_DIR / name
    if not path.is_file():
        raise ModelArtifactError(f"{path} is missing; rebuild it with `{REBUILD}`")
    return artifact(name)


def load_tokenizer(path: str) -> Tokenizer:
    tokenizer = Tokenizer.from_file(path)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def encode_pairs(
    tokenizer: Tokenizer,
    seekers: Sequence[str],
    responses: Sequence[str],
    max_tokens: int = MAX_TOKENS,
) -> list[tuple[list[int], list[int]]]:
    """(input_ids, token_type_ids) per pair: [CLS] seeker tail [SEP] response [SEP].

    The response is what is being scored, so it is kept whole (up to the budget less a short
    seeker tail); the seeker post loses its beginning first.
    """
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls_id is None or sep_id is None:
        raise ModelArtifactError("the tokenizer has no [CLS] or [SEP] token")
    seeker_ids = [e.ids for e in tokenizer.encode_batch(list(seekers), add_special_tokens=False)]
    response_ids = [
        e.ids for e in tokenizer.encode_batch(list(responses), add_special_tokens=False)
    ]
    out = []
    for s, r in zip(seeker_ids, response_ids, strict=True):
        r = r[: max_tokens - 3 - min(len(s), MIN_SEEKER_TOKENS)]
        room = max_tokens - 3 - len(r)
        s = s[len(s) - room :] if len(s) > room else s
        ids = [cls_id, *s, sep_id, *r, sep_id]
        types = [0] * (len(s) + 2) + [1] * (len(r) + 1)
        out.append((ids, types))
    return out


def pad_batch(encoded: Sequence[tuple[list[int], list[int]]]):
    """Right-padded int64 arrays: input_ids, attention_mask, token_type_ids."""
    length = max(len(ids) for ids, _ in encoded)
    ids = np.zeros((len(encoded), length), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, (i, t) in enumerate(encoded):
        ids[row, : len(i)] = i
        mask[row, : len(i)] = 1
        types[row, : len(t)] = t
    return ids, mask, types


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class EpitomeScores:
    """Levels (n, 3) in 0..2 and probabilities (n, 3, 3), mechanisms in ``MECHANISMS`` order."""

    levels: np.ndarray
    probs: np.ndarray

    def mean(self) -> dict[str, float]:
        if not len(self.levels):
            return {SHORT[m]: float("nan") for m in MECHANISMS}
        return {SHORT[m]: float(self.levels[:, j].mean()) for j, m in enumerate(MECHANISMS)}


class EpitomeScorer:
    """(seeker, response) -> ER / IP / EX levels. Loading takes about a second; reuse one."""

    def __init__(self, threads: int | None = None):
        self.tokenizer = load_tokenizer(str(artifact("tokenizer.json")))
        options = ort.SessionOptions()
        # Default: the config's threads (EMPATHIC_THREADS), else 0 = all cores (batch scoring).
        options.intra_op_num_threads = threads or EmpathicConfig.load().threads or 0
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(_artifact("epitome.int8.onnx")), options, providers=["CPUExecutionProvider"]
        )
        with np.load(_artifact("epitome_heads.npz"), allow_pickle=False) as heads:
            self.w = heads["w"].astype(np.float32)
            self.b = heads["b"].astype(np.float32)
            # The length the scorer was trained with (256 unless the training run said less).
            self.max_tokens = int(heads["max_tokens"]) if "max_tokens" in heads else MAX_TOKENS

    def pooled(
        self, seekers: Sequence[str], responses: Sequence[str], batch_size: int = 32
    ) -> np.ndarray:
        encoded = encode_pairs(self.tokenizer, seekers, responses, self.max_tokens)
        out = np.zeros((len(encoded), self.w.shape[0]), dtype=np.float32)
        order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            ids, mask, types = pad_batch([encoded[i] for i in idx])
            (pooled,) = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            out[idx] = pooled
        return out

    def score(self, seekers: Sequence[str], responses: Sequence[str]) -> EpitomeScores:
        if len(seekers) != len(responses):
            raise ValueError("one seeker message per response")
        if not responses:
            return EpitomeScores(np.zeros((0, 3), dtype=np.int64), np.zeros((0, 3, 3)))
        logits = (self.pooled(seekers, responses) @ self.w + self.b).reshape(-1, 3, 3)
        probs = softmax(logits)
        return EpitomeScores(probs.argmax(-1), probs)
