"""The run store: one folder per config, reused when finished, gathered into a table."""
import json
import math
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

from helpers import cfg, n_train
from nkdlib import runs
from nkdlib.config import teacher_config
from nkdlib.train import run


def test_finished_run_is_reused(tmp_path):
    config = cfg()
    run(config, tmp_path, quiet=True)
    stamp = (runs.RunDir(tmp_path, config).path / "metrics.json").stat().st_mtime_ns
    run(config, tmp_path, quiet=True)
    assert (runs.RunDir(tmp_path, config).path / "metrics.json").stat().st_mtime_ns == stamp

def test_teacher_predictions_are_cached(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(cfg(method="kd", hp={"w": 0.5}, teacher=teacher), tmp_path, quiet=True)
    logits = runs.RunDir(tmp_path, teacher).path / "logits_train.npy"
    stamp = logits.stat().st_mtime_ns
    assert np.load(logits).shape == (n_train(), 10)
    run(cfg(method="kd", hp={"w": 0.9}, teacher=teacher), tmp_path, quiet=True)
    assert logits.stat().st_mtime_ns == stamp     # not recomputed

def test_gather_gives_one_row_per_run_with_config_columns(tmp_path):
    run(cfg(), tmp_path, quiet=True)
    run(cfg(method="ls"), tmp_path, quiet=True)
    frame = runs.gather(tmp_path)
    assert len(frame) == 2
    assert set(frame["method"]) == {"ce", "ls"} and "hp.w" in frame.columns and "test_metric" in frame.columns
    assert (frame["noise_rate"] == 0.4).all()


# --- concurrency and faults ---------------------------------------------------------------
SCRIPT = textwrap.dedent("""
    import json, sys, torch
    torch.set_num_threads(1)
    from nkdlib.train import run
    print(json.dumps(run(json.loads(sys.argv[1]), sys.argv[2], quiet=True)))
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
    resumed = without_time(run(config, tmp_path / "killed", quiet=True))
    assert resumed == without_time(run(config, tmp_path / "straight", quiet=True))
    intact(tmp_path / "killed", config, 10)


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def test_unreadable_checkpoint_is_discarded_with_a_warning(tmp_path):
    config = cfg(epochs=3)
    store = runs.RunDir(tmp_path, config)
    store.save_checkpoint({"epoch": 1})
    truncate(store.path / "checkpoint.pt")
    with pytest.warns(UserWarning, match="checkpoint.pt: unreadable or changed checkpoint"):
        metrics = run(config, tmp_path, quiet=True)
    assert without_time(metrics) == without_time(run(config, tmp_path / "clean", quiet=True))


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
    run(config, tmp_path, quiet=True)
    run(cfg(method="ls"), tmp_path, quiet=True)
    damage(runs.RunDir(tmp_path, config).path / name)
    with pytest.raises(runs.CorruptRunError, match=name):
        run(config, tmp_path, quiet=True)
    with pytest.warns(UserWarning, match=f"skipping run ce-.*{name}"):
        table = runs.gather(tmp_path)
    assert table["method"].tolist() == ["ls"]
    with pytest.warns(UserWarning, match=f"skipping run ce-.*{name}"):
        assert set(runs.histories(tmp_path)["run"]) == {runs.run_name(cfg(method="ls"))}


def test_a_student_of_a_corrupt_teacher_names_the_teachers_file(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(teacher, tmp_path, quiet=True)
    truncate(runs.RunDir(tmp_path, teacher).path / "logits_train.npy")
    with pytest.raises(runs.CorruptRunError, match="logits_train.npy"):
        run(cfg(method="kd", teacher=teacher), tmp_path, quiet=True)


def test_a_diverging_run_is_recorded_as_failed_and_not_reused_as_finished(tmp_path):
    config = cfg(lr=1e6, epochs=3)
    with pytest.raises(runs.RunFailed, match="training loss is (nan|inf) at epoch 1"):
        run(config, tmp_path, quiet=True)
    store = runs.RunDir(tmp_path, config)
    assert not store.finished and store.failure["epoch"] == 1
    with pytest.raises(runs.RunFailed, match="failed before"):
        run(config, tmp_path, quiet=True)
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
        run(config, tmp_path, quiet=True)
    store = runs.RunDir(tmp_path, config)
    assert not store.finished and store.failure["epoch"] == 2


def test_the_thread_count_is_recorded_with_the_run(tmp_path):
    assert run(cfg(), tmp_path, quiet=True)["threads"] == torch.get_num_threads()


def test_tensorboard_gets_per_epoch_metrics_and_per_step_losses(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    config = cfg(method="cmd", epochs=2)
    run(config, tmp_path / "runs", quiet=True, tensorboard=tmp_path / "tb")
    events = EventAccumulator(str(tmp_path / "tb" / "cmd" / runs.RunDir(tmp_path / "runs", config).path.name)).Reload()
    tags = events.Tags()["scalars"]
    assert '"eta"' in events.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()   # hyper-parameters
    assert {"epoch/test_metric_0", "epoch/passed_a2b", "train/loss_0", "train/loss_1"} <= set(tags)
    assert [e.step for e in events.Scalars("epoch/test_metric_0")] == [1, 2]
    assert len(events.Scalars("train/loss_0")) == 2 * math.ceil(n_train() / 64)   # every step of 2 epochs


def test_a_published_run_without_its_logits_is_still_finished_but_cannot_teach(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(teacher, tmp_path, quiet=True)
    (runs.RunDir(tmp_path, teacher).path / "logits_train.npy").unlink()
    assert runs.gather(tmp_path)["method"].tolist() == ["ce"]
    with pytest.raises(runs.CorruptRunError, match="logits_train.npy: missing .a published run store"):
        run(cfg(method="kd", teacher=teacher), tmp_path, quiet=True)


# --- integrity: what the store returns is what was written ---------------------------------
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])   # a single flipped byte at that share of the file
def test_a_changed_checkpoint_is_discarded_naming_it_and_the_run_starts_over(where, tmp_path):
    from nkdlib.tasks import task_for
    from nkdlib.train import Trainer
    config = cfg(epochs=3)
    store = runs.RunDir(tmp_path, config)
    store.save_checkpoint(Trainer(config, task_for(config), "cpu", quiet=True).state_dict())
    data = bytearray((store.path / "checkpoint.pt").read_bytes())
    data[int(where * len(data))] ^= 0xFF
    (store.path / "checkpoint.pt").write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="checkpoint.pt: unreadable or changed checkpoint"):
        metrics = run(config, tmp_path, quiet=True)
    assert without_time(metrics) == without_time(run(config, tmp_path / "clean", quiet=True))


@pytest.mark.parametrize("how", ["copied", "renamed"])
def test_another_runs_checkpoint_is_discarded_naming_it_and_the_run_starts_over(how, tmp_path):
    """Another interrupted run's checkpoint.pt and checkpoint.json copied into this run's
    folder, or that run's folder renamed to this run's name: its state is not this run's."""
    from nkdlib.tasks import task_for
    from nkdlib.train import Trainer
    config, other = cfg(), cfg(seed=1)
    ours, theirs = runs.RunDir(tmp_path, config), runs.RunDir(tmp_path, other)
    Trainer(other, task_for(other), "cpu", quiet=True).fit(theirs)   # checkpointed after its last epoch
    if how == "copied":
        ours.path.mkdir()
        for name in ("checkpoint.pt", "checkpoint.json"):
            shutil.copy(theirs.path / name, ours.path / name)
    else:
        theirs.path.rename(ours.path)
    with pytest.warns(UserWarning, match=f"checkpoint.pt: .*checkpoint.json ties it to run key {theirs.key}, "
                                         f"not to this run's {ours.key}.*the run starts over"):
        metrics = run(config, tmp_path, quiet=True)
    assert without_time(metrics) == without_time(run(config, tmp_path / "clean", quiet=True))
    intact(tmp_path, config, 2)


def test_a_checkpoint_without_its_hash_is_discarded(tmp_path):
    """A crash between checkpoint.pt and checkpoint.json: the checkpoint is not trusted."""
    config = cfg(epochs=2)
    store = runs.RunDir(tmp_path, config)
    store.save("checkpoint.pt", {"epoch": 1})
    with pytest.warns(UserWarning, match="does not match the hash recorded in checkpoint.json"):
        run(config, tmp_path, quiet=True)
    assert store.finished and not (store.path / "checkpoint.json").exists()


@pytest.mark.parametrize("damage", [truncate, lambda p: p.write_text("[]")])
def test_a_bad_failed_json_is_an_error_naming_it(damage, tmp_path):
    config = cfg(lr=1e6, epochs=2)
    with pytest.raises(runs.RunFailed):
        run(config, tmp_path, quiet=True)
    damage(runs.RunDir(tmp_path, config).path / "failed.json")
    with pytest.raises(runs.CorruptRunError, match="failed.json: (unreadable|not the record of a failed run)"):
        run(config, tmp_path, quiet=True)


def test_leftovers_of_an_interrupted_write_are_cleaned_when_the_run_is_next_touched(tmp_path):
    config = cfg()
    run(config, tmp_path, quiet=True)
    path = runs.RunDir(tmp_path, config).path
    for name in ("checkpoint.1f3a.tmp.pt", "history.9c2e.tmp.csv", "checkpoint.pt", "checkpoint.json"):
        (path / name).write_bytes(b"left by a process stopped between write and rename")
    run(config, tmp_path, quiet=True)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "data.json", "history.csv", "logits_train.npy",
                                                      "metrics.json"]
    unfinished = cfg(seed=1)   # in an unfinished run, under its lock, before training
    upath = runs.RunDir(tmp_path, unfinished).path
    upath.mkdir()
    (upath / "checkpoint.77aa.tmp.pt").write_bytes(b"x")
    run(unfinished, tmp_path, quiet=True)
    assert not list(upath.glob("*.tmp*"))


def no_lock(self):
    """RunDir.lock in a read-only store."""
    raise PermissionError(f"[Errno 13] Permission denied: '{self.path}.lock'")


def test_a_finished_run_is_reused_without_taking_its_lock(tmp_path, monkeypatch):
    """A read-only store (a published one) cannot create lock files; finished runs need none."""
    config = cfg()
    expected = run(config, tmp_path, quiet=True)
    monkeypatch.setattr(runs.RunDir, "lock", no_lock)
    assert run(config, tmp_path, quiet=True) == expected
    with pytest.raises(PermissionError):   # an unfinished run still needs its lock
        run(cfg(seed=3), tmp_path, quiet=True)


def test_a_failed_run_in_a_read_only_store_gives_its_reason(tmp_path, monkeypatch):
    config = cfg(lr=1e6, epochs=2)
    with pytest.raises(runs.RunFailed):
        run(config, tmp_path, quiet=True)
    monkeypatch.setattr(runs.RunDir, "lock", no_lock)
    with pytest.raises(runs.RunFailed, match="failed before: model 0's training loss is"):
        run(config, tmp_path, quiet=True)


def test_the_run_records_which_data_it_read(tmp_path, shared_data):
    """Provenance beside the config (not in the run key): files and their sha256, or the source."""
    run(cfg(), tmp_path, quiet=True)
    assert json.loads((runs.RunDir(tmp_path, cfg()).path / "data.json").read_text()) == {"source": "sklearn"}
    text = cfg(task="rte", models=["tiny-bert"], max_train=40, max_test=20, max_length=16, epochs=1, noise_rate=0.0)
    run(text, tmp_path, data_dir=shared_data, quiet=True)
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
    first = run(config, tmp_path, quiet=True)
    assert runs.RunDir(tmp_path, config).path == runs.RunDir(tmp_path, cfg()).path
    assert run(cfg(), tmp_path, quiet=True) == first
