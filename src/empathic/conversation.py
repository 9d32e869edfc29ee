"""The state of one conversation: everything that belongs to it, in one JSON-ready object.

The pipeline reads a ``Conversation`` and gives back the next one; the engine and the server keep
nothing per conversation of their own. A store saves ``to_dict()`` and a later turn, another
worker or a restarted server picks up exactly where it stopped with ``from_dict()``: mid-hand-off,
mid-crisis, with the facts the customer gave.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from empathic.types import State

# The object's JSON layout; bump it when a field changes meaning, and read the old one.
SCHEMA_VERSION = 2

Mode = Literal["normal", "concern", "crisis"]
HandoffStatus = Literal["waiting", "claimed", "resolved"]
_SENTENCES = re.compile(r"[^.!?]+[.!?]*")


@dataclass(frozen=True)
class Exchange:
    """One user message and what we answered."""

    user: str
    reply: str
    source: str  # "composer", "llm", "safety", "composer-fallback", ...
    strategies: tuple[str, ...]


@dataclass(frozen=True)
class Handoff:
    """A hand-off to a person, from the turn it was raised until an operator resolves it."""

    reason: str
    summary: str
    raised_at_turn: int
    status: HandoffStatus = "waiting"


@dataclass
class Conversation:
    """One conversation: its turns, the tracked trajectory, facts, hand-off and safety mode.

    ``state`` is what the tracker derives turn by turn (smoothed feeling, escalation, the
    readings' summaries, what has been said); the other fields are what the pipeline records.
    """

    id: str
    state: State
    exchanges: list[Exchange] = field(default_factory=list)
    # ESConv labels of our earlier turns, fed back to the next-strategy model.
    esconv_labels: list[str] = field(default_factory=list)
    # Facts the customer has given (order number, product, dates, what they already tried).
    facts: dict[str, str] = field(default_factory=dict)
    handoff: Handoff | None = None
    # Once a crisis is seen the conversation stays in this mode until an operator clears it.
    mode: Mode = "normal"
    # Embedding of the first message: later turns are read beside it. Saved with the rest (2 KB)
    # so a turn after a reload does not encode the opening again; a perceiver that finds it
    # missing rebuilds it in the same encoder call.
    opening: np.ndarray | None = field(default=None, compare=False, repr=False)

    @classmethod
    def start(cls, conversation_id: str) -> Conversation:
        return cls(conversation_id, State(conversation_id=conversation_id))

    # -- what the planner and the composer ask -----------------------------------------------

    @property
    def turn_count(self) -> int:
        return len(self.exchanges)

    @property
    def user_messages(self) -> list[str]:
        return [e.user for e in self.exchanges]

    def chat_history(self, exchanges: int) -> list[dict[str, str]]:
        """The last ``exchanges`` user/assistant pairs as chat messages, for an LLM."""
        messages: list[dict[str, str]] = []
        for exchange in self.exchanges[-exchanges:] if exchanges else []:
            messages.append({"role": "user", "content": exchange.user})
            messages.append({"role": "assistant", "content": exchange.reply})
        return messages

    def said_before(self) -> list[str]:
        """The sentences of our earlier replies, in order; the fixed safe reply is left out
        (it may be said again, word for word)."""
        return [
            piece.strip()
            for exchange in self.exchanges
            if exchange.source != "safety"
            for piece in _SENTENCES.findall(exchange.reply)
            if piece.strip()
        ]

    @property
    def waiting_for_person(self) -> bool:
        return self.handoff is not None and self.handoff.status != "resolved"

    # -- operator actions --------------------------------------------------------------------

    def claim_handoff(self) -> None:
        """A person has taken the conversation over."""
        if self.handoff is not None and self.handoff.status == "waiting":
            self.handoff = replace(self.handoff, status="claimed")

    def resolve_handoff(self) -> None:
        """The person is done: a later request for a person raises a new hand-off."""
        if self.handoff is not None:
            self.handoff = replace(self.handoff, status="resolved")
        self.state = replace(self.state, handoff="none")

    def clear_crisis(self) -> None:
        """An operator has checked on the person: ordinary replies may resume."""
        self.mode = "normal"
        self.state = replace(self.state, crisis=False)

    # -- JSON round trip ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "id": self.id,
            "state": self.state.to_dict(),
            "exchanges": [asdict(e) for e in self.exchanges],
            "esconv_labels": list(self.esconv_labels),
            "facts": dict(self.facts),
            "handoff": asdict(self.handoff) if self.handoff else None,
            "mode": self.mode,
            "opening": _encode_vector(self.opening),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        """The conversation saved by ``to_dict``; a ValueError names what is wrong."""
        if data.get("version") != SCHEMA_VERSION:
            raise ValueError(
                f"conversation layout version {data.get('version')!r} is not {SCHEMA_VERSION}"
            )
        try:
            state = State.from_dict(data["state"])
            exchanges = [
                Exchange(e["user"], e["reply"], e["source"], tuple(e["strategies"]))
                for e in data.get("exchanges", ())
            ]
            handoff = Handoff(**data["handoff"]) if data.get("handoff") else None
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a saved conversation: {exc}") from exc
        if state.conversation_id != data["id"]:
            raise ValueError(f"state is of {state.conversation_id!r}, not {data['id']!r}")
        return cls(
            data["id"], state, exchanges, list(data.get("esconv_labels", ())),
            dict(data.get("facts", {})), handoff, data.get("mode", "normal"),
            _decode_vector(data.get("opening")),
        )  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Conversation:
        return cls.from_dict(json.loads(text))


def _encode_vector(vector: np.ndarray | None) -> str | None:
    if vector is None:
        return None
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def _decode_vector(text: str | None) -> np.ndarray | None:
    if not text:
        return None
    return np.frombuffer(base64.b64decode(text), dtype="<f4").copy()
