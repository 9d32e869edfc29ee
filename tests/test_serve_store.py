"""The store on SQLite and PostgreSQL: migrations, turns in order, restore after restart, keys."""

import threading
import time

import pytest
from serve_support import BACKENDS, database_url
from sqlalchemy import text

from empathic.engine import Engine
from empathic.serve.conversations import Conversations
from empathic.serve.metrics import Metrics
from empathic.store import ConflictError, Store


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    store = Store(database_url(request.param, tmp_path))
    yield store
    store.close()


def test_migrates_to_head_and_again(store):
    assert store.schema_revision() == "0001"
    store.migrate()  # a second start changes nothing
    assert store.schema_revision() == "0001"
    if store.is_sqlite:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_turns_stored_in_order_with_events(engine, store):
    chat = Engine(engine.perceiver)
    store.create_conversation("c1")
    texts = ["My parcel is two weeks late!!", "STILL NOTHING. Useless.", "Get me a human now."]
    for text_ in texts:
        turn = chat.respond("c1", text_)
        store.record_turn(turn, chat.snapshot("c1"))
    history = store.history("c1")
    assert [t["index"] for t in history["turns"]] == [1, 2, 3]
    assert [t["reading"]["text"] for t in history["turns"]] == texts
    assert all(t["reply"]["text"] and t["reply"]["checks"] for t in history["turns"])
    assert "handoff" in {e["kind"] for e in history["events"]}
    handoffs = store.open_handoffs()
    assert len(handoffs) == 1 and "human" in handoffs[0]["detail"]["summary"].lower()
    assert store.resolve_handoff(handoffs[0]["id"]) and store.open_handoffs() == []


def test_a_turn_out_of_order_is_refused(engine, store):
    chat = Engine(engine.perceiver)
    first = chat.respond("c2", "Where is my order?")
    store.record_turn(first, chat.snapshot("c2"))
    with pytest.raises(ConflictError):
        store.record_turn(first, chat.snapshot("c2"))  # the same turn twice
    assert store.conversation("c2")["turn_count"] == 1


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
    assert store.revoke_key(key["id"]) and store.key_for(secret) is None


def test_dashboard_rates(engine, store):
    conversations = Conversations(Engine(engine.perceiver), store, Metrics())
    for text_ in ["THIS IS RIDICULOUS, my order is late AGAIN!!!", "I want a human. Now."]:
        conversations.take_turn("d1", text_)
    conversations.take_turn("d2", "Thanks, the parcel arrived today, great service!")
    stats = store.dashboard(time.time() - 3600, 600)
    totals = stats["totals"]
    assert totals["turns"] == 3 and totals["conversations"] == 2
    assert totals["handoff_rate"] == 0.5
    assert 0 < totals["frustration_rate"] < 1
    assert sum(b["turns"] for b in stats["series"]) == 3
