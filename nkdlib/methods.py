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

A method is one class: registered in METHODS under its `name`, it declares its
hyper-parameters in `HP` (name -> Real, Count, Choice, Target or TargetHp: default, what it
allows, whether it is real), how many models it trains (`num_models`), whether it reads a
frozen teacher's logits (`needs_teacher`) and whether the run builds that teacher from its
own settings (`builds_teacher`). Adding a method is its class here and its loss in
nkdlib.losses. hp names: w weights the soft term, eps/beta/b1/b2/eta/rho/a/tau as in the
papers. Everything is read off the class without building one (`METHODS[name].needs_teacher`).
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

METHODS: dict[str, type["Method"]] = {}   # name -> class: every Method subclass with a name, in definition order


def _number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


class Hp:
    """A hyper-parameter: its default, what it allows (`allows(value)`, in words `allowed`)
    and whether it is `real` (an integer given for it is stored and keyed as its float:
    papermill's -p eta 4 is the run of 4.0). added: added after results/small was
    published, so left out of run keys while at its default (nkdlib.config.key_view)."""

    real = False

    def __init__(self, default, added=False):
        self.default, self.added = default, added


class Real(Hp):
    """A number in `interval`, written as in maths: "[0, 1]", "(0, inf]"; "(-inf, inf)" is any
    finite number. none: what None means, where None is allowed."""

    real = True

    def __init__(self, interval, default, none=None, added=False):
        super().__init__(default, added)
        self.interval, self.none = interval, none
        self.low, self.high = (float(x) for x in interval[1:-1].split(","))

    def allows(self, value):
        if value is None:
            return self.none is not None
        above = self.low < value if self.interval[0] == "(" else self.low <= value
        below = value < self.high if self.interval[-1] == ")" else value <= self.high
        return _number(value) and above and below

    @property
    def allowed(self):
        return f"None ({self.none}) or a number in {self.interval}" if self.none else f"a number in {self.interval}"


class Count(Hp):
    """An integer >= least (epochs, trees)."""

    def __init__(self, default, least=0, added=False):
        super().__init__(default, added)
        self.least = least

    def allows(self, value):
        return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= self.least

    @property
    def allowed(self):
        return f"an integer >= {self.least}"


class Choice(Hp):
    """One of `options`."""

    def __init__(self, options, default, added=False):
        super().__init__(default, added)
        self.options = options

    def allows(self, value):
        return value in self.options

    @property
    def allowed(self):
        return f"one of {list(self.options)}"


class Target(Hp):
    """The name of the self-KD method (a SelfTarget) whose refined label each model of a
    Mutual method trains on; that method's own hyper-parameters are the TargetHp beside it."""

    def allows(self, value):
        return value in self_kd_targets()

    @property
    def allowed(self):
        return f"one of {self_kd_targets()}"


class TargetHp(Hp):
    """The hyper-parameters of the Target beside it: a dict, filled and checked as that method's (Mutual)."""

    allowed = "a dict of the target method's hyper-parameters"

    def __init__(self):
        super().__init__({})

    def allows(self, value):
        return isinstance(value, dict)


def self_kd_targets() -> list[str]:
    """The names of the self-KD methods (CMD Table 2): the targets a Mutual method takes."""
    return [name for name, cls in METHODS.items() if issubclass(cls, SelfTarget)]


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
    """Base: one model trained on its own loss. A subclass with a `name` is a method (METHODS)."""

    name = None             # the config's method name
    HP = {}                 # hp name -> Hp: its default and what it allows
    num_models = 1
    needs_teacher = False   # reads cached logits of a frozen teacher run (Batch.teacher)
    builds_teacher = False  # that teacher is the ce run of its own settings (nkdlib.config.make_config)
    main = 0                # index of the model whose numbers are "the" result

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" in vars(cls):
            if cls.name in METHODS:
                raise ValueError(f"method name {cls.name!r} is taken by {METHODS[cls.name].__name__}")
            METHODS[cls.name] = cls

    @classmethod
    def checked_hp(cls, hp: dict) -> dict:
        """The defaults updated with hp, every value checked (ValueError naming it and what is
        allowed) and the real ones as floats."""
        unknown = set(hp) - set(cls.HP)
        if unknown:
            raise ValueError(f"method {cls.name!r} has no hyper-parameter(s) {sorted(unknown)}; "
                             f"it takes {sorted(cls.HP) or 'none'}")
        out = {**{k: spec.default for k, spec in cls.HP.items()}, **hp}
        for key, value in out.items():
            spec = cls.HP[key]
            if not spec.allows(value):
                raise ValueError(f"method {cls.name!r}: hp {key}={value!r} must be {spec.allowed}")
            if spec.real and value is not None:
                out[key] = float(value)
        return out

    @classmethod
    def key_hp(cls, hp: dict) -> dict:
        """What of checked hp names a run (nkdlib.config.key_view): an hp added after
        publication left out while at its default, an integer given for a real one as its
        float (a value set on the dict after make_config)."""
        return {k: float(v) if cls.HP[k].real and isinstance(v, numbers.Integral) and not isinstance(v, bool) else v
                for k, v in hp.items() if not (cls.HP[k].added and v == cls.HP[k].default)}

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


