"""The shared sentence encoder: fine-tuned MiniLM-L6 as int8 ONNX, run by onnxruntime.

One forward pass gives one mean-pooled 384-d vector per text; every head reads that vector.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

from empathic.config import EmpathicConfig
from empathic.errors import ModelArtifactError

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
# Up to this many texts are tokenized one by one rather than in the tokenizer's batch call.
SERIAL_TOKENIZE = 16
REBUILD_HINT = (
    "rebuild it with `python training/finetune_encoder.py && python training/export_encoder.py "
    "&& python training/train_heads.py`, or reinstall empathic"
)


def artifact(name: str) -> Path:
    """Path of a shipped artifact, verified against models/manifest.json."""
    path = MODELS_DIR / name
    if not path.is_file():
        raise ModelArtifactError(f"model file {path} is missing; {REBUILD_HINT}")
    expected = _manifest().get(name)
    if expected is None:
        raise ModelArtifactError(f"{name} is not listed in {MODELS_DIR / 'manifest.json'}")
    if file_sha256(path) != expected:
        raise ModelArtifactError(
            f"{path} does not match its sha256 in manifest.json (corrupt or replaced); {REBUILD_HINT}"
        )
    return path


@cache
def _manifest() -> dict[str, str]:
    path = MODELS_DIR / "manifest.json"
    if not path.is_file():
        raise ModelArtifactError(f"{path} is missing; {REBUILD_HINT}")
    return json.loads(path.read_text())


@cache
def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Encoder:
    """Text -> pooled embedding (float32, 384-d).

    By default the shipped fine-tuned encoder (mean pooling inside the graph). ``model`` points
    at another MiniLM-vocabulary ONNX file instead; one that outputs token states is mean-pooled
    here.

    Each run uses ``threads`` cores (default: the config's ``threads``, i.e. EMPATHIC_THREADS,
    else 1; 0 = all cores); the
    length batches of one call run side by side on a pool of ``os.cpu_count()`` threads. Measured
    on 2 cores, that beats two-thread runs: a run split across cores gains little at these sizes,
    and after an idle moment (an LLM call, a pause between messages) waking the parked second
    thread costs more than the split saves (a turn's perception: 16 ms instead of 12).
    """

    MAX_TOKENS = 128

    def __init__(self, threads: int | None = None, model: Path | None = None):
        self.tokenizer = Tokenizer.from_file(str(artifact("tokenizer.json")))
        self.tokenizer.enable_truncation(self.MAX_TOKENS)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        if threads is None:
            configured = EmpathicConfig.load().threads
            threads = 1 if configured is None else configured
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(model or artifact("encoder.int8.onnx")), options, providers=["CPUExecutionProvider"]
        )
        self.dim = self.session.get_outputs()[0].shape[-1]
        self._token_types = any(i.name == "token_type_ids" for i in self.session.get_inputs())
        # onnxruntime sessions may run from several threads at once and release the GIL.
        self._workers = os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="encoder")

    def _encode(self, texts: list[str]) -> list[Encoding]:
        """Token ids of each text. A turn's few texts are tokenized one by one: the tokenizer's
        batch call hands them to its own thread pool, whose start-up cost 3 ms a call on a
        2-core machine already busy with the encoder (0.04 ms each, one by one)."""
        if len(texts) <= SERIAL_TOKENIZE:
            return [self.tokenizer.encode(text) for text in texts]
        return self.tokenizer.encode_batch(texts)

    def embed(
        self, texts: list[str], batch_size: int = 32, max_tokens: list[int] | None = None
    ) -> np.ndarray:
        """Embed texts, batching similar lengths together so little time goes to padding.

        ``max_tokens`` (one per text, at most MAX_TOKENS) keeps only the first tokens of a text.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        token_ids = [e.ids for e in self._encode(texts)]
        if max_tokens is not None:
            # Cut before the closing [SEP] and keep it, as the tokenizer's own truncation does.
            token_ids = [
                ids if len(ids) <= limit else [*ids[: limit - 1], ids[-1]]
                for ids, limit in zip(token_ids, max_tokens, strict=True)
            ]
        lengths = [len(ids) for ids in token_ids]
        order = np.argsort(lengths, kind="stable")
        # A few texts (a long message's sentences) are shared out so every core gets some: three
        # sentences as two runs side by side take 6.3 ms on 2 cores, as one run 9.8.
        batch_size = max(1, min(batch_size, -(-len(texts) // self._workers)))
        # Batches of similar length: a short message padded to a long context's length would
        # cost as much as the context (one turn mixes a message, its context and sentences).
        batches: list[list[int]] = []
        for i in order:
            if (
                not batches
                or len(batches[-1]) >= batch_size
                or lengths[i] > max(16, 1.5 * lengths[batches[-1][0]])
            ):
                batches.append([])
            batches[-1].append(int(i))
        out = np.empty((len(texts), self.dim), dtype=np.float32)

        def run(idx: list[int]) -> None:
            length = max(lengths[i] for i in idx)
            ids = np.zeros((len(idx), length), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(idx):
                ids[row, : lengths[i]] = token_ids[i]
                mask[row, : lengths[i]] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if self._token_types:
                feeds["token_type_ids"] = np.zeros_like(ids)
            (pooled,) = self.session.run(None, feeds)
            if pooled.ndim == 3:  # token states: mean over the real tokens
                pooled = (pooled * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[idx] = pooled

        if len(batches) == 1:
            run(batches[0])
        else:
            list(self._pool.map(run, batches))  # list(): re-raises the first failure
        return out
