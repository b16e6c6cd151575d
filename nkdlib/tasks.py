"""From a data set to a training task: read -> classes -> subset -> carve valid -> noise.

    task = make_task("rte", seed=1, noise_rate=0.3)
    task.train.x[0], task.train.y[0]        # ("premise", "hypothesis"), noisy label

`make_task` runs the steps below in that order; each is a function of its own. Train
is corrupted with `seed`, valid with `seed + 1`, test stays clean (noisy-KD §4.1: 10%
of train held out as validation, with the same noise). `task_for(cfg)` is the same
for a training config, cached in-process. Non-finite input features are refused at
once, and every Task says what was read (Task.provenance).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from . import datasets
from .noise import corrupt_labels

TASK_KEYS = ("task", "noise", "noise_rate", "seed", "max_train", "max_test", "classes", "valid_frac", "data_source")
FEWREL_SPLIT = (500, 100, 100)  # label-reg appendix B.1: train / dev / test per relation and seed


@dataclass
class Split:
    """One split. x: list[str] | list[tuple[str, str]] (text pairs stay pairs) |
    uint8 (N, H, W, 3) images | float32 (N, D) vectors; y, y_true: (N,) int64;
    noisy: (N,) bool, True where y was corrupted (so noisy == (y != y_true))."""

    x: list | np.ndarray
    y: np.ndarray
    y_true: np.ndarray
    noisy: np.ndarray

    def __len__(self):
        return len(self.y)


@dataclass
class Task:
    """A task ready for training: noisy train / valid, clean test, and the data set's
    official dev split (clean) where it has one besides test (SST-5), else None.
    provenance: what was read (nkdlib.datasets.Raw.provenance), e.g. {"source": "local",
    "files": {path relative to the data folder: sha256}}; None when not reported."""

    name: str
    kind: str  # "text" | "image" | "vector"
    num_classes: int
    label_names: list[str]
    metric: str  # "accuracy" | "mcc" | "f1"
    train: Split
    valid: Split
    test: Split
    dev: Split | None = None
    provenance: dict | None = None


def make_task(name, data_dir=None, *, seed=0, noise="symmetric", noise_rate=0.0, valid_frac=0.1,
              max_train=None, max_test=None, classes=None, source="auto", data_source=None):
    """Task `name` (one of nkdlib.datasets.TASKS) split into noisy train / valid and clean test.

    data_dir, source, data_source: where and what to read (see nkdlib.datasets.read).
    seed: drives the max_train subset, the valid split and the noise (train: seed,
        valid: seed + 1); FewRel's per-relation split too.
    noise, noise_rate: passed to `corrupt_labels` (exactly round(rate * N) flips).
    valid_frac: fraction of train held out as validation (stratified); 0 gives an empty
        valid split (CMD trains on all training data). FewRel instead uses the paper's
        100-per-relation dev split, shrunk like train by max_train.
    max_train, max_test: stratified subsets (test and dev: always seed 0, same across seeds).
    classes: original class indices or names to keep, relabelled 0..k-1 in this order.
    """
    if not 0.0 <= valid_frac < 1.0:
        raise ValueError(f"valid_frac must be in [0, 1), got {valid_frac}")
    raw = datasets.read(name, data_dir, source, data_source)
    check_finite(name, raw)
    train, valid, test = protocol_splits(raw, seed)
    label_names, (train, valid, test, dev) = select_classes(raw.label_names, classes, train, valid, test, raw.dev)
    n_train = len(train[1])
    train = subset(train, max_train, seed)
    test = subset(test, max_test, seed=0)  # the same test set for every seed
    dev = None if dev is None else subset(dev, max_test, seed=0)
    if valid is None:
        train, valid = carve_valid(train, valid_frac, seed)
    elif len(train[1]) < n_train:  # FewRel's own valid split: shrunk as much as train was
        valid = subset(valid, round(len(valid[1]) * len(train[1]) / n_train), seed)
    k = len(label_names)
    return Task(name, datasets.TASKS[name].kind, k, list(label_names), datasets.TASKS[name].metric,
                train=corrupt(train, k, noise, noise_rate, seed),
                valid=corrupt(valid, k, noise, noise_rate, seed + 1),
                test=clean(test), dev=None if dev is None else clean(dev), provenance=raw.provenance)


_TASKS = {}


def task_for(cfg: dict, data_dir=None) -> Task:
    """make_task for a training config's TASK_KEYS. Cached in-process: equal keys and
    data folder (data_dir, default $NKD_DATA_DIR or ../shared/data, resolved) give the
    same Task object, so callers must not modify it."""
    args = {k: cfg[k] for k in TASK_KEYS}
    data_dir = datasets.resolve_data_dir(data_dir)  # NKD_DATA_DIR may change within a process
    key = repr((sorted(args.items()), data_dir))  # repr: classes may be a list
    if key not in _TASKS:
        _TASKS[key] = make_task(args.pop("task"), data_dir, **args)
    return _TASKS[key]


def provenance_for(cfg: dict, data_dir=None) -> dict:
    """What task_for(cfg, data_dir).provenance would be, found without reading the data
    (nkdlib.datasets.provenance): what a finished run's recorded data is checked against."""
    return datasets.provenance(cfg["task"], data_dir, data_source=cfg["data_source"])


