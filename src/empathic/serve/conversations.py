"""Taking a turn durably: the conversation is read from the store, the engine answers, the store
keeps the turn and the conversation after it, in order, exactly once.

The store is the only place a conversation lives between turns, so any worker can take the next
turn and a restart loses nothing. Two workers racing on one conversation: the store refuses the
second write (its turn count moved on), and that turn is taken again on the fresh conversation.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

from empathic.conversation import Conversation
from empathic.engine import Engine
from empathic.serve.metrics import Metrics
from empathic.store import ConflictError, Store
from empathic.types import Turn

_STRIPES = 512
_ATTEMPTS = 3


class Conversations:
    def __init__(self, engine: Engine, store: Store, metrics: Metrics):
        self.engine = engine
        self.store = store
        self.metrics = metrics
        # Turns of one conversation run one at a time in this process (striped, so memory is
        # bounded); across processes the store's turn count decides.
        self._locks = [threading.Lock() for _ in range(_STRIPES)]

    def take_turn(
        self,
        conversation_id: str,
        text: str,
        api_key_id: int | None = None,
        fingerprint: Callable[[Turn], str] | None = None,
        after_turns: int | None = None,
        record: dict[str, Any] | None = None,
    ) -> Turn:
        """Answer one user message and store the turn. ``fingerprint(turn)`` names the transcript
        after this turn, for OpenAI clients that resend the whole conversation. With
        ``after_turns``, the turn is taken only if the conversation has exactly that many stored
        turns (else ConflictError): a resent transcript never continues a conversation that has
        moved on since. ``record``: more keyword arguments for ``Store.record_turn`` (issue 17:
        tenant, request_fingerprint, idempotency)."""
        lock = self._locks[zlib.crc32(conversation_id.encode()) % _STRIPES]
        with lock:
            for _ in range(_ATTEMPTS):
                conversation = self.load(conversation_id)
                count = conversation.turn_count
                if after_turns is not None and count != after_turns:
                    raise ConflictError(
                        f"conversation {conversation_id!r} has {count} turns, not {after_turns}"
                    )
                start = time.perf_counter()
                turn, after = self.engine.take_turn(conversation, text)
                try:
                    self.store.record_turn(
                        turn, after.to_dict(), (time.perf_counter() - start) * 1000,
                        fingerprint(turn) if fingerprint else None, api_key_id, **(record or {}),
                    )  # fmt: skip
                except ConflictError:
                    continue  # another worker took a turn meanwhile: answer on its conversation
                self.metrics.observe_turn(turn, time.perf_counter() - start)
                return turn
        raise ConflictError(
            f"conversation {conversation_id!r} kept changing under this request; send it again"
        )

    def load(self, conversation_id: str) -> Conversation:
        """The conversation as stored, or a new one when it has no turns yet."""
        stored = self.store.conversation(conversation_id)
        if stored and stored.get("snapshot"):
            return Conversation.from_dict(stored["snapshot"])
        return Conversation.start(conversation_id)
