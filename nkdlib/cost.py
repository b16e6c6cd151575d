"""What a notebook's runs cost before any of them trains: `--plan`.

    plan_frame("04_cmd_ablations", "gpu")     # one row per distinct run, with GPU-hours
    write_plan("04_cmd_ablations", "gpu", "plans/")

GPU-hours are estimates from the one throughput we measured (MEASURED), scaled by each
model's forward FLOPs (nkdlib.models.forward_gflops) and each data set's size
(nkdlib.datasets.TASKS[...].size); CPU-hours likewise from one published CPU run
(MEASURED_CPU), scaled to this CPU's kernel path and the run's precision (nkdlib.cpu).
"""
from pathlib import Path

import pandas as pd

from . import cpu, papers
from .datasets import TASKS
from .jobs import jobs
from .methods import METHODS
from .models import forward_gflops
from .papers.table import model_kind
from .runs import config_key, flatten, in_order, run_name

# Training model-images per second on one GPU, several runs packed on it (evaluation's time
# included), the only GPU figure we have; every other model is scaled by forward FLOPs.
MEASURED = dict(model="resnet18", width=1.0, images_per_s=27400, device="H200", runs_per_gpu=5,
                source="issue 16: 5 CIFAR-10 runs at once (four two-model CMD, one CE), batch 128, bf16, "
                       "channels-last; 18 s per two-model epoch of 50,000 images")


# One-thread CPU training rate where bf16 is native, per model kind, from a published run
# (evaluation included); nkdlib.cpu.slowdown scales it to this CPU and the run's precision.
# Per kind: FLOPs do not carry over between a transformer and a narrow CNN on a CPU.
MEASURED_CPU = {
    "text": dict(model="minilm-l3", max_length=64, examples_per_s=1800 * 3 / 88.72, precision="bf16",
                 source="results/small/runs/ce-b21b815a7f96: 1800 SST-2 sentences x 3 epochs in 88.7 s, "
                        "one thread, bf16 on an avx512_bf16 CPU"),
    "vision": dict(model="resnet18", width=0.125, examples_per_s=4000 * 30 / 74.32, precision="bf16",
                   source="results/small/runs/ce-3a44134ec6a4: 4000 CIFAR-10 images x 30 epochs in 74.3 s, "
                          "one thread, bf16 on an avx512_bf16 CPU"),
}


def _work(config: dict, reference: dict) -> float:
    """Training examples x epochs x models of one run, in `reference` model-examples (forward FLOPs)."""
    train, _, classes = TASKS[config["task"]].size
    n = train * len(config["classes"]) / classes if config["classes"] is not None else train
    n = min(n, config["max_train"] or n)
    n = n * (1 - config["valid_frac"]) if config["task"] != "fewrel" else n   # FewRel: its own dev split
    models = config["models"] * (METHODS[config["method"]].num_models // len(config["models"]) or 1)
    ref = forward_gflops(reference["model"], reference.get("width", 1.0), reference.get("max_length", 128))
    cost = sum(forward_gflops(m, config["width"], config["max_length"]) for m in models) / ref
    return n * config["epochs"] * cost


def gpu_hours(config: dict) -> float:
    """Estimated GPU-hours of one run (its teacher not included): training images x epochs
    x models, at MEASURED's packed rate scaled by each model's forward FLOPs. A `classes`
    subset keeps that share of the (balanced) training set; max_train caps it."""
    return _work(config, MEASURED) / MEASURED["images_per_s"] / 3600


def cpu_hours(config: dict) -> float:
    """Estimated hours of one run on one thread of this CPU: _work at MEASURED_CPU's rate for
    the run's model kind,
    times nkdlib.cpu.slowdown for the run's precision here (bf16 without native support:
    BF16_SLOWDOWN x fp32's time)."""
    kind = model_kind(config["models"][0])
    reference = MEASURED_CPU[kind]
    return _work(config, reference) / reference["examples_per_s"] / 3600 * cpu.slowdown(config["precision"], "cpu", kind)


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
                           task=cfg["task"], epochs=cfg["epochs"], gpu_hours=gpu_hours(cfg),
                           cpu_hours=cpu_hours(cfg))
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
          f"{MEASURED['device']} with {MEASURED['runs_per_gpu']} runs packed, scaled by FLOPs), "
          f"~{frame['cpu_hours'].sum():.1f} CPU-hours at one thread per run on this CPU ({cpu.kernel_path()}"
          f"{'' if cpu.native_bf16() else '; bf16 emulated, several times slower than fp32'}) -> {path}")
    return path
