"""Every method trains for real on scikit-learn digits (40% symmetric noise, a small MLP),
and each test checks a property only a correct implementation of that paper's method has."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from helpers import BASE, CPU, QUIET, cfg, history, model_cols, n_train
from nkdlib import losses as L
from nkdlib.methods import METHODS, Batch, Count, Method, Real, build_method, method_hp, self_kd_targets
from nkdlib.runs import config_key
from nkdlib.tasks import task_for
from nkdlib.config import teacher_config
from nkdlib.train import Trainer, run


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_trains(method, tmp_path):
    teacher = None
    if METHODS[method].needs_teacher and not METHODS[method].builds_teacher:
        teacher = teacher_config(cfg(epochs=4), ["mlp"], **{k: BASE[k] for k in ("width", "optimizer", "lr", "epochs")})
    config = cfg(method=method, epochs=4, teacher=teacher)
    metrics = run(config, tmp_path, QUIET)
    frame = history(tmp_path, config)
    assert len(frame) == 4 and metrics["epochs_run"] == 4
    assert np.isfinite(frame.filter(like="loss").to_numpy()).all()
    # learnt something despite 40% noise: clearly above chance (10 classes)
    assert metrics["test_metric"] > 0.3, metrics

def test_a_method_is_one_registered_class():
    """A Method subclass with a name is a method: configs check, fill and key its hp from its HP alone."""
    class Toy(Method):
        name = "toy"
        HP = {"w": Real("[0, 1]", 0.5), "epochs": Count(1)}

    try:
        config = cfg(method="toy", hp={"w": 1})
        assert config["hp"] == {"w": 1.0, "epochs": 1} and config_key(config) == config_key(cfg(method="toy", hp={"w": 1.0}))
        with pytest.raises(ValueError, match=r"method 'toy': hp w=2 must be a number in \[0, 1\]"):
            cfg(method="toy", hp={"w": 2})
        with pytest.raises(ValueError, match="method name 'toy' is taken by Toy"):
            type("Again", (Method,), {"name": "toy"})
    finally:
        del METHODS["toy"]


def test_each_self_kd_method_trains_on_its_refined_label_by_hand():
    """CMD Table 2's q̃ for logits [0, ln 3] (p = [1/4, 3/4]), label 0, t/Γ = 0.8 and
    Mconf's r = 0.9, detached; the loss is H(q̃, p), cp's H(q, p) − β·H(p)."""
    y, p, q = torch.tensor([0]), torch.tensor([[0.25, 0.75]]), torch.tensor([[1.0, 0.0]])
    confidence = 1 - 0.5623351446188083 / math.log(2)   # l(p) = 1 − H(p)/H(u)
    eps_pro, eps_mconf = L.logistic(0.3, 6.0) * confidence, L.logistic(0.9 - 0.5, 6.0) * confidence
    expected = {"ce": ({}, q), "ls": ({"w": 0.1}, torch.tensor([[0.95, 0.05]])), "cp": ({"beta": 0.3}, 0.7 * q - 0.3 * p),
                "boot_soft": ({"eps": 0.4}, 0.6 * q + 0.4 * p), "proselflc": ({}, (1 - eps_pro) * q + eps_pro * p),
                "mconf": ({}, (1 - eps_mconf) * q + eps_mconf * p)}
    assert set(expected) == set(self_kd_targets())
    for name, (hp, target) in expected.items():
        method, z = build_method(name, hp, 2), torch.tensor([[0.0, math.log(3)]], requires_grad=True)
        method.r = [0.9]   # Mconf's r; the other methods read none
        batch = Batch(y=y, idx=torch.arange(1), progress=0.8, epoch=0, step=1, teacher=None)
        got = method.target(0, z, batch)
        assert torch.allclose(got, target, atol=1e-6) and not got.requires_grad, name
        own = L.cp(z, y, 0.3) if name == "cp" else L.soft_cross_entropy(z, target)
        assert torch.allclose(method.losses([z], batch)[0], own), name
    with pytest.raises(ValueError, match=r"hp target='tfkd' must be one of \['ce', .*'proselflc', 'mconf'\]"):
        method_hp("cmd", {"target": "tfkd"})


def test_kd_with_zero_weight_equals_ce(tmp_path):
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=1)
    run(cfg(method="kd", hp={"w": 0.0}, teacher=teacher), tmp_path, QUIET)
    run(cfg(), tmp_path, QUIET)
    # same numbers up to float rounding (kd computes H(q, p) as a soft cross-entropy)
    pd.testing.assert_frame_equal(history(tmp_path, cfg(method="kd", hp={"w": 0.0}, teacher=teacher)),
                                  history(tmp_path, cfg()), check_exact=False, rtol=1e-4)
    kd = run(cfg(method="kd", hp={"w": 0.5}, teacher=teacher), tmp_path, QUIET)
    assert not history(tmp_path, cfg(method="kd", hp={"w": 0.5}, teacher=teacher)).equals(history(tmp_path, cfg()))
    assert kd["test_metric"] > 0.3

def test_cmd_with_infinite_eta_is_two_independent_models(tmp_path):
    cmd = cfg(method="cmd", hp={"eta": float("inf"), "target": "proselflc"})
    run(cmd, tmp_path, QUIET)
    run(cfg(method="proselflc"), tmp_path, QUIET)
    frame = history(tmp_path, cmd)
    assert (frame["passed_a2b"] == 0).all() and (frame["passed_b2a"] == 0).all()
    single = model_cols(history(tmp_path, cfg(method="proselflc")), 0)
    pd.testing.assert_frame_equal(model_cols(frame, 0)[single.columns], single)

def test_cmd_with_eta_below_one_passes_everything(tmp_path):
    config = cfg(method="cmd", hp={"eta": 0.5, "b2": 0.0})
    run(config, tmp_path, QUIET)
    frame = history(tmp_path, config)
    assert (frame["passed_a2b"] == n_train()).all() and (frame["passed_b2a"] == n_train()).all()
    # CMD-P with b2 < 0 passes fewer samples as the threshold tightens over epochs
    progressive = cfg(method="cmd", hp={"eta": 2.0, "b2": -6.0}, epochs=3)
    run(progressive, tmp_path, QUIET)
    passed = history(tmp_path, progressive)["passed_a2b"]
    assert passed.iloc[-1] < n_train()

def test_cmd_warmup_passes_nothing_before_its_epoch_and_logs_entropy_against_chi(tmp_path):
    config = cfg(method="cmd", hp={"eta": 0.5, "b2": 0.0, "warmup": 2}, epochs=3)
    run(config, tmp_path, QUIET)
    frame = history(tmp_path, config)
    assert frame["passed_a2b"].tolist()[:2] == [0, 0] and frame["passed_a2b"].iloc[2] == n_train()
    assert frame["chi"].tolist()[:2] == [float("-inf")] * 2 and frame["chi"].iloc[2] == pytest.approx(2 * math.log(10))
    for k in (0, 1):   # quantiles of H(p) over the epoch's training predictions: ordered, within [0, log C]
        q = frame[[f"entropy_q{p}_{k}" for p in (10, 25, 50, 75, 90)]].to_numpy()
        assert (np.diff(q, axis=1) >= 0).all() and (q >= 0).all() and (q <= math.log(10) + 1e-6).all()
    # before passing starts, CMD with a warm-up is Zero (η = ∞), epoch for epoch
    zero = cfg(method="cmd", hp={"eta": float("inf"), "b2": 0.0}, epochs=3)
    run(zero, tmp_path, QUIET)
    cols = ["train_loss_0", "train_loss_1", "test_metric_0", "test_metric_1"]
    pd.testing.assert_frame_equal(frame[cols].iloc[:2], history(tmp_path, zero)[cols].iloc[:2])


def test_cmd_mean_form_refuses_cp_and_differs_from_the_sum_only_when_knowledge_passes(tmp_path):
    with pytest.raises(ValueError, match="form='mean' needs a target that is a distribution"):
        cfg(method="cmd", hp={"target": "cp", "target_hp": {}, "form": "mean"})   # refused when made
    with pytest.raises(ValueError, match="hp form='avg' must be"):
        cfg(method="cmd", hp={"form": "avg"})
    cols = ["train_loss_0", "test_metric_0", "test_metric_1"]
    zero = {"eta": float("inf"), "b2": 0.0}
    for form in ("sum", "mean"):
        run(cfg(method="cmd", hp={**zero, "form": form}), tmp_path, QUIET)
    pd.testing.assert_frame_equal(history(tmp_path, cfg(method="cmd", hp={**zero, "form": "mean"}))[cols],
                                  history(tmp_path, cfg(method="cmd", hp=zero))[cols], check_exact=False, rtol=1e-5)
    all_ = {"eta": 0.5, "b2": 0.0}
    for form in ("sum", "mean"):
        run(cfg(method="cmd", hp={**all_, "form": form}), tmp_path, QUIET)
    mean, total = (history(tmp_path, cfg(method="cmd", hp={**all_, "form": f})) for f in ("mean", "sum"))
    assert not mean["train_loss_0"].equals(total["train_loss_0"])


def test_sync_mkd_without_peer_weight_is_ce(tmp_path):
    run(cfg(method="sync_mkd", hp={"eps": 0.0}), tmp_path, QUIET)
    run(cfg(), tmp_path, QUIET)
    frame = history(tmp_path, cfg(method="sync_mkd", hp={"eps": 0.0}))
    pd.testing.assert_frame_equal(model_cols(frame, 0), model_cols(history(tmp_path, cfg()), 0))
    with_peer = cfg(method="sync_mkd", hp={"eps": 0.5})
    run(with_peer, tmp_path, QUIET)
    assert not model_cols(history(tmp_path, with_peer), 0).equals(model_cols(frame, 0))

def test_async_mkd_updates_one_model_per_step():
    config = cfg(method="async_mkd", batch_size=5000, epochs=1)   # one step per epoch
    trainer = Trainer(config, task_for(config), CPU)
    before = [[p.detach().clone() for p in m.parameters()] for m in trainer.models]
    trainer.train_epoch()                                          # step 1: model A only (eq. 2)
    changed = [any(not torch.equal(a, b) for a, b in zip(old, m.parameters())) for old, m in zip(before, trainer.models)]
    assert changed == [True, False]

def test_co_distill_teacher_is_trained_by_ce_in_epoch_one(tmp_path):
    run(cfg(method="co_distill"), tmp_path, QUIET)
    run(cfg(), tmp_path, QUIET)
    cd, ce = history(tmp_path, cfg(method="co_distill")), history(tmp_path, cfg())
    pd.testing.assert_frame_equal(model_cols(cd, 0).iloc[:1], model_cols(ce, 0).iloc[:1])
    assert not model_cols(cd, 0).iloc[1:].equals(model_cols(ce, 0).iloc[1:])

def test_label_refinement_changes_only_flagged_samples_to_teacher_argmax():
    config = cfg(method="co_distill_lr", hp={"refine_epoch": 1}, epochs=2)
    trainer = Trainer(config, task_for(config), CPU)
    trainer.train_epoch()
    trainer.epoch = 1
    view = trainer.view()
    teacher_argmax = view.predict(0, "train").argmax(1)
    new = trainer.method.on_epoch_start(view, 1)
    stats = trainer.method.epoch_stats()
    changed = new != view.labels
    assert changed.any()
    assert torch.equal(new[changed], teacher_argmax[changed])
    assert stats["lr_changed"] == int(changed.sum()) <= stats["lr_flagged"]
    assert 0 <= stats["lr_precision"] <= 1 and 0 < stats["lr_recall"] <= 1
    # refining moved labels toward the truth: fewer wrong labels than before
    truth = torch.as_tensor(trainer.task.train.y_true)
    assert (new != truth).sum() < (view.labels != truth).sum()
    assert trainer.method.on_epoch_start(view, 1) is None      # refines once

def test_label_refinement_counts_by_hand():
    """A teacher and student sure of class 0 everywhere: the CE of label 1 is high, so the
    forest, trained on a valid split where exactly the 1-labels are noisy, flags the train
    rows labelled 1 and gives them the teacher's 0. Train labels [1, 1, 0, 0, 1], truth
    [0, 1, 0, 0, 0]: rows 0, 1, 4 change; 0 and 4 were wrong and are fixed, 1 is broken."""
    from nkdlib.methods import CoDistillLR, RunView
    sure = torch.tensor([[4.0, -4.0]])
    labels, clean = torch.tensor([1, 1, 0, 0, 1]), np.array([0, 1, 0, 0, 0])
    valid_labels = np.array([0, 1] * 10)
    view = RunView(predict=lambda k, split, best=False: sure.repeat(len(labels) if split == "train" else 20, 1),
                   labels=labels, valid_labels=valid_labels, valid_noisy=valid_labels == 1,
                   train_true=clean, seed=0)
    method = CoDistillLR({"w": 0.5, "refine_epoch": 1, "trees": 10}, num_classes=2)
    assert method.on_epoch_start(view, 0) is None                  # not yet
    assert method.on_epoch_start(view, 1).tolist() == [0, 0, 0, 0, 0]
    stats = method.epoch_stats()
    assert {k: stats[k] for k in ("lr_flagged", "lr_changed", "lr_noisy", "lr_changed_wrong", "lr_fixed",
                                  "lr_noisy_after")} == {"lr_flagged": 3, "lr_changed": 3, "lr_noisy": 2,
                                                         "lr_changed_wrong": 2, "lr_fixed": 2, "lr_noisy_after": 1}
    assert stats["lr_precision"] == 2 / 3 and stats["lr_recall"] == 1.0


def test_self_dstl_uses_hard_labels_before_its_warm_epochs(tmp_path):
    run(cfg(method="self_dstl", hp={"warm_epochs": 1}), tmp_path, QUIET)
    run(cfg(), tmp_path, QUIET)
    sd, ce = history(tmp_path, cfg(method="self_dstl", hp={"warm_epochs": 1})), history(tmp_path, cfg())
    pd.testing.assert_frame_equal(sd.iloc[:1], ce.iloc[:1])
    assert not sd.iloc[1:].equals(ce.iloc[1:])

def test_co_teaching_passes_the_kept_fraction(tmp_path):
    """Han et al.'s schedule over 3 ramp epochs: forget 0.2 in the first trained epoch, then
    0.4; each batch of B keeps int((1 - forget)·B) samples."""
    config = cfg(method="co_teaching", hp={"forget": 0.4, "ramp_epochs": 3})
    run(config, tmp_path, QUIET)
    frame = history(tmp_path, config)
    n, b = n_train(), BASE["batch_size"]
    sizes = [b] * (n // b) + ([n % b] if n % b else [])
    assert frame["passed_a2b"].tolist() == [sum(int((1 - f) * s) for s in sizes) for f in (0.2, 0.4)]


@pytest.mark.parametrize("method", ["sync_mkd", "async_mkd", "cmd"])
def test_mconf_inside_mutual_methods_updates_its_r(method, tmp_path):
    """Mconf's r (CMD eq. 6) = 1 − mean entropy / H(u) of the last pass; a mutual method
    with target mconf must update it each epoch, as plain mconf does."""
    config = cfg(method=method, hp={"target": "mconf"}, epochs=1)
    trainer = Trainer(config, task_for(config), CPU)
    trainer.train_epoch()
    r = trainer.method.own.r
    assert all(0.0 < x < 1.0 for x in r) and r[0] != r[1], r
