"""From the run table (nkdlib.runs.gather) to the papers' tables and figures.

Tables are "mean ± std over seeds" grids (`paper_table`: a paper's table from the runs of
nkdlib.jobs.jobs, `comparisons`: its Wilcoxon tests); figures are seaborn-styled and saved as PNG and
PDF under figures/<notebook>/, tables as CSV beside them.
"""
import re
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import display
from scipy.stats import wilcoxon

from .papers.table import Table


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


def line_panels(df, x, y, hue, panel, xlabel, ylabel, title=None, legend=None, col_wrap=3, marks=()):
    """One axis per value of `panel`, a line per value of `hue` (mean over seeds, ± std band);
    `legend` titles the legend (default: the hue column's name); `marks`: x values marked by
    a dashed vertical line on every axis (e.g. label-refinement epochs)."""
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
    for ax in grid.figure.axes:
        for mark in marks:
            ax.axvline(mark, color="grey", linestyle="--", linewidth=1)
    return grid.figure


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


def paired_gaps(cells: pd.DataFrame, base: pd.DataFrame, by: str = "label") -> pd.DataFrame:
    """Each group of `cells` against `base`, paired by seed: one row per value of `by` with
    n (seeds in both), mean (cells), "Δ" (mean of cell − base per seed), "wins" (seeds where
    cell > base, "k/n") and p (two-sided Wilcoxon signed-rank over the pairs).
    cells: columns `by`, seed, cell; base: columns seed, cell (e.g. one row's runs)."""
    out = []
    base = base.set_index("seed")["cell"]
    for label, group in cells.groupby(by, sort=False):
        pair = group.set_index("seed")["cell"].to_frame("a").join(base.rename("b"), how="inner").dropna()
        diff = pair["a"] - pair["b"]
        out.append({by: label, "n": len(pair), "mean": pair["a"].mean(), "Δ": diff.mean(),
                    "wins": f"{(diff > 0).sum()}/{len(pair)}", "p": wilcoxon_p(pair["a"], pair["b"])})
    return pd.DataFrame(out).set_index(by).round(4)
