"""Durable storage: conversations, turns, events and API keys (SQLite by default, PostgreSQL by
URL), and the operator dashboard's analytics over them.

* ``database``: engine, sessions, URL normalisation, SQLite pragmas, migrations.
* ``conversations``: ``Store``, the conversation storage (and the API keys, from ``keys``).
* ``analytics``: ``Analytics``, the dashboard's read-only queries.
"""

from empathic.store.analytics import Analytics
from empathic.store.conversations import (
    DEFAULT_TENANT,
    ID_PATTERN,
    ConflictError,
    IdempotencyConflict,
    Store,
)
from empathic.store.database import DEFAULT_URL, Database, StorageError, normalize_url
from empathic.store.keys import ApiKeys

__all__ = [
    "DEFAULT_TENANT",
    "DEFAULT_URL",
    "ID_PATTERN",
    "Analytics",
    "ApiKeys",
    "ConflictError",
    "Database",
    "IdempotencyConflict",
    "StorageError",
    "Store",
    "normalize_url",
]
