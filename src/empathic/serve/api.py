"""The JSON API: analyze, conversations, hand-offs, dashboard data.

Every route needs a role (serve/auth.py: chat < operator < admin) and sees only the caller's
tenant: another tenant's conversation or hand-off is answered 404, as one that does not exist.
Text is NFC-normalised with control characters dropped; a lone surrogate is refused (422).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import unicodedata
import zlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from empathic.errors import InputError
from empathic.perceive.perceiver import validate_message
from empathic.serve.auth import Principal, require
from empathic.serve.problems import problem
from empathic.store import Analytics, ConflictError, IdempotencyConflict

router = APIRouter(prefix="/v1")
ID_REGEX = r"^[A-Za-z0-9_-]{1,128}$"
# Path and body ids: what a conversation id may be (store.ID_PATTERN).
ConversationId = Annotated[str, Path(pattern=ID_REGEX, description="[A-Za-z0-9_-]{1,128}")]
# Event ids are 32-bit integers in the store.
EventId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Chat = Annotated[Principal, Depends(require("chat"))]
Operator = Annotated[Principal, Depends(require("operator"))]
_CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F: None}
_CONTROL |= {c: None for c in range(0x80, 0xA0)}
IDEMPOTENCY_HEADER = "idempotency-key"


def clean_text(value: str) -> str:
    """Text as the engine and the store take it: a lone surrogate (an invalid UTF-16 half sent
    as a JSON escape) is refused with ValueError; the rest is NFC-normalised and control
    characters other than tab and newlines are dropped (NUL cannot be stored in PostgreSQL)."""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("the text holds a lone surrogate (an invalid \\ud800-\\udfff escape); "
                         "send valid UTF-8")  # fmt: skip
    return unicodedata.normalize("NFC", value).translate(_CONTROL)


CleanText = Annotated[str, AfterValidator(clean_text)]


def idempotency_key(request: Request) -> str | None:
    """The request's ``Idempotency-Key`` (1 to 255 visible ASCII characters), or None;
    InputError (422) for a malformed one."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
        raise InputError("Idempotency-Key has 1 to 255 visible ASCII characters (a UUID is fine)")
    return key


