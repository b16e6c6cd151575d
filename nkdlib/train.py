"""The one training loop: a cohort of 1..K models on the same batches, any method.

    cfg = make_config(task="sst2", method="kd", models=["minilm-l3"], teacher=teacher_cfg)
    metrics = run(cfg, "runs/")        # trains, or resumes, or reuses a finished run

A config is a plain dict (DEFAULTS below, one line each); its hash names the run's
directory (nkdlib.runs). Settings that do not change the numbers (data folder, device,
progress bars, compile) are arguments of `run`, not config entries.
"""
import copy
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .data import load_task
from .inputs import make_inputs
from .methods import build_method, method_hp
from .metrics import score
from .models import build_model
from .runs import RunDir, gather

DEFAULTS = dict(
    task="digits",          # nkdlib.data task name
    noise="symmetric",      # label-noise kind: symmetric | pairflip
    noise_rate=0.0,         # fraction of train and valid labels corrupted
    seed=0,                 # seeds the split, noise, initialisation and batch order
    max_train=None,         # stratified subset of the official train split (None = all)
    max_test=None,          # stratified subset of the evaluation split (None = all)
    classes=None,           # keep only these classes, relabelled 0..k-1
    max_length=128,         # text: tokens per example
    metric=None,            # accuracy | mcc | f1 (None = the task's own)
    method="ce",            # nkdlib.methods.METHODS
    hp={},                  # method hyper-parameters over nkdlib.methods.DEFAULTS
    models=["mlp"],         # cohort; a single name is repeated when the method needs two
    pretrained=True,        # text/vision: start from pretrained weights where the name has them
    width=1.0,              # vision/mlp width multiplier (smoke runs use < 1)
    init_from=None,         # config of a finished run (save_model) whose weights initialise the backbone
    teacher=None,           # config of the frozen teacher run (kd, kd_sym); self_kd builds its own
    optimizer="adamw",      # adamw | sgd
    lr=2e-5,                # peak learning rate
    weight_decay=0.01,
    momentum=0.9,           # sgd only
    batch_size=32,
    epochs=3,
    schedule="linear",      # linear (warm-up then decay to 0, per step) | step (×gamma at milestones, per epoch) | constant
    warmup=0.1,             # linear: fraction of steps warming up
    milestones=[],          # step: epochs at which the lr is multiplied by gamma
    gamma=0.1,
    clip=1.0,               # max gradient norm (0 = off)
    augment=True,           # images: pad-4 crop + flip
    select="valid",         # model selection: valid (best noisy-valid metric) | last (final epoch)
    eval_steps=0,           # > 0: also log the main model's test loss every this many steps (noisy-KD Fig. 2)
    save_model=False,       # keep the selected weights of model 0 (for init_from)
)

# The papers' optimisation recipes (CMD appendix A.2; label-reg Tables 10-13; noisy-KD §4).
RECIPES = {
    "label_reg_glue": dict(optimizer="adamw", lr=2e-5, batch_size=32, epochs=30, schedule="linear", warmup=0.1),
    "label_reg_fewrel": dict(optimizer="adamw", lr=1.5e-5, batch_size=32, epochs=30, schedule="linear", warmup=0.1),
    "noisy_kd_glue": dict(optimizer="adamw", lr=2e-5, batch_size=32, epochs=10, schedule="linear", warmup=0.1),
    "cmd_resnet34": dict(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4, batch_size=128,
                         epochs=100, schedule="step", milestones=[50, 80], gamma=0.1, select="last"),
    "cmd_resnet18": dict(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4, batch_size=128,
                         epochs=200, schedule="step", milestones=[60, 120, 160], gamma=0.2, select="last"),
}
_DATA_KEYS = ("task", "noise", "noise_rate", "seed", "max_train", "max_test", "classes", "max_length")


