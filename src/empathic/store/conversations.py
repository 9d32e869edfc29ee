"""Conversation storage: conversations, their turns (reading, plan, reply, checks) and events,
the hand-off queue, and the ``Store`` that also holds the API keys.

The conversation's state after its last turn (``snapshot``) is stored as the caller gives it, a
JSON object of any shape: the store reads nothing inside it."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine, Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from empathic.config import TrackingConfig
from empathic.errors import EmpathicError, InputError
from empathic.store.database import DEFAULT_URL, Database
from empathic.store.keys import ApiKeys
from empathic.store.tables import ConversationRow, EventRow, IdempotencyRow, TurnRow
from empathic.types import Turn

# A stored conversation reads as escalated at the tracker's default threshold (config: tracking).
ESCALATED = TrackingConfig().escalation_threshold


DEFAULT_TENANT = "default"
# What a conversation id may be (ids end up in URLs, logs and file names).
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")


class ConflictError(EmpathicError):
    """Another writer stored this conversation's turn first; reload the conversation and retry."""


class IdempotencyConflict(ConflictError):
    """This Idempotency-Key was used before for a different request."""


def _scoped(query: Select, tenant: str | None) -> Select:
    """``query`` limited to the conversations of ``tenant`` (None: every tenant)."""
    return query if tenant is None else query.where(ConversationRow.tenant == tenant)


