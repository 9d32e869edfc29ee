"""Taking a turn durably: the engine answers, the store keeps it, in order, exactly once.

The engine remembers conversations in memory; the store is the truth. Before each turn the
engine's copy is checked against the stored turn count and restored from the stored snapshot
when it is missing (a restart, an evicted conversation) or behind (another worker answered).
"""

from __future__ import annotations

import threading
import time
import zlib

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
        fingerprint=None,
        after_turns: int | None = None,
    ) -> Turn:
        """Answer one user message and store the turn. ``fingerprint(turn)`` names the transcript
        after this turn, for OpenAI clients that resend the whole conversation. With
        ``after_turns``, the turn is taken only if the conversation has exactly that many stored
        turns (else ConflictError): a resent transcript never continues a conversation that has
        moved on since."""
        lock = self._locks[zlib.crc32(conversation_id.encode()) % _STRIPES]
        with lock:
            for _ in range(_ATTEMPTS):
                count = self._sync(conversation_id)
                if after_turns is not None and count != after_turns:
                    raise ConflictError(
                        f"conversation {conversation_id!r} has {count} turns, not {after_turns}"
                    )
                start = time.perf_counter()
                turn = self.engine.respond(conversation_id, text)
                snapshot = self.engine.snapshot(conversation_id)
                try:
                    self.store.record_turn(
                        turn, snapshot, (time.perf_counter() - start) * 1000,
                        fingerprint(turn) if fingerprint else None, api_key_id,
                    )  # fmt: skip
                except ConflictError:
                    self.engine.forget(conversation_id)
                    continue
                self.metrics.observe_turn(turn, time.perf_counter() - start)
                return turn
        raise ConflictError(
            f"conversation {conversation_id!r} kept changing under this request; send it again"
        )

    def _sync(self, conversation_id: str) -> int:
        """Bring the engine's copy of the conversation in line with the store; the turn count."""
        count = self.store.turn_count(conversation_id) or 0
        state = self.engine.state(conversation_id)
        if (len(state.turns) if state else 0) == count:
            return count
        stored = self.store.conversation(conversation_id) if count else None
        if stored and stored.get("snapshot"):
            self.engine.restore(conversation_id, stored["snapshot"])
        else:
            self.engine.forget(conversation_id)
        return count
