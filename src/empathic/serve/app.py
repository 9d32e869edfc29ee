"""The FastAPI app factory: ``create_app(EmpathicConfig.load())`` is the whole service."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from empathic.config import EmpathicConfig, ServingConfig, worker_config
from empathic.engine import Engine
from empathic.errors import EmpathicError, InputError
from empathic.perceive import Perceiver
from empathic.respond.llm import open_llm
from empathic.serve import api, openai_compat, operator
from empathic.serve.auth import (
    Forbidden,
    Gate,
    KeyBook,
    NotAuthenticated,
    Principal,
    RateLimiter,
    is_loopback,
    require,
)
from empathic.serve.batcher import AnalyzeBatcher
from empathic.serve.conversations import Conversations
from empathic.serve.docs import add_offline_docs
from empathic.serve.metrics import Metrics
from empathic.serve.problems import problem
from empathic.store import ConflictError, IdempotencyConflict, StorageError, Store

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("empathic.serve")

DESCRIPTION = """\
empathic's HTTP API. Every error is `application/problem+json` (RFC 9457) with a `detail` that
says what to change. Send an API key (`empathic keys create NAME --tenant T --role R`) as
`Authorization: Bearer KEY` or `X-API-Key: KEY`; a key sees only its tenant's conversations, and
its role (chat < operator < admin) decides what it may do. Turn and completion requests accept
an `Idempotency-Key` header: a retry returns the first answer and stores nothing twice. `/v1/chat/completions` is OpenAI-compatible;
what empathic adds (reading, plan, checks, hand-off) is under the `empathic` key of the response
(and of the last chunk when streaming).
"""


@dataclass
class Services:
    settings: ServingConfig
    engine: Engine
    store: Store
    metrics: Metrics
    conversations: Conversations
    batcher: AnalyzeBatcher
    keys: KeyBook
    model_names: tuple[str, ...]
    closers: tuple
    config: EmpathicConfig | None = None


def build_engine(
    config: EmpathicConfig, perceiver: Perceiver | None = None
) -> tuple[Engine, tuple]:
    """The engine the configuration describes, and what must be closed with it."""
    closers: list = []
    client, server = open_llm(config.llm, retries=config.serving.upstream_retries)
    if server is not None:
        closers.append(server)
    if client is not None:
        closers.append(client)
    if perceiver is None:
        from empathic.perceive.encoder import Encoder

        encoder = Encoder(threads=config.serving.encoder_threads)
        perceiver = Perceiver(encoder, config=config.perception)
    engine = Engine(perceiver, llm=client, config=config)
    return engine, tuple(closers)


class _Timing:
    """Counts requests and their latency by route template (not by raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(name, str(status)).inc()
            self.metrics.request_latency.labels(name).observe(time.perf_counter() - start)


def create_app_from_environment() -> FastAPI:
    """The app for uvicorn's worker processes (``empathic serve --workers N``): the
    configuration comes from ``empathic.config.worker_config`` (JSON the parent process left)."""
    return create_app(worker_config())


def create_app(settings: EmpathicConfig | ServingConfig | None = None,
               engine: Engine | None = None, store: Store | None = None) -> FastAPI:  # fmt: skip
    """The service. ``settings`` is a whole ``EmpathicConfig`` or only its ``serving`` section
    (the rest then comes from the environment and ``EMPATHIC_CONFIG``); by default
    ``EmpathicConfig.load()``. Pass ``engine`` or ``store`` to share them (tests); otherwise they
    are built from the configuration and closed with the app. The schema is migrated to head on
    creation."""
    config = _as_config(settings)
    services, own_store = _services(config, engine, store)
    app = FastAPI(
        title="empathic", version="0.1.0", description=DESCRIPTION,
        lifespan=_lifespan(services, own_store), docs_url=None, redoc_url=None,
        openapi_url="/openapi.json",
    )  # fmt: skip
    app.state.services = services
    add_offline_docs(app)  # /docs and /redoc from packaged assets, before the /static mount
    app.include_router(api.router)
    app.include_router(openai_compat.router)
    app.include_router(operator.router)
    _add_error_handlers(app)
    app.include_router(_ops)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_middleware(app, services)
    return app


def _as_config(settings: EmpathicConfig | ServingConfig | None) -> EmpathicConfig:
    """A whole configuration from what ``create_app`` was given."""
    if isinstance(settings, EmpathicConfig):
        return settings
    if settings is None:
        return EmpathicConfig.load()
    return EmpathicConfig.load(serving=settings)


def _services(
    config: EmpathicConfig, engine: Engine | None, store: Store | None
) -> tuple[Services, bool]:
    """The app's shared objects, and whether the store is the app's own to close."""
    settings = config.serving
    closers: tuple = ()
    own_store = store is None
    open_mode = settings.open
    if open_mode is None and settings.require_keys is not None:  # the deprecated name
        open_mode = not settings.require_keys
    if not is_loopback(settings.host):
        if open_mode:
            raise EmpathicError(
                f"open mode (no API keys) is only for a loopback host, not {settings.host!r}: "
                "create a key with `empathic keys create NAME` and drop --open"
            )
        open_mode = False  # beyond this machine keys are always required
    store = store or Store(settings.db_url)
    if engine is None:
        engine, closers = build_engine(config)
    metrics = Metrics()
    keys = KeyBook(store, open_mode, settings.key_cache_seconds)
    names: tuple[str, ...] = (openai_compat.MODEL_NAME,)
    llm_model = getattr(engine.llm, "model", None)
    if isinstance(llm_model, str) and llm_model not in names:
        names = (*names, llm_model)
    services = Services(
        settings, engine, store, metrics, Conversations(engine, store, metrics),
        AnalyzeBatcher(engine, threads=settings.analyze_threads), keys, names, closers, config,
    )  # fmt: skip
    return services, own_store


def _lifespan(services: Services, own_store: bool):
    """Closes what the app owns when it stops."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        services.batcher.close()
        for closer in services.closers:
            closer.close()
        if own_store:
            services.store.close()

    return lifespan


async def _invalid(request: Request, exc: Exception) -> Response:
    """422 for a body that does not match the schema; 400 for one that is not JSON; 415 for a
    POST that is not sent as JSON."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        where = next(e for e in errors if e.get("type") == "json_invalid")
        return problem(400, "The body is not valid JSON "
                       f"({where.get('ctx', {}).get('error', 'parse error')} at position "
                       f"{where.get('loc', ('body', '?'))[-1]}). Send a JSON object with "
                       "'Content-Type: application/json'.", request.url.path)  # fmt: skip
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and "json" not in content_type:
        return problem(415, f"The body was sent as {content_type or 'no content type'!r}; "
                       "send JSON with 'Content-Type: application/json'.", request.url.path)  # fmt: skip
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "detail": e.get("msg", "")}
        for e in errors
    ]
    summary = "; ".join(f"{f['field']}: {f['detail']}" for f in fields[:5])
    return problem(422, f"The request does not match the schema: {summary}. "
                   "See /docs for the expected body.", request.url.path, errors=fields)  # fmt: skip


