"""Prometheus metrics, one registry per app so several apps can live in one process."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from empathic.config import multiprocess_metrics_dir
from empathic.types import Turn

disable_created_metrics()  # the *_created series only add noise to every scrape
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "empathic_http_requests", "HTTP requests by route and status", ["route", "status"],
            registry=r,
        )  # fmt: skip
        self.request_latency = Histogram(
            "empathic_http_request_duration_seconds", "HTTP request latency by route", ["route"],
            buckets=_LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.turns = Counter(
            "empathic_turns", "Turns answered, by reply source", ["source"], registry=r
        )
        self.turn_latency = Histogram(
            "empathic_turn_duration_seconds", "Time to answer one turn (engine and store)",
            buckets=_LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.analyzed = Counter(
            "empathic_analyzed_messages", "Messages read by /v1/analyze", registry=r
        )
        self.escalations = Counter(
            "empathic_escalations", "Conversations crossing the escalation threshold", registry=r
        )
        self.handoffs = Counter(
            "empathic_handoffs", "Hand-offs raised, by reason", ["reason"], registry=r
        )
        self.repairs = Counter(
            "empathic_critic_repairs", "Critic repairs, by kind", ["kind"], registry=r
        )
        self.guard_failures = Counter(
            "empathic_llm_guard_failures",
            "LLM replies the output guard replaced with the composer's, by kind", ["kind"],
            registry=r,
        )  # fmt: skip
        self.storage_errors = Counter(
            "empathic_storage_errors", "Requests refused because the store failed, by cause",
            ["cause"], registry=r,
        )  # fmt: skip
        self.upstream_errors = Counter(
            "empathic_upstream_errors", "LLM upstream failures answered by the composer", registry=r
        )

    def observe_turn(self, turn: Turn, seconds: float) -> None:
        self.turns.labels(turn.reply.source).inc()
        self.turn_latency.observe(seconds)
        if turn.state.escalated_turns == 1:
            self.escalations.inc()
        if turn.handoff is not None:
            self.handoffs.labels(turn.handoff.reason or "unspecified").inc()
        for kind in turn.reply.repairs:
            self.repairs.labels(kind).inc()
            if kind.startswith("guard:"):
                self.guard_failures.labels(kind.removeprefix("guard:")).inc()
        if turn.reply.source == "composer-fallback":
            self.upstream_errors.inc()

    def render(self) -> bytes:
        if multiprocess_metrics_dir():  # several workers: add up their files
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
