"""The gate in front of the API: body size limit, API keys and per-key rate limits.

Keys are stored hashed (``empathic keys create NAME`` prints the secret once). Clients send it as
``Authorization: Bearer KEY`` (what OpenAI clients do) or ``X-API-Key: KEY``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal

from fastapi import Depends, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from empathic.serve.problems import problem
from empathic.store import Store

_PROTECTED = ("/v1/",)
Role = Literal["chat", "operator", "admin"]
# Each role may do what the roles before it may: chat sends turns and analyses; operator also
# reads conversations, the dashboard and acts on hand-offs; admin also manages keys.
ROLES: tuple[Role, ...] = ("chat", "operator", "admin")
DEFAULT_TENANT = "default"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant whose data they may see, their role, and their key's id
    (None on an open server, where the caller is the default tenant's admin)."""

    tenant: str
    role: Role
    key_id: int | None = None

    def may(self, role: Role) -> bool:
        """Whether this caller has ``role`` or a role above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


OPEN_PRINCIPAL = Principal(DEFAULT_TENANT, "admin", None)


def principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, as the gate identified them (``Depends(principal)``)."""
    found = request.scope.get("state", {}).get("principal")
    if isinstance(found, Principal):
        return found
    key = request.scope.get("state", {}).get("api_key")
    if key:
        return Principal(key.get("tenant") or DEFAULT_TENANT, key.get("role") or "admin", key["id"])
    return OPEN_PRINCIPAL


class Forbidden(Exception):
    """The caller's role may not do this (403)."""

    def __init__(self, needed: Role, who: Principal):
        super().__init__(
            f"This needs the {needed!r} role; the key {who.key_id} has {who.role!r}. Ask an "
            f"admin for a key with that role (`empathic keys create NAME --role {needed}`)."
        )


def require(role: Role):
    """FastAPI dependency factory: the caller, when they have ``role`` (or above); else 403.
    Use as ``who: Principal = Depends(require("operator"))``."""

    def dependency(who: Principal = Depends(principal)) -> Principal:
        if not who.may(role):
            raise Forbidden(role, who)
        return who

    return dependency
_KEY_CACHE_SECONDS = 30.0  # the default of serving.key_cache_seconds (empathic.config)


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

    def __init__(
        self, store: Store, require: bool | None, cache_seconds: float = _KEY_CACHE_SECONDS
    ):
        self.store = store
        self.require = require
        self.cache_seconds = cache_seconds  # serving.key_cache_seconds
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
        if hit and now - hit[0] < self.cache_seconds:
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


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` (already read) once, then defers to ``receive``."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


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
        if scope["method"] != "OPTIONS" and scope["path"].startswith(_PROTECTED):
            refusal = self._admit(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self._pass_body(scope, receive, send)

    def _admit(self, scope: Scope) -> Response | None:
        """None when an API request may go ahead (its key, or None, is put in
        ``scope["state"]["api_key"]``); otherwise the 401 or 429 answer."""
        key, refusal = self._identify(scope)
        if refusal is not None:
            return refusal
        scope.setdefault("state", {})["api_key"] = key
        return self._over_rate(scope, key)

    def _identify(self, scope: Scope) -> tuple[dict | None, Response | None]:
        """The caller's key (None without one) and, when keys are required and the request has
        no valid one, the 401 answer. On an open server an unknown key is ignored: a bot
        switching its base URL over keeps sending its old upstream key."""
        path = scope["path"]
        secret = _secret(scope)
        required = self.keys.required()
        if secret is None:
            if required:
                return None, problem(401, "This server requires an API key. Send it as "
                                     "'Authorization: Bearer KEY' or 'X-API-Key: KEY'; create one "
                                     "with `empathic keys create NAME`.", path)  # fmt: skip
            return None, None
        key = self.keys.lookup(secret)
        if key is None and required:
            return None, problem(401, "The API key is not valid or was revoked. Create one with "
                                 "`empathic keys create NAME` and send it as "
                                 "'Authorization: Bearer KEY'.", path)  # fmt: skip
        return key, None

    def _over_rate(self, scope: Scope, key: dict | None) -> Response | None:
        """The 429 answer when this key (or, without one, this client address) is over its
        requests per minute; None otherwise."""
        if key is not None:
            client, limit = f"key:{key['id']}", key["rate_limit"] or self.rate_limit
        else:
            client, limit = f"addr:{(scope.get('client') or ('?', 0))[0]}", self.rate_limit
        wait = self.limiter.take(client, limit)
        if wait <= 0:
            return None
        return problem(
            429, f"Over the limit of {limit} requests per minute for this "
            f"{'key' if key else 'client address'}; retry in {wait:.1f} s.", scope["path"],
            headers={"Retry-After": str(max(1, round(wait)))},
        )  # fmt: skip

    async def _pass_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hands the request on unless its body is over ``max_body_bytes`` (413): as declared by
        Content-Length or, for a chunked body, as counted while it is read here."""
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        if declared is None and scope["method"] in {"POST", "PUT", "PATCH"}:
            body = await self._read_body(receive)
            if body is None:
                await self._too_large(scope, receive, send)
                return
            await self.app(scope, _replay(body, receive), send)
            return
        await self.app(scope, receive, send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        """A chunked body read up to the limit; None once it goes over."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body"):
                break
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await problem(
            413, f"The request body is over {self.max_body_bytes} bytes. Send fewer or shorter "
            "messages per request, or raise the server's limit (--max-body-bytes).", scope["path"],
        )(scope, receive, send)  # fmt: skip
