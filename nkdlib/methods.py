"""Methods: each turns a cohort's logits on one batch into one loss per model.

The trainer (nkdlib.train) calls, for every batch,

    losses = method.losses(logits, batch)      # logits: list of (B, C), one per model

and steps model k's optimiser on losses[k] (None = model k does not step this batch).
Peer and teacher targets are detached inside nkdlib.losses, so a model's loss only
reaches that model's parameters. Between epochs a method sees the run only through a
`RunView`: it may read predictions, the valid split's labels and noise mask and the
seed, and change the training labels by returning new ones from `on_epoch_start`.

Graph-safe step (nkdlib.train's `graph` lever): built with `graph_device`, a method's losses
make no host sync and no data-dependent shape, so one CUDA graph can hold a whole training
step: selections are masks (losses.selected_sum), per-epoch values it reads (Mconf's r,
Co-teaching's forget rate, the batch's progress t/Γ) are 0-d tensors on that device,
updated in place between steps, and counters accumulate in place in device tensors. What
its Python code still branches on (the epoch, the step's parity, a hook's state) is its
`phase`: the trainer captures one graph per phase. Without graph_device (the default) the
arithmetic is the published runs', bit for bit; where the two differ, one formula serves
both (losses.selected_sum, losses.co_teaching_losses).

Hyper-parameter names (`hp`): w weights the soft term, eps/beta/b1/b2/eta/rho/a/tau as
in the papers; see DEFAULTS. Paper name -> method name is in METHODS; every entry is a
class, so `METHODS[name].needs_teacher` is read without building one.
"""
import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.ensemble import RandomForestClassifier

from . import losses as L

# Default hyper-parameters per method (papers' values where they give one).
DEFAULTS = {
    "ce": {},
    "ls": {"w": 0.1},                                   # label-reg Table 10
    "tf_reg": {"w": 0.5, "a": 0.95, "tau": 1.0},         # label-reg Tables 10-13
    "cp": {"beta": 0.5},
    "boot_soft": {"eps": 0.05},                         # Reed et al.: β = 0.95 on the label
    "proselflc": {"b1": 6.0},
    "mconf": {"b1": 6.0, "rho": 0.5},                    # CMD §3.2: rho = 0.5
    "kd": {"w": 0.5, "tau": 1.0},                        # label-reg Table 10
    "self_kd": {"w": 0.5, "tau": 1.0},
    "kd_sym": {"w": 0.5},                                # noisy-KD: tuned per task
    "self_dstl": {"w": 0.5, "warm_epochs": 1},
    "co_distill": {"w": 0.5},
    "co_distill_lr": {"w": 0.5, "refine_epoch": 2, "trees": 100},  # noisy-KD §3.2: 2 epochs
    "sync_mkd": {"eps": 0.5, "target": "ce", "target_hp": {}},
    "async_mkd": {"eps": 0.5, "target": "ce", "target_hp": {}},
    "kdcl": {"w": 0.5},
    "cmd": {"target": "proselflc", "target_hp": {}, "eta": 2.0, "b2": -6.0,  # CMD-P; b2=0 -> CMD-S
            "warmup": 0,        # ours: epochs before any knowledge passes (the paper states none)
            "form": "sum"},     # eq. 10 as written; "mean": the (q~_A + q~_B)/2 target (losses.cmd_mean_losses)
    "co_teaching": {"forget": None, "ramp_epochs": 10},  # forget None -> the noise rate
}


# Hyper-parameters added after results/small was published -> the value every earlier run
# had: left out of run keys while at it (nkdlib.config.key_view)
ADDED_HP = {"cmd": {"warmup": 0, "form": "sum"}}


def without_added_hp(name: str, hp: dict) -> dict:
    """hp without ADDED_HP entries at their default, also inside a mutual method's target_hp."""
    added = ADDED_HP.get(name, {})
    out = {k: v for k, v in hp.items() if not (k in added and v == added[k])}
    if isinstance(out.get("target_hp"), dict) and "target" in out:
        out["target_hp"] = without_added_hp(out["target"], out["target_hp"])
    return out


