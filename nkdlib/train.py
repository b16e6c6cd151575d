"""The one training loop: a cohort of 1..K models on the same batches, any method.

    cfg = make_config(task="sst2", method="kd", models=["minilm-l3"], teacher=teacher_cfg)
    metrics = run(cfg, "runs/")        # trains, or resumes, or reuses a finished run
    metrics = run(cfg, "runs/", RunSettings(device="cuda", tensorboard="tb/"))   # where and how

Configs are made and checked in nkdlib.config; their hash names the run's directory
(nkdlib.runs). `Trainer` holds one run's state; `run` ties data, trainer and store.
Settings (nkdlib.settings) say where and how a run trains, never what it computes.
"""
import json
import math
import time
from typing import NamedTuple

import torch
import torch.nn.functional as F

from . import cpu, progress
from .callbacks import StepLog, TensorBoard
from .config import with_defaults
from .graphs import GraphedStep
from .inputs import make_inputs
from .methods import METHODS, Batch, RunView, build_method
from .metrics import score
from .models import build_model
from .datasets import DataMismatch, check_same_data, resolve_data_dir
from .runs import RunDir, RunFailed
from .settings import RunSettings
from .tasks import provenance_for, task_for

class Diverged(RuntimeError):
    """A training or evaluation loss became NaN or infinite: the run stops for good."""

    def __init__(self, reason, epoch, step):
        super().__init__(reason)
        self.epoch, self.step = epoch, step


class Best(NamedTuple):
    """Model k's selected weights so far (model selection, config "select")."""
    metric: float      # its valid metric
    epoch: int         # from 0
    state: dict        # state dict on the CPU


