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

The "tweets" pack (customer_heads_tweets.npz) fits the research pack's sarcasm, sentiment and
complaint heads on the vectors of models/customer_encoder.int8.onnx (finetune_customer.py; rows
encoded by encode_customers.py --customer) and names that encoder (keys "encoder",
"encoder_heads"); its risk head is the research pack's.

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
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
import customer_data as cd  # noqa: E402

from empathic.perceive import encoder as enc  # noqa: E402
from empathic.perceive import ngrams  # noqa: E402

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


# The tweets pack's heads that read the customer encoder (finetune_customer.py); its risk head is
# the research pack's (shared encoder), and so are all the other packs' heads.
CUSTOMER_ENCODER_HEADS = ("sarcasm", "sentiment", "complaint")
PACK_FILES = {"research": "customer_heads.npz", "commercial": "customer_heads_commercial.npz",
              "tweets": "customer_heads_tweets.npz"}  # fmt: skip
_cache = CACHE


def load(name: str) -> dict[str, np.ndarray]:
    with np.load(_cache / f"customers_{name}.npz") as data:
        return {k: data[k] for k in data.files}


def read_from(cache: Path) -> None:
    """Which cache load() reads: the shared encoder's rows or the customer encoder's."""
    global _cache
    _cache = cache


GO_SENTIMENT = {
    **dict.fromkeys(
        ("admiration", "amusement", "approval", "caring", "desire", "excitement", "gratitude",
         "joy", "love", "optimism", "pride", "relief"), "positive"),
    **dict.fromkeys(
        ("anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment",
         "fear", "grief", "nervousness", "remorse", "sadness"), "negative"),
    "neutral": "neutral",
}  # fmt: skip


