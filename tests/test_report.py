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
