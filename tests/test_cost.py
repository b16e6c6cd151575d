"""Cost before training: the plan of every run (nkdlib.cost) and its GPU-hour estimate."""
import pytest

from helpers import tiny_table
from nkdlib import cost, papers
from nkdlib.config import make_config
from nkdlib.jobs import jobs
from nkdlib.notebooks import main as notebooks_main
from nkdlib.papers import TABLES
from nkdlib.runs import run_name


def test_plan_frame_lists_teachers_and_init_from_runs_before_the_runs_needing_them(monkeypatch):
    pre = make_config(task="digits", method="ce", models=["mlp"], epochs=2)
    table = tiny_table(columns={"c1": {}, "warm": {"init_from": pre}}, block_rows={"": ("KD", "Mean")})
    monkeypatch.setattr(cost.papers, "notebook_tables", lambda notebook, profile: (table.name,))
    monkeypatch.setattr(cost.papers, "table", lambda name, profile, values=None: table)
    frame = cost.plan_frame("nb", "paper")
    first = {run: i for i, run in reversed(list(enumerate(frame["run"])))}
    pre_run = frame[frame["role"] == "init_from"]["run"]
    assert len(pre_run) == 1 and pre_run.iloc[0].startswith("ce-")   # one pre-training run, shared
    warm = frame[(frame["column"] == "warm") & (frame["role"] == "")]
    assert len(warm) == 2 * 2 and (warm.index > first[pre_run.iloc[0]]).all()   # KD and Mean, 2 seeds
    teachers = [j["config"]["teacher"] for j in jobs(table) if j["config"]["teacher"] is not None]
    assert sorted(frame[frame["role"] == "teacher"]["run"]) == sorted({run_name(t) for t in teachers})
    for job in jobs(table):   # every teacher and init_from run is listed before the run needing it
        for need in (job["config"]["teacher"], job["config"]["init_from"]):
            if need is not None:
                assert first[run_name(need)] < first[run_name(job["config"])]
    assert len(frame) == frame["run"].nunique() == len(jobs(table)) + len(teachers) + 1


@pytest.mark.parametrize("notebook", sorted(papers.NOTEBOOKS))
def test_the_paper_plan_lists_the_protocol_offline(notebook, tmp_path):
    frame = cost.plan_frame(notebook, "paper")
    assert not frame.empty and frame["gpu_hours"].gt(0).all()
    for name in papers.notebook_tables(notebook, "paper"):
        table, configs = TABLES[name], [j["config"] for j in jobs(TABLES[name])]
        assert set(frame["run"]) >= {run_name(c) for c in configs}, name   # listed once
        assert {c["seed"] for c in configs} == set(table.seeds), name
        assert {c["epochs"] for c in configs} == {table.recipe["epochs"]}, name
        assert {c["valid_frac"] for c in configs} == {table.data.get("valid_frac", 0.1)}, name
        assert {m for c in configs for m in c["models"]} <= set(table.models.values()), name


def test_gpu_hours_scale_with_examples_epochs_models_and_a_class_subset():
    one = make_config(task="cifar10", method="ce", models=["resnet18"], epochs=10)
    hours = cost.gpu_hours(one)   # 45000 images (10% valid) x 10 epochs at the measured packed rate
    assert hours == pytest.approx(45000 * 10 / cost.MEASURED["images_per_s"] / 3600)
    assert cost.gpu_hours({**one, "classes": [0, 1]}) == pytest.approx(hours / 5)
    assert cost.gpu_hours({**one, "classes": [0, 1], "max_train": 100}) == pytest.approx(hours * 100 / 50000)
    assert cost.gpu_hours({**one, "method": "cmd"}) == pytest.approx(2 * hours)   # two models


def test_plan_cli_writes_one_csv_per_notebook_and_trains_nothing(tmp_path, capsys):
    notebooks_main(["--plan", "--profile", "paper", "--out", str(tmp_path / "plans")])
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == sorted(
        f"{n}.plan-paper.csv" for n in papers.NOTEBOOKS)
    assert "GPU-hours" in capsys.readouterr().out
    assert not (tmp_path / "runs").exists()


def test_cmd_table6_paper_runs_use_resnet18_and_shufflenet_for_200_epochs():
    frame = cost.plan_frame("04_cmd_ablations", "paper")
    t6 = frame[frame["table"] == "cmd.table6"]
    assert set(t6["models"]) == {"resnet18", "shufflenetv2", "resnet18 + shufflenetv2"}
    assert set(t6["epochs"]) == {200} and set(t6["config.gamma"]) == {0.2}
    assert set(t6["config.milestones"]) == {"[60, 120, 160]"} and set(t6["config.task"]) == {"cifar100"}
