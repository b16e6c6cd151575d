"""Methods: each turns a cohort's logits on one batch into one loss per model.

The trainer (nkdlib.train) calls, for every batch,

    losses = method.losses(logits, batch)      # logits: list of (B, C), one per model

and steps model k's optimiser on losses[k] (None = model k does not step this batch).
Peer and teacher targets are detached inside nkdlib.losses, so a model's loss only
reaches that model's parameters. `batch` carries y (B,) labels, idx (B,) row indices
into the train split, progress t/Γ in [0, 1], epoch, step and teacher (B, C) logits.

Hyper-parameter names (`hp`): w weights the soft term, eps/beta/b1/b2/eta/rho/a/tau as
in the papers; see DEFAULTS. Paper name -> method name is in METHODS.
"""
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
    "boot_soft": {"eps": 0.5},
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
    "cmd": {"target": "proselflc", "target_hp": {}, "eta": 2.0, "b2": -6.0},  # CMD-P; b2=0 -> CMD-S
    "co_teaching": {"forget": None, "ramp_epochs": 10},  # forget None -> the noise rate
}


class Method:
    """Base: one model trained on its own loss. Subclasses set num_models etc."""

    num_models = 1
    needs_teacher = False   # kd, kd_sym: cached logits of a frozen teacher run
    main = 0                # index of the model whose numbers are "the" result

    def __init__(self, hp: dict, num_classes: int, noise_rate: float = 0.0):
        self.hp, self.num_classes, self.noise_rate = hp, num_classes, noise_rate
        self.counts = {}

    def count(self, name, value):
        self.counts[name] = self.counts.get(name, 0) + int(value)

    def on_epoch_start(self, trainer, epoch):
        """Hook before an epoch's first batch (label refinement, self-distillation)."""

    def on_epoch_end(self, trainer, epoch):
        """Hook after an epoch's last batch."""

    def epoch_stats(self) -> dict:
        """Extra history columns for the epoch just finished; resets the counters."""
        stats, self.counts = self.counts, {}
        return stats

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict):
        pass


class SelfTarget(Method):
    """ce, ls, cp, boot_soft, proselflc, mconf: H(q̃, p) with q̃ a self-KD refined label
    (CMD Table 2); cp is H(q,p) − β·H(p). Keeps Mconf's r per model (CMD eq. 6: from
    the latest full pass over the training set; 0 before the first pass)."""

    def __init__(self, kind, hp, num_classes, noise_rate=0.0, num_models=1, target_hp=None):
        super().__init__(hp, num_classes, noise_rate)
        self.kind, self.num_models = kind, num_models
        # the self-KD method's own hyper-parameters (w, eps, beta, b1, rho)
        self.target_hp = method_hp(kind, target_hp) if target_hp is not None else hp
        self.r = [0.0] * num_models
        self._entropy = [0.0] * num_models
        self._seen = 0

    def target(self, k, logits, batch):
        return L.self_target(self.kind, logits, batch.y, progress=batch.progress, r=self.r[k], **self.target_hp)

    def self_loss(self, k, logits, target, batch):
        if self.kind == "mconf":
            self._entropy[k] += L.entropy(F.softmax(logits.detach().float(), -1)).sum().item()
        if self.kind == "cp":
            return L.cp(logits, batch.y, self.target_hp["beta"])
        return L.soft_cross_entropy(logits, target)

    def losses(self, logits, batch):
        self._seen += len(batch.y)
        return [self.self_loss(k, z, self.target(k, z, batch), batch) for k, z in enumerate(logits)]

    def on_epoch_end(self, trainer, epoch):
        if self.kind == "mconf" and self._seen:
            # r = 1 − ΣH(p_i) / (n·H(u)) over this epoch's pass
            self.r = [1 - e / (self._seen * np.log(self.num_classes)) for e in self._entropy]
        self._entropy, self._seen = [0.0] * self.num_models, 0

    def state_dict(self):
        return {"r": self.r}

    def load_state_dict(self, state):
        self.r = state["r"]


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

    def __init__(self, hp, num_classes, noise_rate=0.0):
        super().__init__(hp, num_classes, noise_rate)
        self.soft = None   # (N_train, C) logits of the best warm-up checkpoint

    def on_epoch_start(self, trainer, epoch):
        if epoch == self.hp["warm_epochs"] and self.soft is None:
            self.soft = trainer.predict(0, "train", best=True)

    def losses(self, logits, batch):
        if self.soft is None:
            return [L.ce(logits[0], batch.y)]
        return [L.kd(logits[0], batch.y, self.soft[batch.idx], self.hp["w"], 1.0)]

    def state_dict(self):
        return {"soft": self.soft}

    def load_state_dict(self, state):
        self.soft = state["soft"]


