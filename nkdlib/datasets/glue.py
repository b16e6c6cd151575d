"""GLUE tasks: CoLA, SST-2, MRPC, RTE, QNLI, QQP, MNLI (matched / mismatched dev).

Local files: <data_dir>/glue/<Task>/train.tsv and dev.tsv (dev_matched.tsv /
dev_mismatched.tsv for MNLI), as in the GLUE zip; data_dir may also be the glue folder
itself. GLUE test labels are hidden, so dev is the test split. Hub: `nyu-mll/glue` at
HUB_REVISION. x: list[str] for single-sentence tasks, list[tuple[str, str]] for sentence pairs.
"""

import csv
from dataclasses import dataclass

import numpy as np

from ..files import cache_dir
from .base import HOW_TO_GET, Raw, from_hub, hub_provenance, labelled, local_provenance, need, read_text

HUB_DATASET = "nyu-mll/glue"
# the commit of nyu-mll/glue that public code pins (revision= in load_dataset calls and
# source locks, hf://datasets/nyu-mll/glue@<commit>/... paths, `datasets` cache folders
# glue/<task>/0.0.0/<commit>): the hub route reads the same files whenever it runs
HUB_REVISION = "bcdcba79d07bc864c1c254ccfcedcce55bcc9a8c"
HUB = hub_provenance(HUB_DATASET, HUB_REVISION)   # what the hub route records


@dataclass(frozen=True)
class GlueTask:
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
    size: tuple = ()  # (train, dev = our test, classes), GLUE's official counts


_NLI2 = ("entailment", "not_entailment")
_MNLI = ("entailment", "neutral", "contradiction")
GLUE = {
    "cola": GlueTask("CoLA", ("sentence",), "label", ("unacceptable", "acceptable"), False, "cola",
                     ("sentence",), columns=("source", "label", "author_mark", "sentence"), size=(8551, 1043, 2)),
    "sst2": GlueTask("SST-2", ("sentence",), "label", ("negative", "positive"), False, "sst2", ("sentence",),
                     size=(67349, 872, 2)),
    "mrpc": GlueTask("MRPC", ("#1 String", "#2 String"), "Quality", ("not_equivalent", "equivalent"), False,
                     "mrpc", ("sentence1", "sentence2"), size=(3668, 408, 2)),
    "rte": GlueTask("RTE", ("sentence1", "sentence2"), "label", _NLI2, True, "rte", ("sentence1", "sentence2"),
                    size=(2490, 277, 2)),
    "qnli": GlueTask("QNLI", ("question", "sentence"), "label", _NLI2, True, "qnli", ("question", "sentence"),
                     size=(104743, 5463, 2)),
    "qqp": GlueTask("QQP", ("question1", "question2"), "is_duplicate", ("not_duplicate", "duplicate"), False,
                    "qqp", ("question1", "question2"), size=(363846, 40430, 2)),
    "mnli": GlueTask("MNLI", ("sentence1", "sentence2"), "gold_label", _MNLI, True, "mnli",
                     ("premise", "hypothesis"), "dev_matched.tsv", "validation_matched", size=(392702, 9815, 3)),
    "mnli_mm": GlueTask("MNLI", ("sentence1", "sentence2"), "gold_label", _MNLI, True, "mnli",
                        ("premise", "hypothesis"), "dev_mismatched.tsv", "validation_mismatched",
                        size=(392702, 9832, 3)),
}


def read_tsv(path, cols, label_col, label_map, columns=None):
    """Read a GLUE TSV -> (x, y); x: list[str] (one text column) or list[tuple[str, str]],
    y: (N,) int64. Columns are found by header name; `columns` names them for a
    header-less file. Any bad row, a file that is not UTF-8 or one without data rows is a
    ValueError naming the file (and line)."""
    x, y = [], []
    # utf-8-sig: some GLUE files (MRPC) start with a byte-order mark before the header
    with read_text(path, "utf-8-sig") as f:
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
    return labelled(path, x, y)


def files(name, data_dir):
    """[train, test]: the TSVs read_local reads for GLUE task `name`; FileNotFoundError naming what is missing."""
    g = GLUE[name]
    tried = [data_dir / "glue" / g.folder, data_dir / g.folder]
    folder = next((p for p in tried if p.is_dir()), None)
    if folder is None:
        raise FileNotFoundError(f"no GLUE {g.folder} folder: tried {tried[0]} and {tried[1]}; {HOW_TO_GET}")
    return [need(folder / "train.tsv"), need(folder / g.test_file)]


def read_local(name, data_dir):
    """GLUE task `name` (a key of GLUE) from its TSV folder: train, and dev as test."""
    g = GLUE[name]
    train, test = files(name, data_dir)
    label_map = {(n if g.named else str(i)): i for i, n in enumerate(g.names)}

    def read(path):
        return read_tsv(path, g.cols, g.label_col, label_map, g.columns)

    return Raw(g.names, read(train), read(test), provenance=local_provenance(data_dir, train, test))


def read_hub(name):
    """GLUE task `name` from `nyu-mll/glue`: train, and the validation split as test."""
    import datasets

    g = GLUE[name]
    ds = from_hub(f"GLUE {g.hub_config}", lambda: datasets.load_dataset(
        HUB_DATASET, g.hub_config, revision=HUB_REVISION, cache_dir=str(cache_dir("hf"))))
    if tuple(ds["train"].features["label"].names) != g.names:  # never a silently permuted label
        raise ValueError(f"hub GLUE {g.hub_config} labels {ds['train'].features['label'].names} != {g.names}")

    def part(split):
        d = ds[split]
        texts = [list(d[c]) for c in g.hub_cols]
        return (texts[0] if len(texts) == 1 else list(zip(*texts))), np.array(list(d["label"]), dtype=np.int64)

    return Raw(g.names, part("train"), part(g.hub_test), provenance=HUB)