def idempotency_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


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
        self,
        conversation_id: str | None = None,
        api_key_id: int | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> dict[str, Any]:
        conversation_id = conversation_id or secrets.token_hex(12)
        if not ID_PATTERN.fullmatch(conversation_id):
            raise InputError("a conversation id is 1 to 128 of A-Z, a-z, 0-9, '_' and '-'")
        row = _new_conversation(conversation_id, self.clock(), api_key_id, tenant)
        with self._session() as session, session.begin():
            if session.get(ConversationRow, conversation_id) is not None:
                # The same answer whichever tenant holds the id: no hint of whose it is.
                raise ConflictError(
                    f"the conversation id {conversation_id!r} is taken; choose another or "
                    "leave 'id' out for a random one"
                )
            session.add(row)
        return _conversation_dict(row)

    def _row(
        self, session: Session, conversation_id: str, tenant: str | None
    ) -> ConversationRow | None:
        row = session.get(ConversationRow, conversation_id)
        if row is None or (tenant is not None and row.tenant != tenant):
            return None
        return row

    def conversation(
        self, conversation_id: str, tenant: str | None = None
    ) -> dict[str, Any] | None:
        """The conversation's summary and, under "snapshot", its state as last stored; None when
        there is none (of ``tenant``, when given)."""
        with self._session() as session:
            row = self._row(session, conversation_id, tenant)
            return _conversation_dict(row, with_snapshot=True) if row else None

    def tenant_of(self, conversation_id: str) -> str | None:
        """The tenant a conversation belongs to; None when there is no such conversation."""
        with self._session() as session:
            return session.scalar(
                select(ConversationRow.tenant).where(ConversationRow.id == conversation_id)
            )

    def turn_count(self, conversation_id: str, tenant: str | None = None) -> int | None:
        """Stored turns of a conversation; None when there is no such conversation (of
        ``tenant``, when given)."""
        with self._session() as session:
            return session.scalar(
                _scoped(
                    select(ConversationRow.turn_count).where(ConversationRow.id == conversation_id),
                    tenant,
                )
            )

    def find_by_fingerprint(self, fingerprint: str, tenant: str | None = None) -> str | None:
        """The newest conversation whose messages so far have this fingerprint."""
        with self._session() as session:
            return session.scalar(
                _scoped(select(ConversationRow.id), tenant)
                .where(ConversationRow.fingerprint == fingerprint)
                .order_by(ConversationRow.updated_at.desc())
                .limit(1)
            )

    def find_retry(
        self, request_fingerprint: str, tenant: str | None, since: float
    ) -> tuple[str, int] | None:
        """(conversation id, turn index) of the newest turn, stored after ``since``, that answered
        a request with this fingerprint: the request is being sent again."""
        with self._session() as session:
            found = session.execute(
                _scoped(select(ConversationRow.id, ConversationRow.turn_count), tenant)
                .where(
                    ConversationRow.request_fingerprint == request_fingerprint,
                    ConversationRow.updated_at >= since,
                )
                .order_by(ConversationRow.updated_at.desc())
                .limit(1)
            ).first()
        return (found[0], found[1]) if found else None

    def stored_turn(self, conversation_id: str, index: int) -> dict[str, Any] | None:
        """The stored ``Turn.to_dict()`` of one turn, or None."""
        with self._session() as session:
            return session.scalar(
                select(TurnRow.data).where(
                    TurnRow.conversation_id == conversation_id, TurnRow.idx == index
                )
            )

    def idempotent(self, tenant: str, key: str) -> dict[str, Any] | None:
        """What a request sent with this ``Idempotency-Key`` stored: route, request_hash,
        conversation_id, turn_index and the turn itself; None for a key not used yet."""
        with self._session() as session:
            row = session.get(IdempotencyRow, (tenant, idempotency_hash(key)))
            if row is None:
                return None
            data = session.scalar(
                select(TurnRow.data).where(
                    TurnRow.conversation_id == row.conversation_id, TurnRow.idx == row.turn_idx
                )
            )
        return {"route": row.route, "request_hash": row.request_hash,
                "conversation_id": row.conversation_id, "turn_index": row.turn_idx,
                "turn": data}  # fmt: skip

    def history(self, conversation_id: str, tenant: str | None = None) -> dict[str, Any] | None:
        """The conversation with every turn (reading, plan, reply, checks) and its events; None
        when there is none (of ``tenant``, when given)."""
        with self._session() as session:
            row = self._row(session, conversation_id, tenant)
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
        tenant: str = DEFAULT_TENANT,
        request_fingerprint: str | None = None,
        idempotency: tuple[str, str, str] | None = None,
    ) -> None:
        """Store one turn and its events, and the conversation's state after it, atomically.

        ``snapshot`` is kept as given (any JSON object) and comes back from ``conversation``.
        Raises ConflictError when the turn's index is not the next one for its conversation
        (another worker answered in between), so nothing is stored twice or out of order, and
        when the conversation belongs to another tenant. ``idempotency`` is (key, route,
        request hash): stored with the turn, so a key never stores two turns (a second use
        raises ConflictError).
        """
        now = self.clock()
        cid = turn.conversation_id
        try:
            with self._session() as session, session.begin():
                row = session.get(ConversationRow, cid, with_for_update=True)
                if row is None:
                    if not ID_PATTERN.fullmatch(cid):
                        raise InputError(
                            "a conversation id is 1 to 128 of A-Z, a-z, 0-9, '_' and '-'"
                        )
                    row = _new_conversation(cid, now, api_key_id, tenant)
                    session.add(row)
                    session.flush()
                if row.tenant != tenant:
                    raise ConflictError(f"the conversation id {cid!r} is taken")
                if idempotency is not None:
                    key, route, request_hash = idempotency
                    session.add(IdempotencyRow(
                        tenant=tenant, key_hash=idempotency_hash(key), route=route,
                        request_hash=request_hash, conversation_id=cid, turn_idx=turn.index,
                        created_at=now,
                    ))  # fmt: skip
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
                row.request_fingerprint = request_fingerprint
        except IntegrityError as exc:
            raise ConflictError(
                f"turn {turn.index} of {cid!r} was stored by another writer"
            ) from exc

    def conversations(
        self, limit: int = 50, offset: int = 0, tenant: str | None = None
    ) -> list[dict[str, Any]]:
        """Conversations (of ``tenant``, when given), the most recently active first."""
        with self._session() as session:
            rows = session.scalars(
                _scoped(select(ConversationRow), tenant)
                .order_by(ConversationRow.updated_at.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [_conversation_dict(r) for r in rows]

    # -- hand-offs -------------------------------------------------------------------------

    def open_handoffs(self, limit: int = 100, tenant: str | None = None) -> list[dict[str, Any]]:
        """Hand-offs (of ``tenant``'s conversations, when given) no person has taken over yet,
        oldest first."""
        with self._session() as session:
            query = select(EventRow)
            if tenant is not None:
                query = query.join(
                    ConversationRow, ConversationRow.id == EventRow.conversation_id
                ).where(ConversationRow.tenant == tenant)
            rows = session.scalars(
                query.where(EventRow.kind == "handoff", EventRow.resolved_at.is_(None))
                .order_by(EventRow.id)
                .limit(limit)
            ).all()
        return [_event_dict(r) for r in rows]

    def resolve_handoff(self, event_id: int, tenant: str | None = None) -> bool:
        """Mark an open hand-off taken over; False when there is no such open hand-off (of
        ``tenant``'s conversations, when given)."""
        conditions = [
            EventRow.id == event_id, EventRow.kind == "handoff", EventRow.resolved_at.is_(None)
        ]  # fmt: skip
        if tenant is not None:
            conditions.append(EventRow.conversation_id.in_(
                select(ConversationRow.id).where(ConversationRow.tenant == tenant)
            ))  # fmt: skip
        with self._session() as session, session.begin():
            result = session.execute(
                update(EventRow).where(*conditions).values(resolved_at=self.clock())
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

    def create_key(
        self,
        name: str,
        rate_limit: int | None = None,
        tenant: str = DEFAULT_TENANT,
        role: str = "chat",
    ) -> tuple[str, dict[str, Any]]:
        """A new key of ``tenant`` with ``role``: (the secret, shown once; its record). Only the
        hash is stored."""
        return self.keys.create(name, rate_limit, tenant, role)

    def key_for(self, secret: str) -> dict[str, Any] | None:
        """The active key with this secret, or None."""
        return self.keys.find(secret)

    def active_keys(self) -> int:
        return self.keys.active()

    def keys_ever(self) -> int:
        """Keys ever made, revoked ones too."""
        return self.keys.ever()

    def probe_write(self) -> None:
        """Write and commit one row; raises StorageError when the store cannot write."""
        self.database.probe_write(self.clock())

    def api_keys(self) -> list[dict[str, Any]]:
        return self.keys.all()

    def revoke_key(self, key_id: int) -> bool:
        return self.keys.revoke(key_id)


def _new_conversation(
    conversation_id: str, now: float, api_key_id: int | None, tenant: str = DEFAULT_TENANT
) -> ConversationRow:
    return ConversationRow(
        id=conversation_id, created_at=now, updated_at=now, turn_count=0, escalation=0.0,
        peak_escalation=0.0, valence=0.0, handoff=False, api_key_id=api_key_id, tenant=tenant,
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
