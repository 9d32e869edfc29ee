"""Perception on real customers' words (issue 15): valence, complaints, sarcasm, questions, and
the two-tier crisis gate on real posts, with VADER and the previous release as peers.

    python benchmarks/customers.py            # every test row (several minutes on 2 cores)
    python benchmarks/customers.py --quick    # subsample, under a minute

The research pack (the default), the commercial pack (keys prefixed ``commercial_``) and the
tweets pack (``tweets_``: sarcasm, sentiment and complaint heads on the customer encoder) are
read in the same run.

Test rows: sets with no official split use the issue's rule, a row is test when
``int(sha1(str(KEY)).hexdigest(), 16) % 5 == 0`` (airline_tweets and complaints_twitter and
twcs by tweet_id, rmhd by post text, cssrs by user); official test splits for
semeval2018_irony, isarcasmeval and banking77. Nothing in training or threshold tuning reads
a test row (training/customer_data.py holds the one split rule for both).

Protocols:
* airline_valence_macro_f1: 3-way (negative/neutral/positive) macro-F1 on airline test tweets.
  A reading with ``sentiment`` probabilities is read by their argmax; a reading without (the
  previous release) and VADER by two cut-offs on valence/compound tuned on 1,500 airline train
  tweets.
* complaint_macro_f1: complaints_twitter test tweets; ``Reading.complaint`` at or above the
  complaint head's shipped threshold (``CustomerHeads.complaint_threshold``, chosen by
  cross-validation on train rows) when present, else intent == complaint (the previous
  release). VADER: compound below its tuned cut.
* irony_f1_semeval / sarcasm_f1_isarcasm: F1 of the sarcastic class; a reading is sarcastic when
  it carries a ``sarcasm_span`` (the head above its threshold, or the sarcasm cue), else (the
  previous release) when it has the sarcasm_hint cue. joy_rate_on_sarcastic: share of the sarcastic test
  rows of both sets read as Ekman joy (VADER: compound >= its positive cut).
* surprise_rate_on_questions: 1,000 banking77 test queries (seeded sample) read as surprise.
* crisis (flag = any tier; the previous release has one tier, read as "crisis"):
  cssrs_at_risk_recall: test users labelled Ideation/Behavior/Attempt with any post flagged;
  cssrs_attempt_crisis_recall: Attempt users with a post at tier crisis; control_crisis_rate:
  RMHD control-subreddit test posts at tier crisis; twcs_crisis_rate: customer tweets at tier
  crisis (every one printed); long_message_crisis_recall: each explicit crisis message of the
  held-out crisis test split (training/data/crisis.jsonl) appended to the end of a long
  (>= 120 words) control-subreddit test post; slang_crisis_recall: training/data/
  eval_crisis_slang.jsonl; hard_negative_flag_rate: training/data/eval_crisis_hard_negatives.jsonl
  (bereavement, anger at a company).
* ece: expected calibration error (10 bins) of the valence head's top class on airline test rows
  and of the risk head on RMHD test posts (risk subreddits vs control) when the perceiver has them.
* context: ed32_later_turns_with_context / _alone: the ED-32 accuracy of the same sample's later
  turns (a speaker's second or third message) read with the conversation before them and alone.
* ed32_accuracy, goemotions_macro_f1, latency and throughput: as benchmarks/perceive.py (ED on a
  seeded 1,500-turn sample).

The last printed line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "training"))
sys.path.insert(0, str(REPO / "benchmarks"))
import customer_data as cd  # noqa: E402

BASE_COMMIT = "e958f67"
BASE_SRC = Path(os.environ.get("EMPATHIC_BASE_SRC", "/tmp/base/src"))
SLANG = REPO / "training" / "data" / "eval_crisis_slang.jsonl"
HARD_NEGATIVES = REPO / "training" / "data" / "eval_crisis_hard_negatives.jsonl"
RISK_SUBREDDITS = frozenset({"suicidewatch", "depression"})
SENTIMENTS = ("negative", "neutral", "positive")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def f1(pred, truth) -> float:
    pred, truth = np.asarray(pred, bool), np.asarray(truth, bool)
    tp = float((pred & truth).sum())
    return 2 * tp / max(float(pred.sum() + truth.sum()), 1.0)


def macro_f1(pred, truth, labels) -> float:
    pred, truth = np.asarray(pred), np.asarray(truth)
    return float(np.mean([f1(pred == lab, truth == lab) for lab in labels]))


def ece(confidence, correct, bins: int = 10) -> float:
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence > lo) & (confidence <= hi) if lo > 0 else confidence <= hi
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def three_way(scores, lo: float, hi: float) -> list[str]:
    return ["negative" if s < lo else "positive" if s > hi else "neutral" for s in scores]


def tune_cuts(scores, truth) -> tuple[float, float]:
    best, best_f1 = (-0.2, 0.2), -1.0
    grid = np.round(np.arange(-0.9, 0.91, 0.05), 3)
    for lo in grid:
        for hi in grid[grid >= lo]:
            score = macro_f1(three_way(scores, lo, hi), truth, SENTIMENTS)
            if score > best_f1:
                best, best_f1 = (float(lo), float(hi)), score
    return best


def sample(rows: list, n: int | None, seed: int = 0) -> list:
    if n is None or len(rows) <= n:
        return list(rows)
    return random.Random(seed).sample(rows, n)


def test_rows(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["split"] == "test"]


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Reader:
    """Reads texts with a perceiver in batches; the figures only use Reading's public fields
    (new ones through getattr, so the previous release runs the same code)."""

    def __init__(self, perceiver):
        self.perceiver = perceiver

    def read(self, texts, histories=None, size: int = 64):
        out = []
        config = getattr(self.perceiver, "config", None)
        limit = getattr(config, "max_message_chars", 20_000)
        texts = [t[:limit] for t in texts]
        for i in range(0, len(texts), size):
            out += self.perceiver.read_batch(
                texts[i : i + size], histories[i : i + size] if histories else None
            )
        return out


def tier(reading) -> str | None:
    if reading.crisis is None:
        return None
    return getattr(reading.crisis, "tier", "crisis")


def long_crisis_messages(n: int | None) -> list[str]:
    """Explicit crisis messages of the held-out crisis split, each at the end of a long real
    control-subreddit post."""
    crisis = [
        r["text"]
        for r in jsonl(REPO / "training" / "data" / "crisis.jsonl")
        if r.get("split") == "test" and r.get("label", "none") != "none"
    ]
    hosts = [
        r["text"] for r in test_rows(cd.rmhd()) if r["control"] and len(r["text"].split()) >= 120
    ]
    crisis = sample(crisis, n, 3)
    rng = random.Random(4)
    return [f"{rng.choice(hosts).strip()} {c}" for c in crisis]


def figures(perceiver, quick: bool) -> tuple[dict, dict]:
    """Every figure for one perceiver, and the texts of its twcs crisis flags (for printing)."""
    reader = Reader(perceiver)
    n = 100 if quick else None
    out: dict = {}
    extra: dict = {}

    # Valence on airline tweets.
    airline = cd.airline()
    test = sample(test_rows(airline), n, 1)
    tune = sample([r for r in airline if r["split"] == "train"], 200 if quick else 1500, 2)
    readings = reader.read([r["text"] for r in test])
    truth = [r["label"] for r in test]
    if getattr(readings[0], "sentiment", None):
        pred = [max(r.sentiment, key=r.sentiment.__getitem__) for r in readings]
        conf = [max(r.sentiment.values()) for r in readings]
        out["valence_ece"] = ece(conf, np.array(pred) == np.array(truth))
    else:
        tuned = reader.read([r["text"] for r in tune])
        cuts = tune_cuts([r.valence for r in tuned], [r["label"] for r in tune])
        pred = three_way([r.valence for r in readings], *cuts)
    out["airline_valence_macro_f1"] = macro_f1(pred, truth, SENTIMENTS)
    neg = [r for r, t in zip(readings, truth, strict=True) if t == "negative"]
    out["airline_negative_read_as_joy"] = float(np.mean([r.ekman == "joy" for r in neg]))

    # Complaints.
    test = sample(test_rows(cd.complaints()), n, 1)
    readings = reader.read([r["text"] for r in test])
    if hasattr(readings[0], "complaint"):
        # The head's own threshold, shipped with it (chosen by cross-validation on train rows).
        cut = getattr(getattr(perceiver, "customer", None), "complaint_threshold", 0.5)
        pred = [r.complaint >= cut for r in readings]
    else:
        pred = [r.intent == "complaint" for r in readings]
    truth = [bool(r["label"]) for r in test]
    out["complaint_macro_f1"] = macro_f1(pred, truth, (True, False))

    # Sarcasm and irony.
    sarcastic_joy = []
    for key, rows in (
        ("irony_f1_semeval", cd.semeval_irony()),
        ("sarcasm_f1_isarcasm", cd.isarcasm()),
    ):
        test = sample(test_rows(rows), n, 1)
        readings = reader.read([r["text"] for r in test])
        if hasattr(readings[0], "sarcasm_span"):
            pred = [r.sarcasm_span is not None for r in readings]
        else:
            pred = [r.has_cue("sarcasm_hint") for r in readings]
        truth = [bool(r["label"]) for r in test]
        out[key] = f1(pred, truth)
        sarcastic_joy += [r.ekman == "joy" for r, t in zip(readings, truth, strict=True) if t]
    out["joy_rate_on_sarcastic"] = float(np.mean(sarcastic_joy))

    # Questions are not surprise.
    questions = sample(test_rows(cd.banking77()), 100 if quick else 1000, 5)
    readings = reader.read([r["text"] for r in questions])
    out["surprise_rate_on_questions"] = float(np.mean([r.ekman == "surprise" for r in readings]))

    # Crisis: C-SSRS users (any post flagged).
    users = test_rows(cd.cssrs())
    if quick:
        users = sample(users, 8, 6)
    posts = [(u, p) for u in users for p in u["posts"] if p.strip()]
    readings = reader.read([p for _, p in posts])
    flagged: dict[str, set] = {u["user"]: set() for u in users}
    for (u, _), r in zip(posts, readings, strict=True):
        if tier(r):
            flagged[u["user"]].add(tier(r))
    at_risk = [u for u in users if u["label"] in cd.CSSRS_AT_RISK]
    attempt = [u for u in users if u["label"] == "Attempt"]
    supportive = [u for u in users if u["label"] == "Supportive"]
    out["cssrs_at_risk_recall"] = float(np.mean([bool(flagged[u["user"]]) for u in at_risk]))
    out["cssrs_attempt_crisis_recall"] = float(
        np.mean([("crisis" in flagged[u["user"]]) for u in attempt]) if attempt else float("nan")
    )
    out["cssrs_supportive_flag_rate"] = float(
        np.mean([bool(flagged[u["user"]]) for u in supportive])
    )
    out["cssrs_test_users"] = len(users)

    # Crisis: RMHD control subreddits (hard negatives) and the risk subreddits.
    rmhd = test_rows(cd.rmhd())
    if quick:
        rmhd = sample(rmhd, 80, 7)
    readings = reader.read([r["text"] for r in rmhd])
    control = [r for r, row in zip(readings, rmhd, strict=True) if row["control"]]
    risk = [r for r, row in zip(readings, rmhd, strict=True) if row["subreddit"] in RISK_SUBREDDITS]
    out["control_crisis_rate"] = float(np.mean([tier(r) == "crisis" for r in control]))
    out["control_flag_rate"] = float(np.mean([tier(r) is not None for r in control]))
    out["suicidewatch_depression_flag_rate"] = float(np.mean([tier(r) is not None for r in risk]))
    scores = getattr(perceiver, "risk_scores", None)
    if scores is not None:
        keep = [row for row in rmhd if row["control"] or row["subreddit"] in RISK_SUBREDDITS]
        p = scores([row["text"][: perceiver.config.max_message_chars] for row in keep])
        y = np.array([row["subreddit"] in RISK_SUBREDDITS for row in keep])
        conf = np.where(p >= 0.5, p, 1 - p)
        out["crisis_ece"] = ece(conf, (p >= 0.5) == y)

    # Crisis: customer tweets.
    twcs = test_rows(cd.twcs())
    if quick:
        twcs = sample(twcs, 200, 8)
    readings = reader.read([r["text"] for r in twcs])
    out["twcs_crisis_rate"] = float(np.mean([tier(r) == "crisis" for r in readings]))
    out["twcs_flag_rate"] = float(np.mean([tier(r) is not None for r in readings]))
    out["twcs_tweets"] = len(twcs)
    extra["twcs_flags"] = [
        {"tier": tier(r), "kind": r.crisis.kind, "text": r.text}
        for r in readings
        if r.crisis is not None
    ]

    # Crisis: long messages, slang, hard negatives.
    long_texts = long_crisis_messages(25 if quick else None)
    readings = reader.read(long_texts)
    out["long_message_crisis_recall"] = float(np.mean([tier(r) is not None for r in readings]))
    out["long_message_crisis_tier_recall"] = float(np.mean([tier(r) == "crisis" for r in readings]))
    slang = jsonl(SLANG)
    readings = reader.read([r["text"] for r in slang])
    out["slang_crisis_recall"] = float(np.mean([tier(r) is not None for r in readings]))
    extra["slang_misses"] = [r.text for r in readings if r.crisis is None]
    hard = jsonl(HARD_NEGATIVES)
    readings = reader.read([r["text"] for r in hard])
    out["hard_negative_flag_rate"] = float(np.mean([tier(r) is not None for r in readings]))
    extra["hard_negative_flags"] = [r.text for r in readings if r.crisis is not None]

    # No regression: ED-32, GoEmotions, speed (as benchmarks/perceive.py).
    import perceive as pb

    from empathic.evaluate import datasets as ds

    ed = ds.empathetic_dialogues("test")
    ed = random.Random(0).sample(ed, 100 if quick else 1500)
    out["ed32_accuracy"] = pb.bench_ed(perceiver, ed)[0]["ed32_accuracy"]
    # Context: the later turns of those conversations read with the turns before them, and alone.
    later = [e for e in ed if len(e.context) > 1]
    alone = [replace(e, context=e.context[-1:]) for e in later]
    out["ed32_later_turns_with_context"] = pb.bench_ed(perceiver, later)[0]["ed32_accuracy"]
    out["ed32_later_turns_alone"] = pb.bench_ed(perceiver, alone)[0]["ed32_accuracy"]
    go = ds.goemotions("test")
    if quick:
        go = random.Random(0).sample(go, 150)
    out["goemotions_macro_f1"] = pb.bench_goemotions(perceiver, go, ds.goemotions_ekman_map())[0][
        "goemotions_macro_f1"
    ]
    texts = [s.text for s in ds.goemotions("test")[:2000]]
    speed = pb.bench_speed(perceiver, texts, 30 if quick else 400, 150 if quick else 2000)
    out |= {k: speed[k] for k in ("latency_p95_ms", "throughput_msgs_per_s")}
    return out, extra


def vader_figures(quick: bool) -> dict:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()

    def score(texts):
        return [vader.polarity_scores(t)["compound"] for t in texts]

    n = 100 if quick else None
    airline = cd.airline()
    test = sample(test_rows(airline), n, 1)
    tune = sample([r for r in airline if r["split"] == "train"], 200 if quick else 1500, 2)
    lo, hi = tune_cuts(score([r["text"] for r in tune]), [r["label"] for r in tune])
    out = {
        "airline_valence_macro_f1": macro_f1(
            three_way(score([r["text"] for r in test]), lo, hi),
            [r["label"] for r in test],
            SENTIMENTS,
        )
    }
    test = sample(test_rows(cd.complaints()), n, 1)
    pred = [s < lo for s in score([r["text"] for r in test])]
    out["complaint_macro_f1"] = macro_f1(pred, [bool(r["label"]) for r in test], (True, False))
    positive = []
    for rows in (cd.semeval_irony(), cd.isarcasm()):
        test = [r for r in sample(test_rows(rows), n, 1) if r["label"]]
        positive += [s > hi for s in score([r["text"] for r in test])]
    out["joy_rate_on_sarcastic"] = float(np.mean(positive))
    return out


def run_base(quick: bool) -> dict:
    """The previous release's figures: this script's figures() under its code, in a subprocess."""
    if not (BASE_SRC / "empathic").is_dir():
        return {"error": f"no checkout of {BASE_COMMIT} at {BASE_SRC}"}
    env = dict(os.environ, PYTHONPATH=str(BASE_SRC))
    cmd = [sys.executable, __file__, "--figures-only"] + (["--quick"] if quick else [])
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description="perception on real customers' words")
    parser.add_argument("--quick", action="store_true", help="subsample; under a minute")
    parser.add_argument("--no-base", action="store_true", help="skip the previous release")
    parser.add_argument("--no-commercial", action="store_true", help="skip the commercial pack")
    parser.add_argument("--no-tweets", action="store_true", help="skip the tweets pack")
    parser.add_argument("--figures-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    from empathic.perceive.perceiver import Perceiver

    if args.figures_only:  # the previous release (no empathic.config there)
        print(json.dumps(figures(Perceiver(), args.quick)[0], sort_keys=True))
        return
    from empathic.config import PerceptionConfig

    started = time.time()
    log("research pack ...")
    ours, extra = figures(Perceiver(config=PerceptionConfig()), args.quick)
    results: dict = dict(ours)
    from empathic.perceive.customer import PACKS
    from empathic.perceive.encoder import MODELS_DIR

    if (MODELS_DIR / PACKS["commercial"]).exists() and not args.no_commercial:
        log("commercial pack ...")
        commercial, _ = figures(
            Perceiver(config=PerceptionConfig(model_pack="commercial")), args.quick
        )
        results |= {f"commercial_{k}": v for k, v in commercial.items()}
    if (MODELS_DIR / PACKS["tweets"]).exists() and not args.no_tweets:
        log("tweets pack ...")
        tweets, _ = figures(Perceiver(config=PerceptionConfig(model_pack="tweets")), args.quick)
        results |= {f"tweets_{k}": v for k, v in tweets.items()}
    log("VADER ...")
    peers = {"vader": vader_figures(args.quick)}
    if not args.no_base:
        log(f"previous release ({BASE_COMMIT}) ...")
        peers[f"release_{BASE_COMMIT}"] = run_base(args.quick)
    results["peers"] = peers
    results["quick"] = args.quick
    results["seconds"] = round(time.time() - started, 1)

    for flag in extra["twcs_flags"]:
        print(f"twcs flag [{flag['tier']}/{flag['kind']}]: {flag['text']}")
    for text in extra["slang_misses"]:
        print(f"slang miss: {text}")
    for text in extra["hard_negative_flags"]:
        print(f"hard negative flagged: {text}")
    base = peers.get(f"release_{BASE_COMMIT}", {})
    print(f"\n{'figure':34} {'empathic':>9} {'release':>9} {'VADER':>9}")
    for key in sorted(ours):
        b, v = base.get(key), peers["vader"].get(key)
        fmt = lambda x: f"{x:9.3f}" if isinstance(x, (int, float)) else f"{'':9}"  # noqa: E731
        print(f"{key:34} {fmt(ours[key])} {fmt(b)} {fmt(v)}")
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