# ---------------------------------------------------------------- self-KD (CMD Table 2)

class SelfTarget(Method):
    """Base of the self-KD methods: one model trained on H(q̃, p), q̃ its refined label
    (`target`). A Mutual method builds one for its cohort (models = 2) and asks it for each
    model's q̃ and own loss."""

    distribution = True   # q̃ sums to 1 (CMD's averaged form needs it)

    def __init__(self, hp, num_classes, noise_rate=0.0, graph_device=None, models=1):
        super().__init__(hp, num_classes, noise_rate, graph_device)
        self.models = models   # how many models it gives targets to

    def target(self, k, logits, batch):
        """Model k's refined label q̃ on this batch: (B, C), detached."""
        raise NotImplementedError

    def loss(self, logits, target, batch):
        """A model's own loss on its q̃: H(q̃, p)."""
        return L.soft_cross_entropy(logits, target)

    def losses(self, logits, batch):
        return [self.loss(logits[0], self.target(0, logits[0], batch), batch)]


class CE(SelfTarget):
    """Finetune / w/o KD / Base: q̃ = q (CMD Table 2's CE), trained as a soft cross-entropy."""

    name = "ce"

    def target(self, k, logits, batch):
        return L.one_hot(batch.y, logits.shape[-1]).to(logits.dtype)


class LS(SelfTarget):
    """Label smoothing: q̃ = (1 − w) q + w u (label-reg eq. 3; CMD Table 2)."""

    name = "ls"
    HP = {"w": Real("[0, 1]", 0.1)}   # label-reg Table 10

    def target(self, k, logits, batch):
        return L.ls_target(batch.y, logits.shape[-1], self.hp["w"]).to(logits.dtype)


class CP(SelfTarget):
    """Confidence penalty: H(q, p) − β·H(p) (Pereyra et al.); its q̃ (CMD Table 2) is what a
    Mutual method's peer learns from."""

    name = "cp"
    HP = {"beta": Real("[0, 1]", 0.5)}
    distribution = False

    def target(self, k, logits, batch):
        return L.cp_target(logits, batch.y, self.hp["beta"])

    def loss(self, logits, target, batch):
        return L.cp(logits, batch.y, self.hp["beta"])


class BootSoft(SelfTarget):
    """Boot-soft: q̃ = (1 − ε) q + ε sg(p), a fixed ε (Reed et al. 2015; CMD Table 2)."""

    name = "boot_soft"
    HP = {"eps": Real("[0, 1]", 0.05)}   # Reed et al.: β = 0.95 on the label

    def target(self, k, logits, batch):
        return L.boot_soft_target(logits, batch.y, self.hp["eps"])


class ProSelfLC(SelfTarget):
    """ProSelfLC: q̃ = (1 − ε) q + ε sg(p), ε per sample from the training progress t/Γ (CMD eq. 5)."""

    name = "proselflc"
    HP = {"b1": Real("(-inf, inf)", 6.0)}

    def target(self, k, logits, batch):
        return L.proselflc_target(logits, batch.y, batch.progress, self.hp["b1"])


