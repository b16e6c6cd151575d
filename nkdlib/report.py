"""From the run table (nkdlib.runs.gather) to the papers' tables and figures.

Tables are "mean ± std over seeds" grids (`paper_table`: a paper's table from the runs of
nkdlib.jobs.jobs, `comparisons`: its Wilcoxon tests); figures are seaborn-styled and saved as PNG and
PDF under figures/<notebook>/, tables as CSV beside them. `verdict` is the repository's one
rule for judging a paper's claims (nkdlib.papers.table.Claim, each paper's in its module's
CLAIMS) against our cells; `verdicts` judges a notebook's claims on its tables' runs.
"""
import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import display
from scipy.stats import binomtest, rankdata, ttest_1samp, wilcoxon

from .papers import noisy_kd
from .papers.table import KINDS, TESTS, Claim, Table   # noqa: F401 (KINDS: re-exported)


def style():
    """The look of every figure. Seeds numpy's global RNG, which seaborn's strip-plot jitter
    draws from, so that a figure rendered again is byte-identical."""
    sns.set_theme(style="whitegrid", context="paper", font_scale=1.1)
    np.random.seed(0)


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
    """Two-sided exact Wilcoxon signed-rank p-value of paired samples a, b (shape (n_seeds,)):
    gap_p of a − b, the one signed-rank test of every table and verdict."""
    return gap_p(np.asarray(a, float) - np.asarray(b, float))


def figure_dir(notebook: str, root="figures") -> Path:
    path = Path(root) / notebook
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_figure(fig, notebook: str, name: str, root="figures") -> list[Path]:
    """Save `fig` as <root>/<notebook>/<name>.png and .pdf; returns the paths. The PDF carries
    no creation date, so a figure rendered again is byte-identical."""
    paths = [figure_dir(notebook, root) / f"{name}.{ext}" for ext in ("png", "pdf")]
    for path in paths:
        fig.savefig(path, bbox_inches="tight", dpi=150,
                    metadata={"CreationDate": None} if path.suffix == ".pdf" else None)
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


def cells(frame: pd.DataFrame, split: str = "test") -> pd.DataFrame:
    """run_table's `frame` at its best grid point (select_grid) with column `cell`: each
    job's number on `split` (cell_values) in points (×100)."""
    frame = select_grid(frame)
    return frame.assign(cell=100 * cell_values(frame, split))


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


def seed_gaps(frame: pd.DataFrame, pairs) -> pd.DataFrame:
    """The per-seed gaps b − a of each pair (a, b) of rows of run_table's `frame` (points, at
    the best grid point: `cells`), per column: columns column, seed, a, b, gap; one row per
    (pair, column, seed), NaN where a seed lacks a or b."""
    wide = cells(frame).pivot_table(index=["column", "seed"], columns="row", values="cell")
    return pd.concat([(wide[b] - wide[a]).rename("gap").reset_index().assign(a=a, b=b)[["column", "seed", "a", "b", "gap"]]
                      for a, b in pairs], ignore_index=True)


def paired_gaps(cells: pd.DataFrame, base: pd.DataFrame, by: str = "label", within: str | None = None) -> pd.DataFrame:
    """Each group of `cells` against `base`, paired by seed: one row per value of `by` with
    n (seeds in both), mean (cells), "Δ" (mean of cell − base per seed), "wins" (seeds where
    cell > base, "k/n") and p (two-sided Wilcoxon signed-rank over the pairs).
    cells: columns `by`, seed, cell; base: columns seed, cell (e.g. one row's runs).
    within: a column of both (e.g. hp.target); each of its values of `cells`, in order, is
    paired with base's rows of that value."""
    if within is not None:
        return pd.concat([paired_gaps(cells[cells[within] == v], base[base[within] == v], by)
                          for v in cells[within].unique()])
    out = []
    base = base.set_index("seed")["cell"]
    for label, group in cells.groupby(by, sort=False):
        pair = group.set_index("seed")["cell"].to_frame("a").join(base.rename("b"), how="inner").dropna()
        diff = pair["a"] - pair["b"]
        out.append({by: label, "n": len(pair), "mean": pair["a"].mean(), "Δ": diff.mean(),
                    "wins": f"{(diff > 0).sum()}/{len(pair)}", "p": wilcoxon_p(pair["a"], pair["b"])})
    return pd.DataFrame(out).set_index(by).round(4)


