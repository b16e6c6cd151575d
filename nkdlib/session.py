"""What every paper notebook sets up after its parameters cell, in one call:

    nb = notebook_session("04_cmd_ablations", profile, runs_dir=runs_dir, figures_dir=figures_dir,
                          data_dir=data_dir, device=device, quiet=quiet, workers=workers, plan=plan)
    t1 = nb.run_table("cmd.table1")      # the table's runs (nkdlib.plan.jobs), trained or reused
    nb.show(nb.paper_table(t1), "table1")   # "mean ± std" over seeds; saved as CSV and displayed

With plan=True nothing trains: the session writes the notebook's run list (nkdlib.plan)
and run_table returns the jobs without metrics, whose tables count runs per cell.
"""
from dataclasses import dataclass

import pandas as pd

from . import plan as planning
from . import report
from .grid import run_many
from .protocol import TABLES
from .runs import histories, run_name


@dataclass(frozen=True)
class NotebookSession:
    """One notebook's profile, run store, figure folder and parallelism."""

    name: str             # the notebook's file stem; its tables and figures go to <figures_dir>/<name>/
    profile: str          # smoke | small | paper (nkdlib.profiles)
    runs_dir: str
    figures_dir: str
    data_dir: str | None = None   # None: $NKD_DATA_DIR or ../shared/data, else the hub
    device: str | None = None     # None: cuda if available
    quiet: bool = False           # True: no progress bars
    workers: int = 1              # runs at once (Ray); 1: one after another
    gpus_per_run: float = 1.0     # GPU fraction per run when workers > 1 on cuda
    plan: bool = False            # True: list the runs, train nothing

    @property
    def tables(self) -> tuple:
        """The paper tables this notebook renders in its profile."""
        return planning.notebook_tables(self.name, self.profile)

    def table(self, name: str):
        """Paper table `name` as this profile runs it (nkdlib.protocol.Table)."""
        return planning.scaled(TABLES[name], self.profile)

    def describe(self, name: str) -> None:
        """Print what this profile runs of paper table `name`: source, models, seeds, columns
        and the splits reported."""
        t = self.table(name)
        print(f"{name} ({t.source}): models {t.models}, seeds {list(t.seeds)}, columns {list(t.columns)}, "
              f"splits {t.splits}")

    def run_table(self, name: str) -> pd.DataFrame:
        """Train (or reuse) every run of paper table `name`: one row per job (labels table,
        block, row, column, seed, grid, value, run) with the run's flattened config and
        metrics (nkdlib.grid.run_many). In plan mode: the jobs only."""
        jobs = planning.jobs(self.table(name))
        if self.plan:
            return pd.DataFrame([{**{k: v for k, v in j.items() if k != "config"},
                                  "run": run_name(j["config"])} for j in jobs])
        return run_many(jobs, self.runs_dir, data_dir=self.data_dir, device=self.device, quiet=self.quiet,
                        workers=self.workers, gpus_per_run=self.gpus_per_run)

    def paper_table(self, frame: pd.DataFrame, name: str | None = None) -> pd.DataFrame:
        """The paper's table from run_table's frame (nkdlib.plan.paper_table); in plan mode,
        the number of runs per cell."""
        name = name or frame["table"].iloc[0]
        if self.plan:   # distinct runs per cell
            return frame.pivot_table(index=["block", "row"], columns="column", values="run", aggfunc="nunique",
                                     sort=False)
        return planning.paper_table(frame, self.table(name))

    def histories(self, run_names, file="history.csv") -> pd.DataFrame:
        """The per-epoch histories (or per-step logs, file="steps.csv") of the named runs,
        stacked, with a `run` column (nkdlib.runs.histories); empty in plan mode."""
        return pd.DataFrame() if self.plan else histories(self.runs_dir, run_names, file=file)

    def show(self, table, name: str) -> None:
        """Save `table` as <figures_dir>/<notebook>/<name>.csv and display it."""
        report.show_table(table, name, notebook=self.name, root=self.figures_dir)

    def save_figure(self, fig, name: str):
        """Save `fig` as <figures_dir>/<notebook>/<name>.png and .pdf; returns the paths."""
        return report.save_figure(fig, self.name, name, root=self.figures_dir)


def notebook_session(name: str, profile: str, *, runs_dir, figures_dir, data_dir=None, device=None,
                     quiet=False, workers=1, gpus_per_run=1.0, plan=False) -> NotebookSession:
    """The session of notebook `name` in profile `profile` (smoke | small | paper). With
    `plan`, writes <figures_dir>/<name>/plan-<profile>.csv (nkdlib.plan.write_plan)."""
    planning.notebook_tables(name, profile)   # checks the profile name
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"parameter workers={workers!r} must be an integer >= 1")
    session = NotebookSession(name, profile, runs_dir, figures_dir, data_dir, device, quiet, workers,
                              gpus_per_run, plan)
    if plan:
        planning.write_plan(name, profile, report.figure_dir(name, figures_dir))
    return session