class Mconf(SelfTarget):
    """Mconf: q̃ = (1 − ε) q + ε sg(p), ε per sample from model k's confidence r (CMD eq.
    6-7). Keeps each model's r from its latest full pass over the training set (0 before
    the first pass): a float, and with graph_device also a device tensor. The pass's
    entropy sums accumulate on the device in float64, as the float sum of per-batch sums
    they were before (no host sync per step)."""

    name = "mconf"
    HP = {"b1": Real("(-inf, inf)", 6.0), "rho": Real("[0, 1]", 0.5)}   # CMD §3.2: rho = 0.5

    def __init__(self, hp, num_classes, noise_rate=0.0, graph_device=None, models=1):
        super().__init__(hp, num_classes, noise_rate, graph_device, models)
        self.r = [0.0] * models
        self._r = None if graph_device is None else torch.zeros(models, dtype=torch.float64, device=graph_device)
        self._entropy = self._seen = None   # (models,) float64 / int64 on the training device, from the first batch

    def target(self, k, logits, batch):
        if self._entropy is None:   # every pass over a batch adds to model k's r of the next epoch
            self._entropy = torch.zeros(self.models, dtype=torch.float64, device=logits.device)
            self._seen = torch.zeros(self.models, dtype=torch.long, device=logits.device)
        self._entropy[k] += L.entropy(F.softmax(logits.detach().float(), -1)).sum().double()
        self._seen[k] += len(batch.y)
        r = self.r[k] if self._r is None else self._r[k]
        return L.mconf_target(logits, batch.y, r, self.hp["b1"], self.hp["rho"])

    def on_epoch_end(self, epoch):
        if self._entropy is not None:
            self.r = [L.mconf_confidence(e, n, self.num_classes) if n else r
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


# ---------------------------------------------------------------- teacher-free and teacher -> student

class TfReg(Method):
    """Teacher-free regularisation (label-reg eq. 4-5; Yuan et al. with T != 1)."""

    name = "tf_reg"
    HP = {"w": Real("[0, 1]", 0.5), "a": Real("(0, 1]", 0.95), "tau": Real("(0, inf)", 1.0)}   # label-reg Tables 10-13

    def losses(self, logits, batch):
        return [L.tf_reg(logits[0], batch.y, self.hp["w"], self.hp["a"], self.hp["tau"])]


class KD(Method):
    """KD (label-reg eq. 1): a frozen teacher's softened predictions beside the label."""

    name = "kd"
    HP = {"w": Real("[0, 1]", 0.5), "tau": Real("(0, inf)", 1.0)}   # label-reg Table 10
    needs_teacher = True

    def losses(self, logits, batch):
        return [L.kd(logits[0], batch.y, batch.teacher, self.hp["w"], self.hp["tau"])]


class SelfKD(KD):
    """Self-KD (label-reg eq. 6): KD whose teacher is a ce-trained copy of the student, the
    Finetune run of the same settings, which the run builds."""

    name = "self_kd"
    builds_teacher = True


class KDSym(Method):
    """Vanilla KD of the noisy-KD paper (eq. 1): symmetric KL to a frozen teacher."""

    name = "kd_sym"
    HP = {"w": Real("[0, 1]", 0.5)}   # noisy-KD: tuned per task
    needs_teacher = True

    def losses(self, logits, batch):
        return [L.kd_sym(logits[0], batch.y, batch.teacher, self.hp["w"])]


class SelfDstl(Method):
    """Self-DSTL, self-distillation (Dong et al.; noisy-KD §4.2): hard labels for
    `warm_epochs`, then the best checkpoint's logits on the training data become a soft
    target beside the hard label: (1−w)H(q,p) + w·KL(p_best ‖ p)."""

    name = "self_dstl"
    HP = {"w": Real("[0, 1]", 0.5), "warm_epochs": Count(1)}

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


# ---------------------------------------------------------------- cohorts of two

class CoDistill(Method):
    """Co-Distill, CD (noisy-KD §3.1): model 0 = teacher, model 1 = student, trained together.
    Student: (1−w)H(q,p_s) + w·symKL(p_t, p_s). Teacher: H(q,p_t) in the first epoch,
    then the same form toward the student."""

    name = "co_distill"
    HP = {"w": Real("[0, 1]", 0.5)}
    num_models, main = 2, 1

    def phase(self, epoch, step):
        return epoch == 0

    def losses(self, logits, batch):
        t, s = logits
        w = self.hp["w"]
        teacher_loss = L.ce(t, batch.y) if batch.epoch == 0 else L.kd_sym(t, batch.y, s, w)
        return [teacher_loss, L.kd_sym(s, batch.y, t, w)]


class CoDistillLR(CoDistill):
    """CD+LR, CD with label refinement (noisy-KD §3.2). After `refine_epoch` epochs of CD,
    per-sample CE of teacher and student on the valid split (whose noise mask is known)
    train a random forest that predicts "noisy"; flagged training samples get the teacher's
    argmax label."""

    name = "co_distill_lr"
    HP = {**CoDistill.HP, "refine_epoch": Count(2), "trees": Count(100, least=1)}   # noisy-KD §3.2: 2 epochs

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


class Mutual(Method):
    """Base of two models that each train on a self-KD method's refined label q̃ (hp target,
    that method's own hp in target_hp) plus what passes from the peer. `own`, that method
    built for the cohort, gives each model its q̃ and own loss and keeps what it carries
    from epoch to epoch (Mconf's r)."""

    num_models = 2

    @classmethod
    def checked_hp(cls, hp):
        out = super().checked_hp(hp)
        return {**out, "target_hp": method_hp(out["target"], out["target_hp"])}

    @classmethod
    def key_hp(cls, hp):
        out = super().key_hp(hp)
        return {**out, "target_hp": METHODS[hp["target"]].key_hp(hp["target_hp"])}

    def __init__(self, hp, num_classes, noise_rate=0.0, graph_device=None):
        super().__init__(hp, num_classes, noise_rate, graph_device)
        target = hp["target"]   # each model's q̃ and own loss: the target method's, for a cohort of num_models
        self.own = METHODS[target](method_hp(target, hp["target_hp"]), num_classes, noise_rate, graph_device,
                                   models=self.num_models)

    def on_epoch_end(self, epoch):
        self.own.on_epoch_end(epoch)

    def state_dict(self):
        return self.own.state_dict()

    def load_state_dict(self, state):
        self.own.load_state_dict(state)


class SyncMKD(Mutual):
    """SyncMKD / DML (CMD eq. 3): each model (1−ε)H(q̃_k, p_k) + ε·KL(p_j ‖ p_k)."""

    name = "sync_mkd"
    HP = {"eps": Real("[0, 1]", 0.5), "target": Target("ce"), "target_hp": TargetHp()}

    def losses(self, logits, batch):
        return [L.mkd(z, self.own.target(k, z, batch), logits[1 - k], self.hp["eps"]) for k, z in enumerate(logits)]


class AsyncMKD(SyncMKD):
    """AsyncMKD (CMD eq. 2): SyncMKD's losses, but iteration t updates only model A when
    t is odd and only model B when t is even (t from 1)."""

    name = "async_mkd"

    def phase(self, epoch, step):
        return step % 2

    def losses(self, logits, batch):
        out = super().losses(logits, batch)
        out[batch.step % 2] = None
        return out


class KDCL(Method):
    """KDCL (CMD §2.2): every model distils from the ensemble of all (mean logits)."""

    name = "kdcl"
    HP = {"w": Real("[0, 1]", 0.5)}
    num_models = 2

    def losses(self, logits, batch):
        ensemble = L.kdcl_target(logits)
        return [L.kdcl(z, batch.y, ensemble, self.hp["w"]) for z in logits]


class CMD(Mutual):
    """Confident mutual distillation (CMD eq. 8-12, appendix C): CMD-S (b2 = 0) and CMD-P.
    L_A = H(q̃_A, p_A) + Σ_{i: H(p_B,i) < χ} H(q̃_B,i, p_A,i) / B, symmetric for B, with
    q̃ from a self-KD method and χ = H(u)/η · 2h(t/Γ − 0.5, b2) (η = inf: pass nothing).
    Nothing passes in the first `warmup` epochs (ours: the paper states none); form "sum"
    is eq. 10 as written, "mean" the (q̃_A + q̃_B)/2 target of losses.cmd_mean_losses. Logs
    per epoch χ and quantiles of each model's per-sample training entropy H(p) (what χ is
    compared with)."""

    name = "cmd"
    HP = {"target": Target("proselflc"), "target_hp": TargetHp(), "eta": Real("(0, inf]", 2.0),
          "b2": Real("(-inf, inf)", -6.0), "warmup": Count(0, added=True), "form": Choice(("sum", "mean"), "sum", added=True)}
    QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)

    @classmethod
    def checked_hp(cls, hp):
        out = super().checked_hp(hp)
        if out["form"] == "mean" and not METHODS[out["target"]].distribution:
            raise ValueError(f"method {cls.name!r}: hp form='mean' needs a target that is a distribution, and "
                             f"{out['target']}'s is not; use form='sum' or a target of "
                             f"{[t for t in self_kd_targets() if METHODS[t].distribution]}")
        return out

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
        targets = [self.own.target(k, z, batch) for k, z in enumerate(logits)]
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
        return [self.own.loss(logits[0], targets[0], batch) + b2a,
                self.own.loss(logits[1], targets[1], batch) + a2b]

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

    name = "co_teaching"
    HP = {"forget": Real("[0, 1)", None, none="the noise rate"), "ramp_epochs": Count(10)}
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


def method_hp(name: str, hp: dict | None = None) -> dict:
    """The method's default hyper-parameters updated with `hp`; an unknown name or a value
    out of range raises ValueError naming it and what is allowed."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name].checked_hp(hp or {})


def build_method(name: str, hp: dict, num_classes: int, noise_rate: float = 0.0, graph_device=None) -> Method:
    """graph_device: None for the eager step, else the device of a graph-safe one (module doc)."""
    return METHODS[name](method_hp(name, hp), num_classes, noise_rate, graph_device)