def model_gaps(frame: pd.DataFrame, by: str = "column") -> pd.DataFrame:
    """Model 0 against model 1 of two-model runs, paired by seed: one row per value of `by`
    with n, each model's "mean ± std" (points, sample std), Δ (mean ± std of model 0 − model 1
    per seed), wins (seeds where model 0 is higher, "k/n") and the two-sided p of each test in
    TESTS (`gap_p`) over those gaps. frame: one row per run, columns `by`, seed, test_metric_0,
    test_metric_1 (fractions)."""
    def spread(x):
        return f"{x.mean():.2f} ± {x.std():.2f}"

    out = []
    for label, runs in frame.sort_values("seed").groupby(by, sort=False):
        a, b = 100 * runs["test_metric_0"], 100 * runs["test_metric_1"]
        gaps = (a - b).to_numpy()
        out.append({by: label, "n": len(gaps), "model 0": spread(a), "model 1": spread(b),
                    "Δ": spread(a - b), "wins": f"{(gaps > 0).sum()}/{len(gaps)}",
                    **{f"p ({name})": round(gap_p(gaps, test), 4) for test, name in
                       (("wilcoxon", "Wilcoxon exact"), ("t", "paired t"), ("sign", "sign"))}})
    return pd.DataFrame(out).set_index(by)


def gaps_to(frame: pd.DataFrame, table: Table, base: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary, per seed) of each student row's gap to row `base` in run_table's `frame` of
    `table`, in points. summary: per column (table order) and row, the row's and base's
    mean ± std over seeds, the per-seed gap's mean and std, on how many seeds the row wins,
    and whether the two mean ± std intervals intersect; per seed: column, seed, row, gap."""
    rows = [r for r, spec in table.rows.items() if spec.models == ("student",) and r != base]
    stats = cells(frame).groupby(["column", "row"])["cell"].agg(["mean", "std"])
    gaps = seed_gaps(frame, [(base, r) for r in rows]).rename(columns={"b": "row"})
    summary = []
    for column in [c for c in table.columns if c in stats.index.get_level_values("column")]:
        mb, sb = stats.loc[(column, base)]
        for row in rows:
            (m, s), g = stats.loc[(column, row)], gaps.query("column == @column and row == @row")["gap"].dropna()
            summary.append({"task": column, "row": row, "row mean ± std": f"{m:.2f} ± {s:.2f}",
                            f"{base} mean ± std": f"{mb:.2f} ± {sb:.2f}", "gap": g.mean(), "gap std": g.std(),
                            "row wins": f"{(g > 0).sum()}/{len(g)} seeds", "intervals intersect": abs(m - mb) <= s + sb})
    return pd.DataFrame(summary), gaps.dropna(subset=["gap"])[["column", "seed", "row", "gap"]]


def compare_gaps(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The per-seed gaps b − a (points) of each of the table's tests (Table.compare) in
    run_table's `frame`: columns column, seed, a, b, "b − a", test, arm (the test's group,
    else the column) and table (the table's short name)."""
    out = []
    for (test, group), pair in table.compare.items():
        gaps = seed_gaps(frame, [pair])
        out.append(gaps.assign(test=test, arm=group or gaps["column"]))
    return pd.concat(out, ignore_index=True).rename(columns={"gap": "b − a"}).assign(table=table.name.split(".")[1])