class Parts:
    """Rows of a training set gathered from several sources: embeddings, texts, labels, weights."""

    def __init__(self) -> None:
        self.x: list[np.ndarray] = []
        self.texts: list[str] = []
        self.y: list[np.ndarray] = []
        self.w: list[np.ndarray] = []

    def add(self, d: dict[str, np.ndarray], rows, label, weight: float) -> None:
        rows = np.arange(len(d["emb"]))[rows]
        self.x.append(d["emb"][rows])
        self.texts += [str(t) for t in d["text"][rows]]
        self.y.append(np.broadcast_to(np.asarray(label, int), (len(rows),)).copy())
        self.w.append(np.full(len(rows), weight))

    def arrays(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        return np.vstack(self.x), self.texts, np.concatenate(self.y), np.concatenate(self.w)


def go_groups(raw: object) -> set[str | None]:
    return {GO_SENTIMENT.get(lab) for lab in str(raw).split("|")}


def sarcasm_set(commercial: bool):
    parts = Parts()
    for name in (
        ["isarcasm", "mustard"] if commercial else ["semeval", "isarcasm", "figlang", "mustard"]
    ):
        d = load(name)
        parts.add(d, slice(None), d["label"].astype(int), 1.0 if name != "figlang" else 0.5)
    # Sincere praise and thanks are not sarcasm: without them the head reads any positive
    # words as sarcastic (the sarcasm sets are mostly positive words with a negative meaning).
    first = sum(len(x) for x in parts.x)
    if not commercial:
        a = load("airline")
        parts.add(a, a["label"] == "positive", 0, 1.0)
    g = load("goemotions")
    rows = [i for i, raw in enumerate(g["labels"])
            if set(str(raw).split("|")) & {"gratitude", "joy", "admiration", "love", "excitement"}
            and not set(str(raw).split("|")) & {"anger", "annoyance", "disapproval", "disgust"}]  # fmt: skip
    parts.add(g, rows, 0, 1.0)
    SINCERE_ROWS["sarcasm"] = np.arange(first, sum(len(x) for x in parts.x))
    return parts.arrays()


SINCERE_ROWS: dict[str, np.ndarray] = {}


def sentiment_set(commercial: bool):
    parts = Parts()
    if not commercial:
        d = load("airline")
        parts.add(d, slice(None), [SENTIMENTS.index(s) for s in d["label"]], 1.0)
    g = load("goemotions")
    keep, labels = [], []
    for i, raw in enumerate(g["labels"]):
        groups = go_groups(raw)
        if len(groups) == 1 and None not in groups:
            keep.append(i)
            labels.append(SENTIMENTS.index(str(groups.pop())))
    parts.add(g, keep, labels, 0.7)
    for name in ("banking", "clinc", "bitext"):
        d = load(name)
        rows = [i for i, lab in enumerate(d["label"]) if lab not in COMMERCIAL_COMPLAINT_INTENTS]
        parts.add(d, rows[:1200], SENTIMENTS.index("neutral"), 0.7)
    for name in ["isarcasm", "mustard"] if commercial else ["semeval", "isarcasm", "figlang"]:
        d = load(name)
        parts.add(d, d["label"].astype(int) == 1, SENTIMENTS.index("negative"), 0.5)
    return parts.arrays()


def complaint_set(commercial: bool):
    parts = Parts()
    if not commercial:
        d = load("complaints")
        parts.add(d, slice(None), d["label"].astype(int), 1.0)
        SINCERE_ROWS["complaints_twitter"] = np.arange(len(d["emb"]))
        a = load("airline")
        rows = a["label"] != "neutral"
        parts.add(a, rows, (a["label"][rows] == "negative").astype(int), 0.3)
    else:
        for name in ("banking", "bitext"):
            d = load(name)
            labels = [int(lab in COMMERCIAL_COMPLAINT_INTENTS) for lab in d["label"]]
            parts.add(d, slice(None), labels, 1.0)
        g = load("goemotions")
        neg = [i for i, raw in enumerate(g["labels"]) if go_groups(raw) == {"negative"}]
        pos = [i for i, raw in enumerate(g["labels"]) if go_groups(raw) <= {"positive", "neutral"}]
        parts.add(g, neg, 1, 0.5)
        parts.add(g, pos, 0, 0.5)
    return parts.arrays()


def risk_set(commercial: bool):
    parts = Parts()
    r = load("rmhd")
    parts.add(r, np.array([s in RISK_SUBREDDITS for s in r["subreddit"]]), 1, 1.0)
    parts.add(r, np.array([s in cd.CONTROL_SUBREDDITS for s in r["subreddit"]]), 0, 1.0)
    c = load("cssrs")
    parts.add(c, np.array([lab in cd.CSSRS_AT_RISK for lab in c["label"]]), 1, 0.5)
    if not commercial:
        s = load("sdcnl")
        parts.add(s, slice(None), 1, 0.5)
    for name, n in (("twcs", 4000), ("airline", 2000), ("complaints", 1500), ("goemotions", 3000),
                    ("banking", 800), ("clinc", 800), ("bitext", 800)):  # fmt: skip
        if commercial and name in {"twcs", "airline", "complaints"}:
            continue
        parts.add(load(name), slice(0, n), 0, 1.0)
    return parts.arrays()


# Per head: C of the logistic regression and the scale of the hashed n-gram block against the
# embedding (None: embedding only), chosen by 5-fold cross-validation on train rows.
# 3-fold figures on the research pack's rows (F1 of the sarcastic class at its best threshold
# on SemEval / iSarcasmEval rows; complaints_twitter macro-F1; airline macro-F1):
#   sarcasm   embedding 0.668 / 0.416; + n-grams (C 1, scale 1) 0.678 / 0.421
#   complaint embedding 0.814; C 1 scale 1 0.827; C 0.5 scale 4 0.844; C 0.25 scale 8 0.846
#   sentiment embedding 0.729; C 1 scale 1 0.750; C 0.5 scale 4 0.747 (left out: with n-grams
#   "Oh wonderful, my flight got cancelled again. Thanks so much." read as positive and joy)
SETTINGS: dict[str, tuple[float, float | None]] = {
    "sarcasm": (1.0, 1.0),
    "complaint": (0.5, 4.0),
    "risk": (1.0, None),
    "sentiment": (1.0, None),
}


def design(x: np.ndarray, texts: list[str], scale: float | None):
    """The embedding, with the hashed n-grams of the texts beside it (scaled) when asked."""
    if scale is None:
        return x
    return sparse.hstack([sparse.csr_matrix(x), scale * ngrams.matrix(texts)]).tocsr()


def cv_probabilities(x, y, w, c: float, folds: int = 5) -> np.ndarray:
    """Out-of-fold probabilities of a logistic regression (for thresholds and calibration)."""
    out = np.zeros((len(y), len(np.unique(y))))
    for train, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        model = fit(x[train], y[train], w[train], c)
        out[held] = model.predict_proba(x[held])
    return out


def fit(x, y, w, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=1000)
    model.fit(x, y, sample_weight=w)
    return model


def f1_at(p, y, t) -> float:
    pred = p >= t
    tp = float((pred & (y == 1)).sum())
    return 2 * tp / max(float(pred.sum() + (y == 1).sum()), 1.0)


def macro_f1(pred: np.ndarray, truth: np.ndarray) -> float:
    return (f1_at(pred.astype(float), truth.astype(int), 0.5)
            + f1_at((~pred).astype(float), (~truth).astype(int), 0.5)) / 2  # fmt: skip


def train_pack(pack: str) -> dict[str, np.ndarray]:
    commercial = pack == "commercial"
    tweets = pack == "tweets"
    out: dict[str, np.ndarray] = {"sentiment_labels": np.array(SENTIMENTS)}
    only = [h for h in os.environ.get("HEADS", "").split(",") if h]
    if only:
        with np.load(enc.MODELS_DIR / PACK_FILES[pack]) as data:
            out = {k: data[k] for k in data.files}
    builders = {"sarcasm": sarcasm_set, "complaint": complaint_set, "risk": risk_set,
                "sentiment": sentiment_set}  # fmt: skip
    if tweets:
        out["encoder"] = np.array(cd.CUSTOMER_ENCODER)
        out["encoder_heads"] = np.array(",".join(CUSTOMER_ENCODER_HEADS))
        with np.load(enc.MODELS_DIR / PACK_FILES["research"]) as research:
            out |= {k: research[k] for k in ("risk_w", "risk_b", "risk_threshold")}
        del builders["risk"]
    for name, build in builders.items():
        if only and name not in only:
            continue
        c, scale = SETTINGS[name]
        on_customer = tweets and name in CUSTOMER_ENCODER_HEADS
        read_from(cd.CUSTOMER_CACHE if on_customer else CACHE)
        emb, texts, y, w = build(commercial)
        x = design(emb, texts, scale)
        # The sentiment head has no threshold: its cross-validation (the slowest) is skipped.
        p = cv_probabilities(x, y, w, c) if name != "sentiment" else None
        model = fit(x, y, w, c)
        dim = emb.shape[1]
        coef = model.coef_.T
        out[f"{name}_w"] = coef[:dim].astype(np.float32)
        out[f"{name}_b"] = model.intercept_.astype(np.float32)
        out.pop(f"{name}_ngram_w", None)
        if scale is not None:
            out[f"{name}_ngram_w"] = (scale * coef[dim:]).astype(np.float16)
        if p is None:
            continue
        # Thresholds come from rows the encoder under the head never trained on: with the
        # customer encoder, its held-out tenth (its other rows read too cleanly out of fold).
        tune = np.array([not on_customer or cd.held_out_of_finetune(t) for t in texts])
        grid = np.arange(0.2, 0.9, 0.01)
        best = max(grid, key=lambda t: f1_at(p[tune, 1], y[tune], t))
        if name == "complaint" and not commercial:
            # Complaint or not, as complaints_twitter marks it: the threshold with the best
            # macro-F1 on its train rows, out of fold.
            rows = np.intersect1d(SINCERE_ROWS["complaints_twitter"], np.flatnonzero(tune))
            best = max(grid, key=lambda t: macro_f1(p[rows, 1] >= t, y[rows] == 1))
            print(f"[{pack}] complaint: complaints_twitter cv macro-F1 "
                  f"{macro_f1(p[rows, 1] >= best, y[rows] == 1):.3f} at {best:.2f}")  # fmt: skip
        if name == "sarcasm":
            # A sincere "thank you, that fixed it" turned into a complaint is worse than a
            # missed jibe: at most 5% of sincere praise may read as sarcastic (out of fold).
            sincere = np.intersect1d(SINCERE_ROWS["sarcasm"], np.flatnonzero(tune))
            floor = float(np.quantile(p[sincere, 1], 0.95))
            print(f"[{pack}] sarcasm: 95th percentile on sincere praise {floor:.2f}")
            best = max(best, floor)
        print(f"[{pack}] {name}: {len(y)} rows, {int(y.sum())} positive; cv F1 on {int(tune.sum())} "
              f"{f1_at(p[tune, 1], y[tune], 0.5):.3f} at 0.5, "
              f"{f1_at(p[tune, 1], y[tune], best):.3f} at {best:.2f}")  # fmt: skip
        if name == "risk":
            # Concern threshold: the lowest with a false-positive rate <= 2% out of fold.
            neg = p[y == 0, 1]
            for t in np.arange(0.3, 0.99, 0.01):
                if (neg >= t).mean() <= 0.02:
                    break
            recall = float((p[y == 1, 1] >= t).mean())
            print(f"[{pack}] risk concern threshold {t:.2f}: cv recall {recall:.3f}, fpr "
                  f"{(neg >= t).mean():.3f}")  # fmt: skip
            out["risk_threshold"] = np.array(round(float(t), 2), dtype=np.float32)
        else:
            out[f"{name}_threshold"] = np.array(round(float(best), 2), dtype=np.float32)
    return out


def main() -> None:
    import train_heads

    packs = sys.argv[1:] or ["research", "commercial", "tweets"]
    for tag in packs:
        filename = PACK_FILES[tag]
        pack = train_pack(tag)
        np.savez_compressed(enc.MODELS_DIR / filename, **pack)
        print(f"wrote {filename}: {(enc.MODELS_DIR / filename).stat().st_size / 1024:.0f} KiB")
    train_heads.write_manifest()


if __name__ == "__main__":
    main()
