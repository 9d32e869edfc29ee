"""API keys: only a key's sha256 is stored; the secret is shown once, when it is made."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update

from empathic.errors import InputError
from empathic.store.database import Database
from empathic.store.tables import ApiKeyRow

KEY_PREFIX = "emp_"
ROLES = ("chat", "operator", "admin")  # each may do what the ones before it may
TENANT_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def hash_key(secret: str) -> str:
    # Keys are 32 random bytes, so one sha256 is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeys:
    """Create, look up, list and revoke API keys."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self.clock = clock

    def create(
        self,
        name: str,
        rate_limit: int | None = None,
        tenant: str = "default",
        role: str = "chat",
    ) -> tuple[str, dict[str, Any]]:
        """A new key of ``tenant`` with ``role`` (chat, operator or admin): (the secret, shown
        once; its record). Only the hash is stored."""
        if not name.strip() or len(name) > 100:
            raise InputError("a key needs a name of 1 to 100 characters")
        if not TENANT_PATTERN.fullmatch(tenant):
            raise InputError("a tenant is 1 to 64 of A-Z, a-z, 0-9, '_' and '-'")
        if role not in ROLES:
            raise InputError(f"a key's role is one of {', '.join(ROLES)}, not {role!r}")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKeyRow(name=name.strip(), prefix=secret[:10], key_hash=hash_key(secret),
                        created_at=self.clock(), rate_limit=rate_limit, tenant=tenant,
                        role=role)  # fmt: skip
        with self.database.session() as session, session.begin():
            session.add(row)
        return secret, _key_dict(row)

    def find(self, secret: str) -> dict[str, Any] | None:
        """The active key with this secret, or None."""
        return self.find_hash(hash_key(secret))

    def find_hash(self, key_hash: str) -> dict[str, Any] | None:
        """The active key whose secret has this sha256, or None."""
        with self.database.session() as session:
            row = session.scalar(
                select(ApiKeyRow).where(
                    ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None)
                )
            )
            return _key_dict(row) if row else None

    def ever(self) -> int:
        """How many keys were ever made, revoked ones included."""
        with self.database.session() as session:
            return session.scalar(select(func.count()).select_from(ApiKeyRow)) or 0

    def active(self) -> int:
        """How many keys are not revoked."""
        with self.database.session() as session:
            count = session.scalar(
                select(func.count()).select_from(ApiKeyRow).where(ApiKeyRow.revoked_at.is_(None))
            )
            return count or 0

    def all(self) -> list[dict[str, Any]]:
        """Every key, revoked ones too, oldest first."""
        with self.database.session() as session:
            rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))
            return [_key_dict(r) for r in rows]

    def revoke(self, key_id: int) -> bool:
        """Revoke an active key; False when there is no such active key."""
        with self.database.session() as session, session.begin():
            result = session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _key_dict(row: ApiKeyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
        "rate_limit": row.rate_limit,
        "tenant": row.tenant,
        "role": row.role,
    }
