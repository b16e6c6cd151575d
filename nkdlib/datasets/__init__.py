"""The papers' data sets, read as they are distributed: `read(name) -> Raw`.

    raw = read("rte")                   # Raw(label_names, train=(x, y), test=(x, y), dev=None, provenance)

One module per data family (glue, sst5, fewrel, cifar, digits), each with a local
reader (a folder laid out as shared/data/README.md describes) and a hub reader
(`datasets` / torchvision downloads into nkdlib.files.cache_dir()). A task may offer
more than one data source (config data_source: FewRel's train_wiki); None is always
one: what published runs read. Each Raw says what was read (Raw.provenance: files and
their SHA-256, or the hub dataset and revision); `provenance(name)` says it without
reading the data, and `check_same_data` compares it with what a run recorded (a finished
run is reused only on the data it was trained on: nkdlib.train). Splitting, subsets and
label noise are not done here: see nkdlib.tasks.
"""

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


from . import cifar, digits, fewrel, glue, sst5
from .base import HOW_TO_GET, Raw, local_provenance


@dataclass(frozen=True)
class TaskDef:
    """How to get a task's data: `local[data_source](data_dir) -> Raw` and `hub() -> Raw`
    (the data of data_source None), what each records as Raw.provenance, found without
    reading the data (`local_provenance[data_source](data_dir)`, `hub_provenance()`), and its size."""

    kind: str  # "text" | "image" | "vector"
    metric: str  # "accuracy" | "mcc" | "f1"
    local: dict[str | None, Callable[[Path], Raw]]  # data_source -> reader; None: what published runs read
    hub: Callable[[], Raw]
    size: tuple  # (train, evaluation, classes) of the full official splits (cost estimates: nkdlib.cost)
    local_provenance: dict[str | None, Callable[[Path], dict]]  # data_source -> what `local` records
    hub_provenance: Callable[[], dict]  # what `hub` records


def _hashed(files):
    """data_dir -> the local provenance of the files `files(data_dir)` (those the reader reads)."""
    return lambda data_dir: local_provenance(data_dir, *files(data_dir))


TASKS = {
    **{name: TaskDef("text", {"cola": "mcc", "mrpc": "f1"}.get(name, "accuracy"),
                     {None: functools.partial(glue.read_local, name)}, functools.partial(glue.read_hub, name),
                     task.size, {None: _hashed(functools.partial(glue.files, name))}, lambda: glue.HUB)
       for name, task in glue.GLUE.items()},
    "sst5": TaskDef("text", "accuracy", {None: sst5.read_local}, sst5.read_hub, sst5.SIZE,
                    {None: _hashed(sst5.files)}, lambda: sst5.HUB),
    "fewrel": TaskDef("text", "accuracy",
                      {s: functools.partial(fewrel.read_local, data_source=s) for s in fewrel.FILES},
                      fewrel.read_hub, fewrel.SIZE,
                      {s: _hashed(functools.partial(fewrel.files, data_source=s)) for s in fewrel.FILES},
                      fewrel.read_hub),   # no hub route: the same FileNotFoundError
    **{name: TaskDef("image", "accuracy", {None: functools.partial(cifar.read_local, name)},
                     functools.partial(cifar.read_hub, name), size,
                     {None: _hashed(functools.partial(cifar.files, name))},
                     functools.partial(cifar.hub_provenance, name))
       for name, size in cifar.SIZES.items()},
    "digits": TaskDef("vector", "accuracy", {None: digits.read}, digits.read, digits.SIZE,
                      {None: lambda data_dir: digits.PROVENANCE}, lambda: digits.PROVENANCE),
}


def default_data_dir():
    """$NKD_DATA_DIR if set, else <repo>/../shared/data if it exists, else None."""
    if os.environ.get("NKD_DATA_DIR"):
        return Path(os.environ["NKD_DATA_DIR"]).expanduser()
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return shared if shared.is_dir() else None


def resolve_data_dir(data_dir=None):
    """data_dir (default `default_data_dir()`) as an absolute path; None when there is none."""
    data_dir = default_data_dir() if data_dir is None else Path(data_dir).expanduser()
    return None if data_dir is None else data_dir.resolve()


