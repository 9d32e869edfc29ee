"""A knowledge base of markdown / FAQ files, searched with the shared encoder plus word overlap.

Markdown files are cut at `##` headings: the heading is the question, the text under it the
answer. JSONL files hold {"question", "answer"} records. Retrieval scores each entry by the cosine
of the embeddings and an IDF-weighted word overlap (the encoder is tuned for feelings, so the
words keep retrieval honest on product terms).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from empathic.errors import InputError
from empathic.perceive.encoder import Encoder

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "you",
        "we",
        "my",
        "your",
        "our",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "to",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "it",
        "this",
        "that",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "how",
        "what",
        "when",
        "where",
        "why",
        "who",
        "me",
        "with",
        "at",
        "by",
        "from",
        "have",
        "has",
        "had",
        "not",
        "no",
        "please",
        "hi",
        "hello",
        "there",
        "any",
        "just",
        "so",
    ]
)


@dataclass(frozen=True)
class Entry:
    question: str
    answer: str
    source: str


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def load_entries(path: Path) -> list[Entry]:
    """Entries from a folder (recursively) or a single .md / .jsonl file."""
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    entries: list[Entry] = []
    for file in files:
        if file.suffix.lower() in {".md", ".markdown"}:
            entries += _markdown_entries(file)
        elif file.suffix.lower() == ".jsonl":
            for number, line in enumerate(file.read_text("utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    entries.append(
                        Entry(record["question"], record["answer"], f"{file.name}:{number}")
                    )
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise InputError(
                        f"{file}:{number}: expected a JSON object with question and answer"
                    ) from exc
    return entries


def _markdown_entries(file: Path) -> list[Entry]:
    entries = []
    question, lines = None, []
    for line in [*file.read_text("utf-8").splitlines(), "## "]:
        if line.startswith("## "):
            answer = " ".join(part.strip() for part in lines if part.strip())
            if question and answer:
                entries.append(Entry(question, answer, f"{file.name}#{question}"))
            question, lines = line[3:].strip(), []
        elif not line.startswith("# "):
            lines.append(line)
    return entries


class KnowledgeBase:
    """Entries and their embeddings; ``search`` returns the best matching answers."""

    def __init__(self, entries: list[Entry], encoder: Encoder):
        if not entries:
            raise InputError("the knowledge base is empty (no '## question' sections found)")
        self.entries = entries
        self.encoder = encoder
        vectors = encoder.embed([f"{e.question} {e.answer}" for e in entries])
        self.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        self.entry_words = [
            Counter(_words(f"{e.question} {e.question} {e.answer}")) for e in entries
        ]
        frequency = Counter(w for words in self.entry_words for w in set(words))
        self.idf = {w: math.log(1 + len(entries) / n) for w, n in frequency.items()}

    @classmethod
    def from_path(cls, path: str | Path, encoder: Encoder) -> KnowledgeBase:
        path = Path(path)
        if not path.exists():
            raise InputError(f"knowledge base {path} does not exist")
        return cls(load_entries(path), encoder)

    def search(self, query: str, k: int = 2, min_score: float = 0.35) -> list[Hit]:
        query_vector = self.encoder.embed([query])[0]
        cosine = self.vectors @ (query_vector / np.linalg.norm(query_vector))
        words = set(_words(query))
        norm = sum(self.idf.get(w, 0.0) for w in words) or 1.0
        overlap = np.array(
            [sum(self.idf[w] for w in words if w in ew) / norm for ew in self.entry_words]
        )
        scores = 0.5 * cosine + 0.5 * overlap
        order = np.argsort(-scores)[:k]
        return [Hit(self.entries[i], float(scores[i])) for i in order if scores[i] >= min_score]
