"""Data sets of the three papers, split and noised the same way for every task.

    task = load_task("rte", seed=1, noise_rate=0.3)
    task.train.x[0], task.train.y[0]        # ("premise", "hypothesis"), noisy label

Every task ends in `_make_task`, which (1) keeps only `classes` if given, (2) takes
the `max_train` / `max_test` stratified subsets, (3) carves a stratified `valid_frac`
of train off as validation, (4) corrupts train (seed) and valid (seed + 1) with
`corrupt_labels`; test stays clean. Noisy-KD §4.1: 10% of train held out, same noise.

Two routes to the same data (SPEC "Data"): "local" reads a folder laid out as
shared/data/README.md describes; "hub" downloads with `datasets` / torchvision into
the cache dir ($NKD_CACHE_DIR, default ~/.cache/nkdlib). "auto" tries local first.
"""

import csv
import functools
import io
import json
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
from sklearn.model_selection import train_test_split

from .noise import corrupt_labels

_LOCAL_HOW = "pass data_dir= or set NKD_DATA_DIR to a folder laid out as in shared/data/README.md"
_HOW_TO_GET = _LOCAL_HOW + ", or use source='hub' on a machine with network"
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
SST5_LABELS = ("very negative", "negative", "neutral", "positive", "very positive")


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
    """A task ready for training: noisy train / valid, clean test."""

    name: str
    kind: str  # "text" | "image" | "vector"
    num_classes: int
    label_names: list[str]
    metric: str  # "accuracy" | "mcc" | "f1"
    train: Split
    valid: Split
    test: Split


class _Raw(NamedTuple):
    """A data set as read, before splitting: train / test are (x, y) pairs.
    test is None for FewRel, which is re-split per seed."""

    label_names: tuple[str, ...]
    train: tuple
    test: tuple | None


@dataclass(frozen=True)
class TaskDef:
    """How to get a task: `local(data_dir) -> _Raw` and `hub() -> _Raw`."""

    kind: str
    metric: str
    local: Callable[[Path], _Raw]
    hub: Callable[[], _Raw]


# -----------------------------------------------------------------------------
# paths


def default_data_dir():
    """$NKD_DATA_DIR if set, else <repo>/../shared/data if it exists, else None."""
    if os.environ.get("NKD_DATA_DIR"):
        return Path(os.environ["NKD_DATA_DIR"]).expanduser()
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return shared if shared.is_dir() else None


def _cache_dir():
    return Path(os.environ.get("NKD_CACHE_DIR", "~/.cache/nkdlib")).expanduser()


