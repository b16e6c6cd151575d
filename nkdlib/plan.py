"""From a paper table (nkdlib.protocol) to the runs it needs, and back to the paper's table.

    table = scaled(TABLES["cmd.table1"], "small")    # the profile's models, sizes, seeds
    frame = run_many(jobs(table), "runs/")           # one row per job, metrics beside it
    paper_table(frame, table)                         # rows x columns of "mean ± std" over seeds

`jobs` expands blocks x rows x columns x seeds (x the row's hp grid), one job per run a
cell needs, labelled by table/block/row/column/seed; teachers are part of their student's
config (nkdlib.grid trains them first). `write_plan` lists every run of a profile without
training anything, with a cost estimate.
"""
import dataclasses
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .config import make_config
from .methods import METHODS
from .profiles import DIAGNOSIS, PROFILES, TABLES as PROFILE_TABLES
from .protocol import TABLES as PAPER_TABLES, Table, cell
from .report import mean_std_table, wilcoxon_p
from .runs import config_key, flatten, in_order, run_name

TABLES = {**PAPER_TABLES, **DIAGNOSIS}   # every table a notebook can render, by name
NOTEBOOK_TABLES = {   # the paper tables each notebook renders, in order
    "01_noisy_glue_kd": ("noisy_kd.table1", "noisy_kd.figure2"),
    "02_teacher_free_regularization": ("label_reg.table1", "label_reg.table2", "label_reg.table3",
                                       "label_reg.table4", "label_reg.table5"),
    "03_pretrained_vs_scratch": ("label_reg.table6", "label_reg.table7", "label_reg.table8", "label_reg.table9"),
    "04_cmd_ablations": ("cmd.table1", "cmd.table3", "cmd.table5", "cmd.table6", "cmd.table7",
                         "cmd.figure2", "cmd.figure3", "cmd.figure4a", "cmd.figure4b"),
}


def notebook_tables(notebook: str, profile: str) -> tuple:
    """Names of the paper tables `notebook` renders in `profile`."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    return PROFILE_TABLES[profile].get(notebook, NOTEBOOK_TABLES[notebook])


def scaled(table: Table, profile: str) -> Table:
    """`table` as profile `profile` runs it: "paper" is the table itself; smoke and small
    replace models, seeds, recipe and data entries and keep a subset of rows, columns and
    blocks (nkdlib.profiles.PROFILES, per paper and per table)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    paper = table.name.split(".")[0]
    s = {**PROFILES[profile].get(paper, {}), **PROFILES[profile].get(table.name, {})}
    if not s:
        return table
    keep = lambda d, names: {k: v for k, v in d.items() if names is None or k in names}   # noqa: E731
    rows = {k: dataclasses.replace(r, grid=s.get("grid", {}).get(k, r.grid)) for k, r in keep(table.rows, s.get("rows")).items()}
    needed = {r.teacher for r in rows.values() if r.teacher}   # a kept row's teacher stays
    rows.update({k: table.rows[k] for k in needed})
    return dataclasses.replace(
        table,
        models={**table.models, **s.get("models", {})},
        seeds=tuple(s.get("seeds", table.seeds)),
        recipe={**table.recipe, **s.get("recipe", {})},
        data={**table.data, **s.get("data", {})},
        rows=rows,
        columns={k: {**v, **s.get("column_entries", {}).get(k, {})}
                 for k, v in (keep(table.columns, s.get("columns")) or table.columns).items()},
        blocks=keep(table.blocks, s.get("blocks")) or table.blocks,   # (or): a paper-wide subset this table lacks
        block_rows={b: tuple(r for r in names if r in rows) for b, names in table.block_rows.items()},
    )


def jobs(table: Table) -> list[dict]:
    """Every run of `table`: one job {"config", "table", "block", "row", "column", "seed",
    "grid", "value"} per (block, reported row, column, seed, grid point); `value` names
    the metric the cell reads ("test_metric_0", "test_metric_1" or "mean")."""
    out = []
    for block in table.blocks:
        for name in table.block_rows.get(block, tuple(table.rows)):
            row = table.rows[name]
            points = [dict(zip(row.grid, v)) for v in itertools.product(*row.grid.values())] or [{}]
            for k, column in enumerate(table.columns):
                for seed, point in itertools.product(table.seeds, points):
                    entries = cell(table, name, column, block)
                    entries.update(seed=seed, hp={**entries["hp"], **point})
                    value = {"model 0": "test_metric_0", "model 1": "test_metric_1", "mean": "mean"}.get(row.value)
                    if row.value == "each":   # column k is model k; a one-model method runs model k alone
                        if METHODS[row.method].num_models == 1:
                            entries["models"] = [entries["models"][k]]
                        value = f"test_metric_{k if METHODS[row.method].num_models > 1 else 0}"
                    if row.teacher:   # the teacher's own run: no per-step log, so one teacher serves every table
                        entries["teacher"] = make_config(**{**cell(table, row.teacher, column, block), "seed": seed,
                                                            "eval_steps": 0})
                    out.append({"config": make_config(**entries), "table": table.name, "block": block, "row": name,
                                "column": column, "seed": seed, "grid": json.dumps(point) if point else "",
                                "value": value})
    return out


