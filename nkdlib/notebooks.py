"""Run the paper notebooks with papermill: `python -m nkdlib.notebooks [--profile P] [--only 04] [-p eta 4] [--plan]`.

A notebook's source is notebooks/NN_<name>.py (jupytext py:percent, what people edit and
diffs show); each run builds DIR/NN_<name>.ipynb from it and executes that. The default is
the `small` profile on the published run store results/small/runs (finished runs are
reused, only missing ones train). Parameters given with -p (nkdlib.papers.parameters)
change the science, so their runs go to runs/, never to a published store unless
--runs-dir names it; their tables and figures go to figures/<notebook>/<parameters>/, whose
name also says the profile when it is not small (nkdlib.session: figure_name).
"""
import argparse
import ast
import logging
import time
from pathlib import Path

from .settings import ROOT, check_workers

NOTEBOOK_DIR = ROOT / "notebooks"
PUBLISHED = {"small": ROOT / "results" / "small" / "runs"}   # profile -> its published run store


def notebooks() -> list[Path]:
    """The notebooks' sources, notebooks/NN_*.py, in order; an installed package without the
    repository has none, which is an error saying so."""
    found = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
    if not found:
        raise SystemExit(f"no notebooks in {NOTEBOOK_DIR}: nkdlib.notebooks runs the repository's notebooks; "
                         "clone the repository and install it with `pip install -e .` there")
    return found


def execute(source: Path, out_dir, **parameters) -> float:
    """Build the notebook of `source` into out_dir/<stem>.ipynb and execute it there with
    `parameters` and text_bars (its bars are streamed here as text, nkdlib.progress); returns
    wall seconds. Raises papermill's PapermillExecutionError (with the failing cell) when a
    cell fails."""
    import jupytext
    import papermill

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook = out_dir / f"{source.stem}.ipynb"
    start = time.time()
    jupytext.write(jupytext.read(source), notebook)
    # papermill reads the whole input before it writes, so the executed copy can replace the built one
    papermill.execute_notebook(str(notebook), str(notebook), parameters={**parameters, "text_bars": True},
                               cwd=str(NOTEBOOK_DIR),
                               kernel_name="python3", progress_bar=False, log_output=True)
    return time.time() - start


def reuse_note(notebook: str, profile: str, runs_dir, values=None) -> str:
    """How many of the notebook's runs (nkdlib.cost.plan_frame) are already finished in runs_dir."""
    from .cost import plan_frame
    from .runs import RunDir

    runs = plan_frame(notebook, profile, values)["run"]
    done = sum(RunDir.at(Path(runs_dir) / run).finished for run in runs)
    return (f"{notebook} ({profile}): reusing {done} of {len(runs)} runs from {runs_dir}, training {len(runs) - done}"
            " (to retrain from scratch: --runs-dir <an empty folder>)")


def value(text: str):
    """A -p value: a Python literal (4, -2.5, [0, 1], None), a float papermill also reads
    ("inf", "nan"), else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        try:
            return float(text)
        except ValueError:
            return text


def workers(text: str) -> int:
    """--workers: an integer >= 1 (settings.check_workers; argparse names the option when it is not)."""
    try:
        return check_workers(value(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer >= 1") from None


def _covers(papers, notebook, profile) -> bool:
    try:
        return bool(papers.notebook_tables(notebook, profile))
    except ValueError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="small", help="smoke | small | gpu | paper (default: small)")
    parser.add_argument("--out", default="out", help="folder for the executed notebooks (and plans)")
    parser.add_argument("--only", nargs="*", default=None, help="notebook numbers or names, e.g. 01 04")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a notebook parameter, e.g. -p eta 4 -p b2 -2 (nkdlib.papers.parameters)")
    parser.add_argument("--workers", type=workers, default=None,
                        help="runs at once, on Ray, one thread each (default: the machine's cores)")
    parser.add_argument("--runs-dir", default=None,
                        help="run store (default: results/small/runs for small at the profile's values, else runs/)")
    parser.add_argument("--figures-dir", default=None, help="tables and figures (default: figures/)")
    parser.add_argument("--tensorboard", default=None, help="a folder for live TensorBoard curves")
    parser.add_argument("--plan", action="store_true",
                        help="train nothing: write each notebook's run list (CSV) to --out and print its cost")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(message)s")
    logging.getLogger("papermill").setLevel(logging.INFO)   # streams each notebook's output (log_output)
    sources = notebooks()
    chosen = [s for s in sources if not args.only or any(s.name.startswith(p) or s.stem == p for p in args.only)]
    unmatched = [p for p in args.only or () if not any(s.name.startswith(p) or s.stem == p for s in sources)]
    if unmatched:
        parser.error(f"--only {unmatched} matches no notebook; notebooks: {[s.stem for s in sources]}")

    from . import papers   # after argument checks: --help and typos answer without importing torch
    from .cost import write_plan
    from .jobs import check_notebook

    values = {name: value(v) for name, v in args.parameter}
    try:
        papers.check_profile(args.profile)
    except ValueError as e:
        parser.error(str(e))
    if not args.only:   # all notebooks: those the profile covers (gpu: the vision ones)
        covered = [s for s in chosen if _covers(papers, s.stem, args.profile)]
        if len(covered) < len(chosen):
            print(f"profile {args.profile!r} leaves out {[s.stem for s in chosen if s not in covered]}", flush=True)
        chosen = covered
    checked = {}   # notebook -> the values set, every name and value checked before anything runs
    for source in chosen:
        try:
            checked[source] = check_notebook(source.stem, args.profile, values)
        except ValueError as e:
            parser.error(str(e))
    runs_dir = args.runs_dir or (None if values else PUBLISHED.get(args.profile)) or ROOT / "runs"
    given = dict(profile=args.profile, workers=args.workers, runs_dir=str(Path(runs_dir).resolve()),
                 figures_dir=args.figures_dir and str(Path(args.figures_dir).resolve()),
                 tensorboard=args.tensorboard and str(Path(args.tensorboard).resolve()), **values)
    params = {k: v for k, v in given.items() if v is not None}
    for i, source in enumerate(chosen, 1):
        if args.plan:
            write_plan(source.stem, args.profile, args.out, checked[source])
            continue
        print(f"[{i}/{len(chosen)}] " + reuse_note(source.stem, args.profile, runs_dir, values), flush=True)
        seconds = execute(source, args.out, **params)
        print(f"[{i}/{len(chosen)}] {source.name}: {seconds:.0f} s -> {Path(args.out) / (source.stem + '.ipynb')}",
              flush=True)


if __name__ == "__main__":
    main()