def _need(path):
    """path, or FileNotFoundError naming it and how to get the data."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; {_HOW_TO_GET}")
    return path


def _from_hub(what, fetch, offline=f"use local data: {_LOCAL_HOW}, with source='local'"):
    """fetch(), with a failure (typically: no network) explained."""
    try:
        return fetch()
    except Exception as e:
        raise RuntimeError(f"could not get {what} from the hub (this needs network): {e!r}. Offline, {offline}") from e


def _check_labels(y, num_classes, where):
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{where}: label outside [0, {num_classes}): {y[(y < 0) | (y >= num_classes)][0]}")


# -----------------------------------------------------------------------------
# GLUE


@dataclass(frozen=True)
class _Glue:
    folder: str  # local folder name, e.g. "SST-2"
    cols: tuple[str, ...]  # text column(s) in the local TSV header
    label_col: str
    names: tuple[str, ...]  # label names, in the hub's (= GLUE's) label order
    named: bool  # True: the TSV holds label names; False: label indices "0", "1"
    hub_config: str
    hub_cols: tuple[str, ...]
    test_file: str = "dev.tsv"  # GLUE test labels are hidden: dev is the test set
    hub_test: str = "validation"
    columns: tuple[str, ...] | None = None  # for a header-less TSV (CoLA)


_NLI2 = ("entailment", "not_entailment")
_MNLI = ("entailment", "neutral", "contradiction")
_GLUE = {
    "cola": _Glue("CoLA", ("sentence",), "label", ("unacceptable", "acceptable"), False, "cola",
                  ("sentence",), columns=("source", "label", "author_mark", "sentence")),
    "sst2": _Glue("SST-2", ("sentence",), "label", ("negative", "positive"), False, "sst2", ("sentence",)),
    "mrpc": _Glue("MRPC", ("#1 String", "#2 String"), "Quality", ("not_equivalent", "equivalent"), False,
                  "mrpc", ("sentence1", "sentence2")),
    "rte": _Glue("RTE", ("sentence1", "sentence2"), "label", _NLI2, True, "rte", ("sentence1", "sentence2")),
    "qnli": _Glue("QNLI", ("question", "sentence"), "label", _NLI2, True, "qnli", ("question", "sentence")),
    "qqp": _Glue("QQP", ("question1", "question2"), "is_duplicate", ("not_duplicate", "duplicate"), False,
                 "qqp", ("question1", "question2")),
    "mnli": _Glue("MNLI", ("sentence1", "sentence2"), "gold_label", _MNLI, True, "mnli",
                  ("premise", "hypothesis"), "dev_matched.tsv", "validation_matched"),
    "mnli_mm": _Glue("MNLI", ("sentence1", "sentence2"), "gold_label", _MNLI, True, "mnli",
                     ("premise", "hypothesis"), "dev_mismatched.tsv", "validation_mismatched"),
}


def _read_tsv(path, cols, label_col, label_map, columns=None):
    """Read a GLUE TSV -> (x, y); x: list[str] (one text column) or list[tuple[str, str]],
    y: (N,) int64. Columns are found by header name; `columns` names them for a
    header-less file. Any bad row is a ValueError naming file and line."""
    x, y = [], []
    # utf-8-sig: some GLUE files (MRPC) start with a byte-order mark before the header
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)  # sentences contain quotes
        header = list(columns) if columns else next(rows, None)
        missing = [c for c in (*cols, label_col) if c not in (header or [])]
        if missing:
            raise ValueError(f"{path}, line 1: header {header} lacks column(s) {missing}")
        text_idx, label_idx = [header.index(c) for c in cols], header.index(label_col)
        for row in rows:
            where = f"{path}, line {rows.line_num}"
            if len(row) != len(header):
                raise ValueError(f"{where}: expected {len(header)} tab-separated columns, got {len(row)}")
            if row[label_idx] not in label_map:
                raise ValueError(f"{where}: unknown label {row[label_idx]!r}, expected one of {list(label_map)}")
            texts = tuple(row[i] for i in text_idx)
            x.append(texts[0] if len(texts) == 1 else texts)
            y.append(label_map[row[label_idx]])
    return x, np.array(y, dtype=np.int64)


def _glue_local(g, data_dir):
    # data_dir may be the folder holding glue/ or the glue folder itself
    tried = [data_dir / "glue" / g.folder, data_dir / g.folder]
    folder = next((p for p in tried if p.is_dir()), None)
    if folder is None:
        raise FileNotFoundError(f"no GLUE {g.folder} folder: tried {tried[0]} and {tried[1]}; {_HOW_TO_GET}")
    label_map = {(n if g.named else str(i)): i for i, n in enumerate(g.names)}

    def read(file):
        return _read_tsv(_need(folder / file), g.cols, g.label_col, label_map, g.columns)

    return _Raw(g.names, read("train.tsv"), read(g.test_file))


def _glue_hub(g):
    import datasets

    ds = _from_hub(f"GLUE {g.hub_config}", lambda: datasets.load_dataset(
        "nyu-mll/glue", g.hub_config, cache_dir=str(_cache_dir() / "hf")))
    if tuple(ds["train"].features["label"].names) != g.names:  # never a silently permuted label
        raise ValueError(f"hub GLUE {g.hub_config} labels {ds['train'].features['label'].names} != {g.names}")

    def part(split):
        d = ds[split]
        texts = [list(d[c]) for c in g.hub_cols]
        return (texts[0] if len(texts) == 1 else list(zip(*texts))), np.array(list(d["label"]), dtype=np.int64)

    return _Raw(g.names, part("train"), part(g.hub_test))


# -----------------------------------------------------------------------------
# SST-5: PTB trees "(3 (2 The) (4 (2 Rock) ...))"; label = root's, text = the leaves

_LEAF = re.compile(r"\(\d+ ([^()]+)\)")
_ROOT = re.compile(r"\((\d+) ")


def _read_sst5(path):
    """PTB tree file -> (x: list[str], y: (N,) int64), one tree per line."""
    x, y = [], []
    with open(path, encoding="utf-8") as f:
        for line_num, line in enumerate(f, 1):
            line = line.strip()
            root, leaves = _ROOT.match(line), _LEAF.findall(line)
            if not root or not leaves or line.count("(") != line.count(")") or int(root[1]) >= 5:
                raise ValueError(f"{path}, line {line_num}: not a PTB tree with a root label 0..4: {line[:60]!r}")
            x.append(" ".join(leaves))
            y.append(int(root[1]))
    return x, np.array(y, dtype=np.int64)


def _sst5_local(data_dir):
    # dev.txt (1101 trees) is not used: valid is carved from train like every task
    folder = data_dir / "sst5"
    return _Raw(SST5_LABELS, _read_sst5(_need(folder / "train.txt")), _read_sst5(_need(folder / "test.txt")))


def _sst5_hub():
    import datasets

    ds = _from_hub("SetFit/sst5", lambda: datasets.load_dataset("SetFit/sst5", cache_dir=str(_cache_dir() / "hf")))

    def part(d):
        return list(d["text"]), np.array(list(d["label"]), dtype=np.int64)

    return _Raw(SST5_LABELS, part(ds["train"]), part(ds["test"]))


# -----------------------------------------------------------------------------
# FewRel: {relation_id: [{tokens, h: [name, id, [[pos, ...], ...]], t: ...}]}


def _mark_entities(tokens, head, tail):
    """Tokens joined by spaces, head wrapped in [E1] .. [/E1], tail in [E2] .. [/E2].
    head, tail: token positions of the entity's first mention (as FewRel's own encoders)."""
    out = []
    for i, tok in enumerate(tokens):
        out += ["[E1]"] * (i == head[0]) + ["[E2]"] * (i == tail[0]) + [tok]
        out += ["[/E1]"] * (i == head[-1]) + ["[/E2]"] * (i == tail[-1])
    return " ".join(out)


def _read_fewrel(path):
    """FewRel json -> (label_names, x: list[str], y: (N,) int64), relations sorted by id.
    Label names come from pid2name.json beside it when present, else the relation ids."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    rels = sorted(data)
    x, y = [], []
    for label, rel in enumerate(rels):
        for k, inst in enumerate(data[rel]):
            try:
                tokens, head, tail = inst["tokens"], inst["h"][2][0], inst["t"][2][0]
                if not (0 <= min(head + tail) and max(head + tail) < len(tokens)):
                    raise ValueError("entity position outside the tokens")
            except (KeyError, IndexError, TypeError, ValueError) as e:
                raise ValueError(f"{path}: relation {rel}, instance {k}: malformed ({e!r})") from e
            x.append(_mark_entities(tokens, head, tail))
            y.append(label)
    names_file = path.parent / "pid2name.json"
    if names_file.is_file():
        with open(names_file, encoding="utf-8") as f:
            pid2name = json.load(f)
        rels = [pid2name[r][0] if r in pid2name else r for r in rels]  # [name, description]
    return tuple(rels), x, np.array(y, dtype=np.int64)


