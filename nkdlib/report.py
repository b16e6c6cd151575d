"""From the run table (nkdlib.runs.gather) to the papers' tables and figures.

Tables are "mean ± std over seeds" grids; figures are seaborn-styled and saved as PNG and
PDF under figures/<notebook>/, tables as CSV beside them.
"""
import re
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import display
from scipy.stats import wilcoxon


def style():
    """The look of every figure."""
    sns.set_theme(style="whitegrid", context="paper", font_scale=1.1)


def mean_std_table(df: pd.DataFrame, rows, cols, value="test_metric", scale=100.0, average=True,
                   row_order=None, col_order=None) -> pd.DataFrame:
    """Grid of "mean ± std" strings, scaled by `scale`: one cell per (rows, cols) group of
    `df` (one row per run, with columns `rows`, `cols` and `value`), over the runs in it
    (seeds); the std is the sample std, 0 for a single run. Rows and columns are sorted, or
    follow row_order / col_order (values missing from df are skipped). With `average`, an
    "avg" column holds the mean over columns of the cell means (std over those averages
    needs the same seeds everywhere, so it is omitted)."""
    grouped = df.groupby([rows, cols])[value].agg(["mean", "std", "count"]) * [scale, scale, 1]
    cells = grouped.apply(lambda r: f"{r['mean']:.2f} ± {0 if np.isnan(r['std']) else r['std']:.2f}", axis=1)
    table = cells.unstack(cols)
    if col_order is not None:
        table = table[[c for c in col_order if c in table.columns]]
    if average:
        table["avg"] = grouped["mean"].unstack(cols).mean(axis=1).map(lambda m: f"{m:.2f}")
    if row_order is not None:
        table = table.loc[[r for r in row_order if r in table.index]]
    return table


def wilcoxon_p(a, b) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired samples a, b (shape (n_seeds,))."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if np.allclose(a, b):
        return 1.0
    return float(wilcoxon(a, b, alternative="two-sided").pvalue)


def figure_dir(notebook: str, root="figures") -> Path:
    path = Path(root) / notebook
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_figure(fig, notebook: str, name: str, root="figures") -> list[Path]:
    """Save `fig` as <root>/<notebook>/<name>.png and .pdf; returns the paths."""
    paths = [figure_dir(notebook, root) / f"{name}.{ext}" for ext in ("png", "pdf")]
    for path in paths:
        fig.savefig(path, bbox_inches="tight", dpi=150)
    return paths


def save_table(table: pd.DataFrame, notebook: str, name: str, root="figures") -> Path:
    """Save as <root>/<notebook>/<name>.csv and .md (characters unsafe in a file name
    become _); returns the CSV's path."""
    path = figure_dir(notebook, root) / (re.sub(r"[^\w.-]+", "_", name) + ".csv")
    table.to_csv(path)
    path.with_suffix(".md").write_text(markdown(table))
    return path


def markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table of `table`, its index as the first column."""
    frame = table.reset_index()
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def show_table(table: pd.DataFrame, name: str, *, notebook: str, root="figures") -> None:
    """Save a table (save_table) and display it in the notebook."""
    save_table(table, notebook, name, root)
    display(table)


def line_panels(df, x, y, hue, panel, xlabel, ylabel, title=None, legend=None, col_wrap=3):
    """One axis per value of `panel`, a line per value of `hue` (mean over seeds, ± std band);
    `legend` titles the legend (default: the hue column's name)."""
    style()
    grid = sns.relplot(data=df, x=x, y=y, hue=hue, col=panel, kind="line", marker="o",
                       col_wrap=min(col_wrap, df[panel].nunique()), height=3, aspect=1.2,
                       facet_kws={"sharey": False}, errorbar="sd")
    grid.set_axis_labels(xlabel, ylabel)
    grid.set_titles("{col_name}")
    if grid.legend is not None:
        grid.legend.set_title(legend or hue)
    if title:
        grid.figure.suptitle(title, y=1.03)
    return grid.figure
