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
        for table in (
            "api_keys",
            "events",
            "turns",
            "conversations",
            "alembic_version",
            "idempotency_keys",
            "health_probe",
        ):
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


class FakeUpstream:
    """A stand-in LLM upstream on 127.0.0.1 (OpenAI chat completions). ``reply(payload)`` gives
    the assistant text; ``drip`` seconds: the body is sent one byte at a time over that long;
    ``hang`` seconds: nothing is sent for that long. ``seen`` keeps each request's payload."""

    def __init__(self, reply=None, drip: float = 0.0, hang: float = 0.0):
        import http.server
        import json

        owner = self
        self.reply = reply or (
            lambda payload: "I'm sorry about that. Your parcel arrives tomorrow."
        )
        self.drip, self.hang, self.seen = drip, hang, []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.seen.append(payload)
                body = json.dumps({"choices": [{"message": {
                    "role": "assistant", "content": owner.reply(payload)}}]}).encode()  # fmt: skip
                try:
                    if owner.hang:
                        time.sleep(owner.hang)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if owner.drip:
                        pause = owner.drip / len(body)
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(pause)
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass  # the client gave up: what the deadline is for

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
