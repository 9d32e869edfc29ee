"""Tenants and roles, retried requests, idempotency keys and a health probe (issue 17).

* ``api_keys.tenant`` and ``api_keys.role``: keys made before this migration belong to the
  ``default`` tenant as ``admin`` (they could do everything before).
* ``conversations.tenant``: existing conversations belong to ``default``;
  ``conversations.request_fingerprint``: recognises a retried OpenAI request.
* ``idempotency_keys``: the turn each ``Idempotency-Key`` stored.
* ``health_probe``: the row ``/healthz?deep=1`` writes.
* PostgreSQL: conversation ids up to 128 characters (SQLite does not enforce lengths).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("tenant", sa.String(64), nullable=False, server_default="default")
        )
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="admin"))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column("tenant", sa.String(64), nullable=False, server_default="default")
        )
        batch.add_column(sa.Column("request_fingerprint", sa.String(64), nullable=True))
    op.create_index("ix_conversations_tenant", "conversations", ["tenant"])
    op.create_index(
        "ix_conversations_request_fingerprint", "conversations", ["request_fingerprint"]
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("route", sa.String(32), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("turn_idx", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "health_probe",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("checked_at", sa.Float, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("conversations", "id", type_=sa.String(128))
        op.alter_column("turns", "conversation_id", type_=sa.String(128))
        op.alter_column("events", "conversation_id", type_=sa.String(128))


def downgrade() -> None:
    op.drop_table("health_probe")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_conversations_request_fingerprint", "conversations")
    op.drop_index("ix_conversations_tenant", "conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("request_fingerprint")
        batch.drop_column("tenant")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("role")
        batch.drop_column("tenant")
