"""A finished run is reused only on the data it was trained on: the files and sha256 in its
data.json or, for a run from before runs recorded their data, in its store's data.json."""
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import cfg
from nkdlib.datasets import DataMismatch, check_same_data
from nkdlib.runs import RunDir
from nkdlib.settings import RunSettings
from nkdlib.train import run

PUBLISHED = Path(__file__).resolve().parents[1] / "results" / "small" / "runs"


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _published(task, own_record):
    """(folder name, config) of the first published run of `task` with (or without) its own data.json."""
    for path in sorted(PUBLISHED.glob("*/config.json")):
        config = json.loads(path.read_text())
        if config["task"] == task and (path.parent / "data.json").exists() == own_record:
            return path.parent.name, config
    pytest.skip(f"no published {task} run {'with' if own_record else 'without'} data.json under {PUBLISHED}")


def _sst2(folder, train_rows, dev_rows):
    """<folder>/glue/SST-2/{train,dev}.tsv with these (sentence, label) rows; returns folder."""
    (folder / "glue" / "SST-2").mkdir(parents=True)
    for split, rows in (("train", train_rows), ("dev", dev_rows)):
        text = "sentence\tlabel\n" + "".join(f"{s}\t{y}\n" for s, y in rows)
        (folder / "glue" / "SST-2" / f"{split}.tsv").write_text(text)
    return folder


def _doctored(shared_data, folder):
    """A copy of the real SST-2 with every training label flipped; returns its data folder."""
    lines = (shared_data / "glue" / "SST-2" / "train.tsv").read_text().splitlines()[1:]
    flipped = [(s, 1 - int(y)) for s, y in (line.rsplit("\t", 1) for line in lines)]
    dev = [line.rsplit("\t", 1) for line in (shared_data / "glue" / "SST-2" / "dev.tsv").read_text().splitlines()[1:]]
    return _sst2(folder, flipped, dev)


def _refused_on(file, now, was):
    return rf"data file {file} has sha256 {now} here, but {was} when the run was trained"


def test_a_run_trained_on_doctored_data_is_refused_on_the_real_data(tmp_path, shared_data):
    doctored = _doctored(shared_data, tmp_path / "doctored")
    config = cfg(task="sst2", models=["tiny-bert"], max_train=40, max_test=20, max_length=16, epochs=1)
    trained = run(config, tmp_path / "runs", RunSettings(data_dir=doctored, quiet=True))
    real, fake = (_sha(d / "glue" / "SST-2" / "train.tsv") for d in (shared_data, doctored))
    with pytest.raises(DataMismatch, match=_refused_on(r"glue/SST-2/train\.tsv", real, fake)):
        run(config, tmp_path / "runs", RunSettings(data_dir=shared_data, quiet=True))
    assert run(config, tmp_path / "runs", RunSettings(data_dir=doctored, quiet=True)) == trained   # its own data: reused


def test_every_published_run_is_reused_on_the_data_the_store_records(shared_data):
    """The store's data.json lists the offline data's files (SHA256SUMS) that runs without
    their own data.json read; every published run is reused on that data."""
    sums = dict(line.split()[::-1] for line in (shared_data / "SHA256SUMS").read_text().splitlines())
    record = json.loads((PUBLISHED / "data.json").read_text())
    assert record["source"] == "local" and record["files"] == {f: sums[f"./{f}"] for f in record["files"]}
    configs = [json.loads(p.read_text()) for p in sorted(PUBLISHED.glob("*/config.json"))]
    assert configs, f"no published runs under {PUBLISHED}"
    for config in configs:
        assert run(config, PUBLISHED, RunSettings(data_dir=shared_data, quiet=True)) == RunDir(PUBLISHED, config).metrics()


@pytest.mark.parametrize("own_record", [True, False], ids=["its own data.json", "the store's data.json"])
def test_a_published_run_is_refused_on_doctored_data_naming_the_file(own_record, tmp_path, shared_data):
    _, config = _published("sst2", own_record)
    doctored = _doctored(shared_data, tmp_path)
    real, fake = (_sha(d / "glue" / "SST-2" / "train.tsv") for d in (shared_data, doctored))
    with pytest.raises(DataMismatch, match=_refused_on(r"glue/SST-2/train\.tsv", fake, real)):
        run(config, PUBLISHED, RunSettings(data_dir=doctored, quiet=True))


def test_a_run_without_a_data_record_is_refused_and_one_with_its_stores_is_checked(tmp_path):
    """Hand-made data: a published SST-2 run (no data.json of its own) copied into a store."""
    name, config = _published("sst2", own_record=False)
    store = tmp_path / "runs"
    shutil.copytree(PUBLISHED / name, store / name)
    rows = [(f"sentence {i}", i % 2) for i in range(10)]
    data = _sst2(tmp_path / "data", rows, rows)
    with pytest.raises(DataMismatch, match=r"no data\.json says which data it was trained on"):
        run(config, store, RunSettings(data_dir=data, quiet=True))
    files = {f"glue/SST-2/{f}": _sha(data / "glue" / "SST-2" / f) for f in ("train.tsv", "dev.tsv")}
    (store / "data.json").write_text(json.dumps({"source": "local", "files": {**files, "sst5/train.txt": "0" * 64}}))
    assert run(config, store, RunSettings(data_dir=data, quiet=True)) == RunDir(store, config).metrics()
    other = _sst2(tmp_path / "other", [(s, 1 - y) for s, y in rows], rows)
    with pytest.raises(DataMismatch, match=_refused_on(r"glue/SST-2/train\.tsv", _sha(other / "glue/SST-2/train.tsv"),
                                                       files["glue/SST-2/train.tsv"])):
        run(config, store, RunSettings(data_dir=other, quiet=True))


def test_hub_data_is_checked_by_data_set_and_revision():
    hub = {"source": "hub", "dataset": "nyu-mll/glue", "revision": "a" * 40}
    check_same_data(hub, dict(hub), "run x")   # the same data: nothing to say
    with pytest.raises(DataMismatch, match=r"run x: trained on the hub's nyu-mll/glue at revision a{40}, but this "
                                           r"call reads the hub's nyu-mll/glue at revision b{40}"):
        check_same_data(hub, {**hub, "revision": "b" * 40}, "run x")
    with pytest.raises(DataMismatch, match=r"but this call reads the local files glue/SST-2/train\.tsv"):
        check_same_data(hub, {"source": "local", "files": {"glue/SST-2/train.tsv": "0" * 64}}, "run x")
