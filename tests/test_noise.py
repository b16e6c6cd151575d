import warnings

import numpy as np
import pytest
from scipy.stats import chisquare

from nkdlib.noise import NOISE_KINDS, corrupt_labels


def _labels(n, num_classes, seed=123):
    return np.random.default_rng(seed).integers(0, num_classes, size=n)


def test_noise_kinds():
    assert NOISE_KINDS == ("symmetric", "pairflip")


@pytest.mark.parametrize("kind", NOISE_KINDS)
@pytest.mark.parametrize("n", [1, 7, 10, 101, 1000])
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.25, 0.4, 0.45])  # 0.25, 0.45 hit .5 ties
def test_exact_count_and_mask(kind, n, rate):
    labels = _labels(n, 4)
    noisy, mask = corrupt_labels(labels, 4, rate, kind=kind, seed=1)
    assert noisy.dtype == np.int64 and mask.dtype == bool
    assert noisy.shape == mask.shape == (n,)
    assert mask.sum() == round(rate * n)
    # with C >= 2 every corrupted label differs from the clean one
    np.testing.assert_array_equal(mask, noisy != labels)


def test_count_rounds_half_to_even():
    # round() is Python's: 2.5 -> 2, 3.5 -> 4, 4.5 -> 4
    labels = _labels(10, 3)
    assert [corrupt_labels(labels, 3, r)[1].sum() for r in (0.25, 0.35, 0.45)] == [2, 4, 4]


def test_symmetric_never_keeps_own_label():
    labels = _labels(5000, 3)
    noisy, mask = corrupt_labels(labels, 3, 0.6, seed=4)
    assert np.all(noisy[mask] != labels[mask])
    assert np.all((noisy >= 0) & (noisy < 3))


def test_pairflip_mapping():
    labels = np.array([0, 1, 2, 3, 4] * 20)
    noisy, mask = corrupt_labels(labels, 5, 0.3, kind="pairflip", seed=2)
    np.testing.assert_array_equal(noisy[mask], (labels[mask] + 1) % 5)
    np.testing.assert_array_equal(noisy[~mask], labels[~mask])
    # the top class wraps around to 0
    assert set(noisy[mask & (labels == 4)]) <= {0}


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_input_not_modified(kind):
    labels = _labels(200, 5)
    before = labels.copy()
    noisy, _ = corrupt_labels(labels, 5, 0.4, kind=kind)
    np.testing.assert_array_equal(labels, before)
    assert noisy is not labels


def test_list_and_int32_input():
    noisy, mask = corrupt_labels([0, 1, 2, 0], 3, 0.5, seed=0)
    assert noisy.dtype == np.int64 and mask.sum() == 2
    noisy32, _ = corrupt_labels(np.array([0, 1, 2, 0], dtype=np.int32), 3, 0.5, seed=0)
    np.testing.assert_array_equal(noisy, noisy32)


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_determinism(kind):
    labels = _labels(1000, 10)
    a = corrupt_labels(labels, 10, 0.3, kind=kind, seed=7)
    b = corrupt_labels(labels, 10, 0.3, kind=kind, seed=7)
    c = corrupt_labels(labels, 10, 0.3, kind=kind, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((np.array([0, 1]), 2, 0.1), {"kind": "uniform"},
         r"unknown noise kind 'uniform'.*symmetric.*pairflip"),
        ((np.array([0, 0]), 1, 0.1), {}, r"num_classes must be at least 2"),
        ((np.array([0, 1]), 2, -0.1), {}, r"rate must be in \[0, 1\)"),
        ((np.array([0, 1]), 2, 1.0), {}, r"rate must be in \[0, 1\)"),
        ((np.array([0, 1]), 2, float("nan")), {}, r"rate must be in \[0, 1\)"),
        ((np.array([[0, 1]]), 2, 0.1), {}, r"labels must be 1-D"),
        ((np.array([0.0, 1.0]), 2, 0.1), {}, r"labels must be integers"),
        ((np.array([0, 3]), 3, 0.1), {}, r"label 3 outside \[0, 3\)"),
        ((np.array([-1, 0]), 3, 0.1), {}, r"label -1 outside \[0, 3\)"),
    ],
)
def test_value_errors(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        corrupt_labels(*args, **kwargs)


@pytest.mark.parametrize(
    "num_classes, rate, kind, warns",
    [
        # symmetric: true class keeps 1 - r, each other class gets r / (C - 1)
        (2, 0.49, "symmetric", False),
        (2, 0.5, "symmetric", True),  # tie 0.5 vs 0.5
        (5, 0.79, "symmetric", False),
        (5, 0.8, "symmetric", True),  # tie 0.2 vs 0.2
        (10, 0.85, "symmetric", False),  # 0.15 vs 0.094: still the plurality
        # pairflip: class c + 1 gets all of r
        (10, 0.49, "pairflip", False),
        (10, 0.5, "pairflip", True),
        (3, 0.6, "pairflip", True),
    ],
)
def test_plurality_warning(num_classes, rate, kind, warns):
    labels = _labels(100, num_classes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corrupt_labels(labels, num_classes, rate, kind=kind)
    assert any("no longer" in str(w.message) for w in caught) == warns


def test_symmetric_spreads_uniformly_over_other_classes():
    n, num_classes, rate = 30000, 5, 0.4
    labels = _labels(n, num_classes, seed=0)
    noisy, mask = corrupt_labels(labels, num_classes, rate, seed=0)
    counts = np.zeros((num_classes, num_classes))
    np.add.at(counts, (labels[mask], noisy[mask]), 1)
    assert np.all(np.diag(counts) == 0)
    off_diagonal = counts[~np.eye(num_classes, dtype=bool)]
    # per true class, flips are uniform over the other C - 1 classes
    expected = np.repeat(counts.sum(axis=1) / (num_classes - 1), num_classes - 1)
    assert chisquare(off_diagonal, expected).pvalue > 0.001
    np.testing.assert_allclose(off_diagonal, expected, rtol=0.1)
    # and the corrupted samples are a uniform pick: each class loses ~rate of its samples
    per_class = np.bincount(labels[mask], minlength=num_classes) / np.bincount(labels, minlength=num_classes)
    np.testing.assert_allclose(per_class, rate, rtol=0.1)