def _fewrel_local(data_dir):
    names, x, y = _read_fewrel(_need(data_dir / "fewrel" / "val_wiki.json"))
    return _Raw(names, (x, y), None)


def _fewrel_hub():
    raise FileNotFoundError(
        "FewRel has no hub route here: download val_wiki.json (and pid2name.json) from "
        f"github.com/thunlp/FewRel into <data_dir>/fewrel/ and {_LOCAL_HOW}"
    )


def _fewrel_split(y, seed, n_train=500, n_valid=100, n_test=100):
    """Label-reg appendix B.1: per seed, shuffle each relation's instances and take the
    first n_train for train, next n_valid for dev, next n_test for test.
    y: (N,) int64 -> three sorted index arrays."""
    rng = np.random.default_rng(seed)
    ends = np.cumsum([n_train, n_valid, n_test])
    parts = ([], [], [])
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        if len(idx) < ends[-1]:
            raise ValueError(f"FewRel class {c} has {len(idx)} instances, needs {ends[-1]}")
        for part, chunk in zip(parts, np.split(idx[: ends[-1]], ends[:-1])):
            part.append(chunk)
    return tuple(np.sort(np.concatenate(p)) for p in parts)


# -----------------------------------------------------------------------------
# images and vectors


def _decode_cifar10(tarball):
    """One pass over the JPEG tarball -> dict of x_train uint8 (50000, 32, 32, 3),
    y_train int64 (50000,), x_test, y_test; images sorted by member name."""
    from PIL import Image
    from tqdm.auto import tqdm

    blobs = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:  # streaming: the gzip is read once
            parts = member.name.split("/")
            if not member.isfile() or len(parts) != 3 or parts[0] not in ("train", "test"):
                continue  # README.md and folder entries
            if parts[1] not in CIFAR10_CLASSES:
                raise ValueError(f"{tarball}: unknown class folder {parts[1]!r} ({member.name}); known: {CIFAR10_CLASSES}")
            blobs[member.name] = tar.extractfile(member).read()
    out = {}
    with tqdm(total=len(blobs), desc="decoding CIFAR-10 JPEGs") as bar:
        for split in ("train", "test"):
            names = sorted(n for n in blobs if n.startswith(split + "/"))
            if not names:
                raise ValueError(f"{tarball}: no {split}/<class>/ images")
            x = np.empty((len(names), 32, 32, 3), dtype=np.uint8)
            for i, name in enumerate(names):
                with Image.open(io.BytesIO(blobs[name])) as im:
                    if im.size != (32, 32):
                        raise ValueError(f"{tarball}: {name} is {im.size}, expected (32, 32)")
                    x[i] = np.asarray(im.convert("RGB"))
                bar.update()
            out[f"x_{split}"] = x
            out[f"y_{split}"] = np.array([CIFAR10_CLASSES.index(n.split("/")[1]) for n in names], dtype=np.int64)
    return out


