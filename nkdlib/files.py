"""Where nkdlib keeps its caches, and how every file it writes is written."""

import errno
import os
import uuid
from pathlib import Path


def cache_dir(*parts) -> Path:
    """The cache root $NKD_CACHE_DIR (default ~/.cache/nkdlib) joined with `parts`; not created."""
    return Path(os.environ.get("NKD_CACHE_DIR") or "~/.cache/nkdlib").expanduser().joinpath(*parts)


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
        return e.errno in (errno.ENOSPC, errno.EDQUOT)
    # torch.save's zip writer reports a short write as "[enforce fail at inline_container.cc] ... unexpected pos"
    return isinstance(e, RuntimeError) and ("unexpected pos" in str(e) or "No space left" in str(e))
