"""nkdlib.datasets: each reader on hand-written files, and on the real offline data when present."""

import hashlib
import io
import json
import re
import tarfile

import numpy as np
import pytest

from nkdlib import datasets, tasks
from nkdlib.config import key_view, make_config, teacher_config
from nkdlib.datasets import base, cifar, fewrel, glue, sst5

# ----------------------------------------------------------------------------- GLUE


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
    ("cola", "cola dev 0", ("unacceptable", "acceptable")),
    ("sst2", 'a "good" dev 0 ', ("negative", "positive")),
    ("rte", ("s1 dev 0", "s2 dev 0"), NLI),
    ("mrpc", ("m1 dev 0", "m2 dev 0"), ("not_equivalent", "equivalent")),
    ("mnli", ("p matched 0", "h matched 0"), MNLI),
    ("mnli_mm", ("p mismatched 0", "h mismatched 0"), MNLI),
])
def test_glue_local(glue_dir, name, first_test_x, names):
    raw = datasets.read(name, glue_dir, source="local")
    assert raw.label_names == names and raw.dev is None
    assert datasets.TASKS[name].kind == "text"
    assert datasets.TASKS[name].metric == {"cola": "mcc", "mrpc": "f1"}.get(name, "accuracy")
    (x_train, y_train), (x_test, y_test) = raw.train, raw.test
    assert (len(x_train), len(x_test)) == (40, 6)
    # files in order; every file was written with label i % C
    assert x_test[0] == first_test_x
    np.testing.assert_array_equal(y_train, np.arange(40) % len(names))
    np.testing.assert_array_equal(y_test, np.arange(6) % len(names))
    assert y_train.dtype == np.int64 and all(type(x) is type(first_test_x) for x in x_train)  # pairs stay pairs


def test_glue_dir_may_be_the_glue_folder(glue_dir):
    a, b = datasets.read("rte", glue_dir, source="local"), datasets.read("rte", glue_dir / "glue", source="local")
    assert a.train[0] == b.train[0] and a.test[0] == b.test[0]


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
        datasets.read("rte", glue_dir, source="local")


@pytest.mark.parametrize("file", ["train.tsv", "dev.tsv"])
def test_glue_header_only_file_is_an_error_naming_it(glue_dir, file):
    _tsv(glue_dir / "glue" / "RTE" / file, ["index", "sentence1", "sentence2", "label"], [])
    with pytest.raises(ValueError, match=rf"RTE/{file}: no data rows; an empty split is not allowed"):
        datasets.read("rte", glue_dir, source="local")


def test_not_utf8_names_file_and_line(glue_dir, tmp_path):
    path = glue_dir / "glue" / "SST-2" / "train.tsv"
    lines = path.read_bytes().splitlines()
    lines[5] = b"caf\xe9 latin-1\t1"  # line 6
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(ValueError, match=r"SST-2/train\.tsv, line 6: byte 0xe9 is not UTF-8 .*must be UTF-8"):
        datasets.read("sst2", glue_dir, source="local")
    trees = tmp_path / "trees.txt"  # the other text readers say the same
    trees.write_bytes(TREES[0].encode() + b"\n(2 (2 caf\xe9))\n")
    with pytest.raises(ValueError, match=r"trees\.txt, line 2: byte 0xe9 is not UTF-8"):
        sst5.read_trees(trees)


def test_glue_missing_column_in_header(glue_dir):
    _tsv(glue_dir / "glue" / "SST-2" / "train.tsv", ["text", "label"], [["x", 0]])
    with pytest.raises(ValueError, match=r"SST-2/train\.tsv, line 1: .*lacks column\(s\) \['sentence'\]"):
        datasets.read("sst2", glue_dir, source="local")


def test_missing_files_are_named(glue_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"glue/QNLI.*NKD_DATA_DIR"):
        datasets.read("qnli", glue_dir, source="local")
    (glue_dir / "glue" / "CoLA" / "dev.tsv").unlink()
    with pytest.raises(FileNotFoundError, match=r"glue/CoLA/dev\.tsv not found.*source='hub'"):
        datasets.read("cola", glue_dir, source="local")
    with pytest.raises(FileNotFoundError, match=r"sst5/train\.txt not found"):
        datasets.read("sst5", tmp_path / "nowhere", source="local")


