"""Grids: the same numbers with one worker or two (Ray), duplicates trained once, teachers
first, and a failed run reported by name without stopping the others."""
import pytest

from helpers import QUIET, cfg
from nkdlib.config import teacher_config
from nkdlib.grid import GridError, run_many


def grid():
    teacher = teacher_config(cfg(), ["mlp"], width=0.25, optimizer="sgd", lr=0.1, epochs=2)
    jobs = [{"row": m, "seed": s, "config": cfg(method=m, seed=s, epochs=3)}
            for m in ("ce", "cmd", "co_teaching") for s in (0, 1)]
    jobs.append({"row": "kd", "seed": 0, "config": cfg(method="kd", teacher=teacher, epochs=3)})
    jobs.append(dict(jobs[0]))                      # a duplicate: trained once, listed twice
    return jobs


def metric_columns(table):
    return table.sort_values(["row", "seed"], kind="stable")[["row", "seed", "run", "test_metric", "threads"]]


def test_two_workers_on_ray_give_the_sequential_numbers(tmp_path):
    sequential = run_many(grid(), tmp_path / "one", QUIET)
    parallel = run_many(grid(), tmp_path / "two", QUIET, workers=2)
    assert len(sequential) == len(grid()) and (sequential["threads"] == 1).all()
    assert metric_columns(sequential).reset_index(drop=True).equals(metric_columns(parallel).reset_index(drop=True))
    assert len(list((tmp_path / "two").glob("*/metrics.json"))) == 8   # 7 distinct jobs + the kd teacher


def test_a_failed_run_is_named_and_the_others_finish(tmp_path):
    jobs = [{"row": "diverges", "config": cfg(lr=1e6)}, {"row": "fine", "config": cfg()}]
    with pytest.raises(GridError, match="1 run\\(s\\) failed.*\n  ce-\\w+: RunFailed: .*training loss is") as e:
        run_many(jobs, tmp_path, QUIET)
    assert len(e.value.failures) == 1
    assert len(list(tmp_path.glob("*/metrics.json"))) == 1


def test_an_empty_grid_is_refused():
    with pytest.raises(ValueError, match="no jobs"):
        run_many([], "unused")
