"""What a notebook's runs cost before any of them trains: `--plan`.

    plan_frame("04_cmd_ablations", "gpu")     # one row per distinct run, with GPU-hours
    write_plan("04_cmd_ablations", "gpu", "plans/")

GPU-hours are estimates from the one throughput we measured (MEASURED), scaled by each
model's forward FLOPs (nkdlib.models.forward_gflops) and each data set's size
(nkdlib.datasets.TASKS[...].size).
"""
from pathlib import Path

import pandas as pd

from . import papers
from .datasets import TASKS
from .jobs import jobs
from .methods import METHODS
from .models import forward_gflops
from .runs import config_key, flatten, in_order, run_name

# Training model-images per second on one GPU, several runs packed on it (evaluation's time
# included), the only GPU figure we have; every other model is scaled by forward FLOPs.
MEASURED = dict(model="resnet18", width=1.0, images_per_s=27400, device="H200", runs_per_gpu=5,
                source="issue 16: 5 CIFAR-10 runs at once (four two-model CMD, one CE), batch 128, bf16, "
                       "channels-last; 18 s per two-model epoch of 50,000 images")


def gpu_hours(config: dict) -> float:
    """Estimated GPU-hours of one run (its teacher not included): training images x epochs
    x models, at MEASURED's packed rate scaled by each model's forward FLOPs. A `classes`
    subset keeps that share of the (balanced) training set; max_train caps it."""
    train, _, classes = TASKS[config["task"]].size
    n = train * len(config["classes"]) / classes if config["classes"] is not None else train
    n = min(n, config["max_train"] or n)
    n = n * (1 - config["valid_frac"]) if config["task"] != "fewrel" else n   # FewRel: its own dev split
    models = config["models"] * (METHODS[config["method"]].num_models // len(config["models"]) or 1)
    reference = forward_gflops(MEASURED["model"], MEASURED["width"])
    cost = sum(forward_gflops(m, config["width"], config["max_length"]) for m in models) / reference
    return n * config["epochs"] * cost / MEASURED["images_per_s"] / 3600


def plan_frame(notebook: str, profile: str, values: dict | None = None) -> pd.DataFrame:
    """One row per distinct run of the notebook's tables in `profile` with parameters `values`
    (teachers and init_from runs included, each before the run that needs it; `role`: ""
    for a table's own run, "teacher", "init_from" or "dependency" for a run another one
    needs): table, block, row, column, seed, model(s), task, epochs, estimated GPU-hours,
    then the flattened config."""
    rows, seen = [], set()
    for name in papers.notebook_tables(notebook, profile):
        for job in jobs(papers.table(name, profile, values)):
            roles = {config_key(c): r for r, c in (("teacher", job["config"]["teacher"]),
                                                    ("init_from", job["config"]["init_from"])) if c is not None}
            for cfg in in_order([job["config"]]):
                if config_key(cfg) in seen:
                    continue
                seen.add(config_key(cfg))
                row = {k: job[k] for k in ("table", "block", "row", "column", "seed")}
                row.update(role=roles.get(config_key(cfg), "" if cfg is job["config"] else "dependency"),
                           run=run_name(cfg), models=" + ".join(cfg["models"]),
                           task=cfg["task"], epochs=cfg["epochs"], gpu_hours=gpu_hours(cfg))
                flat = {}
                flatten("config.", {k: v for k, v in cfg.items() if k not in ("teacher", "init_from")}, flat)
                rows.append({**row, **flat})
    return pd.DataFrame(rows)


def write_plan(notebook: str, profile: str, out_dir, values: dict | None = None) -> Path:
    """Write <out_dir>/<notebook>.plan-<profile>.csv (plan_frame) and print its size and cost."""
    frame = plan_frame(notebook, profile, values)
    path = Path(out_dir) / f"{notebook}.plan-{profile}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    print(f"{notebook} ({profile}): {len(frame)} runs, ~{frame['gpu_hours'].sum():.1f} GPU-hours "
          f"(estimate: {MEASURED['model']} at {MEASURED['images_per_s']} training images/s on one "
          f"{MEASURED['device']} with {MEASURED['runs_per_gpu']} runs packed, scaled by FLOPs) -> {path}")
    return path