def check_data_source(name, data_source):
    """ValueError unless task `name` is known and offers data_source (None always)."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    if data_source not in TASKS[name].local:
        raise ValueError(f"data_source={data_source!r} is not allowed for task {name!r}; "
                         f"choose one of {list(TASKS[name].local)}")


def read(name, data_dir=None, source="auto", data_source=None) -> Raw:
    """Task `name`'s data as read, cached in-process: callers must not modify the arrays.

    data_dir: folder laid out as shared/data/README.md (for GLUE, the glue folder
        itself also works); default `default_data_dir()`.
    source: "local", "hub" or "auto" (local if its files are there, else the hub).
    data_source: which of the task's data sets (TaskDef.local; None: what published runs read).
    """
    check_data_source(name, data_source)
    if source not in ("auto", "local", "hub"):
        raise ValueError(f"source must be 'auto', 'local' or 'hub', got {source!r}")
    return _read(name, resolve_data_dir(data_dir), source, data_source)


@functools.lru_cache(maxsize=None)
def _read(name, data_dir, source, data_source):
    task = TASKS[name]
    raw = _route(name, data_dir, source, task.local[data_source], task.hub)
    for part in (raw.train, raw.test, raw.dev):
        if part is not None:
            _check_labels(part[1], len(raw.label_names), f"{name} ({source})")
    return raw


def provenance(name, data_dir=None, source="auto", data_source=None) -> dict:
    """What `read` with these arguments records as Raw.provenance, found without reading
    the data: the local files it would read with their sha256 (each file hashed once per
    process: base.sha256), or the hub data set and revision."""
    check_data_source(name, data_source)
    task = TASKS[name]
    return _route(name, resolve_data_dir(data_dir), source, task.local_provenance[data_source], task.hub_provenance)


def _route(name, data_dir, source, local, hub):
    """local(data_dir) or hub(), as `source` says ("auto": local when its files are there, else the hub)."""
    def from_disk():
        if data_dir is None:
            raise FileNotFoundError(f"no local data folder (NKD_DATA_DIR unset, ../shared/data absent); {HOW_TO_GET}")
        return local(data_dir)

    if source == "hub":
        return hub()
    if source == "local":
        return from_disk()
    try:
        return from_disk()
    except FileNotFoundError as missing:
        try:
            return hub()
        except (RuntimeError, FileNotFoundError) as e:
            raise RuntimeError(f"{name}: no local data ({missing}); and no hub: {e}") from e


_RETRAIN = "read the data it was trained on (data_dir or NKD_DATA_DIR), or train it anew in another run store"


class DataMismatch(ValueError):
    """The data a run recorded (its data.json) is not the data a call would read now."""


def check_same_data(recorded, current: dict, where: str) -> None:
    """DataMismatch unless `current` (a `provenance`) is the data `recorded`: the same source
    and, for local files, the same files with the same sha256. It names the first file that
    differs and both hashes; `where` says whose record it is."""
    if current["source"] != "local" or not isinstance(recorded, dict) or recorded.get("source") != "local":
        if recorded != current:   # the hub's data set or revision, or another source
            raise DataMismatch(f"{where}: trained on {_described(recorded)}, but this call reads "
                               f"{_described(current)}; {_RETRAIN}")
        return
    was, now = recorded.get("files") or {}, current["files"]
    for file in sorted(was.keys() | now.keys()):
        if was.get(file) != now.get(file):
            raise DataMismatch(f"{where}: data file {file} has sha256 {now.get(file, '(not read now)')} here, "
                               f"but {was.get(file, '(not read then)')} when the run was trained; {_RETRAIN}")


def _described(provenance) -> str:
    """A provenance in a few words: which local files, which hub data set, or as it is."""
    if isinstance(provenance, dict) and provenance.get("source") == "local":
        return "the local files " + ", ".join(provenance.get("files") or ())
    if isinstance(provenance, dict) and provenance.get("source") == "hub":
        return f"the hub's {provenance.get('dataset')} at revision {provenance.get('revision')}"
    return repr(provenance)


def _check_labels(y, num_classes, where):
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{where}: label outside [0, {num_classes}): {y[(y < 0) | (y >= num_classes)][0]}")
