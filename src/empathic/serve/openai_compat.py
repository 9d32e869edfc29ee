"""``POST /v1/chat/completions``: a drop-in OpenAI-compatible endpoint.

With no upstream the model ``empathic`` answers with the built-in composer. With an upstream
configured (``--backend URL`` or ``--model GGUF``) empathic is a steering proxy: it perceives,
plans, steers the upstream with the plan, checks the reply and returns it, falling back to the
composer when the upstream fails. Everything empathic adds sits under one extension key,
``empathic``, which OpenAI clients ignore (the Python client keeps it in ``model_extra``).

Which conversation a request continues: the ``X-Empathic-Conversation`` header, else
``metadata.conversation_id``, else the stored conversation whose transcript equals the request's
messages before the last user message (clients resend the whole conversation each time), else a
new one.

Retries: a request sent again (same key, end user and transcript) within
``serving.retry_window_s`` returns the turn the first one stored instead of taking another, and
so does one with the same ``Idempotency-Key`` header. Conversations are the caller's tenant's.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import StreamingResponse

from empathic.serve.api import (
    ID_REGEX,
    Chat,
    CleanText,
    idempotency_key,
    idempotency_lock,
    replayed,
    request_hash,
)
from empathic.serve.auth import Principal
from empathic.serve.problems import problem
from empathic.store import ConflictError
from empathic.types import Turn

router = APIRouter(prefix="/v1")
EXTENSION_KEY = "empathic"
MODEL_NAME = "empathic"


class ContentPart(BaseModel):
    """One part of a message's content; only ``text`` parts are read."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(max_length=64)
    text: CleanText | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(max_length=64)
    content: CleanText | list[ContentPart] | None = None


class Metadata(BaseModel):
    model_config = ConfigDict(extra="allow")
    conversation_id: str | None = Field(None, pattern=ID_REGEX)


class ChatRequest(BaseModel):
    # OpenAI's other fields (temperature, top_p, ...) are accepted and ignored.
    model_config = ConfigDict(extra="allow")
    model: str = Field(MODEL_NAME, max_length=256)
    messages: list[ChatMessage] = Field(min_length=1, max_length=1000)
    stream: bool = False
    metadata: Metadata | None = None
    user: CleanText | None = Field(None, max_length=256, description="the end user (scopes "
                                   "which conversations a resent transcript may continue)")  # fmt: skip


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    if isinstance(message.content, list):
        return " ".join(part.text or "" for part in message.content if part.type == "text")
    return ""


def fingerprint(messages: list[tuple[str, str]]) -> str:
    """Names a transcript of (role, text) pairs, so a resent conversation is recognised."""
    digest = hashlib.sha256()
    for role, text in messages:
        digest.update(json.dumps([role, text.strip()]).encode())
    return digest.hexdigest()


def extension(turn: Turn) -> dict:
    data = turn.to_dict()
    return {
        "conversation_id": turn.conversation_id,
        "turn_index": turn.index,
        "reading": data["reading"],
        "plan": data["plan"],
        "checks": data["reply"]["checks"],
        "repairs": data["reply"]["repairs"],
        "source": turn.reply.source,
        "handoff": data["handoff"],
    }


@router.get("/models", summary="Models this endpoint answers as (OpenAI-compatible)")
def models(request: Request):
    names = request.app.state.services.model_names
    return {
        "object": "list",
        "data": [{"id": n, "object": "model", "created": 0, "owned_by": "empathic"} for n in names],
    }


