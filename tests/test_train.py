"""The training loop: deterministic, resumable, configs checked, backbones transferred."""
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import torch

from helpers import CPU, QUIET, cfg, history, model_cols
from nkdlib import cpu, datasets, runs
from nkdlib.tasks import task_for
from nkdlib.config import make_config
from nkdlib.settings import RunSettings
from nkdlib.train import Trainer, load_backbone, run


def test_same_seed_same_history(tmp_path):
    a = run(cfg(method="proselflc"), tmp_path / "a", QUIET)
    b = run(cfg(method="proselflc"), tmp_path / "b", QUIET)
    assert history(tmp_path / "a", cfg(method="proselflc")).equals(history(tmp_path / "b", cfg(method="proselflc")))
    assert a["test_metric"] == b["test_metric"]

def test_resume_after_kill_equals_uninterrupted(tmp_path):
    config = cfg(method="cmd", epochs=4)
    script = textwrap.dedent(f"""
        import os, sys
        from nkdlib import datasets, runs
        from nkdlib.settings import RunSettings
        from nkdlib.train import run
        written = []
        original = runs.RunDir.write_csv
        def write_then_die(self, name, rows):
            original(self, name, rows)
            written.append(name)
            if written.count("history.csv") == 2:
                os._exit(3)                      # killed after epoch 2 was stored
        runs.RunDir.write_csv = write_then_die
        run({config!r}, {str(tmp_path / 'killed')!r}, RunSettings(quiet=True))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    killed = runs.RunDir(tmp_path / "killed", config)
    assert (killed.path / "checkpoint.pt").exists() and not killed.finished
    assert len(killed.read_csv("history.csv")) == 2
    resumed = run(config, tmp_path / "killed", QUIET)
    straight = run(config, tmp_path / "straight", QUIET)
    pd.testing.assert_frame_equal(history(tmp_path / "killed", config), history(tmp_path / "straight", config))
    assert {k: v for k, v in resumed.items() if k != "train_time_s"} == {k: v for k, v in straight.items() if k != "train_time_s"}
    assert not (killed.path / "checkpoint.pt").exists()


def test_a_task_with_a_dev_split_reports_it_from_the_selected_epoch(tmp_path, monkeypatch):
    digits = datasets.read("digits")
    monkeypatch.setattr(datasets, "read", lambda *a, **k: digits._replace(dev=digits.train))   # other data than test
    config = cfg(epochs=3, max_test=300)   # a task no other test makes: task_for caches tasks in-process
    metrics = run(config, tmp_path, QUIET)
    hist = history(tmp_path, config)
    trainer = Trainer(config, task_for(config), CPU)
    assert len(trainer.task.dev) == 300 and not np.array_equal(trainer.task.dev.x, trainer.task.test.x)
    assert (hist["dev_metric_0"] != hist["test_metric_0"]).any()   # dev is evaluated on its own data
    assert metrics["dev_metric_0"] == hist["dev_metric_0"][metrics["epoch_0"] - 1]


def test_init_from_copies_the_backbone_but_not_the_head(tmp_path):
    pre = cfg(classes=[0, 1, 2, 3, 4], save_model=True, noise_rate=0.0)
    fine = cfg(classes=[5, 6, 7, 8, 9], noise_rate=0.0, epochs=1, init_from=pre)
    run(fine, tmp_path, QUIET)
    saved = runs.RunDir(tmp_path, pre).load("model.pt")
    trainer = Trainer(fine, task_for(fine), CPU)
    load_backbone(trainer.models, saved)
    state = trainer.models[0].state_dict()
    head = [n for n, m in trainer.models[0].named_modules() if isinstance(m, torch.nn.Linear)][-1]
    for name, tensor in saved.items():
        assert torch.equal(state[name], tensor) != name.startswith(head + "."), name


@pytest.mark.parametrize("counter", ["epoch", "step"])
def test_training_progress_runs_from_one_step_in_to_exactly_one(counter):
    """t/Γ of ProSelfLC / CMD (eq. 12): t counts from 1, so the last epoch or step gives 1."""
    config = cfg(progress=counter, epochs=3, batch_size=500)
    trainer = Trainer(config, task_for(config), CPU)
    seen = []
    losses = trainer.method.losses
    trainer.method.losses = lambda logits, batch: seen.append(batch.progress) or losses(logits, batch)
    for _ in range(3):
        trainer.train_epoch()
        trainer.epoch += 1
    steps = trainer.steps_per_epoch
    if counter == "epoch":
        assert seen == [e / 3 for e in (1, 2, 3) for _ in range(steps)]
    else:
        assert seen == [s / (3 * steps) for s in range(1, 3 * steps + 1)]
    assert seen[-1] == 1.0


def test_bf16_precision_trains_and_is_recorded_in_the_run_key(tmp_path):
    fp32, bf16 = cfg(), cfg(precision="bf16")
    assert runs.RunDir(tmp_path, fp32).key != runs.RunDir(tmp_path, bf16).key
    metrics = run(bf16, tmp_path, QUIET)
    assert metrics["test_metric"] > 0.3


def test_the_gpu_levers_change_no_number_but_the_train_loss_bits(tmp_path):
    """sync_free and eval_batch_size are opt-in and recorded; the models they train are the same."""
    config = cfg(method="cmd", epochs=3)
    plain = run(config, tmp_path / "plain", QUIET)
    lever = run(config, tmp_path / "lever", RunSettings(quiet=True, sync_free=True))
    assert plain["path"] == {"device": "cpu", "compile": False, "sync_free": False, "graph": False, "eval_batch_size": 128,
                             "cpu": cpu.kernel_path()}
    assert lever["path"]["sync_free"] is True
    same = ("test_metric_0", "test_metric_1", "epochs_run")
    assert {k: plain[k] for k in same} == {k: lever[k] for k in same}
    a, b = (history(tmp_path / name, config) for name in ("plain", "lever"))
    pd.testing.assert_frame_equal(a.drop(columns=["train_loss_0", "train_loss_1"]),
                                  b.drop(columns=["train_loss_0", "train_loss_1"]))
    np.testing.assert_allclose(a["train_loss_0"], b["train_loss_0"], rtol=1e-5)


def test_bench_gpu_tiny_runs_every_cpu_lever_and_prints_ratios(capsys):
    import importlib.util
    import re
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gpu.py"
    spec = importlib.util.spec_from_file_location("bench_gpu", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--tiny", "--procs", "2"])
    out = capsys.readouterr().out
    for lever in ("today", "sync_free", "graph", "eval_batch"):   # graph: the graph-safe step, no capture on CPU
        assert f"  {lever} " in out and " x" in out
    assert "2 processes: today" in out
    # each packed total is all the processes' images over ONE common window that covers them all
    lines = re.findall(r"    (\S+): ([\d +]+) = (\d+) model-images / window ([\d.]+) s = ([\d.]+)/s; "
                       r"processes ran (.+) s after release", out)
    assert [lever for lever, *_ in lines][0] == "today" and lines[1][0] in ("sync_free", "graph")   # the faster one
    for _, parts, total, window, rate, ran in lines:
        images = [int(n) for n in parts.split(" + ")]
        spans = [tuple(float(t) for t in span.split("..")) for span in ran.split(", ")]
        assert len(images) == len(spans) == 2 and sum(images) == int(total)
        assert float(rate) == pytest.approx(sum(images) / float(window), rel=1e-3)
        assert all(0 <= start < end <= float(window) + 1e-6 for start, end in spans)
        assert max(end for _, end in spans) == pytest.approx(float(window), abs=1e-6)


@pytest.mark.parametrize("target", ["ce", "proselflc"])
def test_a_zero_cohorts_two_models_are_exchangeable_swapped_inits_swap_their_results(target):
    """CMD's Zero (η = ∞: no knowledge passes) trains two models that differ only in their
    initialisation (seed·100 + k). Given each other's initial weights, they must give each
    other's results, bit for bit: nothing in the loop (batch order, loss, optimiser step,
    evaluation) favours model 0. Digits has no augmentation, whose draws follow model order."""
    config = cfg(method="cmd", hp={"eta": float("inf"), "target": target}, epochs=2)
    task = task_for(config)
    plain, swapped = Trainer(config, task, CPU), Trainer(config, task, CPU)
    inits = [m.state_dict() for m in plain.models]
    swapped.models[0].load_state_dict(inits[1])
    swapped.models[1].load_state_dict(inits[0])
    plain.fit(), swapped.fit()
    a, b = (pd.DataFrame(t.history).drop(columns="epoch_time_s") for t in (plain, swapped))
    for k in (0, 1):   # every per-model column of every epoch: losses, metrics, entropy quantiles
        pd.testing.assert_frame_equal(model_cols(a, k), model_cols(b, 1 - k))
    assert not model_cols(a, 0).equals(model_cols(a, 1))   # two different models, not one twice
