"""What every paper notebook sets up after its parameters cell, in one call:

    nb = notebook_session("04_cmd_ablations", globals())   # reads the parameters cell's values
    t1 = nb.run_table("cmd.table1")      # the table's runs (nkdlib.jobs.jobs), trained or reused
    nb.show(nb.paper_table(t1), "table1")   # "mean ± std" over seeds; saved as CSV and displayed
    f2 = nb.render("cmd.figure2", show=False)   # run_table, its paper table shown; None where the profile has none
    nb.show(nb.verdicts({"cmd.table1": t1}), "verdicts")   # the paper's claims, by the one rule

The parameters cell is the one source of a notebook's parameters: SETTINGS (where and
how to run; they do not change numbers) and the science ones (nkdlib.papers.parameters:
seeds, epochs, noise, models, ... and the paper's knobs, None = the profile's value). A
name injected by papermill that is neither (a typo) stops the notebook, naming the valid
ones. With plan=True nothing trains: the session writes the notebook's run list
(nkdlib.cost) and run_table returns the jobs without metrics, whose tables count runs per
cell. Tables and figures go to <figures_dir>/<notebook>/, or, for another profile than the
published one (small), parameters set or plan mode, to a subfolder that names them
(figure_name), so they never overwrite the published profile's.
"""
import os
import re
import types
from dataclasses import dataclass, field

import pandas as pd

from . import cost, papers, report
from .grid import run_many
from .jobs import check_notebook, jobs
from .notebooks import PUBLISHED
from .runs import histories, run_name
from .settings import ROOT, RunSettings, check_workers

SETTINGS = {   # parameter -> what it sets; none of them changes a number
    "profile": "smoke | small | gpu | paper (nkdlib.papers)",
    "plan": "True: write the run list and count runs per cell; train nothing",
    "workers": "runs at once (Ray; one thread each on CPU); None: the machine's cores",
    "data_dir": "None: $NKD_DATA_DIR or ../shared/data, else the hub",
    "device": "None: cuda if available",
    "runs_dir": "run store (None: <repo>/runs); finished runs are reused",
    "figures_dir": "tables and figures (None: <repo>/figures)",
    "quiet": "True: no progress bars",
    "text_bars": "True: plain text progress bars, redrawn every 30 s (python -m nkdlib.notebooks sets it)",
    "tensorboard": "a folder for live TensorBoard curves, or None",
}
FLAGS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
HISTORY_LABELS = ("row", "column", "seed", "value", "method", "hp.target", "n_train")   # NotebookSession.histories
KERNEL_NAMES = {"In", "Out"}   # what IPython itself puts in a notebook's namespace
_SEEN = set()   # ids of namespaces already checked: a re-run cell sees the notebook's later globals