def test_unknown_names_and_offline_only_errors(tmp_path):
    with pytest.raises(ValueError, match=r"unknown task 'glue'; known tasks: cola, sst2, .*digits"):
        datasets.read("glue")
    with pytest.raises(ValueError, match="source must be 'auto', 'local' or 'hub'"):
        datasets.read("digits", source="disk")
    with pytest.raises(FileNotFoundError, match="CIFAR-100 is not available offline"):
        datasets.read("cifar100", tmp_path, source="local")
    # auto: no local FewRel, and FewRel has no hub route -> both reasons in one message
    with pytest.raises(RuntimeError, match=r"fewrel: no local data .*fewrel/val_wiki\.json not found.*and no hub"):
        datasets.read("fewrel", tmp_path)


def test_default_data_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NKD_DATA_DIR", str(tmp_path))
    assert datasets.default_data_dir() == tmp_path


def test_read_is_cached_in_process():
    assert datasets.read("digits") is datasets.read("digits")


def test_digits():
    raw = datasets.read("digits")
    (x, y), (x_test, y_test) = raw.train, raw.test
    assert raw.label_names == tuple("0123456789") and datasets.TASKS["digits"].kind == "vector"
    assert x.dtype == np.float32 and x.shape == (1257, 64) and x_test.shape == (540, 64)
    assert 0.0 <= x.min() and x.max() <= 1.0 and y.dtype == np.int64
    assert np.all(np.abs(np.bincount(y_test) - 0.3 * np.bincount(np.concatenate([y, y_test]))) <= 1)  # stratified


# ----------------------------------------------------------------------------- SST-5


TREES = ["(3 (2 It) (4 (4 (2 's) (4 Great)) (2 .)))", "(1 (2 -LRB-) (1 (2 Not) (1 good)) (2 -RRB-) (2 and\\/or))"]


def _sst5_dir(tmp_path, dev=True):
    (tmp_path / "sst5").mkdir(parents=True)
    for split in ("train", "test") + (("dev",) if dev else ()):
        (tmp_path / "sst5" / f"{split}.txt").write_text("\n".join(TREES) + "\n")
    return tmp_path


def test_sst5_text_is_normalised_like_the_hub(tmp_path):
    raw = datasets.read("sst5", _sst5_dir(tmp_path), source="local")
    assert raw.label_names[0] == "very negative" and len(raw.label_names) == 5
    assert raw.test[0] == ["it 's great .", "( not good ) and/or"]  # PTB tokens kept, escapes undone, lower case
    np.testing.assert_array_equal(raw.test[1], [3, 1])


def test_sst5_dev_split_when_present(tmp_path):
    assert datasets.read("sst5", _sst5_dir(tmp_path / "a"), source="local").dev[0] == ["it 's great .", "( not good ) and/or"]
    assert datasets.read("sst5", _sst5_dir(tmp_path / "b", dev=False), source="local").dev is None


def test_sst5_empty_file_is_an_error_naming_it(tmp_path):
    (_sst5_dir(tmp_path) / "sst5" / "test.txt").write_text("")
    with pytest.raises(ValueError, match=r"sst5/test\.txt: no trees; an empty split is not allowed"):
        datasets.read("sst5", tmp_path, source="local")


def test_sst5_bad_tree_names_file_and_line(tmp_path):
    path = tmp_path / "test.txt"
    path.write_text(TREES[0] + "\n(3 (2 unbalanced)\n")
    with pytest.raises(ValueError, match=r"test\.txt, line 2: not a PTB tree"):
        sst5.read_trees(path)


# ----------------------------------------------------------------------------- FewRel


def _fewrel_dir(tmp_path, file="val_wiki.json", relations=("P1", "P2")):
    """Relations x 3 instances; P2's have the tail before the head in the context."""
    def inst(rel, k):
        if rel == "P2":
            return {"tokens": ["in", "Paris", ",", "France", str(k)], "h": ["france", "Q3", [[3]]],
                    "t": ["paris", "Q4", [[1]]]}
        return {"tokens": ["Ann", "met", "Bob", "Smith", str(k)], "h": ["ann", "Q1", [[0]]],
                "t": ["bob smith", "Q2", [[2, 3]]]}

    insts = {rel: [inst(rel, k) for k in range(3)] for rel in relations}
    (tmp_path / "fewrel").mkdir(exist_ok=True)
    (tmp_path / "fewrel" / file).write_text(json.dumps(insts))
    (tmp_path / "fewrel" / "pid2name.json").write_text(json.dumps({"P2": ["country", "a description"]}))
    return tmp_path