# ----------------------------------------------------------------------------- the steps
# (x, y) pairs throughout: x a list or an array indexed along axis 0, y (N,) int64.


def check_finite(name, raw):
    """ValueError naming the task and split when float inputs (vectors) hold NaN or inf:
    they would train and score as a normal run with NaN losses."""
    for split, xy in (("train", raw.train), ("test", raw.test), ("dev", raw.dev)):
        x = None if xy is None else xy[0]   # texts are lists, images uint8: only float arrays can hold NaN
        if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
            bad = np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1))
            raise ValueError(f"task {name!r}, {split} split: {len(bad)} example(s) with non-finite input "
                             f"features (first at index {bad[0]}); inputs must be finite numbers")


def protocol_splits(raw, seed):
    """(train, valid, test) of a Raw: (raw.train, None, raw.test), or, for a data set
    without a test split (FewRel), its per-class FEWREL_SPLIT split drawn with `seed`; a
    class too small for it is a ValueError naming it and the files read."""
    if raw.test is not None:
        return raw.train, None, raw.test
    counts = np.bincount(raw.train[1], minlength=len(raw.label_names))
    short = np.flatnonzero(counts < sum(FEWREL_SPLIT))
    if short.size:
        read = ", ".join((raw.provenance or {}).get("files", ())) or "the data read"
        raise ValueError(f"{read}: relation {raw.label_names[short[0]]!r} has {counts[short[0]]} instances; the "
                         f"per-relation split {FEWREL_SPLIT} (train, valid, test) needs {sum(FEWREL_SPLIT)}")
    return tuple(_take(raw.train, idx) for idx in split_per_class(raw.train[1], seed, *FEWREL_SPLIT))


def split_per_class(y, seed, n_train, n_valid, n_test):
    """Shuffle each class's samples (seeded) and take the first n_train for train, the next
    n_valid for valid, the next n_test for test. y: (N,) -> three sorted index arrays."""
    rng = np.random.default_rng(seed)
    ends = np.cumsum([n_train, n_valid, n_test])
    parts = ([], [], [])
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        if len(idx) < ends[-1]:
            raise ValueError(f"class {c} has {len(idx)} samples, needs {ends[-1]}")
        for part, chunk in zip(parts, np.split(idx[: ends[-1]], ends[:-1])):
            part.append(chunk)
    return tuple(np.sort(np.concatenate(p)) for p in parts)


def select_classes(label_names, classes, *parts):
    """Keep only `classes` (indices or names), relabelled 0..k-1 in the given order.
    classes None keeps everything. Returns (label_names, parts); a part may be None."""
    if classes is None:
        return label_names, parts
    index = {n: i for i, n in enumerate(label_names)}
    old = [index.get(c, c) if isinstance(c, str) else int(c) for c in classes]
    if len(set(old)) != len(old) or not all(isinstance(c, int) and 0 <= c < len(label_names) for c in old):
        raise ValueError(f"classes={classes} must be distinct labels among {label_names}")
    new = np.full(len(label_names), -1, dtype=np.int64)
    new[old] = np.arange(len(old))

    def keep(xy):
        x, y = _take(xy, np.flatnonzero(new[xy[1]] >= 0))
        return x, new[y]

    return [label_names[c] for c in old], tuple(None if p is None else keep(p) for p in parts)


def subset(xy, n, seed):
    """A stratified subset of n samples (seeded), in the original order; xy itself when
    n is None or at least its size."""
    if n is None or n >= len(xy[1]):
        return xy
    return _take(xy, _stratified(xy[1], n, seed)[1])


def carve_valid(train, valid_frac, seed):
    """(train, valid): a stratified round(valid_frac * N) samples (seeded) held out of train.
    valid_frac 0 gives an empty valid, with x and y of the right types."""
    rest, held = _stratified(train[1], round(valid_frac * len(train[1])), seed)
    return _take(train, rest), _take(train, held)


def corrupt(xy, num_classes, kind, rate, seed):
    """Split with round(rate * N) labels corrupted by `corrupt_labels(kind, seed)`."""
    noisy_y, mask = corrupt_labels(xy[1], num_classes, rate, kind=kind, seed=seed)
    return Split(xy[0], noisy_y, xy[1], mask)


def clean(xy):
    """Split with the true labels; a copy, so the cached raw data stays intact."""
    x, y = _take(xy, np.arange(len(xy[1])))
    return Split(x, y.copy(), y, np.zeros(len(y), dtype=bool))


def _take(xy, idx):
    """(x, y) restricted to the integer indices idx; always a copy."""
    x, y = xy
    return ([x[i] for i in idx] if isinstance(x, list) else x[idx]), y[idx]


def _stratified(y, n, seed):
    """(rest, chosen): sorted index arrays, len(chosen) == n, stratified by y unless some
    class is too small to give a sample to both sides (tiny subsets): then uniform."""
    if n == 0:
        return np.arange(len(y)), np.arange(0)
    counts = np.bincount(y)
    counts = counts[counts > 0]
    stratify = y if counts.min() >= 2 and len(counts) <= min(n, len(y) - n) else None
    rest, chosen = train_test_split(np.arange(len(y)), test_size=n, stratify=stratify, random_state=seed)
    return np.sort(rest), np.sort(chosen)
