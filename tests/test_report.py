import matplotlib.pyplot as plt
import pandas as pd
import pytest
from scipy.stats import wilcoxon

from nkdlib import report

# two seeds per cell except (B, x); sample std of (0.5, 0.7) is 0.1 * sqrt(2) = 0.1414
RUNS = pd.DataFrame({
    "row": ["A", "A", "A", "A", "B", "B", "B"],
    "col": ["x", "x", "y", "y", "x", "y", "y"],
    "test_metric": [0.5, 0.7, 0.2, 0.4, 0.9, 0.1, 0.1],
})


def test_mean_std_table_by_hand():
    table = report.mean_std_table(RUNS, "row", "col")
    expected = pd.DataFrame({"x": ["60.00 ± 14.14", "90.00 ± 0.00"], "y": ["30.00 ± 14.14", "10.00 ± 0.00"],
                             "avg": ["45.00", "50.00"]}, index=["A", "B"])   # avg: (60 + 30) / 2, (90 + 10) / 2
    assert table.to_dict() == expected.to_dict()
    assert list(table.index) == ["A", "B"] and list(table.columns) == ["x", "y", "avg"]


def test_mean_std_table_order_scale_and_no_average():
    table = report.mean_std_table(RUNS.rename(columns={"test_metric": "v"}), "row", "col", "v", scale=1.0,
                                  average=False, row_order=["B", "C", "A"], col_order=["y", "x"])
    assert list(table.index) == ["B", "A"] and list(table.columns) == ["y", "x"]
    assert table.loc["A", "x"] == "0.60 ± 0.14"


def test_wilcoxon_p_by_hand():
    # differences +1 -2 +3 +4 +5: W- = 2; of the 2⁵ sign patterns, 3 have a rank sum ≤ 2
    # ({}, {1}, {2}), so the exact two-sided p = 2 · 3 / 32
    a, b = [2, 0, 4, 5, 6], [1, 2, 1, 1, 1]
    assert report.wilcoxon_p(a, b) == pytest.approx(6 / 32)
    assert report.wilcoxon_p(a, b) == pytest.approx(wilcoxon(a, b).pvalue)
    assert report.wilcoxon_p([1, 2, 3, 4, 5], [0] * 5) == pytest.approx(2 / 32)   # all differences positive


def test_wilcoxon_p_of_equal_samples_is_one():
    assert report.wilcoxon_p([0.5, 0.6, 0.7], [0.5, 0.6, 0.7]) == 1.0


def test_save_table_and_show_table(tmp_path, capsys):
    table = report.mean_std_table(RUNS, "row", "col")
    path = report.save_table(table, "nb", "table 1/a", root=tmp_path)
    assert path == tmp_path / "nb" / "table_1_a.csv"
    assert pd.read_csv(path, index_col=0, dtype=str).to_dict() == table.to_dict()
    report.show_table(table, "shown", notebook="nb", root=tmp_path)
    assert (tmp_path / "nb" / "shown.csv").is_file()
    assert "45.00" in capsys.readouterr().out   # displayed (outside IPython: printed)


def test_line_panels_and_save_figure(tmp_path):
    curves = pd.DataFrame({"epoch": [1, 2] * 4, "acc": range(8), "model": ["a", "a", "b", "b"] * 2,
                           "task": ["t1"] * 4 + ["t2"] * 4})
    fig = report.line_panels(curves, "epoch", "acc", "model", "task", "epoch", "accuracy", marks=[1.5])
    assert len(fig.axes) == 2   # one panel per task
    for ax in fig.axes:         # the mark: one dashed vertical line at x = 1.5 in each panel
        assert [tuple(l.get_xdata()) for l in ax.lines if l.get_linestyle() == "--"] == [(1.5, 1.5)]
    paths = report.save_figure(fig, "nb", "curves", root=tmp_path)
    plt.close(fig)
    assert paths == [tmp_path / "nb" / "curves.png", tmp_path / "nb" / "curves.pdf"]
    assert all(p.stat().st_size > 0 for p in paths)


