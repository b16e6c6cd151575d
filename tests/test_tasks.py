"""nkdlib.tasks: classes, subsets, valid carving and noise, on digits and hand-made data sets."""

import json

import numpy as np
import pytest

from nkdlib import datasets, tasks
from nkdlib.config import make_config
from nkdlib.datasets import Raw
from nkdlib.noise import corrupt_labels
from nkdlib.tasks import make_task, task_for


def _rows(x):
    """Rows of a 2-D array as a sorted list of tuples: compare sets of samples."""
    return sorted(map(tuple, x.tolist()))


@pytest.fixture
def fake_read(monkeypatch):
    """Make datasets.read return the given Raw, whatever the task name."""
    def use(raw):
        monkeypatch.setattr(datasets, "read", lambda *args, **kwargs: raw)
    return use


def _texts(n, num_classes=2):
    """(x, y): n unique texts, label i % num_classes."""
    return [f"text {i}" for i in range(n)], np.arange(n, dtype=np.int64) % num_classes


# ----------------------------------------------------------------------------- splits (digits: 1257 train / 540 test)


def test_valid_is_a_stratified_tenth_of_train():
    task = make_task("digits", noise_rate=0.0)
    assert task.kind == "vector" and task.metric == "accuracy" and task.num_classes == 10
    assert (len(task.train), len(task.valid), len(task.test)) == (1131, 126, 540)
    full = np.bincount(task.train.y_true, minlength=10) + np.bincount(task.valid.y_true, minlength=10)
    assert np.all(np.abs(np.bincount(task.valid.y_true, minlength=10) - 0.1 * full) <= 1)
    # train and valid partition the official train split
    raw_x = datasets.read("digits").train[0]
    assert _rows(np.concatenate([task.train.x, task.valid.x])) == _rows(raw_x)


def test_text_splits_partition_train_and_pairs_stay_lists(fake_read):
    fake_read(Raw(("a", "b"), _texts(40), _texts(6)))
    task = make_task("sst2")
    assert isinstance(task.train.x, list) and isinstance(task.valid.x, list)
    assert not set(task.train.x) & set(task.valid.x) and len(set(task.train.x) | set(task.valid.x)) == 40
    assert task.test.x == [f"text {i}" for i in range(6)]


def test_an_official_dev_split_is_kept_clean_subset_like_test_and_class_selected(fake_read):
    fake_read(Raw(("a", "b", "c"), _texts(60, 3), _texts(9, 3), _texts(30, 3)))
    task = make_task("sst5", noise_rate=0.3, max_test=10, classes=["c", "a"])
    assert len(task.dev) == 10 and np.bincount(task.dev.y).tolist() == [5, 5]   # 20 of classes c, a; stratified
    assert (task.dev.y == task.dev.y_true).all() and not task.dev.noisy.any()
    assert [int(x.split()[1]) % 3 for x in task.dev.x] == [(2, 0)[y] for y in task.dev.y]   # relabelled c -> 0, a -> 1
    assert make_task("sst5", seed=3, max_test=10, classes=["c", "a"]).dev.x == task.dev.x   # same for every seed
    fake_read(Raw(("a", "b"), _texts(40), _texts(6)))
    assert make_task("sst2").dev is None


@pytest.mark.parametrize("name, x", [("digits", None), ("sst2", "text")])
def test_valid_frac_zero_trains_on_all(fake_read, name, x):
    if x:
        fake_read(Raw(("a", "b"), _texts(40), _texts(6)))
    task = make_task(name, valid_frac=0.0, noise_rate=0.2)
    assert len(task.valid) == 0 and len(task.train) == (40 if x else 1257)
    assert task.valid.y.dtype == task.valid.y_true.dtype == np.int64 and task.valid.noisy.dtype == bool
    if x:
        assert task.valid.x == []
    else:
        assert task.valid.x.shape == (0, 64) and task.valid.x.dtype == np.float32


@pytest.mark.parametrize("split", ["train", "test", "dev"])
def test_non_finite_inputs_are_refused_naming_task_and_split(fake_read, split):
    x, y = np.zeros((20, 3), dtype=np.float32), np.arange(20) % 2
    bad = x.copy()
    bad[7, 1] = np.nan
    bad[9, 0] = np.inf
    fake_read(Raw(("a", "b"), **{"train": (x, y), "test": (x, y), "dev": (x, y), split: (bad, y)}))
    with pytest.raises(ValueError, match=rf"task 'digits', {split} split: 2 example\(s\) with non-finite input "
                                         r"features \(first at index 7\)"):
        make_task("digits")


def test_bad_valid_frac():
    with pytest.raises(ValueError, match=r"valid_frac must be in \[0, 1\)"):
        make_task("digits", valid_frac=1.0)


