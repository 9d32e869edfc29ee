"""An OpenAI-compatible chat-completions client (httpx): streaming, timeouts, retries.

Any upstream that speaks the chat-completions protocol works: a hosted API, vLLM, or the local
llama.cpp server started by ``empathic.respond.local_llm``. Failures raise ``UpstreamError`` so
the caller can fall back to the built-in composer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from empathic.errors import EmpathicError


class UpstreamError(EmpathicError):
    """The LLM upstream failed, timed out or answered something unusable."""


@dataclass
class ChatClient:
    base_url: str
    model: str = "default"
    api_key: str | None = None
    timeout: float = 20.0
    retries: int = 1
    max_tokens: int = 160
    temperature: float = 0.3

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/").removesuffix("/chat/completions")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        self._http = httpx.Client(timeout=self.timeout, headers=headers)

    def close(self) -> None:
        self._http.close()

    def _payload(self, messages: list[dict], stream: bool) -> dict:
        return {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": stream,
        }

    def complete(self, messages: list[dict]) -> str:
        """The assistant's reply text. Retries transient failures, then raises UpstreamError.

        ``timeout`` bounds the whole call, retries included (a person is waiting for the
        fallback): a retry is made only while a quarter of it is left.
        """
        last: Exception | None = None
        deadline = time.monotonic() + self.timeout
        for attempt in range(self.retries + 1):
            try:
                response = self._http.post(
                    f"{self.base_url}/chat/completions",
                    json=self._payload(messages, False),
                    timeout=max(deadline - time.monotonic(), 0.001),
                )
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
                pause = 0.2 * (attempt + 1)
                left = deadline - time.monotonic() - pause
                if attempt < self.retries and retryable and left >= self.timeout / 4:
                    time.sleep(pause)
                    continue
                break
        raise UpstreamError(f"LLM upstream {self.base_url} failed: {last}") from last

    def stream(self, messages: list[dict]) -> Iterator[str]:
        """Text deltas as the upstream produces them (server-sent events)."""
        try:
            with self._http.stream(
                "POST", f"{self.base_url}/chat/completions", json=self._payload(messages, True)
            ) as response:
                if response.status_code >= 400:
                    raise UpstreamError(f"upstream answered {response.status_code}")
                for line in response.iter_lines():
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