def test_tables_are_saved_as_markdown_too(tmp_path):
    table = pd.DataFrame({"acc": ["1.00 ± 0.00", None]}, index=pd.Index(["ce", "kd"], name="method"))
    report.save_table(table, "nb", "t", root=tmp_path)
    assert (tmp_path / "nb" / "t.md").read_text() == "| method | acc |\n|---|---|\n| ce | 1.00 ± 0.00 |\n| kd |  |\n"


def test_paired_gaps_pairs_by_seed_counts_wins_and_tests():
    cells = pd.DataFrame({"label": ["x"] * 6 + ["y"] * 2, "seed": [0, 1, 2, 3, 4, 5, 0, 9],
                          "cell": [11, 12, 13, 14, 15, 16, 10, 99]})
    base = pd.DataFrame({"seed": [0, 1, 2, 3, 4, 5], "cell": [10, 10, 10, 10, 10, 10]})
    out = report.paired_gaps(cells, base)
    assert out.loc["x", "n"] == 6 and out.loc["x", "Δ"] == 3.5 and out.loc["x", "wins"] == "6/6"
    assert out.loc["x", "p"] == pytest.approx(0.03125, abs=1e-4)   # 6 of 6 positive: 2 / 2^6
    assert out.loc["y", "n"] == 1 and out.loc["y", "wins"] == "0/1" and out.loc["y", "p"] == 1.0   # seed 9 unpaired


def test_paired_gaps_within_pairs_each_value_with_the_bases_of_that_value_in_order():
    cells = pd.DataFrame({"label": ["b", "b", "a", "a"], "t": ["q", "q", "p", "p"], "seed": [0, 1, 0, 1],
                          "cell": [5.0, 7.0, 3.0, 1.0]})
    base = pd.DataFrame({"t": ["p", "p", "q", "q"], "seed": [0, 1, 0, 1], "cell": [2.0, 2.0, 4.0, 4.0]})
    out = report.paired_gaps(cells, base, within="t")
    assert list(out.index) == ["b", "a"]   # t's values in cells' order, not sorted
    assert out.loc["b", "Δ"] == 2.0 and out.loc["b", "wins"] == "2/2"   # (5 − 4 + 7 − 4) / 2 against q's base
    assert out.loc["a", "Δ"] == 0.0 and out.loc["a", "wins"] == "1/2"   # 3 − 2, 1 − 2 against p's base


def _frame(values):
    """A run_table-like frame: {(row, column, seed): metric (fraction)}, one-model cells, no grid."""
    return pd.DataFrame([{"block": "", "row": r, "column": c, "seed": s, "grid": "", "value": "test_metric_0",
                          "test_metric_0": v} for (r, c, s), v in values.items()])


def test_cells_are_points_at_the_best_grid_point():
    frame = pd.DataFrame({"block": "", "row": "kd", "column": "c", "seed": [0, 0, 1, 1], "value": "mean",
                          "grid": ['{"w": 1}', '{"w": 2}', '{"w": 1}', '{"w": 2}'], "valid_metric": [0.1, 0.9, 0.2, 0.8],
                          "test_metric_0": [0.5, 0.6, 0.7, 0.8], "test_metric_1": [0.7, 0.8, 0.9, 1.0]})
    out = report.cells(frame)
    assert out["grid"].tolist() == ['{"w": 2}'] * 2 and out["cell"].tolist() == pytest.approx([70.0, 90.0])


