"""What every paper notebook sets up after its parameters cell, in one call:

    nb = notebook_session("04_cmd_ablations", profile, runs_dir=runs_dir, figures_dir=figures_dir,
                          data_dir=data_dir, device=device, quiet=quiet, seeds=seeds)
    P = nb.settings                      # the profile's sizes, with the notebook's overrides
    t1 = nb.run_grid(jobs)               # train (or reuse) the runs; one row per job
    nb.show(table, "table1")             # save as CSV under <figures_dir>/<notebook>/ and display
"""
from dataclasses import dataclass

from . import report
from .grid import run_many
from .profiles import profile as profile_settings
from .runs import histories


@dataclass(frozen=True)
class NotebookSession:
    """One notebook's profile settings, run store and figure folder."""

    name: str             # the notebook's file stem; its tables and figures go to <figures_dir>/<name>/
    settings: dict        # nkdlib.profiles.profile(...) with the notebook's overrides
    runs_dir: str
    figures_dir: str
    data_dir: str | None = None   # None: $NKD_DATA_DIR or ../shared/data, else the hub
    device: str | None = None     # None: cuda if available
    quiet: bool = False           # True: no progress bars

    def run_grid(self, jobs: list[dict]):
        """Run every job ({"config": cfg, **labels}) in the run store, reusing finished runs;
        a DataFrame with one row per job: its labels, a `run` column (the run's folder name),
        then the run's flattened config and metrics (nkdlib.grid.run_many)."""
        return run_many(jobs, self.runs_dir, data_dir=self.data_dir, device=self.device, quiet=self.quiet)

    def histories(self, run_names, file="history.csv"):
        """The per-epoch histories (or per-step logs, file="steps.csv") of the named runs,
        stacked, with a `run` column (nkdlib.runs.histories)."""
        return histories(self.runs_dir, run_names, file=file)

    def show(self, table, name: str) -> None:
        """Save `table` as <figures_dir>/<notebook>/<name>.csv and display it."""
        report.show_table(table, name, notebook=self.name, root=self.figures_dir)

    def save_figure(self, fig, name: str):
        """Save `fig` as <figures_dir>/<notebook>/<name>.png and .pdf; returns the paths."""
        return report.save_figure(fig, self.name, name, root=self.figures_dir)


def notebook_session(name: str, profile: str, *, runs_dir, figures_dir, data_dir=None, device=None,
                     quiet=False, **overrides) -> NotebookSession:
    """The session of notebook `name` in profile `profile` (smoke | small | paper); every
    non-None keyword in `overrides` replaces that profile setting (nkdlib.profiles)."""
    return NotebookSession(name, profile_settings(profile, **overrides), runs_dir, figures_dir,
                           data_dir, device, quiet)