class CoDistill(Method):
    """Co-Distill (noisy-KD §3.1): model 0 = teacher, model 1 = student, trained together.
    Student: (1−w)H(q,p_s) + w·symKL(p_t, p_s). Teacher: H(q,p_t) in the first epoch,
    then the same form toward the student."""

    num_models, main = 2, 1

    def losses(self, logits, batch):
        t, s = logits
        w = self.hp["w"]
        teacher_loss = L.ce(t, batch.y) if batch.epoch == 0 else L.kd_sym(t, batch.y, s, w)
        return [teacher_loss, L.kd_sym(s, batch.y, t, w)]


class CoDistillLR(CoDistill):
    """CD + label refinement (noisy-KD §3.2). After `refine_epoch` epochs of CD, per-sample
    CE of teacher and student on the valid split (whose noise mask is known) train a random
    forest that predicts "noisy"; flagged training samples get the teacher's argmax label."""

    def __init__(self, hp, num_classes, noise_rate=0.0):
        super().__init__(hp, num_classes, noise_rate)
        self.refined = False

    def on_epoch_start(self, trainer, epoch):
        if epoch != self.hp["refine_epoch"] or self.refined:
            return
        def features(split, labels):
            y = torch.as_tensor(labels)
            return torch.stack([F.cross_entropy(trainer.predict(k, split), y, reduction="none")
                                for k in (0, 1)], 1).numpy()
        valid = trainer.task.valid
        forest = RandomForestClassifier(self.hp["trees"], random_state=trainer.config["seed"])
        forest.fit(features("valid", valid.y), valid.noisy)
        labels = trainer.labels.cpu()
        flagged = torch.as_tensor(forest.predict(features("train", labels)).astype(bool))
        teacher_argmax = trainer.predict(0, "train").argmax(1)
        new = torch.where(flagged, teacher_argmax, labels)
        trainer.labels = new.to(trainer.labels.device)
        truth = torch.as_tensor(trainer.task.train.noisy)
        hits = (flagged & truth).sum().item()
        self.counts.update(lr_flagged=int(flagged.sum()), lr_changed=int((new != labels).sum()),
                           lr_precision=hits / max(int(flagged.sum()), 1),
                           lr_recall=hits / max(int(truth.sum()), 1))
        self.refined = True

    def state_dict(self):
        return {"refined": self.refined}

    def load_state_dict(self, state):
        self.refined = state["refined"]