def make_config(recipe: str | None = None, **overrides) -> dict:
    """DEFAULTS, then a named RECIPES entry, then `overrides`; validates names."""
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown config key(s) {sorted(unknown)}; known: {', '.join(DEFAULTS)}")
    if recipe is not None and recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; known: {', '.join(RECIPES)}")
    cfg = {**copy.deepcopy(DEFAULTS), **RECIPES.get(recipe, {}), **overrides}
    cfg["hp"] = method_hp(cfg["method"], cfg["hp"])
    if cfg["method"] == "self_kd" and cfg["teacher"] is None:
        # label-reg eq. 6: the teacher is the student architecture fine-tuned with ce
        cfg["teacher"] = teacher_config(cfg, cfg["models"], **_optim_keys(cfg))
    if isinstance(cfg["models"], str):
        cfg["models"] = [cfg["models"]]
    if not 0 <= cfg["noise_rate"] < 1:
        raise ValueError(f"noise_rate must be in [0, 1), got {cfg['noise_rate']}")
    return cfg


def teacher_config(cfg: dict, models, **overrides) -> dict:
    """A `ce` run on exactly cfg's data (same task, noise, seed, subsets): a teacher."""
    return make_config(**{**{k: cfg[k] for k in _DATA_KEYS}, "models": models, "method": "ce", **overrides})


@dataclass
class Batch:
    """What a method sees of one batch."""
    y: torch.Tensor          # (B,) current training labels
    idx: torch.Tensor        # (B,) row indices into the train split
    progress: float          # t/Γ, epochs done / total epochs, in [0, 1]
    epoch: int
    step: int                # global optimiser step, from 1
    teacher: torch.Tensor | None   # (B, C) frozen-teacher logits


_TASKS = {}


def _task(cfg, data_dir):
    key = tuple(str(cfg[k]) for k in _DATA_KEYS) + (str(data_dir),)
    if key not in _TASKS:
        _TASKS[key] = load_task(cfg["task"], data_dir, seed=cfg["seed"], noise=cfg["noise"],
                                noise_rate=cfg["noise_rate"], max_train=cfg["max_train"],
                                max_test=cfg["max_test"], classes=cfg["classes"])
    return _TASKS[key]


