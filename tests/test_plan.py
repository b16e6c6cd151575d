"""From protocol tables to runs and back: job expansion, the paper plan offline, rendering."""
import json

import numpy as np
import pandas as pd
import pytest

from nkdlib import plan
from nkdlib.config import make_config
from nkdlib.notebooks import main as notebooks_main
from nkdlib.protocol import TABLES, Row, Table
from nkdlib.runs import run_name


def tiny_table(**kw):
    base = dict(name="x.t", source="test", models={"A": "mlp", "B": "mlp", "teacher": "mlp"}, seeds=(0, 1),
                recipe=dict(epochs=1, optimizer="sgd", lr=0.1, schedule="constant"), data=dict(task="digits"),
                rows={"T": Row("ce", models=("teacher",)), "KD": Row("kd", {"w": 0.5}, models=("A",), teacher="T"),
                      "Mean": Row("cmd", {"eta": 2.0}, models=("A", "B"), value="mean")},
                columns={"c1": {}, "c2": {"noise_rate": 0.2}})
    return Table(**{**base, **kw})


def test_jobs_cover_rows_columns_seeds_and_wire_teachers():
    jobs = plan.jobs(tiny_table())
    assert len(jobs) == 3 * 2 * 2
    kd = [j for j in jobs if j["row"] == "KD" and j["column"] == "c2" and j["seed"] == 1][0]
    teacher = kd["config"]["teacher"]
    assert teacher["method"] == "ce" and teacher["seed"] == 1 and teacher["noise_rate"] == 0.2
    assert {j["value"] for j in jobs if j["row"] == "Mean"} == {"mean"}


def test_grid_rows_give_one_job_per_point_and_the_best_on_valid_is_kept():
    table = tiny_table(rows={"LS": Row("ls", models=("A",), grid={"w": (0.1, 0.9)})}, columns={"c1": {}})
    jobs = plan.jobs(table)
    assert sorted(j["config"]["hp"]["w"] for j in jobs) == [0.1, 0.1, 0.9, 0.9]
    frame = pd.DataFrame([{k: v for k, v in j.items() if k != "config"} for j in jobs])
    frame["valid_metric"] = [0.5 if json.loads(g)["w"] == 0.1 else 0.7 for g in frame["grid"]]
    frame["test_metric_0"] = [0.2 if json.loads(g)["w"] == 0.1 else 0.4 for g in frame["grid"]]
    assert plan.paper_table(frame, table).loc["LS", "c1"] == "40.00 ± 0.00"


def test_each_runs_a_one_model_method_once_per_model_and_reads_model_k_of_a_pair():
    table = tiny_table(models={"A": "mlp", "B": "mlp"},
                       rows={"CE": Row("ce", models=("A", "B"), value="each"),
                             "KDCL": Row("kdcl", models=("A", "B"), value="each")},
                       columns={"A": {}, "B": {"width": 0.5}})
    jobs = {(j["row"], j["column"], j["seed"]): j for j in plan.jobs(table)}
    assert jobs[("CE", "B", 0)]["config"]["models"] == ["mlp"] and jobs[("CE", "B", 0)]["value"] == "test_metric_0"
    assert jobs[("KDCL", "B", 0)]["value"] == "test_metric_1"


def test_paper_table_averages_two_models_then_seeds():
    table = tiny_table(rows={"Mean": Row("cmd", models=("A", "B"), value="mean")}, columns={"c1": {}})
    frame = pd.DataFrame([{k: v for k, v in j.items() if k != "config"} for j in plan.jobs(table)])
    frame["test_metric_0"], frame["test_metric_1"] = [0.5, 0.7], [0.7, 0.9]
    # per seed: 0.6 and 0.8 -> mean 70, sample std 14.14
    assert plan.paper_table(frame, table).loc["Mean", "c1"] == f"70.00 ± {np.std([60, 80], ddof=1):.2f}"


def test_paper_table_reports_each_split_the_paper_reports_and_leaves_out_what_we_cannot():
    rows = {"CE": Row("ce", models=("A",))}
    table = tiny_table(rows=rows, columns={"c1": {}}, splits={"Accuracy (dev)": "dev", "Accuracy (test)": "test",
                                                               "Hidden": None})
    frame = pd.DataFrame([{k: v for k, v in j.items() if k != "config"} for j in plan.jobs(table)])
    frame["test_metric_0"], frame["dev_metric_0"] = [0.5, 0.7], [0.2, 0.4]
    out = plan.paper_table(frame, table)
    assert list(out.columns) == ["Accuracy (dev)", "Accuracy (test)"]
    assert out.loc["CE"].tolist() == [f"30.00 ± {np.std([20, 40], ddof=1):.2f}", f"60.00 ± {np.std([50, 70], ddof=1):.2f}"]
    two = tiny_table(rows=rows, splits={"dev": "dev", "test": "test"})   # several columns: "<column> <split>"
    frame = pd.DataFrame([{k: v for k, v in j.items() if k != "config"} for j in plan.jobs(two)])
    frame["test_metric_0"] = 0.5
    frame["dev_metric_0"] = [0.1, 0.3, np.nan, np.nan]   # c1's seeds have a dev metric, c2's runs do not
    out = plan.paper_table(frame, two)
    assert list(out.columns) == ["c1 dev", "c1 test", "c2 test"]
    assert out.loc["CE"].tolist() == [f"20.00 ± {np.std([10, 30], ddof=1):.2f}", "50.00 ± 0.00", "50.00 ± 0.00"]
    with pytest.raises(ValueError, match="must name at least one split"):
        plan.paper_table(frame, tiny_table(rows=rows, splits={"TEST": None}))


