"""Conversation storage on SQLite and PostgreSQL: migrations, turns in order, snapshots, hand-offs,
restore after restart, keys. The dashboard's analytics are tested in test_store_analytics.py."""

import json
import threading

import pytest
from serve_support import BACKENDS, database_url, make_turn
from sqlalchemy import text

from empathic.engine import Engine
from empathic.errors import InputError
from empathic.serve.conversations import Conversations
from empathic.serve.metrics import Metrics
from empathic.store import ConflictError, Store


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    store = Store(database_url(request.param, tmp_path))
    yield store
    store.close()


def test_migrates_to_head_and_again(store):
    assert store.schema_revision() == "0002"
    store.migrate()  # a second start changes nothing
    assert store.schema_revision() == "0002"
    if store.is_sqlite:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_turns_stored_in_order_with_events(store):
    store.create_conversation("c1")
    texts = ["My parcel is two weeks late!!", "STILL NOTHING. Useless.", "Get me a human now."]
    turns = [
        make_turn("c1", 1, texts[0], ekman="anger", valence=-0.6, escalation=0.4),
        make_turn("c1", 2, texts[1], ekman="anger", valence=-0.8, escalation=0.7,
                  escalated_turns=1, repairs=("hedge",)),
        make_turn("c1", 3, texts[2], ekman="anger", valence=-0.7, escalation=0.75,
                  escalated_turns=2, handoff="asked for a person"),
    ]  # fmt: skip
    for turn in turns:
        store.record_turn(turn, {"turns": turn.index}, latency_ms=12.5)
    history = store.history("c1")
    assert [t["index"] for t in history["turns"]] == [1, 2, 3]
    assert [t["reading"]["text"] for t in history["turns"]] == texts
    assert history["turns"][0]["latency_ms"] == 12.5
    assert all(t["reply"]["text"] and t["reply"]["checks"] for t in history["turns"])
    assert [(e["turn_index"], e["kind"]) for e in history["events"]] == [
        (2, "escalation"), (2, "repair"), (3, "handoff"),
    ]  # fmt: skip
    assert history["handoff"] and history["escalation_state"] == "handed_off"
    assert store.turn_texts("c1") == [(1, texts[0]), (2, texts[1]), (3, texts[2])]
    handoffs = store.open_handoffs()
    assert len(handoffs) == 1 and "person" in handoffs[0]["detail"]["summary"]
    assert handoffs[0]["detail"]["reason"] == "asked for a person"
    assert store.resolve_handoff(handoffs[0]["id"]) and store.open_handoffs() == []
    assert not store.resolve_handoff(handoffs[0]["id"])  # already taken over
    assert store.history("nobody") is None and store.turn_texts("nobody") == []


def test_a_turn_out_of_order_is_refused(store):
    first = make_turn("c2", 1, "Where is my order?")
    store.record_turn(first, None)
    with pytest.raises(ConflictError):
        store.record_turn(first, None)  # the same turn twice
    with pytest.raises(ConflictError):
        store.record_turn(make_turn("c2", 3, "Hello?"), None)  # one skipped
    assert store.conversation("c2")["turn_count"] == 1
    assert store.turn_count("c2") == 1


def test_racing_writers_of_one_turn_store_it_once(store):
    store.create_conversation("race")
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def write(n: int) -> None:
        barrier.wait()
        try:
            store.record_turn(make_turn("race", 1, f"writer {n}"), {"writer": n})
            outcomes.append("stored")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["stored"]
    (stored,) = store.history("race")["turns"]
    assert store.conversation("race")["snapshot"] == {"writer": int(stored["reading"]["text"][7:])}


def test_snapshot_of_any_shape_round_trips(store):
    """The store keeps the conversation's state as given: a whole Conversation.to_dict(), tens
    of KB, nested, non-ASCII; it reads nothing inside it."""
    state = {
        "id": "s1",
        "turns": [
            {"text": f"message {i}: my order #A-{i:05d} — still late ☹", "valence": -0.5 + i / 100,
             "readings": {"ekman": "anger", "probs": [0.1] * 7}, "said": ["Sorry to hear that."]}
            for i in range(120)
        ],
        "facts": {"order": "A-00042", "product": "kettle", "tried": ["restart", "refund form"]},
        "handoff": {"status": "open", "reason": "asked for a person", "summary": None},
        "crisis": False,
        "nested": {"deep": {"deeper": [1, 2.5, None, True, "x"]}},
    }  # fmt: skip
    assert len(json.dumps(state)) > 20_000
    store.create_conversation("s1")
    assert store.turn_count("s1") == 0 and store.conversation("s1")["snapshot"] is None
    store.record_turn(make_turn("s1", 1, "first"), state)
    assert store.conversation("s1")["snapshot"] == state
    store.record_turn(make_turn("s1", 2, "second"), {"replaced": True})
    assert store.conversation("s1")["snapshot"] == {"replaced": True}
    store.record_turn(make_turn("s1", 3, "third"), None)
    assert store.conversation("s1")["snapshot"] is None
    assert store.conversation("nobody") is None and store.turn_count("nobody") is None