class Trainer:
    """State of one run: models, optimisers, schedules, labels, method; see `fit`."""

    def __init__(self, cfg, task, device, quiet=False, compile=False, teacher_logits=None,
                 teacher_model=None):
        self.config, self.task, self.device, self.quiet = cfg, task, torch.device(device), quiet
        self.metric = cfg["metric"] or task.metric
        self.method = build_method(cfg["method"], cfg["hp"], task.num_classes, cfg["noise_rate"])
        names = cfg["models"] * self.method.num_models if len(cfg["models"]) == 1 else cfg["models"]
        if len(names) != self.method.num_models:
            raise ValueError(f"method {cfg['method']!r} trains {self.method.num_models} model(s), "
                             f"config names {len(names)}: {names}")
        self.models = []
        for k, name in enumerate(names):
            torch.manual_seed(cfg["seed"] * 100 + k)   # model k's initialisation
            model = build_model(name, task.num_classes, pretrained=cfg["pretrained"], width=cfg["width"],
                                in_dim=_in_dim(task))
            self.models.append(model.to(self.device))
        shared = {}   # models of one kind and tokenizer share their inputs
        self.inputs = {split: [self._inputs(m, split, shared) for m in self.models] for split in ("train", "valid", "test")}
        self.forward = [torch.compile(m) if compile else m for m in self.models]
        self.steps_per_epoch = math.ceil(len(task.train) / cfg["batch_size"])
        self.optimizers = [_optimizer(m, cfg) for m in self.models]
        self.schedules = [_schedule(o, cfg, self.steps_per_epoch) for o in self.optimizers]
        self.labels = torch.as_tensor(task.train.y, device=self.device)
        self.teacher_logits = None if teacher_logits is None else torch.as_tensor(teacher_logits, device=self.device)
        self.teacher_model = teacher_model
        if teacher_model is not None:
            self.teacher_inputs = make_inputs(task.train.x, teacher_model, self.device, max_length=cfg["max_length"],
                                              augment=False)
        self.epoch, self.step, self.history, self.steps_log = 0, 0, [], []
        self.best = [None] * len(self.models)   # (valid metric, epoch, state dict on CPU)

    def _inputs(self, model, split, shared):
        key = (split, model.kind, getattr(model, "tokenizer_name", None))
        if key not in shared:
            shared[key] = make_inputs(getattr(self.task, split).x, model, self.device, max_length=self.config["max_length"],
                                      augment=self.config["augment"] and split == "train", stats_from=self.task.train.x)
        return shared[key]

    # --- evaluation -------------------------------------------------------------------
    @torch.no_grad()
    def predict(self, k, split, best=False) -> torch.Tensor:
        """(N, C) float logits of model k (its best-so-far weights if `best`) on a split, on CPU."""
        model = self.models[k]
        if best and self.best[k] is not None:
            current = {n: t.detach().clone() for n, t in model.state_dict().items()}
            model.load_state_dict(self.best[k][2])
        model.eval()
        inputs, bs, out = self.inputs[split][k], 2 * self.config["batch_size"], []
        for start in range(0, len(inputs), bs):
            idx = torch.arange(start, min(start + bs, len(inputs)))
            with self._autocast():
                out.append(self.forward[k](inputs.batch(idx)).float().cpu())
        model.train()
        if best and self.best[k] is not None:
            model.load_state_dict(current)
        return torch.cat(out)

    def evaluate(self) -> dict:
        """Loss and metric of every model on valid (noisy labels) and test (clean), plus the
        ensemble (mean probability) on test."""
        row = {}
        for split in ("valid", "test"):
            y = torch.as_tensor(getattr(self.task, split).y)
            probs = []
            for k in range(len(self.models)):
                logits = self.predict(k, split)
                row[f"{split}_loss_{k}"] = F.cross_entropy(logits, y).item()
                row[f"{split}_metric_{k}"] = score(self.metric, y.numpy(), logits.argmax(1).numpy())
                probs.append(logits.softmax(1))
            if len(probs) > 1:
                row[f"{split}_metric_ens"] = score(self.metric, y.numpy(),
                                                   torch.stack(probs).mean(0).argmax(1).numpy())
        return row

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda")

    # --- training ---------------------------------------------------------------------
    def train_epoch(self):
        cfg, epoch = self.config, self.epoch
        torch.manual_seed(cfg["seed"] * 1000 + epoch)   # dropout and augmentation: resumable
        order = torch.randperm(len(self.task.train))
        self.method.on_epoch_start(self, epoch)
        totals = [0.0] * len(self.models)
        bar = tqdm(range(self.steps_per_epoch), desc=f"epoch {epoch + 1}", leave=False, disable=self.quiet)
        for b in bar:
            idx = order[b * cfg["batch_size"]:(b + 1) * cfg["batch_size"]]
            self.step += 1
            with self._autocast():
                logits = [f(inp.batch(idx, train=True)).float() for f, inp in zip(self.forward, self.inputs["train"])]
            batch = Batch(y=self.labels[idx.to(self.device)], idx=idx.to(self.device), progress=epoch / cfg["epochs"],
                          epoch=epoch, step=self.step, teacher=self._teacher(idx))
            losses = self.method.losses(logits, batch)
            # each loss reaches only its own model (peer targets are detached), so one
            # backward over the sum gives every model exactly its own gradient
            sum(l for l in losses if l is not None).backward()
            for k, loss in enumerate(losses):
                if loss is None:
                    self.optimizers[k].zero_grad(set_to_none=True)
                    continue
                if cfg["clip"]:
                    torch.nn.utils.clip_grad_norm_(self.models[k].parameters(), cfg["clip"])
                self.optimizers[k].step()
                self.optimizers[k].zero_grad(set_to_none=True)
                if cfg["schedule"] == "linear":
                    self.schedules[k].step()
                totals[k] += loss.item()
            if cfg["eval_steps"] and self.step % cfg["eval_steps"] == 0:
                k, y = self.method.main, torch.as_tensor(self.task.test.y)
                self.steps_log.append({"step": self.step, "epoch": epoch,
                                       "test_loss": F.cross_entropy(self.predict(k, "test"), y).item()})
            bar.set_postfix(loss=f"{losses[self.method.main].item():.3f}" if losses[self.method.main] is not None else "-")
        if cfg["schedule"] == "step":
            for s in self.schedules:
                s.step()
        self.method.on_epoch_end(self, epoch)
        return {f"train_loss_{k}": t / self.steps_per_epoch for k, t in enumerate(totals)}

    @torch.no_grad()
    def _teacher(self, idx):
        if self.teacher_model is not None:
            self.teacher_model.eval()
            with self._autocast():
                return self.teacher_model(self.teacher_inputs.batch(idx)).float()
        return None if self.teacher_logits is None else self.teacher_logits[idx.to(self.device)]

    def fit(self, store: RunDir | None = None):
        """Train the remaining epochs, checkpointing after each; returns final metrics."""
        cfg = self.config
        bar = tqdm(range(self.epoch, cfg["epochs"]), desc=f"{cfg['method']} {cfg['task']}", disable=self.quiet)
        for _ in bar:
            start = time.time()
            row = {"epoch": self.epoch + 1, **self.train_epoch(), "step": self.step}
            row.update(self.evaluate())
            row.update(self.method.epoch_stats())
            row["epoch_time_s"] = time.time() - start
            self.history.append(row)
            for k, model in enumerate(self.models):
                better = self.best[k] is None or row[f"valid_metric_{k}"] > self.best[k][0]
                if cfg["select"] == "last" or better:
                    self.best[k] = (row[f"valid_metric_{k}"], self.epoch,
                                    {n: t.detach().cpu().clone() for n, t in model.state_dict().items()})
            self.epoch += 1
            bar.set_postfix(test=f"{row[f'test_metric_{self.method.main}']:.3f}")
            if store is not None:
                store.save("checkpoint.pt", self.state_dict())
                store.write_csv("history.csv", self.history)
        return self.final_metrics()

    def final_metrics(self) -> dict:
        out = {"epochs_run": self.epoch, "n_train": len(self.task.train), "num_classes": self.task.num_classes,
               "train_time_s": sum(r["epoch_time_s"] for r in self.history)}
        for k in range(len(self.models)):
            chosen = self.history[self.best[k][1]]
            out[f"epoch_{k}"] = self.best[k][1] + 1
            out[f"test_metric_{k}"] = chosen[f"test_metric_{k}"]
            out[f"valid_metric_{k}"] = chosen[f"valid_metric_{k}"]
        main = self.method.main
        out["test_metric"], out["valid_metric"] = out[f"test_metric_{main}"], out[f"valid_metric_{main}"]
        if "test_metric_ens" in self.history[-1]:
            out["test_metric_ens"] = self.history[-1]["test_metric_ens"]
        return out

    def state_dict(self):
        return {"epoch": self.epoch, "step": self.step, "history": self.history, "steps_log": self.steps_log,
                "models": [m.state_dict() for m in self.models],
                "optimizers": [o.state_dict() for o in self.optimizers],
                "schedules": [s.state_dict() for s in self.schedules],
                "labels": self.labels.cpu(), "method": self.method.state_dict(), "best": self.best}

    def load_state_dict(self, state):
        self.epoch, self.step, self.history, self.steps_log = state["epoch"], state["step"], state["history"], state["steps_log"]
        for objs, key in ((self.models, "models"), (self.optimizers, "optimizers"), (self.schedules, "schedules")):
            for obj, s in zip(objs, state[key]):
                obj.load_state_dict(s)
        self.labels = state["labels"].to(self.device)
        self.method.load_state_dict(state["method"])
        self.best = state["best"]