def test_seed_gaps_and_gaps_to_a_base_row():
    from nkdlib.papers.table import Row, Table
    frame = _frame({("base", "c", 0): 0.50, ("base", "c", 1): 0.60, ("x", "c", 0): 0.53, ("x", "c", 1): 0.59,
                    ("teacher", "c", 0): 0.9, ("teacher", "c", 1): 0.9})
    gaps = report.seed_gaps(frame, [("base", "x")])
    assert gaps[["column", "seed", "a", "b"]].values.tolist() == [["c", 0, "base", "x"], ["c", 1, "base", "x"]]
    assert gaps["gap"].tolist() == pytest.approx([3.0, -1.0])   # points: 53 − 50, 59 − 60
    table = Table(name="t.t", source="", models={"student": "mlp", "teacher": "mlp"}, seeds=(0, 1), recipe={},
                  data={}, rows={"teacher": Row("ce", models=("teacher",)), "base": Row("ce"), "x": Row("ls")},
                  columns={"c": {}})
    summary, per_seed = report.gaps_to(frame, table, "base")
    row = summary.iloc[0]   # the teacher is no student row: x only
    assert len(summary) == 1 and row["row"] == "x" and row["gap"] == pytest.approx(1.0)
    assert row["row mean ± std"] == "56.00 ± 4.24" and row["base mean ± std"] == "55.00 ± 7.07"
    assert row["row wins"] == "1/2 seeds" and row["intervals intersect"]
    assert per_seed["gap"].tolist() == pytest.approx([3.0, -1.0]) and list(per_seed) == ["column", "seed", "row", "gap"]


def test_compare_gaps_and_tests_per_test_and_arm():
    from nkdlib.papers.table import Row, Table
    frame = _frame({("a", arm, s): 0.5 for arm in ("P", "S") for s in range(3)}
                   | {("b", "P", s): 0.5 + d for s, d in enumerate((0.01, 0.02, -0.01))}
                   | {("b", "S", s): 0.5 + d for s, d in enumerate((0.01, 0.02, 0.03))})
    table = Table(name="t.t8", source="", models={"student": "mlp"}, seeds=(0, 1, 2), recipe={}, data={},
                  rows={"a": Row("ce"), "b": Row("ls")}, columns={"P": {}, "S": {}}, compare={("a vs b", ""): ("a", "b")})
    gaps = report.compare_gaps(frame, table)
    assert gaps["arm"].tolist() == ["P"] * 3 + ["S"] * 3 and gaps["table"].eq("t8").all()
    assert gaps["b − a"].tolist() == pytest.approx([1, 2, -1, 1, 2, 3])
    tests = report.compare_tests(frame, table).set_index("arm")   # rounded to 4 places
    assert tests.loc["P", "b − a"] == 0.6667 and tests.loc["P", "b wins"] == "2/3"
    assert tests.loc["S", "b − a"] == 2.0 and tests.loc["S", "b wins"] == "3/3" and tests.loc["S", "p"] == 0.25
    assert tests.loc["S", "smallest p"] == 0.25 and tests.loc["S", "mean b"] == 52.0


# verdict: SST-2 cells in points, 3 seeds; seeds listed out of order (pairing is by seed), and
# CD+LR has an unpaired seed 3 at 50% that must be left out.
#   25%: Vanilla 77, 78, 76 (77 ± 1); CD+LR 80, 82, 81 (81 ± 1): gaps +3, +4, +5 (4 ± 1), intervals apart
#        w/o KD 76, 79, 76 (77 ± √3): gaps −1, +1, 0 (mean 0)
#        CD 79, 80, 78 (79 ± 1): gaps +2, +2, +2, intervals touching (|79 − 77| = 1 + 1): they intersect
#   50%: Vanilla 77, 78, 76 (77 ± 1); CD+LR 77.5, 79.5, 77 (78 ± √1.75): gaps +0.5, +1.5, +1, intervals intersect
def _cells():
    rows = [("25%", "Vanilla", s, v) for s, v in [(2, 76), (0, 77), (1, 78)]]
    rows += [("25%", "CD+LR", s, v) for s, v in [(0, 80), (1, 82), (2, 81)]]
    rows += [("25%", "w/o KD", s, v) for s, v in [(0, 76), (1, 79), (2, 76)]]
    rows += [("25%", "CD", s, v) for s, v in [(0, 79), (1, 80), (2, 78)]]
    rows += [("50%", "Vanilla", s, v) for s, v in [(1, 78), (0, 77), (2, 76)]]
    rows += [("50%", "CD+LR", s, v) for s, v in [(0, 77.5), (1, 79.5), (2, 77), (3, 99)]]
    return pd.DataFrame(rows, columns=["block", "row", "seed", "cell"]).assign(column="SST-2")


