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

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
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

    async def request(self, method: str, path: str, body: dict | None = None,
                      timeout: float = 30.0) -> tuple[int, bytes]:  # fmt: skip
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(payload)}\r\n"
                "Content-Type: application/json\r\n\r\n").encode()  # fmt: skip
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--postgres", default=os.environ.get("EMPATHIC_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL for the conversation test (its tables are reused)")  # fmt: skip
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else 15.0
    turns = 5 if args.quick else 20
    work = Path(tempfile.mkdtemp(prefix="empathic-bench-"))
    sqlite = f"sqlite:///{work / 'bench.db'}"
    figures: dict = {}

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
        "clients": args.clients,
        "workers": args.workers,
        "quick": args.quick,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
