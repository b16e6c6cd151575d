"""The training engine: every method trains for real on scikit-learn digits (40% symmetric
noise, a small MLP) and each test checks a property only a correct implementation has."""
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import torch

from nkdlib import runs
from nkdlib.methods import METHODS
from nkdlib.train import Trainer, _task, make_config, run, teacher_config

BASE = dict(task="digits", noise_rate=0.4, models=["mlp"], width=0.5, optimizer="sgd", lr=0.1,
            weight_decay=0.0, batch_size=64, epochs=2, schedule="constant", clip=0.0)


def cfg(**kw):
    return make_config(**{**BASE, **kw})


def n_train():
    return len(_task(cfg(), None).train)


def history(root, config):
    return runs.RunDir(root, config).read_csv("history.csv").drop(columns="epoch_time_s")


def model_cols(frame, k):
    return frame[[c for c in frame.columns if c.endswith(f"_{k}")]].rename(columns=lambda c: c[:-2])


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_trains(method, tmp_path):
    config = cfg(method=method, epochs=4)
    if method in ("kd", "kd_sym"):
        config["teacher"] = teacher_config(config, ["mlp"], **{k: BASE[k] for k in ("width", "optimizer", "lr", "epochs")})
    metrics = run(config, tmp_path, quiet=True)
    frame = history(tmp_path, config)
    assert len(frame) == 4 and metrics["epochs_run"] == 4
    assert np.isfinite(frame.filter(like="loss").to_numpy()).all()
    # learnt something despite 40% noise: clearly above chance (10 classes)
    assert metrics["test_metric"] > 0.3, metrics


def test_same_seed_same_history(tmp_path):
    a = run(cfg(method="proselflc"), tmp_path / "a", quiet=True)
    b = run(cfg(method="proselflc"), tmp_path / "b", quiet=True)
    assert history(tmp_path / "a", cfg(method="proselflc")).equals(history(tmp_path / "b", cfg(method="proselflc")))
    assert a["test_metric"] == b["test_metric"]


def test_finished_run_is_reused(tmp_path):
    config = cfg()
    run(config, tmp_path, quiet=True)
    stamp = (runs.RunDir(tmp_path, config).path / "metrics.json").stat().st_mtime_ns
    run(config, tmp_path, quiet=True)
    assert (runs.RunDir(tmp_path, config).path / "metrics.json").stat().st_mtime_ns == stamp


