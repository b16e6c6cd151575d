import math

import numpy as np
import pytest

from nkdlib.metrics import METRICS, score


def test_known_metrics():
    assert set(METRICS) == {"accuracy", "mcc", "f1"}


def test_binary_by_hand():
    y_true = [1, 1, 0, 0, 1]
    y_pred = [1, 0, 0, 1, 1]
    assert score("accuracy", y_true, y_pred) == pytest.approx(0.6)
    # TP = 2, FP = 1, FN = 1: F1 = 2 TP / (2 TP + FP + FN) = 4 / 6
    assert score("f1", y_true, y_pred) == pytest.approx(2 / 3)
    # MCC = (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (2 - 1) / sqrt(3 * 3 * 2 * 2)
    assert score("mcc", y_true, y_pred) == pytest.approx(1 / 6)
    assert score("mcc", [0, 1], [1, 0]) == pytest.approx(-1.0)


def test_multiclass_mcc_by_hand():
    # confusion rows (true) [1 1 0], [0 2 0], [1 0 1]: s = 6 samples, c = 4 correct,
    # true counts t = (2, 2, 2), predicted p = (2, 3, 1);
    # MCC = (c s - t.p) / sqrt((s² - p.p)(s² - t.t)) = (24 - 12) / sqrt(22 * 24)
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    assert score("mcc", y_true, y_pred) == pytest.approx(12 / math.sqrt(22 * 24))
    assert score("mcc", [0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_returns_python_float(name):
    assert type(score(name, np.array([0, 1, 1]), np.array([0, 1, 0]))) is float


def test_undefined_cases_are_zero(recwarn):
    assert score("mcc", [0, 1, 1], [1, 1, 1]) == 0.0  # constant prediction
    assert score("mcc", [1, 1, 1], [1, 1, 1]) == 0.0  # one label only
    assert score("f1", [0, 0, 0], [0, 0, 0]) == 0.0  # no positives at all
    assert score("f1", [1, 1], [0, 0]) == 0.0
    for name in METRICS:
        assert score(name, [], []) == 0.0
    assert not recwarn.list  # undefined values are expected, not warned about


def test_mcc_large_counts_do_not_overflow():
    y = np.tile([0, 1], 2_000_000)
    assert score("mcc", y, y) == pytest.approx(1.0)


def test_input_errors():
    with pytest.raises(ValueError, match="equal length"):
        score("accuracy", [0, 1], [0])
    with pytest.raises(ValueError, match="1-D"):
        score("mcc", [[0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        score("f1", [0, 2], [0, 1])
    with pytest.raises(ValueError, match="unknown metric 'auc'.*accuracy.*f1.*mcc"):
        score("auc", [1, 0], [1, 0])