def _in_dim(task):
    return task.train.x.shape[1] if task.kind == "vector" else None


def _optimizer(model, cfg):
    params = [p for p in model.parameters() if p.requires_grad]
    if cfg["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["weight_decay"])
    if cfg["optimizer"] == "adamw":
        return torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    raise ValueError(f"unknown optimizer {cfg['optimizer']!r}; known: adamw, sgd")


def _schedule(optimizer, cfg, steps_per_epoch):
    if cfg["schedule"] == "linear":
        total = cfg["epochs"] * steps_per_epoch
        warm = max(1, int(cfg["warmup"] * total))
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    if cfg["schedule"] == "step":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, cfg["milestones"], cfg["gamma"])
    if cfg["schedule"] == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)
    raise ValueError(f"unknown schedule {cfg['schedule']!r}; known: linear, step, constant")


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def run(cfg: dict, root, *, data_dir=None, device=None, quiet=False, compile=False, teacher_model=None) -> dict:
    """Train the run `cfg` under `root` and return its final metrics. A finished run is read
    back, an interrupted one resumes from its last checkpoint (ending exactly as an
    uninterrupted run would), and a teacher run the method needs is run first."""
    store = RunDir(root, cfg)
    if store.finished:
        return store.read_json("metrics.json")
    device = device or default_device()
    teacher_logits = None
    if build_method(cfg["method"], cfg["hp"], 2).needs_teacher and teacher_model is None:
        if cfg["teacher"] is None:
            raise ValueError(f"method {cfg['method']!r} needs a teacher config (see teacher_config)")
        run(cfg["teacher"], root, data_dir=data_dir, device=device, quiet=quiet, compile=compile)
        teacher_logits = np.load(RunDir(root, cfg["teacher"]).path / "logits_train.npy")
    trainer = Trainer(cfg, _task(cfg, data_dir), device, quiet, compile, teacher_logits, teacher_model)
    if cfg["init_from"] is not None:
        run(cfg["init_from"], root, data_dir=data_dir, device=device, quiet=quiet, compile=compile)
        _load_backbone(trainer.models, RunDir(root, cfg["init_from"]).load("model.pt"))
    state = store.load("checkpoint.pt")
    if state is not None:
        trainer.load_state_dict(state)
    store.write_json("config.json", cfg)
    metrics = trainer.fit(store)
    main = trainer.method.main
    store.save_array("logits_train.npy", trainer.predict(main, "train", best=True).numpy())
    if cfg["save_model"]:
        store.save("model.pt", trainer.best[0][2])
    if trainer.steps_log:
        store.write_csv("steps.csv", trainer.steps_log)
    store.write_json("metrics.json", metrics)
    store.remove("checkpoint.pt")
    return metrics