@dataclass(frozen=True)
class Batch:
    """What a method sees of one training batch (B rows, C classes)."""
    y: torch.Tensor                 # (B,) current training labels
    idx: torch.Tensor               # (B,) row indices into the train split
    progress: float | torch.Tensor  # t/Γ in (0, 1]: training progress, 1 at the last epoch or step (0-d, graph-safe)
    epoch: int                      # from 0
    step: int                       # global optimiser step, from 1
    teacher: torch.Tensor | None    # (B, C) frozen-teacher logits (methods with needs_teacher)


@dataclass(frozen=True)
class RunView:
    """What a method may read of its run between epochs (N = train size, V = valid size)."""
    predict: Callable[..., torch.Tensor]   # predict(k, split, best=False) -> (N_split, C) logits of model k, CPU
    labels: torch.Tensor                   # (N,) current training labels, CPU
    valid_labels: np.ndarray               # (V,) noisy valid labels
    valid_noisy: np.ndarray                # (V,) bool: which valid labels are corrupted (known, noisy-KD §3.2)
    train_true: np.ndarray                 # (N,) clean training labels: for reporting only (label refinement's counts)
    seed: int


class Method:
    """Base: one model trained on its own loss. Subclasses set num_models etc."""

    num_models = 1
    needs_teacher = False   # kd, kd_sym, self_kd: cached logits of a frozen teacher run
    main = 0                # index of the model whose numbers are "the" result

    def __init__(self, hp: dict, num_classes: int, noise_rate: float = 0.0, graph_device=None):
        self.hp, self.num_classes, self.noise_rate = hp, num_classes, noise_rate
        self.graph_device = graph_device   # None: the eager step; a device: the graph-safe step (module doc)
        self.counts = {}

    def count(self, name, value):
        """Add to an epoch counter; value may be a device tensor (read once, at the epoch's end),
        added in place to the counter's tensor (a captured step keeps adding to it)."""
        if name in self.counts:
            self.counts[name] += value
        else:
            self.counts[name] = value.clone() if isinstance(value, torch.Tensor) else value

    def phase(self, epoch: int, step: int):
        """What the losses' Python code branches on in this step besides shapes (None: nothing);
        a graph-safe trainer captures one CUDA graph per phase."""
        return None

    def on_epoch_start(self, run: RunView, epoch: int) -> torch.Tensor | None:
        """Hook before an epoch's first batch; returns new (N,) training labels or None."""
        return None

    def on_epoch_end(self, epoch: int):
        """Hook after an epoch's last batch."""

    def epoch_stats(self) -> dict:
        """Extra history columns for the epoch just finished; resets the counters."""
        stats = {k: int(v) if isinstance(v, torch.Tensor) else v for k, v in self.counts.items()}
        self.counts = {k: v.zero_() for k, v in self.counts.items() if isinstance(v, torch.Tensor)}   # in place
        return stats

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict):
        pass


