"""The dashboard's analytics over rows written through the storage API: seeded conversations
(frustrated and recovering, escalated to a hand-off, crisis, happy), stamped at known times by
the store's clock, give exactly the figures that were seeded. Real databases, no mocks."""

from __future__ import annotations

import pytest
from serve_support import BACKENDS, database_url, make_turn

from empathic.store import Analytics, Store
from empathic.types import Turn

T0 = 1_700_000_400.0  # the window starts here; buckets of ten minutes
BUCKET = 600.0


class Clock:
    """The store's clock, set by the test before each write."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def seed() -> list[tuple[float, Turn]]:
    """(when, turn) of every stored turn."""
    # fmt: off
    return [
        # Before the window: never counted.
        (T0 - 100, make_turn("old", 1, "AWFUL", ekman="anger", escalation=0.9,
                             escalated_turns=1, handoff="asked for a person")),
        # Bucket 0: a frustrated customer who escalates and then recovers ...
        (T0 + 10, make_turn("frustrated", 1, "Late AGAIN!", ekman="anger", escalation=0.3)),
        (T0 + 20, make_turn("frustrated", 2, "Useless!!", ekman="disgust", escalation=0.6,
                            escalated_turns=1)),
        (T0 + 30, make_turn("frustrated", 3, "ok, thanks", ekman="neutral", escalation=0.3,
                            peak_escalation=0.6, deescalating=True)),
        # ... and a happy one, whose second turn falls in bucket 1.
        (T0 + 40, make_turn("happy", 1, "It arrived, lovely!", ekman="joy", valence=0.8)),
        # Bucket 1: one escalates to a hand-off (a reply repaired on the way), one is in crisis.
        (T0 + 610, make_turn("escalated", 1, "WHERE IS IT", ekman="anger", escalation=0.6,
                             escalated_turns=1, repairs=("hedge",))),
        (T0 + 620, make_turn("escalated", 2, "Human. Now.", ekman="anger", escalation=0.8,
                             escalated_turns=2, handoff="asked for a person")),
        (T0 + 630, make_turn("crisis", 1, "I can't go on", ekman="sadness", valence=-0.9,
                             escalation=0.2, crisis="self_harm", handoff="crisis")),
        (T0 + 650, make_turn("happy", 2, "Thanks again", ekman="joy", valence=0.9)),
        # Bucket 2 is empty; bucket 3: a happy customer, a reply repaired twice.
        (T0 + 1810, make_turn("happy-later", 1, "Great service", ekman="joy", valence=0.7,
                              repairs=("trim", "trim"))),
    ]
    # fmt: on


@pytest.fixture(params=BACKENDS)
def seeded(request, tmp_path):
    clock = Clock()
    store = Store(database_url(request.param, tmp_path), clock=clock)
    for at, turn in seed():
        clock.now = at
        store.record_turn(turn, {"index": turn.index})
    yield store
    store.close()


def test_totals_equal_what_was_seeded(seeded):
    totals = Analytics(seeded).dashboard(T0, BUCKET)["totals"]
    assert totals == {
        "turns": 9,
        "conversations": 5,  # frustrated, happy, escalated, crisis, happy-later
        "frustration_rate": round(4 / 9, 4),  # anger, disgust, and two anger turns
        "escalated_conversations": 2,  # frustrated, escalated
        "deescalation_rate": 0.5,  # frustrated recovered, escalated did not
        "handoff_rate": 0.4,  # escalated and crisis, of five
        "crisis_conversations": 1,
        "repairs": {"hedge": 1, "trim": 2},
    }


def test_series_per_bucket(seeded):
    stats = Analytics(seeded).dashboard(T0, BUCKET)
    assert stats["since"] == T0 and stats["bucket_seconds"] == BUCKET
    series = stats["series"]
    assert [b["start"] for b in series] == [T0, T0 + BUCKET, T0 + 3 * BUCKET]  # none when empty
    first, second, fourth = series
    assert first == {
        "start": T0, "turns": 4, "conversations": 2, "frustration_rate": 0.5,
        "handoff_rate": 0.0, "crisis": 0, "escalated": 1, "deescalation_rate": 1.0,
        "repairs": {}, "emotions": {"anger": 1, "disgust": 1, "neutral": 1, "joy": 1},
    }  # fmt: skip
    assert second == {
        "start": T0 + BUCKET, "turns": 4, "conversations": 3, "frustration_rate": 0.5,
        "handoff_rate": round(2 / 3, 4), "crisis": 1, "escalated": 1, "deescalation_rate": 0.0,
        "repairs": {"hedge": 1}, "emotions": {"anger": 2, "sadness": 1, "joy": 1},
    }  # fmt: skip
    assert fourth == {
        "start": T0 + 3 * BUCKET, "turns": 1, "conversations": 1, "frustration_rate": 0.0,
        "handoff_rate": 0.0, "crisis": 0, "escalated": 0, "deescalation_rate": None,
        "repairs": {"trim": 2}, "emotions": {"joy": 1},
    }  # fmt: skip


def test_the_window_starts_at_since(seeded):
    later = Analytics(seeded).dashboard(T0 + BUCKET, BUCKET)
    assert later["totals"]["turns"] == 5 and later["totals"]["conversations"] == 4
    assert later["totals"]["crisis_conversations"] == 1
    assert [b["start"] for b in later["series"]] == [T0 + BUCKET, T0 + 3 * BUCKET]
    earlier = Analytics(seeded).dashboard(T0 - BUCKET, BUCKET)["totals"]
    assert earlier["turns"] == 10 and earlier["handoff_rate"] == 0.5  # "old" counts now
    empty = Analytics(seeded).dashboard(T0 + 10 * BUCKET, BUCKET)
    assert empty["series"] == []
    assert empty["totals"]["turns"] == 0 and empty["totals"]["frustration_rate"] is None
    assert empty["totals"]["handoff_rate"] is None and empty["totals"]["repairs"] == {}


def test_one_bucket_for_the_whole_window(seeded):
    stats = Analytics(seeded).dashboard(T0, 24 * 3600)
    (only,) = stats["series"]
    assert only["turns"] == 9 and only["conversations"] == 5
    assert only["handoff_rate"] == stats["totals"]["handoff_rate"] == 0.4


def test_what_counts_as_frustrated_is_the_analytics_own(seeded):
    # By emotion only (no escalation counts): anger, disgust, anger, anger.
    by_emotion = Analytics(seeded, escalated=2.0).dashboard(T0, BUCKET)["totals"]
    assert by_emotion["frustration_rate"] == round(4 / 9, 4)
    # By escalation only (>= 0.6): "Useless!!", "WHERE IS IT", "Human. Now.".
    by_escalation = Analytics(seeded, frustrated_emotions=frozenset()).dashboard(T0, BUCKET)
    assert by_escalation["totals"]["frustration_rate"] == round(3 / 9, 4)


def test_reads_the_database_the_store_writes(seeded):
    assert Analytics(seeded.database).dashboard(T0, BUCKET) == Analytics(seeded).dashboard(
        T0, BUCKET
    )
