"""Loaders for the reply benchmark's data (issue 16), in ``benchmarks/data/replies/``:

- ``scenarios.jsonl``: conversations built from real customer threads, each turn with the reply
  properties a support lead would expect (``load_conversations``), split into a tuning set and a
  sealed test set by a fixed rule (``split``);
- ``critic.jsonl``: good and bad replies to real customer turns, bad ones with the failure kind
  (``load_critic_rows``);
- ``kb_questions.jsonl`` and ``kb/``: real customer questions with the heading of the knowledge
  base passage that answers them, or ``None`` (``load_kb_questions``, ``kb_dir``).

The files live next to the benchmarks (``benchmarks/data/replies`` of a checkout), not in the
package: every loader takes that folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SEALED_MODULUS = 5  # sha1(conversation id) % 5 == 0 → sealed (about 20%)

# Expectation keys a reply-scenario turn may set. The first group is checked by
# ``empathic.evaluate.scenarios``; the second is new with issue 16.
EXISTING_KEYS = frozenset(
    {
        "strategies_include",
        "strategies_exclude",
        "handoff",
        "crisis",
        "acknowledges",
        "no_apology",
        "max_apologies",
        "no_preamble",
        "has_help",
        "mentions_human",
        "safe_reply",
    }
)
NEW_KEYS = frozenset(
    {
        "no_false_promise",
        "no_repeat",
        "no_dangling",
        "no_known_fact_asked",
        "uses_fact",
        "honours_handoff",
        "crisis_persists",
        "celebrates",
        "condolence",
        "plain_answer",
    }
)
EXPECTATION_KEYS = EXISTING_KEYS | NEW_KEYS

FAILURE_KINDS = (
    "unbacked_promise",
    "repeated_content",
    "asks_known_fact",
    "emotion_mismatch",
    "handoff_not_honoured",
    "crisis_dropped",
    "dangling_sentence",
)

Split = Literal["sealed", "tuning"]


def kb_dir(folder: Path) -> Path:
    return folder / "kb"


def split(conversation_id: str) -> Split:
    """The fixed split: sealed when sha1 of the id (UTF-8, as an integer) is divisible by 5."""
    digest = int(hashlib.sha1(conversation_id.encode("utf-8")).hexdigest(), 16)
    return "sealed" if digest % SEALED_MODULUS == 0 else "tuning"


@dataclass(frozen=True)
class ReplyTurn:
    user: str
    expect: dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    id: str
    source: str
    source_row: tuple[Any, ...]
    licence: str
    turns: tuple[ReplyTurn, ...]
    tag: str = ""

    @property
    def split(self) -> Split:
        return split(self.id)


@dataclass(frozen=True)
class ContextTurn:
    role: Literal["customer", "bot"]
    text: str


@dataclass(frozen=True)
class CriticRow:
    id: str
    context: tuple[ContextTurn, ...]
    reply: str
    label: Literal["good", "bad"]
    failure: str | None
    mode: str | None
    source_rows: tuple[str, ...]
    licence: str
    facts: dict[str, str] = field(default_factory=dict)
    actions: tuple[str, ...] | None = None  # what the deployment can do; None = not stated


@dataclass(frozen=True)
class KBQuestion:
    id: str
    source: str
    source_row: Any
    licence: str
    question: str
    expected: str | None  # the passage heading, or None when the knowledge base has no answer


def _lines(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON") from exc
    return rows


def load_conversations(folder: Path, which: Split | None = None) -> list[Conversation]:
    """All conversations, or only the ``"tuning"`` or ``"sealed"`` ones. Unknown expectation
    keys raise ``ValueError``."""
    path = folder / "scenarios.jsonl"
    conversations = []
    for row in _lines(path):
        turns = []
        for i, turn in enumerate(row["turns"], 1):
            unknown = set(turn.get("expect", {})) - EXPECTATION_KEYS
            if unknown or "user" not in turn:
                raise ValueError(
                    f"{row['id']} turn {i}: unknown keys {sorted(unknown)} or no 'user'"
                )
            turns.append(ReplyTurn(turn["user"], dict(turn.get("expect", {}))))
        conversation = Conversation(
            row["id"],
            row["source"],
            tuple(row["source_row"]),
            row["licence"],
            tuple(turns),
            row.get("tag", ""),
        )
        if which is None or conversation.split == which:
            conversations.append(conversation)
    return conversations


def load_critic_rows(folder: Path) -> list[CriticRow]:
    rows = []
    for row in _lines(folder / "critic.jsonl"):
        if row["label"] not in ("good", "bad"):
            raise ValueError(f"{row['id']}: label {row['label']!r}")
        if (row["label"] == "bad") != (row.get("failure") is not None):
            raise ValueError(f"{row['id']}: a bad row needs a failure kind, a good one none")
        if row.get("failure") is not None and row["failure"] not in FAILURE_KINDS:
            raise ValueError(f"{row['id']}: unknown failure {row['failure']!r}")
        actions = row.get("actions")
        rows.append(
            CriticRow(
                row["id"],
                tuple(ContextTurn(t["role"], t["text"]) for t in row["context"]),
                row["reply"],
                row["label"],
                row.get("failure"),
                row.get("mode"),
                tuple(row.get("source_rows", ())),
                row["licence"],
                dict(row.get("facts", {})),
                None if actions is None else tuple(actions),
            )
        )
    return rows


def load_kb_questions(folder: Path) -> list[KBQuestion]:
    return [
        KBQuestion(
            row["id"],
            row["source"],
            row["source_row"],
            row["licence"],
            row["question"],
            row["expected"],
        )
        for row in _lines(folder / "kb_questions.jsonl")
    ]