def test_kd_with_zero_weight_equals_ce(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(cfg(method="kd", hp={"w": 0.0}, teacher=teacher), tmp_path, quiet=True)
    run(cfg(), tmp_path, quiet=True)
    # same numbers up to float rounding (kd computes H(q, p) as a soft cross-entropy)
    pd.testing.assert_frame_equal(history(tmp_path, cfg(method="kd", hp={"w": 0.0}, teacher=teacher)),
                                  history(tmp_path, cfg()), check_exact=False, rtol=1e-4)
    kd = run(cfg(method="kd", hp={"w": 0.5}, teacher=teacher), tmp_path, quiet=True)
    assert not history(tmp_path, cfg(method="kd", hp={"w": 0.5}, teacher=teacher)).equals(history(tmp_path, cfg()))
    assert kd["test_metric"] > 0.3


def test_teacher_predictions_are_cached(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(cfg(method="kd", hp={"w": 0.5}, teacher=teacher), tmp_path, quiet=True)
    logits = runs.RunDir(tmp_path, teacher).path / "logits_train.npy"
    stamp = logits.stat().st_mtime_ns
    assert np.load(logits).shape == (n_train(), 10)
    run(cfg(method="kd", hp={"w": 0.9}, teacher=teacher), tmp_path, quiet=True)
    assert logits.stat().st_mtime_ns == stamp     # not recomputed


def test_cmd_with_infinite_eta_is_two_independent_models(tmp_path):
    cmd = cfg(method="cmd", hp={"eta": float("inf"), "target": "proselflc"})
    run(cmd, tmp_path, quiet=True)
    run(cfg(method="proselflc"), tmp_path, quiet=True)
    frame = history(tmp_path, cmd)
    assert (frame["passed_a2b"] == 0).all() and (frame["passed_b2a"] == 0).all()
    single = history(tmp_path, cfg(method="proselflc"))
    pd.testing.assert_frame_equal(model_cols(frame, 0), model_cols(single, 0))


def test_cmd_with_eta_below_one_passes_everything(tmp_path):
    config = cfg(method="cmd", hp={"eta": 0.5, "b2": 0.0})
    run(config, tmp_path, quiet=True)
    frame = history(tmp_path, config)
    assert (frame["passed_a2b"] == n_train()).all() and (frame["passed_b2a"] == n_train()).all()
    # CMD-P with b2 < 0 passes fewer samples as the threshold tightens over epochs
    progressive = cfg(method="cmd", hp={"eta": 2.0, "b2": -6.0}, epochs=3)
    run(progressive, tmp_path, quiet=True)
    passed = history(tmp_path, progressive)["passed_a2b"]
    assert passed.iloc[-1] < n_train()


def test_sync_mkd_without_peer_weight_is_ce(tmp_path):
    run(cfg(method="sync_mkd", hp={"eps": 0.0}), tmp_path, quiet=True)
    run(cfg(), tmp_path, quiet=True)
    frame = history(tmp_path, cfg(method="sync_mkd", hp={"eps": 0.0}))
    pd.testing.assert_frame_equal(model_cols(frame, 0), model_cols(history(tmp_path, cfg()), 0))
    with_peer = cfg(method="sync_mkd", hp={"eps": 0.5})
    run(with_peer, tmp_path, quiet=True)
    assert not model_cols(history(tmp_path, with_peer), 0).equals(model_cols(frame, 0))


def test_async_mkd_updates_one_model_per_step():
    config = cfg(method="async_mkd", batch_size=5000, epochs=1)   # one step per epoch
    trainer = Trainer(config, _task(config, None), "cpu", quiet=True)
    before = [[p.detach().clone() for p in m.parameters()] for m in trainer.models]
    trainer.train_epoch()                                          # step 1: model A only (eq. 2)
    changed = [any(not torch.equal(a, b) for a, b in zip(old, m.parameters())) for old, m in zip(before, trainer.models)]
    assert changed == [True, False]


def test_co_distill_teacher_is_trained_by_ce_in_epoch_one(tmp_path):
    run(cfg(method="co_distill"), tmp_path, quiet=True)
    run(cfg(), tmp_path, quiet=True)
    cd, ce = history(tmp_path, cfg(method="co_distill")), history(tmp_path, cfg())
    pd.testing.assert_frame_equal(model_cols(cd, 0).iloc[:1], model_cols(ce, 0).iloc[:1])
    assert not model_cols(cd, 0).iloc[1:].equals(model_cols(ce, 0).iloc[1:])


def test_label_refinement_changes_only_flagged_samples_to_teacher_argmax():
    config = cfg(method="co_distill_lr", hp={"refine_epoch": 1}, epochs=2)
    trainer = Trainer(config, _task(config, None), "cpu", quiet=True)
    trainer.train_epoch()
    trainer.epoch = 1
    before = trainer.labels.clone()
    teacher_argmax = trainer.predict(0, "train").argmax(1)
    trainer.method.on_epoch_start(trainer, 1)
    stats = trainer.method.epoch_stats()
    changed = trainer.labels != before
    assert changed.any()
    assert torch.equal(trainer.labels[changed], teacher_argmax[changed])
    assert stats["lr_changed"] == int(changed.sum()) <= stats["lr_flagged"]
    assert 0 <= stats["lr_precision"] <= 1 and 0 < stats["lr_recall"] <= 1
    # refining moved labels toward the truth: fewer wrong labels than before
    truth = torch.as_tensor(trainer.task.train.y_true)
    assert (trainer.labels != truth).sum() < (before != truth).sum()


def test_self_dstl_uses_hard_labels_before_its_warm_epochs(tmp_path):
    run(cfg(method="self_dstl", hp={"warm_epochs": 1}), tmp_path, quiet=True)
    run(cfg(), tmp_path, quiet=True)
    sd, ce = history(tmp_path, cfg(method="self_dstl", hp={"warm_epochs": 1})), history(tmp_path, cfg())
    pd.testing.assert_frame_equal(sd.iloc[:1], ce.iloc[:1])
    assert not sd.iloc[1:].equals(ce.iloc[1:])


def test_co_teaching_passes_the_kept_fraction(tmp_path):
    config = cfg(method="co_teaching", hp={"forget": 0.4, "ramp_epochs": 1})
    run(config, tmp_path, quiet=True)
    frame = history(tmp_path, config)
    assert frame["passed_a2b"].iloc[0] == n_train()          # epoch 0: forget rate 0
    assert frame["passed_a2b"].iloc[1] < 0.7 * n_train()      # epoch 1: 40% forgotten per batch


def test_resume_after_kill_equals_uninterrupted(tmp_path):
    config = cfg(method="cmd", epochs=4)
    script = textwrap.dedent(f"""
        import os, sys
        from nkdlib import runs
        from nkdlib.train import run
        written = []
        original = runs.RunDir.write_csv
        def write_then_die(self, name, rows):
            original(self, name, rows)
            written.append(name)
            if written.count("history.csv") == 2:
                os._exit(3)                      # killed after epoch 2 was stored
        runs.RunDir.write_csv = write_then_die
        run({config!r}, {str(tmp_path / 'killed')!r}, quiet=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    killed = runs.RunDir(tmp_path / "killed", config)
    assert (killed.path / "checkpoint.pt").exists() and not killed.finished
    assert len(killed.read_csv("history.csv")) == 2
    resumed = run(config, tmp_path / "killed", quiet=True)
    straight = run(config, tmp_path / "straight", quiet=True)
    pd.testing.assert_frame_equal(history(tmp_path / "killed", config), history(tmp_path / "straight", config))
    assert {k: v for k, v in resumed.items() if k != "train_time_s"} == {k: v for k, v in straight.items() if k != "train_time_s"}
    assert not (killed.path / "checkpoint.pt").exists()


def test_gather_gives_one_row_per_run_with_config_columns(tmp_path):
    run(cfg(), tmp_path, quiet=True)
    run(cfg(method="ls"), tmp_path, quiet=True)
    frame = runs.gather(tmp_path)
    assert len(frame) == 2
    assert set(frame["method"]) == {"ce", "ls"} and "hp.w" in frame.columns and "test_metric" in frame.columns
    assert (frame["noise_rate"] == 0.4).all()


def test_bad_configs_name_the_problem():
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        cfg(method="nope")
    with pytest.raises(ValueError, match="unknown config key"):
        make_config(lrr=1)
    with pytest.raises(ValueError, match="noise_rate"):
        cfg(noise_rate=1.2)
    with pytest.raises(ValueError, match="no hyper-parameter"):
        cfg(method="ls", hp={"eta": 1})
    with pytest.raises(ValueError, match="needs a teacher"):
        run(cfg(method="kd"), "unused", quiet=True)


@pytest.mark.parametrize("method", ["cmd", "sync_mkd", "co_teaching"])
def test_mutual_methods_beat_ce_under_40_percent_noise(method, tmp_path):
    """Same budget (30 epochs, final epoch as in CMD), mean over 3 seeds: ce memorises the
    noisy labels, the mutual methods hold up better."""
    def mean_test(m):
        return np.mean([run(cfg(method=m, epochs=30, select="last", seed=s), tmp_path, quiet=True)["test_metric"]
                        for s in range(3)])
    assert mean_test(method) > mean_test("ce") + 0.01


def test_init_from_copies_the_backbone_but_not_the_head(tmp_path):
    pre = cfg(classes=[0, 1, 2, 3, 4], save_model=True, noise_rate=0.0)
    fine = cfg(classes=[5, 6, 7, 8, 9], noise_rate=0.0, epochs=1, init_from=pre)
    run(fine, tmp_path, quiet=True)
    saved = runs.RunDir(tmp_path, pre).load("model.pt")
    trainer = Trainer(fine, _task(fine, None), "cpu", quiet=True)
    from nkdlib.train import _load_backbone
    _load_backbone(trainer.models, saved)
    state = trainer.models[0].state_dict()
    head = [n for n, m in trainer.models[0].named_modules() if isinstance(m, torch.nn.Linear)][-1]
    for name, tensor in saved.items():
        assert torch.equal(state[name], tensor) != name.startswith(head + "."), name
