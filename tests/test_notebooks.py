"""The paper notebooks: their jupytext sources build into papermill-ready notebooks, and a
smoke run of each under papermill (the CI profile) executes without error and writes at
least one table (CSV) and one figure (PNG and PDF)."""
import ast
import os
import shutil
import subprocess
import sys

import jupytext
import pandas as pd
import pytest

from nkdlib import notebooks as runner
from nkdlib.notebooks import notebooks
from nkdlib.cost import plan_frame
from nkdlib.session import notebook_session

ids = dict(ids=lambda p: p.stem)


def test_there_are_four_notebooks():
    assert [p.stem[:2] for p in notebooks()] == ["01", "02", "03", "04"]


def test_an_installed_package_without_the_repository_says_it_needs_it(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", tmp_path)   # what `pip install .` gives: no notebooks/
    with pytest.raises(SystemExit, match="no notebooks in .*clone the repository"):
        runner.main(["--plan"])


def test_notebook_session_plans_without_training_and_refuses_bad_parameters(tmp_path):
    params = dict(profile="smoke", runs_dir=str(tmp_path / "runs"), figures_dir=str(tmp_path), plan=True)
    nb = notebook_session("04_cmd_ablations", params)
    assert (tmp_path / "04_cmd_ablations" / "profile=smoke,plan" / "04_cmd_ablations.plan-smoke.csv").is_file()
    frame = nb.run_table(nb.tables[0])
    assert len(frame) and "test_metric" not in frame and not (tmp_path / "runs").exists()
    assert nb.paper_table(frame).to_numpy().sum() == frame["run"].nunique()
    nb.show(pd.DataFrame({"a": [1]}), "t")
    assert (tmp_path / "04_cmd_ablations" / "profile=smoke,plan" / "t.csv").is_file()
    with pytest.raises(ValueError, match="unknown profile 'big'"):
        notebook_session("04_cmd_ablations", {**params, "profile": "big"})
    with pytest.raises(ValueError, match="workers=0 must be an integer >= 1"):
        notebook_session("04_cmd_ablations", {**params, "workers": 0})
    # papermill's -y "seeds: [0, 0]": one run would count twice in a table's mean ± std
    with pytest.raises(ValueError, match=r"parameter seeds=\[0, 0\] repeats \[0\]"):
        notebook_session("04_cmd_ablations", {**params, "seeds": [0, 0]})
    # a typo given to papermill lands in the namespace: refused with the valid names
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['etta'\] of notebook 04_cmd_ablations; known: .*'eta'"):
        notebook_session("04_cmd_ablations", {**params, "etta": 4})
    # science parameters set: their tables go to a folder named by them, never over the profile's
    nb = notebook_session("04_cmd_ablations", {**params, "eta": 4, "b2": -2, "plan": False})
    assert nb.values == {"eta": 4, "b2": -2} and nb.figure_name == "04_cmd_ablations/profile=smoke,eta=4,b2=-2"
    assert notebook_session("04_cmd_ablations", {"plan": False}).runs_dir == str(runner.ROOT / "runs")


@pytest.mark.parametrize("given, meant", [("no", False), ("Off", False), ("false", False), ("0", False), (0, False),
                                          ("yes", True), ("ON", True), ("true", True), (1, True)])
def test_booleans_papermill_passes_as_strings_are_parsed(given, meant, tmp_path):
    """`-p plan no` reaches the notebook as the string 'no', which bool() reads as True."""
    nb = notebook_session("04_cmd_ablations", dict(profile="smoke", runs_dir=str(tmp_path / "runs"),
                                                   figures_dir=str(tmp_path), plan=given, quiet=given))
    assert nb.plan is meant and nb.settings.quiet is meant


@pytest.mark.parametrize("key, given", [("plan", "maybe"), ("quiet", 2), ("plan", 1.0)])
def test_a_boolean_that_is_neither_is_refused_by_name(key, given, tmp_path):
    with pytest.raises(ValueError, match=f"parameter {key}={given!r} must be True or False"):
        notebook_session("04_cmd_ablations", dict(profile="smoke", figures_dir=str(tmp_path), **{key: given}))


def test_plan_and_other_profiles_never_overwrite_the_published_profiles_tables(tmp_path):
    params = dict(runs_dir=str(tmp_path / "runs"), figures_dir=str(tmp_path))
    small = notebook_session("04_cmd_ablations", {**params, "profile": "small"})
    assert small.figure_name == "04_cmd_ablations"   # the main job: results/small/figures/<notebook>/, as published
    small.show(pd.DataFrame({"Mconf": ["49.11 ± 0.32"]}), "table1")
    for profile, plan, folder in (("small", True, "plan"), ("smoke", False, "profile=smoke"),
                                  ("smoke", True, "profile=smoke,plan"), ("gpu", False, "profile=gpu")):
        nb = notebook_session("04_cmd_ablations", {**params, "profile": profile, "plan": plan})
        assert nb.figure_name == f"04_cmd_ablations/{folder}"
        nb.show(pd.DataFrame({"Mconf": [3]}), "table1")   # plan: a run count
    assert pd.read_csv(tmp_path / "04_cmd_ablations" / "table1.csv")["Mconf"].tolist() == ["49.11 ± 0.32"]


def test_cli_parameters_are_checked_and_their_runs_never_go_to_the_published_store(monkeypatch, tmp_path, capsys):
    calls = []
    monkeypatch.setattr(runner, "execute", lambda source, out, **params: calls.append(params) or 0.0)
    monkeypatch.setattr(runner, "reuse_note", lambda *a: "note")
    runner.main(["--only", "04", "--profile", "smoke", "-p", "eta", "4", "-p", "b2", "-2", "--out", str(tmp_path)])
    assert calls[0]["eta"] == 4 and calls[0]["b2"] == -2 and calls[0]["runs_dir"] == str(runner.ROOT / "runs")
    runner.main(["--only", "04", "-p", "eta", "4", "--out", str(tmp_path)])   # small: still not results/small
    assert calls[1]["runs_dir"] == str(runner.ROOT / "runs")
    for argv, message in ((["--only", "04", "-p", "etta", "4"], "unknown parameter(s) ['etta']"),
                          (["--only", "4"], "--only ['4'] matches no notebook"),
                          (["--only", "cmd"], "--only ['cmd'] matches no notebook"),
                          (["--profile", "smal"], "unknown profile 'smal'; known: smoke, small, gpu, paper"),
                          (["--only", "04", "-p", "seeds", "[0, 0]"], "parameter seeds=[0, 0] repeats [0]"),
                          (["--workers", "0"], "argument --workers: '0' is not an integer >= 1"),
                          (["--only", "01", "--profile", "gpu"], "profile 'gpu' has no tables of notebook 01")):
        with pytest.raises(SystemExit) as e:
            runner.main(argv)
        assert e.value.code == 2 and message in capsys.readouterr().err
    assert len(calls) == 2


@pytest.mark.parametrize("source", notebooks(), **ids)
def test_papermill_lists_every_parameter_with_its_type(source, tmp_path):
    import papermill
    from nkdlib import papers
    from nkdlib.session import SETTINGS
    built = tmp_path / f"{source.stem}.ipynb"
    jupytext.write(jupytext.read(source), built)
    listed = papermill.inspect_notebook(str(built))
    assert set(listed) == set(SETTINGS) | set(papers.parameters(source.stem))
    assert all(p["inferred_type_name"] not in ("None", "") and p["help"] for p in listed.values()), listed


def test_main_job_renders_small_from_the_published_runs_and_says_what_it_reused(monkeypatch, capsys, tmp_path):
    calls = []
    monkeypatch.setattr(runner, "execute", lambda source, out, **params: calls.append(params) or 0.0)
    runner.main(["--only", "01", "--out", str(tmp_path)])
    assert calls == [{"profile": "small", "runs_dir": str(runner.PUBLISHED["small"].resolve())}]
    n = len(plan_frame("01_noisy_glue_kd", "small"))   # notebook 01's small grid is published in full
    assert f"01_noisy_glue_kd (small): reusing {n} of {n} runs" in capsys.readouterr().out
    assert runner.reuse_note("01_noisy_glue_kd", "small", tmp_path).startswith(
        f"01_noisy_glue_kd (small): reusing 0 of {n} runs from {tmp_path}, training {n}")


@pytest.mark.parametrize("source", notebooks(), **ids)
def test_source_builds_a_papermill_notebook(source):
    notebook = jupytext.read(source)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("source", notebooks(), **ids)
def test_no_variable_shadows_an_imported_module(source):
    tree = ast.parse(source.read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {part for a in node.names for part in (a.asname or a.name).split(".")}
        elif isinstance(node, ast.ImportFrom):
            modules |= set(node.module.split("."))
    assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    assigned |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert not assigned & modules


def test_session_renders_a_table_or_says_why_not(tmp_path, capsys):
    nb = notebook_session("04_cmd_ablations", dict(profile="small", runs_dir=str(tmp_path / "runs"),
                                                   figures_dir=str(tmp_path), plan=True))
    assert nb.render("cmd.table3") is None and "cmd.table3: not in profile 'small'" in capsys.readouterr().out
    frame = nb.render("cmd.table5", show=False)   # plan mode: its run counts are shown all the same
    assert len(frame) == 7 * 3   # small: 7 rows x 3 seeds, one column
    assert pd.read_csv(tmp_path / "04_cmd_ablations" / "plan" / "table5.csv")["Accuracy"].sum() == 21
    assert nb.title("cmd.table1") == "§5.1.1, Table 1: cifar10, 40% symmetric noise (small)"


def test_session_histories_carry_their_jobs_labels_and_cell(tmp_path, monkeypatch):
    import nkdlib.session as session
    logged = pd.DataFrame({"run": ["r1", "r1", "r2"], "epoch": [1, 2, 1], "test_metric_0": [0.1, 0.2, 0.3],
                           "test_metric_1": [0.3, 0.4, 0.5]})
    monkeypatch.setattr(session, "histories", lambda root, names, file: logged[logged["run"].isin(set(names))])
    nb = notebook_session("04_cmd_ablations", dict(profile="smoke", runs_dir=str(tmp_path), figures_dir=str(tmp_path)))
    frame = pd.DataFrame({"run": ["r1", "r2", "r2"], "row": ["x", "y", "y"], "seed": 0,
                          "value": ["mean", "test_metric_1", "test_metric_1"]})   # r2's job twice: one history
    h = nb.histories(frame)
    assert h[["run", "epoch", "row"]].values.tolist() == [["r1", 1, "x"], ["r1", 2, "x"], ["r2", 1, "y"]]
    assert h["cell"].tolist() == pytest.approx([0.2, 0.3, 0.5])   # the two models' mean; model 1
    assert list(nb.histories(frame, labels=())) == list(logged)   # no labels: the histories as logged


@pytest.mark.parametrize("source", notebooks(), **ids)
def test_notebook_runs_under_plain_papermill_with_default_parameters(source, tmp_path, shared_data):
    """The smoke profile (CI) with only -p profile smoke, as a Jupyter user would run it:
    runs_dir, figures_dir, data_dir and workers are None. The package is copied, so its
    <repo>/runs and figures are tmp_path's. Each writes tables (CSV) and figures (PNG, PDF)."""
    for folder in ("nkdlib", "notebooks"):
        shutil.copytree(runner.ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    built = tmp_path / f"{source.stem}.ipynb"
    jupytext.write(jupytext.read(tmp_path / "notebooks" / source.name), built)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NKD_DATA_DIR": str(shared_data)}
    out = subprocess.run([sys.executable, "-m", "papermill", str(built), str(tmp_path / "out.ipynb"),
                          "-p", "profile", "smoke", "--cwd", str(tmp_path / "notebooks")],
                         capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    written = list((tmp_path / "figures" / source.stem / "profile=smoke").iterdir())
    assert {".csv", ".png", ".pdf"} <= {p.suffix for p in written}, written
    assert all(p.stat().st_size > 0 for p in written)


@pytest.mark.parametrize("source", notebooks(), **ids)
def test_code_reads_parameters_through_the_session(source):
    """A parameter as given is not always what the session made of it (runs_dir None is
    <repo>/runs, plan 'no' is False): after the parameters cell, code reads nb.<name>, not
    the parameter. profile is the exception: the session keeps it as given."""
    from nkdlib import papers
    from nkdlib.session import SETTINGS
    code = "\n".join(c.source for c in jupytext.read(source).cells
                     if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    names = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)]
    raw = {n.id for n in names if isinstance(n.ctx, ast.Load)} - {n.id for n in names if isinstance(n.ctx, ast.Store)}
    assert raw & (set(SETTINGS) | set(papers.parameters(source.stem))) <= {"profile"}


def test_cli_help_and_typos_answer_without_importing_torch():
    code = ("import sys; from nkdlib import notebooks\n"
            "try: notebooks.main(['--only', '05'])\nexcept SystemExit as e: print('exit', e.code)\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["exit", "2", "False"]
    assert "--only ['05'] matches no notebook; notebooks: ['01_noisy_glue_kd'" in out.stderr
