"""The run store: one folder per config, reused when finished, gathered into a table."""
import io
import json
import math
import shutil
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from helpers import CPU, QUIET, cfg, n_train
from nkdlib import runs
from nkdlib.config import teacher_config
from nkdlib.settings import RunSettings
from nkdlib.train import run


def test_finished_run_is_reused(tmp_path):
    config = cfg()
    run(config, tmp_path, QUIET)
    stamp = (runs.RunDir(tmp_path, config).path / "metrics.json").stat().st_mtime_ns
    run(config, tmp_path, QUIET)
    assert (runs.RunDir(tmp_path, config).path / "metrics.json").stat().st_mtime_ns == stamp

def test_teacher_predictions_are_cached(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(cfg(method="kd", hp={"w": 0.5}, teacher=teacher), tmp_path, QUIET)
    logits = runs.RunDir(tmp_path, teacher).path / "logits_train.npy"
    stamp = logits.stat().st_mtime_ns
    assert np.load(logits).shape == (n_train(), 10)
    run(cfg(method="kd", hp={"w": 0.9}, teacher=teacher), tmp_path, QUIET)
    assert logits.stat().st_mtime_ns == stamp     # not recomputed

def test_gather_gives_one_row_per_run_with_config_columns(tmp_path):
    run(cfg(), tmp_path, QUIET)
    run(cfg(method="ls"), tmp_path, QUIET)
    frame = runs.gather(tmp_path)
    assert len(frame) == 2
    assert set(frame["method"]) == {"ce", "ls"} and "hp.w" in frame.columns and "test_metric" in frame.columns
    assert (frame["noise_rate"] == 0.4).all()


# --- concurrency and faults ---------------------------------------------------------------
SCRIPT = textwrap.dedent("""
    import json, sys, torch
    torch.set_num_threads(1)
    from nkdlib.settings import RunSettings
    from nkdlib.train import run
    print(json.dumps(run(json.loads(sys.argv[1]), sys.argv[2], RunSettings(quiet=True))))
""")


def start(config, root) -> subprocess.Popen:
    """A separate Python process training `config` under `root`; prints its metrics."""
    return subprocess.Popen([sys.executable, "-c", SCRIPT, json.dumps(config), str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def metrics_of(proc) -> dict:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return without_time(json.loads(out.splitlines()[-1]))


def without_time(metrics):
    return {k: v for k, v in metrics.items() if k not in ("train_time_s", "files")}


def intact(root, config, epochs):
    store = runs.RunDir(root, config)
    store.metrics()                                  # every file matches its recorded hash
    assert len(store.read_csv("history.csv")) == epochs
    assert not (store.path / "checkpoint.pt").exists()
    assert not list(store.path.glob("*.tmp*"))


def wait_for(path, proc):
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.05)


def test_two_processes_on_one_config_both_return_one_finished_run(tmp_path):
    config = cfg(method="cmd", epochs=6)
    procs = [start(config, tmp_path), start(config, tmp_path)]
    a, b = (metrics_of(p) for p in procs)
    assert a == b
    intact(tmp_path, config, 6)
    assert len(list(tmp_path.glob("*/"))) == 1


def test_a_stopped_duplicate_resumed_after_the_other_finished_leaves_it_intact(tmp_path):
    config = cfg(method="cmd", epochs=8)
    first = start(config, tmp_path)
    wait_for(runs.RunDir(tmp_path, config).path / "checkpoint.pt", first)   # first is training
    lagging = start(config, tmp_path)
    time.sleep(1.0)
    lagging.send_signal(signal.SIGSTOP)
    done = metrics_of(first)
    stamp = (runs.RunDir(tmp_path, config).path / "metrics.json").stat().st_mtime_ns
    lagging.send_signal(signal.SIGCONT)
    assert metrics_of(lagging) == done
    intact(tmp_path, config, 8)
    assert (runs.RunDir(tmp_path, config).path / "metrics.json").stat().st_mtime_ns == stamp


@pytest.mark.parametrize("delay", [0.4, 1.3, 2.9])   # seconds after the run's first checkpoint
def test_kill_9_at_any_moment_then_rerun_gives_the_uninterrupted_result(delay, tmp_path):
    config = cfg(method="cmd", epochs=10)
    proc = start(config, tmp_path / "killed")
    wait_for(runs.RunDir(tmp_path / "killed", config).path / "checkpoint.pt", proc)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    resumed = without_time(run(config, tmp_path / "killed", QUIET))
    assert resumed == without_time(run(config, tmp_path / "straight", QUIET))
    intact(tmp_path / "killed", config, 10)


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def test_unreadable_checkpoint_is_discarded_with_a_warning(tmp_path):
    config = cfg(epochs=3)
    store = runs.RunDir(tmp_path, config)
    store.save_checkpoint({"epoch": 1})
    truncate(store.path / "checkpoint.pt")
    with pytest.warns(UserWarning, match="checkpoint.pt: unreadable or changed checkpoint"):
        metrics = run(config, tmp_path, QUIET)
    assert without_time(metrics) == without_time(run(config, tmp_path / "clean", QUIET))


def edit_metric(path):
    """The edit a hostile user makes: a better test accuracy, the file otherwise valid."""
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "test_metric": 0.99}, indent=1, sort_keys=True))


