"""Shared plumbing of the store: one engine for SQLite (WAL, the embedded default) or PostgreSQL
(by URL), sessions, and the schema migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session

from empathic.errors import EmpathicError

DEFAULT_URL = "sqlite:///empathic.db"

# What a database error means for a client, by words in its message or its SQLSTATE.
_CAUSES = (
    ("disk full", ("database or disk is full", "no space left on device", "disk full"), "53100"),
    ("read-only", ("readonly database", "read-only", "read only"), "25006"),
    ("busy", ("database is locked", "database table is locked"), "55P03"),
    ("unavailable", ("unable to open database", "disk i/o error", "connection refused",
                     "could not connect", "server closed the connection", "terminating connection"),
     "57P01"),
)  # fmt: skip


class StorageError(EmpathicError):
    """The store cannot do what was asked for a reason a client cannot fix: ``cause`` is one of
    "disk full", "read-only", "busy" or "unavailable" (the server answers 503 naming it)."""

    def __init__(self, cause: str, detail: str):
        super().__init__(f"the store is {cause}: {detail}")
        self.cause = cause


def storage_cause(exc: BaseException) -> str | None:
    """The cause (see ``StorageError``) of a database error, or None when it is not one."""
    original = getattr(exc, "orig", exc)
    message = str(original).lower()
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    for cause, words, sqlstate in _CAUSES:
        if code == sqlstate or any(w in message for w in words):
            return cause
    return None


def _translate(context: ExceptionContext) -> None:
    """Engine ``handle_error`` hook: a full disk, a read-only or unreachable database becomes a
    ``StorageError`` naming the cause. Its message never carries the statement's parameters
    (customer text): only the driver's own first line."""
    cause = storage_cause(context.original_exception)
    if cause is not None:
        first_line = str(context.original_exception).splitlines()[0][:200]
        raise StorageError(cause, first_line) from None


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
            # hide_parameters: SQL errors (and so logs) never carry customer text.
            self.engine = create_engine(
                self.url, pool_size=8, max_overflow=56, connect_args={"timeout": 30},
                hide_parameters=True,
            )  # fmt: skip
            event.listen(self.engine, "connect", _sqlite_connect)
            # Writers take the lock when the transaction starts, not on their first write, so a
            # read-then-write transaction never fails with "database is locked" mid-way.
            event.listen(self.engine, "begin", _begin_immediate)
        else:
            self.engine = create_engine(self.url, pool_size=10, max_overflow=40, pool_pre_ping=True,
                                        hide_parameters=True)  # fmt: skip
        event.listen(self.engine, "handle_error", _translate)
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

    def probe_write(self, now: float) -> None:
        """Write one row and commit: raises (StorageError) when the store cannot write."""
        from empathic.store.tables import HealthRow

        with self.session() as session, session.begin():
            session.merge(HealthRow(id=1, checked_at=now))

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