def _judge(*claims, cells=None):
    return report.verdict(_cells() if cells is None else cells, list(claims))


def test_fraction_is_half():
    assert report.FRACTION == 0.5


def test_verdict_reproduced_with_numbers_by_hand():
    claim = report.Claim("CD+LR beats Vanilla", "greater", "CD+LR", "Vanilla", paper=(64.1, 60.0), cells="25% / SST-2")
    summary, detail = _judge(claim)
    row, unit = summary.loc["CD+LR beats Vanilla"], detail.loc["CD+LR beats Vanilla"]
    assert row["verdict"] == "reproduced"   # +4 ≥ 0.5 · 4.1 and |81 − 77| > 1 + 1
    assert row["paper"] == "64.10 vs 60.00: Δ +4.10"
    assert row["ours"] == "81.00 ± 1.00 vs 77.00 ± 1.00: Δ +4.00 ± 1.00, n = 3"
    assert row["gaps"] == "+3.00, +4.00, +5.00"
    assert row["test"] == "Wilcoxon exact signed-rank, two-sided"
    assert row["p"] == "0.2500" and row["min p"] == "0.2500"   # 3 of 3 positive: 2 / 2³, the least 3 seeds allow
    assert unit["paper"] == pytest.approx(4.1) and unit["gaps"] == (3.0, 4.0, 5.0) and unit["apart"]
    assert (unit["n"], unit["mean a"], unit["std a"], unit["mean b"], unit["std b"]) == (3, 81, 1, 77, 1)
    half = report.Claim("half", "greater", "CD+LR", "Vanilla", paper=8.0, cells="25% / SST-2")
    assert _judge(half)[0].loc["half", "verdict"] == "reproduced"   # +4 is exactly half of 8: "at least"


def test_verdict_paired_t_and_sign_tests_by_hand():
    # gaps 3, 4, 5: t = 4 / (1 / √3) = √48 with 2 df, whose two-sided p is 1 − t / √(t² + 2) = 1 − √(48/50)
    t = report.Claim("t", "greater", "CD+LR", "Vanilla", paper=4.1, cells="25% / SST-2", test="t")
    sign = report.Claim("sign", "greater", "CD+LR", "Vanilla", paper=4.1, cells="25% / SST-2", test="sign")
    summary, detail = _judge(t, sign)
    assert detail.loc["t", "p"] == pytest.approx(1 - (48 / 50) ** 0.5) and detail.loc["t", "min p"] == 0.0
    assert summary.loc["t", "test"] == "paired t, two-sided" and summary.loc["t", "paper"] == "Δ +4.10"
    assert detail.loc["sign", "p"] == pytest.approx(2 / 8)   # binomial: 3 of 3 positive
    assert summary.loc["sign", "verdict"] == summary.loc["t", "verdict"] == "reproduced"   # the test does not decide


def test_verdict_direction_only_when_intervals_intersect_or_effect_below_fraction():
    overlap = report.Claim("overlap", "greater", "CD+LR", "Vanilla", paper=1.0, cells="50% / SST-2")
    small = report.Claim("small", "greater", "CD+LR", "Vanilla", paper=(70.0, 60.0), cells="25% / SST-2")
    touching = report.Claim("touching", "greater", "CD", "Vanilla", paper=2.0, cells="25% / SST-2")
    summary, detail = _judge(overlap, small, touching)
    # 50%: +1 ≥ 0.5 · 1, but |78 − 77| = 1 < 1 + √1.75; seed 3 (99, no Vanilla run) is left out
    assert detail.loc["overlap", "n"] == 3 and detail.loc["overlap", "mean a"] == pytest.approx(78)
    assert detail.loc["overlap", "std a"] == pytest.approx(1.75 ** 0.5) and not detail.loc["overlap", "apart"]
    assert summary.loc["overlap", "gaps"] == "+0.50, +1.50, +1.00"
    assert summary.loc["overlap", "verdict"] == "direction only"
    # 25%: intervals apart, but +4 < 0.5 · 10
    assert detail.loc["small", "apart"] and summary.loc["small", "verdict"] == "direction only"
    # 25%: +2 on every seed, but 79 − 1 = 77 + 1: touching intervals intersect
    assert detail.loc["touching", "p"] == 0.25 and not detail.loc["touching", "apart"]
    assert summary.loc["touching", "verdict"] == "direction only"


