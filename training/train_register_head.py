"""The story head: is a message someone telling us about their own life, or addressed to a
shop or service? Writes models/register.npz (research pack only).

    nice -n 10 python training/train_register_head.py      # about a minute on 2 cores

The planner answers a personal story in the listener's register (react, reflect, ask about it)
and everything else as support. Its word rules (plan/policy.py ``_SERVICE``) miss the long tail
of real customers' words ("imported a video file into premiere pro, but it has no sound????"
was answered "Is there another chance coming up?"); this head reads the message's embedding.

* story (1): EmpatheticDialogues train speaker turns (people telling a listener about their
  lives);
* service (0): real customers' train rows: TWCS customer tweets, complaints_twitter, airline
  tweets, bitext requests (train rows of the sha1 rule) and banking77 train requests. Of the
  sets split by the sha1 rule, rows whose sha1 of the text mod 5 is 1-3 are fitted and 4 is
  kept to choose the threshold; their test rows never reach this script.

It prints the highest threshold that turns at most 5% of EmpatheticDialogues *valid* speaker
turns into support, with the share of held-out customer rows it catches; the planner's
``planning.story_min`` holds it (update it when the head is retrained). Every set is
non-commercial or unlicensed (ED CC BY-NC, TWCS and airline CC BY-NC-SA), so the commercial
pack has no story head and its planner uses the word rules alone.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
import customer_data as cd  # noqa: E402
from train_heads import write_manifest  # noqa: E402

from empathic.config import PlanningConfig  # noqa: E402
from empathic.evaluate import datasets as ds  # noqa: E402
from empathic.perceive import encoder as enc  # noqa: E402

STORIES = 6000
SERVICE = {"twcs": 3000, "complaints": 1200, "airline": 1500, "banking77": 600, "bitext": 600}
MAX_STORY_FLAGGED = 0.05  # ED valid speaker turns the head may turn into support


def clean(text: str) -> str:
    """A tweet as the chat would get it: no handles, links or hash signs."""
    return re.sub(r"\s+", " ", re.sub(r"https?://\S+|@\w+|#", " ", text)).strip()


def slice_of(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest(), 16) % 5


def service_rows(rng: random.Random) -> tuple[list[str], list[str]]:
    """Customer rows to fit (slices 1-3) and to hold out for the threshold (slice 4)."""
    fit, held = [], []
    for name, n in SERVICE.items():
        rows = [clean(r["text"]) for r in getattr(cd, name)() if r["split"] == "train"]
        rows = [t for t in rows if t]
        if name == "banking77":  # an official split: every train row may be fitted
            fit += rng.sample(rows, min(n, len(rows)))
            continue
        fit += rng.sample([t for t in rows if slice_of(t) in (1, 2, 3)], n)
        held += [t for t in rows if slice_of(t) == 4]
    return fit, held


def main() -> None:
    rng = random.Random(0)
    stories = [
        text
        for conversation in ds.empathetic_dialogue_conversations("train")
        for role, text in conversation.turns
        if role == "speaker"
    ]
    fit_service, held_service = service_rows(rng)
    fit_stories = rng.sample(stories, STORIES)
    encoder = enc.Encoder()
    print(f"embedding {len(fit_stories) + len(fit_service)} train rows ...")
    x = encoder.embed(fit_stories + fit_service)
    y = np.array([1] * len(fit_stories) + [0] * len(fit_service))
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(x, y)

    valid = [
        text
        for conversation in ds.empathetic_dialogue_conversations("valid")
        for role, text in conversation.turns
        if role == "speaker"
    ]
    story_p = model.predict_proba(encoder.embed(valid))[:, 1]
    service_p = model.predict_proba(encoder.embed(rng.sample(held_service, 3000)))[:, 1]
    threshold = max(
        t for t in np.arange(0.05, 0.96, 0.01) if np.mean(story_p < t) <= MAX_STORY_FLAGGED
    )
    configured = PlanningConfig().story_min
    for label, t in (
        ("planning.story_min", configured),
        (f"<= {MAX_STORY_FLAGGED:.0%} of ED", threshold),
    ):
        if t is None:
            continue
        print(
            f"threshold {t:.2f} ({label}): ED valid speaker turns read as service "
            f"{np.mean(story_p < t):.3f}; held-out customer rows read as service "
            f"{np.mean(service_p < t):.3f}"
        )
    np.savez(
        enc.MODELS_DIR / "register.npz",
        story_w=model.coef_[0].astype(np.float32),
        story_b=model.intercept_.astype(np.float32),
    )
    write_manifest()
    print(f"wrote {enc.MODELS_DIR / 'register.npz'} and manifest.json")


if __name__ == "__main__":
    main()
