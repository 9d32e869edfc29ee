"""A knowledge base of markdown / FAQ files, searched by sentence embeddings plus word overlap.

Markdown files are cut at `##` headings: the heading is the question, the text under it the
answer, and `> ` lines under it are other ways customers have asked it (a support team's past
tickets; they are matched, never shown). JSONL files hold {"question", "answer"} records, with an
optional "examples" list. Retrieval scores each entry by the cosine
of the embeddings and an IDF-weighted word overlap (the words keep retrieval honest on product
terms). The embeddings come from all-MiniLM-L6-v2 as its authors trained it, for semantic search
(shipped as models/retrieval.int8.onnx, built by training/export_retrieval.py): the shared
perception encoder was fine-tuned for feelings, and on the demo shop's questions it retrieves
worse.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from empathic.config import EmpathicConfig, KnowledgeConfig
from empathic.errors import InputError
from empathic.perceive.encoder import Encoder, artifact

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
        # "Still." after a failed fix names no topic: it matched every passage saying "if you
        # still do not ..." (a Spotify customer got the card-dispute steps).
        "still",
        "keep",
    ]
)


# The defaults of the retrieval settings (empathic.config, responding.knowledge); the names stay
# for callers.
_DEFAULTS = KnowledgeConfig()
# Share of the score from the embeddings; the rest is word overlap (see the module docstring).
COSINE_WEIGHT = _DEFAULTS.cosine_weight
# Below this a best match is offered as possibly not what was asked. On the 210 labelled shop
# queries (benchmarks/knowledge.py) a quarter of right answers score under 0.41, and 16 of the 21
# unanswerable messages that retrieve anything (>= 0.22: "do you offer gift wrapping?" finds
# express delivery) score under 0.4.
CONFIDENT_MATCH = _DEFAULTS.confident_match
RETRIEVAL_MODEL = "retrieval.int8.onnx"
# Score given up per sentence of a passage after the first, when one sentence of it is recalled.
SENTENCE_ORDER_PRIOR = 0.03


def retrieval_encoder() -> Encoder:
    """The semantic-search encoder (all-MiniLM-L6-v2, int8), checked before it is loaded."""
    return Encoder(model=artifact(RETRIEVAL_MODEL))


@dataclass(frozen=True)
class Entry:
    question: str
    answer: str
    source: str
    # Other phrasings of the question, from real customers: matched like the heading.
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


def _stem(word: str) -> str:
    """A light suffix strip so "Saturdays" meets "Saturday" and "charged" meets "charge"."""
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _words(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def load_entries(path: Path) -> list[Entry]:
    """Entries from a folder (recursively) or a single .md / .jsonl file. A folder's README
    describes the folder ("## Format", "## License"), so it is not read as answers."""
    files = (
        sorted(p for p in path.rglob("*") if p.stem.lower() != "readme")
        if path.is_dir()
        else [path]
    )
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
                    examples = record.get("examples", [])
                    if not isinstance(examples, list) or not all(
                        isinstance(e, str) for e in examples
                    ):
                        raise TypeError("examples must be a list of strings")
                    entries.append(
                        Entry(
                            record["question"],
                            record["answer"],
                            f"{file.name}:{number}",
                            tuple(examples),
                        )
                    )
                except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                    raise InputError(
                        f"{file}:{number}: expected a JSON object with question and answer"
                        " (and optionally an examples list)"
                    ) from exc
    return entries


def _markdown_entries(file: Path) -> list[Entry]:
    entries = []
    question: str | None = None
    lines: list[str] = []
    examples: list[str] = []
    for line in [*file.read_text("utf-8").splitlines(), "## "]:
        if line.startswith("## "):
            answer = " ".join(part.strip() for part in lines if part.strip())
            if question and answer:
                entries.append(Entry(question, answer, f"{file.name}#{question}", tuple(examples)))
            question, lines, examples = line[3:].strip(), [], []
        elif line.startswith(">"):
            if line[1:].strip():
                examples.append(line[1:].strip())
        elif not line.startswith("# "):
            lines.append(line)
    return entries


class KnowledgeBase:
    """Entries and their embeddings; ``search`` returns the best matching answers.

    ``config`` holds the retrieval settings (default: ``EmpathicConfig.load()``'s
    ``responding.knowledge``); ``cosine_weight``, when given, overrides its blend.
    """

    def __init__(
        self,
        entries: list[Entry],
        encoder: Encoder | None = None,
        cosine_weight: float | None = None,
        *,
        config: KnowledgeConfig | None = None,
    ):
        if not entries:
            raise InputError("the knowledge base is empty (no '## question' sections found)")
        self.config = config or EmpathicConfig.load().responding.knowledge
        self.entries = entries
        self.cosine_weight = self.config.cosine_weight if cosine_weight is None else cosine_weight
        # Best score below which an answer is offered as tentative (see CONFIDENT_MATCH).
        self.confident_match = self.config.confident_match
        self.encoder = encoder = encoder or retrieval_encoder()
        # Customers ask the way the headings are phrased: match against the question alone and
        # against question + answer, and keep the better of the two.
        vectors = encoder.embed(
            [e.question for e in entries] + [f"{e.question} {e.answer}" for e in entries]
        )
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = vectors.reshape(2, len(entries), -1)
        self._embed_examples(entries)
        self.entry_words = [
            Counter(_words(f"{e.question} {e.question} {e.answer}")) for e in entries
        ]
        frequency = Counter(w for words in self.entry_words for w in set(words))
        self.idf = {w: math.log(1 + len(entries) / n) for w, n in frequency.items()}

    def _embed_examples(self, entries: list[Entry]) -> None:
        """One vector per example phrasing, with the index of its entry: a query is as close to
        an entry as to its nearest example."""
        owners = [i for i, e in enumerate(entries) for _ in e.examples]
        self.example_owner = np.array(owners, dtype=np.int64)
        if not owners:
            self.example_vectors = np.zeros((0, self.vectors.shape[-1]), dtype=np.float32)
            return
        vectors = self.encoder.embed([x for e in entries for x in e.examples])
        self.example_vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def _cosine(self, query_vector: np.ndarray) -> np.ndarray:
        """Per entry, the best cosine over its heading, heading + answer and examples."""
        cosine = (self.vectors @ query_vector).max(axis=0)
        if len(self.example_owner):
            by_example = self.example_vectors @ query_vector
            np.maximum.at(cosine, self.example_owner, by_example)
        return cosine

    @classmethod
    def from_path(
        cls,
        path: str | Path,
        encoder: Encoder | None = None,
        *,
        config: KnowledgeConfig | None = None,
    ) -> KnowledgeBase:
        path = Path(path)
        if not path.exists():
            raise InputError(f"knowledge base {path} does not exist")
        return cls(load_entries(path), encoder, config=config)

    def search(self, query: str, k: int | None = None, min_score: float | None = None) -> list[Hit]:
        """The best ``k`` entries (config ``top_k``) scoring at least ``min_score`` (config
        ``min_score``), best first."""
        k = self.config.top_k if k is None else k
        min_score = self.config.min_score if min_score is None else min_score
        query_vector = self.encoder.embed([query])[0]
        cosine = self._cosine(query_vector / np.linalg.norm(query_vector))
        words = set(_words(query))
        # Words the knowledge base never uses still count against a match (as the rarest words).
        unseen = math.log(1 + len(self.entries))
        norm = sum(self.idf.get(w, unseen) for w in words) or 1.0
        overlap = np.array(
            [sum(self.idf[w] for w in words if w in ew) / norm for ew in self.entry_words]
        )
        scores = self.cosine_weight * cosine + (1 - self.cosine_weight) * overlap
        order = np.argsort(-scores)[:k]
        return [Hit(self.entries[i], float(scores[i])) for i in order if scores[i] >= min_score]

    def best_sentence(self, passage: str, query: str) -> str:
        """The sentence of ``passage`` that answers ``query`` best: sentence-level retrieval
        inside a passage already chosen (the same blend of meaning and shared words as
        ``search``, over the passage's sentences)."""
        sentences = [p for p in _PASSAGE_SENTENCE.split(passage) if p.strip()]
        if len(sentences) < 2:
            return passage
        vectors = self.encoder.embed([query, *sentences])
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        cosine = vectors[1:] @ vectors[0]
        words = set(_words(query))
        overlap = np.array([len(words & set(_words(p))) / (len(words) or 1) for p in sentences])
        scores = self.cosine_weight * cosine + (1 - self.cosine_weight) * overlap
        # An answer leads with its instruction and follows with caveats: on a near tie the earlier
        # sentence is the one that answers ("Go to .../account/reset" over "The link is valid for
        # 30 minutes"), whatever the last digits of an int8 encoder say on this CPU.
        scores = scores - SENTENCE_ORDER_PRIOR * np.arange(len(sentences))
        exceptions = np.array([bool(_EXCEPTION.search(p)) for p in sentences])
        if _SETBACK.search(query) and exceptions.any():
            # "I never saved any codes", "it says it has expired": someone asking again after the
            # main answer did not work for them needs the exception ("If you have no codes...").
            scores = np.where(exceptions, scores, -np.inf)
        return sentences[int(np.argmax(scores))]


def overlap_best_sentence(passage: str, query: str) -> str:
    """The sentence of ``passage`` sharing most words with ``query`` (the first on a tie)."""
    sentences = [p for p in _PASSAGE_SENTENCE.split(passage) if p.strip()]
    words = set(_words(query))
    return max(sentences, key=lambda p: len(words & set(_words(p))), default=passage)


# Sentence ends inside a passage (a full stop, ? or ! before a capital or a quote), not the dots
# of a URL or a decimal.
_PASSAGE_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
_SETBACK = re.compile(
    r"\b(?:never|not|no|didn'?t|doesn'?t|don'?t|can'?t|cannot|won'?t|isn'?t|wasn'?t|expired|"
    r"lost|without|still|again|failed|broken)\b",
    re.I,
)
_EXCEPTION = re.compile(r"\b(?:if|unless|otherwise|expired|no\s+longer|without)\b", re.I)