def _cifar10_local(data_dir):
    """Decoded once into an .npz in the cache dir, keyed by the tarball's size and mtime."""
    tarball = _need(data_dir / "cifar10" / "cifar10-jpeg.tar.gz")
    stat = tarball.stat()
    cache = _cache_dir() / f"cifar10-jpeg-{stat.st_size}-{stat.st_mtime_ns}.npz"
    if not cache.is_file():
        arrays = _decode_cifar10(tarball)
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")  # a reader never sees half a file
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, cache)
    with np.load(cache) as z:
        return _Raw(CIFAR10_CLASSES, (z["x_train"], z["y_train"]), (z["x_test"], z["y_test"]))


def _cifar100_local(data_dir):
    raise FileNotFoundError("CIFAR-100 is not available offline; use source='hub' (torchvision download) with network")


def _cifar_hub(name):
    from torchvision import datasets as tv

    cls = tv.CIFAR10 if name == "cifar10" else tv.CIFAR100
    root = _cache_dir() / "torchvision"
    offline = "CIFAR-100 is not available" if name == "cifar100" else f"use local data: {_LOCAL_HOW}"
    train, test = (_from_hub(name, lambda t=t: cls(str(root), train=t, download=True), offline) for t in (True, False))

    def part(d):  # d.data: uint8 (N, 32, 32, 3)
        return d.data, np.array(d.targets, dtype=np.int64)

    return _Raw(tuple(train.classes), part(train), part(test))


