"""The operator dashboard's figures, read from the stored turns and events.

Kept apart from conversation storage: these queries only read, over many conversations at once,
and their definitions (what counts as frustrated, as escalated) are the dashboard's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from empathic.store.conversations import ESCALATED, Store
from empathic.store.database import Database
from empathic.store.tables import ConversationRow, EventRow, TurnRow

# A turn counts as frustrated when its emotion is one of these, or its escalation is high.
FRUSTRATED_EMOTIONS = frozenset({"anger", "disgust"})


@dataclass
class _Bucket:
    """What happened in one time bucket (or, summed, over the whole window)."""

    start: float
    turns: int = 0
    frustrated: int = 0
    conversations: set[str] = field(default_factory=set)
    handoffs: set[str] = field(default_factory=set)
    crisis: set[str] = field(default_factory=set)
    escalated: set[str] = field(default_factory=set)
    repairs: dict[str, int] = field(default_factory=dict)
    emotions: dict[str, int] = field(default_factory=dict)

    def add(self, other: _Bucket) -> None:
        self.turns += other.turns
        self.frustrated += other.frustrated
        self.conversations |= other.conversations
        self.handoffs |= other.handoffs
        self.crisis |= other.crisis
        self.escalated |= other.escalated
        _count_into(self.repairs, other.repairs)
        _count_into(self.emotions, other.emotions)


class Analytics:
    """Read-only queries over a store's database for the operator dashboard."""

    def __init__(
        self,
        store: Store | Database,
        escalated: float = ESCALATED,
        frustrated_emotions: frozenset[str] = FRUSTRATED_EMOTIONS,
    ):
        self.database = store.database if isinstance(store, Store) else store
        self.escalated = escalated
        self.frustrated_emotions = frustrated_emotions

    def dashboard(
        self,
        since: float,
        bucket_seconds: float,
        max_turns: int = 200_000,
        tenant: str | None = None,
    ) -> dict[str, Any]:
        """Rates over time from ``since``, in buckets of ``bucket_seconds``: frustration,
        de-escalation, hand-offs (crisis ones apart), critic repairs by kind, emotions. Only
        ``tenant``'s conversations count, when it is given."""
        turns, events = self._rows(since, max_turns, tenant)
        buckets: dict[int, _Bucket] = {}

        def bucket(at: float) -> _Bucket:
            key = int((at - since) // bucket_seconds)
            if key not in buckets:
                buckets[key] = _Bucket(start=since + key * bucket_seconds)
            return buckets[key]

        for cid, at, ekman, escalation in turns:
            b = bucket(at)
            b.turns += 1
            b.frustrated += ekman in self.frustrated_emotions or escalation >= self.escalated
            b.conversations.add(cid)
            b.emotions[ekman] = b.emotions.get(ekman, 0) + 1
        recovered: set[str] = set()
        for cid, kind, at, detail in events:
            _count_event(bucket(at), recovered, cid, kind, detail)
        total = _Bucket(start=since)
        series = []
        for key in sorted(buckets):
            series.append(_bucket_figures(buckets[key], recovered))
            total.add(buckets[key])
        totals = _bucket_figures(total, recovered)
        return {
            "since": since,
            "bucket_seconds": bucket_seconds,
            "totals": {
                "turns": totals["turns"],
                "conversations": totals["conversations"],
                "frustration_rate": totals["frustration_rate"],
                "escalated_conversations": totals["escalated"],
                "deescalation_rate": totals["deescalation_rate"],
                "handoff_rate": totals["handoff_rate"],
                "crisis_conversations": totals["crisis"],
                "repairs": totals["repairs"],
            },
            "series": series,
        }

    def resolutions(self, since: float, tenant: str | None = None) -> list[dict[str, Any]]:
        """Hand-offs raised since ``since`` and resolved: when each was raised, and how many
        minutes until a person resolved it (oldest first)."""
        query = (
            select(EventRow.conversation_id, EventRow.created_at, EventRow.resolved_at)
            .where(EventRow.kind == "handoff", EventRow.created_at >= since)
            .where(EventRow.resolved_at.is_not(None))
            .order_by(EventRow.created_at)
        )
        if tenant is not None:
            query = query.where(
                EventRow.conversation_id.in_(
                    select(ConversationRow.id).where(ConversationRow.tenant == tenant)
                )
            )
        with self.database.session() as session:
            rows = session.execute(query).all()
        return [
            {"conversation_id": cid, "raised_at": raised,
             "minutes": round(max(0.0, ((resolved or raised) - raised) / 60), 2)}
            for cid, raised, resolved in rows
        ]  # fmt: skip

    def conversation_rows(
        self, since: float | None = None, limit: int = 500, tenant: str | None = None
    ) -> list[dict[str, Any]]:
        """The operator queue's raw material: conversations active since ``since`` (newest
        first) with their stored state (``snapshot``), optionally of one tenant only."""
        query = select(ConversationRow).order_by(ConversationRow.updated_at.desc()).limit(limit)
        if since is not None:
            query = query.where(ConversationRow.updated_at >= since)
        column = getattr(ConversationRow, "tenant", None)  # the tenants migration (0002)
        if tenant is not None and column is not None:
            query = query.where(column == tenant)
        with self.database.session() as session:
            rows = session.scalars(query).all()
            return [
                {
                    "id": r.id,
                    "created_at": r.created_at,
                    "updated_at": r.updated_at,
                    "turn_count": r.turn_count,
                    "escalation": r.escalation,
                    "peak_escalation": r.peak_escalation,
                    "valence": r.valence,
                    "last_emotion": r.last_emotion,
                    "tenant": getattr(r, "tenant", None),
                    "snapshot": r.snapshot,
                }  # fmt: skip
                for r in rows
            ]

    def _rows(
        self, since: float, max_turns: int, tenant: str | None = None
    ) -> tuple[list[Any], list[Any]]:
        turn_query = select(
            TurnRow.conversation_id, TurnRow.created_at, TurnRow.ekman, TurnRow.escalation
        )
        event_query = select(
            EventRow.conversation_id, EventRow.kind, EventRow.created_at, EventRow.detail
        )
        if tenant is not None:
            mine = select(ConversationRow.id).where(ConversationRow.tenant == tenant)
            turn_query = turn_query.where(TurnRow.conversation_id.in_(mine))
            event_query = event_query.where(EventRow.conversation_id.in_(mine))
        with self.database.session() as session:
            turns = session.execute(
                turn_query.where(TurnRow.created_at >= since)
                .order_by(TurnRow.created_at)
                .limit(max_turns)
            ).all()
            events = session.execute(
                event_query.where(EventRow.created_at >= since).order_by(EventRow.id)
            ).all()
        return list(turns), list(events)


def _count_event(
    b: _Bucket, recovered: set[str], cid: str, kind: str, detail: dict[str, Any]
) -> None:
    if kind == "handoff":
        b.handoffs.add(cid)
        if detail.get("crisis"):
            b.crisis.add(cid)
    elif kind == "escalation":
        b.escalated.add(cid)
    elif kind == "deescalation":
        recovered.add(cid)
    elif kind == "repair":
        repair = detail.get("repair", "?")
        b.repairs[repair] = b.repairs.get(repair, 0) + 1


def _bucket_figures(b: _Bucket, recovered: set[str]) -> dict[str, Any]:
    return {
        "start": b.start,
        "turns": b.turns,
        "conversations": len(b.conversations),
        "frustration_rate": _rate(b.frustrated, b.turns),
        "handoff_rate": _rate(len(b.handoffs), len(b.conversations)),
        "crisis": len(b.crisis),
        "escalated": len(b.escalated),
        "deescalation_rate": _rate(len(b.escalated & recovered), len(b.escalated)),
        "repairs": dict(b.repairs),
        "emotions": dict(b.emotions),
    }


def _count_into(counts: dict[str, int], more: dict[str, int]) -> None:
    for key, n in more.items():
        counts[key] = counts.get(key, 0) + n


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
