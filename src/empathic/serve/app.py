"""The FastAPI app factory: ``create_app(Settings())`` is the whole service."""

from __future__ import annotations

import json
import logging
import os
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from empathic.engine import Engine
from empathic.errors import EmpathicError, InputError
from empathic.serve import api, openai_compat
from empathic.serve.auth import Gate, KeyBook, RateLimiter
from empathic.serve.batcher import AnalyzeBatcher
from empathic.serve.conversations import Conversations
from empathic.serve.metrics import Metrics
from empathic.serve.problems import problem
from empathic.serve.settings import Settings
from empathic.store import ConflictError, Store

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("empathic.serve")

DESCRIPTION = """\
empathic's HTTP API. Every error is `application/problem+json` (RFC 9457) with a `detail` that
says what to change. When the server has API keys (`empathic keys create NAME`), send one as
`Authorization: Bearer KEY` or `X-API-Key: KEY`. `/v1/chat/completions` is OpenAI-compatible;
what empathic adds (reading, plan, checks, hand-off) is under the `empathic` key of the response
(and of the last chunk when streaming).
"""


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: Store
    metrics: Metrics
    conversations: Conversations
    batcher: AnalyzeBatcher
    keys: KeyBook
    model_names: tuple[str, ...]
    closers: tuple


def build_engine(settings: Settings, perceiver=None) -> tuple[Engine, tuple]:
    """The engine the settings describe, and what must be closed with it."""
    from empathic.respond.llm import ChatClient

    closers: list = []
    client = None
    if settings.model:
        from empathic.respond.local_llm import LocalLlamaServer

        server = LocalLlamaServer(settings.model)
        closers.append(server)
        client = ChatClient(server.url, timeout=settings.upstream_timeout, retries=0)
    elif settings.backend:
        client = ChatClient(settings.backend, model=settings.backend_model,
                            api_key=settings.backend_api_key, timeout=settings.upstream_timeout,
                            retries=0)  # fmt: skip
    if client is not None:
        closers.append(client)
    if perceiver is None:
        from empathic.perceive import Perceiver
        from empathic.perceive.encoder import Encoder

        perceiver = Perceiver(Encoder(threads=settings.encoder_threads))
    engine = Engine(perceiver, knowledge=settings.knowledge, llm=client, locale=settings.locale)
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
    """The app for uvicorn's worker processes (``empathic serve --workers N``): the settings
    come as JSON in EMPATHIC_SERVE_SETTINGS."""
    return create_app(Settings(**json.loads(os.environ["EMPATHIC_SERVE_SETTINGS"])))


def create_app(settings: Settings | None = None, engine: Engine | None = None,
               store: Store | None = None) -> FastAPI:  # fmt: skip
    """The service. Pass ``engine`` or ``store`` to share them (tests); otherwise they are built
    from ``settings`` and closed with the app. The schema is migrated to head on creation."""
    settings = settings or Settings()
    closers: tuple = ()
    own_store = store is None
    store = store or Store(settings.db_url)
    if engine is None:
        engine, closers = build_engine(settings)
    metrics = Metrics()
    keys = KeyBook(store, settings.require_keys)
    names = (openai_compat.MODEL_NAME,)
    if engine.llm is not None and engine.llm.model not in names:
        names = (*names, engine.llm.model)
    services = Services(
        settings, engine, store, metrics, Conversations(engine, store, metrics),
        AnalyzeBatcher(engine, threads=settings.analyze_threads), keys, names, closers,
    )  # fmt: skip

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        services.batcher.close()
        for closer in closers:
            closer.close()
        if own_store:
            store.close()

    app = FastAPI(
        title="empathic", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
        docs_url="/docs", openapi_url="/openapi.json",
    )  # fmt: skip
    app.state.services = services
    app.include_router(api.router)
    app.include_router(openai_compat.router)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
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

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404:
            detail = f"No route {request.method} {request.url.path}. The API is listed at /docs."
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}; see /docs."
        return problem(exc.status_code, detail, request.url.path, headers=exc.headers)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        return problem(422, str(exc), request.url.path)

    @app.exception_handler(ConflictError)
    async def _conflict(request: Request, exc: ConflictError) -> Response:
        return problem(409, str(exc), request.url.path)

    @app.exception_handler(EmpathicError)
    async def _empathic(request: Request, exc: EmpathicError) -> Response:
        return problem(502 if "upstream" in str(exc).lower() else 500, str(exc), request.url.path)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, f"The server failed on this request ({type(exc).__name__}); it was "
                       "logged. Retry, and report it if it happens again.", request.url.path)  # fmt: skip

    @app.get("/healthz", summary="Liveness; ?deep=1 also checks the store", tags=["ops"])
    def healthz(deep: bool = False):
        body = {"status": "ok", "store": "sqlite" if store.is_sqlite else "postgresql",
                "upstream_llm": engine.llm is not None}  # fmt: skip
        if deep:
            try:
                body["schema"] = store.schema_revision()
            except Exception as exc:  # noqa: BLE001 - any store failure means not healthy
                return JSONResponse({**body, "status": "store unavailable",
                                     "detail": str(exc)[:300]}, status_code=503)  # fmt: skip
        return body

    @app.get("/metrics", summary="Prometheus metrics", tags=["ops"])
    def prometheus():
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/", include_in_schema=False)
    def chat_page():
        return FileResponse(STATIC / "chat.html")

    @app.get("/dashboard", include_in_schema=False)
    def dashboard_page():
        return FileResponse(STATIC / "dashboard.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_middleware(
        Gate, keys=keys, limiter=RateLimiter(), rate_limit=settings.rate_limit,
        max_body_bytes=settings.max_body_bytes,
    )  # fmt: skip
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Empathic-Conversation"],
        )  # fmt: skip
    app.add_middleware(_Timing, metrics=metrics)
    return app