class SelfTarget(Method):
    """ce, ls, cp, boot_soft, proselflc, mconf: H(q̃, p) with q̃ a self-KD refined label
    (CMD Table 2); cp is H(q,p) − β·H(p). Mutual methods (hp["target"]) use it per model.
    Keeps Mconf's r per model (CMD eq. 6: from the latest full pass over the training
    set; 0 before the first pass): a float, and with graph_device also a device tensor. The
    pass's entropy sums accumulate on the device in float64, as the float sum of per-batch
    sums they were before (no host sync per step)."""

    kind = "ce"

    def __init__(self, hp, num_classes, noise_rate=0.0, graph_device=None):
        super().__init__(hp, num_classes, noise_rate, graph_device)
        if "target" in hp:   # a mutual method: its self-KD target and that target's own hp
            self.kind, self.target_hp = hp["target"], method_hp(hp["target"], hp["target_hp"])
        else:
            self.target_hp = hp
        self.r = [0.0] * self.num_models
        graph_r = graph_device is not None and self.kind == "mconf"
        self._r = torch.zeros(self.num_models, dtype=torch.float64, device=graph_device) if graph_r else None
        self._entropy = self._seen = None   # (num_models,) float64 / int64 on the training device, from the first batch

    def target(self, k, logits, batch):
        if self.kind == "mconf":   # every pass over a batch adds to model k's r of the next epoch
            if self._entropy is None:
                self._entropy = torch.zeros(self.num_models, dtype=torch.float64, device=logits.device)
                self._seen = torch.zeros(self.num_models, dtype=torch.long, device=logits.device)
            self._entropy[k] += L.entropy(F.softmax(logits.detach().float(), -1)).sum().double()
            self._seen[k] += len(batch.y)
        r = self.r[k] if self._r is None else self._r[k]
        return L.self_target(self.kind, logits, batch.y, progress=batch.progress, r=r, **self.target_hp)

    def self_loss(self, logits, target, batch):
        if self.kind == "cp":
            return L.cp(logits, batch.y, self.target_hp["beta"])
        return L.soft_cross_entropy(logits, target)

    def losses(self, logits, batch):
        return [self.self_loss(z, self.target(k, z, batch), batch) for k, z in enumerate(logits)]

    def on_epoch_end(self, epoch):
        if self._entropy is not None:
            # r = 1 − ΣH(p_i) / (n·H(u)) over this epoch's pass
            self.r = [1 - e / (n * np.log(self.num_classes)) if n else r
                      for e, n, r in zip(self._entropy.tolist(), self._seen.tolist(), self.r)]
            self._entropy.zero_()   # in place: a captured step keeps adding to these
            self._seen.zero_()
            self._sync_r()

    def _sync_r(self):
        if self._r is not None:
            self._r.copy_(torch.tensor(self.r, dtype=torch.float64))

    def state_dict(self):
        return {"r": self.r}

    def load_state_dict(self, state):
        self.r = state["r"]
        self._sync_r()


def self_kd_method(kind: str) -> type:
    """The one-model method training on self-KD target `kind` (a SelfTarget subclass)."""
    return type(kind, (SelfTarget,), {"kind": kind, "__doc__": f"H(q̃, p) with q̃ the {kind} target (CMD Table 2)."})


class TfReg(Method):
    """Teacher-free regularisation (label-reg eq. 4-5; Yuan et al. with T != 1)."""

    def losses(self, logits, batch):
        return [L.tf_reg(logits[0], batch.y, self.hp["w"], self.hp["a"], self.hp["tau"])]


class KD(Method):
    """kd (label-reg eq. 1) and self_kd (label-reg eq. 6: the teacher is a ce-trained copy
    of the student; nkdlib.train builds that teacher run)."""

    needs_teacher = True

    def losses(self, logits, batch):
        return [L.kd(logits[0], batch.y, batch.teacher, self.hp["w"], self.hp["tau"])]


class KDSym(Method):
    """Vanilla KD of the noisy-KD paper (eq. 1): symmetric KL to a frozen teacher."""

    needs_teacher = True

    def losses(self, logits, batch):
        return [L.kd_sym(logits[0], batch.y, batch.teacher, self.hp["w"])]


class SelfDstl(Method):
    """Self-distillation (Dong et al.; noisy-KD §4.2): hard labels for `warm_epochs`, then
    the best checkpoint's logits on the training data become a soft target beside the
    hard label: (1−w)H(q,p) + w·KL(p_best ‖ p)."""

    def __init__(self, hp, num_classes, noise_rate=0.0, graph_device=None):
        super().__init__(hp, num_classes, noise_rate, graph_device)
        self.soft = None   # (N_train, C) logits of the best warm-up checkpoint, moved to the training device

    def on_epoch_start(self, run, epoch):
        if epoch == self.hp["warm_epochs"] and self.soft is None:
            self.soft = run.predict(0, "train", best=True)

    def phase(self, epoch, step):
        return self.soft is None

    def losses(self, logits, batch):
        if self.soft is None:
            return [L.ce(logits[0], batch.y)]
        if self.soft.device != batch.idx.device:   # once: rows are then gathered on the device
            self.soft = self.soft.to(batch.idx.device)
        return [L.kd(logits[0], batch.y, self.soft[batch.idx], self.hp["w"], 1.0)]

    def state_dict(self):
        return {"soft": None if self.soft is None else self.soft.cpu()}

    def load_state_dict(self, state):
        self.soft = state["soft"]