def test_plan_frame_lists_teachers_and_init_from_runs_before_the_runs_needing_them(monkeypatch):
    pre = make_config(task="digits", method="ce", models=["mlp"], epochs=2)
    table = tiny_table(columns={"c1": {}, "warm": {"init_from": pre}}, block_rows={"": ("KD", "Mean")})
    monkeypatch.setitem(plan.TABLES, table.name, table)
    monkeypatch.setitem(plan.NOTEBOOK_TABLES, "nb", (table.name,))
    frame = plan.plan_frame("nb", "paper")
    first = {run: i for i, run in reversed(list(enumerate(frame["run"])))}
    pre_run = frame[frame["role"] == "init_from"]["run"]
    assert len(pre_run) == 1 and pre_run.iloc[0].startswith("ce-")   # one pre-training run, shared
    warm = frame[(frame["column"] == "warm") & (frame["role"] == "")]
    assert len(warm) == 2 * 2 and (warm.index > first[pre_run.iloc[0]]).all()   # KD and Mean, 2 seeds
    teachers = [j["config"]["teacher"] for j in plan.jobs(table) if j["config"]["teacher"] is not None]
    assert sorted(frame[frame["role"] == "teacher"]["run"]) == sorted({run_name(t) for t in teachers})
    for job in plan.jobs(table):   # every teacher and init_from run is listed before the run needing it
        for need in (job["config"]["teacher"], job["config"]["init_from"]):
            if need is not None:
                assert first[run_name(need)] < first[run_name(job["config"])]
    assert len(frame) == frame["run"].nunique() == len(plan.jobs(table)) + len(teachers) + 1


@pytest.mark.parametrize("notebook", sorted(plan.NOTEBOOK_TABLES))
def test_the_paper_plan_lists_the_protocol_offline(notebook, tmp_path):
    frame = plan.plan_frame(notebook, "paper")
    assert not frame.empty and frame["gpu_hours"].gt(0).all()
    for name in plan.NOTEBOOK_TABLES[notebook]:
        table, configs = TABLES[name], [j["config"] for j in plan.jobs(TABLES[name])]
        assert set(frame["run"]) >= {run_name(c) for c in configs}, name   # listed once
        assert {c["seed"] for c in configs} == set(table.seeds), name
        assert {c["epochs"] for c in configs} == {table.recipe["epochs"]}, name
        assert {c["valid_frac"] for c in configs} == {table.data.get("valid_frac", 0.1)}, name
        assert {m for c in configs for m in c["models"]} <= set(table.models.values()), name


def test_gpu_hours_scale_with_examples_epochs_models_and_a_class_subset():
    one = make_config(task="cifar10", method="ce", models=["resnet18"], epochs=10)
    hours = plan.gpu_hours(one)   # 45000 images (10% valid) x 10 epochs at the measured rate
    assert hours == pytest.approx(45000 * 10 / plan.MEASURED["examples_per_s"] / 3600)
    assert plan.gpu_hours({**one, "classes": [0, 1]}) == pytest.approx(hours / 5)
    assert plan.gpu_hours({**one, "classes": [0, 1], "max_train": 100}) == pytest.approx(hours * 100 / 50000)
    assert plan.gpu_hours({**one, "method": "cmd"}) == pytest.approx(2 * hours)   # two models


def test_plan_cli_writes_one_csv_per_notebook_and_trains_nothing(tmp_path, capsys):
    notebooks_main(["--plan", "--profile", "paper", "--out", str(tmp_path / "plans")])
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == sorted(
        f"{n}.plan-paper.csv" for n in plan.NOTEBOOK_TABLES)
    assert "GPU-hours" in capsys.readouterr().out
    assert not (tmp_path / "runs").exists()


def test_cmd_table6_paper_runs_use_resnet18_and_shufflenet_for_200_epochs():
    frame = plan.plan_frame("04_cmd_ablations", "paper")
    t6 = frame[frame["table"] == "cmd.table6"]
    assert set(t6["models"]) == {"resnet18", "shufflenetv2", "resnet18 + shufflenetv2"}
    assert set(t6["epochs"]) == {200} and set(t6["config.gamma"]) == {0.2}
    assert set(t6["config.milestones"]) == {"[60, 120, 160]"} and set(t6["config.task"]) == {"cifar100"}