@dataclass(frozen=True)
class NotebookSession:
    """One notebook's profile, parameters, run store, figure folder and parallelism."""

    name: str             # the notebook's file stem; its tables and figures go to <figures_dir>/<name>/
    profile: str          # smoke | small | gpu | paper (nkdlib.papers)
    runs_dir: str
    figures_dir: str
    values: dict = field(default_factory=dict)   # science parameters set (not None): nkdlib.papers.table
    settings: RunSettings = RunSettings()   # where and how its runs train: data_dir, device, quiet, ...
    workers: int = 1              # runs at once (Ray); 1: one after another; notebooks: the cores
    gpus_per_run: float = 1.0     # GPU fraction per run when workers > 1 on cuda
    plan: bool = False            # True: list the runs, train nothing

    @property
    def tables(self) -> tuple:
        """The tables this notebook renders in its profile."""
        return papers.notebook_tables(self.name, self.profile)

    @property
    def tag(self) -> str:
        """As a folder name, what sets this session's tables apart from the published
        profile's: the profile (unless it is published), the parameters set, plan mode
        ("" for none: the main job's tables keep their published paths)."""
        def text(v):
            return "-".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
        parts = [f"{k}={text(v)}" for k, v in self.values.items()] + (["plan"] if self.plan else [])
        if self.profile not in PUBLISHED:
            parts.insert(0, f"profile={self.profile}")
        return re.sub(r"[^A-Za-z0-9.=,_-]", "_", ",".join(parts))

    @property
    def figure_name(self) -> str:
        """Where this notebook's tables and figures go under figures_dir: <name>, or
        <name>/<tag> (e.g. profile=smoke,eta=4,plan), so a run count or a smoke table never
        overwrites a rendered table."""
        return f"{self.name}/{self.tag}" if self.tag else self.name

    def table(self, name: str):
        """Table `name` as this profile and these parameters run it (nkdlib.papers.table)."""
        return papers.table(name, self.profile, self.values)

    def title(self, name: str) -> str:
        """A figure title for table `name`: its source, task and noise, and the profile."""
        t = self.table(name)
        return f"{t.source}: {t.data['task']}, {t.data['noise_rate']:.0%} {t.data['noise']} noise ({self.profile})"

    def describe(self, name: str) -> None:
        """Print what this session runs of table `name`: source, models, seeds, columns, splits
        and the parameters set."""
        t = self.table(name)
        print(f"{name} ({t.source}): models {t.models}, seeds {list(t.seeds)}, columns {list(t.columns)}, "
              f"splits {t.splits}" + (f"; parameters {self.values}" if self.values else ""))

    def run_table(self, name: str) -> pd.DataFrame:
        """Train (or reuse) every run of table `name`: one row per job (labels table, block,
        row, column, seed, grid, value, run) with the run's flattened config and metrics
        (nkdlib.grid.run_many). In plan mode: the jobs only."""
        table_jobs = jobs(self.table(name))
        if self.plan:
            return pd.DataFrame([{**{k: v for k, v in j.items() if k != "config"},
                                  "run": run_name(j["config"])} for j in table_jobs])
        return run_many(table_jobs, self.runs_dir, self.settings, workers=self.workers, gpus_per_run=self.gpus_per_run)

    def render(self, name: str, show: bool = True) -> pd.DataFrame | None:
        """run_table(name), its paper table shown (with `show`, and always in plan mode: the
        run counts) as <figure_name>/<short name>.csv, e.g. table1 for cmd.table1; None,
        saying so, when this profile does not render the table (Table.profiles)."""
        if name not in self.tables:
            print(f"{name}: not in profile {self.profile!r} (its Table.profiles)")
            return None
        frame = self.run_table(name)
        if show or self.plan:
            self.show(self.paper_table(frame), name.split(".")[1])
        return frame

    def paper_table(self, frame: pd.DataFrame, name: str | None = None) -> pd.DataFrame:
        """The paper's table from run_table's frame (nkdlib.report.paper_table); in plan mode,
        the number of runs per cell."""
        name = name or frame["table"].iloc[0]
        if self.plan:   # distinct runs per cell
            return frame.pivot_table(index=["block", "row"], columns="column", values="run", aggfunc="nunique",
                                     sort=False)
        return report.paper_table(frame, self.table(name))

    def verdicts(self, frames: dict) -> pd.DataFrame:
        """The verdict table of this notebook's claims (nkdlib.papers.claims), each judged by
        the one rule (nkdlib.report.verdict) on the runs of its table: frames maps a paper
        table's name to run_table's frame (None: not run in this profile). One row per claim
        judged (nkdlib.report.verdicts); empty in plan mode."""
        if self.plan:
            return pd.DataFrame()
        return report.verdicts(frames, papers.claims(self.name))[0]

    def histories(self, frame: pd.DataFrame, file="history.csv", labels=HISTORY_LABELS) -> pd.DataFrame:
        """The per-epoch histories (or per-step logs, file="steps.csv") of the runs of `frame`
        (run_table's, or any frame with a `run` column), one row per epoch and job: the run's
        history (nkdlib.runs.histories), the job's `labels` that frame has and, where it has
        `value`, `cell`: the epoch's number as the cell reads it (report.cell_values, not
        ×100). Empty in plan mode."""
        if self.plan:
            return pd.DataFrame()
        keep = ["run"] + [c for c in labels if c in frame and c != "run"]
        h = histories(self.runs_dir, frame["run"], file=file).merge(frame[keep].drop_duplicates(), on="run")
        return h.assign(cell=report.cell_values(h)) if "value" in h else h

    def show(self, table, name: str) -> None:
        """Save `table` as <figures_dir>/<figure_name>/<name>.csv (and .md) and display it,
        saying which parameters differ from the profile's."""
        if self.values:
            print(f"{name}: parameters {self.values} (the rest: profile {self.profile!r})")
        report.show_table(table, name, notebook=self.figure_name, root=self.figures_dir)

    def save_figure(self, fig, name: str):
        """Save `fig` as <figures_dir>/<figure_name>/<name>.png and .pdf; returns the paths."""
        if self.values:
            fig.text(0.01, 0.005, f"parameters: {self.values}", fontsize=7)
        return report.save_figure(fig, self.figure_name, name, root=self.figures_dir)


def notebook_session(name: str, namespace: dict, gpus_per_run: float = 1.0) -> NotebookSession:
    """The session of notebook `name` from its parameters cell's `namespace` (globals()).

    Refuses, before anything runs, a name in the namespace that is no parameter (a typo
    given to papermill), a bad profile, a bad parameter value or a profile without this
    notebook, each naming the valid ones. With `plan`, writes
    <figures_dir>/<figure_name>/<name>.plan-<profile>.csv (nkdlib.cost.write_plan)."""
    science = papers.parameters(name)
    stray = sorted(k for k, v in namespace.items() if not k.startswith("_") and k not in KERNEL_NAMES
                   and k not in SETTINGS and k not in science
                   and not callable(v) and not isinstance(v, types.ModuleType))
    if stray and id(namespace) not in _SEEN:   # re-run in the same kernel: the notebook's own globals
        raise ValueError(f"unknown parameter(s) {stray} of notebook {name}; known: {sorted({**SETTINGS, **science})}")
    get = lambda k, default=None: namespace.get(k, default)   # noqa: E731
    profile = get("profile", "smoke")
    values = check_notebook(name, profile, {k: get(k) for k in science})   # every name and value, now
    _SEEN.add(id(namespace))
    workers = get("workers")   # one thread per run: numbers as with one worker
    workers = check_workers(os.cpu_count() if workers is None else workers)
    settings = RunSettings(data_dir=get("data_dir"), device=get("device"), quiet=_flag("quiet", get("quiet")),
                           text_bars=_flag("text_bars", get("text_bars")), tensorboard=get("tensorboard"))
    session = NotebookSession(name, profile, str(get("runs_dir") or ROOT / "runs"),
                              str(get("figures_dir") or ROOT / "figures"), values, settings, workers, gpus_per_run,
                              _flag("plan", get("plan")))
    if session.plan:
        cost.write_plan(name, profile, report.figure_dir(session.figure_name, session.figures_dir), values)
    return session


def _flag(name: str, value) -> bool:
    """A True/False parameter (None: False). papermill's `-p plan no` gives the string 'no',
    which bool() reads as True: strings are parsed (FLAGS), anything else is refused."""
    if value is None or isinstance(value, bool):
        return bool(value)
    flag = FLAGS.get(str(value).strip().lower()) if isinstance(value, (str, int)) else None
    if flag is None:
        raise ValueError(f"parameter {name}={value!r} must be True or False (or one of {list(FLAGS)})")
    return flag