def test_fewrel_text_is_context_head_tail(tmp_path):
    raw = datasets.read("fewrel", _fewrel_dir(tmp_path), source="local")
    assert raw.label_names == ("P1", "country")  # sorted by id; name from pid2name.json when it has one
    assert raw.test is None and raw.dev is None  # re-split per seed by nkdlib.tasks
    x, y = raw.train
    assert x[0] == "Ann met Bob Smith 0 ann bob smith"
    assert x[3] == "in Paris , France 0 france paris"
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])


def test_fewrel_data_source_chooses_the_file_and_never_falls_back(tmp_path):
    _fewrel_dir(tmp_path, "val_wiki.json", ("P1", "P2"))
    with pytest.raises(FileNotFoundError, match=r"fewrel/train_wiki\.json not found"):
        datasets.read("fewrel", tmp_path, source="local", data_source="train_wiki")
    _fewrel_dir(tmp_path, "train_wiki.json", ("P1", "P2", "P3"))
    assert len(datasets.read("fewrel", tmp_path, source="local").label_names) == 2   # None: val_wiki, as published
    assert len(datasets.read("fewrel", tmp_path, source="local", data_source="train_wiki").label_names) == 3


def test_data_source_is_a_checked_config_key_threaded_to_the_task(tmp_path, monkeypatch):
    for task, bad, allowed in (("sst2", "train_wiki", r"\[None\]"), ("fewrel", "val_wiki", r"\[None, 'train_wiki'\]")):
        with pytest.raises(ValueError, match=rf"data_source='{bad}' is not allowed for task '{task}'; choose one of "
                                             rf"{allowed}"):
            make_config(task=task, data_source=bad)
    with pytest.raises(ValueError, match=r"data_source='train_wiki' is not allowed for task 'digits'"):
        datasets.read("digits", data_source="train_wiki")
    cfg = make_config(task="fewrel", data_source="train_wiki")
    assert "data_source" not in key_view(make_config(task="fewrel"))   # published run names unchanged
    assert key_view(cfg)["data_source"] == "train_wiki"
    assert teacher_config(cfg, ["mlp"])["data_source"] == "train_wiki"   # a teacher reads its student's data
    monkeypatch.setattr(tasks, "FEWREL_SPLIT", (1, 1, 1))
    _fewrel_dir(tmp_path, "val_wiki.json", ("P1", "P2"))
    _fewrel_dir(tmp_path, "train_wiki.json", ("P1", "P2", "P3"))
    assert tasks.task_for(cfg, tmp_path).num_classes == 3
    assert tasks.task_for(make_config(task="fewrel"), tmp_path).num_classes == 2


@pytest.mark.parametrize("text", ["{}", '{"P1": []}'])
def test_fewrel_without_instances_is_an_error_naming_the_file(tmp_path, text):
    (_fewrel_dir(tmp_path) / "fewrel" / "val_wiki.json").write_text(text)
    with pytest.raises(ValueError, match=r"fewrel/val_wiki\.json: no instances; an empty split is not allowed"):
        datasets.read("fewrel", tmp_path, source="local")


def test_fewrel_malformed_instance(tmp_path):
    path = _fewrel_dir(tmp_path) / "fewrel" / "val_wiki.json"
    data = json.loads(path.read_text())
    del data["P2"][1]["t"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"val_wiki\.json: relation P2, instance 1: malformed"):
        fewrel.read_json(path)


