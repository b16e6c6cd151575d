import warnings

import numpy as np
import pytest
from scipy.stats import binom, chisquare

from nkdlib.noise import NOISE_KINDS, corrupt_labels

ALWAYS_CHANGE = ("symmetric", "pairflip")  # every chosen label changes; uniform may keep it


def _labels(n, num_classes, seed=123):
    return np.random.default_rng(seed).integers(0, num_classes, size=n)


def test_noise_kinds():
    assert NOISE_KINDS == ("symmetric", "uniform", "pairflip")


@pytest.mark.parametrize("kind", NOISE_KINDS)
@pytest.mark.parametrize("n", [1, 7, 10, 101, 1000])
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.25, 0.4, 0.45])  # 0.25, 0.45 hit .5 ties
def test_exact_count_and_mask(kind, n, rate):
    labels = _labels(n, 4)
    noisy, mask = corrupt_labels(labels, 4, rate, kind=kind, seed=1)
    assert noisy.dtype == np.int64 and mask.dtype == bool
    assert noisy.shape == mask.shape == (n,)
    # the mask marks exactly the labels that changed
    np.testing.assert_array_equal(mask, noisy != labels)
    if kind in ALWAYS_CHANGE:
        assert mask.sum() == round(rate * n)
    else:
        assert mask.sum() <= round(rate * n)


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("symmetric", [2, 2, 0, 3, 0, 1, 3, 3, 0, 1, 2, 1]),
        ("pairflip", [1, 2, 3, 3, 0, 1, 3, 3, 0, 1, 2, 0]),
    ],
)
def test_existing_kinds_unchanged(kind, expected):
    # outputs recorded before the uniform kind was added: same seed, same labels
    labels = np.arange(12) % 4
    noisy, mask = corrupt_labels(labels, 4, 0.4, kind=kind, seed=3)
    assert noisy.tolist() == expected
    assert mask.tolist() == [True] * 3 + [False] * 3 + [True] + [False] * 4 + [True]


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
        ((np.array([0, 1]), 2, 0.1), {"kind": "gaussian"},
         r"unknown noise kind 'gaussian'.*symmetric.*uniform.*pairflip"),
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
        # uniform: true class keeps 1 - r + r / C > r / C for every r < 1
        (2, 0.5, "uniform", False),
        (2, 0.99, "uniform", False),
        (10, 0.95, "uniform", False),
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


def test_uniform_resamples_exactly_round_rate_n():
    # Each of the K = round(r N) resampled labels changes independently with
    # probability (C - 1) / C, so over seeds the number changed is Binomial(K, (C - 1) / C):
    # never above K, reaching K, and with that distribution (which pins K: mean K / 2 here).
    n, num_classes, rate, k = 20, 2, 0.25, 5
    labels = _labels(n, num_classes)
    changed = np.array([corrupt_labels(labels, num_classes, rate, kind="uniform", seed=s)[1].sum()
                        for s in range(2000)])
    assert changed.max() == k
    observed = np.bincount(changed, minlength=k + 1)
    assert chisquare(observed, 2000 * binom.pmf(np.arange(k + 1), k, 0.5)).pvalue > 0.001


@pytest.mark.parametrize("num_classes, rate", [(2, 0.5), (3, 0.25), (10, 0.4)])
def test_uniform_changes_about_rate_times_c_minus_1_over_c(num_classes, rate):
    n = 200_000
    k = round(rate * n)
    labels = _labels(n, num_classes)
    _, mask = corrupt_labels(labels, num_classes, rate, kind="uniform", seed=5)
    # Binomial(K, (C - 1) / C) changes: allow 5 standard deviations
    p = (num_classes - 1) / num_classes
    assert abs(mask.sum() - k * p) < 5 * np.sqrt(k * p * (1 - p))


def test_uniform_new_labels_uniform_over_all_classes():
    # A resampled label lands on each of the C classes, the original included,
    # with probability 1 / C. Per true class c with n_c samples, K n_c / N are
    # resampled on average, so E[count(c -> k)] = K n_c / (N C) + [k == c] n_c (1 - K / N).
    n, num_classes, rate = 60000, 4, 0.4
    labels = _labels(n, num_classes, seed=0)
    noisy, _ = corrupt_labels(labels, num_classes, rate, kind="uniform", seed=0)
    counts = np.zeros((num_classes, num_classes))
    np.add.at(counts, (labels, noisy), 1)
    n_c = np.bincount(labels, minlength=num_classes)[:, None]
    resampled = round(rate * n) / n
    expected = n_c * resampled / num_classes + np.eye(num_classes) * n_c * (1 - resampled)
    # row totals are fixed: C (C - 1) degrees of freedom
    assert chisquare(counts.ravel(), expected.ravel(), ddof=num_classes - 1).pvalue > 0.001
    off = ~np.eye(num_classes, dtype=bool)
    np.testing.assert_allclose(counts[off], expected[off], rtol=0.05)
    # 1 - r + r / C = 0.7 of the labels stay correct (symmetric would leave 0.6);
    # sd of that fraction: sqrt(K (1/4)(3/4)) / N = 0.0011, so 0.005 is 4.5 sd
    assert abs(np.trace(counts) / n - 0.7) < 0.005
