"""Evaluation metrics of the papers (GLUE: accuracy, MCC for CoLA, F1 for MRPC).

Plain numpy, same values as sklearn.metrics; each returns a python float and
0.0 where the metric is undefined (as sklearn does by default).
"""

import numpy as np


def _pair(y_true, y_pred):
    """Both as 1-D numpy arrays of equal length."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must be 1-D of equal length, got {y_true.shape} and {y_pred.shape}"
        )
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Fraction of exact matches; 0.0 for empty input."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred)) if y_true.size else 0.0


def matthews_corrcoef(y_true, y_pred):
    """Matthews correlation coefficient, multiclass (Gorodkin's R_K, as sklearn).

    With confusion matrix M, s = N samples, c = trace(M) correct, t = row sums
    (true counts), p = column sums (predicted counts):
        MCC = (c s - t.p) / sqrt((s^2 - p.p)(s^2 - t.t)),
    0.0 when the denominator is 0 (e.g. a constant prediction).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    _, codes = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    k = int(codes.max()) + 1 if codes.size else 0
    true_codes, pred_codes = codes[: y_true.size], codes[y_true.size:]
    confusion = np.bincount(true_codes * k + pred_codes, minlength=k * k).reshape(k, k)
    # float64 throughout: the products overflow int64 for large N
    confusion = confusion.astype(np.float64)
    t, p = confusion.sum(axis=1), confusion.sum(axis=0)
    s, c = confusion.sum(), np.trace(confusion)
    denominator = (s * s - p @ p) * (s * s - t @ t)
    if denominator == 0:
        return 0.0
    return float((c * s - t @ p) / np.sqrt(denominator))


def f1(y_true, y_pred):
    """Binary F1 of the positive class 1: 2 TP / (2 TP + FP + FN); 0.0 when undefined.

    Labels must be in {0, 1}.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if not (np.isin(y_true, (0, 1)).all() and np.isin(y_pred, (0, 1)).all()):
        raise ValueError("f1 is binary: labels must be 0 or 1")
    tp = np.sum((y_true == 1) & (y_pred == 1))
    fp = np.sum((y_true == 0) & (y_pred == 1))
    fn = np.sum((y_true == 1) & (y_pred == 0))
    denominator = 2 * tp + fp + fn
    return float(2 * tp / denominator) if denominator else 0.0


METRICS = {"accuracy": accuracy, "mcc": matthews_corrcoef, "f1": f1}


def score(name, y_true, y_pred):
    """METRICS[name](y_true, y_pred); ValueError for an unknown name."""
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; known: {sorted(METRICS)}")
    return METRICS[name](y_true, y_pred)
