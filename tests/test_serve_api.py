"""The HTTP API through FastAPI's TestClient: behaviour, errors as problem+json, keys, metrics."""

import http.server
import json
import threading

import pytest
from fastapi.testclient import TestClient
from serve_support import BACKENDS, database_url

from empathic.engine import Engine
from empathic.respond.llm import ChatClient
from empathic.respond.local_llm import free_port
from empathic.serve import Settings, create_app
from empathic.store import Store

KB = "demo"


def _client(engine, url, **settings) -> TestClient:
    settings = Settings(db_url=url, **settings)
    return TestClient(create_app(settings, engine=Engine(engine.perceiver, knowledge=KB)))


@pytest.fixture(params=BACKENDS)
def client(request, engine, tmp_path):
    with _client(engine, database_url(request.param, tmp_path)) as client:
        yield client


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and len(body["detail"]) > 20
    return body


def test_analyze_one_and_a_batch(client, engine):
    text = "This is the THIRD time my parcel is late!!!"
    one = client.post("/v1/analyze", json={"text": text})
    assert one.status_code == 200
    reading = one.json()["readings"][0]
    direct = engine.analyze([text])[0]
    assert reading["text"] == text and reading["ekman"] == direct.ekman
    assert reading["valence"] == pytest.approx(direct.valence, abs=1e-3)
    assert "all_caps" in {c["kind"] for c in reading["cues"]}
    batch = client.post(
        "/v1/analyze",
        json={"texts": ["Thank you so much!", "Where is my order?"], "histories": [[], ["hi"]]},
    )
    readings = batch.json()["readings"]
    assert [r["text"] for r in readings] == ["Thank you so much!", "Where is my order?"]
    assert readings[1]["context_turns"] == 1