def run_many(jobs: list[dict], root, **kwargs) -> pd.DataFrame:
    """Run every job ({"config": cfg, **labels}) under `root` (reusing finished runs) and
    return one row per job: its labels, then the run's flattened config and metrics."""
    rows = []
    for job in tqdm(jobs, desc="runs", disable=kwargs.get("quiet", False)):
        labels = {k: v for k, v in job.items() if k != "config"}
        run(job["config"], root, **kwargs)
        rows.append({**labels, "run": RunDir(root, job["config"]).path.name})
    table = gather(root)
    return pd.DataFrame(rows).merge(table, on="run", how="left", suffixes=("", "_config"))


def _optim_keys(cfg):
    keys = ("pretrained", "width", "optimizer", "lr", "weight_decay", "momentum", "batch_size", "epochs",
            "schedule", "warmup", "milestones", "gamma", "clip", "augment", "select", "init_from")
    return {k: cfg[k] for k in keys}


def _load_backbone(models, state):
    """Copy every tensor of `state` into the models except the classifier head (the last
    linear layer), which keeps its fresh initialisation, as when fine-tuning a pretrained
    network on new classes."""
    for model in models:
        head = [name for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)][-1] + "."
        own = model.state_dict()
        model.load_state_dict({**own, **{n: t for n, t in state.items() if n in own and not n.startswith(head)}})