class Trainer:
    """State of one run: models, optimisers, schedules, labels, method; see `fit`. Its
    settings' levers (nkdlib.settings): sync_free sums losses on the device and checks them
    once per epoch (train_loss then differs in its last bits); graph is the graph-safe step
    (nkdlib.methods' module doc: masks for selections, progress, lr and per-epoch values as
    device scalars, fused optimisers, sync_free's sums), on CUDA replayed from CUDA graphs
    (nkdlib.graphs); its numbers differ in their last bits. `callbacks`: what the loop
    reports to (nkdlib.callbacks): its StepLog, then any that `run` attaches."""

    def __init__(self, cfg, task, settings: RunSettings = RunSettings(), teacher_logits=None):
        self.config, self.task, self.settings = cfg, task, settings
        self.device = torch.device(settings.device or default_device())
        self.graph = graph = settings.graph
        self.sync_free = settings.sync_free or graph
        self.eval_batch_size = settings.eval_batch_size or 2 * cfg["batch_size"]
        self.channels_last = cfg["precision"] == "bf16"   # with bf16: convolutions in channels-last order
        self.metric = cfg["metric"] or task.metric
        self.method = build_method(cfg["method"], cfg["hp"], task.num_classes, cfg["noise_rate"],
                                   graph_device=self.device if graph else None)
        names = cfg["models"] * self.method.num_models if len(cfg["models"]) == 1 else cfg["models"]
        if len(names) != self.method.num_models:
            raise ValueError(f"method {cfg['method']!r} trains {self.method.num_models} model(s), "
                             f"config names {len(names)}: {names}")
        self.models = []
        for k, name in enumerate(names):
            torch.manual_seed(cfg["seed"] * 100 + k)   # model k's initialisation
            model = build_model(name, task.num_classes, pretrained=cfg["pretrained"], width=cfg["width"],
                                in_dim=_in_dim(task))
            if self.channels_last and model.kind == "image":
                model = model.to(memory_format=torch.channels_last)
            self.models.append(model.to(self.device))
        if graph and any(m.kind == "text" for m in self.models):
            raise ValueError("graph=True needs fixed-shape inputs (image or vector models): "
                             "text batches are padded to their longest row")
        shared = {}   # models of one kind and tokenizer share their inputs
        self.splits = ("valid", "test", "dev") if task.dev is not None else ("valid", "test")   # evaluated
        self.inputs = {split: [self._inputs(m, split, shared) for m in self.models] for split in ("train",) + self.splits}
        self.compiled = [torch.compile(m) if settings.compile else m for m in self.models]   # what forward passes call
        self.steps_per_epoch = math.ceil(len(task.train) / cfg["batch_size"])
        self.optimizers = [_optimizer(m, cfg, self.device if graph else None) for m in self.models]
        self.schedules = [_schedule(o, cfg, self.steps_per_epoch) for o in self.optimizers]
        self.labels = torch.tensor(task.train.y, device=self.device)   # a copy: label refinement writes into it
        self.teacher_logits = None if teacher_logits is None else torch.as_tensor(teacher_logits, device=self.device)
        self._progress = torch.zeros((), dtype=torch.float64, device=self.device) if graph else None   # t/Γ, in place
        self.graphed = GraphedStep(self._train_step) if graph and self.device.type == "cuda" else None
        self.epoch, self.step, self.history = 0, 0, []
        self.step_log = StepLog(cfg["eval_steps"])   # steps.csv: the test loss every eval_steps steps
        self.callbacks = [self.step_log]
        self.best: list[Best | None] = [None] * len(self.models)

    def _inputs(self, model, split, shared):
        key = (split, model.kind, getattr(model, "tokenizer_name", None))
        if key not in shared:
            shared[key] = make_inputs(getattr(self.task, split).x, model, self.device, max_length=self.config["max_length"],
                                      augment=self.config["augment"] and split == "train", stats_from=self.task.train.x,
                                      channels_last=self.channels_last)
        return shared[key]

    # --- evaluation -------------------------------------------------------------------
    @torch.no_grad()
    def predict(self, k, split, best=False) -> torch.Tensor:
        """(N, C) float logits of model k (its best-so-far weights if `best`) on a split, on CPU."""
        model = self.models[k]
        if best and self.best[k] is not None:
            current = {n: t.detach().clone() for n, t in model.state_dict().items()}
            model.load_state_dict(self.best[k].state)
        model.eval()
        inputs, bs, out = self.inputs[split][k], self.eval_batch_size, []
        for start in range(0, len(inputs), bs):
            idx = torch.arange(start, min(start + bs, len(inputs)))
            with self._autocast():
                out.append(self.compiled[k](inputs.batch(idx)).float().cpu())
        model.train()
        if best and self.best[k] is not None:
            model.load_state_dict(current)
        return torch.cat(out)

    def evaluate(self) -> dict:
        """Loss and metric of every model on valid (noisy labels), test and dev (clean; dev
        where the task has one), plus, with two models, the ensemble (mean probability).
        A NaN or infinite loss stops the run (Diverged)."""
        row = {}
        for split in self.splits if len(self.task.valid) else self.splits[1:]:   # valid_frac=0: no valid split
            y = torch.as_tensor(getattr(self.task, split).y)
            probs = []
            for k in range(len(self.models)):
                logits = self.predict(k, split)
                loss = F.cross_entropy(logits, y).item()
                if not math.isfinite(loss):   # weights blown up by the epoch's last steps, after its last training loss
                    raise Diverged(f"model {k}'s {split} loss is {loss} after epoch {self.epoch + 1}, step {self.step}",
                                   self.epoch + 1, self.step)
                row[f"{split}_loss_{k}"] = loss
                row[f"{split}_metric_{k}"] = score(self.metric, y.numpy(), logits.argmax(1).numpy())
                probs.append(logits.softmax(1))
            if len(probs) > 1:
                row[f"{split}_metric_ens"] = score(self.metric, y.numpy(),
                                                   torch.stack(probs).mean(0).argmax(1).numpy())
        return row

    def _autocast(self):
        # a CUDA graph cannot hold autocast's cache of cast weights (torch.cuda.graphs docs)
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.config["precision"] == "bf16",
                              cache_enabled=not self.graph)

    # --- training ---------------------------------------------------------------------
    def train_epoch(self):
        cfg, epoch = self.config, self.epoch
        torch.manual_seed(cfg["seed"] * 1000 + epoch)   # dropout and augmentation: resumable
        order = torch.randperm(len(self.task.train)).to(self.device)   # a batch's rows: a view, no copy per step
        labels = self.method.on_epoch_start(self.view(), epoch)
        if labels is not None:   # label refinement, in place: a captured step reads this storage
            self.labels.copy_(labels)
        totals = [torch.zeros((), device=self.device) if self.sync_free else 0.0 for _ in self.models]
        bar = self._bar(range(self.steps_per_epoch), desc=f"epoch {epoch + 1}", leave=False)
        for b in bar:
            idx = order[b * cfg["batch_size"]:(b + 1) * cfg["batch_size"]]
            self.step += 1
            if self.graph:
                self._progress.fill_(self.progress())
            losses = self._train_step(idx) if self.graphed is None else self.graphed(idx, self.method.phase(epoch, self.step))
            for k, loss in enumerate(losses):
                if loss is None:
                    continue
                if cfg["schedule"] == "linear":
                    self.schedules[k].step()
                totals[k] += loss.detach() if self.sync_free else self._checked(loss, k)
            for callback in self.callbacks:
                callback.on_step(self, losses)
            if not self.sync_free:
                bar.set_postfix(loss=f"{losses[self.method.main].item():.3f}" if losses[self.method.main] is not None else "-")
        if self.sync_free:   # one host sync per epoch; a NaN or inf anywhere makes the sum so
            totals = [self._checked(t, k) for k, t in enumerate(totals)]
        if cfg["schedule"] == "step":
            for s in self.schedules:
                s.step()
        self.method.on_epoch_end(epoch)
        return {f"train_loss_{k}": t / self.steps_per_epoch for k, t in enumerate(totals)}

    def losses(self, idx) -> list:
        """The method's losses on the training rows idx (a device tensor): one per model, None
        for a model that does not step. The forward half of a step; graph-safe with `graph`."""
        with self._autocast():
            logits = [f(inp.batch(idx, train=True)).float() for f, inp in zip(self.compiled, self.inputs["train"])]
        batch = Batch(y=self.labels[idx], idx=idx, progress=self._progress if self.graph else self.progress(),
                      epoch=self.epoch, step=self.step, teacher=self.teacher_batch(idx))
        return self.method.losses(logits, batch)

    def _train_step(self, idx) -> list:
        """One training step on rows idx: losses, backward, each stepping model's optimiser step."""
        losses = self.losses(idx)
        # each loss reaches only its own model (peer targets are detached), so one
        # backward over the sum gives every model exactly its own gradient
        sum(l for l in losses if l is not None).backward()
        for k, loss in enumerate(losses):
            if loss is not None:
                if self.config["clip"]:
                    torch.nn.utils.clip_grad_norm_(self.models[k].parameters(), self.config["clip"])
                self.optimizers[k].step()
            self.optimizers[k].zero_grad(set_to_none=True)
        return losses

    def progress(self) -> float:
        """t/Γ, counted from 1 so that the last epoch (or step) gives 1: CMD eq. 12 counts
        epochs; ProSelfLC's code counts epochs or iterations, both from 1."""
        if self.config["progress"] == "step":
            return self.step / (self.config["epochs"] * self.steps_per_epoch)
        return (self.epoch + 1) / self.config["epochs"]

    def _checked(self, loss, k) -> float:
        """loss as a float; a NaN or infinite loss stops the run (Diverged)."""
        value = loss.item()
        if not math.isfinite(value):
            raise Diverged(f"model {k}'s training loss is {value} at epoch {self.epoch + 1}, step {self.step}",
                           self.epoch + 1, self.step)
        return value

    def _bar(self, iterable, **kwargs):
        return progress.bar(iterable, text=self.settings.text_bars, disable=self.settings.quiet, **kwargs)

    def teacher_batch(self, idx):
        """(B, C) frozen-teacher logits of the train rows idx, or None without a teacher."""
        return None if self.teacher_logits is None else self.teacher_logits[idx]

    def view(self) -> RunView:
        """What the method may read of this run (nkdlib.methods.RunView)."""
        return RunView(predict=self.predict, labels=self.labels.cpu(), valid_labels=self.task.valid.y,
                       valid_noisy=self.task.valid.noisy, train_true=self.task.train.y_true,
                       seed=self.config["seed"])

    def fit(self, store: RunDir | None = None):
        """Train the remaining epochs, checkpointing after each; returns final metrics."""
        cfg = self.config
        bar = self._bar(range(self.epoch, cfg["epochs"]), desc=f"{cfg['method']} {cfg['task']}")
        for _ in bar:
            start = time.time()
            row = {"epoch": self.epoch + 1, **self.train_epoch(), "step": self.step}
            row.update(self.evaluate())
            row.update(self.method.epoch_stats())
            row["epoch_time_s"] = time.time() - start
            self.history.append(row)
            for callback in self.callbacks:
                callback.on_epoch_end(self, row)
            for k, model in enumerate(self.models):
                better = self.best[k] is None or row.get(f"valid_metric_{k}", math.nan) > self.best[k].metric
                if cfg["select"] == "last" or better:
                    self.best[k] = Best(row.get(f"valid_metric_{k}", math.nan), self.epoch,
                                        {n: t.detach().cpu().clone() for n, t in model.state_dict().items()})
            self.epoch += 1
            bar.set_postfix(test=f"{row[f'test_metric_{self.method.main}']:.3f}")
            if store is not None:
                store.save_checkpoint(self.state_dict())
                store.write_csv("history.csv", self.history)
        return self.final_metrics()

    def final_metrics(self) -> dict:
        out = {"epochs_run": self.epoch, "n_train": len(self.task.train), "num_classes": self.task.num_classes,
               "train_time_s": sum(r["epoch_time_s"] for r in self.history)}
        for k in range(len(self.models)):
            chosen = self.history[self.best[k].epoch]
            out[f"epoch_{k}"] = self.best[k].epoch + 1
            out[f"test_metric_{k}"] = chosen[f"test_metric_{k}"]
            out[f"valid_metric_{k}"] = chosen.get(f"valid_metric_{k}", math.nan)
            if f"dev_metric_{k}" in chosen:
                out[f"dev_metric_{k}"] = chosen[f"dev_metric_{k}"]
        main = self.method.main
        out["test_metric"], out["valid_metric"] = out[f"test_metric_{main}"], out[f"valid_metric_{main}"]
        if "test_metric_ens" in self.history[-1]:
            out["test_metric_ens"] = self.history[-1]["test_metric_ens"]
        return out

    def state_dict(self):
        return {"epoch": self.epoch, "step": self.step, "history": self.history, "steps_log": self.step_log.rows,
                "models": [m.state_dict() for m in self.models],
                "optimizers": [_float_lr(o.state_dict(), "param_groups") for o in self.optimizers],
                "schedules": [_float_lr(s.state_dict(), "base_lrs", "_last_lr") for s in self.schedules],
                "labels": self.labels.cpu(), "method": self.method.state_dict(), "best": self.best}

    def load_state_dict(self, state):
        self.epoch, self.step, self.history = state["epoch"], state["step"], state["history"]
        self.step_log.rows = state["steps_log"]
        for objs, key in ((self.models, "models"), (self.optimizers, "optimizers"), (self.schedules, "schedules")):
            for obj, s in zip(objs, state[key]):
                obj.load_state_dict(s)
        if self.graph:   # the graph-safe step's learning rates are device scalars, as _optimizer made them
            for group in (g for o in self.optimizers for g in o.param_groups):
                group["lr"] = torch.tensor(group["lr"], device=self.device)
        self.labels = state["labels"].to(self.device)
        self.method.load_state_dict(state["method"])
        self.best = [None if b is None else Best(*b) for b in state["best"]]


