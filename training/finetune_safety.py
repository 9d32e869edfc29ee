"""Second fine-tuning stage: teach the encoder crisis and intent, without forgetting emotions.

    python training/finetune_safety.py          # ~22 min on 2 CPU cores, after finetune_encoder.py

Starts from training/checkpoints/encoder.pt, adds a crisis head (4 kinds + none) and an intent
head (9 intents), and trains all four tasks together: batches of crisis and intent examples
(train splits only; the held-out test splits are never read) interleaved with replayed
EmpatheticDialogues and GoEmotions batches so the emotion heads keep their accuracy.
A seeded, stratified fifth of the crisis training set is held out of training and used only to
choose the danger threshold (rules included, the way the runtime scores a message: the whole
message and each of its sentences): the lowest threshold whose false-positive rate on that slice
is <= 1.5% on idioms, hard negatives and support traffic and <= 0.5% on everyday emotional
stories (EmpatheticDialogues speaker turns, see train_heads.everyday_negatives). The test split
stays unseen.
Writes training/checkpoints/encoder_safety.pt (which export_encoder.py prefers when present) and
training/checkpoints/crisis_threshold.json (read by train_heads.py).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from tokenizers import Tokenizer
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from finetune_encoder import (  # noqa: E402
    CHECKPOINTS,
    TOKENIZER,
    MultiTaskEncoder,
    base_model_dir,
    encode,
    make_batches,
    pad,
)
from train_heads import crisis_training_set, lowest_safe_threshold, read_jsonl  # noqa: E402

from empathic.evaluate import datasets as ds  # noqa: E402
from empathic.perceive.crisis import MIN_WORDS_FOR_MODEL, sentences  # noqa: E402
from empathic.types import CRISIS_KINDS, INTENTS  # noqa: E402


class SafetyEncoder(MultiTaskEncoder):
    def __init__(self, base: Path):
        super().__init__(base)
        hidden = self.encoder.config.hidden_size
        self.crisis_head = nn.Linear(hidden, len(CRISIS_KINDS) + 1)
        self.intent_head = nn.Linear(hidden, len(INTENTS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8, help="passes over the crisis set")
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--replay", type=float, default=2.0, help="replayed emotion batches per safety batch"
    )
    parser.add_argument(
        "--threshold-only",
        action="store_true",
        help="only choose the danger threshold again for the saved encoder_safety.pt",
    )
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    tokenizer = Tokenizer.from_file(str(TOKENIZER))

    all_texts, all_y = crisis_training_set()
    crisis_texts, held_texts, crisis_y, held_y = train_test_split(
        all_texts, list(all_y), test_size=0.2, stratify=all_y, random_state=args.seed
    )
    if args.threshold_only:  # the training data below is not needed
        model = SafetyEncoder(base_model_dir())
        model.load_state_dict(torch.load(CHECKPOINTS / "encoder_safety.pt", map_location="cpu"))
        model.eval()
        choose_threshold(model, tokenizer, held_texts, np.array(held_y))
        return
    intents = [r for r in read_jsonl("intents.jsonl") if r["split"] == "train"]
    ed = rng.sample(ds.empathetic_dialogues("train"), 8000)
    go = rng.sample(ds.goemotions("train"), 8000)
    data = {
        "crisis": (encode(tokenizer, crisis_texts, 128), list(crisis_y)),
        "intent": (encode(tokenizer, [r["text"] for r in intents], 128),
                   [INTENTS.index(r["intent"]) for r in intents]),
        "ed": (encode(tokenizer, [s.text for s in ed], 128), [ds.ED_EMOTIONS.index(s.emotion) for s in ed]),
        "go": (encode(tokenizer, [s.text for s in go], 64),
               [np.isin(ds.GOEMOTIONS_LABELS, s.labels).astype(np.float32) for s in go]),
    }  # fmt: skip

    model = SafetyEncoder(base_model_dir())
    model.load_state_dict(torch.load(CHECKPOINTS / "encoder.pt", map_location="cpu"), strict=False)
    model.encoder.embeddings.requires_grad_(False)
    for layer in model.encoder.encoder.layer[:2]:
        layer.requires_grad_(False)
    new_heads = [*model.crisis_head.parameters(), *model.intent_head.parameters()]
    rest = [
        p
        for n, p in model.named_parameters()
        if p.requires_grad and not n.startswith(("crisis_head", "intent_head"))
    ]
    optimizer = torch.optim.AdamW(
        [{"params": rest, "lr": args.lr}, {"params": new_heads, "lr": 1e-3}], weight_decay=0.01
    )
    ce = nn.CrossEntropyLoss()
    counts = np.bincount(crisis_y, minlength=len(CRISIS_KINDS) + 1)
    crisis_ce = nn.CrossEntropyLoss(
        weight=torch.tensor((counts.sum() / counts) ** 0.5, dtype=torch.float32)
    )
    bce = nn.BCEWithLogitsLoss()
    losses = {
        "crisis": lambda pooled, y: crisis_ce(model.crisis_head(pooled), torch.tensor(y)),
        "intent": lambda pooled, y: ce(model.intent_head(pooled), torch.tensor(y)),
        "ed": lambda pooled, y: ce(model.ed_head(pooled), torch.tensor(y)),
        "go": lambda pooled, y: bce(model.goemotions_head(pooled), torch.tensor(np.stack(y))),
    }
    model.train()
    started = time.time()
    for epoch in range(args.epochs):
        safety = make_batches(*data["crisis"], "crisis", args.batch_size, rng)
        safety += make_batches(*data["intent"], "intent", args.batch_size, rng)
        # Replayed emotion batches keep the ED and GoEmotions heads from drifting.
        replay = make_batches(*data["ed"], "ed", args.batch_size, rng) + make_batches(
            *data["go"], "go", args.batch_size, rng
        )
        batches = safety + rng.sample(replay, min(len(replay), int(args.replay * len(safety))))
        rng.shuffle(batches)
        running = {k: [] for k in losses}
        for task, ids_list, ys in batches:
            ids, mask = pad(ids_list)
            loss = losses[task](model.dropout(model.pooled(ids, mask)), ys)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
            running[task].append(loss.item())
        summary = " ".join(f"{k} {np.mean(v):.3f}" for k, v in running.items() if v)
        print(
            f"epoch {epoch + 1}/{args.epochs}: {summary} ({time.time() - started:.0f}s)", flush=True
        )
    torch.save(model.state_dict(), CHECKPOINTS / "encoder_safety.pt")
    print(f"saved {CHECKPOINTS / 'encoder_safety.pt'}")
    model.eval()
    choose_threshold(model, tokenizer, held_texts, np.array(held_y))


def choose_threshold(model, tokenizer, texts: list[str], y: np.ndarray) -> None:
    """The lowest safe danger threshold (``lowest_safe_threshold``) on the held-out slice."""
    none = len(CRISIS_KINDS)
    danger = np.zeros(len(texts))
    with torch.no_grad():
        for i, text in enumerate(texts):
            rows = [text] + [s.text for s in sentences(text)]
            ids, mask = pad(encode(tokenizer, rows, 128))
            probs = torch.softmax(model.crisis_head(model.pooled(ids, mask)), dim=-1).numpy()
            if len(text.split()) >= MIN_WORDS_FOR_MODEL:  # as detect_crisis does
                danger[i] = (1.0 - probs[:, none]).max()
    _, figures = lowest_safe_threshold(texts, y, danger)
    print(f"crisis threshold, held out: {figures}")
    (CHECKPOINTS / "crisis_threshold.json").write_text(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
