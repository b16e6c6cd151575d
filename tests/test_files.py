"""nkdlib.files: the one cache root and the one atomic write."""

import errno

import numpy as np
import pytest

from nkdlib.files import atomic_write, cache_dir


def test_atomic_write_replaces_the_file(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    atomic_write(path, lambda p: p.write_text("new"))
    assert path.read_text() == "new" and list(tmp_path.iterdir()) == [path]


def test_writer_exception_leaves_the_old_file_and_no_tmp(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def fail(p):
        p.write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        atomic_write(path, fail)
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]


def test_two_writers_do_not_share_a_tmp_name(tmp_path):
    path, seen = tmp_path / "a.txt", []

    def inner(p):
        seen.append(p)
        p.write_text("inner")

    def outer(p):
        seen.append(p)
        p.write_text("outer")
        atomic_write(path, inner)  # a second writer while the first is half way
        assert p.read_text() == "outer"

    atomic_write(path, outer)
    assert seen[0] != seen[1] and all(p.parent == tmp_path for p in seen)
    assert path.read_text() == "outer" and list(tmp_path.iterdir()) == [path]


def test_tmp_name_keeps_the_suffix_for_numpy(tmp_path):
    path = tmp_path / "a.npz"
    atomic_write(path, lambda p: np.savez(p, x=np.arange(3)))  # np.savez appends ".npz" to other names
    with np.load(path) as z:
        np.testing.assert_array_equal(z["x"], np.arange(3))
    assert list(tmp_path.iterdir()) == [path]


def test_cache_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NKD_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path and cache_dir("tokens", "x.npz") == tmp_path / "tokens" / "x.npz"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    default = tmp_path / "home" / ".cache" / "nkdlib"
    monkeypatch.setenv("NKD_CACHE_DIR", "")  # empty counts as unset
    assert cache_dir("hf") == default / "hf"
    monkeypatch.delenv("NKD_CACHE_DIR")
    assert cache_dir("hf") == default / "hf"


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 512 vs 0"),
                                   OSError("11310 requested and 7136 written")])   # np.save's short write, no errno
def test_a_full_disk_is_an_oserror_that_says_so_and_names_the_path(error, tmp_path):
    def full(tmp):
        tmp.write_bytes(b"part")
        raise error
    with pytest.raises(OSError, match=r"no space left on the device writing .*checkpoint.pt") as e:
        atomic_write(tmp_path / "checkpoint.pt", full)
    assert e.value.errno == errno.ENOSPC and list(tmp_path.iterdir()) == []
