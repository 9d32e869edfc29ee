"""Export the fine-tuned multi-task encoder to int8 ONNX and its heads to numpy.

    python training/export_encoder.py

Reads training/checkpoints/encoder.pt (from finetune_encoder.py). Writes
src/empathic/models/encoder.int8.onnx (encoder + mean pooling; inputs input_ids and
attention_mask, output the pooled 384-d vector) and training/checkpoints/emotion_heads.npz
(the linear heads trained with the encoder, picked up by train_heads.py). When
training/checkpoints/encoder_safety.pt exists (finetune_safety.py) it is exported instead, with
its crisis and intent heads.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from finetune_encoder import (  # noqa: E402
    CHECKPOINTS,
    TOKENIZER,
    MultiTaskEncoder,
    base_model_dir,
    encode,
)

MODELS = Path(__file__).resolve().parents[1] / "src" / "empathic" / "models"


class Pooled(torch.nn.Module):
    """Any of our encoders (with a ``pooled`` method) as a module whose forward is pooled."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model.pooled(input_ids, attention_mask)


def export_pooled(model: torch.nn.Module, path: Path) -> None:
    """The model's ``pooled`` (encoder + mean pooling) as an fp32 ONNX graph: inputs input_ids
    and attention_mask of any batch and length, output the pooled vector."""
    ids = torch.randint(1000, 2000, (2, 16))
    torch.onnx.export(
        Pooled(model),
        (ids, torch.ones_like(ids)),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["pooled"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "pooled": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )


def compare_on_valid(fp32: Path, int8: Path, model: MultiTaskEncoder, n: int = 600) -> None:
    """ED-32 accuracy of the fp32 and int8 graphs on a valid sample: the cost of quantization."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from empathic.evaluate import datasets as ds

    samples = random.Random(0).sample(ds.empathetic_dialogues("valid"), n)
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    ids_list = encode(tokenizer, [s.text for s in samples], 128)
    truth = np.array([ds.ED_EMOTIONS.index(s.emotion) for s in samples])
    w, b = model.ed_head.weight.detach().numpy().T, model.ed_head.bias.detach().numpy()
    for name, path in (("fp32", fp32), ("int8", int8)):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        pooled = np.vstack([
            session.run(None, {"input_ids": np.array([x]), "attention_mask": np.ones((1, len(x)), dtype=np.int64)})[0]
            for x in ids_list
        ])  # fmt: skip
        accuracy = float(((pooled @ w + b).argmax(1) == truth).mean())
        print(f"{name}: ED-32 accuracy on {n} valid turns {accuracy:.3f}")


def main() -> None:
    safety = CHECKPOINTS / "encoder_safety.pt"
    if safety.exists():
        from finetune_safety import SafetyEncoder

        model = SafetyEncoder(base_model_dir())
        model.load_state_dict(torch.load(safety, map_location="cpu"))
        print(f"exporting {safety}")
    else:
        model = MultiTaskEncoder(base_model_dir())
        model.load_state_dict(torch.load(CHECKPOINTS / "encoder.pt", map_location="cpu"))
    model.eval()
    heads = {"ed": model.ed_head, "go": model.goemotions_head}
    if safety.exists():
        heads |= {"crisis": model.crisis_head, "intent": model.intent_head}
    arrays = {}
    for name, layer in heads.items():
        arrays[f"{name}_w"] = layer.weight.detach().numpy().T
        arrays[f"{name}_b"] = layer.bias.detach().numpy()
    np.savez(CHECKPOINTS / "emotion_heads.npz", **arrays)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "encoder.onnx"
        export_pooled(model, fp32)
        out = MODELS / "encoder.int8.onnx"
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
        compare_on_valid(fp32, out, model)
    size_mb = out.stat().st_size / 1e6
    print(f"wrote {out} ({size_mb:.1f} MB) and {CHECKPOINTS / 'emotion_heads.npz'}")
    if size_mb > 30:
        raise SystemExit("int8 encoder is over the 30 MB budget")


if __name__ == "__main__":
    main()