@pytest.mark.parametrize("kind", ["symmetric", "pairflip"])
def test_noise_on_train_and_valid_with_their_seeds_and_test_clean(kind):
    task = make_task("digits", seed=3, noise=kind, noise_rate=0.3)
    for split, seed in ((task.train, 3), (task.valid, 4)):
        noisy, mask = corrupt_labels(split.y_true, 10, 0.3, kind=kind, seed=seed)
        np.testing.assert_array_equal(split.y, noisy)
        np.testing.assert_array_equal(split.noisy, mask)
        assert split.noisy.sum() == round(0.3 * len(split)) and np.array_equal(split.noisy, split.y != split.y_true)
    np.testing.assert_array_equal(task.test.y, task.test.y_true)
    assert not task.test.noisy.any()


def test_cached_raw_data_is_never_shared():
    a = make_task("digits")
    a.test.x[:] = -1
    a.test.y_true[:] = -1
    a.train.x[:] = -1
    b = make_task("digits")
    assert b.test.x.min() == 0.0 and b.test.y_true.min() == 0 and b.train.x.min() == 0.0


def test_seeds_deterministic_and_test_fixed():
    a, b, c = (make_task("digits", seed=s, noise_rate=0.2) for s in (1, 1, 2))
    for split in ("train", "valid", "test"):
        for field in ("x", "y", "y_true", "noisy"):
            np.testing.assert_array_equal(getattr(getattr(a, split), field), getattr(getattr(b, split), field))
    assert not np.array_equal(a.valid.x, c.valid.x) and not np.array_equal(a.train.noisy, c.train.noisy)
    np.testing.assert_array_equal(a.test.x, c.test.x)  # the test set does not depend on the seed


def test_max_train_and_max_test_are_stratified_subsets():
    a, b, c = (make_task("digits", seed=s, max_train=500, max_test=100) for s in (1, 1, 2))
    assert (len(a.train), len(a.valid), len(a.test)) == (450, 50, 100)
    ref = np.bincount(datasets.read("digits").train[1])
    got = np.bincount(np.concatenate([a.train.y_true, a.valid.y_true]), minlength=10)
    assert np.all(np.abs(got - ref * 500 / ref.sum()) <= 1)
    assert np.all(np.abs(np.bincount(a.test.y_true, minlength=10) - 10) <= 1)
    np.testing.assert_array_equal(a.train.x, b.train.x)  # seeded
    assert not np.array_equal(a.train.x, c.train.x)
    np.testing.assert_array_equal(a.test.x, c.test.x)  # same test subset for every seed


def test_tiny_subsets_fall_back_to_unstratified():
    task = make_task("digits", max_train=12, max_test=3, noise_rate=0.5)
    assert (len(task.train), len(task.valid), len(task.test)) == (11, 1, 3)


def test_classes_keep_and_relabel():
    full = make_task("digits", valid_frac=0.0)
    for classes in ([3, 1], ["3", "1"]):
        task = make_task("digits", valid_frac=0.0, classes=classes)
        assert task.label_names == ["3", "1"] and task.num_classes == 2
        np.testing.assert_array_equal(task.train.x[task.train.y_true == 0], full.train.x[full.train.y_true == 3])
        np.testing.assert_array_equal(task.test.x[task.test.y_true == 1], full.test.x[full.test.y_true == 1])
        assert len(task.test) == np.isin(full.test.y_true, [1, 3]).sum()
    for bad in ([1, 1], [1, 10], ["3", "three"]):
        with pytest.raises(ValueError, match="must be distinct labels among"):
            make_task("digits", classes=bad)


# ----------------------------------------------------------------------------- FewRel's per-seed split


def test_split_per_class():
    y = np.repeat([0, 1], 7)
    tr, va, te = tasks.split_per_class(y, 42, 3, 2, 2)
    assert [np.bincount(y[i]).tolist() for i in (tr, va, te)] == [[3, 3], [2, 2], [2, 2]]
    assert len(np.unique(np.concatenate([tr, va, te]))) == 14
    assert all(np.array_equal(p, q) for p, q in zip((tr, va, te), tasks.split_per_class(y, 42, 3, 2, 2)))
    assert not np.array_equal(tr, tasks.split_per_class(y, 549, 3, 2, 2)[0])
    with pytest.raises(ValueError, match="has 7 samples, needs 8"):
        tasks.split_per_class(y, 0, 4, 2, 2)


def test_no_test_split_means_per_class_split_per_seed(fake_read, monkeypatch):
    monkeypatch.setattr(tasks, "FEWREL_SPLIT", (6, 2, 2))
    fake_read(Raw(("r0", "r1"), _texts(20), None))
    task = make_task("fewrel", seed=5, noise_rate=0.25)
    assert (len(task.train), len(task.valid), len(task.test)) == (12, 4, 4)
    assert task.train.noisy.sum() == 3 and task.valid.noisy.sum() == 1 and not task.test.noisy.any()
    assert make_task("fewrel", seed=5).test.x == task.test.x != make_task("fewrel", seed=6).test.x
    # max_train shrinks the given valid split by the same fraction (12 -> 6: valid 4 -> 2)
    assert (len(make_task("fewrel", seed=5, max_train=6).valid)) == 2


