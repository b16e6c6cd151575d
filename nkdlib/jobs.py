"""From a table (nkdlib.papers) to the runs it needs: one job per run a cell needs.

    table = papers.table("cmd.table1", "small")     # the profile's models, sizes, seeds
    frame = run_many(jobs(table), "runs/")          # one row per job, metrics beside it
    report.paper_table(frame, table)                # rows x columns of "mean ± std" over seeds

`jobs` expands blocks x rows x columns x seeds (x the row's hp grid), labelled by
table/block/row/column/seed; teachers are part of their student's config (nkdlib.grid
trains them first).
"""
import itertools
import json

from . import papers
from .config import make_config
from .methods import METHODS
from .papers.table import Table, cell
from .runs import run_name


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
                    if entries.get("init_from") is not None:   # papers/ states the run's entries, torch-free
                        entries["init_from"] = make_config(**entries["init_from"])
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


def check_effect(notebook: str, profile: str, values: dict) -> None:
    """Every parameter set changes at least one run of `notebook` in `profile`; else
    ValueError naming it (e.g. noise_rate on notebook 01, whose blocks set the rates)."""
    def runs(vals):
        return {run_name(j["config"]) for name in papers.notebook_tables(notebook, profile) for j in jobs(papers.table(name, profile, vals))}
    base = runs({})
    for key in values:
        if runs({key: values[key]}) == base:
            raise ValueError(f"parameter {key}={values[key]!r} changes no run of notebook {notebook} in profile "
                             f"{profile!r} (its tables set that per block or column, or already use it)")


def check_notebook(notebook: str, profile: str, values: dict) -> dict:
    """The one check of a notebook's profile and parameters, before anything runs: the profile
    has the notebook, every value is valid (papers.check_values) and changes a run
    (check_effect), and every table's jobs build. Returns the values set; ValueError otherwise."""
    tables = papers.notebook_tables(notebook, profile)   # checks the profile, and that it has this notebook
    values = papers.check_values(notebook, values)
    check_effect(notebook, profile, values)
    for table in tables:   # every name checked now, not mid-grid
        jobs(papers.table(table, profile, values))
    return values