def test_verdict_reversed_and_not_reproduced():
    reversed_ = report.Claim("reversed", "greater", "Vanilla", "CD+LR", paper=4.1, cells="25% / SST-2")
    against = report.Claim("against", "greater", "Vanilla", "CD+LR", paper=4.1, cells="50% / SST-2")
    flat = report.Claim("flat", "greater", "w/o KD", "Vanilla", paper=0.9, cells="25% / SST-2")
    summary, detail = _judge(reversed_, against, flat)
    assert detail.loc["reversed", "gap"] == -4 and summary.loc["reversed", "verdict"] == "reversed"   # apart, down
    assert detail.loc["against", "gap"] == -1 and summary.loc["against", "verdict"] == "not reproduced"   # intersect
    # gaps −1, +1, 0: mean 0; signed-rank of (−1, +1), zero dropped: W+ = 1.5 at the centre, p = 1
    assert detail.loc["flat", "gap"] == 0 and detail.loc["flat", "p"] == 1.0
    assert summary.loc["flat", "verdict"] == "not reproduced"


def test_verdict_partly_names_the_cells_that_hold():
    claim = report.Claim("CD+LR beats Vanilla", "greater", "CD+LR", "Vanilla",
                         paper={"25% / SST-2": (91.3, 90.9), "50% / SST-2": (64.1, 60.0)})   # cells: all of both rows
    summary, detail = _judge(claim)
    row = summary.loc["CD+LR beats Vanilla"]
    assert row["verdict"] == "partly: 25% / SST-2"
    assert row["per cell"] == "25% / SST-2: reproduced; 50% / SST-2: direction only"
    assert row["cells"] == "25% / SST-2, 50% / SST-2" and row["min p"] == "0.2500"
    assert row["gaps"] == "25% / SST-2: +3.00, +4.00, +5.00; 50% / SST-2: +0.50, +1.50, +1.00"
    assert list(detail["paper"]) == pytest.approx([0.4, 4.1])


def test_verdict_summarises_cells_none_of_which_holds():
    small = report.Claim("small", "greater", "CD+LR", "Vanilla", paper=20.0)   # 4 and 1 both < 10
    mixed = report.Claim("mixed", "greater", "Vanilla", "CD+LR", paper=1.0)    # 25%: reversed, 50%: not reproduced
    summary, _ = _judge(small, mixed)
    assert summary.loc["small", "verdict"] == "direction only"
    assert summary.loc["mixed", "verdict"] == "not reproduced"
    assert summary.loc["mixed", "per cell"] == "25% / SST-2: reversed; 50% / SST-2: not reproduced"


def test_verdict_no_gap_both_ways():
    same = report.Claim("same", "no gap", "w/o KD", "Vanilla", paper=(92.75, 92.43), cells="25% / SST-2")
    above = report.Claim("above", "no gap", "CD+LR", "Vanilla", cells="25% / SST-2")
    rows = report.Claim("rows", "no gap", ("CD+LR", "w/o KD"), "Vanilla", cells="25% / SST-2")
    summary, detail = _judge(same, above, rows)
    assert summary.loc["same", "verdict"] == "reproduced"   # |77 − 77| ≤ √3 + 1
    assert summary.loc["same", "p"] == "1.0000" and summary.loc["same", "paper"] == "92.75 vs 92.43: Δ +0.32"
    assert summary.loc["above", "verdict"] == "not reproduced (CD+LR above Vanilla)"   # 81 − 77 > 1 + 1
    assert summary.loc["above", "p"] == "0.2500"
    assert summary.loc["rows", "verdict"] == "partly: w/o KD"   # units named by row
    assert summary.loc["rows", "per cell"] == "CD+LR: not reproduced (CD+LR above Vanilla); w/o KD: reproduced"
    assert summary.loc["rows", "paper"] == ""   # not given: shown once, empty


