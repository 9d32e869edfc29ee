"""The operator API (serve/operator.py): the queue, the drill-down, and claim / reply / resolve a
hand-off and clear a crisis, each saved back into the stored Conversation; save_snapshot's
compare-and-set; the old /v1/handoffs resolve closing the conversation's hand-off too."""

import pytest
from fastapi.testclient import TestClient
from serve_support import BACKENDS, database_url

from empathic.conversation import Conversation
from empathic.engine import Engine
from empathic.serve import Settings, create_app
from empathic.store import ConflictError

HUMAN = "This is useless. I want to talk to a human, now!"
CRISIS = "I can't take it anymore, I want to end my life."
ANGRY = "My parcel is THREE weeks late and nobody answers my emails!!"
HAPPY = "Thank you so much, that fixed it, you are great!"


@pytest.fixture(params=BACKENDS)
def client(request, engine, tmp_path):
    app = create_app(
        Settings(db_url=database_url(request.param, tmp_path)),
        engine=Engine(engine.perceiver, knowledge="demo"),
    )
    with TestClient(app) as client:
        yield client


def _talk(client, cid: str, *texts: str) -> list[dict]:
    assert client.post("/v1/conversations", json={"id": cid}).status_code == 201
    turns = []
    for text in texts:
        response = client.post(f"/v1/conversations/{cid}/messages", json={"text": text})
        assert response.status_code == 200, response.text
        turns.append(response.json())
    return turns


def _stored(client, cid: str) -> Conversation:
    store = client.app.state.services.store
    return Conversation.from_dict(store.conversation(cid)["snapshot"])


def test_queue_lists_crisis_and_waiting_first_with_previews(client):
    _talk(client, "happy", "Hi, where can I see my order?", HAPPY)
    _talk(client, "waiting", ANGRY, HUMAN)
    _talk(client, "crisis", CRISIS)
    body = client.get("/v1/operator/queue").json()
    order = [c["id"] for c in body["conversations"]]
    assert order[:2] == ["crisis", "waiting"] and set(order) == {"crisis", "waiting", "happy"}
    by_id = {c["id"]: c for c in body["conversations"]}
    assert by_id["crisis"]["status"] == "crisis"
    assert by_id["waiting"]["status"] == "waiting" and by_id["happy"]["status"] == "open"
    assert body["counts"]["crisis"] == 1 and body["counts"]["waiting"] == 1
    waiting = by_id["waiting"]
    assert waiting["first_message"] == ANGRY and waiting["last_message"] == HUMAN
    assert waiting["handoff"]["status"] == "waiting" and waiting["handoff"]["summary"]
    assert by_id["crisis"]["last_message"] is None  # one message: no separate last one
    assert waiting["age_seconds"] >= 0 and waiting["turn_count"] == 2
    # the emotion shown is the stored reading of the last turn
    history = client.get("/v1/conversations/happy").json()
    assert by_id["happy"]["emotion"] == history["turns"][-1]["reading"]["ekman"]
    # filters
    only = client.get("/v1/operator/queue", params={"status": ["waiting", "crisis"]}).json()
    assert {c["id"] for c in only["conversations"]} == {"waiting", "crisis"}
    emotion = by_id["happy"]["emotion"]
    same = client.get("/v1/operator/queue", params={"emotion": emotion}).json()["conversations"]
    assert all(c["emotion"] == emotion for c in same) and "happy" in {c["id"] for c in same}
    assert client.get("/v1/operator/queue", params={"hours": 1}).json()["conversations"]
    assert client.get("/v1/operator/queue", params={"status": "nope"}).status_code == 422


def test_drill_down_has_each_turns_reading_summary_and_facts(client):
    turns = _talk(client, "d1", "My order 123456 arrived broken.", HUMAN)
    body = client.get("/v1/operator/conversations/d1").json()
    assert [t["customer"] for t in body["turns"]] == ["My order 123456 arrived broken.", HUMAN]
    for view, turn in zip(body["turns"], turns, strict=True):
        assert view["reading"]["emotion"] == turn["reading"]["ekman"]
        assert view["reading"]["valence"] == pytest.approx(turn["reading"]["valence"], abs=1e-4)
        assert view["reply"] == turn["reply"]["text"]
    assert body["summary"]["handoff"] and body["status"] == "waiting"
    assert body["facts"] == _stored(client, "d1").facts
    assert client.get("/v1/operator/conversations/nope").status_code == 404