def without_hp(path):
    path.write_text(json.dumps({k: v for k, v in json.loads(path.read_text()).items() if k != "hp"}))


def rehashed(text):
    """A file replaced by `text` with its hash in metrics.json recorded anew (a forger's, or a bug's)."""
    def damage(path):
        path.write_text(text)
        record = json.loads((path.parent / "metrics.json").read_text())
        record["files"][path.name] = runs._sha256(path)
        (path.parent / "metrics.json").write_text(json.dumps(record))
    return damage


@pytest.mark.parametrize("name, damage", [
    ("metrics.json", truncate),
    ("metrics.json", edit_metric),
    ("metrics.json", lambda p: p.write_text("{}")),
    ("history.csv", truncate),
    ("config.json", lambda p: p.write_text(p.read_text().replace('"seed": 0', '"seed": 5'))),
    ("config.json", lambda p: p.write_text("[]")),
    ("config.json", without_hp),
    ("config.json", rehashed("[]")),
    ("logits_train.npy", truncate),
])
def test_a_finished_runs_bad_file_is_an_error_naming_it_and_gather_skips_it(name, damage, tmp_path):
    config = cfg()
    run(config, tmp_path, QUIET)
    run(cfg(method="ls"), tmp_path, QUIET)
    damage(runs.RunDir(tmp_path, config).path / name)
    with pytest.raises(runs.CorruptRunError, match=name):
        run(config, tmp_path, QUIET)
    with pytest.warns(UserWarning, match=f"skipping run ce-.*{name}"):
        table = runs.gather(tmp_path)
    assert table["method"].tolist() == ["ls"]
    with pytest.warns(UserWarning, match=f"skipping run ce-.*{name}"):
        assert set(runs.histories(tmp_path)["run"]) == {runs.run_name(cfg(method="ls"))}


