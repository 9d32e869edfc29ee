"""The gate in front of the API: body size limit, API keys and per-key rate limits.

Keys are stored hashed (``empathic keys create NAME`` prints the secret once). Clients send it as
``Authorization: Bearer KEY`` (what OpenAI clients do) or ``X-API-Key: KEY``.
"""

from __future__ import annotations

import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from empathic.serve.problems import problem
from empathic.store import Store

_PROTECTED = ("/v1/",)
_KEY_CACHE_SECONDS = 30.0


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests, refilled continuously."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, per_minute: int) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        if per_minute <= 0:
            return 0.0
        now = time.monotonic()
        rate = per_minute / 60.0
        with self._lock:
            tokens, then = self._buckets.get(client, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - then) * rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > 100_000:  # forget idle clients rather than grow forever
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}
            return (1.0 - tokens) / rate


class KeyBook:
    """Looks keys up in the store, with a short cache so each request costs no query."""

    def __init__(self, store: Store, require: bool | None):
        self.store = store
        self.require = require
        self._cache: dict[str, tuple[float, dict | None]] = {}
        self._required: tuple[float, bool] = (0.0, False)

    def required(self) -> bool:
        if self.require is not None:
            return self.require
        checked, value = self._required
        if time.monotonic() - checked > 5.0:
            value = self.store.active_keys() > 0
            self._required = (time.monotonic(), value)
        return value

    def lookup(self, secret: str) -> dict | None:
        now = time.monotonic()
        hit = self._cache.get(secret)
        if hit and now - hit[0] < _KEY_CACHE_SECONDS:
            return hit[1]
        key = self.store.key_for(secret)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[secret] = (now, key)
        return key

    def forget(self) -> None:
        self._cache.clear()
        self._required = (0.0, False)


def _secret(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        elif name == b"x-api-key" and value.strip():
            return value.decode("latin-1").strip()
    return None


class Gate:
    """ASGI middleware: rejects oversized bodies (413), missing or bad keys (401) and clients over
    their rate (429) before any work is done; sets ``scope["state"]["api_key"]``."""

    def __init__(self, app: ASGIApp, keys: KeyBook, limiter: RateLimiter, rate_limit: int,
                 max_body_bytes: int):  # fmt: skip
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.rate_limit = rate_limit
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if scope["method"] != "OPTIONS" and path.startswith(_PROTECTED):
            key = None
            secret = _secret(scope)
            required = self.keys.required()
            if secret is not None:
                key = self.keys.lookup(secret)
                # On an open server an unknown key is ignored: a bot switching its base URL over
                # keeps sending its old upstream key.
                if key is None and required:
                    await problem(401, "The API key is not valid or was revoked. Create one with "
                                  "`empathic keys create NAME` and send it as "
                                  "'Authorization: Bearer KEY'.", path)(scope, receive, send)  # fmt: skip
                    return
            elif required:
                await problem(401, "This server requires an API key. Send it as 'Authorization: "
                              "Bearer KEY' or 'X-API-Key: KEY'; create one with "
                              "`empathic keys create NAME`.", path)(scope, receive, send)  # fmt: skip
                return
            scope.setdefault("state", {})["api_key"] = key
            if key is not None:
                client, limit = f"key:{key['id']}", key["rate_limit"] or self.rate_limit
            else:
                client, limit = f"addr:{(scope.get('client') or ('?', 0))[0]}", self.rate_limit
            wait = self.limiter.take(client, limit)
            if wait > 0:
                await problem(
                    429, f"Over the limit of {limit} requests per minute for this "
                    f"{'key' if key else 'client address'}; retry in {wait:.1f} s.", path,
                    headers={"Retry-After": str(max(1, round(wait)))},
                )(scope, receive, send)  # fmt: skip
                return
        headers = dict(scope.get("headers", ()))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        if declared is None and scope["method"] in {"POST", "PUT", "PATCH"}:
            # A chunked body: read it here, up to the limit, then hand it on.
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.max_body_bytes:
                    await self._too_large(scope, receive, send)
                    return
                if not message.get("more_body"):
                    break
            body = b"".join(chunks)
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await problem(
            413, f"The request body is over {self.max_body_bytes} bytes. Send fewer or shorter "
            "messages per request, or raise the server's limit (--max-body-bytes).", scope["path"],
        )(scope, receive, send)  # fmt: skip
