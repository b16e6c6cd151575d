"""What every reader returns (`Raw`) and the errors they share."""

from pathlib import Path
from typing import NamedTuple

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
    """

    label_names: tuple[str, ...]
    train: tuple
    test: tuple | None
    dev: tuple | None = None


def need(path: Path) -> Path:
    """path, or FileNotFoundError naming it and how to get the data."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; {HOW_TO_GET}")
    return path


def from_hub(what, fetch, offline=f"use local data: {LOCAL_HOW}, with source='local'"):
    """fetch(), with a failure (typically: no network) explained."""
    try:
        return fetch()
    except Exception as e:
        raise RuntimeError(f"could not get {what} from the hub (this needs network): {e!r}. Offline, {offline}") from e
