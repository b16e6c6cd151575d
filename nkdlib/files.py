"""Where nkdlib keeps its caches, and how every file it writes is written."""

import errno
import os
import re
import uuid
import warnings
from pathlib import Path

import numpy as np


def cache_dir(*parts) -> Path:
    """The cache root $NKD_CACHE_DIR (default ~/.cache/nkdlib) joined with `parts`; not created."""
    return Path(os.environ.get("NKD_CACHE_DIR") or "~/.cache/nkdlib").expanduser().joinpath(*parts)


def cached_arrays(path, source: str, build) -> tuple[dict, bool]:
    """(arrays, hit): the arrays of the .npz cache at `path` if it was made from `source` (a
    hash of what they are computed from, recorded in the file), else those of `build()`,
    cached there. A cache that is unreadable (truncated) or made from another source (a file
    copied over it) is rebuilt, with a warning naming it: never used, never a crash."""
    path = Path(path)
    if path.is_file():
        try:
            with np.load(path) as z:
                arrays = dict(z)   # reads every member: a damaged one fails here (zip CRC)
            made_from = str(arrays.pop("source", "no recorded source"))
            if made_from == source:
                return arrays, True
            why = f"made from {made_from}, not {source}"
        except Exception as e:   # whatever is wrong with a cache, its source is at hand
            why = f"unreadable ({type(e).__name__}: {e})"
        warnings.warn(f"{path}: cache {why}; rebuilding it")
    arrays = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: np.savez(tmp, source=np.array(source), **arrays))
    return arrays, False


def atomic_write(path, write) -> None:
    """Call `write(tmp)` on a temporary path beside `path`, then rename it onto `path`.

    A reader, or a run killed at any moment, sees the old file or the new one, never half
    a file; on an exception the temporary file is removed and `path` is left as it was.
    Each call gets its own temporary name, so parallel writers of one path never mix;
    it ends in path's suffix ("x.<random>.tmp.npz"), for writers that go by the suffix
    (np.savez, np.save, pandas' compression). A full disk is an OSError(ENOSPC) naming
    `path`, whatever the writer raised (torch.save: "unexpected pos").
    """
    path = Path(path)
    # a random name rather than mkstemp: the writer creates the file, with the usual
    # umask permissions (mkstemp's are 0600, unreadable to others sharing a cache)
    tmp = path.with_name(f"{path.stem}.{uuid.uuid4().hex}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if _disk_full(e):
            raise OSError(errno.ENOSPC, f"no space left on the device writing {path} ({e})") from e
        raise


def _disk_full(e: BaseException) -> bool:
    """Whether `e` is a writer's way of saying the disk is full."""
    if isinstance(e, OSError):
        # np.save (ndarray.tofile) reports a short write without an errno: "11310 requested and 7136 written"
        return e.errno in (errno.ENOSPC, errno.EDQUOT) or bool(re.fullmatch(r"\d+ requested and \d+ written", str(e)))
    # torch.save's zip writer reports a short write as "[enforce fail at inline_container.cc] ... unexpected pos"
    return isinstance(e, RuntimeError) and ("unexpected pos" in str(e) or "No space left" in str(e))