async def _http(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors as problems, with a hint for an unknown route or method."""
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404:
        detail = f"No route {request.method} {request.url.path}. The API is listed at /docs."
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs."
    headers = dict(exc.headers) if exc.headers else None
    return problem(exc.status_code, detail, request.url.path, headers=headers)


async def _input(request: Request, exc: Exception) -> Response:
    """A message the engine cannot read: 422 with what is wrong."""
    return problem(422, str(exc), request.url.path)


async def _forbidden(request: Request, exc: Exception) -> Response:
    """A caller whose role may not do this: 403; no caller at all: 401."""
    return problem(401 if isinstance(exc, NotAuthenticated) else 403, str(exc), request.url.path)


async def _conflict(request: Request, exc: Exception) -> Response:
    """A write that lost a race or repeats an id: 409; an Idempotency-Key reused for another
    request: 422."""
    return problem(422 if isinstance(exc, IdempotencyConflict) else 409, str(exc),
                   request.url.path)  # fmt: skip


async def _storage(request: Request, exc: Exception) -> Response:
    """The store cannot write or be reached: 503 naming the cause (disk full, read-only...)."""
    assert isinstance(exc, StorageError)
    log.error("store %s on %s", exc.cause, request.url.path)
    request.app.state.services.metrics.storage_errors.labels(exc.cause).inc()
    retry = {"Retry-After": "1"} if exc.cause == "busy" else {"Retry-After": "30"}
    return problem(503, f"The store is {exc.cause}; nothing was stored. "
                   + _STORAGE_HINTS.get(exc.cause, ""), request.url.path, headers=retry,
                   cause=exc.cause)  # fmt: skip


_STORAGE_HINTS = {
    "disk full": "The database's disk has no space left; an operator must free some.",
    "read-only": "The database is read-only (file permissions, a read-only mount or a standby "
    "server); an operator must make it writable.",
    "busy": "Another writer holds the database; retry in a moment.",
    "unavailable": "The database cannot be reached; retry later.",
}


async def _empathic(request: Request, exc: Exception) -> Response:
    """An engine failure: 502 when the upstream LLM failed, else 500."""
    return problem(502 if "upstream" in str(exc).lower() else 500, str(exc), request.url.path)


async def _crash(request: Request, exc: Exception) -> Response:
    """Anything else: logged, and a 500 that says so."""
    log.exception("unhandled error on %s", request.url.path)
    return problem(500, f"The server failed on this request ({type(exc).__name__}); it was "
                   "logged. Retry, and report it if it happens again.", request.url.path)  # fmt: skip


def _add_error_handlers(app: FastAPI) -> None:
    """Every error as ``application/problem+json`` (RFC 9457)."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(InputError, _input)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(NotAuthenticated, _forbidden)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(StorageError, _storage)
    app.add_exception_handler(EmpathicError, _empathic)
    app.add_exception_handler(Exception, _crash)


_ops = APIRouter()


@_ops.get("/healthz", summary="Liveness; ?deep=1 also checks that the store can write",
          tags=["ops"])  # fmt: skip
async def healthz(request: Request, deep: bool = False):
    # async, so it answers on the event loop even when every worker thread waits on an upstream.
    services: Services = request.app.state.services
    store = services.store
    body: dict[str, object] = {"status": "ok", "store": "sqlite" if store.is_sqlite else "postgresql",
            "upstream_llm": services.engine.llm is not None}  # fmt: skip
    if deep:
        from starlette.concurrency import run_in_threadpool

        try:
            body["schema"] = await run_in_threadpool(store.schema_revision)
            await run_in_threadpool(store.probe_write)
        except StorageError as exc:
            return JSONResponse({**body, "status": "unhealthy", "cause": exc.cause,
                                 "detail": f"the store is {exc.cause}"}, status_code=503)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - any store failure means not healthy
            log.error("deep health check failed: %s", type(exc).__name__)
            return JSONResponse({**body, "status": "unhealthy", "cause": "unavailable",
                                 "detail": f"the store failed ({type(exc).__name__})"},
                                status_code=503)  # fmt: skip
    return body


@_ops.get("/metrics", summary="Prometheus metrics", tags=["ops"])
async def prometheus(request: Request, who: Annotated[Principal, Depends(require("admin"))]):
    # Counters over every tenant: an admin key (Prometheus sends it as a bearer token).
    metrics: Metrics = request.app.state.services.metrics
    return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


@_ops.get("/", include_in_schema=False)
def chat_page():
    return FileResponse(STATIC / "chat.html")


@_ops.get("/dashboard", include_in_schema=False)
def dashboard_page():
    return FileResponse(STATIC / "dashboard.html")


def _add_middleware(app: FastAPI, services: Services) -> None:
    """The gate (body size, keys, rates), CORS when origins are allowed, and request timing."""
    settings = services.settings
    app.add_middleware(
        Gate, keys=services.keys, limiter=RateLimiter(), rate_limit=settings.rate_limit,
        max_body_bytes=settings.max_body_bytes, max_header_bytes=settings.max_header_bytes,
        cors_origins=tuple(settings.cors_origins),
        deadline_s=services.config.llm.timeout if services.config else None,
    )  # fmt: skip
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Empathic-Conversation",
                           "Idempotency-Key"],
        )  # fmt: skip
    app.add_middleware(_Timing, metrics=services.metrics)