def cell_values(frame: pd.DataFrame, split: str = "test") -> pd.Series:
    """The number each job contributes to its cell on `split` (test | valid | dev). frame:
    run_many's result of `jobs` (columns value and <split>_metric_0, plus <split>_metric_1
    for two-model runs); NaN where a run has no such metric (e.g. no dev split)."""
    nan = pd.Series(np.nan, index=frame.index)
    # keyed by the `value` names (which say test), holding `split`'s metrics
    picks = {f"test_metric_{k}": frame.get(f"{split}_metric_{k}", nan) for k in (0, 1)}
    mean = pd.concat(picks.values(), axis=1).mean(axis=1, skipna=False)
    return pd.Series([mean[i] if v == "mean" else picks[v][i] for i, v in zip(frame.index, frame["value"])],
                     index=frame.index, dtype=float)


def select_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with an hp grid keep, per (block, row, column), the grid point with the best mean
    noisy-valid metric over seeds (frame: run_many's result of `jobs`, with valid_metric)."""
    if not (frame["grid"] != "").any():
        return frame
    cells = ["block", "row", "column"]
    score = frame.groupby(cells + ["grid"])["valid_metric"].mean().reset_index()
    best = score.loc[score.groupby(cells)["valid_metric"].idxmax(), cells + ["grid"]]
    return frame.merge(best, on=cells + ["grid"])


def paper_table(frame: pd.DataFrame, table: Table, scale: float = 100.0) -> pd.DataFrame:
    """The paper's table from run_many's result of `jobs(table)`: one row per (block, row),
    one column per paper column and reported split (Table.splits; a split mapped to None,
    which we cannot evaluate, is left out), plus the table's average column, if it has one;
    cells "mean ± std" over the seeds that have the metric (a run without a dev split has
    no dev metric), scaled (×100: percent)."""
    splits = {label: split for label, split in table.splits.items() if split is not None}
    if not splits or (len(splits) > 1 and table.average):
        raise ValueError(f"{table.name}: splits {table.splits} must name at least one split we evaluate, "
                         "and only one if the table has an average column")

    def name(column, label):   # one split: the paper's columns; several: one column per split
        return column if len(splits) == 1 else label if len(table.columns) == 1 else f"{column} {label}"

    def row_label(block, row):
        return f"{block} / {row}" if block else row

    frame = select_grid(frame).assign(label=lambda f: [row_label(b, r) for b, r in zip(f["block"], f["row"])])
    cells = pd.concat([frame.assign(cell=cell_values(frame, split), column=[name(c, lab) for c in frame["column"]])
                       for lab, split in splits.items()]).dropna(subset=["cell"])
    order = [row_label(b, r) for b in table.blocks for r in table.block_rows.get(b, tuple(table.rows))]
    out = mean_std_table(cells, "label", "column", value="cell", scale=scale, average=table.average is not None,
                         row_order=order, col_order=[name(c, lab) for lab in splits for c in table.columns])
    out.index.name, out.columns.name = None, None
    return out.rename(columns={"avg": table.average}) if table.average else out


def comparisons(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The table's Wilcoxon tests (Table.compare): per (label, column) the two rows' mean
    cell values over seeds and the two-sided signed-rank p-value, paired by seed."""
    frame = select_grid(frame).assign(cell=lambda f: cell_values(f))
    out = []
    for (label, column), (a, b) in table.compare.items():
        for col in table.columns:
            pair = frame[frame["column"] == col].pivot_table(index="seed", columns="row", values="cell")[[a, b]].dropna()
            out.append({"test": label, "group": column, "column": col, "a": a, "b": b, "n_seeds": len(pair),
                        "mean_a": pair[a].mean(), "mean_b": pair[b].mean(), "p": wilcoxon_p(pair[a], pair[b])})
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------ plan
# Measured training throughput, examples per second on one GPU (bf16, batch 128, at the
# width given): the only GPU figure we have. Other models are scaled by forward FLOPs per
# example, so every other number here is an estimate.
MEASURED = dict(model="resnet18", examples_per_s=12130, device="H200",
                source="stop 6 note: benchmarks/bench_pipeline.py, full-width CIFAR ResNet-18, bf16")
VISION_GFLOPS = {   # forward GFLOPs per 32x32 image at width 1 (published counts for CIFAR-style nets)
    "resnet18": 0.56, "resnet34": 1.16, "resnet50": 1.30, "shufflenetv2": 0.05,
    "resnet18-imagenet": 0.04,   # torchvision's 1.8 GFLOPs at 224x224, scaled to 32x32
}
TEXT_PARAMS_M = {   # parameters (millions), from the model cards; forward FLOPs ~ 2 x params x tokens
    "tiny-bert": 4, "minilm": 22, "minilm-l3": 17, "google-bert/bert-base-uncased": 110,
    "google-bert/bert-large-uncased": 340, "distilbert/distilbert-base-uncased": 66, "prajjwal1/bert-small": 29,
    "FacebookAI/roberta-large": 355, "FacebookAI/roberta-base": 125, "distilbert/distilroberta-base": 82,
    "openai-community/gpt2": 124, "distilbert/distilgpt2": 82,
}


def gflops(model: str, config: dict) -> float:
    """Estimated forward GFLOPs per training example of `model` in `config`."""
    if model in VISION_GFLOPS:
        return VISION_GFLOPS[model] * config["width"] ** 2
    if model == "mlp":
        return 0.0
    return 2 * TEXT_PARAMS_M[model] * 1e6 * config["max_length"] / 1e9


TRAIN_SIZES = {"cifar10": 50000, "cifar100": 50000, "digits": 1257, "cola": 8551, "sst2": 67349, "mrpc": 3668,
               "rte": 2490, "qnli": 104743, "qqp": 363846, "mnli": 392702, "sst5": 8544, "fewrel": 32000}
NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "digits": 10, "cola": 2, "sst2": 2, "mrpc": 2, "rte": 2, "qnli": 2,
               "qqp": 2, "mnli": 3, "sst5": 5, "fewrel": 64}


def gpu_hours(config: dict) -> float:
    """Estimated GPU-hours of one run (no teacher): examples x epochs x models, at the
    measured ResNet-18 rate scaled by each model's forward FLOPs (MEASURED, GFLOPS).
    A `classes` subset keeps that share of the (balanced) training set."""
    n = TRAIN_SIZES[config["task"]]
    if config["classes"] is not None:
        n = n * len(config["classes"]) / NUM_CLASSES[config["task"]]
    n = min(n, config["max_train"] or n)
    n = n * (1 - config["valid_frac"]) if config["task"] != "fewrel" else n
    models = config["models"] * (METHODS[config["method"]].num_models // len(config["models"]) or 1)
    rate = MEASURED["examples_per_s"] * VISION_GFLOPS[MEASURED["model"]]   # GFLOP/s achieved
    return sum(n * config["epochs"] * gflops(m, config) / rate for m in models) / 3600


def plan_frame(notebook: str, profile: str) -> pd.DataFrame:
    """One row per distinct run of the notebook's tables in `profile` (teachers and init_from
    runs included, each before the run that needs it; `role`: "" for a table's own run,
    "teacher", "init_from" or "dependency" for a run another one needs):
    table, block, row, column, seed, model(s), task, epochs, estimated GPU-hours, then the
    flattened config."""
    rows, seen = [], set()
    for name in notebook_tables(notebook, profile):
        for job in jobs(scaled(TABLES[name], profile)):
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


def write_plan(notebook: str, profile: str, out_dir) -> Path:
    """Write <out_dir>/<notebook>.plan-<profile>.csv (plan_frame) and print its size and cost."""
    frame = plan_frame(notebook, profile)
    path = Path(out_dir) / f"{notebook}.plan-{profile}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    print(f"{notebook} ({profile}): {len(frame)} runs, ~{frame['gpu_hours'].sum():.0f} GPU-hours "
          f"(estimate from {MEASURED['model']} at {MEASURED['examples_per_s']} ex/s on {MEASURED['device']}, "
          f"scaled by FLOPs) -> {path}")
    return path