def test_a_student_of_a_corrupt_teacher_names_the_teachers_file(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(teacher, tmp_path, QUIET)
    truncate(runs.RunDir(tmp_path, teacher).path / "logits_train.npy")
    with pytest.raises(runs.CorruptRunError, match="logits_train.npy"):
        run(cfg(method="kd", teacher=teacher), tmp_path, QUIET)


def test_a_diverging_run_is_recorded_as_failed_and_not_reused_as_finished(tmp_path):
    config = cfg(lr=1e6, epochs=3)
    with pytest.raises(runs.RunFailed, match="training loss is (nan|inf) at epoch 1"):
        run(config, tmp_path, QUIET)
    store = runs.RunDir(tmp_path, config)
    assert not store.finished and store.failure["epoch"] == 1
    with pytest.raises(runs.RunFailed, match="failed before"):
        run(config, tmp_path, QUIET)
    assert runs.gather(tmp_path).empty


def test_a_run_diverging_on_its_last_step_is_recorded_as_failed(tmp_path, monkeypatch):
    """Weights gone to inf by the last step: every training loss was finite, the evaluation is not."""
    from nkdlib.train import Trainer
    train_epoch = Trainer.train_epoch

    def blow_up_at_the_end(self):
        row = train_epoch(self)
        if self.epoch == self.config["epochs"] - 1:
            with torch.no_grad():
                for p in self.models[0].parameters():
                    p.fill_(math.inf)
        return row
    monkeypatch.setattr(Trainer, "train_epoch", blow_up_at_the_end)
    config = cfg()
    with pytest.raises(runs.RunFailed, match="model 0's valid loss is (nan|inf) after epoch 2"):
        run(config, tmp_path, QUIET)
    store = runs.RunDir(tmp_path, config)
    assert not store.finished and store.failure["epoch"] == 2


def test_the_thread_count_is_recorded_with_the_run(tmp_path):
    assert run(cfg(), tmp_path, QUIET)["threads"] == torch.get_num_threads()


def test_tensorboard_gets_per_epoch_metrics_and_per_step_losses(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    config = cfg(method="cmd", epochs=2)
    run(config, tmp_path / "runs", RunSettings(quiet=True, tensorboard=tmp_path / "tb"))
    events = EventAccumulator(str(tmp_path / "tb" / "cmd" / runs.RunDir(tmp_path / "runs", config).path.name)).Reload()
    tags = events.Tags()["scalars"]
    assert '"eta"' in events.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()   # hyper-parameters
    assert {"epoch/test_metric_0", "epoch/passed_a2b", "train/loss_0", "train/loss_1"} <= set(tags)
    assert [e.step for e in events.Scalars("epoch/test_metric_0")] == [1, 2]
    assert len(events.Scalars("train/loss_0")) == 2 * math.ceil(n_train() / 64)   # every step of 2 epochs


def test_a_published_run_without_its_logits_is_still_finished_but_cannot_teach(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(teacher, tmp_path, QUIET)
    (runs.RunDir(tmp_path, teacher).path / "logits_train.npy").unlink()
    assert runs.gather(tmp_path)["method"].tolist() == ["ce"]
    with pytest.raises(runs.CorruptRunError, match="logits_train.npy: missing .a published run store"):
        run(cfg(method="kd", teacher=teacher), tmp_path, QUIET)


# --- integrity: what the store returns is what was written ---------------------------------
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])   # a single flipped byte at that share of the file
def test_a_changed_checkpoint_is_discarded_naming_it_and_the_run_starts_over(where, tmp_path):
    from nkdlib.tasks import task_for
    from nkdlib.train import Trainer
    config = cfg(epochs=3)
    store = runs.RunDir(tmp_path, config)
    store.save_checkpoint(Trainer(config, task_for(config), CPU).state_dict())
    data = bytearray((store.path / "checkpoint.pt").read_bytes())
    data[int(where * len(data))] ^= 0xFF
    (store.path / "checkpoint.pt").write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="checkpoint.pt: unreadable or changed checkpoint"):
        metrics = run(config, tmp_path, QUIET)
    assert without_time(metrics) == without_time(run(config, tmp_path / "clean", QUIET))


@pytest.mark.parametrize("how", ["copied", "renamed"])
def test_another_runs_checkpoint_is_discarded_naming_it_and_the_run_starts_over(how, tmp_path):
    """Another interrupted run's checkpoint.pt and checkpoint.json copied into this run's
    folder, or that run's folder renamed to this run's name: its state is not this run's."""
    from nkdlib.tasks import task_for
    from nkdlib.train import Trainer
    config, other = cfg(), cfg(seed=1)
    ours, theirs = runs.RunDir(tmp_path, config), runs.RunDir(tmp_path, other)
    Trainer(other, task_for(other), CPU).fit(theirs)   # checkpointed after its last epoch
    if how == "copied":
        ours.path.mkdir()
        for name in ("checkpoint.pt", "checkpoint.json"):
            shutil.copy(theirs.path / name, ours.path / name)
    else:
        theirs.path.rename(ours.path)
    with pytest.warns(UserWarning, match=f"checkpoint.pt: .*checkpoint.json ties it to run key {theirs.key}, "
                                         f"not to this run's {ours.key}.*the run starts over"):
        metrics = run(config, tmp_path, QUIET)
    assert without_time(metrics) == without_time(run(config, tmp_path / "clean", QUIET))
    intact(tmp_path, config, 2)