def test_errors_are_problem_json(client):
    bad_json = client.post(
        "/v1/analyze", content=b'{"text": "hi"', headers={"content-type": "application/json"}
    )
    assert "not valid JSON" in _is_problem(bad_json, 400)["detail"]
    form = client.post("/v1/analyze", content=b'{"text": "hi"}',
                       headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert "Content-Type: application/json" in _is_problem(form, 415)["detail"]
    both = client.post("/v1/analyze", json={"text": "a", "texts": ["b"]})
    assert "either 'text'" in _is_problem(both, 422)["detail"]
    empty = client.post("/v1/analyze", json={"text": "   "})
    assert _is_problem(empty, 422)["errors"][0]["index"] == 0
    huge = client.post("/v1/analyze", json={"text": "word " * 100_000})
    assert "--max-body-bytes" in _is_problem(huge, 413)["detail"]
    missing = client.post("/v1/conversations/nope/messages", json={"text": "hello"})
    assert "POST /v1/conversations" in _is_problem(missing, 404)["detail"]
    _is_problem(client.get("/v1/no-such-route"), 404)
    _is_problem(client.get("/v1/conversations/nope"), 404)


def test_chunked_oversized_body_is_refused(engine, tmp_path):
    with _client(engine, database_url("sqlite", tmp_path), max_body_bytes=1000) as client:
        chunks = iter([b'{"text": "', b"x" * 2000, b'"}'])
        response = client.post(
            "/v1/analyze", content=chunks, headers={"content-type": "application/json"}
        )
        _is_problem(response, 413)


def test_a_conversation_turn_by_turn(client):
    created = client.post("/v1/conversations", json={"id": "conv-42"})
    assert created.status_code == 201 and created.json()["id"] == "conv-42"
    assert client.post("/v1/conversations", json={"id": "conv-42"}).status_code == 409
    texts = ["My parcel is two weeks late and nobody answers!!", "Still nothing.",
             "I want to talk to a person."]  # fmt: skip
    for i, text in enumerate(texts, 1):
        turn = client.post("/v1/conversations/conv-42/messages", json={"text": text}).json()
        assert turn["index"] == i and turn["reading"]["text"] == text
        assert turn["reply"]["text"] and turn["plan"]["strategies"] and turn["reply"]["checks"]
    assert turn["handoff"] is not None
    history = client.get("/v1/conversations/conv-42").json()
    assert [t["reading"]["text"] for t in history["turns"]] == texts
    assert "handoff" in [e["kind"] for e in history["events"]]
    queue = client.get("/v1/handoffs").json()["handoffs"]
    assert [h["conversation_id"] for h in queue] == ["conv-42"]
    assert queue[0]["detail"]["summary"].startswith("Reason:")
    dashboard = client.get("/v1/dashboard?hours=1").json()
    assert dashboard["stats"]["totals"]["turns"] == 3
    assert dashboard["conversations"][0]["escalation_state"] == "handed_off"


def test_health_metrics_and_schema(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/healthz?deep=1").json()["schema"] == "0002"
    client.post("/v1/conversations", json={"id": "m1"})
    client.post("/v1/conversations/m1/messages", json={"text": "Get me a human NOW!!"})
    metrics = client.get("/metrics").text
    assert 'empathic_turns_total{source="composer"} 1.0' in metrics
    assert "empathic_handoffs_total" in metrics
    assert (
        'empathic_http_request_duration_seconds_bucket{le="0.1",route="/v1/conversations/{conversation_id}/messages"}'
        in metrics
    )
    schema = client.get("/openapi.json").json()
    assert {"/v1/analyze", "/v1/chat/completions", "/v1/conversations/{conversation_id}/messages",
            "/v1/handoffs", "/healthz", "/metrics"} <= set(schema["paths"])  # fmt: skip


def test_the_newest_evaluation_report(engine, tmp_path):
    reports = tmp_path / "reports"
    with _client(engine, database_url("sqlite", tmp_path), reports_dir=str(reports)) as client:
        assert client.get("/v1/evaluation").json() == {"report": None}
        folder = reports / "2026-01-01-demo"
        folder.mkdir(parents=True)
        (folder / "report.json").write_text(json.dumps({
            "name": "demo", "created": "2026-01-01",
            "suites": {"scenarios": {"summary": {"pass_rate": 0.9, "passed": 9}}},
        }))  # fmt: skip
        report = client.get("/v1/evaluation").json()["report"]
        assert report["name"] == "demo"
        assert report["headline"]["scenarios"] == {"pass_rate": 0.9, "passed": 9}


def test_keys_and_rate_limits(engine, tmp_path):
    url = database_url("sqlite", tmp_path)
    store = Store(url)
    secret, _ = store.create_key("bot", rate_limit=3)
    with _client(engine, url) as client:
        missing = client.post("/v1/analyze", json={"text": "hi"})
        assert "requires an API key" in _is_problem(missing, 401)["detail"]
        wrong = client.post("/v1/analyze", json={"text": "hi"}, headers={"X-API-Key": "emp_nope"})
        assert "empathic keys create" in _is_problem(wrong, 401)["detail"]
        auth = {"Authorization": f"Bearer {secret}"}
        for _ in range(3):
            assert client.post("/v1/analyze", json={"text": "hi"}, headers=auth).status_code == 200
        limited = client.post("/v1/analyze", json={"text": "hi"}, headers=auth)
        assert "3 requests per minute" in _is_problem(limited, 429)["detail"]
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/healthz").status_code == 200  # ops endpoints stay open
    store.close()


def test_anonymous_clients_are_rate_limited_too(engine, tmp_path):
    with _client(engine, database_url("sqlite", tmp_path), rate_limit=2) as client:
        codes = [client.post("/v1/analyze", json={"text": "hi"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]


def test_cors(engine, tmp_path):
    origin = "http://127.0.0.1:3000"
    with _client(engine, database_url("sqlite", tmp_path), cors_origins=[origin]) as client:
        preflight = client.options(
            "/v1/analyze",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization,content-type"},
        )  # fmt: skip
        assert preflight.headers["access-control-allow-origin"] == origin
        other = client.post("/v1/analyze", json={"text": "hi"}, headers={"Origin": "http://evil"})
        assert "access-control-allow-origin" not in other.headers


class _Broken(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"<html>gateway error</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_broken_upstream_still_gets_a_reply_and_is_counted(engine, tmp_path):
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Broken)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    llm = ChatClient(f"http://127.0.0.1:{upstream.server_address[1]}", timeout=2, retries=0)
    app = create_app(Settings(db_url=database_url("sqlite", tmp_path)),
                     engine=Engine(engine.perceiver, llm=llm))  # fmt: skip
    with TestClient(app) as client:
        client.post("/v1/conversations", json={"id": "u1"})
        turn = client.post("/v1/conversations/u1/messages", json={"text": "Where is my order?"})
        assert turn.json()["reply"]["source"] == "composer-fallback"
        assert turn.json()["reply"]["text"]
        assert "empathic_upstream_errors_total 1.0" in client.get("/metrics").text
        events = client.get("/v1/conversations/u1").json()["events"]
        assert [e["kind"] for e in events] == ["upstream_error"]
    upstream.shutdown()
    json.dumps(events)  # events are plain JSON
