"""Synthetic label noise (CMD paper §5.1; noisy-KD paper §4.1).

Every kind chooses *exactly* round(rate * N) samples uniformly without
replacement and gives each a new label:

- ``symmetric``: drawn uniformly from the other C - 1 classes ("uniformly
  changed to one of the other classes", CMD §5.1), so every chosen label changes.
- ``uniform``: drawn uniformly from all C classes, the original included (the
  noise of Jiang et al. 2018 that noisy-KD §4.1 follows: "randomly changing the
  original labels"), so each chosen label changes with probability (C - 1) / C
  and about rate * (C - 1) / C of all labels change. Binary 50% noise thus
  leaves 75% of labels correct, not 50%.
- ``pairflip``: class c becomes (c + 1) mod C ("flipped to its adjacent class",
  CMD §5.1; Han et al. 2018), so every chosen label changes.

The returned mask marks the labels that changed (noisy != clean), which for
``uniform`` is a subset of the chosen samples.
"""

import warnings

import numpy as np

NOISE_KINDS = ("symmetric", "uniform", "pairflip")


def _true_class_loses_plurality(num_classes, rate, kind):
    """Whether, in expectation, some wrong class gets at least the true class's share.

    Shares of the labels of a clean class c after noise at rate r:
    symmetric: c keeps 1 - r, every other class gets r / (C - 1) -> lost when r >= (C - 1) / C.
    uniform:   c keeps 1 - r + r / C, every other class gets r / C -> lost only at r >= 1, never here.
    pairflip:  c keeps 1 - r, class c + 1 gets r                  -> lost when r >= 1 / 2.
    A tie counts as lost: the labels no longer single out the true class.
    """
    if kind == "uniform":
        return False
    kept = 1.0 - rate
    best_wrong = rate / (num_classes - 1) if kind == "symmetric" else rate
    # Tolerance so that e.g. rate=0.8, C=5 (an exact tie on paper) is caught
    # despite floating-point rounding.
    return best_wrong >= kept - 1e-12


def corrupt_labels(labels, num_classes, rate, kind="symmetric", seed=0):
    """Relabel exactly round(rate * N) samples; return (noisy_labels, noisy_mask).

    labels: (N,) integer array with values in [0, num_classes).
    kind: "symmetric", "uniform" or "pairflip" (module docstring).
    Returns a new int64 array (N,) of noisy labels and a bool array (N,) that is
    True where the label changed (noisy != clean): all round(rate * N) chosen
    samples for symmetric and pairflip, about (C - 1) / C of them for uniform.
    ``labels`` itself is not modified.
    round() is Python's (half to even). Everything random comes from
    ``np.random.default_rng(seed)``: the same seed gives the same output.

    Raises ValueError for an unknown ``kind``, num_classes < 2, rate outside
    [0, 1), labels that are not a 1-D integer array, or a label outside
    [0, num_classes). Warns (UserWarning) when the rate leaves the true class no
    longer the plurality label of its own samples: symmetric when
    rate >= (C - 1) / C, pairflip when rate >= 1/2 (ties included); uniform never.
    """
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise kind {kind!r}; known kinds: {NOISE_KINDS}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"noise rate must be in [0, 1), got {rate}")
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(f"label {bad} outside [0, {num_classes})")
    if _true_class_loses_plurality(num_classes, rate, kind):
        warnings.warn(
            f"{kind} noise at rate {rate} with {num_classes} classes leaves the true "
            "class no longer the most frequent label of its samples",
            stacklevel=2,
        )

    rng = np.random.default_rng(seed)
    n = labels.shape[0]
    chosen = rng.choice(n, size=int(round(rate * n)), replace=False)
    noisy = labels.astype(np.int64)  # astype copies: the caller's array stays intact
    if kind == "symmetric":
        # An offset in 1..C-1 added mod C is uniform over the other classes.
        offsets = rng.integers(1, num_classes, size=chosen.size)
        noisy[chosen] = (noisy[chosen] + offsets) % num_classes
    elif kind == "uniform":
        noisy[chosen] = rng.integers(0, num_classes, size=chosen.size)
    else:
        noisy[chosen] = (noisy[chosen] + 1) % num_classes
    return noisy, noisy != labels
