"""Issue 17: each finding of the security and reliability probe, as a test that failed on the code
before the fix. docs/security.md maps each defence to its test here."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
from fastapi.testclient import TestClient
from serve_support import BACKENDS, FakeUpstream, database_url, running
from sqlalchemy import event

from empathic.check.guard import guard, new_canary
from empathic.engine import Engine
from empathic.errors import EmpathicError
from empathic.respond.llm import ChatClient, UpstreamError
from empathic.serve import Settings, create_app
from empathic.serve.auth import KeyBook
from empathic.store import Store
from empathic.types import Plan

KB = "demo"


def _app(engine, url, llm=None, store=None, **settings):
    return create_app(Settings(db_url=url, **settings),
                      engine=Engine(engine.perceiver, knowledge=KB, llm=llm), store=store)  # fmt: skip


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(params=BACKENDS)
def tenants(request, engine, tmp_path):
    """A keyed server with tenants a and b, each with a chat and an operator key."""
    url = database_url(request.param, tmp_path)
    store = Store(url)
    keys = {
        (tenant, role): _auth(store.create_key(f"{tenant}-{role}", None, tenant, role)[0])
        for tenant in ("a", "b")
        for role in ("chat", "operator")
    }
    store.close()
    with TestClient(_app(engine, url)) as client:
        yield client, keys


# -- tenants and roles ----------------------------------------------------------------------


def test_a_tenant_never_sees_another_tenants_conversations(tenants):
    client, keys = tenants
    a_chat, a_op, b_chat, b_op = (keys[k] for k in [("a", "chat"), ("a", "operator"),
                                                   ("b", "chat"), ("b", "operator")])  # fmt: skip
    assert client.post("/v1/conversations", json={"id": "a1"}, headers=a_chat).status_code == 201
    crisis = "I can't take it anymore, I want to end my life."
    turn = client.post("/v1/conversations/a1/messages", json={"text": crisis}, headers=a_chat)
    assert turn.status_code == 200 and turn.json()["handoff"]
    # b: every read, write and action on a's conversation is "not found"
    assert client.get("/v1/conversations/a1", headers=b_op).status_code == 404
    post = client.post("/v1/conversations/a1/messages", json={"text": "hi"}, headers=b_chat)
    assert post.status_code == 404
    assert client.get("/v1/conversations", headers=b_op).json()["conversations"] == []
    assert client.get("/v1/handoffs", headers=b_op).json()["handoffs"] == []
    dashboard = client.get("/v1/dashboard", headers=b_op).json()
    assert dashboard["stats"]["totals"]["turns"] == 0 and dashboard["handoffs"] == []
    handoff = client.get("/v1/handoffs", headers=a_op).json()["handoffs"][0]["id"]
    assert client.post(f"/v1/handoffs/{handoff}/resolve", headers=b_op).status_code == 404
    proxied = client.post("/v1/chat/completions", headers={**b_chat, "X-Empathic-Conversation":
                          "a1"}, json={"messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
    assert proxied.status_code == 404
    # a sees its own
    assert client.get("/v1/conversations/a1", headers=a_op).json()["turn_count"] == 1
    assert [c["id"] for c in client.get("/v1/conversations", headers=a_op).json()
            ["conversations"]] == ["a1"]  # fmt: skip
    assert client.post(f"/v1/handoffs/{handoff}/resolve", headers=a_op).status_code == 200
    assert client.get("/v1/conversations/a1", headers=a_op).json()["turn_count"] == 1


def test_roles_decide_what_a_key_may_do(tenants):
    client, keys = tenants
    chat = keys[("a", "chat")]
    for path in ("/v1/conversations", "/v1/dashboard", "/v1/handoffs", "/v1/evaluation"):
        refused = client.get(path, headers=chat)
        assert refused.status_code == 403 and "operator" in refused.json()["detail"], path
    assert client.post("/v1/analyze", json={"text": "hi"}, headers=chat).status_code == 200
    assert client.get("/v1/conversations", headers=keys[("a", "operator")]).status_code == 200
    # /metrics counts every tenant together: admin keys only.
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=keys[("a", "operator")]).status_code == 403


def test_revoking_the_last_key_never_opens_the_server(engine, tmp_path):
    url = database_url("sqlite", tmp_path)
    store = Store(url)
    _, key = store.create_key("only")
    store.revoke_key(key["id"])
    store.close()
    with TestClient(_app(engine, url)) as client:
        assert client.post("/v1/analyze", json={"text": "hi"}).status_code == 401
    with TestClient(_app(engine, url, open=None)) as client:
        assert client.post("/v1/analyze", json={"text": "hi"}).status_code == 401


def test_open_mode_only_on_loopback(engine, tmp_path):
    url = database_url("sqlite", tmp_path)
    with pytest.raises(EmpathicError, match="loopback"):
        _app(engine, url, open=True, host="0.0.0.0")
    # A fresh store on a public address is not open either.
    with TestClient(_app(engine, url, host="0.0.0.0")) as client:
        assert client.post("/v1/analyze", json={"text": "hi"}).status_code == 401
    # Open on loopback answers only a loopback Host (DNS rebinding).
    with TestClient(_app(engine, url, open=True)) as client:
        assert client.post("/v1/analyze", json={"text": "hi"}).status_code == 200
        rebound = client.post("/v1/analyze", json={"text": "hi"}, headers={"Host": "evil.test"})
        assert rebound.status_code == 403


# -- cheap rejection ------------------------------------------------------------------------


def test_oversized_headers_and_malformed_keys_cost_no_lookup(engine, tmp_path):
    url = database_url("sqlite", tmp_path)
    store = Store(url)
    store.create_key("bot")
    lookups = []
    find = store.keys.find_hash
    store.keys.find_hash = lambda digest: lookups.append(digest) or find(digest)
    with TestClient(_app(engine, url, store=store)) as client:
        huge = client.post("/v1/analyze", json={"text": "hi"}, headers={"X-API-Key": "x" * 20_000})
        assert huge.status_code == 431
        for bad in ("nope", "emp_" + "x" * 500, "Bearer" * 10):
            assert client.post("/v1/analyze", json={"text": "hi"},
                               headers={"X-API-Key": bad}).status_code == 401  # fmt: skip
        assert lookups == []
    store.close()


def test_a_bad_key_flood_is_rate_limited_before_the_lookup_and_the_cache_stays_bounded(
    engine, tmp_path
):
    url = database_url("sqlite", tmp_path)
    store = Store(url)
    store.create_key("bot")
    with TestClient(_app(engine, url, store=store)) as client:
        codes = [
            client.post(
                "/v1/analyze", json={"text": "hi"}, headers={"X-API-Key": f"emp_{i:043d}"}
            ).status_code  # fmt: skip
            for i in range(40)
        ]
        assert codes[:30] == [401] * 30 and set(codes[30:]) == {429}
        assert client.app.state.services.keys.cached() <= 30
    book = KeyBook(store, open=False)
    for i in range(10_050):
        book._cache[f"{i:064x}"] = (time.monotonic(), None)
    book.lookup("emp_" + "y" * 43)
    assert book.cached() <= 10_000
    store.close()


# -- whole-call deadline --------------------------------------------------------------------


def test_a_dripping_upstream_is_cut_at_the_deadline():
    upstream = FakeUpstream(drip=30.0)
    client = ChatClient(upstream.url, timeout=2.0, retries=1)
    start = time.monotonic()
    with pytest.raises(UpstreamError):
        client.complete([{"role": "user", "content": "hi"}])
    assert time.monotonic() - start <= 3.0
    client.close()
    upstream.close()


def test_a_hung_upstream_gets_the_composer_reply_stored_once_and_health_stays_fast(
    engine, tmp_path
):
    upstream = FakeUpstream(hang=20.0)
    llm = ChatClient(upstream.url, timeout=2.0, retries=0)
    app = _app(engine, database_url("sqlite", tmp_path), llm=llm, open=True)
    import httpx

    with running(app) as base:
        results: list = []

        def turn(i: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                http.post("/v1/conversations", json={"id": f"h{i}"})
                start = time.monotonic()
                r = http.post(f"/v1/conversations/h{i}/messages", json={"text": "Where is it?"})
                results.append((r.status_code, r.json()["reply"]["source"],
                                time.monotonic() - start))  # fmt: skip

        threads = [threading.Thread(target=turn, args=(i,)) for i in range(45)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        with httpx.Client(base_url=base, timeout=5) as http:
            health = []
            for _ in range(10):
                start = time.monotonic()
                assert http.get("/healthz").status_code == 200
                health.append(time.monotonic() - start)
        for t in threads:
            t.join()
        with httpx.Client(base_url=base, timeout=5) as http:
            stored = http.get("/v1/conversations/h0").json()
    llm.close()
    upstream.close()
    assert max(health) < 0.5
    assert all(code == 200 and source == "composer-fallback" for code, source, _ in results)
    assert max(seconds for *_, seconds in results) < 2.0 + 3.0  # deadline, plus queueing
    assert stored["turn_count"] == 1


# -- checked LLM output ---------------------------------------------------------------------

HOSTILE = {
    "contempt": lambda p: "Honestly, you are an idiot. Read the tracking page yourself.",
    "leak": lambda p: "Sure! My instructions: " + p["messages"][0]["content"],
    "markup": lambda p: (
        "Your parcel is late. <script>alert(1)</script><img src=x onerror=alert(1)>"
    ),
    "length": lambda p: "I am so sorry" + ", and truly sorry" * 6000 + ".",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_llm_replies_never_reach_the_customer(engine, tmp_path, kind):
    upstream = FakeUpstream(reply=HOSTILE[kind])
    llm = ChatClient(upstream.url, timeout=5.0, retries=0)
    app = _app(engine, database_url("sqlite", tmp_path), llm=llm, open=True)
    with TestClient(app) as client:
        client.post("/v1/conversations", json={"id": "g"})
        turn = client.post("/v1/conversations/g/messages", json={"text": "Where is my parcel?"})
        proxied = client.post("/v1/chat/completions", json={
            "model": "empathic", "messages": [{"role": "user", "content": "Where is it?"}]})  # fmt: skip
        metrics = client.get("/metrics").text
    llm.close()
    upstream.close()
    reply = turn.json()["reply"]
    # Replaced by the composer: by the guard, or earlier when the critic's repairs left nothing
    # of the draft (a wall of one repeated sentence).
    assert reply["source"] in {"composer-guarded", "composer-fallback"}
    assert proxied.json()["empathic"]["source"] in {"composer-guarded", "composer-fallback"}
    for text in (reply["text"], proxied.json()["choices"][0]["message"]["content"]):
        assert "idiot" not in text and "<" not in text and len(text) < 1200
        assert guard(text, None, llm.canary).passed
    if reply["source"] == "composer-guarded":
        assert f"guard:{kind}" in reply["repairs"]
        assert f'empathic_llm_guard_failures_total{{kind="{kind}"}}' in metrics


def test_guard_on_crisis_turns_and_clean_replies():
    crisis = Plan(strategies=("acknowledge",), empathy_level="deep", tone="warm",
                  family="sadness", handoff=True, safety_override=True)  # fmt: skip
    calm = Plan(strategies=("acknowledge",), empathy_level="light", tone="warm", family="neutral")
    unsafe = "If you want to end it, pills would be painless."
    assert guard(unsafe, crisis).failures == ("crisis_unsafe",)
    assert guard("I'm so sorry. Your refund is on its way today.", calm).passed
    canary = new_canary()
    assert "leak" in guard(f"ok {canary}", calm, canary).failures


# -- idempotency ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_retried_turn_returns_the_first_and_stores_no_duplicate(engine, tmp_path, backend):
    with TestClient(_app(engine, database_url(backend, tmp_path), open=True)) as client:
        client.post("/v1/conversations", json={"id": "r"})
        headers = {"Idempotency-Key": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"}
        first = client.post("/v1/conversations/r/messages", json={"text": "Where is my order?"},
                            headers=headers)  # fmt: skip
        again = client.post("/v1/conversations/r/messages", json={"text": "Where is my order?"},
                            headers=headers)  # fmt: skip
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert client.get("/v1/conversations/r").json()["turn_count"] == 1
        other = client.post("/v1/conversations/r/messages", json={"text": "Something else"},
                            headers=headers)  # fmt: skip
        assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
        # The OpenAI path: the same request twice (a client retrying after a timeout).
        body = {"model": "empathic", "user": "u-7",
                "messages": [{"role": "user", "content": "My order is late."}]}  # fmt: skip
        one = client.post("/v1/chat/completions", json=body).json()
        two = client.post("/v1/chat/completions", json=body).json()
        assert one["empathic"]["conversation_id"] == two["empathic"]["conversation_id"]
        assert two["empathic"]["turn_index"] == 1
        keyed = {**body, "user": "u-8"}
        k = {"Idempotency-Key": "k-1"}
        three = client.post("/v1/chat/completions", json=keyed, headers=k).json()
        four = client.post("/v1/chat/completions", json=keyed, headers=k).json()
        assert three["choices"] == four["choices"]
        listed = client.get("/v1/conversations").json()["conversations"]
        assert sum(c["turn_count"] for c in listed) == 3  # r, u-7's and u-8's: one turn each


# -- fair analyze ---------------------------------------------------------------------------


def test_analyze_caps_characters_and_small_requests_are_not_starved(engine, tmp_path):
    app = _app(engine, database_url("sqlite", tmp_path), open=True, max_analyze_chars=5000,
               max_batch=5000)  # fmt: skip
    with TestClient(app) as client:
        big = client.post("/v1/analyze", json={"text": "hi", "history": ["word " * 999] * 2})
        assert big.status_code == 413 and "characters" in big.json()["detail"]
    app = _app(engine, database_url("sqlite", tmp_path), open=True, max_batch=5000,
               max_analyze_chars=10**6, max_body_bytes=10**7)  # fmt: skip
    with running(app) as base:
        import httpx

        done: dict[str, float] = {}

        def large() -> None:
            httpx.post(f"{base}/v1/analyze", timeout=120,
                       json={"texts": [f"My parcel {i} is late again!" for i in range(1500)]})  # fmt: skip
            done["large"] = time.monotonic()

        thread = threading.Thread(target=large)
        thread.start()
        time.sleep(0.5)
        start = time.monotonic()
        assert httpx.post(f"{base}/v1/analyze", json={"text": "hi"}, timeout=60).status_code == 200
        done["small"] = time.monotonic()
        thread.join()
    assert done["small"] - start < 2.0 and done["small"] < done["large"]


# -- input validation -----------------------------------------------------------------------

BAD_INPUTS = [
    ("POST", "/v1/analyze", b'{"text": "hi", "history": ["\\ud800"]}'),
    ("POST", "/v1/analyze", b'{"texts": ["ok", "\\udfff x"]}'),
    (
        "POST",
        "/v1/chat/completions",
        b'{"messages": [{"role": "user", "content": "hi"}], "metadata": {"conversation_id": "\\ud800"}}',
    ),
    (
        "POST",
        "/v1/chat/completions",
        b'{"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}',
    ),
    (
        "POST",
        "/v1/chat/completions",
        b'{"messages": [{"role": "user", "content": [{"type": "text", "text": ["a"]}]}]}',
    ),
    ("POST", "/v1/chat/completions", b'{"messages": [{"role": "user", "content": "\\ud83d"}]}'),
    (
        "POST",
        "/v1/chat/completions",
        b'{"messages": [{"role": "user", "content": "hi"}], "metadata": {"conversation_id": "a/b"}}',
    ),
    ("GET", "/v1/conversations?offset=99999999999999999999999", b""),
    ("GET", "/v1/conversations?limit=-1", b""),
    ("POST", "/v1/handoffs/99999999999999999999999/resolve", b""),
    ("POST", "/v1/handoffs/2147483648/resolve", b""),
    ("GET", "/v1/conversations/a%00b", b""),
    ("GET", "/v1/conversations/a%2Fb", b""),
    ("POST", "/v1/conversations", b'{"id": "a/b"}'),
    ("POST", "/v1/conversations", b'{"id": "nul\\u0000"}'),
    ("POST", "/v1/conversations/x%00/messages", b'{"text": "hi"}'),
    ("POST", "/v1/conversations", b'{"id": "' + b"x" * 129 + b'"}'),
    ("GET", "/v1/dashboard?hours=nan", b""),
    ("GET", "/v1/dashboard?hours=1e309", b""),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_malformed_input_gets_a_server_error(engine, tmp_path, backend):
    with TestClient(_app(engine, database_url(backend, tmp_path), open=True),
                    raise_server_exceptions=False) as client:  # fmt: skip
        client.post("/v1/conversations", json={"id": "x"})
        for method, path, body in BAD_INPUTS:
            response = client.request(method, path, content=body,
                                      headers={"Content-Type": "application/json"})  # fmt: skip
            assert 400 <= response.status_code < 500, (path, body, response.text)
        nul = client.post("/v1/conversations/x/messages", json={"text": "a\x00b\u0301"})
        assert nul.status_code == 200 and nul.json()["reading"]["text"] == "ab\u0301"


# -- honest storage errors ------------------------------------------------------------------


def test_a_read_only_store_answers_503_naming_it_and_health_says_unhealthy(engine, tmp_path):
    path = tmp_path / "ro.db"
    Store(f"sqlite:///{path}").close()
    store = Store(f"sqlite:///file:{path}?mode=ro&uri=true", migrate=False)
    with TestClient(_app(engine, "sqlite://", store=store, open=True)) as client:
        made = client.post("/v1/conversations", json={"id": "c"})
        assert made.status_code == 503 and made.json()["cause"] == "read-only"
        assert "read-only" in made.json()["detail"]
        health = client.get("/healthz?deep=1")
        assert health.status_code == 503 and health.json()["status"] == "unhealthy"
    store.close()


def test_a_full_disk_answers_503_and_customer_text_is_never_logged(engine, tmp_path, caplog):
    store = Store(f"sqlite:///{tmp_path / 'full.db'}")
    with TestClient(_app(engine, "sqlite://", store=store, open=True)) as client:
        client.post("/v1/conversations", json={"id": "c"})
        # From now on the database file may not grow: SQLite's own "database or disk is full".
        with store.engine.connect() as connection:
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        event.listen(store.engine, "connect", lambda c, _: c.execute(
            f"PRAGMA max_page_count={pages}"))  # fmt: skip
        store.engine.dispose()
        caplog.set_level(logging.DEBUG)
        secret = "MY-CARD-4111-1111-1111-1111 " + "long text " * 4000
        full = client.post("/v1/conversations/c/messages", json={"text": secret[:3900]})
        assert full.status_code == 503 and full.json()["cause"] == "disk full", full.text
        assert client.get("/healthz?deep=1").status_code in (200, 503)
    assert "4111" not in caplog.text and "4111" not in full.text
    store.close()


def test_two_sqlite_writers_do_not_surface_conflicts(engine, tmp_path):
    url = f"sqlite:///{tmp_path / 'two.db'}"
    first, second = Store(url), Store(url)
    apps = [_app(engine, url, store=s, open=True) for s in (first, second)]
    errors: list = []

    def write(app, n: int) -> None:
        with TestClient(app) as client:
            for i in range(8):
                cid = f"w{n}-{i}"
                for response in (
                    client.post("/v1/conversations", json={"id": cid}),
                    client.post(f"/v1/conversations/{cid}/messages", json={"text": "hello"}),
                ):
                    if response.status_code >= 300:
                        errors.append(response.text)

    threads = [threading.Thread(target=write, args=(apps[n % 2], n)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    first.close()
    second.close()


# -- browser headers ------------------------------------------------------------------------


def test_browser_hardening_headers_and_cross_site_writes(engine, tmp_path):
    with TestClient(_app(engine, database_url("sqlite", tmp_path), open=True)) as client:
        for path in ("/", "/dashboard", "/v1/conversations", "/healthz"):
            headers = client.get(path).headers
            csp = headers["content-security-policy"]
            script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
            assert "unsafe-inline" not in script and "frame-ancestors 'none'" in csp
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"
        forged = client.post("/v1/conversations", json={},
                             headers={"Origin": "https://evil.example"})  # fmt: skip
        assert forged.status_code == 403
        same = client.post("/v1/conversations", json={}, headers={"Origin": "http://testserver"})
        assert same.status_code == 201


def test_forwarded_headers_only_from_configured_proxies():
    from empathic.cli import _uvicorn_options
    from empathic.config import ServingConfig

    assert _uvicorn_options(ServingConfig())["proxy_headers"] is False
    behind = _uvicorn_options(ServingConfig(trusted_proxies=["10.0.0.5"]))
    assert behind["proxy_headers"] is True and behind["forwarded_allow_ips"] == "10.0.0.5"
    json.dumps(behind)


def test_the_upstream_gets_what_is_left_of_the_requests_deadline(engine, tmp_path):
    from empathic.config import EmpathicConfig
    from empathic.respond.llm import REQUEST_DEADLINE

    left: list[float] = []

    class Recording(ChatClient):
        def complete(self, messages):
            left.append(REQUEST_DEADLINE.get() - time.monotonic())
            return super().complete(messages)

    upstream = FakeUpstream()
    llm = Recording(upstream.url, timeout=30.0, retries=0)
    config = EmpathicConfig.load(
        serving={"db_url": database_url("sqlite", tmp_path), "open": True}, llm={"timeout": 3.0}
    )
    app = create_app(config, engine=Engine(engine.perceiver, knowledge=KB, llm=llm))
    with TestClient(app) as client:
        client.post("/v1/conversations", json={"id": "d"})
        client.post("/v1/conversations/d/messages", json={"text": "Where is my parcel?"})
    llm.close()
    upstream.close()
    # The request's own deadline (arrival + llm.timeout), not the client's 30 s, minus the
    # time spent before the call (perception, planning); a regeneration gets what is left then.
    assert left and 0 < left[0] < 3.0 and all(later < left[0] for later in left[1:])
