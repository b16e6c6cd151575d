"""What every reader returns (`Raw`), the checks and errors they share, and where the data came from."""

import functools
import hashlib
import io
from pathlib import Path
from typing import NamedTuple

import numpy as np

LOCAL_HOW = "pass data_dir= or set NKD_DATA_DIR to a folder laid out as in shared/data/README.md"
HOW_TO_GET = LOCAL_HOW + ", or use source='hub' on a machine with network"


class Raw(NamedTuple):
    """A data set as read, before any subsetting, splitting or noise.

    label_names: C class names, in label order.
    train, test, dev: (x, y) pairs. y: (N,) int64 in [0, C). x, by data family:
        list[str] (one text per sample), list[tuple[str, str]] (text pairs),
        uint8 (N, H, W, 3) (images) or float32 (N, D) (vectors).
    test: None when the data set has no fixed test split (FewRel: re-split per seed).
    dev: the official dev split, when there is one besides the test split (SST-5);
        else None. Never used for training or model selection (valid is carved from
        train): runs report it beside test (nkdlib.tasks.Task.dev).
    provenance: what was read: `local_provenance`, `hub_provenance` or {"source": "sklearn"};
        None when not reported (a Raw made by hand).
    """

    label_names: tuple[str, ...]
    train: tuple
    test: tuple | None
    dev: tuple | None = None
    provenance: dict | None = None


def need(path: Path) -> Path:
    """path, or FileNotFoundError naming it and how to get the data."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; {HOW_TO_GET}")
    return path


def read_text(path: Path, encoding="utf-8") -> io.StringIO:
    """path's text as a stream with universal newlines (like open()); a file that is not
    UTF-8 is a ValueError naming it and the line (open() would say neither)."""
    try:
        return io.StringIO(path.read_bytes().decode(encoding), newline=None)
    except UnicodeDecodeError as e:  # e.object: the bytes decoded (after a utf-8-sig byte-order mark)
        line = e.object.count(b"\n", 0, e.start) + 1
        raise ValueError(f"{path}, line {line}: byte {e.object[e.start]:#04x} is not UTF-8 ({e.reason}); "
                         "the file must be UTF-8") from None


def labelled(path: Path, x: list, y: list, what="data rows"):
    """(x, y as (N,) int64) read from path; an empty split is a ValueError naming path
    (a split with no samples would train or score on nothing without a word)."""
    if not y:
        raise ValueError(f"{path}: no {what}; an empty split is not allowed")
    return x, np.array(y, dtype=np.int64)


def local_provenance(data_dir: Path, *paths: Path) -> dict:
    """{"source": "local", "files": {path relative to data_dir (posix): sha256 hex}} of the files read."""
    return {"source": "local", "files": {p.relative_to(data_dir).as_posix(): sha256(p) for p in paths}}


def hub_provenance(dataset: str, revision: str | None) -> dict:
    """{"source": "hub", "dataset": hub id, "revision": commit (None: not pinned)}."""
    return {"source": "hub", "dataset": dataset, "revision": revision}


def sha256(path: Path) -> str:
    """The file's SHA-256 (hex), computed once per process for each (file, size, mtime)."""
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=None)
def _sha256(path, size, mtime_ns):  # size, mtime_ns: part of the cache key only
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def from_hub(what, fetch, offline=f"use local data: {LOCAL_HOW}, with source='local'"):
    """fetch(), with a failure (typically: no network) explained."""
    try:
        return fetch()
    except Exception as e:
        raise RuntimeError(f"could not get {what} from the hub (this needs network): {e!r}. Offline, {offline}") from e