def test_a_checkpoint_without_its_hash_is_discarded(tmp_path):
    """A crash between checkpoint.pt and checkpoint.json: the checkpoint is not trusted."""
    config = cfg(epochs=2)
    store = runs.RunDir(tmp_path, config)
    store.save("checkpoint.pt", {"epoch": 1})
    with pytest.warns(UserWarning, match="does not match the hash recorded in checkpoint.json"):
        run(config, tmp_path, QUIET)
    assert store.finished and not (store.path / "checkpoint.json").exists()


@pytest.mark.parametrize("damage", [truncate, lambda p: p.write_text("[]")])
def test_a_bad_failed_json_is_an_error_naming_it(damage, tmp_path):
    config = cfg(lr=1e6, epochs=2)
    with pytest.raises(runs.RunFailed):
        run(config, tmp_path, QUIET)
    damage(runs.RunDir(tmp_path, config).path / "failed.json")
    with pytest.raises(runs.CorruptRunError, match="failed.json: (unreadable|not the record of a failed run)"):
        run(config, tmp_path, QUIET)


def test_leftovers_of_an_interrupted_write_are_cleaned_when_the_run_is_next_touched(tmp_path):
    config = cfg()
    run(config, tmp_path, QUIET)
    path = runs.RunDir(tmp_path, config).path
    for name in ("checkpoint.1f3a.tmp.pt", "history.9c2e.tmp.csv", "checkpoint.pt", "checkpoint.json"):
        (path / name).write_bytes(b"left by a process stopped between write and rename")
    run(config, tmp_path, QUIET)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "data.json", "history.csv", "logits_train.npy",
                                                      "metrics.json"]
    unfinished = cfg(seed=1)   # in an unfinished run, under its lock, before training
    upath = runs.RunDir(tmp_path, unfinished).path
    upath.mkdir()
    (upath / "checkpoint.77aa.tmp.pt").write_bytes(b"x")
    run(unfinished, tmp_path, QUIET)
    assert not list(upath.glob("*.tmp*"))


def no_lock(self):
    """RunDir.lock in a read-only store."""
    raise PermissionError(f"[Errno 13] Permission denied: '{self.path}.lock'")


def test_a_finished_run_is_reused_without_taking_its_lock(tmp_path, monkeypatch):
    """A read-only store (a published one) cannot create lock files; finished runs need none."""
    config = cfg()
    expected = run(config, tmp_path, QUIET)
    monkeypatch.setattr(runs.RunDir, "lock", no_lock)
    assert run(config, tmp_path, QUIET) == expected
    with pytest.raises(PermissionError):   # an unfinished run still needs its lock
        run(cfg(seed=3), tmp_path, QUIET)


def test_a_failed_run_in_a_read_only_store_gives_its_reason(tmp_path, monkeypatch):
    config = cfg(lr=1e6, epochs=2)
    with pytest.raises(runs.RunFailed):
        run(config, tmp_path, QUIET)
    monkeypatch.setattr(runs.RunDir, "lock", no_lock)
    with pytest.raises(runs.RunFailed, match="failed before: model 0's training loss is"):
        run(config, tmp_path, QUIET)


