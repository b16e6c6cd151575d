"""FewRel 1.0 relation classification, as a plain classification task.

Local files: <data_dir>/fewrel/train_wiki.json, the 64 training relations the papers
use, when present; else val_wiki.json, its 16 validation relations: the small
stand-in shipped offline (shared/data), with the same 700 instances per relation.
Both are {relation_id: [{"tokens": [...], "h": [name, id, positions], "t": ...}, ...]};
pid2name.json beside them, if present, names the relations. No hub route.

x: list[str], one text per instance, as the label-reg paper feeds it: the context
(tokens joined by spaces), the head entity's name and the tail entity's name,
concatenated with spaces. There is no fixed test split: nkdlib.tasks re-splits per seed.
"""

import json

import numpy as np

from .base import HOW_TO_GET, LOCAL_HOW, Raw

SIZE = (32000, 6400, 64)   # train_wiki: 64 relations x (500 train + 100 test), appendix B.1
FILES = ("train_wiki.json", "val_wiki.json")  # in order of preference


def text_of(inst):
    """One FewRel instance -> "context head tail"."""
    if not isinstance(inst["tokens"], list) or not inst["tokens"]:
        raise ValueError("tokens must be a non-empty list")
    return " ".join((*inst["tokens"], inst["h"][0], inst["t"][0]))  # TypeError unless all text


def read_json(path):
    """FewRel json -> (label_names, x: list[str], y: (N,) int64), relations sorted by id.
    Label names come from pid2name.json beside it when present, else the relation ids."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    rels = sorted(data)
    x, y = [], []
    for label, rel in enumerate(rels):
        for k, inst in enumerate(data[rel]):
            try:
                x.append(text_of(inst))
            except (KeyError, IndexError, TypeError, ValueError) as e:
                raise ValueError(f"{path}: relation {rel}, instance {k}: malformed ({e!r})") from e
            y.append(label)
    names_file = path.parent / "pid2name.json"
    if names_file.is_file():
        with open(names_file, encoding="utf-8") as f:
            pid2name = json.load(f)
        rels = [pid2name[r][0] if r in pid2name else r for r in rels]  # [name, description]
    return tuple(rels), x, np.array(y, dtype=np.int64)


def read_local(data_dir):
    """The first of FILES found in <data_dir>/fewrel, as Raw with test None."""
    folder = data_dir / "fewrel"
    path = next((folder / f for f in FILES if (folder / f).is_file()), None)
    if path is None:
        raise FileNotFoundError(f"neither {folder / FILES[0]} nor {folder / FILES[1]} found; {HOW_TO_GET}")
    names, x, y = read_json(path)
    return Raw(names, (x, y), None)


def read_hub():
    raise FileNotFoundError(
        f"FewRel has no hub route here: download {FILES[0]} (or {FILES[1]}) and pid2name.json from "
        f"github.com/thunlp/FewRel into <data_dir>/fewrel/ and {LOCAL_HOW}"
    )
