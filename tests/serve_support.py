"""Helpers for the serve and store tests: database URLs and a real server on 127.0.0.1."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn
from sqlalchemy import create_engine, text

from empathic.respond.local_llm import free_port
from empathic.store.repository import normalize_url

POSTGRES_ENV = "EMPATHIC_TEST_POSTGRES_URL"
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            not os.environ.get(POSTGRES_ENV),
            reason=f"no PostgreSQL: set {POSTGRES_ENV} (.ci/run starts one and sets it)",
        ),
    ),
]


def database_url(backend: str, tmp_path) -> str:
    """An empty database of this kind: a new SQLite file, or PostgreSQL with its tables dropped."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empathic.db'}"
    url = os.environ[POSTGRES_ENV]
    engine = create_engine(normalize_url(url))
    with engine.begin() as connection:
        for table in ("api_keys", "events", "turns", "conversations", "alembic_version"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()
    return url


@contextmanager
def running(app):
    """Serve the app with uvicorn on a free 127.0.0.1 port; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
