"""Shared plumbing of the store: one engine for SQLite (WAL, the embedded default) or PostgreSQL
(by URL), sessions, and the schema migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

DEFAULT_URL = "sqlite:///empathic.db"


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3; anything else is taken as given."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


class Database:
    """A SQLAlchemy engine over one database, with the schema brought to the newest migration."""

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
            event.listen(self.engine, "begin", _begin_immediate)
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
        """The alembic revision the schema is at."""
        with self.engine.connect() as connection:
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return revision.scalar()

    def session(self) -> Session:
        """A new ORM session; objects stay readable after its commit."""
        return Session(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a killed process (a committed transaction is in the WAL file);
    # only a power loss can take the last commits back.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
