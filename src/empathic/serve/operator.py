"""The operator API behind the dashboard's queue: who needs a person now, why, and acting on it.

Every conversation's state lives in the store as a ``Conversation`` (its ``snapshot``). The
actions load it, apply ``claim_handoff``/``resolve_handoff``/``clear_crisis`` and save it back
with ``Store.save_snapshot``, which refuses the write when the customer wrote meanwhile (the
action is then applied again on the new state). An operator's reply is recorded as an
``operator_reply`` event of the conversation, shown in its drill-down in order with the turns.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from empathic.conversation import Conversation
from empathic.serve.auth import Principal, require
from empathic.serve.problems import problem
from empathic.store import Analytics, ConflictError, Store

router = APIRouter(prefix="/v1/operator", tags=["operator"])

Status = Literal["crisis", "waiting", "claimed", "open", "resolved"]
# The queue's order: who needs a person most comes first.
PRIORITY: dict[str, int] = {"crisis": 0, "waiting": 1, "claimed": 2, "open": 3, "resolved": 4}
PREVIEW_CHARS = 140
_ATTEMPTS = 3
# Every route needs the operator role (serve/auth.py) and sees only the caller's tenant: another
# tenant's conversation is answered 404, as one that does not exist.
Operator = Annotated[Principal, Depends(require("operator"))]


class OperatorReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000, description="what the operator wrote")
    operator: str | None = Field(None, max_length=100, description="who wrote it (shown)")


def status_of(conversation: Conversation) -> Status:
    """crisis (crisis mode), waiting (hand-off nobody took), claimed (a person has it),
    resolved (its hand-off was closed), open (the bot is handling it)."""
    if conversation.mode == "crisis":
        return "crisis"
    handoff = conversation.handoff
    if handoff is None:
        return "open"
    return "resolved" if handoff.status == "resolved" else handoff.status


def _preview(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _loaded(row: dict[str, Any]) -> Conversation:
    snapshot = row.get("snapshot")
    if snapshot:
        try:
            return Conversation.from_dict(snapshot)
        except ValueError:
            pass  # an older layout: listed as open, from the row's own figures
    return Conversation.start(row["id"])


def queue_entry(row: dict[str, Any], now: float, escalated: float) -> dict[str, Any]:
    """One line of the queue, from the stored row and its Conversation."""
    conversation = _loaded(row)
    messages = conversation.user_messages
    handoff = conversation.handoff
    status = status_of(conversation)
    return {
        "id": row["id"],
        "status": status,
        "priority": PRIORITY[status],
        "emotion": row["last_emotion"],
        "first_message": _preview(messages[0] if messages else None),
        "last_message": _preview(messages[-1] if len(messages) > 1 else None),
        "turn_count": row["turn_count"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "age_seconds": round(max(0.0, now - row["created_at"]), 1),
        "idle_seconds": round(max(0.0, now - row["updated_at"]), 1),
        "escalation": round(row["escalation"], 4),
        "peak_escalation": round(row["peak_escalation"], 4),
        "escalated": row["peak_escalation"] >= escalated,
        "mode": conversation.mode,
        "handoff": None
        if handoff is None
        else {"reason": handoff.reason, "summary": handoff.summary, "status": handoff.status},
    }


def _services(request: Request):
    return request.app.state.services


def _stored(request: Request, conversation_id: str, who: Principal) -> dict[str, Any] | None:
    """The stored conversation when it exists and is the caller's tenant's; else None."""
    return _services(request).store.conversation(conversation_id, who.tenant)


def _missing(request: Request, conversation_id: str):
    return problem(404, f"No conversation {conversation_id!r}.", request.url.path)


@router.get("/queue", summary="Conversations for an operator: crises and waiting hand-offs first")
def queue(
    request: Request,
    who: Operator,
    status: Annotated[
        list[Status] | None, Query(description="only these statuses (repeatable)")
    ] = None,
    emotion: str | None = Query(None, max_length=32, description="only this current emotion"),
    hours: float | None = Query(None, gt=0, le=24 * 365, description="active in the last hours"),
    limit: int = Query(200, ge=1, le=1000),
):
    services = _services(request)
    now = time.time()
    escalated = services.engine.config.tracking.escalation_threshold
    since = now - hours * 3600 if hours else None
    rows = Analytics(services.store).conversation_rows(since, max(limit, 500), tenant=who.tenant)
    entries = [queue_entry(row, now, escalated) for row in rows]
    counts = {name: 0 for name in PRIORITY}
    for entry in entries:
        counts[entry["status"]] += 1
    chosen = [
        e
        for e in entries
        if (not status or e["status"] in status) and (not emotion or e["emotion"] == emotion)
    ]
    # Most urgent first; among those who wait, the longest waiting first; else newest first.
    chosen.sort(
        key=lambda e: (e["priority"], e["updated_at"] if e["priority"] < 2 else -e["updated_at"])
    )
    return {"now": now, "counts": counts, "conversations": chosen[:limit]}


@router.get(
    "/figures", summary="The dashboard's figures and series, with hand-off resolution times"
)
def figures(request: Request, who: Operator, hours: float = Query(24.0, gt=0, le=24 * 90)):
    services = _services(request)
    now = time.time()
    bucket = max(60.0, hours * 3600 / 48)
    since = (now - hours * 3600) // bucket * bucket  # buckets start on round times
    analytics = Analytics(
        services.store, escalated=services.engine.config.tracking.escalation_threshold
    )
    stats = analytics.dashboard(since, bucket, tenant=who.tenant)
    return {
        "now": now,
        "since": since,
        "bucket_seconds": bucket,
        "escalation_threshold": analytics.escalated,
        "frustrated_emotions": sorted(analytics.frustrated_emotions),
        "totals": stats["totals"],
        # conversations handed off per bucket (the rate times the conversations, exactly)
        "series": [
            {**b, "handoffs": round((b["handoff_rate"] or 0) * b["conversations"])}
            for b in stats["series"]
        ],
        "resolutions": analytics.resolutions(since, tenant=who.tenant),
    }


@router.get("/conversations/{conversation_id}", summary="A conversation in full, for an operator")
def drill_down(conversation_id: str, request: Request, who: Operator):
    services = _services(request)
    stored = _stored(request, conversation_id, who)
    history = services.store.history(conversation_id, who.tenant) if stored else None
    if stored is None or history is None:
        return _missing(request, conversation_id)
    row = {**history, "snapshot": stored.get("snapshot")}
    conversation = _loaded(row)
    entry = queue_entry(row, time.time(), services.engine.config.tracking.escalation_threshold)
    return {
        **entry,
        "summary": _summary(conversation),
        "facts": dict(conversation.facts),
        "turns": [_turn_view(t) for t in history["turns"]],
        "operator_messages": [
            {"at": e["created_at"], "after_turn": e["turn_index"], **e["detail"]}
            for e in history["events"]
            if e["kind"] == "operator_reply"
        ],
        "events": history["events"],
    }


def _summary(conversation: Conversation) -> dict[str, Any]:
    state = conversation.state
    return {
        "issue": state.issue,
        "handoff": conversation.handoff.summary if conversation.handoff else None,
        "tried": list(state.tried),
        "valence": round(state.valence, 4),
        "escalation": round(state.escalation, 4),
        "peak_escalation": round(state.peak_escalation, 4),
    }


def _turn_view(turn: dict[str, Any]) -> dict[str, Any]:
    reading = turn.get("reading", {})
    crisis = reading.get("crisis")
    return {
        "index": turn["index"],
        "at": turn["created_at"],
        "customer": reading.get("text"),
        "reply": turn.get("reply", {}).get("text"),
        "reading": {
            "emotion": reading.get("ekman"),
            "valence": reading.get("valence"),
            "intensity": reading.get("intensity"),
            "intent": reading.get("intent"),
            "cues": sorted({c["kind"] for c in reading.get("cues", ())}),
            "crisis": crisis.get("kind") if crisis else None,
        },
        "escalation": turn.get("state", {}).get("escalation"),
        "strategies": list(turn.get("plan", {}).get("strategies", ())),
        "handoff": turn.get("handoff") is not None,
    }


def change(
    store: Store,
    conversation_id: str,
    apply: Callable[[Conversation], None],
    event: tuple[str, dict[str, Any]],
    resolve_handoffs: bool = False,
) -> Conversation | None:
    """Load the conversation, ``apply`` an operator action and save it back (again on the new
    state when the customer wrote meanwhile). None when there is no such conversation."""
    for _ in range(_ATTEMPTS):
        stored = store.conversation(conversation_id)
        if stored is None:
            return None
        conversation = _loaded(stored)
        apply(conversation)
        try:
            store.save_snapshot(
                conversation_id, conversation.to_dict(), stored["turn_count"], event,
                resolve_handoffs,
            )  # fmt: skip
        except ConflictError:
            continue
        return conversation
    raise ConflictError(f"conversation {conversation_id!r} kept changing; send the action again")


def _turn_lock(request: Request, conversation_id: str) -> Any:
    """This process's lock on the conversation's turns: an action does not land in the middle
    of a turn being answered (whose write would put back the state before the action)."""
    conversations = getattr(_services(request), "conversations", None)
    locks = getattr(conversations, "_locks", None)
    return locks[zlib.crc32(conversation_id.encode()) % len(locks)] if locks else None


def _act(
    request: Request,
    who: Principal,
    conversation_id: str,
    apply: Callable[[Conversation], None],
    event: tuple[str, dict[str, Any]],
    resolve_handoffs: bool = False,
):
    if _stored(request, conversation_id, who) is None:
        return _missing(request, conversation_id)
    store = _services(request).store
    lock = _turn_lock(request, conversation_id)
    if lock is not None:
        with lock:
            after = change(store, conversation_id, apply, event, resolve_handoffs)
    else:
        after = change(store, conversation_id, apply, event, resolve_handoffs)
    if after is None:
        return _missing(request, conversation_id)
    return {"id": conversation_id, "status": status_of(after), "mode": after.mode,
            "handoff": None if after.handoff is None else after.handoff.status}  # fmt: skip


def _needs_handoff(request: Request, who: Principal, conversation_id: str, action: str):
    stored = _stored(request, conversation_id, who)
    if stored is None:
        return _missing(request, conversation_id)
    if _loaded(stored).handoff is None:
        return problem(409, f"Conversation {conversation_id!r} has no hand-off to {action}.",
                       request.url.path)  # fmt: skip
    return None


@router.post("/conversations/{conversation_id}/claim", summary="Take a waiting hand-off")
def claim(conversation_id: str, request: Request, who: Operator):
    refusal = _needs_handoff(request, who, conversation_id, "claim")
    return refusal or _act(
        request, who, conversation_id, Conversation.claim_handoff, ("operator_claim", {})
    )


@router.post("/conversations/{conversation_id}/resolve", summary="Close the hand-off")
def resolve(conversation_id: str, request: Request, who: Operator):
    refusal = _needs_handoff(request, who, conversation_id, "resolve")
    return refusal or _act(
        request, who, conversation_id, Conversation.resolve_handoff, ("operator_resolve", {}), True
    )


@router.post("/conversations/{conversation_id}/clear-crisis", summary="Leave crisis mode")
def clear_crisis(conversation_id: str, request: Request, who: Operator):
    return _act(request, who, conversation_id, Conversation.clear_crisis, ("crisis_cleared", {}))


@router.post(
    "/conversations/{conversation_id}/reply",
    summary="An operator's message to the customer, kept with the conversation",
)
def reply(conversation_id: str, body: OperatorReply, request: Request, who: Operator):
    detail = {"text": body.text, "operator": body.operator}
    # Answering a waiting hand-off is taking it.
    return _act(
        request, who, conversation_id, Conversation.claim_handoff, ("operator_reply", detail)
    )


def resolve_conversation_handoff(store: Store, conversation_id: str) -> None:
    """For ``POST /v1/handoffs/{id}/resolve``: the conversation's own hand-off is resolved too."""
    change(store, conversation_id, Conversation.resolve_handoff, ("operator_resolve", {}), True)
