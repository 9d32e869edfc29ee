"""The schema, as SQLAlchemy 2 declarative tables. Changed only together with a migration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    updated_at: Mapped[float] = mapped_column(Float)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    # The conversation's state after its last stored turn, as the server gives it (any JSON
    # object): how a restarted server picks the thread up. Returned as "snapshot".
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # sha256 of the user/assistant messages so far: finds the conversation an OpenAI client continues.
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    escalation: Mapped[float] = mapped_column(Float, default=0.0)
    peak_escalation: Mapped[float] = mapped_column(Float, default=0.0)
    valence: Mapped[float] = mapped_column(Float, default=0.0)
    last_emotion: Mapped[str | None] = mapped_column(String(32), nullable=True)
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    api_key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Whose conversation this is: only keys of this tenant see it (migration 0002).
    tenant: Mapped[str] = mapped_column(String(64), default="default", index=True)
    # sha256 of the request that produced the last turn (scope + transcript + the user message):
    # a client resending the same request (a retry) gets that turn back, not a second one.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("conversation_id", "idx", name="uq_turns_conversation_idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    idx: Mapped[int] = mapped_column(Integer)  # 1-based, as Turn.index
    created_at: Mapped[float] = mapped_column(Float, index=True)
    user_text: Mapped[str] = mapped_column(Text)
    reply_text: Mapped[str] = mapped_column(Text)
    ekman: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(32))
    valence: Mapped[float] = mapped_column(Float)
    intensity: Mapped[float] = mapped_column(Float)
    escalation: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(32))
    passed: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    # Turn.to_dict(): reading, plan, reply, checks
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_kind_open", "kind", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    turn_idx: Mapped[int] = mapped_column(Integer)
    # handoff, escalation, deescalation, repair, upstream_error
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Float, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    resolved_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings; the key itself is not kept
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    rate_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)  # requests per minute
    tenant: Mapped[str] = mapped_column(String(64), default="default")  # whose data it reaches
    role: Mapped[str] = mapped_column(String(16), default="chat")  # chat, operator or admin


class IdempotencyRow(Base):
    """A request sent with ``Idempotency-Key``: the turn it stored, so a retry returns that turn
    (written in the turn's own transaction, so a key never stores two turns)."""

    __tablename__ = "idempotency_keys"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the key
    route: Mapped[str] = mapped_column(String(32))
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the request body
    conversation_id: Mapped[str] = mapped_column(String(128))
    turn_idx: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float, index=True)


class HealthRow(Base):
    """One row the deep health check rewrites: a store that cannot write is not healthy."""

    __tablename__ = "health_probe"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_at: Mapped[float] = mapped_column(Float)