def test_the_run_records_which_data_it_read(tmp_path, shared_data):
    """Provenance beside the config (not in the run key): files and their sha256, or the source."""
    run(cfg(), tmp_path, QUIET)
    assert json.loads((runs.RunDir(tmp_path, cfg()).path / "data.json").read_text()) == {"source": "sklearn"}
    text = cfg(task="rte", models=["tiny-bert"], max_train=40, max_test=20, max_length=16, epochs=1, noise_rate=0.0)
    run(text, tmp_path, RunSettings(data_dir=shared_data, quiet=True))
    store = runs.RunDir(tmp_path, text)
    data = json.loads((store.path / "data.json").read_text())
    sums = dict(reversed(line.split()) for line in (shared_data / "SHA256SUMS").read_text().splitlines())
    assert data["source"] == "local" and data["files"]
    assert all(sums[f"./glue/{name}" if not name.startswith("glue/") else f"./{name}"] == digest
               for name, digest in data["files"].items())
    assert "data.json" in json.loads((store.path / "metrics.json").read_text())["files"]   # covered by the hashes


def test_a_config_stored_before_a_key_was_added_runs_as_the_same_run(tmp_path):
    """A raw stored config (no data_source, an added key) trains and is found as its run."""
    config = {k: v for k, v in cfg().items() if k != "data_source"}
    first = run(config, tmp_path, QUIET)
    assert runs.RunDir(tmp_path, config).path == runs.RunDir(tmp_path, cfg()).path
    assert run(cfg(), tmp_path, QUIET) == first


# --- runs that travel: export on one machine, import on another ------------------------------
@pytest.fixture(scope="module")
def travelled(tmp_path_factory):
    """A store with two finished runs (ls keeps its weights), a failed run, an unfinished run
    with its lock file; and its export, without and with the weights."""
    home = tmp_path_factory.mktemp("gpu-box") / "runs"
    run(cfg(), home, QUIET)
    run(cfg(method="ls", save_model=True), home, QUIET)
    with pytest.raises(runs.RunFailed):
        run(cfg(lr=1e6, epochs=2), home, QUIET)
    unfinished = runs.RunDir(home, cfg(seed=7))
    with unfinished.lock():
        unfinished.write_json("config.json", unfinished.config)
    archive, with_weights = home.parent / "runs.tar.gz", home.parent / "runs-weights.tar.gz"
    names = runs.export_runs(home, archive)
    assert runs.export_runs(home, with_weights, weights=True) == names
    return SimpleNamespace(home=home, archive=archive, with_weights=with_weights, names=names,
                           ce=runs.run_name(cfg()), ls=runs.run_name(cfg(method="ls", save_model=True)))


def snapshot(root) -> dict:
    """Every path under `root` (folders too), with a file's bytes: what 'unchanged' compares."""
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None for p in Path(root).rglob("*")}


def repack(archive, out, change) -> Path:
    """`archive` unpacked, `change(folder)` applied, packed again as `out`: a tampered copy."""
    folder = Path(out).with_suffix(".unpacked")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    change(folder)
    with tarfile.open(out, "w:gz") as tar:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            tar.add(path, arcname=str(path.relative_to(folder)))
    return Path(out)


def test_exported_runs_import_into_an_empty_store_with_the_same_metrics(travelled, tmp_path):
    assert travelled.names == sorted([travelled.ce, travelled.ls])   # not the failed or the unfinished run
    with tarfile.open(travelled.archive) as tar:
        members = set(tar.getnames())
    assert members == {f"{run_}/{f}" for run_ in travelled.names
                       for f in ("config.json", "data.json", "history.csv", "logits_train.npy", "metrics.json")}
    assert runs.import_runs(travelled.archive, tmp_path / "home") == (travelled.names, [])
    pd.testing.assert_frame_equal(runs.gather(tmp_path / "home"), runs.gather(travelled.home))
    pd.testing.assert_frame_equal(runs.histories(tmp_path / "home"), runs.histories(travelled.home))
    assert not list((tmp_path / "home").glob(".import-*"))