def _digits(data_dir=None):
    """sklearn's 8x8 digits, x float32 (N, 64) in [0, 1]. It has no official test split:
    a stratified 30% with the fixed seed 0, so the test set is the same for every seed."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)
    train, test = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=0)
    train, test = np.sort(train), np.sort(test)
    return _Raw(tuple(str(c) for c in d.target_names), (x[train], y[train]), (x[test], y[test]))


TASKS = {
    **{name: TaskDef("text", {"cola": "mcc", "mrpc": "f1"}.get(name, "accuracy"),
                     functools.partial(_glue_local, g), functools.partial(_glue_hub, g))
       for name, g in _GLUE.items()},
    "sst5": TaskDef("text", "accuracy", _sst5_local, _sst5_hub),
    "fewrel": TaskDef("text", "accuracy", _fewrel_local, _fewrel_hub),
    "cifar10": TaskDef("image", "accuracy", _cifar10_local, functools.partial(_cifar_hub, "cifar10")),
    "cifar100": TaskDef("image", "accuracy", _cifar100_local, functools.partial(_cifar_hub, "cifar100")),
    "digits": TaskDef("vector", "accuracy", _digits, _digits),
}


# -----------------------------------------------------------------------------
# loading, splitting, noising


@functools.lru_cache(maxsize=None)
def _load_raw(name, data_dir, source):
    """The task's data as read, cached in-process per (name, data_dir, source):
    callers must not modify the arrays (`_make_task` only indexes, i.e. copies)."""
    task = TASKS[name]

    def local():
        if data_dir is None:
            raise FileNotFoundError(f"no local data folder (NKD_DATA_DIR unset, ../shared/data absent); {_HOW_TO_GET}")
        return task.local(data_dir)

    if source == "hub":
        raw = task.hub()
    elif source == "local":
        raw = local()
    else:  # auto: local when its files are there, else the hub
        try:
            raw = local()
        except FileNotFoundError as missing:
            try:
                raw = task.hub()
            except (RuntimeError, FileNotFoundError) as e:
                raise RuntimeError(f"{name}: no local data ({missing}); and no hub: {e}") from e
    for part in (raw.train, raw.test):
        if part is not None:
            _check_labels(part[1], len(raw.label_names), f"{name} ({source})")
    return raw


def _take(xy, idx):
    """(x, y) restricted to the integer indices idx; always a copy."""
    x, y = xy
    return ([x[i] for i in idx] if isinstance(x, list) else x[idx]), y[idx]


def _subset(y, n, seed):
    """(rest, chosen): sorted index arrays, len(chosen) == n, stratified by y unless some
    class is too small to give a sample to both sides (tiny subsets): then uniform."""
    if n == 0:
        return np.arange(len(y)), np.arange(0)
    counts = np.bincount(y)
    counts = counts[counts > 0]
    stratify = y if counts.min() >= 2 and len(counts) <= min(n, len(y) - n) else None
    rest, chosen = train_test_split(np.arange(len(y)), test_size=n, stratify=stratify, random_state=seed)
    return np.sort(rest), np.sort(chosen)


def _keep_classes(xy, new):
    """(x, y) restricted to samples whose class c has new[c] >= 0, relabelled to new[c]."""
    x, y = _take(xy, np.flatnonzero(new[xy[1]] >= 0))
    return x, new[y]


def _noised(xy, num_classes, kind, rate, seed):
    noisy_y, mask = corrupt_labels(xy[1], num_classes, rate, kind=kind, seed=seed)
    return Split(xy[0], noisy_y, xy[1], mask)


def _make_task(name, kind, metric, label_names, train, test, valid=None, *, seed, noise, noise_rate,
               valid_frac, max_train, max_test, classes):
    """The path every task ends in. train / test / valid: (x, y) with original labels;
    valid None: carve valid_frac of train; given (FewRel's dev): use it, shrunk by the
    same fraction as max_train shrinks train."""
    if classes is not None:  # keep these classes, relabelled 0..k-1 in the given order
        index = {n: i for i, n in enumerate(label_names)}
        old = [index.get(c, c) if isinstance(c, str) else int(c) for c in classes]
        if len(set(old)) != len(old) or not all(isinstance(c, int) and 0 <= c < len(label_names) for c in old):
            raise ValueError(f"classes={classes} must be distinct labels among {label_names}")
        new = np.full(len(label_names), -1, dtype=np.int64)
        new[old] = np.arange(len(old))
        train, test = _keep_classes(train, new), _keep_classes(test, new)
        valid = None if valid is None else _keep_classes(valid, new)
        label_names = [label_names[c] for c in old]
    n_train = len(train[1])
    if max_train is not None and max_train < n_train:
        train = _take(train, _subset(train[1], max_train, seed)[1])
    test_idx = np.arange(len(test[1]))
    if max_test is not None and max_test < len(test_idx):
        test_idx = _subset(test[1], max_test, 0)[1]  # seed 0: same test set for every seed
    test = _take(test, test_idx)  # a copy, like train and valid: the cached raw data stays intact
    if valid is None:
        rest, held = _subset(train[1], round(valid_frac * len(train[1])), seed)
        train, valid = _take(train, rest), _take(train, held)
    elif len(train[1]) < n_train:
        valid = _take(valid, _subset(valid[1], round(len(valid[1]) * len(train[1]) / n_train), seed)[1])
    k = len(label_names)
    return Task(
        name, kind, k, list(label_names), metric,
        train=_noised(train, k, noise, noise_rate, seed),
        valid=_noised(valid, k, noise, noise_rate, seed + 1),
        test=Split(test[0], test[1].copy(), test[1], np.zeros(len(test[1]), dtype=bool)),
    )


def load_task(name, data_dir=None, *, seed=0, noise="symmetric", noise_rate=0.0, valid_frac=0.1,
              max_train=None, max_test=None, classes=None, source="auto"):
    """Load task `name` (one of TASKS) split into noisy train / valid and clean test.

    data_dir: folder laid out as shared/data/README.md (or the glue folder itself);
        default `default_data_dir()`.
    seed: drives max_train subset, valid split and noise (train: seed, valid: seed + 1).
    noise, noise_rate: passed to `corrupt_labels` (exactly round(rate * N) flips).
    valid_frac: fraction of train held out as validation (stratified). FewRel instead
        uses the paper's 100-per-relation dev split, so valid_frac does not apply.
    max_train, max_test: stratified subsets (test: always seed 0, same across seeds).
    classes: original class indices or names to keep, relabelled 0..k-1 in this order.
    source: "local", "hub" or "auto" (local if the files are there, else hub).
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    if source not in ("auto", "local", "hub"):
        raise ValueError(f"source must be 'auto', 'local' or 'hub', got {source!r}")
    if not 0.0 <= valid_frac < 1.0:
        raise ValueError(f"valid_frac must be in [0, 1), got {valid_frac}")
    data_dir = default_data_dir() if data_dir is None else Path(data_dir).expanduser()
    raw = _load_raw(name, None if data_dir is None else data_dir.resolve(), source)
    train, valid, test = raw.train, None, raw.test
    if raw.test is None:  # FewRel: the paper re-splits every relation per seed
        train, valid, test = (_take(raw.train, idx) for idx in _fewrel_split(raw.train[1], seed))
    return _make_task(name, TASKS[name].kind, TASKS[name].metric, list(raw.label_names), train, test, valid,
                      seed=seed, noise=noise, noise_rate=noise_rate, valid_frac=valid_frac,
                      max_train=max_train, max_test=max_test, classes=classes)
