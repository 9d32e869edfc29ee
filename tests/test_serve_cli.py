"""`empathic serve` and `empathic keys` as a person runs them, and a SIGKILL loses no turn."""

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from typer.testing import CliRunner

from empathic.cli import app
from empathic.respond.local_llm import free_port
from empathic.store import Store


def test_keys_create_prints_the_key_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    result = CliRunner().invoke(app, ["keys", "create", "support-bot", "--db", url])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("emp_") and len(secret) > 30
    store = Store(url)
    assert store.key_for(secret)["name"] == "support-bot"
    store.close()
    listed = CliRunner().invoke(app, ["keys", "list", "--db", url])
    assert "support-bot" in listed.stdout and secret not in listed.stdout


def _start(url: str, port: int, *extra: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "empathic", "serve", "--port", str(port), "--db", url,
         "--knowledge", "demo", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    first = process.stdout.readline()
    assert f"http://127.0.0.1:{port}" in first, first + process.stderr.read()
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
            time.sleep(0.1)


def _post(port: int, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_serve_starts_prints_its_url_and_survives_sigkill(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    port = free_port()
    process = _start(url, port)
    try:
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
        assert "<title>empathic" in page
        _post(port, "/v1/conversations", {"id": "k1"})
        acknowledged = [
            _post(port, "/v1/conversations/k1/messages", {"text": f"message {i}: my order?"})
            for i in range(3)
        ]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert [t["index"] for t in acknowledged] == [1, 2, 3]
    port = free_port()
    process = _start(url, port)  # the same store after the kill
    try:
        turn = _post(port, "/v1/conversations/k1/messages", {"text": "message 3: hello?"})
        assert turn["index"] == 4
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/conversations/k1") as response:
            history = json.loads(response.read())
        assert [t["reading"]["text"].split(":")[0] for t in history["turns"]] == [
            f"message {i}" for i in range(4)
        ]
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_says_it_runs_open_on_a_fresh_machine_and_closes_once_a_key_exists(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    port = free_port()
    process = _start(url, port)
    try:
        assert _post(port, "/v1/analyze", {"text": "hi"})["readings"]
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "no API key exists yet" in process.stderr.read()
    made = CliRunner().invoke(app, ["keys", "create", "desk", "--db", url, "--tenant", "acme",
                                    "--role", "operator"])  # fmt: skip
    assert made.exit_code == 0, made.output
    listed = CliRunner().invoke(app, ["keys", "list", "--db", url]).stdout
    assert "acme\toperator\tactive" in listed
    CliRunner().invoke(app, ["keys", "revoke", "1", "--db", url])
    port = free_port()
    process = _start(url, port)  # the only key is revoked: still closed
    try:
        try:
            _post(port, "/v1/analyze", {"text": "hi"})
            raise AssertionError("a server whose keys were all revoked answered without a key")
        except urllib.error.HTTPError as refused:
            assert refused.code == 401
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "API keys required" in process.stderr.read()
    refused = subprocess.run(
        [sys.executable, "-m", "empathic", "serve", "--open", "--host", "0.0.0.0", "--db", url,
         "--port", str(free_port())], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode != 0 and "loopback" in refused.stderr


def test_several_workers_share_the_store_and_the_metrics(tmp_path):
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    port = free_port()
    process = _start(url, port, "--workers", "2")
    try:
        _post(port, "/v1/conversations", {"id": "w1"})
        indices = [
            _post(port, "/v1/conversations/w1/messages", {"text": f"message {i}: my order?"})[
                "index"
            ]
            for i in range(6)
        ]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
            metrics = response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert indices == [1, 2, 3, 4, 5, 6]
    turns = [line for line in metrics.splitlines() if line.startswith("empathic_turns_total{")]
    assert sum(float(line.split()[-1]) for line in turns) == 6  # counted across both workers
