"""Run configs: plain dicts of DEFAULTS (one line each), checked when made.

    cfg = make_config(task="sst2", method="kd", models=["minilm-l3"], teacher=teacher_cfg)

A config's hash names its run directory (nkdlib.runs), so everything that changes the
numbers is a config entry; settings that do not (data folder, device, progress bars,
compile, threads) are arguments of `nkdlib.train.run`. `make_config` refuses a bad value
at once, naming the key and what it allows, before anything is written.

Run keys survive change: `key_view` leaves a key or hyper-parameter added after runs were
published (ADDED; a method Hp's `added`, nkdlib.methods) out of the hash while at its
default, and treats a run at noise rate 0 as the same run whatever the noise kind and an
integer given for a real value as that float (papermill's `-p eta 4` keys like 4.0);
make_config stores real numbers as floats and noise 'symmetric' at rate 0. `with_defaults`, where a config
enters nkdlib.train.run, checks it again: a value set on the dict after make_config is
refused there, naming the key, before anything trains.
"""
import copy
import math
import numbers

import numpy as np

from .datasets import TASKS, check_data_source
from .methods import METHODS, method_hp
from .models import MODEL_NAMES, VISION_NAMES, is_model_name
from .noise import NOISE_KINDS
from .tasks import TASK_KEYS

DEFAULTS = dict(
    task="digits",          # nkdlib.datasets task name
    noise="symmetric",      # label-noise kind: nkdlib.noise.NOISE_KINDS
    noise_rate=0.0,         # fraction of train and valid labels corrupted
    seed=0,                 # seeds the split, noise, initialisation and batch order
    max_train=None,         # stratified subset of the official train split (None = all)
    max_test=None,          # stratified subset of the evaluation split (None = all)
    classes=None,           # keep only these classes, relabelled 0..k-1
    valid_frac=0.1,         # fraction of train held out as the noisy valid split (0: train on all, select="last")
    data_source=None,       # the task's data set: None = what published runs read; fewrel: "train_wiki" (64 relations)
    max_length=128,         # text: tokens per example
    metric=None,            # accuracy | mcc | f1 (None = the task's own)
    method="ce",            # nkdlib.methods.METHODS
    hp={},                  # method hyper-parameters over its defaults (its class's HP, nkdlib.methods)
    models=["mlp"],         # cohort; a single name is repeated when the method needs two
    pretrained=True,        # text/vision: start from pretrained weights where the name has them
    width=1.0,              # vision/mlp width multiplier (smoke runs use < 1)
    init_from=None,         # config of a finished run (save_model) whose weights initialise the backbone
    teacher=None,           # config of the frozen teacher run (kd, kd_sym); self_kd builds its own (builds_teacher)
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
    clip=0.0,               # max gradient norm (0 = off); each paper recipe states its own
    precision="fp32",       # fp32 | bf16 (autocast for forward passes; images also channels-last)
    augment=True,           # images: pad-4 crop + flip
    select="valid",         # model selection: valid (best noisy-valid metric) | last (final epoch)
    progress="epoch",       # t/Γ of ProSelfLC, Mconf, CMD: epoch (t = current epoch, CMD eq. 12) | step (iterations)
    eval_steps=0,           # > 0: also log the main model's test loss every this many steps (noisy-KD Fig. 2)
    save_model=False,       # keep the selected weights of model 0 (for init_from)
)

# Config keys added after results/small was published -> the value every earlier run had
ADDED = {"data_source": None}
DATA_KEYS = TASK_KEYS + ("max_length",)   # what a teacher shares with its student
# what Self-KD's teacher copies from its student: it is the Finetune run of the same settings
OPTIM_KEYS = ("pretrained", "width", "optimizer", "lr", "weight_decay", "momentum", "batch_size", "epochs",
              "schedule", "warmup", "milestones", "gamma", "clip", "precision", "augment", "select", "progress",
              "init_from", "metric")

