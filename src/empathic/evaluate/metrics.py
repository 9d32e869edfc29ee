"""Classification metrics in numpy (scikit-learn is not a run-time dependency)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def confusion(truth: ArrayLike, pred: ArrayLike, n_classes: int) -> np.ndarray:
    """Rows are the truth, columns the prediction."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth, dtype=np.int64), np.asarray(pred, dtype=np.int64)), 1)
    return matrix


def accuracy(truth: ArrayLike, pred: ArrayLike) -> float:
    truth_array, pred_array = np.asarray(truth), np.asarray(pred)
    if not len(truth_array):
        return float("nan")
    return float((truth_array == pred_array).mean())


def per_class_f1(truth: ArrayLike, pred: ArrayLike, n_classes: int) -> np.ndarray:
    matrix = confusion(truth, pred, n_classes)
    tp = np.diag(matrix).astype(float)
    denominator = matrix.sum(0) + matrix.sum(1)
    return np.divide(2 * tp, denominator, out=np.zeros(n_classes), where=denominator > 0)


def macro_f1(truth: ArrayLike, pred: ArrayLike, n_classes: int) -> float:
    """Mean F1 over the classes present in the truth or the prediction (scikit-learn's rule)."""
    matrix = confusion(truth, pred, n_classes)
    present = (matrix.sum(0) + matrix.sum(1)) > 0
    if not present.any():
        return float("nan")
    return float(per_class_f1(truth, pred, n_classes)[present].mean())
