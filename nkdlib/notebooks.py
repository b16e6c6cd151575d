"""Run the paper notebooks with papermill: `python -m nkdlib.notebooks [--profile P] [--out DIR] [--plan]`.

A notebook's source is notebooks/NN_<name>.py (jupytext py:percent, what people edit and
diffs show); each run builds DIR/NN_<name>.ipynb from it and executes that. Figures go to
figures/<notebook>/. The default is the `small` profile on the published run store
results/small/runs (finished runs are reused, only missing ones train); other profiles use
the notebooks' own store, runs/.
"""
import argparse
import time
from pathlib import Path

import jupytext
import papermill

from .plan import plan_frame, write_plan
from .runs import RunDir

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
PUBLISHED = {"small": ROOT / "results" / "small" / "runs"}   # profile -> its published run store


def notebooks() -> list[Path]:
    """The notebooks' sources, notebooks/NN_*.py, in order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))


def execute(source: Path, out_dir, **parameters) -> float:
    """Build the notebook of `source` into out_dir/<stem>.ipynb and execute it there with
    `parameters`; returns wall seconds. Raises papermill's PapermillExecutionError (with the
    failing cell) when a cell fails."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook = out_dir / f"{source.stem}.ipynb"
    start = time.time()
    jupytext.write(jupytext.read(source), notebook)
    # papermill reads the whole input before it writes, so the executed copy can replace the built one
    papermill.execute_notebook(str(notebook), str(notebook), parameters=parameters, cwd=str(NOTEBOOK_DIR),
                               kernel_name="python3", progress_bar=False)
    return time.time() - start


def reuse_note(notebook: str, profile: str, runs_dir) -> str:
    """How many of the notebook's runs (nkdlib.plan.plan_frame) are already finished in runs_dir."""
    runs = plan_frame(notebook, profile)["run"]
    done = sum(RunDir.at(Path(runs_dir) / run).finished for run in runs)
    return (f"{notebook} ({profile}): reusing {done} of {len(runs)} runs from {runs_dir}, training {len(runs) - done}"
            " (to retrain from scratch: --runs-dir <an empty folder>)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="small", help="smoke | small | paper (default: small)")
    parser.add_argument("--out", default="out", help="folder for the executed notebooks (and plans)")
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes, e.g. 01 04")
    parser.add_argument("--workers", type=int, default=None, help="runs at once, on Ray (default 1)")
    parser.add_argument("--runs-dir", default=None,
                        help="run store (default: results/small/runs for small, else the notebooks' ../runs)")
    parser.add_argument("--figures-dir", default=None, help="tables and figures (default: the notebooks' ../figures)")
    parser.add_argument("--plan", action="store_true",
                        help="train nothing: write each notebook's run list (CSV) to --out and print its cost")
    args = parser.parse_args(argv)
    runs_dir = args.runs_dir or PUBLISHED.get(args.profile)
    given = dict(profile=args.profile, workers=args.workers,
                 runs_dir=runs_dir and str(Path(runs_dir).resolve()),   # notebooks run in notebooks/
                 figures_dir=args.figures_dir and str(Path(args.figures_dir).resolve()))
    params = {k: v for k, v in given.items() if v is not None}
    for source in notebooks():
        if args.only and not any(source.name.startswith(p) for p in args.only):
            continue
        if args.plan:
            write_plan(source.stem, args.profile, args.out)
            continue
        print(reuse_note(source.stem, args.profile, params.get("runs_dir", ROOT / "runs")), flush=True)
        seconds = execute(source, args.out, **params)
        print(f"{source.name}: {seconds:.0f} s -> {Path(args.out) / (source.stem + '.ipynb')}", flush=True)


if __name__ == "__main__":
    main()