@pytest.mark.parametrize("data, complaint", [
    ([{"tokens": ["a"], "h": ["a"], "t": ["a"]}], r"val_wiki\.json: a JSON list, expected an object"),
    ({"P1": 3}, r"val_wiki\.json: relation P1: a JSON int, expected a list of instances"),
])
def test_fewrel_not_of_its_layout_is_an_error_naming_the_file(tmp_path, data, complaint):
    (_fewrel_dir(tmp_path) / "fewrel" / "val_wiki.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match=complaint):
        datasets.read("fewrel", tmp_path, source="local")


# ----------------------------------------------------------------------------- provenance


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_local_provenance_hashes_every_file_read_once_per_process(glue_dir, tmp_path):
    assert datasets.read("mnli_mm", glue_dir, source="local").provenance == {"source": "local", "files": {
        f"glue/MNLI/{f}": _sha(glue_dir / "glue" / "MNLI" / f) for f in ("train.tsv", "dev_mismatched.tsv")}}
    assert datasets.read("rte", glue_dir / "glue", source="local").provenance["files"].keys() == {
        "RTE/train.tsv", "RTE/dev.tsv"}   # relative to the folder given
    fewrel_files = datasets.read("fewrel", _fewrel_dir(tmp_path), source="local").provenance["files"]
    assert fewrel_files == {f"fewrel/{f}": _sha(tmp_path / "fewrel" / f) for f in ("val_wiki.json", "pid2name.json")}
    assert datasets.read("digits").provenance == {"source": "sklearn"}
    before = base._sha256.cache_info()
    datasets.read("mnli", glue_dir, source="local")   # train.tsv again: from the cache
    after = base._sha256.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)


def test_provenance_is_what_read_records_without_reading_the_data(glue_dir, tmp_path, monkeypatch):
    (tmp_path / "f").mkdir()
    cases = [("mnli_mm", glue_dir), ("rte", glue_dir / "glue"), ("sst5", _sst5_dir(tmp_path / "s")),
             ("fewrel", _fewrel_dir(tmp_path / "f")), ("digits", None)]
    expected = [datasets.read(name, folder).provenance for name, folder in cases]
    for module, reader in ((glue, "read_tsv"), (sst5, "read_trees"), (fewrel, "read_json")):
        monkeypatch.setattr(module, reader, lambda *a, **k: pytest.fail("provenance read the data"))
    assert [datasets.provenance(name, folder) for name, folder in cases] == expected
    assert datasets.provenance("sst2", tmp_path / "nowhere") == glue.HUB   # auto: no local files, so the hub
    with pytest.raises(FileNotFoundError, match=r"SST-2"):
        datasets.provenance("sst2", tmp_path / "nowhere", source="local")


@pytest.mark.parametrize("module, name", [(glue, "sst2"), (sst5, None)])
def test_hub_routes_load_a_pinned_revision_and_say_so(monkeypatch, module, name):
    import datasets as hf   # Hugging Face datasets; the fake below needs no network

    class Split(dict):
        features = {"label": type("Label", (), {"names": ["negative", "positive"]})}

    calls = []

    def load_dataset(path, config=None, **kw):
        calls.append((path, kw["revision"]))
        split = Split(sentence=["a", "b"], text=["a", "b"], label=[0, 1])
        return {"train": split, "validation": split, "test": split}

    monkeypatch.setattr(hf, "load_dataset", load_dataset)
    raw = module.read_hub(*([name] if name else []))
    assert len(module.HUB_REVISION) == 40 and calls == [(module.HUB_DATASET, module.HUB_REVISION)]
    assert raw.provenance == {"source": "hub", "dataset": module.HUB_DATASET, "revision": module.HUB_REVISION}


# ----------------------------------------------------------------------------- CIFAR-10 (a hand-made tarball)


def _cifar_dir(folder, shade=0, extra=None):
    """<folder>/cifar10/cifar10-jpeg.tar.gz: one 32x32 JPEG per split and class (airplane, bird);
    extra: (member name, bytes) added as it is. Returns folder."""
    from PIL import Image

    path = folder / "cifar10" / "cifar10-jpeg.tar.gz"
    path.parent.mkdir(parents=True)
    members = []
    for split in ("train", "test"):
        for i, name in enumerate(("airplane", "bird")):
            jpeg = io.BytesIO()
            Image.new("RGB", (32, 32), (shade, 100 * i, 50)).save(jpeg, "JPEG")
            members.append((f"{split}/{name}/{i:04d}.jpg", jpeg.getvalue()))
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members + ([extra] if extra else []):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return folder