def test_verdict_above_chance_by_hand():
    # no block column: cells are labelled by column. w/o KD − 50.92: −0.92, +0.28, −1.52 (mean −0.72;
    # values 50.2 ± √0.84); Vanilla: +9.08, +10.08, +11.08 (61 ± 1)
    cells = pd.DataFrame({"row": ["w/o KD"] * 3 + ["Vanilla"] * 3, "column": "SST-2", "seed": [0, 1, 2] * 2,
                          "cell": [50.0, 51.2, 49.4, 60.0, 61.0, 62.0]})
    chance = {"SST-2": 50.92}
    claims = [report.Claim("wilcoxon", "above chance", "w/o KD", chance=chance),
              report.Claim("t", "above chance", "w/o KD", chance=chance, test="t"),
              report.Claim("sign", "above chance", "w/o KD", chance=chance, test="sign"),
              report.Claim("both", "above chance", ("w/o KD", "Vanilla"), chance=chance,
                           paper={"w/o KD": (55.0, 50.92), "Vanilla": (60.0, 50.92)}),
              report.Claim("too small", "above chance", "Vanilla", chance=50.92, paper=(80.0, 50.92))]
    summary, detail = report.verdict(cells, claims)
    assert detail.loc["wilcoxon", "gap"] == pytest.approx(-0.72) and detail.loc["wilcoxon", "cell"] == "SST-2"
    # signed ranks of |−0.92|, |0.28|, |−1.52|: 2, 1, 3; W+ = 1, 3 from the centre 3; 4 of 8 patterns as far
    assert detail.loc["wilcoxon", "p"] == pytest.approx(0.5)
    t = -0.72 / (0.84 ** 0.5 / 3 ** 0.5)
    assert detail.loc["t", "p"] == pytest.approx(1 - abs(t) / (t * t + 2) ** 0.5)
    assert summary.loc["t", "test"] == "one-sample t, two-sided"
    assert detail.loc["sign", "p"] == pytest.approx(1.0)   # 1 of 3 positive
    assert summary.loc["wilcoxon", "verdict"] == "not reproduced" and summary.loc["wilcoxon", "chance"] == "50.92"
    assert summary.loc["wilcoxon", "ours"] == "50.20 ± 0.92 vs chance 50.92: Δ -0.72 ± 0.92, n = 3"
    assert summary.loc["both", "verdict"] == "partly: Vanilla"   # +10.08 ≥ 0.5 · 9.08, 61 − 1 > 50.92
    assert summary.loc["both", "per cell"] == "w/o KD: not reproduced; Vanilla: reproduced"
    assert summary.loc["too small", "verdict"] == "direction only"   # +10.08 < 0.5 · 29.08


def test_gap_p_and_min_p_by_hand():
    assert report.gap_p([1, -2, 3, 4, 5]) == pytest.approx(6 / 32)   # as test_wilcoxon_p_by_hand
    # ties: midranks 1.5, 1.5, 3, 4 of (0.5, 0.5, 1, −2); W+ = 6, 1 from the centre 5; of the 16
    # patterns only 4.5, 4.5, 5.5, 5.5 are nearer, so p = 12 / 16
    assert report.gap_p([0.5, 0.5, 1.0, -2.0]) == pytest.approx(12 / 16)
    assert report.gap_p([1, 1, 1, 1, -1], "sign") == pytest.approx(2 * 6 / 32)   # 4 of 5: 2 · (5 + 1) / 2⁵
    assert report.gap_p([0, 0, 0], "t") == report.gap_p([0, 0]) == 1.0
    assert [report.min_p(n) for n in (3, 5, 8)] == [0.25, 0.0625, 0.0078125]
    assert report.min_p(5, "sign") == 0.0625 and report.min_p(3, "t") == 0.0