def test_an_imported_teacher_teaches_without_retraining(travelled, tmp_path):
    """logits_train.npy travels: a new student of an imported run trains at home."""
    runs.import_runs(travelled.archive, tmp_path)
    teacher = runs.RunDir(tmp_path, cfg())
    stamp = (teacher.path / "metrics.json").stat().st_mtime_ns
    assert np.array_equal(teacher.load_array("logits_train.npy"),
                          runs.RunDir(travelled.home, cfg()).load_array("logits_train.npy"))
    run(cfg(method="kd", hp={"w": 0.5}, teacher=cfg(), epochs=1), tmp_path, QUIET)
    assert (teacher.path / "metrics.json").stat().st_mtime_ns == stamp


def test_reimporting_the_same_archive_is_a_no_op(travelled, tmp_path):
    runs.import_runs(travelled.archive, tmp_path)
    before = snapshot(tmp_path)
    assert runs.import_runs(travelled.archive, tmp_path) == ([], travelled.names)
    assert snapshot(tmp_path) == before


def test_weights_travel_only_when_asked(travelled, tmp_path):
    runs.import_runs(travelled.archive, tmp_path / "plain")
    assert runs.RunDir(tmp_path / "plain", cfg(method="ls", save_model=True)).load("model.pt") is None
    assert runs.import_runs(travelled.with_weights, tmp_path / "full") == (travelled.names, [])
    theirs = runs.RunDir(tmp_path / "full", cfg(method="ls", save_model=True)).load("model.pt")
    ours = runs.RunDir(travelled.home, cfg(method="ls", save_model=True)).load("model.pt")
    assert theirs.keys() == ours.keys() and all(torch.equal(theirs[k], ours[k]) for k in ours)


def edit_history(folder):
    """Epoch 1's row of the run in `folder` renumbered: a changed file, still a valid CSV."""
    path = folder / "history.csv"
    path.write_text(path.read_text().replace("\n1,", "\n0,", 1))   # an edited cell, the CSV still valid


def rename_run(folder):
    """The ce run's folder renamed to an ls run's name with the same key."""
    (folder / runs.run_name(cfg())).rename(folder / runs.run_name(cfg()).replace("ce-", "ls-"))


@pytest.mark.parametrize("file, damage", [
    ("history.csv", edit_history),
    ("metrics.json", lambda run_: edit_metric(run_ / "metrics.json")),
    ("config.json", lambda run_: rehashed(json.dumps({**cfg(), "seed": 5}))(run_ / "config.json")),   # hash redone
    ("logits_train.npy", lambda run_: truncate(run_ / "logits_train.npy")),
    ("checkpoint.pt", lambda run_: (run_ / "checkpoint.pt").write_bytes(b"a file no hash covers")),
])
def test_a_tampered_archive_is_refused_naming_run_and_file_and_the_store_is_unchanged(travelled, tmp_path,
                                                                                      file, damage):
    tampered = repack(travelled.archive, tmp_path / "tampered.tar.gz", lambda f: damage(f / travelled.ce))
    store = tmp_path / "home"
    shutil.copytree(travelled.home / travelled.ls, store / travelled.ls)   # a store with a run in it already
    before = snapshot(store)
    with pytest.raises(runs.ImportRefused, match=f"{travelled.ce}/{file}"):
        runs.import_runs(tampered, store)
    assert snapshot(store) == before


def test_a_run_renamed_in_the_archive_is_refused(travelled, tmp_path):
    renamed = repack(travelled.archive, tmp_path / "renamed.tar.gz", rename_run)
    with pytest.raises(runs.ImportRefused, match=r"ls-\w+/config.json: a ce run's config"):
        runs.import_runs(renamed, tmp_path / "home")
    assert snapshot(tmp_path / "home") == {}


def evil_archive(path, member: tarfile.TarInfo) -> Path:
    """A tar.gz of one good run file and `member` (with one byte of content if it is a file)."""
    with tarfile.open(path, "w:gz") as tar:
        tar.add(Path(__file__), arcname="ce-000000000000/config.json")
        tar.addfile(member, io.BytesIO(b"x") if member.isfile() else None)
    return Path(path)


