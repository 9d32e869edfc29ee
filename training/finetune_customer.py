"""Fine-tune a second MiniLM-L6 for customers' words: sentiment, sarcasm and complaint (issue 15).

The shared encoder was fine-tuned on EmpatheticDialogues and GoEmotions (finetune_encoder.py);
frozen, its vectors leave the customer heads short on real tweets (airline macro-F1 about 0.74,
iSarcasmEval F1 about 0.36). This encoder starts from the same MiniLM-L6 and learns the three
customer tasks together, on the rows train_customer_heads.py fits the research pack's heads on
(train splits only). The customer heads are then refitted on its vectors (HEADS=sarcasm,
sentiment,complaint python training/train_customer_heads.py research); the risk head, the emotion
heads and the crisis gate keep reading the shared encoder.

    nice -n 10 python training/encode_customers.py airline complaints semeval isarcasm figlang \
        mustard banking clinc bitext goemotions      # the training rows (texts and labels)
    nice -n 10 python training/finetune_customer.py  # about 25 minutes on 2 CPU cores

Writes training/checkpoints/customer_encoder.pt and src/empathic/models/customer_encoder.int8.onnx.
One row in ten of the train rows (customer_data.held_out_of_finetune: sha1 of the text, mod 10 ==
3; never a test row) is held out of fine-tuning: the script prints the tasks' figures on it
after each epoch, and train_customer_heads.py picks the heads' thresholds on it.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer
from torch import nn
from tqdm import tqdm
from transformers import AutoModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
import customer_data as cd  # noqa: E402
import train_customer_heads as heads  # noqa: E402
from export_encoder import MODELS, export_pooled  # noqa: E402
from finetune_encoder import (  # noqa: E402
    CHECKPOINTS,
    TOKENIZER,
    base_model_dir,
    encode,
    make_batches,
    pad,
)

TASKS = {"sentiment": 3, "sarcasm": 2, "complaint": 2}
CHECKPOINT = CHECKPOINTS / "customer_encoder.pt"
OUTPUT = MODELS / cd.CUSTOMER_ENCODER


class CustomerEncoder(nn.Module):
    """MiniLM with mean pooling and one linear head per customer task."""

    def __init__(self, base: Path):
        super().__init__()
        self.encoder = AutoModel.from_pretrained(base)
        self.dropout = nn.Dropout(0.1)
        self.heads = nn.ModuleDict(
            {task: nn.Linear(self.encoder.config.hidden_size, k) for task, k in TASKS.items()}
        )

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def task_rows() -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
    """Per task: texts, labels and weights of the research pack's head rows."""
    builders = {"sentiment": heads.sentiment_set, "sarcasm": heads.sarcasm_set,
                "complaint": heads.complaint_set}  # fmt: skip
    out = {}
    for task, build in builders.items():
        _, texts, y, w = build(False)
        out[task] = (texts, y, w)
    return out


def dev_sets() -> dict[str, tuple[list[str], np.ndarray]]:
    """Held-out rows of the sets the issue's figures are on, for the per-epoch report."""
    out = {}
    for name, key in (("airline", "label"), ("complaints", "label"), ("semeval", "label"),
                      ("isarcasm", "label")):  # fmt: skip
        d = heads.load(name)
        rows = [i for i, t in enumerate(d["text"]) if cd.held_out_of_finetune(str(t))]
        labels = d[key][rows]
        if name == "airline":
            labels = np.array([heads.SENTIMENTS.index(str(s)) for s in labels])
        out[name] = ([str(t) for t in d["text"][rows]], labels.astype(int))
    return out


@torch.no_grad()
def probabilities(model: CustomerEncoder, tokenizer, texts: list[str], task: str) -> np.ndarray:
    model.eval()
    ids_list = encode(tokenizer, texts, 96)
    out = []
    for i in range(0, len(ids_list), 64):
        ids, mask = pad(ids_list[i : i + 64])
        out.append(torch.softmax(model.heads[task](model.pooled(ids, mask)), -1).numpy())
    model.train()
    return np.vstack(out)


