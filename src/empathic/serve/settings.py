"""What a deployment can set. ``empathic serve`` fills it from its options."""

from __future__ import annotations

from dataclasses import dataclass, field

from empathic.store import DEFAULT_URL


@dataclass
class Settings:
    """Service settings; every field has an embedded default (SQLite, built-in composer)."""

    db_url: str = DEFAULT_URL
    knowledge: str | None = None  # markdown/FAQ folder to answer from
    backend: str | None = None  # OpenAI-compatible base URL: empathic becomes a steering proxy
    backend_model: str = "default"  # model name sent upstream
    backend_api_key: str | None = None
    model: str | None = None  # a local GGUF file, served by llama.cpp on 127.0.0.1
    upstream_timeout: float = 20.0  # seconds per upstream call before the composer answers
    locale: str = "default"
    # None: keys are required as soon as one active key exists (``empathic keys create``).
    require_keys: bool | None = None
    rate_limit: int = 600  # requests per minute per key (per client address without keys); 0 = off
    max_body_bytes: int = 256_000
    max_batch: int = 256  # messages per /v1/analyze request
    analyze_threads: int = 1  # threads reading /v1/analyze batches (each runs the encoder)
    # Encoder threads per run. One leaves a core to the HTTP side; measured on 2 cores it
    # doubled /v1/analyze throughput over onnxruntime's default (all cores, spinning).
    # 0 = all cores.
    encoder_threads: int = 1
    cors_origins: list[str] = field(default_factory=list)
    reports_dir: str = "reports"  # where `empathic eval` writes; the dashboard shows the newest
