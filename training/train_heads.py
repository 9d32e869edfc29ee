"""Fit and calibrate every head that reads the shared embedding; write models/heads.npz.

    python training/train_heads.py

* ED-32 and GoEmotions heads come from the fine-tuned encoder (training/checkpoints/
  emotion_heads.npz, written by export_encoder.py). GoEmotions per-label thresholds and Ekman
  group thresholds are tuned here on the GoEmotions dev split, on the int8 encoder's outputs.
* Intent and crisis heads are logistic regressions fitted on the train split of
  training/data/intents.jsonl and training/data/crisis.jsonl (+ crisis_extra.jsonl and GoEmotions
  comments that use crisis words figuratively, and EmpatheticDialogues stories). The crisis
  threshold is chosen by 5-fold cross-validation on that training set (recall first,
  false-positive rate <= 1.5%, and <= 0.5% on everyday stories).

Finally models/manifest.json records the sha256 of every shipped artifact.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from empathic.evaluate import datasets as ds
from empathic.perceive import encoder as enc
from empathic.perceive.crisis import rule_matches, sentences
from empathic.perceive.heads import sigmoid
from empathic.types import CRISIS_KINDS, EKMAN, INTENTS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "training" / "data"
CHECKPOINTS = REPO / "training" / "checkpoints"


def write_manifest() -> None:
    """Record the sha256 of every shipped artifact (whichever training script ran last)."""
    artifacts = sorted(
        p
        for p in enc.MODELS_DIR.iterdir()
        if p.suffix in {".json", ".onnx", ".npz"} and p.name != "manifest.json"
    )
    manifest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in artifacts}
    (enc.MODELS_DIR / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    enc._manifest.cache_clear()
    enc.file_sha256.cache_clear()


def best_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """The threshold that maximises F1 of ``scores >= t`` against ``truth``."""
    best_t, best_f1 = 0.5, -1.0
    for t in np.arange(0.02, 0.96, 0.01):
        pred = scores >= t
        tp = float((pred & truth).sum())
        f1 = 2 * tp / max(float(pred.sum() + truth.sum()), 1.0)
        if f1 > best_f1:
            best_t, best_f1 = float(t), f1
    return best_t


def ekman_members(mapping: dict[str, str]) -> np.ndarray:
    members = np.zeros((len(ds.GOEMOTIONS_LABELS), len(EKMAN)), dtype=np.float32)
    for i, label in enumerate(ds.GOEMOTIONS_LABELS):
        members[i, EKMAN.index(mapping[label])] = 1
    return members


def read_jsonl(name: str) -> list[dict]:
    return list(ds.iter_jsonl(DATA / name))


CRISIS_WORDS = re.compile(
    r"\b(?:kill\w*|die|dying|dead|death|suicid\w*|hurt\w*|blood\w*|guns?|shoot\w*|stab\w*|abus\w*|"
    r"overdos\w*|breath\w*|hospital|pills|murder\w*|choke\w*|poison\w*|end\s+it)\b",
    re.IGNORECASE,
)


# Words that may mean a real crisis in an EmpatheticDialogues story; such turns are not used as
# everyday negatives (the rules catch most, this catches the rest: "he raped women").
_MAYBE_CRISIS = re.compile(
    r"suicid|kill\w*\s+(?:my|him|her|them)sel|self[- ]harm|overdos|abus|\bcut(?:ting)?\s+myself|"
    r"\brap(?:e|ed|ing)\b|assault",
    re.IGNORECASE,
)
EVERYDAY_NEGATIVES = 1500


@cache
def everyday_negatives() -> tuple[str, ...]:
    """Speaker turns of EmpatheticDialogues train conversations: people telling everyday stories
    with feeling (a nap, a sick pet, a noise in the night), which the crisis detector must leave
    alone. Without them the detector flagged 10.3% of ED test speaker turns ("Life is good!";
    benchmarks/perceive.py)."""
    turns = [
        text
        for conversation in ds.empathetic_dialogue_conversations("train")
        for role, text in conversation.turns
        if role == "speaker" and not _MAYBE_CRISIS.search(text) and not rule_matches(text)
    ]
    return tuple(random.Random(1).sample(turns, EVERYDAY_NEGATIVES))


def crisis_training_set() -> tuple[list[str], np.ndarray]:
    """Train split of crisis.jsonl, crisis_extra.jsonl, and three kinds of negatives.

    GoEmotions comments that use crisis words but match no crisis rule are almost all figures of
    speech ("this game is killing me"); they teach the head what not to flag. The train split of
    intents.jsonl is ordinary customer-support traffic (greetings, questions, angry complaints),
    which the detector must leave alone whatever the mood; so are everyday emotional stories
    (``everyday_negatives``).
    """
    labels = (*CRISIS_KINDS, "none")
    rows = [r for r in read_jsonl("crisis.jsonl") if r["split"] == "train"]
    if (DATA / "crisis_extra.jsonl").exists():
        rows += read_jsonl("crisis_extra.jsonl")
    rows += [
        {"text": r["text"], "label": "none"}
        for r in read_jsonl("intents.jsonl")
        if r["split"] == "train"
    ]
    texts = [r["text"] for r in rows]
    y = [labels.index(r["label"]) for r in rows]
    figurative = [
        s.text for s in ds.goemotions("train")
        if CRISIS_WORDS.search(s.text) and not rule_matches(s.text)
    ]  # fmt: skip
    figurative = random.Random(0).sample(figurative, min(600, len(figurative)))
    negatives = figurative + list(everyday_negatives())
    return texts + negatives, np.array(y + [len(CRISIS_KINDS)] * len(negatives))


def crisis_rows(encoder, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Message embeddings, and per message the rows the detector scores (message + sentences)."""
    parts = [[p.text for p in sentences(t)] for t in texts]
    flat = [p for ps in parts for p in ps]
    embedded = encoder.embed(texts + flat)
    messages, rest = embedded[: len(texts)], embedded[len(texts) :]
    per_message, row = [], 0
    for i, ps in enumerate(parts):
        per_message.append(np.vstack([messages[i : i + 1], rest[row : row + len(ps)]]))
        row += len(ps)
    return messages, per_message


