"""The store: one code path for SQLite (WAL, the embedded default) and PostgreSQL (by URL)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from empathic.errors import EmpathicError, InputError
from empathic.store.tables import ApiKeyRow, ConversationRow, EventRow, TurnRow
from empathic.types import Turn

DEFAULT_URL = "sqlite:///empathic.db"
ESCALATED = 0.55  # same threshold as empathic.track.state.ESCALATION_THRESHOLD
_FRUSTRATED = {"anger", "disgust"}
KEY_PREFIX = "emp_"


class ConflictError(EmpathicError):
    """Another writer stored this conversation's turn first; reload the conversation and retry."""


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3; anything else is taken as given."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def hash_key(secret: str) -> str:
    # Keys are 32 random bytes, so one sha256 is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


class Store:
    """Conversations, turns (reading, plan, reply, checks), events and API keys."""

    def __init__(self, url: str = DEFAULT_URL, migrate: bool = True):
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = create_engine(
                self.url, pool_size=8, max_overflow=56, connect_args={"timeout": 30}
            )
            event.listen(self.engine, "connect", _sqlite_connect)
            # Writers take the lock when the transaction starts, not on their first write, so a
            # read-then-write transaction never fails with "database is locked" mid-way.
            event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        else:
            self.engine = create_engine(self.url, pool_size=10, max_overflow=40, pool_pre_ping=True)
        if migrate:
            self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (``alembic upgrade head``)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def schema_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def close(self) -> None:
        self.engine.dispose()

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # -- conversations ---------------------------------------------------------------------

    def create_conversation(
        self, conversation_id: str | None = None, api_key_id: int | None = None
    ) -> dict:
        conversation_id = conversation_id or secrets.token_hex(12)
        if not (0 < len(conversation_id) <= 64):
            raise InputError("a conversation id has 1 to 64 characters")
        now = time.time()
        row = ConversationRow(
            id=conversation_id, created_at=now, updated_at=now, turn_count=0, escalation=0.0,
            peak_escalation=0.0, valence=0.0, handoff=False, api_key_id=api_key_id,
        )  # fmt: skip
        with self._session() as session, session.begin():
            if session.get(ConversationRow, conversation_id) is not None:
                raise ConflictError(f"conversation {conversation_id!r} already exists")
            session.add(row)
        return _conversation_dict(row)

    def conversation(self, conversation_id: str) -> dict | None:
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
        with self._session() as session:
            return session.scalar(
                select(ConversationRow.id)
                .where(ConversationRow.fingerprint == fingerprint)
                .order_by(ConversationRow.updated_at.desc())
                .limit(1)
            )

    def history(self, conversation_id: str) -> dict | None:
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
            return [
                (idx, text)
                for idx, text in session.execute(
                    select(TurnRow.idx, TurnRow.user_text)
                    .where(TurnRow.conversation_id == conversation_id)
                    .order_by(TurnRow.idx)
                )
            ]

    def record_turn(
        self,
        turn: Turn,
        snapshot: dict | None,
        latency_ms: float = 0.0,
        fingerprint: str | None = None,
        api_key_id: int | None = None,
    ) -> None:
        """Store one turn and its events, and the engine's snapshot after it, atomically.

        Raises ConflictError when the turn's index is not the next one for its conversation
        (another worker answered in between), so nothing is stored twice or out of order.
        """
        now = time.time()
        cid = turn.conversation_id
        state = turn.state
        try:
            with self._session() as session, session.begin():
                row = session.get(ConversationRow, cid, with_for_update=True)
                if row is None:
                    row = ConversationRow(
                        id=cid, created_at=now, updated_at=now, turn_count=0, escalation=0.0,
                        peak_escalation=0.0, valence=0.0, handoff=False, api_key_id=api_key_id,
                    )  # fmt: skip
                    session.add(row)
                    session.flush()
                if row.turn_count != turn.index - 1:
                    raise ConflictError(
                        f"conversation {cid!r} has {row.turn_count} stored turns; "
                        f"turn {turn.index} does not follow"
                    )
                session.add(
                    TurnRow(
                        conversation_id=cid,
                        idx=turn.index,
                        created_at=now,
                        user_text=turn.reading.text,
                        reply_text=turn.reply.text,
                        ekman=turn.reading.ekman,
                        intent=turn.reading.intent,
                        valence=float(turn.reading.valence),
                        intensity=float(turn.reading.intensity),
                        escalation=float(state.escalation),
                        source=turn.reply.source,
                        passed=turn.reply.passed,
                        latency_ms=latency_ms,
                        data=turn.to_dict(),
                    )  # fmt: skip
                )
                for kind, detail in _turn_events(turn):
                    session.add(
                        EventRow(
                            conversation_id=cid,
                            turn_idx=turn.index,
                            kind=kind,
                            created_at=now,
                            detail=detail,
                        )  # fmt: skip
                    )
                row.turn_count = turn.index
                row.updated_at = now
                row.snapshot = snapshot
                row.fingerprint = fingerprint
                row.escalation = float(state.escalation)
                row.peak_escalation = float(state.peak_escalation)
                row.valence = float(state.valence)
                row.last_emotion = turn.reading.ekman
                row.handoff = row.handoff or turn.handoff is not None
        except IntegrityError as exc:
            raise ConflictError(
                f"turn {turn.index} of {cid!r} was stored by another writer"
            ) from exc

    def conversations(self, limit: int = 50, offset: int = 0) -> list[dict]:
        with self._session() as session:
            rows = session.scalars(
                select(ConversationRow)
                .order_by(ConversationRow.updated_at.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [_conversation_dict(r) for r in rows]

    # -- hand-offs -------------------------------------------------------------------------

    def open_handoffs(self, limit: int = 100) -> list[dict]:
        with self._session() as session:
            rows = session.scalars(
                select(EventRow)
                .where(EventRow.kind == "handoff", EventRow.resolved_at.is_(None))
                .order_by(EventRow.id)
                .limit(limit)
            ).all()
        return [_event_dict(r) for r in rows]

    def resolve_handoff(self, event_id: int) -> bool:
        with self._session() as session, session.begin():
            result = session.execute(
                update(EventRow)
                .where(
                    EventRow.id == event_id,
                    EventRow.kind == "handoff",
                    EventRow.resolved_at.is_(None),
                )  # fmt: skip
                .values(resolved_at=time.time())
            )
            return result.rowcount == 1

    # -- API keys --------------------------------------------------------------------------

    def create_key(self, name: str, rate_limit: int | None = None) -> tuple[str, dict]:
        """A new key: (the secret, shown once; its record). Only the hash is stored."""
        if not name.strip() or len(name) > 100:
            raise InputError("a key needs a name of 1 to 100 characters")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKeyRow(name=name.strip(), prefix=secret[:10], key_hash=hash_key(secret),
                        created_at=time.time(), rate_limit=rate_limit)  # fmt: skip
        with self._session() as session, session.begin():
            session.add(row)
        return secret, _key_dict(row)

    def key_for(self, secret: str) -> dict | None:
        """The active key with this secret, or None."""
        with self._session() as session:
            row = session.scalar(
                select(ApiKeyRow).where(
                    ApiKeyRow.key_hash == hash_key(secret), ApiKeyRow.revoked_at.is_(None)
                )
            )
            return _key_dict(row) if row else None

    def active_keys(self) -> int:
        with self._session() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(ApiKeyRow)
                    .where(ApiKeyRow.revoked_at.is_(None))
                )
                or 0
            )

    def api_keys(self) -> list[dict]:
        with self._session() as session:
            return [_key_dict(r) for r in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]

    def revoke_key(self, key_id: int) -> bool:
        with self._session() as session, session.begin():
            result = session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=time.time())
            )
            return result.rowcount == 1

    # -- operator dashboard ----------------------------------------------------------------

    def dashboard(self, since: float, bucket_seconds: float, max_turns: int = 200_000) -> dict:
        """Rates over time: frustration, de-escalation, hand-off, and critic repairs by kind."""
        with self._session() as session:
            turns = session.execute(
                select(
                    TurnRow.conversation_id, TurnRow.created_at, TurnRow.ekman, TurnRow.escalation
                )
                .where(TurnRow.created_at >= since)
                .order_by(TurnRow.created_at)
                .limit(max_turns)
            ).all()
            events = session.execute(
                select(
                    EventRow.conversation_id, EventRow.kind, EventRow.created_at, EventRow.detail
                )
                .where(EventRow.created_at >= since)
                .order_by(EventRow.id)
            ).all()
        buckets: dict[int, dict] = {}

        def bucket(at: float) -> dict:
            key = int((at - since) // bucket_seconds)
            return buckets.setdefault(key, {
                "start": since + key * bucket_seconds, "turns": 0, "frustrated": 0,
                "conversations": set(), "handoffs": set(), "escalated": set(), "repairs": {},
                "emotions": {},
            })  # fmt: skip

        for cid, at, ekman, escalation in turns:
            b = bucket(at)
            b["turns"] += 1
            b["frustrated"] += ekman in _FRUSTRATED or escalation >= ESCALATED
            b["conversations"].add(cid)
            b["emotions"][ekman] = b["emotions"].get(ekman, 0) + 1
        recovered: set[str] = set()
        for cid, kind, at, detail in events:
            b = bucket(at)
            if kind == "handoff":
                b["handoffs"].add(cid)
            elif kind == "escalation":
                b["escalated"].add(cid)
            elif kind == "deescalation":
                recovered.add(cid)
            elif kind == "repair":
                b["repairs"][detail.get("repair", "?")] = (
                    b["repairs"].get(detail.get("repair", "?"), 0) + 1
                )
        series = []
        all_conversations: set[str] = set()
        all_escalated: set[str] = set()
        all_handoffs: set[str] = set()
        repairs: dict[str, int] = {}
        frustrated = total_turns = 0
        for key in sorted(buckets):
            b = buckets[key]
            escalated = b["escalated"]
            series.append({
                "start": b["start"], "turns": b["turns"], "conversations": len(b["conversations"]),
                "frustration_rate": _rate(b["frustrated"], b["turns"]),
                "handoff_rate": _rate(len(b["handoffs"]), len(b["conversations"])),
                "escalated": len(escalated),
                "deescalation_rate": _rate(len(escalated & recovered), len(escalated)),
                "repairs": b["repairs"], "emotions": b["emotions"],
            })  # fmt: skip
            all_conversations |= b["conversations"]
            all_escalated |= escalated
            all_handoffs |= b["handoffs"]
            frustrated += b["frustrated"]
            total_turns += b["turns"]
            for kind, n in b["repairs"].items():
                repairs[kind] = repairs.get(kind, 0) + n
        return {
            "since": since,
            "bucket_seconds": bucket_seconds,
            "totals": {
                "turns": total_turns,
                "conversations": len(all_conversations),
                "frustration_rate": _rate(frustrated, total_turns),
                "escalated_conversations": len(all_escalated),
                "deescalation_rate": _rate(len(all_escalated & recovered), len(all_escalated)),
                "handoff_rate": _rate(len(all_handoffs), len(all_conversations)),
                "repairs": repairs,
            },
            "series": series,
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a killed process (a committed transaction is in the WAL file);
    # only a power loss can take the last commits back.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _turn_events(turn: Turn) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
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


def _conversation_dict(row: ConversationRow, with_snapshot: bool = False) -> dict:
    state = (
        "handed_off" if row.handoff
        else "escalated" if row.escalation >= ESCALATED
        else "recovering" if row.peak_escalation >= ESCALATED
        else "calm"
    )  # fmt: skip
    data = {
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


def _event_dict(row: EventRow) -> dict:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "turn_index": row.turn_idx,
        "kind": row.kind,
        "created_at": row.created_at,
        "resolved_at": row.resolved_at,
        "detail": row.detail,
    }


def _key_dict(row: ApiKeyRow) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
        "rate_limit": row.rate_limit,
    }