_INT, _REAL = "an integer", "a finite number"
# key: (kind, test, what the test allows); None passes where the key allows None
_CHECKS = {
    "noise": ("choice", NOISE_KINDS, None),
    "optimizer": ("choice", ("adamw", "sgd"), None),
    "schedule": ("choice", ("linear", "step", "constant"), None),
    "select": ("choice", ("valid", "last"), None),
    "precision": ("choice", ("fp32", "bf16"), None),
    "progress": ("choice", ("epoch", "step"), None),
    "metric": ("choice", (None, "accuracy", "mcc", "f1"), None),
    "noise_rate": (_REAL, lambda v: 0 <= v < 1, "in [0, 1)"),
    "valid_frac": (_REAL, lambda v: 0 <= v < 1, "in [0, 1)"),
    "seed": (_INT, lambda v: v >= 0, ">= 0"),
    "max_train": (_INT, lambda v: v is None or v >= 2, ">= 2 or None"),
    "max_test": (_INT, lambda v: v is None or v >= 1, ">= 1 or None"),
    "max_length": (_INT, lambda v: v >= 2, ">= 2"),
    "width": (_REAL, lambda v: v > 0, "> 0"),
    "lr": (_REAL, lambda v: v > 0, "> 0"),
    "weight_decay": (_REAL, lambda v: v >= 0, ">= 0"),
    "momentum": (_REAL, lambda v: 0 <= v < 1, "in [0, 1)"),
    "batch_size": (_INT, lambda v: v >= 1, ">= 1"),
    "epochs": (_INT, lambda v: v >= 1, ">= 1"),
    "warmup": (_REAL, lambda v: 0 <= v < 1, "in [0, 1)"),
    "gamma": (_REAL, lambda v: v > 0, "> 0"),
    "clip": (_REAL, lambda v: v >= 0, ">= 0 (0 = off)"),
    "eval_steps": (_INT, lambda v: v >= 0, ">= 0 (0 = off)"),
}
_BOOLS = ("pretrained", "augment", "save_model")
REAL_KEYS = tuple(k for k, (kind, _, _) in _CHECKS.items() if kind == _REAL)


def make_config(**overrides) -> dict:
    """DEFAULTS updated with `overrides`; every value is checked (ValueError naming the key
    and its allowed values), numpy scalars become Python numbers and integers given for
    real-valued keys floats, so equal settings give equal run keys."""
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown config key(s) {sorted(unknown)}; known: {', '.join(DEFAULTS)}")
    cfg = plain({**copy.deepcopy(DEFAULTS), **overrides})
    if isinstance(cfg["models"], str):
        cfg["models"] = [cfg["models"]]
    if cfg["noise_rate"] == 0 and cfg["noise"] in NOISE_KINDS:
        cfg["noise"] = DEFAULTS["noise"]   # no label changes: the same run whatever the kind
    _check(cfg)
    cfg = _floats(cfg, REAL_KEYS)
    cfg["hp"] = method_hp(cfg["method"], cfg["hp"])
    if METHODS[cfg["method"]].builds_teacher and cfg["teacher"] is None:
        # the teacher is the student architecture fine-tuned with ce (self_kd: label-reg eq. 6)
        cfg["teacher"] = teacher_config(cfg, cfg["models"], **{k: cfg[k] for k in OPTIM_KEYS})
    return cfg


def teacher_config(cfg: dict, models, **overrides) -> dict:
    """A `ce` run on exactly cfg's data (same task, noise, seed, subsets): a teacher."""
    return make_config(**{**{k: cfg[k] for k in DATA_KEYS}, "models": models, "method": "ce", **overrides})


def key_view(cfg: dict) -> dict:
    """What names `cfg`'s run (nkdlib.runs.config_key): cfg without the keys and
    hyper-parameters added after publication that are at their default (ADDED,
    nkdlib.methods.Method.key_hp), with noise 'symmetric' at noise rate 0; recursively in
    teacher and init_from. Configs stored before a key was added hash as they did."""
    out = _floats({k: v for k, v in cfg.items() if not (k in ADDED and v == ADDED[k])}, REAL_KEYS)
    if out.get("noise_rate") == 0:
        out["noise"] = DEFAULTS["noise"]
    if isinstance(out.get("hp"), dict):
        out["hp"] = METHODS[out["method"]].key_hp(out["hp"])
    for key in ("teacher", "init_from"):
        if out.get(key) is not None:
            out[key] = key_view(out[key])
    return out


def with_defaults(cfg: dict) -> dict:
    """A stored config with the keys and hyper-parameters added since it was written filled
    in at their defaults (recursively in teacher and init_from), checked and normalised again
    as make_config does: where a config enters nkdlib.train.run, a value set on the dict
    after make_config (epochs=0, lr=1) is refused or keyed as make_config would, by name."""
    out = {**ADDED, **cfg}
    for key in ("teacher", "init_from"):
        if isinstance(out.get(key), dict):   # anything else: make_config names it
            out[key] = with_defaults(out[key])
    return make_config(**out)