class CoDistill(Method):
    """Co-Distill (noisy-KD §3.1): model 0 = teacher, model 1 = student, trained together.
    Student: (1−w)H(q,p_s) + w·symKL(p_t, p_s). Teacher: H(q,p_t) in the first epoch,
    then the same form toward the student."""

    num_models, main = 2, 1

    def phase(self, epoch, step):
        return epoch == 0

    def losses(self, logits, batch):
        t, s = logits
        w = self.hp["w"]
        teacher_loss = L.ce(t, batch.y) if batch.epoch == 0 else L.kd_sym(t, batch.y, s, w)
        return [teacher_loss, L.kd_sym(s, batch.y, t, w)]


class CoDistillLR(CoDistill):
    """CD + label refinement (noisy-KD §3.2). After `refine_epoch` epochs of CD, per-sample
    CE of teacher and student on the valid split (whose noise mask is known) train a random
    forest that predicts "noisy"; flagged training samples get the teacher's argmax label."""

    def __init__(self, hp, num_classes, noise_rate=0.0, graph_device=None):
        super().__init__(hp, num_classes, noise_rate, graph_device)
        self.refined = False

    def on_epoch_start(self, run, epoch):
        if epoch != self.hp["refine_epoch"] or self.refined:
            return None
        def features(split, labels):
            y = torch.as_tensor(labels)
            return torch.stack([F.cross_entropy(run.predict(k, split), y, reduction="none")
                                for k in (0, 1)], 1).numpy()
        forest = RandomForestClassifier(self.hp["trees"], random_state=run.seed)
        forest.fit(features("valid", run.valid_labels), run.valid_noisy)
        flagged = torch.as_tensor(forest.predict(features("train", run.labels)).astype(bool))
        new = torch.where(flagged, run.predict(0, "train").argmax(1), run.labels)
        clean = torch.as_tensor(run.train_true)
        truth = run.labels != clean   # refinement runs once, on the noisy labels
        hits = (flagged & truth).sum().item()
        changed = new != run.labels
        self.counts.update(lr_flagged=int(flagged.sum()), lr_changed=int(changed.sum()),
                           lr_precision=hits / max(int(flagged.sum()), 1),
                           lr_recall=hits / max(int(truth.sum()), 1), lr_noisy=int(truth.sum()),
                           lr_changed_wrong=int((changed & truth).sum()),        # were wrong before
                           lr_fixed=int((changed & (new == clean)).sum()),                 # are right now
                           lr_noisy_after=int((new != clean).sum()))
        self.refined = True
        return new

    def state_dict(self):
        return {"refined": self.refined}

    def load_state_dict(self, state):
        self.refined = state["refined"]


class SyncMKD(SelfTarget):
    """SyncMKD (CMD eq. 3, DML): each model (1−ε)H(q̃_k, p_k) + ε·KL(p_j ‖ p_k)."""

    num_models = 2

    def losses(self, logits, batch):
        return [L.mkd(z, self.target(k, z, batch), logits[1 - k], self.hp["eps"]) for k, z in enumerate(logits)]


class AsyncMKD(SyncMKD):
    """AsyncMKD (CMD eq. 2): SyncMKD's losses, but iteration t updates only model A when
    t is odd and only model B when t is even (t from 1)."""

    def phase(self, epoch, step):
        return step % 2

    def losses(self, logits, batch):
        out = super().losses(logits, batch)
        out[batch.step % 2] = None
        return out


class KDCL(Method):
    """KDCL (CMD §2.2): every model distils from the ensemble of all (mean logits)."""

    num_models = 2

    def losses(self, logits, batch):
        ensemble = L.kdcl_target(logits)
        return [L.kdcl(z, batch.y, ensemble, self.hp["w"]) for z in logits]