def test_conversations_created_listed_and_found_by_fingerprint(store):
    made = store.create_conversation()
    assert len(made["id"]) == 24 and made["turn_count"] == 0
    store.create_conversation("mine", api_key_id=7)
    with pytest.raises(ConflictError):
        store.create_conversation("mine")
    with pytest.raises(InputError):
        store.create_conversation("x" * 129)
    with pytest.raises(InputError):
        store.create_conversation("a/b")
    store.record_turn(make_turn("calm", 1, "hi"), None, fingerprint="f" * 64)
    store.record_turn(make_turn("hot", 1, "NO!", escalation=0.8), None, fingerprint="f" * 64)
    store.record_turn(make_turn("cooled", 1, "ok", escalation=0.2, peak_escalation=0.9), None)
    assert store.find_by_fingerprint("f" * 64) == "hot"  # the newest with that transcript
    assert store.find_by_fingerprint("0" * 64) is None
    listed = store.conversations()
    assert [c["id"] for c in listed[:3]] == ["cooled", "hot", "calm"]
    states = {c["id"]: c["escalation_state"] for c in listed}
    assert states == {"cooled": "recovering", "hot": "escalated", "calm": "calm",
                      "mine": "calm", made["id"]: "calm"}  # fmt: skip
    assert [c["id"] for c in store.conversations(limit=2, offset=1)] == ["hot", "calm"]


def test_concurrent_conversations_each_in_order(engine, store):
    conversations = Conversations(Engine(engine.perceiver), store, Metrics())
    ids = [f"load-{i}" for i in range(8)]
    turns = 6
    errors = []

    def talk(cid: str) -> None:
        try:
            for n in range(turns):
                conversations.take_turn(cid, f"message {n} of {cid}: where is my parcel?")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # Two threads per conversation: turns of one conversation race each other too.
    threads = [threading.Thread(target=talk, args=(cid,)) for cid in ids for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for cid in ids:
        stored = store.history(cid)["turns"]
        assert [t["index"] for t in stored] == list(range(1, 2 * turns + 1))
        numbers = [int(t["reading"]["text"].split()[1]) for t in stored]
        # each thread's own messages keep their order
        assert sorted(numbers) == sorted(list(range(turns)) * 2)
        assert len({(t["index"]) for t in stored}) == len(stored)


def test_a_restarted_server_continues_the_conversation(engine, store):
    before = Conversations(Engine(engine.perceiver), store, Metrics())
    before.take_turn("r1", "My refund never arrived and I am furious!!")
    second = before.take_turn("r1", "It has been three weeks. Nobody answers.")
    # A new engine (a restart, or another worker) over the same store.
    after = Conversations(Engine(engine.perceiver), store, Metrics())
    third = after.take_turn("r1", "Hello? I still have no refund.")
    assert third.index == 3
    assert [t.text for t in third.state.turns][:2] == [t.text for t in second.state.turns]
    # what was tried and said before the restart is remembered (no repeated phrasing)
    assert third.state.tried[:2] == second.state.tried
    assert third.state.used_phrases[: len(second.state.used_phrases)] == second.state.used_phrases
    # and the first engine, now behind, catches up from the store instead of forking
    fourth = before.take_turn("r1", "Anyone?")
    assert fourth.index == 4
    assert [t["index"] for t in store.history("r1")["turns"]] == [1, 2, 3, 4]


def test_keys_are_stored_hashed(store):
    secret, key = store.create_key("support-bot", rate_limit=30)
    assert store.key_for(secret)["name"] == "support-bot"
    assert store.key_for(secret + "x") is None
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT key_hash, prefix FROM api_keys")).one()
    assert secret not in stored[0] and len(stored[0]) == 64
    assert store.active_keys() == 1
    assert [k["name"] for k in store.api_keys()] == ["support-bot"]
    assert store.api_keys()[0]["rate_limit"] == 30 and secret.startswith(key["prefix"])
    assert store.revoke_key(key["id"]) and store.key_for(secret) is None
    assert not store.revoke_key(key["id"]) and store.active_keys() == 0
    assert store.api_keys()[0]["revoked_at"] is not None
    with pytest.raises(InputError):
        store.create_key("  ")
