"""Hashed n-gram features for the customer heads (issue 15), the same at training and run time.

A text maps to bucket indices of a fixed-size space (``BUCKETS``) through a stable hash
(``zlib.crc32``; never Python's ``hash()``, which changes from one process to the next):

* word unigrams and bigrams of the lower-cased text, with URLs, @mentions and numbers folded
  into one token each (a tweet's handle says nothing about its tone);
* character 3- to 5-grams inside each word, padded with word boundaries (spelling, elongation,
  "soooo", hashtags, emoji).

Each group's features are binary and scaled to unit length, so a long post and a tweet weigh
the same. A head adds ``sum(weights[index] * value)`` to its embedding logit.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

import numpy as np

BUCKETS = 1 << 17
# Characters read per text: beyond it, a long post's n-grams add little and cost time.
MAX_CHARS = 3000

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_NUMBER = re.compile(r"\b\d+(?:[.,:]\d+)*\b")
_TOKEN = re.compile(r"[a-z0-9#']+|[^\sa-z0-9#']", re.IGNORECASE)


def _bucket(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & (BUCKETS - 1)


@lru_cache(maxsize=200_000)
def _word(token: str) -> int:
    return _bucket("w " + token)


@lru_cache(maxsize=200_000)
def _chars(token: str) -> tuple[int, ...]:
    padded = f"<{token}>"
    grams = {padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)}
    return tuple(_bucket("c " + g) for g in sorted(grams))


def tokens(text: str) -> list[str]:
    """The lower-cased word and symbol tokens of ``text`` (URLs, mentions, numbers folded)."""
    text = text[:MAX_CHARS].lower()
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _NUMBER.sub(" 0 ", text)
    return _TOKEN.findall(text)


def features(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Bucket indices and values of ``text`` (indices may repeat after a collision: sum them)."""
    toks = tokens(text)
    words = {_word(t) for t in toks}
    words |= {_bucket(f"b {a} {b}") for a, b in zip(toks, toks[1:], strict=False)}
    chars: set[int] = set()
    for t in toks:
        if t.isalnum() or "'" in t or "#" in t:
            chars.update(_chars(t))
    w_idx = np.fromiter(words, dtype=np.int64, count=len(words))
    c_idx = np.fromiter(chars, dtype=np.int64, count=len(chars))
    w_val = np.full(len(w_idx), 1.0 / np.sqrt(max(len(w_idx), 1)), dtype=np.float32)
    c_val = np.full(len(c_idx), 1.0 / np.sqrt(max(len(c_idx), 1)), dtype=np.float32)
    return np.concatenate([w_idx, c_idx]), np.concatenate([w_val, c_val])


def logits(texts: list[str], weights: np.ndarray) -> np.ndarray:
    """``(len(texts), weights.shape[1])``: each text's hashed features times ``weights``
    (``(BUCKETS, k)``)."""
    out = np.zeros((len(texts), weights.shape[1]), dtype=np.float32)
    for i, text in enumerate(texts):
        idx, val = features(text)
        if len(idx):
            out[i] = val @ weights[idx].astype(np.float32)
    return out


def matrix(texts: list[str]):  # -> scipy.sparse.csr_matrix (training only)
    """The hashed features of ``texts`` as a sparse matrix (training only; needs scipy)."""
    from scipy import sparse  # type: ignore[import-untyped]

    indptr, indices, data = [0], [], []
    for text in texts:
        idx, val = features(text)
        indices.append(idx)
        data.append(val)
        indptr.append(indptr[-1] + len(idx))
    m = sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.array(indptr)),
        shape=(len(texts), BUCKETS),
    )
    m.sum_duplicates()
    return m