class CMD(SelfTarget):
    """Confident mutual distillation (CMD eq. 8-12, appendix C):
    L_A = H(q̃_A, p_A) + Σ_{i: H(p_B,i) < χ} H(q̃_B,i, p_A,i) / B, symmetric for B, with
    q̃ from a self-KD method and χ = H(u)/η · 2h(t/Γ − 0.5, b2). Nothing passes in the
    first `warmup` epochs; form "mean" uses losses.cmd_mean_losses. Logs per epoch χ and
    quantiles of each model's per-sample training entropy H(p) (what χ is compared with)."""

    num_models = 2
    QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)

    def __init__(self, hp, num_classes, noise_rate=0.0, graph_device=None):
        super().__init__(hp, num_classes, noise_rate, graph_device)
        self.chi, self.rows = math.nan, 0
        self.entropies = None   # (2, N_train): each training row's H(p) in this epoch, on the training device

    def on_epoch_start(self, run, epoch):
        self.rows = len(run.labels)

    def phase(self, epoch, step):
        return epoch >= self.hp["warmup"]

    def losses(self, logits, batch):
        chi = (L.cmd_threshold(self.num_classes, self.hp["eta"], batch.progress, self.hp["b2"])
               if batch.epoch >= self.hp["warmup"] else -math.inf)
        targets = [self.target(k, z, batch) for k, z in enumerate(logits)]
        probs = [F.softmax(z.float(), -1) for z in logits]
        n_b2a, n_a2b = L.cmd_selected(probs[0], probs[1], chi)
        self.count("passed_b2a", n_b2a)
        self.count("passed_a2b", n_a2b)
        self.chi = chi
        if self.entropies is None:
            self.entropies = probs[0].new_zeros(2, self.rows)
        for k, p in enumerate(probs):
            self.entropies[k].index_copy_(0, batch.idx, L.entropy(p.detach()))
        if self.hp["form"] == "mean":
            return list(L.cmd_mean_losses(targets[0], targets[1], probs[0], probs[1], chi))
        b2a, a2b = L.cmd_losses(targets[0], targets[1], probs[0], probs[1], chi, graph_safe=self.graph_device is not None)
        return [self.self_loss(logits[0], targets[0], batch) + b2a,
                self.self_loss(logits[1], targets[1], batch) + a2b]

    def epoch_stats(self):
        stats = super().epoch_stats()
        stats["chi"] = float(self.chi)
        if self.entropies is not None:   # quantiles of the epoch's values, whatever their order
            q = torch.quantile(self.entropies, torch.tensor(self.QUANTILES, device=self.entropies.device), dim=1).cpu()
            stats.update({f"entropy_q{round(100 * p)}_{k}": float(v)
                          for k in range(2) for p, v in zip(self.QUANTILES, q[:, k])})
        return stats


class CoTeaching(Method):
    """Co-teaching (Han et al. 2018; CMD Table 4 baseline): each model keeps its
    (1 − forget) smallest-loss samples and its peer trains on them."""

    num_models = 2

    def __init__(self, hp, num_classes, noise_rate=0.0, graph_device=None):
        super().__init__(hp, num_classes, noise_rate, graph_device)
        # graph-safe: the epoch's forget rate as a device scalar, set in place before each epoch
        self._forget = None if graph_device is None else torch.zeros((), dtype=torch.float64, device=graph_device)

    def forget(self, epoch):
        rate = self.hp["forget"] if self.hp["forget"] is not None else self.noise_rate
        return L.co_teaching_forget_rate(epoch, rate, self.hp["ramp_epochs"])

    def on_epoch_start(self, run, epoch):
        if self._forget is not None:
            self._forget.fill_(self.forget(epoch))

    def losses(self, logits, batch):
        forget = self.forget(batch.epoch) if self._forget is None else self._forget
        loss_a, loss_b, kept = L.co_teaching_losses(logits[0], logits[1], batch.y, forget)
        self.count("passed_b2a", kept)
        self.count("passed_a2b", kept)
        return [loss_a, loss_b]


