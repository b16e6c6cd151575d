"""Evaluation metrics of the papers (GLUE: accuracy, MCC for CoLA, F1 for MRPC), computed by
sklearn.metrics. `score` returns a python float, and 0.0 where the metric is undefined
(as sklearn does by default) or the input is empty (which sklearn refuses).
"""
import warnings

import numpy as np
import sklearn.metrics as skm


def _mcc(y_true, y_pred):
    """Multiclass MCC; 0.0 when undefined (e.g. a constant prediction)."""
    with warnings.catch_warnings():
        # one label in both arrays: sklearn warns about its confusion matrix, and the value (0.0) is right
        warnings.filterwarnings("ignore", message="A single label was found")
        return skm.matthews_corrcoef(y_true, y_pred)


def _f1(y_true, y_pred):
    """Binary F1 of the positive class 1; 0.0 when there are no positives at all."""
    if not (np.isin(y_true, (0, 1)).all() and np.isin(y_pred, (0, 1)).all()):
        raise ValueError("f1 is binary: labels must be 0 or 1")
    return skm.f1_score(y_true, y_pred, zero_division=0.0)


METRICS = {"accuracy": skm.accuracy_score, "mcc": _mcc, "f1": _f1}


def score(name, y_true, y_pred) -> float:
    """METRICS[name] of class labels y_true, y_pred (both shape (n,)).

    ValueError for an unknown name, inputs that are not 1-D of equal length, or, for f1,
    labels other than 0 and 1.
    """
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; known: {sorted(METRICS)}")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must be 1-D of equal length, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size == 0:
        return 0.0
    return float(METRICS[name](y_true, y_pred))
