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
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import StreamingResponse

from empathic.serve.problems import problem
from empathic.store import ConflictError
from empathic.types import Turn

router = APIRouter(prefix="/v1")
EXTENSION_KEY = "empathic"
MODEL_NAME = "empathic"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    # OpenAI's other fields (temperature, top_p, ...) are accepted and ignored.
    model_config = ConfigDict(extra="allow")
    model: str = MODEL_NAME
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    metadata: dict[str, Any] | None = None


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    if isinstance(message.content, list):
        return " ".join(
            part.get("text", "") for part in message.content if part.get("type") == "text"
        )
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
async def chat_completions(body: ChatRequest, request: Request):
    services = request.app.state.services
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
    key = request.scope.get("state", {}).get("api_key")
    # Transcripts are matched within one API key and end user only, so identical conversations
    # of different users never merge.
    scope = [("scope", f"{key['id'] if key else ''}/{getattr(body, 'user', None) or ''}")]
    conversation_id = request.headers.get("x-empathic-conversation") or (
        str((body.metadata or {}).get("conversation_id") or "") or None
    )
    after_turns = None
    if conversation_id is None and earlier:
        conversation_id = await run_in_threadpool(
            services.store.find_by_fingerprint, fingerprint(scope + earlier)
        )
        after_turns = sum(1 for role, _ in earlier if role == "user")
    if conversation_id is not None and len(conversation_id) > 64:
        return problem(422, "A conversation id has at most 64 characters.", path)

    def after(turn: Turn) -> str:
        return fingerprint([*scope, *earlier, ("user", text), ("assistant", turn.reply.text)])

    def take() -> Turn:
        key_id = key["id"] if key else None
        if conversation_id is not None:
            try:
                return services.conversations.take_turn(
                    conversation_id, text, key_id, after, after_turns
                )
            except ConflictError:
                if after_turns is None:
                    raise
                # The matched conversation moved on (another user with the same transcript, or
                # a retry): this request starts its own.
        return services.conversations.take_turn(f"oa-{secrets.token_hex(10)}", text, key_id, after)

    turn = await run_in_threadpool(take)
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