@pytest.mark.parametrize("damage, complaint", [
    ("empty", "not a readable .tar.gz"),
    ("truncated", "not a readable .tar.gz"),
    ("not an image", r"train/cat/0009\.jpg is not a readable image"),
])
def test_cifar_tarball_damage_is_an_error_naming_it(damage, complaint, tmp_path, monkeypatch):
    monkeypatch.setenv("NKD_CACHE_DIR", str(tmp_path / "cache"))
    folder = _cifar_dir(tmp_path, extra=(("train/cat/0009.jpg", b"not a JPEG") if damage == "not an image" else None))
    tarball = folder / "cifar10" / "cifar10-jpeg.tar.gz"
    if damage != "not an image":
        tarball.write_bytes(tarball.read_bytes()[:len(tarball.read_bytes()) // 2] if damage == "truncated" else b"")
    with pytest.raises(ValueError, match=rf"{re.escape(str(tarball))}: {complaint}"):
        cifar.read_local("cifar10", folder)


@pytest.mark.parametrize("damage", ["truncated", "replaced by another tarball's"])
def test_a_damaged_or_replaced_cifar_cache_is_rebuilt_naming_it(damage, tmp_path, monkeypatch):
    """The .npz cache is named by and checked against its tarball's sha256: never used for another."""
    monkeypatch.setenv("NKD_CACHE_DIR", str(tmp_path / "cache"))
    decoded = cifar.read_local("cifar10", _cifar_dir(tmp_path / "a")).train[0]
    (cache,) = (tmp_path / "cache").glob("*.npz")
    cifar.read_local("cifar10", _cifar_dir(tmp_path / "b", shade=250))   # another tarball: its own cache
    (other,) = set((tmp_path / "cache").glob("*.npz")) - {cache}
    cache.write_bytes(cache.read_bytes()[:1000] if damage == "truncated" else other.read_bytes())
    with pytest.warns(UserWarning, match=rf"{re.escape(str(cache))}: cache .*; rebuilding it"):
        again = cifar.read_local("cifar10", tmp_path / "a").train[0]
    np.testing.assert_array_equal(again, decoded)


# ----------------------------------------------------------------------------- the real offline data (../shared/data)


@pytest.mark.parametrize("name, n_train, n_test", [
    ("cola", 8551, 1043), ("sst2", 67349, 872), ("rte", 2490, 277), ("sst5", 8544, 2210),
])
def test_shared_row_counts(shared_data, name, n_train, n_test):
    raw = datasets.read(name, shared_data, source="local")
    assert (len(raw.train[1]), len(raw.test[1])) == (n_train, n_test)


def test_shared_sst5_dev_and_text(shared_data):
    raw = datasets.read("sst5", shared_data, source="local")
    assert len(raw.dev[1]) == 1101
    texts = raw.train[0] + raw.test[0] + raw.dev[0]
    assert not any("-lrb-" in t or "\\/" in t or t != t.lower() for t in texts)
    assert sum("(" in t for t in texts) > 400


def test_shared_fewrel(shared_data):
    raw = datasets.read("fewrel", shared_data, source="local")
    assert len(raw.label_names) == 16 and np.bincount(raw.train[1]).tolist() == [700] * 16


def test_shared_cifar10_decode_and_cache(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("NKD_CACHE_DIR", str(tmp_path))
    raw = cifar.read_local("cifar10", shared_data)
    (x_train, y_train), (x_test, y_test) = raw.train, raw.test
    assert x_train.shape == (50000, 32, 32, 3) and x_test.shape == (10000, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [5000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert raw.label_names == cifar.CIFAR10_CLASSES
    sums = dict(line.split()[::-1] for line in (shared_data / "SHA256SUMS").read_text().splitlines())
    tarball = "cifar10/cifar10-jpeg.tar.gz"
    assert raw.provenance == {"source": "local", "files": {tarball: sums[f"./{tarball}"]}}
    # a second load reads the .npz: decoding again would fail
    assert [p.name for p in tmp_path.iterdir()] == [next(tmp_path.glob("cifar10-jpeg-*.npz")).name]
    monkeypatch.setattr(cifar, "decode", lambda tarball: pytest.fail("decoded twice"))
    np.testing.assert_array_equal(cifar.read_local("cifar10", shared_data).train[0], x_train)
