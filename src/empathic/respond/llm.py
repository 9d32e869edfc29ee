"""An OpenAI-compatible chat-completions client (httpx): streaming, timeouts, retries.

Any upstream that speaks the chat-completions protocol works: a hosted API, vLLM, or the local
llama.cpp server started by ``empathic.respond.local_llm``. Failures raise ``UpstreamError`` so
the caller can fall back to the built-in composer.

``timeout`` is one deadline for the whole call: connecting, waiting, reading a body however
slowly it drips, and retries. The call runs on one of ``max_concurrent`` worker threads and the
caller waits for it at most until the deadline, so a hung upstream never holds the caller (and
its conversation lock, and its server thread) longer; the worker itself stops at the deadline's
next byte or read timeout. Calls beyond ``max_concurrent`` wait for a worker within the same
deadline.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from typing import Any

import httpx

from empathic.check.guard import canary_line, new_canary
from empathic.config import EmpathicConfig, LLMConfig
from empathic.errors import EmpathicError


class UpstreamError(EmpathicError):
    """The LLM upstream failed, timed out or answered something unusable."""


MAX_BODY_BYTES = 2_000_000  # an upstream answer larger than this is refused while read
# The latest moment (time.monotonic()) a call may end, set by whoever owns the whole request
# (the HTTP server: arrival + llm.timeout), so the upstream gets only what is left of it.
REQUEST_DEADLINE: ContextVar[float | None] = ContextVar("empathic_request_deadline", default=None)


class _Deadline(Exception):
    """The whole-call deadline passed while the body was being read."""


class ChatClient:
    """A client of one upstream. Each argument left out comes from ``config`` (default:
    ``EmpathicConfig.load().llm``, so ``EMPATHIC_LLM_MODEL`` and ``EMPATHIC_LLM_API_KEY``
    apply); ``base_url`` defaults to ``config.url``."""

    def __init__(
        self,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        *,
        config: LLMConfig | None = None,
    ) -> None:
        config = config or EmpathicConfig.load().llm
        base_url = base_url or config.url
        if not base_url:
            raise EmpathicError("ChatClient needs a base URL (argument or llm.url)")
        secret = config.api_key.get_secret_value() if config.api_key is not None else None
        self.base_url = base_url
        self.model = config.model if model is None else model
        self.api_key = secret if api_key is None else api_key
        self.timeout = config.timeout if timeout is None else timeout
        self.retries = config.retries if retries is None else retries
        self.max_tokens = config.max_tokens if max_tokens is None else max_tokens
        self.temperature = config.temperature if temperature is None else temperature
        self.retry_pause = config.retry_pause
        self.retry_min_left = config.retry_min_left
        self.base_url = self.base_url.rstrip("/").removesuffix("/chat/completions")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        self.max_concurrent = getattr(config, "max_concurrent", 32)
        self.max_reply_chars = getattr(config, "max_reply_chars", 1200)
        # In every system prompt sent; a reply holding it leaked the prompt (check/guard.py).
        self.canary = new_canary()
        limits = httpx.Limits(max_connections=self.max_concurrent + 4)
        self._http = httpx.Client(timeout=self.timeout, headers=headers, limits=limits)
        self._pool = ThreadPoolExecutor(self.max_concurrent, thread_name_prefix="empathic-llm")
        self._closed = threading.Event()

    def close(self) -> None:
        self._closed.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    def _post(self, messages: list[dict], deadline: float) -> httpx.Response:
        """One POST whose body is read in pieces, each checked against ``deadline``; the
        response comes back read (``.content`` is set)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Deadline()
        timeout = httpx.Timeout(left, connect=min(left, 10.0))
        with self._http.stream("POST", f"{self.base_url}/chat/completions",
                               json=self._payload(messages, False), timeout=timeout) as response:  # fmt: skip
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                if time.monotonic() > deadline:
                    raise _Deadline()
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise UpstreamError(f"upstream answer over {MAX_BODY_BYTES} bytes")
                chunks.append(chunk)
            response._content = b"".join(chunks)  # what .json() and .text read
            return response

    def _within(self, messages: list[dict], deadline: float) -> httpx.Response:
        """``_post`` on a worker thread, waited for until ``deadline`` at most."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Deadline()
        try:
            future = self._pool.submit(self._post, messages, deadline)
        except RuntimeError as exc:  # closed
            raise UpstreamError("the LLM client is closed") from exc
        try:
            return future.result(timeout=left)
        except FutureTimeout:
            future.cancel()  # still queued: never runs; running: stops at its next check
            raise _Deadline() from None

    def _payload(self, messages: list[dict], stream: bool) -> dict:
        return {
            "model": self.model,
            "messages": self._with_canary(messages),
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": stream,
        }

    def _with_canary(self, messages: list[dict]) -> list[dict]:
        """``messages`` with the canary line added to the (first) system message."""
        line = canary_line(self.canary)
        for i, message in enumerate(messages):
            if message.get("role") == "system":
                updated = {**message, "content": f"{message.get('content') or ''}\n{line}"}
                return [*messages[:i], updated, *messages[i + 1 :]]
        return [{"role": "system", "content": line}, *messages]

    def complete(self, messages: list[dict]) -> str:
        """The assistant's reply text. Retries transient failures, then raises UpstreamError.

        ``timeout`` bounds the whole call, retries included (a person is waiting for the
        fallback): a retry is made only while ``retry_min_left`` of it (a quarter) is left.
        """
        last: Exception | None = None
        deadline = min(time.monotonic() + self.timeout, REQUEST_DEADLINE.get() or math.inf)
        for attempt in range(self.retries + 1):
            try:
                response = self._within(messages, deadline)
                if response.status_code >= 500 or response.status_code == 429:
                    raise UpstreamError(f"upstream answered {response.status_code}")
                if response.status_code >= 400:
                    raise UpstreamError(
                        f"upstream refused the request: {response.status_code} {response.text[:200]}"
                    )
                content = response.json()["choices"][0]["message"]["content"]
                if not isinstance(content, str) or not content.strip():
                    raise UpstreamError("upstream returned an empty reply")
                return content.strip()
            except _Deadline:
                last = TimeoutError(f"no complete answer within {self.timeout:g} s")
                break
            except (
                httpx.HTTPError,
                UpstreamError,
                KeyError,
                IndexError,
                TypeError,
                ValueError,
            ) as exc:
                last = exc
                retryable = not (isinstance(exc, UpstreamError) and "refused" in str(exc))
                pause = self.retry_pause * (attempt + 1)
                left = deadline - time.monotonic() - pause
                if (
                    attempt < self.retries
                    and retryable
                    and left >= self.timeout * self.retry_min_left
                ):
                    time.sleep(pause)
                    continue
                break
        raise UpstreamError(f"LLM upstream {self.base_url} failed: {last}") from last

    def stream(self, messages: list[dict]) -> Iterator[str]:
        """Text deltas as the upstream produces them (server-sent events), until ``timeout``
        from the start at most."""
        deadline = time.monotonic() + self.timeout
        try:
            with self._http.stream(
                "POST", f"{self.base_url}/chat/completions", json=self._payload(messages, True)
            ) as response:
                if response.status_code >= 400:
                    raise UpstreamError(f"upstream answered {response.status_code}")
                for line in response.iter_lines():
                    if time.monotonic() > deadline:
                        raise UpstreamError(f"no complete answer within {self.timeout:g} s")
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    if delta:
                        yield delta
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            raise UpstreamError(
                f"LLM upstream {self.base_url} failed while streaming: {exc}"
            ) from exc


def open_llm(config: LLMConfig, retries: int | None = None) -> tuple[ChatClient | None, Any]:
    """The client the configuration names, and the local server to close with it:
    ``config.local_model`` (a GGUF file, served by llama.cpp on 127.0.0.1), else ``config.url``,
    else (None, None): the built-in composer answers. ``retries`` overrides ``config.retries``."""
    if config.local_model:
        from empathic.respond.local_llm import LocalLlamaServer

        server = LocalLlamaServer(config.local_model)
        # The upstream's key is not sent to the local server.
        local = config.model_copy(update={"api_key": None})
        return ChatClient(server.url, retries=retries, config=local), server
    if config.url:
        return ChatClient(config.url, retries=retries, config=config), None
    return None, None