def report(model: CustomerEncoder, tokenizer, dev) -> None:
    texts, y = dev["airline"]
    pred = probabilities(model, tokenizer, texts, "sentiment").argmax(1)
    f1s = [heads.f1_at((pred == k).astype(float), (y == k).astype(int), 0.5) for k in range(3)]
    line = [f"airline macro-F1 {np.mean(f1s):.3f}"]
    texts, y = dev["complaints"]
    p = probabilities(model, tokenizer, texts, "complaint")[:, 1]
    line.append(f"complaint macro-F1 {heads.macro_f1(p >= 0.5, y == 1):.3f}")
    for name in ("semeval", "isarcasm"):
        texts, y = dev[name]
        p = probabilities(model, tokenizer, texts, "sarcasm")[:, 1]
        best = max(np.arange(0.2, 0.9, 0.05), key=lambda t: heads.f1_at(p, y, t))
        line.append(f"{name} F1 {heads.f1_at(p, y, 0.5):.3f} (best {heads.f1_at(p, y, best):.3f})")
    print("held out: " + ", ".join(line), flush=True)


def export(model: CustomerEncoder) -> None:
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "customer_encoder.onnx"
        export_pooled(model, fp32)
        quantize_dynamic(str(fp32), str(OUTPUT), weight_type=QuantType.QInt8, per_channel=True)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--freeze-layers", type=int, default=1, help="lowest layers kept frozen")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--export-only", action="store_true", help="export the saved checkpoint")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    model = CustomerEncoder(base_model_dir())
    if args.export_only:
        model.load_state_dict(torch.load(CHECKPOINT, map_location="cpu"))
        export(model)
        return

    data = {}
    for task, (texts, y, w) in task_rows().items():
        keep = [i for i, t in enumerate(texts) if not cd.held_out_of_finetune(t)]
        data[task] = (encode(tokenizer, [texts[i] for i in keep], 96), y[keep], w[keep])
        print(f"{task}: {len(keep)} rows", flush=True)
    dev = dev_sets()

    model.encoder.embeddings.requires_grad_(False)
    for layer in model.encoder.encoder.layer[: args.freeze_layers]:
        layer.requires_grad_(False)
    head_params = list(model.heads.parameters())
    body = [
        p for n, p in model.named_parameters() if not n.startswith("heads.") and p.requires_grad
    ]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head_params, "lr": args.lr * 10}],
        weight_decay=0.01,
    )
    steps_per_epoch = sum(math.ceil(len(ids) / args.batch_size) for ids, _, _ in data.values())
    total = int(steps_per_epoch * args.epochs)
    warmup = max(1, total // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup)))
    )
    # Each row keeps its weight from the head's set (figlang at half, GoEmotions lower, ...).
    ce = nn.CrossEntropyLoss(reduction="none", label_smoothing=0.05)
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    step, started, epoch = 0, time.time(), 0
    model.train()
    progress = tqdm(total=total, desc="fine-tune customer encoder", mininterval=30)
    while step < total:
        batches = []
        for task, (ids, y, w) in data.items():
            targets = list(zip(y.tolist(), w.tolist(), strict=True))
            batches += make_batches(ids, targets, task, args.batch_size, rng)
        rng.shuffle(batches)
        for task, ids_list, targets in batches:
            if step >= total:
                break
            ids, mask = pad(ids_list)
            y = torch.tensor([t[0] for t in targets])
            w = torch.tensor([t[1] for t in targets], dtype=torch.float32)
            logits = model.heads[task](model.dropout(model.pooled(ids, mask)))
            loss = (ce(logits, y) * w).sum() / w.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            progress.update(1)
        epoch += 1
        torch.save(model.state_dict(), CHECKPOINT)
        progress.write(f"epoch {epoch} saved to {CHECKPOINT} ({time.time() - started:.0f}s)")
        report(model, tokenizer, dev)
    progress.close()
    export(model)


if __name__ == "__main__":
    main()