def fit_crisis(x: np.ndarray, y: np.ndarray, per_message: list[np.ndarray]) -> LogisticRegression:
    """Fit on messages, plus every sentence of a safe message as a further safe example."""
    none = len(CRISIS_KINDS)
    extra = [rows[1:] for rows, label in zip(per_message, y, strict=True) if label == none]
    extra_x = np.vstack(extra) if any(len(e) for e in extra) else np.zeros((0, x.shape[1]))
    model = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
    model.fit(np.vstack([x, extra_x]), np.concatenate([y, np.full(len(extra_x), none)]))
    return model


def lowest_safe_threshold(texts, y, danger: np.ndarray) -> tuple[float, dict[str, float]]:
    """The lowest danger threshold whose false-positive rate, rules included (the way the runtime
    flags a message), is <= 1.5% on idioms, hard negatives and support traffic and <= 0.5% on
    everyday stories; with its recall and rates. 0.995 when none is."""
    rules = np.array([bool(rule_matches(t)) for t in texts])
    negative = np.asarray(y) == len(CRISIS_KINDS)
    stories = set(everyday_negatives())
    everyday = np.array([t in stories for t in texts]) & negative
    hard = negative & ~everyday

    def rates(threshold: float) -> dict[str, float]:
        flagged = rules | (danger >= threshold)

        def rate(group: np.ndarray, hits: np.ndarray = flagged) -> float:
            return float((hits & group).sum() / max(group.sum(), 1))

        return {
            "threshold": round(float(threshold), 3),
            "recall": rate(~negative),
            "model_alone_recall": rate(~negative, danger >= threshold),
            "fpr": rate(hard),
            "everyday_fpr": rate(everyday),
        }

    for t in np.arange(0.3, 0.995, 0.005):
        figures = rates(t)
        if figures["fpr"] <= 0.015 and figures["everyday_fpr"] <= 0.005:
            return float(t), figures
    return 0.995, rates(0.995)


