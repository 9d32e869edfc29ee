"""Heads for real customers' words (issue 15), on the frozen shared encoder's embeddings.

    nice -n 10 python training/encode_customers.py        # cache train-row embeddings once
    nice -n 10 python training/train_customer_heads.py    # writes models/customer_heads*.npz

Every head is a logistic regression (numpy at run time), fitted on train rows only (the issue's
sha1 rule or the official split; training/customer_data.py); thresholds come from 5-fold
cross-validation on those train rows, never from a test row.

* sarcasm (binary): semeval2018_irony train, isarcasmeval train, figlang2020 (twitter + reddit)
  train, MUStARD speaker-independent train.
* sentiment (negative / neutral / positive): airline train tweets, GoEmotions train comments whose
  labels share one sentiment, banking77 / clinc150 / bitext requests as neutral, and sarcastic
  train rows as negative (a sarcastic message's literal joy is not its meaning).
* complaint (binary): complaints_twitter train tweets, airline train tweets (negative = complaint,
  positive = not; weight 0.5).
* risk (binary, the crisis gate's "concern" tier and the veto on head-only flags): posts from
  r/SuicideWatch and r/depression (RMHD train), SDCNL train, and posts of C-SSRS train users
  labelled Ideation / Behavior / Attempt as positives; RMHD control-subreddit train posts, TWCS
  customer tweets, airline and complaint tweets, GoEmotions comments and support requests as
  negatives. Other mental-health subreddits (anxiety, adhd, ...) and Indicator / Supportive
  users are left out: they are neither plainly at risk nor plainly not.

The "commercial" pack (customer_heads_commercial.npz) refits the same heads on commercially
usable data only (GoEmotions, banking77, clinc150, bitext, iSarcasmEval, MUStARD, C-SSRS (CC BY),
RMHD (CC BY)); its complaint head reads banking77/bitext complaint-like intents (see
COMMERCIAL_COMPLAINT_INTENTS) because complaints_twitter states no licence.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
import customer_data as cd  # noqa: E402

from empathic.perceive import encoder as enc  # noqa: E402

CACHE = Path(__file__).resolve().parent / "cache"
SENTIMENTS = ("negative", "neutral", "positive")
RISK_SUBREDDITS = {"suicidewatch", "depression"}
COMMERCIAL_COMPLAINT_INTENTS = {
    # banking77 and bitext intents whose queries report something that went wrong.
    "card_not_working", "card_swallowed", "compromised_card", "declined_card_payment",
    "declined_cash_withdrawal", "declined_transfer", "failed_transfer", "lost_or_stolen_card",
    "lost_or_stolen_phone", "pending_card_payment", "pending_cash_withdrawal", "pending_transfer",
    "refund_not_showing_up", "reverted_card_payment?", "transaction_charged_twice",
    "wrong_amount_of_cash_received", "wrong_exchange_rate_for_cash_withdrawal",
    "cash_withdrawal_not_recognised", "card_payment_not_recognised", "direct_debit_payment_not_recognised",
    "extra_charge_on_statement", "card_arrival", "balance_not_updated_after_bank_transfer",
    "balance_not_updated_after_cheque_or_cash_deposit", "transfer_not_received_by_recipient",
    "complaint", "payment_issue",
}  # fmt: skip
NEUTRAL_REQUEST_INTENTS_EXCLUDED = COMMERCIAL_COMPLAINT_INTENTS


def load(name: str) -> dict[str, np.ndarray]:
    with np.load(CACHE / f"customers_{name}.npz") as data:
        return {k: data[k] for k in data.files}


GO_SENTIMENT = {
    **dict.fromkeys(
        ("admiration", "amusement", "approval", "caring", "desire", "excitement", "gratitude",
         "joy", "love", "optimism", "pride", "relief"), "positive"),
    **dict.fromkeys(
        ("anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment",
         "fear", "grief", "nervousness", "remorse", "sadness"), "negative"),
    "neutral": "neutral",
}  # fmt: skip


def cv_probabilities(x, y, w, c: float) -> np.ndarray:
    """Out-of-fold probabilities of a logistic regression (for thresholds and calibration)."""
    out = np.zeros((len(y), len(np.unique(y))))
    for train, held in StratifiedKFold(3, shuffle=True, random_state=0).split(x, y):
        model = LogisticRegression(C=c, max_iter=400)
        model.fit(x[train], y[train], sample_weight=w[train])
        out[held] = model.predict_proba(x[held])
    return out


def fit(x, y, w, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=400)
    model.fit(x, y, sample_weight=w)
    return model


def f1_at(p, y, t) -> float:
    pred = p >= t
    tp = float((pred & (y == 1)).sum())
    return 2 * tp / max(float(pred.sum() + (y == 1).sum()), 1.0)


def sarcasm_set(commercial: bool):
    parts = ["isarcasm", "mustard"] if commercial else ["semeval", "isarcasm", "figlang", "mustard"]
    xs, ys, ws = [], [], []
    for name in parts:
        d = load(name)
        xs.append(d["emb"])
        ys.append(d["label"].astype(int))
        ws.append(np.full(len(d["emb"]), 1.0 if name != "figlang" else 0.5))
    # Sincere praise and thanks are not sarcasm: without them the head reads any positive
    # words as sarcastic (the sarcasm sets are mostly positive words with a negative meaning).
    sincere = []
    if not commercial:
        a = load("airline")
        sincere.append(a["emb"][a["label"] == "positive"])
    g = load("goemotions")
    rows = [i for i, raw in enumerate(g["labels"])
            if set(str(raw).split("|")) & {"gratitude", "joy", "admiration", "love", "excitement"}
            and not set(str(raw).split("|")) & {"anger", "annoyance", "disapproval", "disgust"}]  # fmt: skip
    sincere.append(g["emb"][rows])
    x_sincere = np.vstack(sincere)
    xs.append(x_sincere)
    ys.append(np.zeros(len(x_sincere), int))
    ws.append(np.full(len(x_sincere), 1.0))
    SINCERE_ROWS["sarcasm"] = np.arange(
        len(np.concatenate(ys)) - len(x_sincere), len(np.concatenate(ys))
    )
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


SINCERE_ROWS: dict[str, np.ndarray] = {}


def sentiment_set(commercial: bool):
    xs, ys, ws = [], [], []
    if not commercial:
        d = load("airline")
        xs.append(d["emb"])
        ys.append(np.array([SENTIMENTS.index(s) for s in d["label"]]))
        ws.append(np.full(len(d["emb"]), 1.0))
    g = load("goemotions")
    keep, labels = [], []
    for i, raw in enumerate(g["labels"]):
        groups = {GO_SENTIMENT.get(lab) for lab in str(raw).split("|")}
        if len(groups) == 1 and None not in groups:
            keep.append(i)
            labels.append(SENTIMENTS.index(groups.pop()))
    xs.append(g["emb"][keep])
    ys.append(np.array(labels))
    ws.append(np.full(len(keep), 0.7))
    for name in ("banking", "clinc", "bitext"):
        d = load(name)
        rows = [i for i, lab in enumerate(d["label"]) if lab not in COMMERCIAL_COMPLAINT_INTENTS]
        rows = rows[:1200]
        xs.append(d["emb"][rows])
        ys.append(np.full(len(rows), SENTIMENTS.index("neutral")))
        ws.append(np.full(len(rows), 0.7))
    for name in ["isarcasm", "mustard"] if commercial else ["semeval", "isarcasm", "figlang"]:
        d = load(name)
        rows = np.flatnonzero(d["label"].astype(int) == 1)
        xs.append(d["emb"][rows])
        ys.append(np.full(len(rows), SENTIMENTS.index("negative")))
        ws.append(np.full(len(rows), 0.5))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def complaint_set(commercial: bool):
    xs, ys, ws = [], [], []
    if not commercial:
        d = load("complaints")
        xs.append(d["emb"])
        ys.append(d["label"].astype(int))
        ws.append(np.full(len(d["emb"]), 1.0))
        a = load("airline")
        rows = np.flatnonzero(a["label"] != "neutral")
        xs.append(a["emb"][rows])
        ys.append((a["label"][rows] == "negative").astype(int))
        ws.append(np.full(len(rows), 0.3))
    else:
        for name in ("banking", "bitext"):
            d = load(name)
            xs.append(d["emb"])
            ys.append(np.array([int(lab in COMMERCIAL_COMPLAINT_INTENTS) for lab in d["label"]]))
            ws.append(np.full(len(d["emb"]), 1.0))
        g = load("goemotions")
        neg = [i for i, raw in enumerate(g["labels"])
               if {GO_SENTIMENT.get(lab) for lab in str(raw).split("|")} == {"negative"}]  # fmt: skip
        pos = [i for i, raw in enumerate(g["labels"])
               if {GO_SENTIMENT.get(lab) for lab in str(raw).split("|")} <= {"positive", "neutral"}]  # fmt: skip
        xs += [g["emb"][neg], g["emb"][pos]]
        ys += [np.ones(len(neg), int), np.zeros(len(pos), int)]
        ws += [np.full(len(neg), 0.5), np.full(len(pos), 0.5)]
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def risk_set(commercial: bool):
    xs, ys, ws = [], [], []
    r = load("rmhd")
    sub = r["subreddit"]
    control = np.array([s in cd.CONTROL_SUBREDDITS for s in sub])
    risk = np.array([s in RISK_SUBREDDITS for s in sub])
    xs += [r["emb"][risk], r["emb"][control]]
    ys += [np.ones(risk.sum(), int), np.zeros(control.sum(), int)]
    ws += [np.full(risk.sum(), 1.0), np.full(control.sum(), 1.0)]
    c = load("cssrs")
    at_risk = np.array([lab in cd.CSSRS_AT_RISK for lab in c["label"]])
    xs.append(c["emb"][at_risk])
    ys.append(np.ones(at_risk.sum(), int))
    ws.append(np.full(at_risk.sum(), 0.5))
    if not commercial:
        s = load("sdcnl")
        xs.append(s["emb"])
        ys.append(np.ones(len(s["emb"]), int))
        ws.append(np.full(len(s["emb"]), 0.5))
    for name, n in (("twcs", 4000), ("airline", 2000), ("complaints", 1500), ("goemotions", 3000),
                    ("banking", 800), ("clinc", 800), ("bitext", 800)):  # fmt: skip
        if commercial and name in {"twcs", "airline", "complaints"}:
            continue
        d = load(name)
        xs.append(d["emb"][:n])
        ys.append(np.zeros(min(n, len(d["emb"])), int))
        ws.append(np.full(min(n, len(d["emb"])), 1.0))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def train_pack(commercial: bool) -> dict[str, np.ndarray]:
    tag = "commercial" if commercial else "research"
    out: dict[str, np.ndarray] = {"sentiment_labels": np.array(SENTIMENTS)}
    only = [h for h in os.environ.get("HEADS", "").split(",") if h]
    if only:
        filename = "customer_heads.npz" if tag == "research" else "customer_heads_commercial.npz"
        with np.load(enc.MODELS_DIR / filename) as data:
            out = {k: data[k] for k in data.files}
    for name, build, c in (("sarcasm", sarcasm_set, 1.0), ("complaint", complaint_set, 1.0),
                           ("risk", risk_set, 1.0), ("sentiment", sentiment_set, 1.0)):  # fmt: skip
        if only and name not in only:
            continue
        x, y, w = build(commercial)
        p = cv_probabilities(x, y, w, c)
        model = fit(x, y, w, c)
        out[f"{name}_w"] = model.coef_.T.astype(np.float32)
        out[f"{name}_b"] = model.intercept_.astype(np.float32)
        if name == "sentiment":
            acc = float((p.argmax(1) == y).mean())
            print(f"[{tag}] sentiment cv accuracy {acc:.3f} on {len(y)}")
            continue
        grid = np.arange(0.2, 0.9, 0.01)
        best = max(grid, key=lambda t: f1_at(p[:, 1], y, t))
        if name == "sarcasm":
            # A sincere "thank you, that fixed it" turned into a complaint is worse than a
            # missed jibe: at most 5% of sincere praise may read as sarcastic (out of fold).
            floor = float(np.quantile(p[SINCERE_ROWS["sarcasm"], 1], 0.95))
            print(f"[{tag}] sarcasm: 95th percentile on sincere praise {floor:.2f}")
            best = max(best, floor)
        print(f"[{tag}] {name}: {len(y)} rows, {int(y.sum())} positive; cv F1 "
              f"{f1_at(p[:, 1], y, 0.5):.3f} at 0.5, {f1_at(p[:, 1], y, best):.3f} at {best:.2f}")  # fmt: skip
        if name == "risk":
            # Concern threshold: the lowest with a false-positive rate <= 2% out of fold.
            neg = p[y == 0, 1]
            for t in np.arange(0.3, 0.99, 0.01):
                if (neg >= t).mean() <= 0.02:
                    break
            recall = float((p[y == 1, 1] >= t).mean())
            print(f"[{tag}] risk concern threshold {t:.2f}: cv recall {recall:.3f}, fpr "
                  f"{(neg >= t).mean():.3f}")  # fmt: skip
            out["risk_threshold"] = np.array(round(float(t), 2), dtype=np.float32)
        else:
            out[f"{name}_threshold"] = np.array(round(float(best), 2), dtype=np.float32)
    return out


def main() -> None:
    import train_heads

    packs = sys.argv[1:] or ["research", "commercial"]
    for tag in packs:
        filename = "customer_heads.npz" if tag == "research" else "customer_heads_commercial.npz"
        pack = train_pack(tag == "commercial")
        np.savez_compressed(enc.MODELS_DIR / filename, **pack)
        print(f"wrote {filename}: {(enc.MODELS_DIR / filename).stat().st_size / 1024:.0f} KiB")
    train_heads.write_manifest()


if __name__ == "__main__":
    main()