class MKD(SelfTarget):
    """SyncMKD (CMD eq. 3, DML) and AsyncMKD (CMD eq. 2): each model
    (1−ε)H(q̃_k, p_k) + ε·KL(p_j ‖ p_k); async updates one model per iteration."""

    def __init__(self, hp, num_classes, noise_rate=0.0, asynchronous=False):
        super().__init__(hp["target"], hp, num_classes, noise_rate, 2, hp["target_hp"])
        self.asynchronous = asynchronous

    def losses(self, logits, batch):
        self._seen += len(batch.y)
        out = [L.mkd(z, self.target(k, z, batch), logits[1 - k], self.hp["eps"]) for k, z in enumerate(logits)]
        if self.asynchronous:
            out[batch.step % 2] = None   # t%2 = 1 trains A, t%2 = 0 trains B (eq. 2, t from 1)
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
    q̃ from a self-KD method and χ = H(u)/η · 2h(t/Γ − 0.5, b2)."""

    def __init__(self, hp, num_classes, noise_rate=0.0):
        super().__init__(hp["target"], hp, num_classes, noise_rate, 2, hp["target_hp"])

    def losses(self, logits, batch):
        self._seen += len(batch.y)
        chi = L.cmd_threshold(self.num_classes, self.hp["eta"], batch.progress, self.hp["b2"])
        targets = [self.target(k, z, batch) for k, z in enumerate(logits)]
        probs = [F.softmax(z.float(), -1) for z in logits]
        b2a, a2b = L.cmd_losses(targets[0], targets[1], probs[0], probs[1], chi)
        n_b2a, n_a2b = L.cmd_selected(probs[0], probs[1], chi)
        self.count("passed_b2a", n_b2a)
        self.count("passed_a2b", n_a2b)
        return [self.self_loss(0, logits[0], targets[0], batch) + b2a,
                self.self_loss(1, logits[1], targets[1], batch) + a2b]


class CoTeaching(Method):
    """Co-teaching (Han et al. 2018; CMD Table 4 baseline): each model keeps its
    (1 − forget) smallest-loss samples and its peer trains on them."""

    num_models = 2

    def losses(self, logits, batch):
        rate = self.hp["forget"] if self.hp["forget"] is not None else self.noise_rate
        forget = L.co_teaching_forget_rate(batch.epoch, rate, self.hp["ramp_epochs"])
        kept = len(batch.y) - round(forget * len(batch.y))
        self.count("passed_b2a", kept)
        self.count("passed_a2b", kept)
        return list(L.co_teaching_losses(logits[0], logits[1], batch.y, forget))


METHODS = {
    "ce": lambda hp, c, r: SelfTarget("ce", hp, c, r),             # Finetune / w/o KD / Base
    "ls": lambda hp, c, r: SelfTarget("ls", hp, c, r),
    "cp": lambda hp, c, r: SelfTarget("cp", hp, c, r),
    "boot_soft": lambda hp, c, r: SelfTarget("boot_soft", hp, c, r),
    "proselflc": lambda hp, c, r: SelfTarget("proselflc", hp, c, r),
    "mconf": lambda hp, c, r: SelfTarget("mconf", hp, c, r),
    "tf_reg": TfReg,
    "kd": KD,
    "self_kd": KD,
    "kd_sym": KDSym,                                                # Vanilla KD
    "self_dstl": SelfDstl,                                          # Self-DSTL
    "co_distill": CoDistill,                                        # CD
    "co_distill_lr": CoDistillLR,                                   # CD+LR
    "sync_mkd": MKD,                                                # SyncMKD / DML
    "async_mkd": lambda hp, c, r: MKD(hp, c, r, asynchronous=True),
    "kdcl": KDCL,
    "cmd": CMD,                                                     # CMD-S (b2=0) / CMD-P
    "co_teaching": CoTeaching,
}


def method_hp(name: str, hp: dict | None = None) -> dict:
    """The method's default hyper-parameters updated with `hp`; unknown names raise."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    unknown = set(hp or {}) - set(DEFAULTS[name])
    if unknown:
        raise ValueError(f"method {name!r} has no hyper-parameter(s) {sorted(unknown)}; "
                         f"it takes {sorted(DEFAULTS[name]) or 'none'}")
    return {**DEFAULTS[name], **(hp or {})}


def build_method(name: str, hp: dict, num_classes: int, noise_rate: float = 0.0) -> Method:
    return METHODS[name](method_hp(name, hp), num_classes, noise_rate)
