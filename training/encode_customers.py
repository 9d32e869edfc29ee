"""Encode the training rows of the customer / sarcasm / risk sets once, with the shipped
encoder, into training/cache/customers_<name>.npz (git-ignored). Test rows are never encoded
here.

    nice -n 10 python training/encode_customers.py [names...]
    nice -n 10 python training/encode_customers.py --customer [names...]

With --customer the rows are encoded with models/customer_encoder.int8.onnx (finetune_customer.py)
into training/cache/customer/ instead: the tweets pack's sarcasm, sentiment and complaint heads
read that encoder.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import customer_data as cd  # noqa: E402

from empathic.evaluate import datasets as ds  # noqa: E402
from empathic.perceive.encoder import Encoder, artifact  # noqa: E402

CACHE = Path(__file__).resolve().parent / "cache"
rng = random.Random(15)


def sample(rows: list, n: int) -> list:
    rows = list(rows)
    return rows if len(rows) <= n else rng.sample(rows, n)


def train(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["split"] == "train"]


def goemotions_rows() -> list[dict]:
    out = []
    for s in ds.goemotions("train"):
        out.append({"text": s.text, "labels": "|".join(s.labels)})
    return out


def sets() -> dict[str, list[dict]]:
    cssrs_posts = [
        {"text": p, "label": u["label"], "user": u["user"]}
        for u in train(cd.cssrs())
        for p in u["posts"]
        if p.strip()
    ]
    return {
        "airline": train(cd.airline()),
        "complaints": train(cd.complaints()),
        "semeval": train(cd.semeval_irony()),
        "isarcasm": train(cd.isarcasm()),
        "figlang": sample(train(cd.figlang()), 4000),
        "mustard": train(cd.mustard()),
        "banking": sample(train(cd.banking77()), 2500),
        "clinc": sample(train(cd.clinc150()), 2500),
        "bitext": sample(train(cd.bitext()), 2500),
        "goemotions": sample(goemotions_rows(), 7000),
        "twcs": sample(train(cd.twcs()), 4000),
        "rmhd": train(cd.rmhd()),
        "sdcnl": train(cd.sdcnl()),
        "cssrs": sample(cssrs_posts, 2500),
    }


def main(names: list[str]) -> None:
    customer = "--customer" in names
    names = [n for n in names if n != "--customer"]
    cache = cd.CUSTOMER_CACHE if customer else CACHE
    cache.mkdir(parents=True, exist_ok=True)
    encoder = Encoder(model=artifact(cd.CUSTOMER_ENCODER)) if customer else Encoder()
    for name, rows in sets().items():
        if names and name not in names:
            continue
        path = cache / f"customers_{name}.npz"
        texts = [r["text"] for r in rows]
        key = hashlib.sha1("\x00".join(texts).encode()).hexdigest()
        if path.exists() and str(np.load(path)["key"]) == key:
            print(name, "cached", flush=True)
            continue
        t0 = time.time()
        emb = encoder.embed(texts)
        meta = {k: np.array([str(r.get(k, "")) for r in rows]) for k in rows[0] if k != "text"}
        np.savez(path, key=key, emb=emb, text=np.array(texts), **meta)
        print(name, len(texts), f"{time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
