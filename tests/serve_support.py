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
from empathic.store import normalize_url
from empathic.types import (
    Check,
    CrisisSignal,
    HandoffEvent,
    Plan,
    Reading,
    Reply,
    Span,
    State,
    Turn,
)

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
        for table in ("api_keys", "events", "turns", "conversations", "alembic_version",
                      "idempotency_keys", "health_probe"):
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


def make_turn(
    conversation_id: str,
    index: int,
    text: str,
    *,
    ekman: str = "neutral",
    intent: str = "other",
    valence: float = 0.0,
    escalation: float = 0.0,
    peak_escalation: float | None = None,
    escalated_turns: int = 0,
    deescalating: bool = False,
    handoff: str | None = None,
    crisis: str | None = None,
    repairs: tuple[str, ...] = (),
    source: str = "composer",
    reply: str = "Thank you for telling me.",
) -> Turn:
    """A Turn with exactly these figures, built without a model: what the store tests write.

    ``handoff`` is the hand-off's reason (None: no hand-off); ``crisis`` a crisis kind, which
    marks the reading and the hand-off."""
    signal = (
        CrisisSignal(kind=crisis, confidence=0.9, evidence=(Span(0, len(text), text),))  # type: ignore[arg-type]
        if crisis
        else None
    )
    reading = Reading(
        text=text, ed_emotion="content", ed_probs={"content": 1.0}, goemotions={},
        goemotions_labels=(), ekman=ekman, ekman_probs={ekman: 1.0}, valence=valence,
        arousal=abs(valence), intensity=abs(valence), intent=intent, intent_probs={intent: 1.0},
        crisis=signal,
    )  # fmt: skip
    state = State(
        conversation_id=conversation_id, valence=valence, escalation=escalation,
        escalated_turns=escalated_turns,
        peak_escalation=escalation if peak_escalation is None else peak_escalation,
        deescalating=deescalating, crisis=signal is not None,
        handoff="raised" if handoff else "none",
    )  # fmt: skip
    event = (
        HandoffEvent(
            conversation_id=conversation_id,
            reason=handoff,
            summary=f"{handoff}: {text}",
            issue=text,
            trajectory=(valence,),
            tried=(),
            crisis=signal,
        )  # fmt: skip
        if handoff
        else None
    )
    plan = Plan(strategies=("acknowledge",), empathy_level="light", tone="warm", family=ekman,
                handoff=event is not None, safety_override=signal is not None)  # fmt: skip
    answer = Reply(text=reply, source=source, checks=(Check("length", True),), repairs=repairs)
    return Turn(conversation_id, index, reading, state, plan, answer, event)
