"""The gate in front of the API: header and body size limits, API keys with their tenant and role,
rate limits, browser hardening headers and a cross-site check.

Keys are stored hashed (``empathic keys create NAME`` prints the secret once). Clients send it as
``Authorization: Bearer KEY`` (what OpenAI clients do) or ``X-API-Key: KEY``.

What is refused, in order, before any work: a request head over ``max_header_bytes`` (431); a
POST from a foreign browser origin (403); on a keyed server, a client address that sent too many
bad keys (429, with no lookup), a missing or malformed key (401, with no lookup), an unknown key
(401, one cached lookup); a key over its rate (429); a body over ``max_body_bytes`` (413).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from empathic.respond.llm import REQUEST_DEADLINE
from empathic.serve.problems import problem
from empathic.store import Store

# /metrics counts every tenant together: with keys, an admin key reads it.
_PROTECTED = ("/v1/", "/metrics")
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
    """FastAPI dependency: the caller, as the gate identified them (``Depends(principal)``).
    A route the gate did not admit (outside ``/v1/``) has no caller: NotAuthenticated (401)."""
    found = request.scope.get("state", {}).get("principal")
    if isinstance(found, Principal):
        return found
    raise NotAuthenticated()


class NotAuthenticated(Exception):
    """A route needing a caller was reached without the gate admitting one (401)."""

    def __init__(self) -> None:
        super().__init__("This route needs an API key (Authorization: Bearer KEY).")


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

    def dependency(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.may(role):
            raise Forbidden(role, who)
        return who

    return dependency


_KEY_CACHE_SECONDS = 30.0  # the default of serving.key_cache_seconds (empathic.config)
_KEY_CACHE_ENTRIES = 10_000  # keys remembered (by hash: 64 bytes each, whatever was sent)
# What ``empathic keys create`` makes: anything else is refused without a lookup.
_KEY_FORMAT = re.compile(r"emp_[A-Za-z0-9_-]{43}")
# Bad keys a client address may send per minute before it is refused without a lookup.
_BAD_KEYS_PER_MINUTE = 30
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# Host headers an open (loopback) server answers: a page on another site that rebinds its own
# name to 127.0.0.1 sends its own name, and is refused. "testserver" is Starlette's TestClient.
_OPEN_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1", "testserver"})
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
# No inline script anywhere (inline style only: the pages' layout attributes).
CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    b"form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages start Swagger UI / ReDoc from an inline script; they show
# only the schema, never stored data.
DOCS_CSP = CSP.replace(b"script-src 'self'", b"script-src 'self' 'unsafe-inline'")
_DOCS_PATHS = ("/docs", "/redoc")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name to listen on) is this machine only."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests, refilled continuously."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str, per_minute: int) -> float:
        """The seconds until ``client`` may go ahead (0: now), taking nothing."""
        if per_minute <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(client, (float(per_minute), now))
        tokens = min(float(per_minute), tokens + (now - then) * per_minute / 60.0)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / (per_minute / 60.0)

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
    """Looks keys up in the store, with a short cache so each request costs no query. The cache
    holds at most ``_KEY_CACHE_ENTRIES`` keys by their sha256 (not as sent), unknown ones too, so
    its memory is bounded whatever clients send. ``open`` as ServingConfig.open: True (no keys),
    False (keys), None (no keys until the store has had one; then keys for good)."""

    def __init__(
        self, store: Store, open: bool | None = False, cache_seconds: float = _KEY_CACHE_SECONDS
    ):
        self.store = store
        self.mode = open
        self.cache_seconds = cache_seconds  # serving.key_cache_seconds
        self._cache: OrderedDict[str, tuple[float, dict | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._fresh_checked = 0.0
        self._fresh = open is None

    @property
    def open(self) -> bool:
        """Whether requests go ahead without a key. With ``open=None``, until a key is ever made
        (checked every 2 seconds); after that never again, whatever is revoked."""
        if self.mode is not None:
            return self.mode
        if self._fresh and time.monotonic() - self._fresh_checked > 2.0:
            self._fresh_checked = time.monotonic()
            self._fresh = self.store.keys_ever() == 0
        return self._fresh

    def required(self) -> bool:
        """Keys are required unless the server is open; revoking keys never reopens it."""
        return not self.open

    def lookup(self, secret: str) -> dict | None:
        """The active key with this secret, or None (a malformed one without a lookup)."""
        if not _KEY_FORMAT.fullmatch(secret):
            return None
        digest = hashlib.sha256(secret.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
            if hit and now - hit[0] < self.cache_seconds:
                self._cache.move_to_end(digest)
                return hit[1]
        key = self.store.keys.find_hash(digest)
        with self._lock:
            self._cache[digest] = (now, key)
            self._cache.move_to_end(digest)
            while len(self._cache) > _KEY_CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return key

    def cached(self) -> int:
        return len(self._cache)

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


def _secret(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        elif name == b"x-api-key" and value.strip():
            return value.decode("latin-1").strip()
    return None


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return value.decode("latin-1")
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


def _hardened(scope: Scope, send: Send) -> Send:
    """``send`` adding the browser hardening headers to the response (unless already set)."""
    csp = DOCS_CSP if scope["path"].startswith(_DOCS_PATHS) else CSP

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            for name, value in (*SECURITY_HEADERS, (b"content-security-policy", csp)):
                if name not in present:
                    headers.append((name, value))
            message = {**message, "headers": headers}
        await send(message)

    return sending


class Gate:
    """ASGI middleware: refuses what it can before any work (see the module docstring); sets
    ``scope["state"]["principal"]`` (and ``["api_key"]``) for the routes."""

    def __init__(self, app: ASGIApp, keys: KeyBook, limiter: RateLimiter, rate_limit: int,
                 max_body_bytes: int, max_header_bytes: int = 16_384,
                 cors_origins: tuple[str, ...] | list[str] = (),
                 deadline_s: float | None = None):  # fmt: skip
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.rate_limit = rate_limit
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.cors_origins = frozenset(cors_origins)
        self.deadline_s = deadline_s  # llm.timeout: the whole request's budget for the upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _hardened(scope, send)
        if self.deadline_s is not None:  # seen by ChatClient in this request's worker thread
            REQUEST_DEADLINE.set(time.monotonic() + self.deadline_s)
        refusal = self._head(scope)
        if (
            refusal is None
            and scope["method"] != "OPTIONS"
            and scope["path"].startswith(_PROTECTED)
        ):
            refusal = self._admit(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self._pass_body(scope, receive, send)

    def _head(self, scope: Scope) -> Response | None:
        """431 for an oversized request head; 403 for a cross-site write or, on an open server,
        a foreign Host (DNS rebinding)."""
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        size += sum(len(n) + len(v) + 4 for n, v in scope.get("headers", ()))
        if size > self.max_header_bytes:
            return problem(431, f"The request's headers are over {self.max_header_bytes} bytes; "
                           "send fewer or shorter headers (an API key has 47 characters).",
                           scope["path"])  # fmt: skip
        host = (_header(scope, b"host") or "").lower()
        if (
            self.keys.open
            and host
            and host.rsplit(":", 1)[0] not in _OPEN_HOSTS
            and not (host.startswith("[::1]"))
        ):
            return problem(403, f"This server runs open (no API keys) for this machine only and "
                           f"answers Host 127.0.0.1 or localhost, not {host[:80]!r}.",
                           scope["path"])  # fmt: skip
        if scope["method"] in {"POST", "PUT", "PATCH", "DELETE"}:
            origin = _header(scope, b"origin")
            if origin and origin != "null" and origin not in self.cors_origins:
                same = origin.split("://", 1)[-1].lower() == host
                if not same:
                    return problem(403, f"A page on {origin[:80]!r} may not send requests here "
                                   "(cross-site request). Allow the origin with --cors-origin.",
                                   scope["path"])  # fmt: skip
            elif origin == "null":
                return problem(403, "A request from an opaque origin (a sandboxed page or a "
                               "file) may not write here.", scope["path"])  # fmt: skip
        return None

    def _admit(self, scope: Scope) -> Response | None:
        """None when an API request may go ahead (its caller is put in
        ``scope["state"]["principal"]``); otherwise the 401 or 429 answer."""
        key, refusal = self._identify(scope)
        if refusal is not None:
            return refusal
        state = scope.setdefault("state", {})
        state["api_key"] = key
        state["principal"] = (
            Principal(key["tenant"], key["role"], key["id"]) if key else OPEN_PRINCIPAL
        )
        return self._over_rate(scope, key)

    def _address(self, scope: Scope) -> str:
        return (scope.get("client") or ("?", 0))[0]

    def _identify(self, scope: Scope) -> tuple[dict | None, Response | None]:
        """The caller's key (None on an open server) and, when it has no valid one, the 401
        answer; 429 for an address that sent too many bad keys (no lookup is made for it)."""
        path = scope["path"]
        if self.keys.open:
            return None, None
        secret = _secret(scope)
        if secret is None:
            return None, problem(401, "This server requires an API key. Send it as "
                                 "'Authorization: Bearer KEY' or 'X-API-Key: KEY'; create one "
                                 "with `empathic keys create NAME`.", path)  # fmt: skip
        failures = f"bad:{self._address(scope)}"
        wait = self.limiter.wait(failures, _BAD_KEYS_PER_MINUTE)
        if wait > 0:
            return None, problem(
                429, f"Too many requests with keys that are not valid from this address; retry "
                f"in {wait:.1f} s.", path, headers={"Retry-After": str(max(1, round(wait)))},
            )  # fmt: skip
        key = self.keys.lookup(secret)
        if key is None:
            self.limiter.take(failures, _BAD_KEYS_PER_MINUTE)
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
            client, limit = f"addr:{self._address(scope)}", self.rate_limit
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
