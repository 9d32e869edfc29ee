"""Durable storage: conversations, turns, events and API keys (SQLite by default, PostgreSQL by
URL), and the operator dashboard's analytics over them.

* ``database``: engine, sessions, URL normalisation, SQLite pragmas, migrations.
* ``conversations``: ``Store``, the conversation storage (and the API keys, from ``keys``).
* ``analytics``: ``Analytics``, the dashboard's read-only queries.
"""

from empathic.store.analytics import Analytics
from empathic.store.conversations import ConflictError, Store
from empathic.store.database import DEFAULT_URL, Database, normalize_url
from empathic.store.keys import ApiKeys

__all__ = [
    "DEFAULT_URL",
    "Analytics",
    "ApiKeys",
    "ConflictError",
    "Database",
    "Store",
    "normalize_url",
]