def _in_dim(task):
    return task.train.x.shape[1] if task.kind == "vector" else None


def _optimizer(model, cfg, graph_device=None):
    """The run's optimiser; graph_device (the graph-safe step's): the learning rate a 0-d tensor
    there, which schedules set in place, fused kernels, and AdamW's step capturable on CUDA."""
    params = [p for p in model.parameters() if p.requires_grad]
    lr = cfg["lr"] if graph_device is None else torch.tensor(cfg["lr"], device=graph_device)
    fused = {} if graph_device is None else {"fused": True}
    if cfg["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=cfg["momentum"], weight_decay=cfg["weight_decay"], **fused)
    if cfg["optimizer"] == "adamw":
        capturable = fused and {"capturable": torch.device(graph_device).type == "cuda"}
        return torch.optim.AdamW(params, lr=lr, weight_decay=cfg["weight_decay"], **fused, **capturable)
    raise ValueError(f"unknown optimizer {cfg['optimizer']!r}; known: adamw, sgd")


def _float_lr(state: dict, *keys) -> dict:
    """An optimiser's or schedule's state with its learning rates as floats (the graph lever
    keeps them as device tensors): a checkpoint resumes under either lever."""
    def plain(v):
        if isinstance(v, dict):
            return {**v, "lr": float(v["lr"])}
        return float(v)
    return {**state, **{k: [plain(v) for v in state[k]] for k in keys}}


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


def run(cfg: dict, root, settings: RunSettings = RunSettings()) -> dict:
    """Train the run `cfg` under `root` and return its final metrics. A finished run is read
    back, an interrupted one resumes from its last checkpoint (ending exactly as an
    uninterrupted run would), and a teacher or init_from run it needs is run first. While
    another process trains the same run, this one waits for it and then reuses it.
    settings: where and how it trains (nkdlib.settings), its teacher and init_from runs too.
    Raises RunFailed for a run that diverged (now or when it was first trained), and
    DataMismatch for a finished run trained on other data than this call reads (_reused)."""
    cfg = with_defaults(cfg)   # a config stored before a key was added: the same run, the key at its default
    if METHODS[cfg["method"]].needs_teacher and cfg["teacher"] is None:
        raise ValueError(f"method {cfg['method']!r} needs a teacher config (see nkdlib.config.teacher_config)")
    store = RunDir(root, cfg)
    if store.finished:   # no lock: a finished run is never written again (a read-only store works)
        store.clean()
        return _reused(store, cfg, settings.data_dir)
    _raise_if_failed(store)   # no lock either: a failed run is never written again
    with store.lock():
        store.clean()
        if store.finished:
            return _reused(store, cfg, settings.data_dir)
        _raise_if_failed(store)   # by the process we waited for
        if not settings.quiet:
            cpu.warn_bf16(cfg["precision"], torch.device(settings.device or default_device()).type)
        teacher_logits = None
        if METHODS[cfg["method"]].needs_teacher:
            run(cfg["teacher"], root, settings)
            teacher_logits = RunDir(root, cfg["teacher"]).load_array("logits_train.npy")
        trainer = Trainer(cfg, task_for(cfg, settings.data_dir), settings, teacher_logits)
        if cfg["init_from"] is not None:
            run(cfg["init_from"], root, settings)
            load_backbone(trainer.models, RunDir(root, cfg["init_from"]).load("model.pt"))
        state = store.load_checkpoint()
        if state is not None:
            trainer.load_state_dict(state)
        store.write_json("config.json", cfg)
        store.write_json("data.json", trainer.task.provenance)   # which files (with hashes) or hub revision
        if settings.tensorboard is not None:
            trainer.callbacks.append(TensorBoard(settings.tensorboard, cfg, store.path.name))
        try:
            metrics = trainer.fit(store)
        except Diverged as e:
            store.fail(epoch=e.epoch, step=e.step, reason=str(e))
            raise RunFailed(f"run {store.path.name}: {e}") from e
        finally:
            for callback in trainer.callbacks:
                callback.close()
        store.save_array("logits_train.npy", trainer.predict(trainer.method.main, "train", best=True).numpy())
        if cfg["save_model"]:
            store.save("model.pt", trainer.best[0].state)
        if trainer.step_log.rows:
            store.write_csv("steps.csv", trainer.step_log.rows)
        metrics["threads"] = torch.get_num_threads()   # one vs two threads differ from epoch 1
        metrics["path"] = {"device": str(trainer.device), "compile": settings.compile,   # what trained it
                           "sync_free": settings.sync_free,
                           "graph": settings.graph,   # on CUDA: replayed from CUDA graphs; elsewhere the graph-safe step alone
                           "eval_batch_size": trainer.eval_batch_size,
                           "cpu": cpu.kernel_path()}   # bits differ between CPU kernel paths (nkdlib.cpu)
        store.finish(metrics)
        return metrics


def _reused(store: RunDir, cfg: dict, data_dir) -> dict:
    """A finished run's metrics, once the data it was trained on (part of what makes it the
    same run) is the data this call reads: the files and sha256 in its data.json or, for a
    run trained before runs recorded their data, in its store's data.json (<root>/data.json:
    the files all such runs there read, e.g. results/small/runs/data.json). Otherwise a
    DataMismatch naming the file and both hashes: a run is never reused on other data, nor unchecked."""
    metrics = store.metrics()   # checks data.json against its recorded hash too
    current = provenance_for(cfg, data_dir)
    own, shared = store.path / "data.json", store.path.parent / "data.json"
    record = own if own.exists() else shared
    where = f"run {store.path} (data folder {resolve_data_dir(data_dir)}; its data as recorded in {record})"
    if not record.exists():
        raise DataMismatch(f"run {store.path}: no data.json says which data it was trained on (a run from before "
                           f"runs recorded it), nor does {shared}; delete {store.path} to train it anew")
    recorded = json.loads(record.read_text())
    if record == shared and current["source"] == "local":   # it lists every task's files: this task's are read now
        recorded["files"] = {f: h for f, h in recorded["files"].items() if f in current["files"]}
    check_same_data(recorded, current, where)
    return metrics


def _raise_if_failed(store: RunDir) -> None:
    """RunFailed with the recorded reason if the run stopped for good before (failed.json)."""
    failure = store.failure
    if failure is not None:
        raise RunFailed(f"run {store.path.name} failed before: {failure['reason']} (delete {store.path} to retry)")


def load_backbone(models, state):
    """Copy every tensor of `state` into the models except the classifier head (the last
    linear layer), which keeps its fresh initialisation, as when fine-tuning a pretrained
    network on new classes."""
    for model in models:
        head = [name for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)][-1] + "."
        own = model.state_dict()
        model.load_state_dict({**own, **{n: t for n, t in state.items() if n in own and not n.startswith(head)}})
