"""The papers' data sets, read as they are distributed: `read(name) -> Raw`.

    raw = read("rte")                   # Raw(label_names, train=(x, y), test=(x, y), dev=None, provenance)

One module per data family (glue, sst5, fewrel, cifar, digits), each with a local
reader (a folder laid out as shared/data/README.md describes) and a hub reader
(`datasets` / torchvision downloads into nkdlib.files.cache_dir()). A task may offer
more than one data source (config data_source: FewRel's train_wiki); None is always
one: what published runs read. Each Raw says what was read (Raw.provenance: files and
their SHA-256, or the hub dataset and revision). Splitting, subsets and label noise are
not done here: see nkdlib.tasks.
"""

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


from . import cifar, digits, fewrel, glue, sst5
from .base import HOW_TO_GET, Raw


@dataclass(frozen=True)
class TaskDef:
    """How to get a task's data: `local[data_source](data_dir) -> Raw` and `hub() -> Raw`
    (the data of data_source None), and its size."""

    kind: str  # "text" | "image" | "vector"
    metric: str  # "accuracy" | "mcc" | "f1"
    local: dict[str | None, Callable[[Path], Raw]]  # data_source -> reader; None: what published runs read
    hub: Callable[[], Raw]
    size: tuple  # (train, evaluation, classes) of the full official splits (cost estimates: nkdlib.cost)


TASKS = {
    **{name: TaskDef("text", {"cola": "mcc", "mrpc": "f1"}.get(name, "accuracy"),
                     {None: functools.partial(glue.read_local, name)}, functools.partial(glue.read_hub, name),
                     task.size)
       for name, task in glue.GLUE.items()},
    "sst5": TaskDef("text", "accuracy", {None: sst5.read_local}, sst5.read_hub, sst5.SIZE),
    "fewrel": TaskDef("text", "accuracy",
                      {s: functools.partial(fewrel.read_local, data_source=s) for s in fewrel.FILES},
                      fewrel.read_hub, fewrel.SIZE),
    **{name: TaskDef("image", "accuracy", {None: functools.partial(cifar.read_local, name)},
                     functools.partial(cifar.read_hub, name), size)
       for name, size in cifar.SIZES.items()},
    "digits": TaskDef("vector", "accuracy", {None: digits.read}, digits.read, digits.SIZE),
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

    def local():
        if data_dir is None:
            raise FileNotFoundError(f"no local data folder (NKD_DATA_DIR unset, ../shared/data absent); {HOW_TO_GET}")
        return task.local[data_source](data_dir)

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
    for part in (raw.train, raw.test, raw.dev):
        if part is not None:
            _check_labels(part[1], len(raw.label_names), f"{name} ({source})")
    return raw


def _check_labels(y, num_classes, where):
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{where}: label outside [0, {num_classes}): {y[(y < 0) | (y >= num_classes)][0]}")
