"""Durable storage: conversations, turns, events and API keys (SQLite by default, PostgreSQL by URL)."""

from empathic.store.repository import DEFAULT_URL, ConflictError, Store

__all__ = ["DEFAULT_URL", "ConflictError", "Store"]
