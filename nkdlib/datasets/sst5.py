"""SST-5: the Stanford Sentiment Treebank's sentences, 5 sentiment classes.

Local files: <data_dir>/sst5/train.txt and test.txt (and dev.txt, optional), PTB trees
one per line, "(3 (2 The) (4 (2 Rock) ...))": the label is the root's, the text the
leaves. Hub: `SetFit/sst5`. x: list[str].

Both routes give the same text: SetFit/sst5 is lower-cased and keeps the PTB
tokenisation ("he 's", "ca n't", " , ") with the bracket escapes undone, as in GLUE
SST-2; the local route does the same to the leaves (-LRB- -> "(", "\\/" -> "/", lower case).
"""

import re

import numpy as np

from ..files import cache_dir
from .base import Raw, from_hub, need

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
    not a tree with a root label 0..4 is a ValueError naming file and line."""
    x, y = [], []
    with open(path, encoding="utf-8") as f:
        for line_num, line in enumerate(f, 1):
            line = line.strip()
            root, leaves = _ROOT.match(line), _LEAF.findall(line)
            if not root or not leaves or line.count("(") != line.count(")") or int(root[1]) >= 5:
                raise ValueError(f"{path}, line {line_num}: not a PTB tree with a root label 0..4: {line[:60]!r}")
            x.append(text_of(leaves))
            y.append(int(root[1]))
    return x, np.array(y, dtype=np.int64)


def read_local(data_dir):
    """train.txt (8544 trees), test.txt (2210) and, if present, dev.txt (1101) as Raw.dev."""
    folder = data_dir / "sst5"
    dev = folder / "dev.txt"
    return Raw(LABELS, read_trees(need(folder / "train.txt")), read_trees(need(folder / "test.txt")),
               read_trees(dev) if dev.is_file() else None)


def read_hub():
    """SetFit/sst5: train, test, and its validation split as Raw.dev."""
    import datasets

    ds = from_hub("SetFit/sst5", lambda: datasets.load_dataset("SetFit/sst5", cache_dir=str(cache_dir("hf"))))

    def part(d):
        return list(d["text"]), np.array(list(d["label"]), dtype=np.int64)

    return Raw(LABELS, part(ds["train"]), part(ds["test"]), part(ds["validation"]))
