"""The OpenAI-compatible endpoint, driven by the official openai client against a real server."""

import http.server
import json
import threading

import httpx
import openai
import pytest
from serve_support import database_url, running

from empathic.engine import Engine
from empathic.respond.llm import ChatClient
from empathic.respond.local_llm import free_port
from empathic.serve import Settings, create_app
from empathic.store import Store


@pytest.fixture(scope="module")
def server(engine, tmp_path_factory):
    url = database_url("sqlite", tmp_path_factory.mktemp("openai"))
    app = create_app(Settings(db_url=url, require_keys=False),
                     engine=Engine(engine.perceiver, knowledge="demo"))  # fmt: skip
    with running(app) as base:
        yield base, url


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=f"{server[0]}/v1", api_key="unused", max_retries=0)


def test_non_streaming(client):
    completion = client.chat.completions.create(
        model="empathic",
        messages=[{"role": "system", "content": "You are the shop's assistant."},
                  {"role": "user", "content": "My parcel is two weeks late and nobody answers!"}],
    )  # fmt: skip
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content.strip()
    assert completion.choices[0].finish_reason == "stop"
    extra = completion.model_extra["empathic"]
    assert extra["reading"]["text"].startswith("My parcel")
    assert extra["plan"]["strategies"] and extra["checks"]
    assert extra["source"] == "composer" and extra["turn_index"] == 1


def test_streaming_chunks_parse(client):
    stream = client.chat.completions.create(
        model="empathic",
        messages=[{"role": "user", "content": "Hi! Do you ship to Ireland?"}],
        stream=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text.strip()
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert len(chunks) > 3
    assert chunks[-1].model_extra["empathic"]["reading"]["intent"]
    assert all(c.id == chunks[0].id for c in chunks)


def test_resending_the_conversation_continues_it(client):
    messages = [{"role": "user", "content": "My refund still has not arrived."}]
    first = client.chat.completions.create(model="empathic", messages=messages)
    messages += [
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "It has been three weeks. This is ridiculous!"},
    ]
    second = client.chat.completions.create(model="empathic", messages=messages)
    one, two = first.model_extra["empathic"], second.model_extra["empathic"]
    assert two["conversation_id"] == one["conversation_id"] and two["turn_index"] == 2
    # an explicit id wins
    pinned = client.chat.completions.create(
        model="empathic", messages=messages[-1:], extra_headers={"X-Empathic-Conversation": "mine"}
    )
    assert pinned.model_extra["empathic"]["conversation_id"] == "mine"


def test_a_resent_transcript_never_joins_a_conversation_that_moved_on(client):
    opening = [{"role": "user", "content": "Hello, I have a question about my invoice."}]
    first = client.chat.completions.create(model="empathic", messages=opening)
    shared = [*opening, {"role": "assistant", "content": first.choices[0].message.content}]
    mine = client.chat.completions.create(
        model="empathic", messages=[*shared, {"role": "user", "content": "It shows VAT twice."}]
    )
    # Someone else (or a retry) sends the same transcript with another message.
    other = client.chat.completions.create(
        model="empathic", messages=[*shared, {"role": "user", "content": "Where is my parcel?"}]
    )
    conversation = mine.model_extra["empathic"]["conversation_id"]
    assert conversation == first.model_extra["empathic"]["conversation_id"]
    assert other.model_extra["empathic"]["conversation_id"] != conversation
    with httpx.Client() as http:
        history = http.get(f"{str(client.base_url).rstrip('/')}/conversations/{conversation}")
    assert [t["reading"]["text"] for t in history.json()["turns"]] == [
        "Hello, I have a question about my invoice.",
        "It shows VAT twice.",
    ]


def test_client_errors(client):
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(
            model="gpt-unknown", messages=[{"role": "user", "content": "x"}]
        )
    assert "GET /v1/models" in str(missing.value)
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(
            model="empathic", messages=[{"role": "assistant", "content": "hello"}]
        )
    assert [m.id for m in client.models.list()] == ["empathic"]


def test_api_keys_with_the_openai_client(engine, tmp_path):
    url = database_url("sqlite", tmp_path)
    store = Store(url)
    secret, _ = store.create_key("bot")
    app = create_app(Settings(db_url=url), engine=Engine(engine.perceiver))
    with running(app) as base:
        good = openai.OpenAI(base_url=f"{base}/v1", api_key=secret, max_retries=0)
        reply = good.chat.completions.create(
            model="empathic", messages=[{"role": "user", "content": "hello"}]
        )
        assert reply.choices[0].message.content
        bad = openai.OpenAI(base_url=f"{base}/v1", api_key="emp_wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad.chat.completions.create(
                model="empathic", messages=[{"role": "user", "content": "x"}]
            )
    store.close()


class _Upstream(http.server.BaseHTTPRequestHandler):
    """A stand-in LLM that records what it was asked and answers politely."""

    seen: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(payload)
        reply = ("I'm sorry the parcel is late, that is frustrating. I have checked: it is at the "
                 "depot and will be delivered tomorrow, and I'll email you the tracking link.")  # fmt: skip
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": reply}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def test_proxy_steers_the_upstream(engine, tmp_path):
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    llm = ChatClient(f"http://127.0.0.1:{upstream.server_address[1]}/v1", model="small-llm",
                     timeout=5, retries=0)  # fmt: skip
    app = create_app(Settings(db_url=database_url("sqlite", tmp_path)),
                     engine=Engine(engine.perceiver, llm=llm))  # fmt: skip
    with running(app) as base:
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
        completion = client.chat.completions.create(
            model="small-llm",
            messages=[{"role": "user", "content": "My parcel is a week late, where is it??"}],
        )
    upstream.shutdown()
    assert "depot" in completion.choices[0].message.content
    assert completion.model_extra["empathic"]["source"] == "llm"
    system = _Upstream.seen[0]["messages"][0]
    plan = completion.model_extra["empathic"]["plan"]
    assert system["role"] == "system" and "Do these, in order" in system["content"]
    assert f"Empathy level: {plan['empathy_level']}" in system["content"]
    assert _Upstream.seen[0]["messages"][-1]["content"].startswith("My parcel")
