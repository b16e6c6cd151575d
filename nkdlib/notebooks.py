"""Run the paper notebooks with papermill: `python -m nkdlib.notebooks [--profile P] [--out DIR]`.

Executed copies go to DIR; figures to figures/<notebook>/; runs to the notebooks' run
store (reused by the next call).
"""
import argparse
import time
from pathlib import Path

import papermill

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def execute(notebook: Path, out_dir, **parameters) -> float:
    """Execute one notebook into out_dir/<name>.ipynb; returns wall seconds. Raises
    papermill's PapermillExecutionError (with the failing cell) when a cell fails."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.time()
    papermill.execute_notebook(str(notebook), str(out_dir / notebook.name), parameters=parameters,
                               cwd=str(NOTEBOOK_DIR), kernel_name="python3", progress_bar=False)
    return time.time() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=None, help="smoke | small | paper (default: each notebook's own)")
    parser.add_argument("--out", default="out", help="folder for the executed notebooks")
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes, e.g. 01 04")
    args = parser.parse_args(argv)
    params = {"profile": args.profile} if args.profile else {}
    for nb in notebooks():
        if args.only and not any(nb.name.startswith(p) for p in args.only):
            continue
        seconds = execute(nb, args.out, **params)
        print(f"{nb.name}: {seconds:.0f} s -> {Path(args.out) / nb.name}", flush=True)


if __name__ == "__main__":
    main()
