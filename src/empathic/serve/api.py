"""The JSON API: analyze, conversations, hand-offs, dashboard data."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from empathic.errors import InputError
from empathic.perceive.perceiver import validate_message
from empathic.serve.problems import problem
from empathic.store import Analytics

router = APIRouter(prefix="/v1")


class AnalyzeRequest(BaseModel):
    """One message (``text``) or a batch (``texts``), each with optional earlier messages."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, description="one message")
    history: list[str] | None = Field(None, description="earlier messages of its conversation")
    texts: list[str] | None = Field(None, description="a batch of messages")
    histories: list[list[str]] | None = Field(None, description="earlier messages, per text")

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
    id: str | None = Field(None, max_length=64, description="your own id; a random one if absent")


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="what the person wrote")


def _json(data) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), media_type="application/json")


def _services(request: Request):
    return request.app.state.services


def _key_id(request: Request) -> int | None:
    key = request.scope.get("state", {}).get("api_key")
    return key["id"] if key else None


@router.post("/analyze", response_model=AnalyzeResponse, summary="Read one message or a batch")
async def analyze(body: AnalyzeRequest, request: Request):
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
def create_conversation(request: Request, body: NewConversation | None = None):
    services = _services(request)
    return services.store.create_conversation(body.id if body else None, _key_id(request))


@router.get("/conversations", summary="Recent conversations with their escalation state")
def list_conversations(request: Request, limit: int = Query(50, ge=1, le=500),
                       offset: int = Query(0, ge=0)):  # fmt: skip
    return {"conversations": _services(request).store.conversations(limit, offset)}


@router.post(
    "/conversations/{conversation_id}/messages",
    summary="Send a user message; returns the Turn (reading, plan, reply, checks, hand-off)",
)
def post_message(conversation_id: str, body: Message, request: Request):
    services = _services(request)
    if services.store.turn_count(conversation_id) is None:
        return problem(404, f"No conversation {conversation_id!r}. Create it first with "
                       "POST /v1/conversations.", request.url.path)  # fmt: skip
    turn = services.conversations.take_turn(conversation_id, body.text, _key_id(request))
    return _json(turn.to_dict())


@router.get("/conversations/{conversation_id}", summary="History with readings and events")
def get_conversation(conversation_id: str, request: Request):
    history = _services(request).store.history(conversation_id)
    if history is None:
        return problem(404, f"No conversation {conversation_id!r}.", request.url.path)
    return history


@router.get("/handoffs", summary="Open hand-offs with their summaries")
def handoffs(request: Request, limit: int = Query(100, ge=1, le=1000)):
    return {"handoffs": _services(request).store.open_handoffs(limit)}


@router.post("/handoffs/{event_id}/resolve", summary="Mark a hand-off as taken over")
def resolve_handoff(event_id: int, request: Request):
    store = _services(request).store
    if not store.resolve_handoff(event_id):
        return problem(404, f"No open hand-off {event_id}.", request.url.path)
    event = store.handoff_event(event_id)
    if event is not None:  # the conversation's own hand-off is resolved too (operator queue)
        from empathic.serve.operator import resolve_conversation_handoff

        resolve_conversation_handoff(store, event["conversation_id"])
    return {"id": event_id, "resolved": True}


@router.get("/evaluation", summary="Headline figures of the newest `empathic eval` report")
def evaluation(request: Request):
    from pathlib import Path

    from empathic.evaluate.report import latest_summary

    try:
        summary = latest_summary(Path(_services(request).settings.reports_dir))
    except (OSError, ValueError) as exc:  # a half-written or foreign report folder
        return problem(500, f"The newest evaluation report cannot be read: {exc}",
                       request.url.path)  # fmt: skip
    return {"report": summary}


@router.get("/dashboard", summary="Operator dashboard data: rates over time, queue, conversations")
def dashboard(request: Request, hours: float = Query(24.0, gt=0, le=24 * 90)):
    services = _services(request)
    store = services.store
    bucket = max(60.0, hours * 3600 / 48)
    since = (time.time() - hours * 3600) // bucket * bucket  # buckets start on round times
    return {
        "stats": Analytics(
            store, escalated=services.engine.config.tracking.escalation_threshold
        ).dashboard(since, bucket),
        "handoffs": store.open_handoffs(50),
        "conversations": store.conversations(50),
    }