def test_verdict_refuses_ambiguous_input():
    with pytest.raises(ValueError):
        report.Claim("no effect", "greater", "CD+LR", "Vanilla")   # no paper: no direction
    with pytest.raises(ValueError):
        report.Claim("no chance", "above chance", "CD+LR")
    twice = pd.concat([_cells(), _cells().head(1)])   # two values for one (row, cell, seed): an unselected grid
    with pytest.raises(ValueError):
        report.verdict(twice, [report.Claim("x", "no gap", "CD+LR", "Vanilla")])


def test_verdict_credits_the_units_that_hold_the_order_beyond_the_spread():
    # 25%: CD+LR − Vanilla +4 ± 1, apart, but below half of 20 (direction only, apart); 50%: Vanilla −
    # CD+LR −1, intersecting, against the paper (not reproduced): the claim credits 25% alone
    claim = report.Claim("order", "greater", "CD+LR", "Vanilla", paper={"25% / SST-2": 20.0, "50% / SST-2": -1.0})
    summary, detail = _judge(claim)
    assert list(detail["judged"]) == ["direction only", "not reproduced"] and list(detail["apart"]) == [True, False]
    assert summary.loc["order", "verdict"] == "partly, direction only: 25% / SST-2"


def _runs(cells):
    """run_table-like frame (fractions, value test_metric_0, no grid) of `cells` (points)."""
    return cells.assign(grid="", value="test_metric_0", test_metric_0=cells["cell"] / 100).drop(columns="cell")


def test_verdicts_judge_each_claim_on_its_tables_runs_and_leave_out_what_was_not_run():
    claims = [report.Claim("beats", "greater", ("CD+LR", "CD", "Self-DSTL"), "Vanilla", paper=4.1, table="t1"),
              report.Claim("cell not run", "greater", "CD+LR", "Vanilla", paper=4.1, cells="0% / SST-2", table="t1"),
              report.Claim("row not run", "no gap", "Co-Distill", "Vanilla", table="t1"),
              report.Claim("table not run", "no gap", "CD+LR", "Vanilla", table="t2"),
              report.Claim("flat", "greater", "w/o KD", "Vanilla", paper=0.9, table="t1")]
    summary, detail = report.verdicts({"t1": _runs(_cells()), "t2": None}, claims)
    assert list(summary.index) == ["beats", "flat"]
    # Self-DSTL was not run, CD only at 25%: the rows run at every cell where Vanilla was (CD+LR at 25% and 50%)
    # would need CD at 50%, so the claim keeps the cells holding every row that was run: 25%
    assert list(detail.loc["beats", "unit"]) == ["CD+LR", "CD"] and set(detail.loc["beats", "cell"]) == {"25% / SST-2"}
    alone, _ = report.verdict(_cells(), [report.Claim("beats", "greater", ("CD+LR", "CD"), "Vanilla", paper=4.1)])
    assert summary.loc["beats"].to_dict() == alone.loc["beats"].to_dict()   # the same rule, on the cells in points
    assert summary.loc["flat", "verdict"] == "not reproduced"
    empty, nothing = report.verdicts({}, claims)
    assert empty.empty and nothing.empty and empty.index.name == "claim"
    with pytest.raises(ValueError, match="unique"):
        report.verdicts({}, claims + claims[:1])


def test_the_noise_reading_criterion_by_hand():
    cells = pd.DataFrame({"column": ["SST-2"] * 5, "cell": [80.0, 79.0, 75.0, 78.0, 50.0],
                          "block": ["0%", "uniform 25%", "uniform 50%", "symmetric 25%", "symmetric 50%"]})
    out = report.reading_fit(cells).set_index("reading")
    assert out.loc["uniform", "drop 50%"] == -5.0 and not out.loc["uniform", "fits"]   # |-5 + 36.3| > 18.15
    assert out.loc["symmetric", "drop 50%"] == -30.0 and out.loc["symmetric", "fits"]  # |-30 + 36.3| <= 18.15
    assert out.loc["symmetric", "distance"] == round(abs(-2 + 0.9) + abs(-30 + 36.3), 2)
    assert out["closer"].tolist() == [False, True]


