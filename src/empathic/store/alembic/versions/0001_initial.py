"""Conversations, turns, events and API keys.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("turn_count", sa.Integer, nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("escalation", sa.Float, nullable=False),
        sa.Column("peak_escalation", sa.Float, nullable=False),
        sa.Column("valence", sa.Float, nullable=False),
        sa.Column("last_emotion", sa.String(32), nullable=True),
        sa.Column("handoff", sa.Boolean, nullable=False),
        sa.Column("api_key_id", sa.Integer, nullable=True),
    )
    op.create_index("ix_conversations_created_at", "conversations", ["created_at"])
    op.create_index("ix_conversations_fingerprint", "conversations", ["fingerprint"])
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("user_text", sa.Text, nullable=False),
        sa.Column("reply_text", sa.Text, nullable=False),
        sa.Column("ekman", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(32), nullable=False),
        sa.Column("valence", sa.Float, nullable=False),
        sa.Column("intensity", sa.Float, nullable=False),
        sa.Column("escalation", sa.Float, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.UniqueConstraint("conversation_id", "idx", name="uq_turns_conversation_idx"),
    )
    op.create_index("ix_turns_created_at", "turns", ["created_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("turn_idx", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("resolved_at", sa.Float, nullable=True),
    )
    op.create_index("ix_events_conversation_id", "events", ["conversation_id"])
    op.create_index("ix_events_created_at", "events", ["created_at"])
    op.create_index("ix_events_kind_open", "events", ["kind", "resolved_at"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float, nullable=True),
        sa.Column("rate_limit", sa.Integer, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("events")
    op.drop_table("turns")
    op.drop_table("conversations")