def test_a_relation_too_small_for_the_split_is_an_error_naming_it_and_the_file(tmp_path):
    """700 instances per relation are needed (500/100/100); one with 650 is named, with the file."""
    inst = {"tokens": ["Ann", "met", "Bob"], "h": ["ann", "Q1", [[0]]], "t": ["bob", "Q2", [[2]]]}
    (tmp_path / "fewrel").mkdir()
    (tmp_path / "fewrel" / "val_wiki.json").write_text(json.dumps({"P1": [inst] * 700, "P2": [inst] * 650}))
    (tmp_path / "fewrel" / "pid2name.json").write_text(json.dumps({"P2": ["country", "a description"]}))
    with pytest.raises(ValueError, match=r"fewrel/val_wiki\.json.*: relation 'country' has 650 instances; the "
                                         r"per-relation split \(500, 100, 100\) .* needs 700"):
        make_task("fewrel", tmp_path, source="local")


def test_shared_fewrel_protocol(shared_data):
    task = make_task("fewrel", shared_data, source="local", seed=42)
    assert task.num_classes == 16 and isinstance(task.train.x[0], str)
    for split, per_class in ((task.train, 500), (task.valid, 100), (task.test, 100)):
        assert np.bincount(split.y_true).tolist() == [per_class] * 16


@pytest.mark.parametrize("name, files", [
    ("rte", ["glue/RTE/train.tsv", "glue/RTE/dev.tsv"]),
    ("sst5", ["sst5/train.txt", "sst5/test.txt", "sst5/dev.txt"]),
    ("fewrel", ["fewrel/val_wiki.json", "fewrel/pid2name.json"]),
])
def test_shared_provenance_matches_the_published_checksums(shared_data, name, files):
    sums = dict(line.split()[::-1] for line in (shared_data / "SHA256SUMS").read_text().splitlines())
    task = make_task(name, shared_data, source="local")
    assert task.provenance == {"source": "local", "files": {f: sums[f"./{f}"] for f in files}}


def test_shared_cifar10_classes(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("NKD_CACHE_DIR", str(tmp_path))
    names = datasets.cifar.CIFAR10_CLASSES
    task = make_task("cifar10", shared_data, source="local", classes=names[5:])
    assert task.kind == "image" and task.label_names == list(names[5:]) and task.train.x.dtype == np.uint8
    assert (len(task.train), len(task.valid), len(task.test)) == (22500, 2500, 5000)
    x_test, y_test = datasets.read("cifar10", shared_data, source="local").test
    np.testing.assert_array_equal(task.test.x[task.test.y_true == 0], x_test[y_test == 5])


# ----------------------------------------------------------------------------- task_for


def test_task_for_caches_on_the_data_keys():
    cfg = dict(task="digits", noise="symmetric", noise_rate=0.2, seed=1, max_train=300, max_test=None,
               classes=None, valid_frac=0.1, data_source=None, lr=0.1)
    task = task_for(cfg)
    assert task_for({**cfg, "lr": 0.5}) is task  # not a data key
    assert task_for({**cfg, "seed": 2}) is not task and task_for({**cfg, "valid_frac": 0.0}) is not task
    ref = make_task("digits", noise_rate=0.2, seed=1, max_train=300)
    np.testing.assert_array_equal(task.train.y, ref.train.y)
    np.testing.assert_array_equal(task.valid.x, ref.valid.x)
    assert len(task_for({**cfg, "valid_frac": 0.0}).valid) == 0
    assert task_for({**cfg, "classes": [3, 1]}) is task_for({**cfg, "classes": [3, 1]})


def test_task_for_follows_nkd_data_dir(tmp_path, monkeypatch):
    for tag in ("a", "b"):
        folder = tmp_path / tag / "glue" / "SST-2"
        folder.mkdir(parents=True)
        for split in ("train", "dev"):
            rows = "".join(f"{tag} {split} {i}\t{i % 2}\n" for i in range(20))
            (folder / f"{split}.tsv").write_text("sentence\tlabel\n" + rows)
    cfg = make_config(task="sst2")
    for tag in ("a", "b", "a"):
        monkeypatch.setenv("NKD_DATA_DIR", str(tmp_path / tag))
        assert task_for(cfg).test.x[0] == f"{tag} dev 0"
    assert task_for(cfg) is task_for(cfg, tmp_path / "a")   # the same folder, however it is given
