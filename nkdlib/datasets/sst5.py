"""SST-5: the Stanford Sentiment Treebank's sentences, 5 sentiment classes.

Local files: <data_dir>/sst5/train.txt and test.txt (and dev.txt, optional), PTB trees
one per line, "(3 (2 The) (4 (2 Rock) ...))": the label is the root's, the text the
leaves. Hub: `SetFit/sst5` at HUB_REVISION. x: list[str].

Both routes give the same text: SetFit/sst5 is lower-cased and keeps the PTB
tokenisation ("he 's", "ca n't", " , ") with the bracket escapes undone, as in GLUE
SST-2; the local route does the same to the leaves (-LRB- -> "(", "\\/" -> "/", lower case).
"""

import re

import numpy as np

from ..files import cache_dir
from .base import Raw, from_hub, hub_provenance, labelled, local_provenance, need, read_text

HUB_DATASET = "SetFit/sst5"
# the commit of SetFit/sst5 that public code pins (revision= in load_dataset calls and
# dataset source locks): the hub route reads the same files whenever it runs
HUB_REVISION = "e51bdcd8cd3a30da231967c1a249ba59361279a3"
HUB = hub_provenance(HUB_DATASET, HUB_REVISION)   # what the hub route records
SIZE = (8544, 2210, 5)   # train, test, classes (the official splits)
LABELS = ("very negative", "negative", "neutral", "positive", "very positive")

_LEAF = re.compile(r"\(\d+ ([^()]+)\)")
_ROOT = re.compile(r"\((\d+) ")
_PTB_ESCAPES = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}


def text_of(leaves):
    """PTB leaves -> the hub's text: escapes undone, joined by spaces, lower-cased."""
    words = (_PTB_ESCAPES.get(w, w).replace("\\/", "/").replace("\\*", "*") for w in leaves)
    return " ".join(words).lower()


def read_trees(path):
    """PTB tree file -> (x: list[str], y: (N,) int64), one tree per line; a line that is
    not a tree with a root label 0..4, a file that is not UTF-8 or one without trees is a
    ValueError naming the file (and line)."""
    x, y = [], []
    with read_text(path) as f:
        for line_num, line in enumerate(f, 1):
            line = line.strip()
            root, leaves = _ROOT.match(line), _LEAF.findall(line)
            if not root or not leaves or line.count("(") != line.count(")") or int(root[1]) >= 5:
                raise ValueError(f"{path}, line {line_num}: not a PTB tree with a root label 0..4: {line[:60]!r}")
            x.append(text_of(leaves))
            y.append(int(root[1]))
    return labelled(path, x, y, "trees")


def files(data_dir):
    """The tree files read_local reads: train.txt, test.txt and, if present, dev.txt."""
    folder = data_dir / "sst5"
    return [need(folder / "train.txt"), need(folder / "test.txt")] + [p for p in [folder / "dev.txt"] if p.is_file()]


def read_local(data_dir):
    """train.txt (8544 trees), test.txt (2210) and, if present, dev.txt (1101) as Raw.dev."""
    paths = files(data_dir)
    train, test, *dev = map(read_trees, paths)
    return Raw(LABELS, train, test, dev[0] if dev else None, local_provenance(data_dir, *paths))


def read_hub():
    """SetFit/sst5: train, test, and its validation split as Raw.dev."""
    import datasets

    ds = from_hub(HUB_DATASET, lambda: datasets.load_dataset(HUB_DATASET, revision=HUB_REVISION,
                                                          cache_dir=str(cache_dir("hf"))))

    def part(d):
        return list(d["text"]), np.array(list(d["label"]), dtype=np.int64)

    return Raw(LABELS, part(ds["train"]), part(ds["test"]), part(ds["validation"]), HUB)