def request_hash(*parts: Any) -> str:
    """Names a request's content, so a reused Idempotency-Key with another body is noticed."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# A retried request waits for its first try in this process (striped, so memory is bounded).
_IDEMPOTENCY_LOCKS = [threading.Lock() for _ in range(256)]


def idempotency_lock(tenant: str, key: str) -> threading.Lock:
    return _IDEMPOTENCY_LOCKS[zlib.crc32(f"{tenant}\0{key}".encode()) % 256]


def replayed(store, tenant: str, key: str, route: str, digest: str) -> dict[str, Any] | None:
    """The stored turn of an earlier request with this Idempotency-Key (None: first use);
    IdempotencyConflict when that request was a different one."""
    prior = store.idempotent(tenant, key)
    if prior is None or prior["turn"] is None:
        return None
    if prior["route"] != route or prior["request_hash"] != digest:
        raise IdempotencyConflict(
            "this Idempotency-Key was used for a different request; send a new key for a new "
            "request"
        )
    return prior


class AnalyzeRequest(BaseModel):
    """One message (``text``) or a batch (``texts``), each with optional earlier messages."""

    model_config = ConfigDict(extra="forbid")
    text: CleanText | None = Field(None, description="one message")
    history: list[CleanText] | None = Field(
        None, max_length=1000, description="earlier messages of its conversation"
    )
    texts: list[CleanText] | None = Field(None, max_length=10_000, description="a batch")
    histories: list[list[CleanText]] | None = Field(
        None, max_length=10_000, description="earlier messages, per text"
    )

    @model_validator(mode="after")
    def _one_of(self) -> AnalyzeRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("send either 'text' (one message) or 'texts' (a batch), not both")
        if (
            self.texts is not None
            and self.histories is not None
            and len(self.histories) != len(self.texts)
        ):
            raise ValueError("'histories' needs one list per entry of 'texts'")
        return self


class AnalyzeResponse(BaseModel):
    readings: list[dict[str, Any]]


class NewConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(
        None, pattern=ID_REGEX, description="your own id ([A-Za-z0-9_-]{1,128}); random if absent"
    )


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: CleanText = Field(description="what the person wrote")


def _json(data, replayed: bool = False) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(json.dumps(data, separators=(",", ":")), media_type="application/json",
                    headers=headers)  # fmt: skip


def _services(request: Request):
    return request.app.state.services


@router.post("/analyze", response_model=AnalyzeResponse, summary="Read one message or a batch")
async def analyze(body: AnalyzeRequest, request: Request, who: Chat):
    services = _services(request)
    texts = [body.text] if body.text is not None else list(body.texts or [])
    if not texts:
        return problem(422, "'texts' is empty: send at least one message.", request.url.path)
    if len(texts) > services.settings.max_batch:
        return problem(
            413, f"{len(texts)} messages in one request; the limit is "
            f"{services.settings.max_batch}. Split the batch.", request.url.path,
        )  # fmt: skip
    histories = (
        [body.history or []] if body.text is not None else body.histories or [[]] * len(texts)
    )
    chars = sum(len(t) for t in texts) + sum(len(m) for h in histories for m in h)
    if chars > services.settings.max_analyze_chars:
        return problem(
            413, f"{chars} characters in one request (messages and histories); the limit is "
            f"{services.settings.max_analyze_chars}. Split the batch or send shorter histories.",
            request.url.path,
        )  # fmt: skip
    bad = []
    for i, text in enumerate(texts):
        try:
            validate_message(text)
        except InputError as exc:
            bad.append({"index": i, "detail": str(exc)})
    if bad:
        return problem(422, f"{len(bad)} message(s) cannot be analysed; see 'errors'.",
                       request.url.path, errors=bad)  # fmt: skip
    readings = await services.batcher.analyze(texts, histories)
    services.metrics.analyzed.inc(len(readings))
    # Serialized here: FastAPI's generic encoder costs more than the reading itself.
    return _json({"readings": [r.to_dict() for r in readings]})


@router.post("/conversations", status_code=201, summary="Start a conversation")
def create_conversation(request: Request, who: Chat, body: NewConversation | None = None):
    services = _services(request)
    return services.store.create_conversation(body.id if body else None, who.key_id, who.tenant)


@router.get("/conversations", summary="Recent conversations with their escalation state")
def list_conversations(request: Request, who: Operator, limit: int = Query(50, ge=1, le=500),
                       offset: int = Query(0, ge=0, le=1_000_000)):  # fmt: skip
    return {"conversations": _services(request).store.conversations(limit, offset, who.tenant)}


@router.post(
    "/conversations/{conversation_id}/messages",
    summary="Send a user message; returns the Turn (reading, plan, reply, checks, hand-off). "
    "With an Idempotency-Key header a retry returns the first Turn and stores nothing twice.",
)
def post_message(conversation_id: ConversationId, body: Message, request: Request, who: Chat):
    services = _services(request)
    store = services.store
    key = idempotency_key(request)
    if key is None:
        if store.turn_count(conversation_id, who.tenant) is None:
            return _no_conversation(conversation_id, request)
        turn = services.conversations.take_turn(
            conversation_id, body.text, who.key_id, record={"tenant": who.tenant}
        )
        return _json(turn.to_dict())
    digest = request_hash("messages", conversation_id, body.text)
    with idempotency_lock(who.tenant, key):
        prior = replayed(store, who.tenant, key, "messages", digest)
        if prior is not None:
            return _json(prior["turn"], replayed=True)
        if store.turn_count(conversation_id, who.tenant) is None:
            return _no_conversation(conversation_id, request)
        try:
            turn = services.conversations.take_turn(
                conversation_id, body.text, who.key_id,
                record={"tenant": who.tenant, "idempotency": (key, "messages", digest)},
            )  # fmt: skip
        except ConflictError:
            prior = replayed(store, who.tenant, key, "messages", digest)
            if prior is None:
                raise
            return _json(prior["turn"], replayed=True)  # another worker took it meanwhile
    return _json(turn.to_dict())


def _no_conversation(conversation_id: str, request: Request) -> Response:
    return problem(404, f"No conversation {conversation_id!r}. Create it first with "
                   "POST /v1/conversations.", request.url.path)  # fmt: skip


@router.get("/conversations/{conversation_id}", summary="History with readings and events")
def get_conversation(conversation_id: ConversationId, request: Request, who: Operator):
    history = _services(request).store.history(conversation_id, who.tenant)
    if history is None:
        return problem(404, f"No conversation {conversation_id!r}.", request.url.path)
    return history


@router.get("/handoffs", summary="Open hand-offs with their summaries")
def handoffs(request: Request, who: Operator, limit: int = Query(100, ge=1, le=1000)):
    return {"handoffs": _services(request).store.open_handoffs(limit, who.tenant)}


@router.post("/handoffs/{event_id}/resolve", summary="Mark a hand-off as taken over")
def resolve_handoff(event_id: EventId, request: Request, who: Operator):
    store = _services(request).store
    if not store.resolve_handoff(event_id, who.tenant):
        return problem(404, f"No open hand-off {event_id}.", request.url.path)
    event = store.handoff_event(event_id)
    if event is not None:  # the conversation's own hand-off is resolved too (operator queue)
        from empathic.serve.operator import resolve_conversation_handoff

        resolve_conversation_handoff(store, event["conversation_id"])
    return {"id": event_id, "resolved": True}


@router.get("/evaluation", summary="Headline figures of the newest `empathic eval` report")
def evaluation(request: Request, who: Operator):
    from pathlib import Path

    from empathic.evaluate.report import latest_summary

    try:
        summary = latest_summary(Path(_services(request).settings.reports_dir))
    except (OSError, ValueError) as exc:  # a half-written or foreign report folder
        return problem(500, f"The newest evaluation report cannot be read: {exc}",
                       request.url.path)  # fmt: skip
    return {"report": summary}


@router.get("/dashboard", summary="Operator dashboard data: rates over time, queue, conversations")
def dashboard(request: Request, who: Operator, hours: float = Query(24.0, gt=0, le=24 * 90)):
    services = _services(request)
    store = services.store
    bucket = max(60.0, hours * 3600 / 48)
    since = (time.time() - hours * 3600) // bucket * bucket  # buckets start on round times
    return {
        "stats": Analytics(
            store, escalated=services.engine.config.tracking.escalation_threshold
        ).dashboard(since, bucket, tenant=who.tenant),
        "handoffs": store.open_handoffs(50, who.tenant),
        "conversations": store.conversations(50, tenant=who.tenant),
    }
