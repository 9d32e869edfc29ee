"""Train the ESConv next-strategy model; write models/strategy.npz.

    python training/train_strategy.py

Features: the shared encoder's embedding of the seeker's latest message before the supporter's
reply, the supporter's last two strategies, the mix of strategies so far and the position in the
conversation (see empathic.plan.strategy_model). Logistic regression, C picked on the valid
split. Prints test accuracy and macro-F1 beside the published figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from empathic.evaluate import datasets as ds
from empathic.evaluate.suites import strategy_scores
from empathic.perceive.encoder import MODELS_DIR, Encoder
from empathic.plan.strategy_model import StrategyModel, features, seeker_message

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_heads import write_manifest  # noqa: E402


def featurize(encoder: Encoder, samples):
    embeddings = encoder.embed([seeker_message(s.context) for s in samples])
    x = features(embeddings, [s.history for s in samples], ds.ESCONV_STRATEGIES)
    y = np.array([ds.ESCONV_STRATEGIES.index(s.strategy) for s in samples])
    return x, y


def main() -> None:
    encoder = Encoder()
    train_x, train_y = featurize(encoder, ds.esconv("train"))
    valid_x, valid_y = featurize(encoder, ds.esconv("valid"))
    best = None
    for c in (0.03, 0.1, 0.3, 1.0):
        model = LogisticRegression(C=c, max_iter=3000).fit(train_x, train_y)
        score = float(np.mean(model.predict(valid_x) == valid_y))
        print(f"C={c}: valid accuracy {score:.3f}")
        if best is None or score > best[0]:
            best = (score, model)
    model = best[1]
    result = strategy_scores(
        StrategyModel(ds.ESCONV_STRATEGIES, model.coef_.T, model.intercept_),
        encoder,
        ds.esconv("test"),
    )
    print(
        f"ESConv test: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f} "
        "(published: original 0.322 / 0.218, SAGE 0.468)"
    )
    np.savez(
        MODELS_DIR / "strategy.npz",
        labels=np.array(ds.ESCONV_STRATEGIES),
        w=model.coef_.T.astype(np.float32),
        b=model.intercept_.astype(np.float32),
    )
    write_manifest()


if __name__ == "__main__":
    main()