def test_refinement_measures_by_hand():
    """The refinement epoch's row of each run, precision and recall in percent; measures a
    run did not log (older runs) are left out."""
    h = pd.DataFrame({"run": ["a", "a", "b", "b"], "lr_flagged": [None, 10, None, 20],
                      "lr_changed": [None, 8, None, 12], "lr_precision": [None, 0.5, None, 0.25],
                      "lr_recall": [None, 0.2, None, 0.1], "lr_noisy": [None, 25, None, 50]})
    runs = pd.DataFrame({"run": ["a", "b"], "row": ["x", "y"], "n_train": [100, 100]})
    out = report.refinement(h, runs, "row").set_index(["row", "measure"])["value"]
    assert out[("x", "precision (%)")] == 50.0 and out[("y", "recall (%)")] == 10.0
    assert out[("y", "changed")] == 12 and out[("x", "wrong before")] == 25
    assert "changed, now right" not in out.index.get_level_values("measure")


def test_model_gaps_pairs_model_0_with_model_1_by_seed_under_three_named_tests():
    # per-seed gaps (points) 10, 0, 20, -10: mean 5, sample std sqrt(500 / 3) = 12.91
    frame = pd.DataFrame({"column": "CE", "seed": [3, 0, 1, 2],
                          "test_metric_0": [0.8, 0.5, 0.6, 0.7], "test_metric_1": [0.9, 0.4, 0.6, 0.5]})
    row = report.model_gaps(frame).loc["CE"]
    assert (row["n"], row["wins"]) == (4, "2/4")
    assert row["model 0"] == "65.00 ± 12.91" and row["model 1"] == "60.00 ± 21.60"
    assert row["Δ"] == "5.00 ± 12.91"
    # Wilcoxon exact: |gaps| 10, 20, 10 rank 1.5, 3, 1.5; W+ = 4.5 of 6, and 6 of the 8 sign
    # patterns are as far from 3 -> 0.75. Sign: 2 up, 1 down -> 1. t = 5 / (12.91 / 2) = 0.7746, df 3.
    assert row["p (Wilcoxon exact)"] == 0.75 and row["p (sign)"] == 1.0
    assert row["p (paired t)"] == pytest.approx(0.4950, abs=1e-4)


def test_gap_p_ties_gaps_that_differ_only_in_float_rounding():
    # 100·a − 100·b for two pairs 4 sentences of 2210 apart: equal gaps, unequal last digits
    tied = [100 * (0.5 + 4 / 2210) - 50, 100 * 0.3 - 100 * (0.3 + 4 / 2210), -400 / 2210, 1.0]
    assert tied[1] != tied[2]
    assert report.gap_p(tied) == report.gap_p([400 / 2210, -400 / 2210, -400 / 2210, 1.0])
    # midranks 2, 2, 2 (|gap| 0.18) and 4: W+ = 6 of 10, every one of the 16 patterns is >= 1 from 5
    assert report.gap_p(tied) == 1.0


def test_a_strip_plot_saved_twice_is_byte_identical(tmp_path):
    import seaborn as sns

    data = pd.DataFrame({"row": ["a", "a", "b", "b"], "gap": [0.1, -0.2, 0.3, 0.0]})
    files = []
    for run in ("first", "second"):
        report.style()   # seeds the jitter
        grid = sns.catplot(data=data, x="row", y="gap", kind="strip")
        files.append(report.save_figure(grid.figure, "nb", "strip", root=tmp_path / run))
        plt.close(grid.figure)
    for a, b in zip(*files):
        assert a.read_bytes() == b.read_bytes(), a.name
