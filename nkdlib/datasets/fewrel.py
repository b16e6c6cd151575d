"""FewRel 1.0 relation classification, as a plain classification task.

Local files: <data_dir>/fewrel/<file>, the file chosen by the config's data_source (FILES),
never by what happens to be there: None reads val_wiki.json, its 16 validation relations
(the stand-in shipped offline in shared/data, 700 instances per relation, what every
published FewRel run read); "train_wiki" reads train_wiki.json, the 64 training relations
the papers use. Both are {relation_id: [{"tokens": [...], "h": [name, id, positions],
"t": ...}, ...]}; pid2name.json beside them, if present, names the relations. No hub route.

x: list[str], one text per instance, as the label-reg paper feeds it: the context
(tokens joined by spaces), the head entity's name and the tail entity's name,
concatenated with spaces. There is no fixed test split: nkdlib.tasks re-splits per seed.
"""

import json

from .base import LOCAL_HOW, Raw, labelled, local_provenance, need, read_text

SIZE = (32000, 6400, 64)   # train_wiki: 64 relations x (500 train + 100 test), appendix B.1
FILES = {None: "val_wiki.json", "train_wiki": "train_wiki.json"}   # data_source -> file in <data_dir>/fewrel


def text_of(inst):
    """One FewRel instance -> "context head tail"."""
    if not isinstance(inst["tokens"], list) or not inst["tokens"]:
        raise ValueError("tokens must be a non-empty list")
    return " ".join((*inst["tokens"], inst["h"][0], inst["t"][0]))  # TypeError unless all text


def load_json(path):
    """The JSON value in path; not UTF-8 or not JSON is a ValueError naming the file."""
    with read_text(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}, line {e.lineno}: not valid JSON ({e.msg})") from None


def read_json(path):
    """FewRel json -> (relation ids sorted, x: list[str], y: (N,) int64). A file that is not
    UTF-8 JSON of that layout, a malformed instance or no instance at all is a ValueError
    naming the file (and relation)."""
    data = load_json(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a JSON {type(data).__name__}, expected an object {{relation id: [instances]}}")
    rels = sorted(data)
    x, y = [], []
    for label, rel in enumerate(rels):
        if not isinstance(data[rel], list):
            raise ValueError(f"{path}: relation {rel}: a JSON {type(data[rel]).__name__}, expected a list of instances")
        for k, inst in enumerate(data[rel]):
            try:
                x.append(text_of(inst))
            except (KeyError, IndexError, TypeError, ValueError) as e:
                raise ValueError(f"{path}: relation {rel}, instance {k}: malformed ({e!r})") from e
            y.append(label)
    return (tuple(rels), *labelled(path, x, y, "instances"))


def files(data_dir, data_source=None):
    """The files read_local reads: FILES[data_source] and, if present, pid2name.json beside it."""
    folder = data_dir / "fewrel"
    return [need(folder / FILES[data_source])] + [p for p in [folder / "pid2name.json"] if p.is_file()]


def read_local(data_dir, data_source=None):
    """FILES[data_source] in <data_dir>/fewrel as Raw with test None, relations named by
    pid2name.json beside it when present (else their ids)."""
    paths = files(data_dir, data_source)
    rels, x, y = read_json(paths[0])
    if len(paths) > 1:
        pid2name = load_json(paths[1])
        rels = tuple(pid2name[r][0] if r in pid2name else r for r in rels)  # [name, description]
    return Raw(rels, (x, y), None, provenance=local_provenance(data_dir, *paths))


def read_hub():
    raise FileNotFoundError(
        f"FewRel has no hub route here: download {FILES[None]} (data_source None) or {FILES['train_wiki']} "
        f"(data_source 'train_wiki') and pid2name.json from github.com/thunlp/FewRel into <data_dir>/fewrel/ "
        f"and {LOCAL_HOW}"
    )
