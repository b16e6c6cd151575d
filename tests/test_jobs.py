"""From tables to runs and back: job expansion (nkdlib.jobs) and the paper table (nkdlib.report)."""
import json

import numpy as np
import pandas as pd
import pytest

from helpers import tiny_table
from nkdlib.jobs import jobs
from nkdlib.papers.table import Row
from nkdlib.report import paper_table


def test_jobs_cover_rows_columns_seeds_and_wire_teachers():
    expanded = jobs(tiny_table())
    assert len(expanded) == 3 * 2 * 2
    kd = [j for j in expanded if j["row"] == "KD" and j["column"] == "c2" and j["seed"] == 1][0]
    teacher = kd["config"]["teacher"]
    assert teacher["method"] == "ce" and teacher["seed"] == 1 and teacher["noise_rate"] == 0.2
    assert {j["value"] for j in expanded if j["row"] == "Mean"} == {"mean"}


def test_grid_rows_give_one_job_per_point_and_the_best_on_valid_is_kept():
    table = tiny_table(rows={"LS": Row("ls", models=("A",), grid={"w": (0.1, 0.9)})}, columns={"c1": {}})
    expanded = jobs(table)
    assert sorted(j["config"]["hp"]["w"] for j in expanded) == [0.1, 0.1, 0.9, 0.9]
    frame = pd.DataFrame([{k: v for k, v in j.items() if k != "config"} for j in expanded])
    frame["valid_metric"] = [0.5 if json.loads(g)["w"] == 0.1 else 0.7 for g in frame["grid"]]
    frame["test_metric_0"] = [0.2 if json.loads(g)["w"] == 0.1 else 0.4 for g in frame["grid"]]
    assert paper_table(frame, table).loc["LS", "c1"] == "40.00 ± 0.00"


def test_each_runs_a_one_model_method_once_per_model_and_reads_model_k_of_a_pair():
    table = tiny_table(models={"A": "mlp", "B": "mlp"},
                       rows={"CE": Row("ce", models=("A", "B"), value="each"),
                             "KDCL": Row("kdcl", models=("A", "B"), value="each")},
                       columns={"A": {}, "B": {"width": 0.5}})
    by_cell = {(j["row"], j["column"], j["seed"]): j for j in jobs(table)}
    assert by_cell[("CE", "B", 0)]["config"]["models"] == ["mlp"] and by_cell[("CE", "B", 0)]["value"] == "test_metric_0"
    assert by_cell[("KDCL", "B", 0)]["value"] == "test_metric_1"


def test_paper_table_averages_two_models_then_seeds():
    table = tiny_table(rows={"Mean": Row("cmd", models=("A", "B"), value="mean")}, columns={"c1": {}})
    frame = pd.DataFrame([{k: v for k, v in j.items() if k != "config"} for j in jobs(table)])
    frame["test_metric_0"], frame["test_metric_1"] = [0.5, 0.7], [0.7, 0.9]
    # per seed: 0.6 and 0.8 -> mean 70, sample std 14.14
    assert paper_table(frame, table).loc["Mean", "c1"] == f"70.00 ± {np.std([60, 80], ddof=1):.2f}"


def test_paper_table_reports_each_split_the_paper_reports_and_leaves_out_what_we_cannot():
    rows = {"CE": Row("ce", models=("A",))}
    table = tiny_table(rows=rows, columns={"c1": {}}, splits={"Accuracy (dev)": "dev", "Accuracy (test)": "test",
                                                               "Hidden": None})
    frame = pd.DataFrame([{k: v for k, v in j.items() if k != "config"} for j in jobs(table)])
    frame["test_metric_0"], frame["dev_metric_0"] = [0.5, 0.7], [0.2, 0.4]
    out = paper_table(frame, table)
    assert list(out.columns) == ["Accuracy (dev)", "Accuracy (test)"]
    assert out.loc["CE"].tolist() == [f"30.00 ± {np.std([20, 40], ddof=1):.2f}", f"60.00 ± {np.std([50, 70], ddof=1):.2f}"]
    two = tiny_table(rows=rows, splits={"dev": "dev", "test": "test"})   # several columns: "<column> <split>"
    frame = pd.DataFrame([{k: v for k, v in j.items() if k != "config"} for j in jobs(two)])
    frame["test_metric_0"] = 0.5
    frame["dev_metric_0"] = [0.1, 0.3, np.nan, np.nan]   # c1's seeds have a dev metric, c2's runs do not
    out = paper_table(frame, two)
    assert list(out.columns) == ["c1 dev", "c1 test", "c2 test"]
    assert out.loc["CE"].tolist() == [f"20.00 ± {np.std([10, 30], ddof=1):.2f}", "50.00 ± 0.00", "50.00 ± 0.00"]
    with pytest.raises(ValueError, match="must name at least one split"):
        paper_table(frame, tiny_table(rows=rows, splits={"TEST": None}))