METHODS = {
    **{k: self_kd_method(k) for k in L.SELF_KD_TARGETS},   # "ce" is Finetune / w/o KD / Base
    "tf_reg": TfReg,
    "kd": KD,
    "self_kd": KD,
    "kd_sym": KDSym,             # Vanilla KD
    "self_dstl": SelfDstl,       # Self-DSTL
    "co_distill": CoDistill,     # CD
    "co_distill_lr": CoDistillLR,  # CD+LR
    "sync_mkd": SyncMKD,         # SyncMKD / DML
    "async_mkd": AsyncMKD,
    "kdcl": KDCL,
    "cmd": CMD,                  # CMD-S (b2=0) / CMD-P
    "co_teaching": CoTeaching,
}


def _real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _count(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0


# hp name: (test, what it allows)
HP_CHECKS = {
    "w": (lambda v: _real(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "eps": (lambda v: _real(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "beta": (lambda v: _real(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "a": (lambda v: _real(v) and 0 < v <= 1, "a number in (0, 1]"),
    "rho": (lambda v: _real(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "tau": (lambda v: _real(v) and 0 < v < math.inf, "a number > 0"),
    "eta": (lambda v: _real(v) and v > 0, "a number > 0 (inf: pass nothing)"),
    "b1": (lambda v: _real(v) and math.isfinite(v), "a finite number"),
    "b2": (lambda v: _real(v) and math.isfinite(v), "a finite number"),
    "warm_epochs": (_count, "an integer >= 0"),
    "refine_epoch": (_count, "an integer >= 0"),
    "ramp_epochs": (_count, "an integer >= 0"),
    "trees": (lambda v: _count(v) and v >= 1, "an integer >= 1"),
    "forget": (lambda v: v is None or (_real(v) and 0 <= v < 1), "None (the noise rate) or a number in [0, 1)"),
    "target": (lambda v: v in L.SELF_KD_TARGETS, f"one of {list(L.SELF_KD_TARGETS)}"),
    "target_hp": (lambda v: isinstance(v, dict), "a dict of the target method's hyper-parameters"),
    "warmup": (_count, "an integer >= 0 (epochs)"),
    "form": (lambda v: v in ("sum", "mean"), "'sum' (eq. 10) or 'mean' (the averaged target)"),
}


REAL_HP = ("w", "eps", "beta", "a", "rho", "tau", "eta", "b1", "b2", "forget")


def method_hp(name: str, hp: dict | None = None) -> dict:
    """The method's default hyper-parameters updated with `hp`; an unknown name or a value
    out of range raises ValueError naming it and what is allowed."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    unknown = set(hp or {}) - set(DEFAULTS[name])
    if unknown:
        raise ValueError(f"method {name!r} has no hyper-parameter(s) {sorted(unknown)}; "
                         f"it takes {sorted(DEFAULTS[name]) or 'none'}")
    out = {**DEFAULTS[name], **(hp or {})}
    for key, value in out.items():
        test, allowed = HP_CHECKS[key]
        if not test(value):
            raise ValueError(f"method {name!r}: hp {key}={value!r} must be {allowed}")
        if key in REAL_HP and value is not None:
            out[key] = float(value)   # papermill's -p eta 4 keys like 4.0
    if "target" in out:   # the target's own hp, checked by name, filled and normalised
        out["target_hp"] = method_hp(out["target"], out["target_hp"])
    if out.get("form") == "mean" and out["target"] == "cp":
        raise ValueError(f"method {name!r}: hp form='mean' needs a target that is a distribution, and cp's is not; "
                         f"use form='sum' or a target of {[t for t in L.SELF_KD_TARGETS if t != 'cp']}")
    return out


def build_method(name: str, hp: dict, num_classes: int, noise_rate: float = 0.0, graph_device=None) -> Method:
    """graph_device: None for the eager step, else the device of a graph-safe one (module doc)."""
    return METHODS[name](method_hp(name, hp), num_classes, noise_rate, graph_device)