def _floats(d: dict, keys) -> dict:
    """d with the integers among `keys` as floats: 4 and 4.0 are one setting, one run."""
    return {k: float(v) if k in keys and isinstance(v, numbers.Integral) and not isinstance(v, bool) else v
            for k, v in d.items()}


def _model_kind(name: str) -> str:
    """What model `name` reads, as nkdlib.datasets.TaskDef.kind: hub ids and local folders are text models."""
    return "image" if name in VISION_NAMES else "vector" if name == "mlp" else "text"


def plain(value):
    """value with numpy scalars/arrays and tuples turned into Python numbers and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _check(cfg):
    for key, (kind, test, allowed) in _CHECKS.items():
        value = cfg[key]
        if kind == "choice":
            if value not in test:
                raise ValueError(f"config {key}={value!r} is not allowed; choose one of {list(test)}")
            continue
        if value is None and allowed.endswith("None"):
            continue
        integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        number = integer or (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value))
        if not (integer if kind == _INT else number) or not test(value):
            raise ValueError(f"config {key}={value!r} must be {kind} {allowed}")
    for key in _BOOLS:
        if not isinstance(cfg[key], bool):
            raise ValueError(f"config {key}={cfg[key]!r} must be True or False")
    if not 1 <= len(cfg["models"]) <= 2 or not all(map(is_model_name, cfg["models"])):
        raise ValueError(f"config models={cfg['models']!r}: give 1 or 2 of {list(MODEL_NAMES)} "
                         "or hub ids (owner/name) or local folders")
    if not all(isinstance(m, int) and not isinstance(m, bool) and m >= 1 for m in cfg["milestones"]):
        raise ValueError(f"config milestones={cfg['milestones']!r} must be a list of epochs >= 1")
    if cfg["max_train"] is not None and cfg["valid_frac"] > 0:
        held = round(cfg["valid_frac"] * cfg["max_train"])
        if not 1 <= held < cfg["max_train"]:
            raise ValueError(f"config max_train={cfg['max_train']} with valid_frac={cfg['valid_frac']} holds out "
                             f"{held} valid examples; need at least 1 and fewer than max_train")
    check_data_source(cfg["task"], cfg["data_source"])   # also: the task exists
    kind = TASKS[cfg["task"]].kind
    # mlp, the default model, is let through: configs that only name data (task_for) use it with any task
    wrong = [m for m in cfg["models"] if m != "mlp" and _model_kind(m) != kind]
    if wrong:
        fit = [m for m in MODEL_NAMES if _model_kind(m) == kind] + (["hub ids"] if kind == "text" else [])
        raise ValueError(f"config models={cfg['models']!r} on task {cfg['task']!r}: {wrong} cannot read its "
                         f"{kind} inputs; {kind} models: {fit}")
    classes, num_classes = cfg["classes"], TASKS[cfg["task"]].size[2]
    if classes is not None and (not isinstance(classes, list) or not classes
                                or not all(isinstance(c, int) and not isinstance(c, bool) for c in classes)
                                or len(set(classes)) != len(classes) or not all(0 <= c < num_classes for c in classes)):
        raise ValueError(f"config classes={classes!r} must be None or a non-empty list of distinct class indices "
                         f"in [0, {num_classes}) of task {cfg['task']!r}")
    method = METHODS.get(cfg["method"])   # an unknown name: method_hp names it and the known ones
    if method is not None and method.needs_teacher and not method.builds_teacher and cfg["teacher"] is None:
        raise ValueError(f"config method={cfg['method']!r} needs teacher= (a config: nkdlib.config.teacher_config)")
    if isinstance(cfg["teacher"], dict):   # its logits are indexed by our training rows: same data, same rows
        differ = {k: (cfg["teacher"].get(k), cfg[k]) for k in DATA_KEYS if cfg["teacher"].get(k) != cfg[k]}
        if differ:
            raise ValueError(f"config teacher's data settings differ from the student's (teacher, student): {differ}; "
                             "a teacher must be trained on exactly the student's data (teacher_config)")
    if cfg["valid_frac"] == 0 and cfg["select"] == "valid":
        raise ValueError("config select='valid' needs a valid split: with valid_frac=0 use select='last'")
    for key in ("teacher", "init_from"):
        if cfg[key] is not None and not isinstance(cfg[key], dict):
            raise ValueError(f"config {key} must be a config dict (make_config / teacher_config) or None")