def member(name, kind=tarfile.REGTYPE, target=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, target, 1 if kind == tarfile.REGTYPE else 0
    return info


@pytest.mark.parametrize("bad", [
    member("/tmp/nkd-evil"),
    member("../nkd-evil"),
    member("ce-000000000000/../../nkd-evil"),
    member("ce-000000000000/a/deeper.json"),
    member("ce-000000000000/history.csv", tarfile.SYMTYPE, "/etc/passwd"),
    member("ce-000000000000/history.csv", tarfile.LNKTYPE, "ce-000000000000/config.json"),
])
def test_unsafe_archive_members_are_refused_before_anything_is_written(bad, tmp_path):
    store = tmp_path / "store" / "runs"
    store.mkdir(parents=True)
    with pytest.raises(runs.ImportRefused, match=f"member '{bad.name}' refused"):
        runs.import_runs(evil_archive(tmp_path / "evil.tar.gz", bad), store)
    assert snapshot(store) == {}
    assert not list(tmp_path.rglob("nkd-evil")) and not Path("/tmp/nkd-evil").exists()


def test_a_conflicting_run_is_refused_and_an_identical_one_skipped(travelled, tmp_path):
    shutil.copytree(travelled.home / travelled.ce, tmp_path / travelled.ce)
    edit_history(tmp_path / travelled.ce)   # the same run name, other files (e.g. trained again elsewhere)
    before = snapshot(tmp_path)
    with pytest.raises(runs.ImportRefused, match=f"run {travelled.ce} is already in .* its history.csv differs"):
        runs.import_runs(travelled.archive, tmp_path)
    assert snapshot(tmp_path) == before   # nor was the other run imported
    shutil.rmtree(tmp_path / travelled.ce)
    shutil.copytree(travelled.home / travelled.ce, tmp_path / travelled.ce)   # now the very same run
    assert runs.import_runs(travelled.archive, tmp_path) == ([travelled.ls], [travelled.ce])


def test_export_skips_a_corrupt_run_naming_its_file(travelled, tmp_path):
    home = tmp_path / "runs"
    shutil.copytree(travelled.home, home)
    truncate(home / travelled.ce / "history.csv")
    with pytest.warns(UserWarning, match=f"skipping run {travelled.ce}.*history.csv"):
        assert runs.export_runs(home, tmp_path / "x.tar.gz") == [travelled.ls]
    with tarfile.open(tmp_path / "x.tar.gz") as tar:
        assert {Path(n).parent.name for n in tar.getnames()} == {travelled.ls}


def test_the_command_line_exports_and_imports_and_refuses_bad_arguments(travelled, tmp_path, capsys):
    archive = tmp_path / "runs.tar.gz"
    runs.main(["export", str(travelled.home), str(archive)])
    runs.main(["import", str(archive), str(tmp_path / "home")])
    assert capsys.readouterr().out.splitlines() == [
        f"exported 2 finished runs from {travelled.home} to {archive}",
        f"imported 2 runs into {tmp_path / 'home'}; 0 were already there"]
    pd.testing.assert_frame_equal(runs.gather(tmp_path / "home"), runs.gather(travelled.home))
    for argv in (["export"], ["export", str(tmp_path / "no-such-dir"), str(archive)],
                 ["import", str(tmp_path / "no-such.tar.gz"), str(tmp_path)], ["import", str(archive)]):
        with pytest.raises(SystemExit) as exit_:
            runs.main(argv)
        assert exit_.value.code == 2, argv
    (tmp_path / "half.tar.gz").write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(SystemExit, match="error: .*"):   # exit status 1, with the reason
        runs.main(["import", str(tmp_path / "half.tar.gz"), str(tmp_path / "other")])
    proc = subprocess.run([sys.executable, "-m", "nkdlib.runs", "frobnicate"], capture_output=True, text=True,
                          cwd=Path(__file__).parents[1])
    assert proc.returncode == 2 and "invalid choice: 'frobnicate'" in proc.stderr
