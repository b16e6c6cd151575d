"""nkdlib.data: file formats, splits and noise, and the real offline data when present."""

import functools
import json

import numpy as np
import pytest

from nkdlib import data
from nkdlib.data import load_task

# -----------------------------------------------------------------------------
# hand-written GLUE folders


def _tsv(path, header, rows):
    """Write a TSV; header None for a header-less file (CoLA)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ([] if header is None else ["\t".join(header)]) + ["\t".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


NLI = ("entailment", "not_entailment")
MNLI = ("entailment", "neutral", "contradiction")
MNLI_TRAIN_HEADER = ["index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
                     "sentence1_parse", "sentence2_parse", "sentence1", "sentence2", "label1", "gold_label"]
MNLI_DEV_HEADER = MNLI_TRAIN_HEADER[:-1] + ["label2", "label3", "label4", "label5", "gold_label"]


def _mnli_rows(n, tag, extra_labels):
    return [[i, i, f"{i}e", "fiction", "(", "(", "(", "(", f"p {tag} {i}", f"h {tag} {i}",
             *[MNLI[i % 3]] * extra_labels, MNLI[i % 3]] for i in range(n)]


@pytest.fixture
def glue_dir(tmp_path):
    """<tmp>/glue/{CoLA,SST-2,RTE,MRPC,MNLI}: 40 train rows, 6 dev rows; label = i % C."""
    g = tmp_path / "glue"
    for split, n in (("train", 40), ("dev", 6)):
        # CoLA: no header; source, label, author mark ("*" when unacceptable), sentence
        _tsv(g / "CoLA" / f"{split}.tsv", None, [["gj04", i % 2, "" if i % 2 else "*", f"cola {split} {i}"]
                                                 for i in range(n)])
        # quotes inside sentences must survive (csv.QUOTE_NONE)
        _tsv(g / "SST-2" / f"{split}.tsv", ["sentence", "label"], [[f'a "good" {split} {i} ', i % 2] for i in range(n)])
        _tsv(g / "RTE" / f"{split}.tsv", ["index", "sentence1", "sentence2", "label"],
             [[i, f"s1 {split} {i}", f"s2 {split} {i}", NLI[i % 2]] for i in range(n)])
        _tsv(g / "MRPC" / f"{split}.tsv", ["\ufeffQuality", "#1 ID", "#2 ID", "#1 String", "#2 String"],
             [[i % 2, 10 + i, 20 + i, f"m1 {split} {i}", f"m2 {split} {i}"] for i in range(n)])
    _tsv(g / "MNLI" / "train.tsv", MNLI_TRAIN_HEADER, _mnli_rows(40, "train", 1))
    for which in ("matched", "mismatched"):
        _tsv(g / "MNLI" / f"dev_{which}.tsv", MNLI_DEV_HEADER, _mnli_rows(6, which, 5))
    return tmp_path


@pytest.mark.parametrize("name, first_test_x, names", [
    ("cola", "cola dev 0", ["unacceptable", "acceptable"]),
    ("sst2", 'a "good" dev 0 ', ["negative", "positive"]),
    ("rte", ("s1 dev 0", "s2 dev 0"), list(NLI)),
    ("mrpc", ("m1 dev 0", "m2 dev 0"), ["not_equivalent", "equivalent"]),
    ("mnli", ("p matched 0", "h matched 0"), list(MNLI)),
    ("mnli_mm", ("p mismatched 0", "h mismatched 0"), list(MNLI)),
])
def test_glue_local(glue_dir, name, first_test_x, names):
    task = load_task(name, glue_dir, source="local")
    assert task.label_names == names and task.num_classes == len(names) and task.kind == "text"
    assert task.metric == {"cola": "mcc", "mrpc": "f1"}.get(name, "accuracy")
    assert (len(task.train), len(task.valid), len(task.test)) == (36, 4, 6)
    # the test set is dev in file order, and every file was written with label i % C
    assert task.test.x[0] == first_test_x
    np.testing.assert_array_equal(task.test.y, np.arange(6) % len(names))
    for split in (task.train, task.valid):
        for x, y in zip(split.x, split.y_true):
            assert type(x) is type(first_test_x)  # pairs stay pairs
            assert int(str(x[0] if isinstance(x, tuple) else x).split()[-1]) % len(names) == y


def test_glue_dir_may_be_the_glue_folder(glue_dir):
    a, b = load_task("rte", glue_dir, source="local"), load_task("rte", glue_dir / "glue", source="local")
    assert a.train.x == b.train.x and a.test.x == b.test.x


@pytest.mark.parametrize("row, complaint", [
    (["7", "s1", "s2"], "expected 4 tab-separated columns, got 3"),
    (["7", "s1", "s2", "maybe"], "unknown label 'maybe'"),
])
def test_glue_malformed_row_names_file_and_line(glue_dir, row, complaint):
    path = glue_dir / "glue" / "RTE" / "train.tsv"
    lines = path.read_text().splitlines()
    lines.insert(3, "\t".join(row))  # becomes line 4 (line 1 is the header)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=rf"RTE/train\.tsv, line 4: {complaint}"):
        load_task("rte", glue_dir, source="local")


def test_glue_missing_column_in_header(glue_dir):
    _tsv(glue_dir / "glue" / "SST-2" / "train.tsv", ["text", "label"], [["x", 0]])
    with pytest.raises(ValueError, match=r"SST-2/train\.tsv, line 1: .*lacks column\(s\) \['sentence'\]"):
        load_task("sst2", glue_dir, source="local")


def test_missing_files_are_named(glue_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"glue/QNLI.*NKD_DATA_DIR"):
        load_task("qnli", glue_dir, source="local")
    (glue_dir / "glue" / "CoLA" / "dev.tsv").unlink()
    with pytest.raises(FileNotFoundError, match=r"glue/CoLA/dev\.tsv not found.*source='hub'"):
        load_task("cola", glue_dir, source="local")
    with pytest.raises(FileNotFoundError, match=r"sst5/train\.txt not found"):
        load_task("sst5", tmp_path / "nowhere", source="local")


def test_unknown_task_and_offline_only_errors(tmp_path):
    with pytest.raises(ValueError, match=r"unknown task 'glue'; known tasks: cola, sst2, .*digits"):
        load_task("glue")
    with pytest.raises(FileNotFoundError, match="CIFAR-100 is not available offline"):
        load_task("cifar100", tmp_path, source="local")
    # auto: no local FewRel, and FewRel has no hub route -> both reasons in one message
    with pytest.raises(RuntimeError, match=r"fewrel: no local data .*val_wiki\.json not found.*and no hub"):
        load_task("fewrel", tmp_path)


def test_default_data_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NKD_DATA_DIR", str(tmp_path))
    assert data.default_data_dir() == tmp_path


# -----------------------------------------------------------------------------
# splits and noise (digits: always available, 10 classes, 1257 train / 540 test)


def test_split_sizes_stratified_and_disjoint(glue_dir):
    task = load_task("digits", noise_rate=0.0)
    assert task.kind == "vector" and task.train.x.dtype == np.float32 and task.train.x.shape[1] == 64
    assert 0.0 <= task.train.x.min() and task.train.x.max() <= 1.0
    assert (len(task.train), len(task.valid), len(task.test)) == (1131, 126, 540)
    # valid holds ~10% of each class
    full = np.bincount(task.train.y_true, minlength=10) + np.bincount(task.valid.y_true, minlength=10)
    assert np.all(np.abs(np.bincount(task.valid.y_true, minlength=10) - 0.1 * full) <= 1)
    # train and valid partition the official train (unique sentences make this checkable)
    sst2 = load_task("sst2", glue_dir, source="local")
    assert not set(sst2.train.x) & set(sst2.valid.x) and len(set(sst2.train.x) | set(sst2.valid.x)) == 40


@pytest.mark.parametrize("kind", ["symmetric", "pairflip"])
def test_noise_exact_and_test_clean(kind):
    task = load_task("digits", seed=3, noise=kind, noise_rate=0.3)
    for split in (task.train, task.valid):
        assert split.noisy.sum() == round(0.3 * len(split))
        np.testing.assert_array_equal(split.noisy, split.y != split.y_true)
        assert split.y.dtype == np.int64 and split.noisy.dtype == bool
    np.testing.assert_array_equal(task.test.y, task.test.y_true)
    assert not task.test.noisy.any()


def test_cached_raw_data_is_never_shared():
    a = load_task("digits")
    a.test.x[:] = -1
    a.test.y_true[:] = -1
    assert load_task("digits").test.x.min() == 0.0 and load_task("digits").test.y_true.min() == 0


def test_seeds_deterministic_and_test_fixed():
    a, b, c = (load_task("digits", seed=s, noise_rate=0.2) for s in (1, 1, 2))
    for split in ("train", "valid", "test"):
        for field in ("x", "y", "y_true", "noisy"):
            np.testing.assert_array_equal(getattr(getattr(a, split), field), getattr(getattr(b, split), field))
    assert not np.array_equal(a.valid.x, c.valid.x) and not np.array_equal(a.train.noisy, c.train.noisy)
    np.testing.assert_array_equal(a.test.x, c.test.x)  # the test set does not depend on the seed


def test_max_train_and_max_test():
    a, b, c = (load_task("digits", seed=s, max_train=500, max_test=100) for s in (1, 1, 2))
    assert (len(a.train), len(a.valid), len(a.test)) == (450, 50, 100)
    full = load_task("digits")
    ref = np.bincount(np.concatenate([full.train.y_true, full.valid.y_true]), minlength=10)
    got = np.bincount(np.concatenate([a.train.y_true, a.valid.y_true]), minlength=10)
    assert np.all(np.abs(got - ref * 500 / ref.sum()) <= 1)  # stratified
    assert np.all(np.abs(np.bincount(a.test.y_true, minlength=10) - 10) <= 1)
    np.testing.assert_array_equal(a.train.x, b.train.x)  # seeded
    assert not np.array_equal(a.train.x, c.train.x)
    np.testing.assert_array_equal(a.test.x, c.test.x)  # same test subset for every seed


def test_tiny_subsets_fall_back_to_unstratified():
    task = load_task("digits", max_train=12, max_test=3, noise_rate=0.5)
    assert (len(task.train), len(task.valid), len(task.test)) == (11, 1, 3)


def test_classes_keep_and_relabel():
    full = load_task("digits", valid_frac=0.0)
    for classes in ([3, 1], ["3", "1"]):
        task = load_task("digits", valid_frac=0.0, classes=classes)
        assert task.label_names == ["3", "1"] and task.num_classes == 2
        np.testing.assert_array_equal(task.train.x[task.train.y_true == 0], full.train.x[full.train.y_true == 3])
        np.testing.assert_array_equal(task.test.x[task.test.y_true == 1], full.test.x[full.test.y_true == 1])
        assert len(task.test) == np.isin(full.test.y_true, [1, 3]).sum()
    for bad in ([1, 1], [1, 10], ["3", "three"]):
        with pytest.raises(ValueError, match="must be distinct labels among"):
            load_task("digits", classes=bad)


# -----------------------------------------------------------------------------
# SST-5 trees and FewRel json


def test_sst5_trees(tmp_path):
    trees = ["(3 (2 It) (4 (4 (2 's) (4 great)) (2 .)))", "(1 (2 -LRB-) (1 (2 Not) (1 good)))"]
    for split in ("train", "test"):
        (tmp_path / "sst5").mkdir(exist_ok=True)
        (tmp_path / "sst5" / f"{split}.txt").write_text("\n".join(trees) + "\n")
    task = load_task("sst5", tmp_path, source="local", valid_frac=0.0)
    assert task.num_classes == 5 and task.label_names[0] == "very negative"
    assert task.test.x == ["It 's great .", "-LRB- Not good"] and list(task.test.y) == [3, 1]
    (tmp_path / "sst5" / "test.txt").write_text(trees[0] + "\n(3 (2 unbalanced)\n")
    with pytest.raises(ValueError, match=r"sst5/test\.txt, line 2: not a PTB tree"):
        data._read_sst5(tmp_path / "sst5" / "test.txt")


def _fewrel_json(tmp_path):
    """2 relations x 7 instances; instance k of P2 has the tail before the head."""
    insts = {
        "P1": [{"tokens": ["Ann", "met", "Bob", "Smith", str(k)], "h": ["ann", "Q1", [[0]]],
                "t": ["bob smith", "Q2", [[2, 3], [4]]]} for k in range(7)],
        "P2": [{"tokens": ["in", "Paris", ",", "France", str(k)], "h": ["france", "Q3", [[3]]],
                "t": ["paris", "Q4", [[1]]]} for k in range(7)],
    }
    (tmp_path / "fewrel").mkdir()
    (tmp_path / "fewrel" / "val_wiki.json").write_text(json.dumps(insts))
    (tmp_path / "fewrel" / "pid2name.json").write_text(json.dumps({"P2": ["country", "a description"]}))
    return tmp_path


def test_fewrel_markers_and_names(tmp_path):
    names, x, y = data._read_fewrel(_fewrel_json(tmp_path) / "fewrel" / "val_wiki.json")
    assert names == ("P1", "country")  # sorted by id; name from pid2name.json when it has one
    assert x[0] == "[E1] Ann [/E1] met [E2] Bob Smith [/E2] 0"
    assert x[7] == "in [E2] Paris [/E2] , [E1] France [/E1] 0"
    np.testing.assert_array_equal(y, [0] * 7 + [1] * 7)


def test_fewrel_split_per_seed(tmp_path, monkeypatch):
    y = np.repeat([0, 1], 7)
    tr, va, te = data._fewrel_split(y, seed=42, n_train=3, n_valid=2, n_test=2)
    assert [np.bincount(y[i]).tolist() for i in (tr, va, te)] == [[3, 3], [2, 2], [2, 2]]
    assert len(np.unique(np.concatenate([tr, va, te]))) == 14
    assert all(np.array_equal(p, q) for p, q in zip((tr, va, te), data._fewrel_split(y, 42, 3, 2, 2)))
    assert not np.array_equal(tr, data._fewrel_split(y, 549, 3, 2, 2)[0])
    with pytest.raises(ValueError, match="has 7 instances, needs 8"):
        data._fewrel_split(y, 0, 4, 2, 2)
    # through load_task: valid is the per-relation dev part, noised like train
    monkeypatch.setattr(data, "_fewrel_split", functools.partial(data._fewrel_split, n_train=3, n_valid=2, n_test=2))
    task = load_task("fewrel", _fewrel_json(tmp_path), source="local", noise_rate=0.25)
    assert (len(task.train), len(task.valid), len(task.test)) == (6, 4, 4)
    assert task.train.noisy.sum() == 2 and task.valid.noisy.sum() == 1 and not task.test.noisy.any()
    assert all("[E1]" in s and "[/E2]" in s for s in task.train.x)


# -----------------------------------------------------------------------------
# the real offline data (../shared/data), skipped when absent


@pytest.mark.parametrize("name, n_train, n_test", [
    ("cola", 8551, 1043), ("sst2", 67349, 872), ("rte", 2490, 277), ("sst5", 8544, 2210),
])
def test_shared_row_counts(shared_data, name, n_train, n_test):
    task = load_task(name, shared_data, source="local")
    assert (len(task.train) + len(task.valid), len(task.test)) == (n_train, n_test)
    assert len(task.valid) == round(0.1 * n_train)


def test_shared_fewrel(shared_data):
    task = load_task("fewrel", shared_data, source="local", seed=42)
    assert task.num_classes == 16 and "[E1]" in task.train.x[0]
    for split, per_class in ((task.train, 500), (task.valid, 100), (task.test, 100)):
        assert np.bincount(split.y_true).tolist() == [per_class] * 16


def test_shared_cifar10_decode_and_cache(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("NKD_CACHE_DIR", str(tmp_path))
    raw = data._cifar10_local(shared_data)
    (x_train, y_train), (x_test, y_test) = raw.train, raw.test
    assert x_train.shape == (50000, 32, 32, 3) and x_test.shape == (10000, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [5000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert raw.label_names == data.CIFAR10_CLASSES
    # a second load reads the .npz: decoding again would fail
    assert len(list(tmp_path.glob("cifar10-jpeg-*.npz"))) == 1
    monkeypatch.setattr(data, "_decode_cifar10", lambda tarball: pytest.fail("decoded twice"))
    again = data._cifar10_local(shared_data)
    np.testing.assert_array_equal(again.train[0], x_train)
    # pre-train / fine-tune halves of CIFAR-10 (classes=)
    task = load_task("cifar10", shared_data, source="local", classes=data.CIFAR10_CLASSES[5:])
    assert task.kind == "image" and task.label_names == list(data.CIFAR10_CLASSES[5:])
    assert (len(task.train), len(task.valid), len(task.test)) == (22500, 2500, 5000)
    np.testing.assert_array_equal(task.test.x[task.test.y_true == 0], x_test[y_test == 5])