def crisis_threshold(texts, y, x, per_message) -> float:
    """The lowest safe threshold (``lowest_safe_threshold``) under 5-fold cross-validation."""
    danger = np.zeros(len(texts))
    for train, held in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        model = fit_crisis(x[train], y[train], [per_message[i] for i in train])
        for i in held:
            danger[i] = (1.0 - model.predict_proba(per_message[i])[:, -1]).max()
    threshold, figures = lowest_safe_threshold(texts, y, danger)
    print(f"crisis threshold, cross-validated: {figures}")
    return threshold


def main() -> None:
    # Before heads.npz exists the encoder must load without it.
    write_manifest()
    encoder = enc.Encoder()
    emotion = np.load(CHECKPOINTS / "emotion_heads.npz")

    dev = ds.goemotions("dev")
    go_probs = sigmoid(encoder.embed([s.text for s in dev]) @ emotion["go_w"] + emotion["go_b"])
    truth = np.array([[label in s.labels for label in ds.GOEMOTIONS_LABELS] for s in dev])
    go_thresholds = np.array(
        [best_threshold(go_probs[:, j], truth[:, j]) for j in range(truth.shape[1])]
    )
    members = ekman_members(ds.goemotions_ekman_map())
    ekman_scores = (go_probs[:, :, None] * members[None]).max(axis=1)
    ekman_truth = (truth[:, :, None] & (members[None] > 0)).any(axis=1)
    ekman_thresholds = np.array(
        [best_threshold(ekman_scores[:, j], ekman_truth[:, j]) for j in range(len(EKMAN))]
    )

    if "crisis_w" in emotion:
        # The encoder was fine-tuned on these tasks (finetune_safety.py): use its heads, and the
        # danger threshold it chose on crisis examples it held out of training.
        intent_w, intent_b = emotion["intent_w"], emotion["intent_b"]
        crisis_w, crisis_b = emotion["crisis_w"], emotion["crisis_b"]
        threshold = json.loads((CHECKPOINTS / "crisis_threshold.json").read_text())["threshold"]
    else:
        intents = [r for r in read_jsonl("intents.jsonl") if r["split"] == "train"]
        intent_model = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced")
        intent_model.fit(
            encoder.embed([r["text"] for r in intents]),
            [INTENTS.index(r["intent"]) for r in intents],
        )
        intent_w, intent_b = intent_model.coef_.T, intent_model.intercept_
        crisis_texts, crisis_y = crisis_training_set()
        crisis_x, per_message = crisis_rows(encoder, crisis_texts)
        threshold = crisis_threshold(crisis_texts, crisis_y, crisis_x, per_message)
        crisis_model = fit_crisis(crisis_x, crisis_y, per_message)
        crisis_w, crisis_b = crisis_model.coef_.T, crisis_model.intercept_

    np.savez(
        enc.MODELS_DIR / "heads.npz",
        ed_labels=np.array(ds.ED_EMOTIONS),
        ed_w=emotion["ed_w"],
        ed_b=emotion["ed_b"],
        go_labels=np.array(ds.GOEMOTIONS_LABELS),
        go_w=emotion["go_w"],
        go_b=emotion["go_b"],
        go_thresholds=go_thresholds,
        ekman_labels=np.array(EKMAN),
        ekman_members=members,
        ekman_thresholds=ekman_thresholds,
        intent_labels=np.array(INTENTS),
        intent_w=intent_w,
        intent_b=intent_b,
        crisis_w=crisis_w,
        crisis_b=crisis_b,
        crisis_threshold=np.array(threshold),
    )
    write_manifest()
    print(f"wrote {enc.MODELS_DIR / 'heads.npz'} and manifest.json")


if __name__ == "__main__":
    main()
