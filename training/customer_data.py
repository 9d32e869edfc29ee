"""Loaders for the real-customer, sarcasm and risk sets in /work/shared/data (issue 15).

Shared by training/train_customer_heads.py and benchmarks/customers.py so both use one split
rule. Sets with no official split use the issue's rule: a row is test when
``int(sha1(str(KEY)).hexdigest(), 16) % 5 == 0`` (KEY: tweet_id, user, or the post's text).
Official splits elsewhere (semeval2018_irony, isarcasmeval, banking77, clinc150, figlang2020,
mustard's speaker-independent split, sdcnl). Nothing is copied into the repo.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

DATA = Path(os.environ.get("EMPATHIC_SHARED_DATA", "/work/shared/data"))

# RMHD subreddits that are not about mental health (the hard negatives for the crisis gate).
CONTROL_SUBREDDITS = frozenset(
    {"conspiracy", "divorce", "guns", "legaladvice", "personalfinance", "teaching",
     "UKPersonalFinance", "ukpolitics", "unitedkingdom", "mindfulness"}
)  # fmt: skip
CSSRS_AT_RISK = frozenset({"Ideation", "Behavior", "Attempt"})


def is_test(key: object) -> bool:
    return int(hashlib.sha1(str(key).encode()).hexdigest(), 16) % 5 == 0


def split_of(key: object) -> str:
    return "test" if is_test(key) else "train"


# The customer encoder's file in models/ (finetune_customer.py), and where encode_customers.py
# keeps the train rows it encoded (train_customer_heads.py fits the tweets pack on them).
CUSTOMER_ENCODER = "customer_encoder.int8.onnx"
CUSTOMER_CACHE = Path(__file__).resolve().parent / "cache" / "customer"


def held_out_of_finetune(text: str) -> bool:
    """Train rows the customer encoder never trains on (finetune_customer.py): one in ten, by
    the sha1 of the text, for its per-epoch figures and the customer heads' thresholds."""
    return int(hashlib.sha1(text.encode()).hexdigest(), 16) % 10 == 3


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def airline() -> list[dict]:
    """text, label (negative/neutral/positive), split."""
    return [
        {"text": r["text"], "label": r["sentiment"], "split": split_of(r["tweet_id"])}
        for r in _jsonl(DATA / "airline_tweets" / "tweets.jsonl")
    ]


def complaints() -> list[dict]:
    return [
        {"text": r["text"], "label": int(r["complaint"]), "split": split_of(r["tweet_id"])}
        for r in _jsonl(DATA / "complaints_twitter" / "complaints.jsonl")
    ]


def twcs() -> list[dict]:
    """Customer tweets to a brand (unlabelled; none is a crisis in the issue's reading)."""
    rows = []
    for name in ("spotifycares_customer_tweets.jsonl", "kaggle_sample.jsonl"):
        path = DATA / "twcs_samples" / name
        if path.exists():
            for r in _jsonl(path):
                if r.get("inbound", True) and r.get("text"):
                    rows.append({"text": r["text"], "split": split_of(r["tweet_id"])})
    return rows


def semeval_irony() -> list[dict]:
    return [
        {"text": r["text"], "label": int(r["ironic"]), "split": split}
        for split in ("train", "test")
        for r in _jsonl(DATA / "semeval2018_irony" / f"{split}.jsonl")
    ]


def isarcasm() -> list[dict]:
    files = {"train": "train.En.jsonl", "test": "test_taskA.En.jsonl"}
    return [
        {"text": r["text"], "label": int(r["sarcastic"]), "split": split}
        for split, name in files.items()
        for r in _jsonl(DATA / "isarcasmeval" / name)
        if r.get("text")
    ]


def figlang() -> list[dict]:
    return [
        {"text": r["response"], "label": int(r["sarcastic"]), "split": split,
         "context": r.get("context") or []}
        for src in ("twitter", "reddit")
        for split in ("train", "test")
        for r in _jsonl(DATA / "figlang2020_sarcasm" / f"{src}_{split}.jsonl")
    ]  # fmt: skip


def mustard() -> list[dict]:
    return [
        {"text": r["utterance"], "label": int(bool(r["sarcastic"])),
         "split": r.get("speaker_independent_split", "train"), "context": r.get("context") or []}
        for r in _jsonl(DATA / "mustard" / "mustard.jsonl")
    ]  # fmt: skip


def banking77() -> list[dict]:
    return [
        {"text": r["text"], "label": r["label"], "split": split}
        for split in ("train", "test")
        for r in _jsonl(DATA / "banking77" / f"{split}.jsonl")
    ]


def clinc150() -> list[dict]:
    return [
        {"text": r["text"], "label": r["intent"], "split": split}
        for split in ("train", "test")
        for r in _jsonl(DATA / "clinc150" / f"{split}.jsonl")
    ]


def bitext() -> list[dict]:
    return [
        {"text": r["utterance"], "label": r["intent"], "split": split_of(r["utterance"])}
        for r in _jsonl(DATA / "bitext_customer_support" / "train.jsonl")
    ]


def rmhd() -> list[dict]:
    """Posts with subreddit, control flag; KEY is the post text."""
    return [
        {"text": r["post"], "subreddit": r["subreddit"],
         "control": r["subreddit"] in CONTROL_SUBREDDITS, "split": split_of(r["post"])}
        for r in _jsonl(DATA / "rmhd_reddit_mental_health" / "posts.jsonl")
        if r.get("post")
    ]  # fmt: skip


def cssrs() -> list[dict]:
    """Users: posts, label (Supportive/Indicator/Ideation/Behavior/Attempt); KEY is the user."""
    return [
        {"user": r["user"], "posts": r["posts"], "label": r["label"], "split": split_of(r["user"])}
        for r in _jsonl(DATA / "cssrs_reddit_500" / "users.jsonl")
    ]


def sdcnl() -> list[dict]:
    return [
        {"text": f"{r.get('title', '')}. {r.get('selftext', '')}".strip(),
         "label": int(r["is_suicide"]), "split": split}
        for split in ("train", "test")
        for r in _jsonl(DATA / "sdcnl" / f"{split}.jsonl")
    ]  # fmt: skip
