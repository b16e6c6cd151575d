import warnings

import numpy as np
import pytest
import sklearn.metrics as skm

from nkdlib.metrics import METRICS, accuracy, f1, matthews_corrcoef, score


def quiet(metric, y_true, y_pred):
    """sklearn's value with its default arguments, silencing its undefined-metric warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return metric(y_true, y_pred)


def pairs(num_classes):
    """Random (y_true, y_pred) pairs, several seeds and sizes, plus degenerate predictions."""
    out = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        for n in (1, 2, 13, 200):
            y_true = rng.integers(0, num_classes, size=n)
            noisy = np.where(rng.random(n) < 0.3, rng.integers(0, num_classes, size=n), y_true)
            out.append((y_true, noisy))
            out.append((y_true, rng.integers(0, num_classes, size=n)))
            for c in range(num_classes):  # every prediction one class
                out.append((y_true, np.full(n, c)))
                out.append((np.full(n, c), np.full(n, c)))
    return out


@pytest.mark.parametrize("num_classes", [2, 3, 5])
def test_accuracy_and_mcc_match_sklearn(num_classes):
    for y_true, y_pred in pairs(num_classes):
        acc = accuracy(y_true, y_pred)
        assert isinstance(acc, float) and acc == pytest.approx(quiet(skm.accuracy_score, y_true, y_pred))
        mcc = matthews_corrcoef(y_true, y_pred)
        assert isinstance(mcc, float)
        assert mcc == pytest.approx(quiet(skm.matthews_corrcoef, y_true, y_pred), abs=1e-12)


def test_f1_matches_sklearn():
    for y_true, y_pred in pairs(2):
        value = f1(y_true, y_pred)
        assert isinstance(value, float) and value == pytest.approx(quiet(skm.f1_score, y_true, y_pred))


def test_by_hand():
    y_true = [1, 1, 0, 0, 1]
    y_pred = [1, 0, 0, 1, 1]
    assert accuracy(y_true, y_pred) == pytest.approx(0.6)
    # TP = 2, FP = 1, FN = 1: F1 = 4 / 6
    assert f1(y_true, y_pred) == pytest.approx(2 / 3)
    # MCC = (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (2 - 1) / sqrt(3 * 3 * 2 * 2)
    assert matthews_corrcoef(y_true, y_pred) == pytest.approx(1 / 6)
    assert matthews_corrcoef([0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)
    assert matthews_corrcoef([0, 1], [1, 0]) == pytest.approx(-1.0)


def test_undefined_cases_are_zero():
    assert matthews_corrcoef([0, 1, 1], [1, 1, 1]) == 0.0  # constant prediction
    assert f1([0, 0, 0], [0, 0, 0]) == 0.0  # no positives at all
    assert f1([1, 1], [0, 0]) == 0.0
    assert accuracy([], []) == 0.0


def test_mcc_large_counts_do_not_overflow():
    y = np.tile([0, 1], 2_000_000)
    assert matthews_corrcoef(y, y) == pytest.approx(1.0)


def test_input_errors():
    with pytest.raises(ValueError, match="equal length"):
        accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="1-D"):
        matthews_corrcoef([[0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        f1([0, 2], [0, 1])


def test_score_and_registry():
    assert set(METRICS) == {"accuracy", "mcc", "f1"}
    y_true, y_pred = [1, 1, 0, 0, 1], [1, 0, 0, 1, 1]
    assert score("accuracy", y_true, y_pred) == accuracy(y_true, y_pred)
    assert score("mcc", y_true, y_pred) == matthews_corrcoef(y_true, y_pred)
    assert score("f1", y_true, y_pred) == f1(y_true, y_pred)
    with pytest.raises(ValueError, match="unknown metric 'auc'.*accuracy.*f1.*mcc"):
        score("auc", y_true, y_pred)