@router.post("/chat/completions", summary="OpenAI-compatible chat completions (streaming or not)")
async def chat_completions(body: ChatRequest, request: Request, who: Chat):
    services = request.app.state.services
    store = services.store
    path = request.url.path
    if body.model not in services.model_names:
        return problem(
            404, f"Model {body.model!r} is not served here; use one of "
            f"{', '.join(services.model_names)} (GET /v1/models).", path,
        )  # fmt: skip
    dialogue = [(m.role, _text(m)) for m in body.messages if m.role in {"user", "assistant"}]
    if not dialogue or dialogue[-1][0] != "user" or not dialogue[-1][1].strip():
        return problem(422, "The last user/assistant message must be a non-empty 'user' message: "
                       "that is the one empathic answers.", path)  # fmt: skip
    text = dialogue[-1][1]
    earlier = dialogue[:-1]
    # Transcripts are matched within one tenant, API key and end user only, so identical
    # conversations of different users never merge.
    scope = [("scope", f"{who.tenant}/{who.key_id or ''}/{body.user or ''}")]
    header_id = request.headers.get("x-empathic-conversation")
    if header_id is not None and not re.fullmatch(ID_REGEX, header_id):
        return problem(422, "X-Empathic-Conversation is 1 to 128 of A-Z, a-z, 0-9, '_' and '-'.",
                       path)  # fmt: skip
    conversation_id = header_id or (body.metadata.conversation_id if body.metadata else None)
    if conversation_id is not None:
        owner = await run_in_threadpool(store.tenant_of, conversation_id)
        if owner is not None and owner != who.tenant:  # as if it did not exist: no hint
            return problem(404, f"No conversation {conversation_id!r}.", path)
    after_turns = None
    if conversation_id is None and earlier:
        conversation_id = await run_in_threadpool(
            store.find_by_fingerprint, fingerprint(scope + earlier), who.tenant
        )
        after_turns = sum(1 for role, _ in earlier if role == "user")
    exchange = _Exchange(
        services, who, text, earlier, scope, conversation_id, after_turns,
        fingerprint([*scope, ("conversation", conversation_id or ""), *dialogue]),
        request_hash("chat", conversation_id, dialogue, body.user), idempotency_key(request),
        first_of_unknown=not earlier and body.user is None and conversation_id is None,
    )  # fmt: skip
    turn = _AsTurn.of(await run_in_threadpool(exchange.answer))
    completion_id = f"chatcmpl-{secrets.token_hex(12)}"
    created = int(time.time())
    if not body.stream:
        return {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": turn.reply.text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            EXTENSION_KEY: extension(turn),
        }
    return StreamingResponse(
        _chunks(turn, completion_id, created, body.model),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@dataclass
class _Exchange:
    """One completion request on its way to a stored turn: a retry of an earlier request (same
    Idempotency-Key, or the same request fingerprint within ``retry_window_s``) gets that
    request's turn back; otherwise the turn is taken, on the named or matched conversation or a
    new one."""

    services: Any
    who: Principal
    text: str
    earlier: list[tuple[str, str]]
    scope: list[tuple[str, str]]
    conversation_id: str | None
    after_turns: int | None
    request_fp: str
    digest: str
    idem: str | None
    first_of_unknown: bool  # a first message with nothing to tell two people apart

    def after(self, turn: Turn) -> str:
        return fingerprint([*self.scope, *self.earlier, ("user", self.text),
                            ("assistant", turn.reply.text)])  # fmt: skip

    def retried(self) -> dict | None:
        """The turn an identical request stored moments ago (a client retrying), or None."""
        store = self.services.store
        if self.idem is not None:
            prior = replayed(store, self.who.tenant, self.idem, "chat", self.digest)
            return prior["turn"] if prior else None
        if self.first_of_unknown:
            return None
        since = time.time() - self.services.settings.retry_window_s
        found = store.find_retry(self.request_fp, self.who.tenant, since)
        return store.stored_turn(*found) if found else None

    def take(self) -> Turn | dict:
        record: dict[str, Any] = {"tenant": self.who.tenant, "request_fingerprint": self.request_fp}
        if self.idem is not None:
            record["idempotency"] = (self.idem, "chat", self.digest)
        conversations = self.services.conversations
        if self.conversation_id is not None:
            try:
                return conversations.take_turn(self.conversation_id, self.text, self.who.key_id,
                                               self.after, self.after_turns, record)  # fmt: skip
            except ConflictError:
                again = self.retried()
                if again is not None:
                    return again
                if self.after_turns is None:
                    raise
                # The matched conversation moved on (another user with the same transcript):
                # this request starts its own.
        return conversations.take_turn(
            f"oa-{secrets.token_hex(10)}", self.text, self.who.key_id, self.after, None, record
        )

    def answer(self) -> Turn | dict:
        if self.idem is None:
            return self.retried() or self.take()
        with idempotency_lock(self.who.tenant, self.idem):
            return self.retried() or self.take()


class _AsTurn:
    """What the response needs of a Turn, from a Turn or from a stored ``Turn.to_dict()`` (a
    retried request answered with the first one's turn)."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.conversation_id = data["conversation_id"]
        self.index = data["index"]
        self.reply = _StoredReply(data["reply"])

    @classmethod
    def of(cls, result: Any) -> Any:
        return cls(result) if isinstance(result, dict) else result

    def to_dict(self) -> dict[str, Any]:
        return self.data


class _StoredReply:
    def __init__(self, data: dict[str, Any]):
        self.text = data["text"]
        self.source = data.get("source", "composer")


def _chunks(turn: Turn, completion_id: str, created: int, model: str):
    """Server-sent events in OpenAI's chunk format. The reply is streamed once the critic has
    passed it, because a check needs the whole draft."""

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        chunk = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return f"data: {json.dumps(chunk)}\n\n"

    yield event({"role": "assistant", "content": ""})
    for piece in re.findall(r"\S+\s*", turn.reply.text):
        yield event({"content": piece})
    yield event({}, "stop", **{EXTENSION_KEY: extension(turn)})
    yield "data: [DONE]\n\n"
