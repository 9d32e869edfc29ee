"""Conversation storage: conversations, their turns (reading, plan, reply, checks) and events,
the hand-off queue, and the ``Store`` that also holds the API keys.

The conversation's state after its last turn (``snapshot``) is stored as the caller gives it, a
JSON object of any shape: the store reads nothing inside it."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from empathic.config import TrackingConfig
from empathic.errors import EmpathicError, InputError
from empathic.store.database import DEFAULT_URL, Database
from empathic.store.keys import ApiKeys
from empathic.store.tables import ConversationRow, EventRow, TurnRow
from empathic.types import Turn

# A stored conversation reads as escalated at the tracker's default threshold (config: tracking).
ESCALATED = TrackingConfig().escalation_threshold


class ConflictError(EmpathicError):
    """Another writer stored this conversation's turn first; reload the conversation and retry."""


class Store:
    """Conversations, turns, events and API keys in one database (SQLite or PostgreSQL)."""

    def __init__(
        self, url: str = DEFAULT_URL, migrate: bool = True, clock: Callable[[], float] = time.time
    ):
        self.database = Database(url, migrate)
        self.keys = ApiKeys(self.database, clock)
        self.clock = clock  # the time stamped on what is stored (seconds since the epoch)

    # -- the database ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.database.url

    @property
    def is_sqlite(self) -> bool:
        return self.database.is_sqlite

    @property
    def engine(self) -> Engine:
        return self.database.engine

    def migrate(self) -> None:
        """Bring the schema to the newest migration (``alembic upgrade head``)."""
        self.database.migrate()

    def schema_revision(self) -> str | None:
        return self.database.schema_revision()

    def close(self) -> None:
        self.database.close()

    def _session(self) -> Session:
        return self.database.session()

    # -- conversations ---------------------------------------------------------------------

    def create_conversation(
        self, conversation_id: str | None = None, api_key_id: int | None = None
    ) -> dict[str, Any]:
        conversation_id = conversation_id or secrets.token_hex(12)
        if not (0 < len(conversation_id) <= 64):
            raise InputError("a conversation id has 1 to 64 characters")
        row = _new_conversation(conversation_id, self.clock(), api_key_id)
        with self._session() as session, session.begin():
            if session.get(ConversationRow, conversation_id) is not None:
                raise ConflictError(f"conversation {conversation_id!r} already exists")
            session.add(row)
        return _conversation_dict(row)

    def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        """The conversation's summary and, under "snapshot", its state as last stored."""
        with self._session() as session:
            row = session.get(ConversationRow, conversation_id)
            return _conversation_dict(row, with_snapshot=True) if row else None

    def turn_count(self, conversation_id: str) -> int | None:
        """Stored turns of a conversation; None when there is no such conversation."""
        with self._session() as session:
            return session.scalar(
                select(ConversationRow.turn_count).where(ConversationRow.id == conversation_id)
            )

    def find_by_fingerprint(self, fingerprint: str) -> str | None:
        """The newest conversation whose messages so far have this fingerprint."""
        with self._session() as session:
            return session.scalar(
                select(ConversationRow.id)
                .where(ConversationRow.fingerprint == fingerprint)
                .order_by(ConversationRow.updated_at.desc())
                .limit(1)
            )

    def history(self, conversation_id: str) -> dict[str, Any] | None:
        """The conversation with every turn (reading, plan, reply, checks) and its events."""
        with self._session() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                return None
            turns = session.scalars(
                select(TurnRow)
                .where(TurnRow.conversation_id == conversation_id)
                .order_by(TurnRow.idx)
            ).all()
            events = session.scalars(
                select(EventRow)
                .where(EventRow.conversation_id == conversation_id)
                .order_by(EventRow.id)
            ).all()
        return {
            **_conversation_dict(row),
            "turns": [
                {"index": t.idx, "created_at": t.created_at, "latency_ms": t.latency_ms, **t.data}
                for t in turns
            ],
            "events": [_event_dict(e) for e in events],
        }

    def turn_texts(self, conversation_id: str) -> list[tuple[int, str]]:
        """(index, user text) of every stored turn, in order."""
        with self._session() as session:
            rows = session.execute(
                select(TurnRow.idx, TurnRow.user_text)
                .where(TurnRow.conversation_id == conversation_id)
                .order_by(TurnRow.idx)
            )
            return [(idx, text) for idx, text in rows]

    def record_turn(
        self,
        turn: Turn,
        snapshot: dict[str, Any] | None,
        latency_ms: float = 0.0,
        fingerprint: str | None = None,
        api_key_id: int | None = None,
    ) -> None:
        """Store one turn and its events, and the conversation's state after it, atomically.

        ``snapshot`` is kept as given (any JSON object) and comes back from ``conversation``.
        Raises ConflictError when the turn's index is not the next one for its conversation
        (another worker answered in between), so nothing is stored twice or out of order.
        """
        now = self.clock()
        cid = turn.conversation_id
        try:
            with self._session() as session, session.begin():
                row = session.get(ConversationRow, cid, with_for_update=True)
                if row is None:
                    row = _new_conversation(cid, now, api_key_id)
                    session.add(row)
                    session.flush()
                if row.turn_count != turn.index - 1:
                    raise ConflictError(
                        f"conversation {cid!r} has {row.turn_count} stored turns; "
                        f"turn {turn.index} does not follow"
                    )
                session.add(_turn_row(turn, now, latency_ms))
                for kind, detail in _turn_events(turn):
                    session.add(EventRow(conversation_id=cid, turn_idx=turn.index, kind=kind,
                                         created_at=now, detail=detail))  # fmt: skip
                _update_conversation(row, turn, now, snapshot, fingerprint)
        except IntegrityError as exc:
            raise ConflictError(
                f"turn {turn.index} of {cid!r} was stored by another writer"
            ) from exc

    def conversations(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Conversations, the most recently active first."""
        with self._session() as session:
            rows = session.scalars(
                select(ConversationRow)
                .order_by(ConversationRow.updated_at.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [_conversation_dict(r) for r in rows]

    # -- hand-offs -------------------------------------------------------------------------

    def open_handoffs(self, limit: int = 100) -> list[dict[str, Any]]:
        """Hand-offs no person has taken over yet, oldest first."""
        with self._session() as session:
            rows = session.scalars(
                select(EventRow)
                .where(EventRow.kind == "handoff", EventRow.resolved_at.is_(None))
                .order_by(EventRow.id)
                .limit(limit)
            ).all()
        return [_event_dict(r) for r in rows]

    def resolve_handoff(self, event_id: int) -> bool:
        """Mark an open hand-off taken over; False when there is no such open hand-off."""
        with self._session() as session, session.begin():
            result = session.execute(
                update(EventRow)
                .where(
                    EventRow.id == event_id,
                    EventRow.kind == "handoff",
                    EventRow.resolved_at.is_(None),
                )  # fmt: skip
                .values(resolved_at=self.clock())
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    # -- operator changes ------------------------------------------------------------------

    def save_snapshot(
        self,
        conversation_id: str,
        snapshot: dict[str, Any],
        expected_turns: int,
        event: tuple[str, dict[str, Any]] | None = None,
        resolve_handoffs: bool = False,
    ) -> None:
        """Replace the conversation's stored state (an operator claimed, answered, resolved or
        cleared a crisis), only if it still has ``expected_turns`` stored turns: ConflictError
        otherwise (the customer wrote meanwhile: reload and apply the change again). ``event``
        (kind, detail) is recorded with it; ``resolve_handoffs`` closes its open hand-off events
        (the ``/v1/handoffs`` queue). One transaction."""
        now = self.clock()
        with self._session() as session, session.begin():
            row = session.get(ConversationRow, conversation_id, with_for_update=True)
            if row is None:
                raise ConflictError(f"no conversation {conversation_id!r}")
            if row.turn_count != expected_turns:
                raise ConflictError(
                    f"conversation {conversation_id!r} has {row.turn_count} stored turns, not "
                    f"{expected_turns}: it changed meanwhile; reload it and try again"
                )
            row.snapshot = snapshot
            if event is not None:
                session.add(EventRow(conversation_id=conversation_id, turn_idx=row.turn_count,
                                     kind=event[0], created_at=now, detail=event[1]))  # fmt: skip
            if resolve_handoffs:
                session.execute(
                    update(EventRow)
                    .where(
                        EventRow.conversation_id == conversation_id,
                        EventRow.kind == "handoff",
                        EventRow.resolved_at.is_(None),
                    )  # fmt: skip
                    .values(resolved_at=now)
                )

    def handoff_event(self, event_id: int) -> dict[str, Any] | None:
        """One hand-off event (open or resolved), or None."""
        with self._session() as session:
            row = session.get(EventRow, event_id)
            return _event_dict(row) if row is not None and row.kind == "handoff" else None

    # -- API keys (see empathic.store.keys) ------------------------------------------------

    def create_key(self, name: str, rate_limit: int | None = None) -> tuple[str, dict[str, Any]]:
        """A new key: (the secret, shown once; its record). Only the hash is stored."""
        return self.keys.create(name, rate_limit)

    def key_for(self, secret: str) -> dict[str, Any] | None:
        """The active key with this secret, or None."""
        return self.keys.find(secret)

    def active_keys(self) -> int:
        return self.keys.active()

    def api_keys(self) -> list[dict[str, Any]]:
        return self.keys.all()

    def revoke_key(self, key_id: int) -> bool:
        return self.keys.revoke(key_id)


def _new_conversation(conversation_id: str, now: float, api_key_id: int | None) -> ConversationRow:
    return ConversationRow(
        id=conversation_id, created_at=now, updated_at=now, turn_count=0, escalation=0.0,
        peak_escalation=0.0, valence=0.0, handoff=False, api_key_id=api_key_id,
    )  # fmt: skip


def _turn_row(turn: Turn, now: float, latency_ms: float) -> TurnRow:
    return TurnRow(
        conversation_id=turn.conversation_id,
        idx=turn.index,
        created_at=now,
        user_text=turn.reading.text,
        reply_text=turn.reply.text,
        ekman=turn.reading.ekman,
        intent=turn.reading.intent,
        valence=float(turn.reading.valence),
        intensity=float(turn.reading.intensity),
        escalation=float(turn.state.escalation),
        source=turn.reply.source,
        passed=turn.reply.passed,
        latency_ms=latency_ms,
        data=turn.to_dict(),
    )


def _update_conversation(
    row: ConversationRow,
    turn: Turn,
    now: float,
    snapshot: dict[str, Any] | None,
    fingerprint: str | None,
) -> None:
    state = turn.state
    row.turn_count = turn.index
    row.updated_at = now
    row.snapshot = snapshot
    row.fingerprint = fingerprint
    row.escalation = float(state.escalation)
    row.peak_escalation = float(state.peak_escalation)
    row.valence = float(state.valence)
    row.last_emotion = turn.reading.ekman
    row.handoff = row.handoff or turn.handoff is not None


def _turn_events(turn: Turn) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    if turn.handoff is not None:
        events.append(("handoff", asdict(turn.handoff)))
    if turn.state.escalated_turns == 1:
        events.append(("escalation", {"escalation": round(turn.state.escalation, 4)}))
    if turn.state.deescalating:
        events.append(("deescalation", {"valence": round(turn.reading.valence, 4)}))
    events.extend(("repair", {"repair": kind}) for kind in turn.reply.repairs)
    if turn.reply.source == "composer-fallback":
        events.append(("upstream_error", {"fallback": "composer"}))
    return events


def _conversation_dict(row: ConversationRow, with_snapshot: bool = False) -> dict[str, Any]:
    state = (
        "handed_off" if row.handoff
        else "escalated" if row.escalation >= ESCALATED
        else "recovering" if row.peak_escalation >= ESCALATED
        else "calm"
    )  # fmt: skip
    data: dict[str, Any] = {
        "id": row.id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "turn_count": row.turn_count,
        "escalation": round(row.escalation, 4),
        "peak_escalation": round(row.peak_escalation, 4),
        "valence": round(row.valence, 4),
        "last_emotion": row.last_emotion,
        "handoff": row.handoff,
        "escalation_state": state,
    }
    if with_snapshot:
        data["snapshot"] = row.snapshot
    return data


def _event_dict(row: EventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "turn_index": row.turn_idx,
        "kind": row.kind,
        "created_at": row.created_at,
        "resolved_at": row.resolved_at,
        "detail": row.detail,
    }
