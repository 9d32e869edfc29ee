"""The crisis gate's tuning figures, on train and dev rows only (never a test row): what the
gate's settings were chosen on, so anyone can re-check them.

    python benchmarks/crisis_dev.py    # about 5 minutes on 2 cores

* long_message_dev_recall: each dev-split message of training/data/crisis.jsonl (never trained
  on) at the end of a long (>= 120 words) RMHD control-subreddit train post, two hosts each
  (seeds 4 and 5), flagged at any tier; long_message_dev_alone: the same messages alone.
* control_train_crisis_rate / control_train_flag_rate: RMHD control-subreddit train posts at
  crisis tier / at any tier.
* cssrs_train_at_risk_recall / cssrs_train_attempt_crisis_recall: as benchmarks/customers.py,
  on C-SSRS train users.

The last printed line is one JSON object.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "training"))
sys.path.insert(0, str(REPO / "benchmarks"))
import customer_data as cd  # noqa: E402
from customers import Reader, jsonl, log, tier  # noqa: E402

from empathic.perceive.perceiver import Perceiver  # noqa: E402


def main() -> None:
    reader = Reader(Perceiver())
    out: dict = {}
    control = [r for r in cd.rmhd() if r["split"] == "train" and r["control"]]
    dev = [
        r["text"]
        for r in jsonl(REPO / "training" / "data" / "crisis.jsonl")
        if r.get("split") == "dev" and r.get("label", "none") != "none"
    ]
    hosts = [r["text"] for r in control if len(r["text"].split()) >= 120]
    log(f"long messages: {len(dev)} dev crisis messages x 2 hosts")
    texts = []
    for seed in (4, 5):
        rng = random.Random(seed)
        texts += [f"{rng.choice(hosts).strip()} {c}" for c in dev]
    out["long_message_dev_recall"] = float(
        np.mean([tier(r) is not None for r in reader.read(texts)])
    )
    out["long_message_dev_alone"] = float(np.mean([tier(r) is not None for r in reader.read(dev)]))

    log(f"control subreddits: {len(control)} train posts")
    readings = reader.read([r["text"] for r in control])
    out["control_train_crisis_rate"] = float(np.mean([tier(r) == "crisis" for r in readings]))
    out["control_train_flag_rate"] = float(np.mean([tier(r) is not None for r in readings]))

    users = [u for u in cd.cssrs() if u["split"] == "train"]
    log(f"C-SSRS: {len(users)} train users")
    posts = [(u["user"], p) for u in users for p in u["posts"] if p.strip()]
    flagged: dict[str, set] = {u["user"]: set() for u in users}
    for (user, _), r in zip(posts, reader.read([p for _, p in posts]), strict=True):
        if tier(r):
            flagged[user].add(tier(r))
    at_risk = [u["user"] for u in users if u["label"] in cd.CSSRS_AT_RISK]
    attempt = [u["user"] for u in users if u["label"] == "Attempt"]
    out["cssrs_train_at_risk_recall"] = float(np.mean([bool(flagged[u]) for u in at_risk]))
    out["cssrs_train_attempt_crisis_recall"] = float(
        np.mean([("crisis" in flagged[u]) for u in attempt])
    )
    print(json.dumps({k: round(v, 4) for k, v in out.items()}))


if __name__ == "__main__":
    main()