def test_claim_reply_resolve_and_clear_crisis(client):
    _talk(client, "h1", ANGRY, HUMAN)
    claimed = client.post("/v1/operator/conversations/h1/claim")
    assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
    assert _stored(client, "h1").handoff.status == "claimed"
    said = client.post(
        "/v1/operator/conversations/h1/reply",
        json={"text": "Hi, I'm Sam. On it.", "operator": "Sam"},
    )
    assert said.status_code == 200
    drill = client.get("/v1/operator/conversations/h1").json()
    assert drill["operator_messages"][0]["text"] == "Hi, I'm Sam. On it."
    assert drill["operator_messages"][0]["after_turn"] == 2
    resolved = client.post("/v1/operator/conversations/h1/resolve").json()
    assert resolved["status"] == "resolved" and _stored(client, "h1").handoff.status == "resolved"
    assert _stored(client, "h1").state.handoff == "none"
    # the old queue agrees: no open hand-off of h1 is left
    assert all(h["conversation_id"] != "h1" for h in client.get("/v1/handoffs").json()["handoffs"])
    # the customer can still write afterwards, from the saved state
    more = client.post("/v1/conversations/h1/messages", json={"text": "thanks"})
    assert more.status_code == 200
    _talk(client, "c1", CRISIS)
    assert _stored(client, "c1").mode == "crisis"
    cleared = client.post("/v1/operator/conversations/c1/clear-crisis").json()
    assert cleared["mode"] == "normal" and _stored(client, "c1").mode == "normal"
    assert not _stored(client, "c1").state.crisis
    _talk(client, "calm", HAPPY)
    assert client.post("/v1/operator/conversations/calm/claim").status_code == 409
    assert client.post("/v1/operator/conversations/nope/resolve").status_code == 404
    assert client.post("/v1/operator/conversations/h1/reply", json={"text": ""}).status_code == 422


def test_old_handoff_resolve_closes_the_conversations_handoff(client):
    _talk(client, "old", HUMAN)
    event = next(
        h for h in client.get("/v1/handoffs").json()["handoffs"] if h["conversation_id"] == "old"
    )
    assert client.post(f"/v1/handoffs/{event['id']}/resolve").status_code == 200
    assert _stored(client, "old").handoff.status == "resolved"
    status = client.get("/v1/operator/conversations/old").json()["status"]
    assert status == "resolved"


def test_save_snapshot_is_compare_and_set(client):
    _talk(client, "cas", HUMAN)
    store = client.app.state.services.store
    snapshot = store.conversation("cas")["snapshot"]
    with pytest.raises(ConflictError):
        store.save_snapshot("cas", snapshot, expected_turns=0)
    with pytest.raises(ConflictError):
        store.save_snapshot("missing", snapshot, expected_turns=1)
    conversation = Conversation.from_dict(snapshot)
    conversation.claim_handoff()
    store.save_snapshot("cas", conversation.to_dict(), 1, ("operator_claim", {"by": "t"}))
    assert _stored(client, "cas").handoff.status == "claimed"
    kinds = [e["kind"] for e in store.history("cas")["events"]]
    assert "operator_claim" in kinds


def test_operator_routes_are_scoped_to_the_callers_tenant_and_need_the_operator_role(
    engine, tmp_path
):
    from empathic.store import Store

    url = database_url("sqlite", tmp_path)
    store = Store(url)
    keys = {
        (tenant, role): {"Authorization": "Bearer " + store.create_key(tenant + role, None, tenant, role)[0]}
        for tenant in ("a", "b")
        for role in ("chat", "operator")
    }  # fmt: skip
    store.close()
    app = create_app(Settings(db_url=url), engine=Engine(engine.perceiver, knowledge="demo"))
    with TestClient(app) as client:
        assert client.post("/v1/conversations", json={"id": "a1"}, headers=keys["a", "chat"])
        client.post(
            "/v1/conversations/a1/messages", json={"text": HUMAN}, headers=keys["a", "chat"]
        )
        mine = client.get("/v1/operator/queue", headers=keys["a", "operator"]).json()
        assert [c["id"] for c in mine["conversations"]] == ["a1"]
        theirs = client.get("/v1/operator/queue", headers=keys["b", "operator"]).json()
        assert theirs["conversations"] == [] and theirs["counts"]["waiting"] == 0
        for path in ("conversations/a1", "conversations/a1/claim"):
            method = client.get if path.count("/") == 1 else client.post
            assert method(f"/v1/operator/{path}", headers=keys["b", "operator"]).status_code == 404
        assert client.get("/v1/operator/queue", headers=keys["a", "chat"]).status_code == 403
        assert (
            client.get("/v1/operator/figures", headers=keys["b", "operator"]).json()["totals"][
                "conversations"
            ]
            == 0
        )
        claimed = client.post("/v1/operator/conversations/a1/claim", headers=keys["a", "operator"])
        assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