def compare_tests(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The table's Wilcoxon tests (comparisons) on run_table's `frame`, one row per test and
    arm: the two rows' means (points), the mean per-seed gap b − a, on how many seeds b beats
    a, the p-value and the smallest p that many seeds can give (2 / 2ⁿ)."""
    out = comparisons(frame, table)
    gaps = seed_gaps(frame, list(dict.fromkeys(zip(out["a"], out["b"])))).dropna(subset=["gap"])   # one pivot
    diff = [gaps[(gaps["column"] == column) & (gaps["a"] == a) & (gaps["b"] == b)]["gap"]
            for column, a, b in zip(out["column"], out["a"], out["b"])]
    return pd.DataFrame({"test": out["test"], "arm": out["group"].where(out["group"] != "", out["column"]),
                         "a": out["a"], "b": out["b"], "mean a": 100 * out["mean_a"], "mean b": 100 * out["mean_b"],
                         "b − a": [d.mean() for d in diff], "b wins": [f"{(d > 0).sum()}/{len(d)}" for d in diff],
                         "p": out["p"], "smallest p": 2.0 / 2.0 ** out["n_seeds"]}).round(4)


# The verdict rule: one for every claim of every paper -----------------------------------

FRACTION = 0.5   # our models and data are far smaller than the papers', so effects may shrink; half keeps the claim's substance (as "within half" in noisy-KD's noise-reading criterion)
# A claim (Claim, with KINDS and TESTS) is data: nkdlib.papers.table, each paper's in its module (CLAIMS).


def gap_p(gaps, test: str = "wilcoxon") -> float:
    """Two-sided p of `test` (a key of TESTS) against "the gaps are centred on 0". gaps:
    shape (n,), per-seed differences a − b (paired) or values − chance (one sample).
    "wilcoxon": exact signed-rank, over all 2^m sign patterns of the midranks of the m
    non-zero gaps (zeros dropped, ties exact; beyond m = 20 scipy's wilcoxon); "t": t test
    of the mean (0 when the gaps are equal and non-zero, NaN below 2 gaps); "sign": binomial
    test of positive against negative gaps (zeros dropped). 1 when every gap is 0."""
    gaps = np.round(np.asarray(gaps, float), 9)   # gaps equal in exact arithmetic (±4 of 2210 sentences, in points) stay tied
    d = gaps[gaps != 0]
    if not len(d):
        return 1.0
    if test == "t":
        return float(ttest_1samp(gaps, 0.0).pvalue) if len(gaps) > 1 else np.nan
    if test == "sign":
        return float(binomtest(int((d > 0).sum()), len(d)).pvalue)
    if test != "wilcoxon":
        raise ValueError(f"test must be one of {tuple(TESTS)}")
    if len(d) > 20:
        return float(wilcoxon(d).pvalue)
    ranks = rankdata(np.abs(d))
    signs = (np.arange(2 ** len(d))[:, None] >> np.arange(len(d))) & 1   # every pattern of positive gaps
    centre = ranks.sum() / 2
    return float(np.mean(np.abs(signs @ ranks - centre) >= abs(ranks[d > 0].sum() - centre) - 1e-9))


def min_p(n: int, test: str = "wilcoxon") -> float:
    """The smallest two-sided p `test` can give with n gaps: 2 / 2^n (capped at 1) for the
    signed-rank and sign tests (all n of one sign), 0 for t (n ≥ 2; NaN below)."""
    if test == "t":
        return 0.0 if n >= 2 else np.nan
    return min(1.0, 2.0 / 2.0 ** n)


def _lookup(value, row, cell):
    """value, or its entry for (row, cell), cell or row where it is a dict (nested or not)."""
    while isinstance(value, dict):
        key = next((k for k in ((row, cell), cell, row) if k in value), None)
        if key is None:
            raise KeyError(f"no entry for row {row!r} at cell {cell!r} in {value}")
        value = value[key]
    return value


def _judge(kind: str, gap: float, apart: bool, effect: float | None) -> str:
    """One unit's verdict (see `verdict`): gap, our mean effect; apart: the mean ± std intervals
    are apart; effect: the paper's Δ (None: no size asked)."""
    if kind == "no gap":
        return "not reproduced" if apart else "reproduced"
    ours = gap if kind == "above chance" else np.sign(effect) * gap   # in the paper's direction
    if ours > 0:
        large = effect is None or ours >= FRACTION * abs(effect)
        return "reproduced" if apart and large else "direction only"
    return "reversed" if ours < 0 and apart else "not reproduced"


def _units(claim: Claim, series: dict, order: list) -> list[dict]:
    """One dict per (row, cell) of `claim`; series: (row, cell label) -> values by seed."""
    cells = (claim.cells,) if isinstance(claim.cells, str) else tuple(claim.cells)
    cells = cells or tuple(c for c in order if all((r, c) in series for r in claim.rows + (claim.b,) if r))
    out = []
    for row in claim.rows:
        for cell in cells:
            chance = np.nan if claim.chance is None else float(_lookup(claim.chance, row, cell))
            a = series.get((row, cell), pd.Series(dtype=float))
            b = pd.Series(chance, index=a.index) if claim.b is None else series.get((claim.b, cell), pd.Series(dtype=float))
            pair = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna().sort_index()
            if pair.empty:
                raise ValueError(f"{claim.name}: no seed with both {row!r} and {claim.b or 'chance'!r} at {cell!r}")
            n, gaps = len(pair), pair["a"] - pair["b"]
            std = lambda s: float(s.std()) if n > 1 else 0.0
            ma, sa, mb, sb = pair["a"].mean(), std(pair["a"]), pair["b"].mean(), std(pair["b"])
            apart = bool(abs(ma - mb) > sa + sb)
            raw = None if claim.paper is None else _lookup(claim.paper, row, cell)
            effect = None if raw is None else float(raw[0] - raw[1] if isinstance(raw, (tuple, list)) else raw)
            judged = _judge(claim.kind, gaps.mean(), apart, effect)
            text = judged if claim.kind != "no gap" or not apart else \
                f"not reproduced ({row} {'above' if ma > mb else 'below'} {claim.b})"
            label = f"{row} at {cell}" if len(claim.rows) > 1 and len(cells) > 1 else row if len(claim.rows) > 1 else cell
            vs = f"chance {chance:.2f}" if claim.b is None else f"{mb:.2f} ± {sb:.2f}"
            out.append({
                "claim": claim.name, "unit": label, "row": row, "vs": claim.b or "chance", "cell": cell, "n": n,
                "paper": np.nan if effect is None else effect, "mean a": ma, "std a": sa, "mean b": mb, "std b": sb,
                "gap": gaps.mean(), "gap std": std(gaps), "gaps": tuple(gaps), "test": claim.test,
                "p": gap_p(gaps, claim.test), "min p": min_p(n, claim.test), "chance": chance, "apart": apart,
                "judged": judged, "verdict": text,
                "_paper": "" if raw is None else f"{raw[0]:.2f} vs {raw[1]:.2f}: Δ {effect:+.2f}"
                if isinstance(raw, (tuple, list)) else f"Δ {effect:+.2f}",
                "_ours": f"{ma:.2f} ± {sa:.2f} vs {vs}: Δ {gaps.mean():+.2f} ± {std(gaps):.2f}, n = {n}"})
    return out


def _summary(claim: Claim, units: list[dict]) -> dict:
    """The claim's row of verdict's summary: its units' texts, joined where there are several."""
    def joined(key, fmt=str, once=False):
        texts = [fmt(u[key]) for u in units]
        if len(units) == 1 or (once and len(set(texts)) == 1):
            return texts[0]
        return "; ".join(f"{u['unit']}: {t}" for u, t in zip(units, texts))

    judged, labels = [u["judged"] for u in units], [u["unit"] for u in units]
    ordered = [u["unit"] for u in units if u["judged"] == "direction only" and u["apart"]]   # the order holds, smaller
    if all(j == "reproduced" for j in judged):
        overall = "reproduced"
    elif "reproduced" in judged:
        overall = "partly: " + ", ".join(l for l, j in zip(labels, judged) if j == "reproduced")
    elif len(units) == 1:
        overall = units[0]["verdict"]
    elif len(set(judged)) == 1:
        overall = judged[0]
    else:
        overall = "partly, direction only: " + ", ".join(ordered) if ordered else "not reproduced"
    test = ("paired t" if claim.b else "one-sample t") if claim.test == "t" else TESTS[claim.test]
    return {"claim": claim.name, "kind": claim.kind, "compared": f"{', '.join(claim.rows)} − {claim.b or 'chance'}",
            "cells": ", ".join(dict.fromkeys(u["cell"] for u in units)), "paper": joined("_paper", once=True),
            "ours": joined("_ours"), "gaps": joined("gaps", lambda g: ", ".join(f"{x:+.2f}" for x in g)),
            "test": f"{test}, two-sided", "p": joined("p", lambda p: f"{p:.4f}"),
            "min p": joined("min p", lambda p: f"{p:.4f}", once=True),
            "chance": joined("chance", lambda c: "" if np.isnan(c) else f"{c:.2f}", once=True),
            "per cell": "" if len(units) == 1 else joined("verdict"), "verdict": overall}


def verdict(cells: pd.DataFrame, claims) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judge each claim (a list of Claim) against our cells, by the repository's one rule.

    cells: one row per (row, cell, seed), with columns row, column, seed, cell (the value in
    points) and optionally block; a cell is labelled "<block> / <column>", or "<column>"
    where there is no block. E.g. `cells(frame)` of run_table's frame.

    A claim is judged per unit: each cell of `cells`, times each row of `a`. A unit pairs
    a's values with b's by seed (or with the chance level) and takes the n per-seed gaps;
    over those n seeds the mean ± std intervals (sample std; chance is a point) are *apart*
    when |mean a − mean b| > std a + std b. "ours" is the mean gap, Δ the paper's effect,
    its sign the paper's direction ("above chance": up). A unit's verdict:
      greater, above chance:
        reproduced      ours in the paper's direction, intervals apart, ours ≥ FRACTION·|Δ|
                        (no size asked of "above chance" without `paper`)
        direction only  ours in the paper's direction, but intervals intersect or ours < FRACTION·|Δ|
        reversed        ours against the paper's direction, intervals apart
        not reproduced  otherwise (no gap, or against the paper with intervals intersecting)
      no gap (the paper's criterion): reproduced when the intervals intersect, otherwise
        "not reproduced (<a> above|below <b>)".
    A claim is "reproduced" when all its units are, "partly: <the units that are>" when some
    are, otherwise its units' common verdict; when they differ, "partly, direction only:
    <units>" names the units in the paper's direction with the intervals apart (the order
    holds beyond the spread, by less than FRACTION of the paper's effect), and without such
    units it is "not reproduced". The p of
    the claim's test (gap_p) and the least p it can reach with n (min_p) are reported, not
    used: with 3 seeds no signed-rank or sign test can go below 0.25.

    Returns (summary, detail), both indexed by claim name. summary: one row per claim, text
    for a verdict table, with columns kind, compared, cells, paper, ours ("mean a ± std vs
    mean b ± std: Δ gap ± std, n"), gaps (per seed, in seed order), test, p, min p, chance,
    per cell (each unit's verdict, for claims of several units) and verdict; several units'
    values are "<unit>: <value>" joined by "; ". detail: one row per unit, numbers: unit,
    row, vs, cell, n, paper (Δ, NaN if not given), mean a, std a, mean b, std b, gap,
    gap std, gaps (tuple), test, p, min p, chance (NaN if not given), apart, judged (the
    verdict's category) and verdict.
    """
    names = [c.name for c in claims]
    if len(set(names)) != len(names):
        raise ValueError(f"claim names must be unique: {names}")
    blocks = cells["block"] if "block" in cells else [""] * len(cells)
    frame = cells.assign(label=[f"{b} / {c}" if pd.notna(b) and b != "" else str(c)
                                for b, c in zip(blocks, cells["column"])])
    if frame.duplicated(["row", "label", "seed"]).any():
        raise ValueError("several values for one (row, cell, seed): pick one grid point first (select_grid)")
    series = {key: g.set_index("seed")["cell"].astype(float) for key, g in frame.groupby(["row", "label"], sort=False)}
    order = list(dict.fromkeys(frame["label"]))
    units = {claim.name: _units(claim, series, order) for claim in claims}
    summary = pd.DataFrame([_summary(claim, units[claim.name]) for claim in claims]).set_index("claim")
    detail = pd.DataFrame([u for claim in claims for u in units[claim.name]]).set_index("claim")
    return summary, detail.drop(columns=["_paper", "_ours"])


def claim_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The cells `verdict` judges, in points, from run_table's frame of one paper table:
    its best grid point (select_grid) and each job's number on the test split (cell_values)
    × 100; columns row, block, column, seed, cell."""
    return cells(frame)[["row", "block", "column", "seed", "cell"]]


def verdicts(frames: dict, claims) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`verdict` of each claim on the runs of its table (Claim.table): frames maps a paper
    table's name to run_table's frame (None: not run). A profile runs a subset of a table,
    so a claim keeps the rows and cells that were run (a cell: where a row and b both were),
    and is left out when its table, or every row or cell of it, was not run. Returns
    (summary, detail) as `verdict`, over the claims judged, in their order (both empty, with
    the index named claim, when none is)."""
    names = [c.name for c in claims]
    if len(set(names)) != len(names):
        raise ValueError(f"claim names must be unique: {names}")
    parts = []
    for claim in claims:
        if frames.get(claim.table) is None:
            continue
        cells = claim_cells(frames[claim.table])
        labels = [f"{b} / {c}" if b else str(c) for b, c in zip(cells["block"], cells["column"])]
        run = set(zip(cells["row"], labels))
        wanted = (claim.cells,) if isinstance(claim.cells, str) else tuple(claim.cells) or tuple(dict.fromkeys(labels))
        held = lambda row, c: (row, c) in run and (claim.b is None or (claim.b, c) in run)   # noqa: E731
        rows = tuple(r for r in claim.rows if any(held(r, c) for c in wanted))
        kept = tuple(c for c in wanted if all(held(r, c) for r in rows))
        if not rows or not kept:
            continue
        a = claim.a if isinstance(claim.a, str) else rows
        parts.append(verdict(cells, [dataclasses.replace(claim, a=a, cells=kept)]))
    if not parts:
        empty = pd.DataFrame(index=pd.Index([], name="claim"))
        return empty, empty.copy()
    return pd.concat([s for s, _ in parts]), pd.concat([d for _, d in parts])


# Noisy-KD's diagnosis (notebook 01) --------------------------------------------------

def reading_fit(cells) -> pd.DataFrame:
    """Noisy-KD's noise-reading criterion on w/o-KD cells (points; columns block, column, cell, one
    row per run of noisy_kd.noise_reading): per task and reading, our mean drops from 0% to
    25% and 50%, the paper's (noisy_kd.PAPER_DROPS), |ours - paper| per drop, whether the 50% drop is
    within half of the paper's ("fits") and which reading is closer (sum of both |differences|)."""
    mean = cells.groupby(["column", "block"])["cell"].mean()
    out = []
    for task, (paper25, paper50) in noisy_kd.PAPER_DROPS.items():
        if (task, "0%") not in mean:
            continue
        for kind in noisy_kd.READINGS:
            d25, d50 = (mean.get((task, f"{kind} {r}"), float("nan")) - mean[(task, "0%")] for r in ("25%", "50%"))
            out.append({"task": task, "reading": kind, "drop 25%": d25, "paper 25%": paper25, "drop 50%": d50,
                        "paper 50%": paper50, "distance": abs(d25 - paper25) + abs(d50 - paper50),
                        "fits": abs(d50 - paper50) <= abs(paper50) / 2})
    frame = pd.DataFrame(out)
    closest = frame.loc[frame.groupby("task")["distance"].idxmin(), ["task", "reading"]]
    return frame.assign(closer=frame.set_index(["task", "reading"]).index.isin(
        list(closest.itertuples(index=False, name=None)))).round(2)


def refinement(histories, runs, by) -> pd.DataFrame:
    """What noisy-KD's label refinement (CD+LR) did, one row per CD+LR run, in long form (columns `by`,
    measure, value) for nkdlib.report.mean_std_table. histories: the runs' history.csv rows
    stacked (column run; lr_* set on the refinement epoch's row only); runs: one row per run
    (columns run, `by`, n_train). Measures of noisy_kd.REFINEMENT that these runs logged, in its
    order (older runs have no lr_changed_wrong, lr_fixed, lr_noisy_after)."""
    h = histories.dropna(subset=["lr_flagged"]).merge(runs[["run", by, "n_train"]], on="run")
    h = h.assign(lr_precision=100 * h["lr_precision"], lr_recall=100 * h["lr_recall"])
    logged = [c for c in noisy_kd.REFINEMENT if c in h and h[c].notna().any()]
    return h.rename(columns=noisy_kd.REFINEMENT).melt(by, [noisy_kd.REFINEMENT[c] for c in logged], "measure")


def refinement_table(histories, runs, by, order) -> pd.DataFrame:
    """`refinement` as "mean ± std over seeds": one row per value of `by` (in `order`), one
    column per measure."""
    return mean_std_table(refinement(histories, runs, by), by, "measure", "value", scale=1.0, average=False,
                          row_order=order, col_order=list(noisy_kd.REFINEMENT.values()))
