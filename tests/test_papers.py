"""nkdlib.papers: every profile of every paper builds, every misspelled name is refused
with the valid ones, and a notebook's parameters change exactly the runs they should."""
import dataclasses

import pytest

from nkdlib import papers
from nkdlib.jobs import check_effect, jobs
from nkdlib.papers import cmd
from nkdlib.papers.table import check_entry
from nkdlib.runs import run_name


def test_every_table_of_every_profile_of_every_paper_builds():
    assert papers.check_all_profiles() > 30


def test_the_registries_are_read_off_the_tables_and_name_the_notebooks_there_are():
    from nkdlib.notebooks import notebooks
    assert list(papers.NOTEBOOKS) == [p.stem for p in notebooks()]
    assert papers.NOTEBOOKS["03_pretrained_vs_scratch"] is papers.label_reg
    assert all(name == t.name for name, t in papers.TABLES.items())
    # Table 3 and our diagnosis: rendered by notebook 04 in the profiles listing them, nowhere else
    assert "cmd.table3" in papers.notebook_tables("04_cmd_ablations", "smoke")
    assert "cmd.table3" not in papers.notebook_tables("04_cmd_ablations", "small")
    assert "cmd.eta" not in papers.notebook_tables("04_cmd_ablations", "paper")
    assert papers.notebook_tables("03_pretrained_vs_scratch", "gpu") == ("label_reg.table6",)
    assert [c.table for c in papers.claims("01_noisy_glue_kd")] == ["noisy_kd.table1"] * 6


def test_a_new_table_is_one_literal(monkeypatch):
    """A Table naming its notebook and profiles is rendered there, scaled by its own entry."""
    new = dataclasses.replace(papers.TABLES["cmd.table5"], name="cmd.extra", profiles={"small": {"rows": ("CE",)}})
    monkeypatch.setitem(papers.TABLES, "cmd.extra", new)
    monkeypatch.setattr(cmd, "tables", lambda tables=cmd.tables, **knobs: {**tables(**knobs), "cmd.extra": new})
    assert papers.notebook_tables("04_cmd_ablations", "small")[-1] == "cmd.extra"
    assert "cmd.extra" not in papers.notebook_tables("04_cmd_ablations", "smoke")
    assert list(papers.table("cmd.extra", "small").rows) == ["CE"]
    assert papers.table("cmd.extra", "small").models == cmd.PROFILES["small"]["models"]   # the paper-wide entry


def test_a_table_may_only_list_known_profiles_and_an_empty_paper_entry(monkeypatch):
    for profiles, message in (({"smal": {}}, r"must be among"), ({"paper": {"seeds": (0,)}}, r"empty 'paper' entry")):
        bad = dataclasses.replace(papers.TABLES["cmd.table5"], profiles=profiles)
        monkeypatch.setitem(papers.TABLES, "cmd.table5", bad)
        with pytest.raises(ValueError, match=message):
            papers.check_all_profiles()


def test_papers_import_nothing_outside_papers():
    """The papers are description: no torch, no jobs, runs, report or config."""
    import subprocess
    import sys
    code = "import sys, nkdlib.papers; print(sorted(m for m in sys.modules if m.startswith('nkdlib') or m == 'torch'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert eval(out) == ["nkdlib", "nkdlib.papers", "nkdlib.papers.cmd", "nkdlib.papers.label_reg",
                         "nkdlib.papers.noisy_kd", "nkdlib.papers.table"]


def test_one_list_of_model_names():
    from nkdlib import models
    from nkdlib.papers.table import MODEL_NAMES, VISION_NAMES, model_kind
    assert models.MODEL_NAMES is MODEL_NAMES and models.VISION_NAMES is VISION_NAMES
    assert model_kind("resnet34") == model_kind("mlp") == "vision"
    assert model_kind("minilm") == model_kind("FacebookAI/roberta-large") == "text"


@pytest.mark.parametrize("entry, message", [
    (dict(rows=("Zer0",)), r"unknown row\(s\) \['Zer0'\]; known: \['Zero', 'All', 'CMD-S', 'CMD-P'"),
    (dict(columns=("ProSelfLc",)), r"unknown column\(s\) \['ProSelfLc'\]; known: \['CE', 'LS'"),
    (dict(blocks=("50 %",)), r"unknown block\(s\) \['50 %'\]; known: \[''\]"),
    (dict(grid={"Zer0": {"eta": (1.0,)}}), r"unknown grid row\(s\) \['Zer0'\]"),
    (dict(column_entries={"Mconff": {}}), r"unknown column_entries column\(s\) \['Mconff'\]"),
    (dict(models={"C": "resnet18"}), r"unknown model role\(s\) \['C'\]; known: \['A', 'B'\]"),
    (dict(row=("Zero",)), r"unknown profile key\(s\) \['row'\]; known: \['models', 'seeds'"),
])
def test_a_misspelled_profile_name_is_refused_naming_the_valid_ones(entry, message):
    with pytest.raises(ValueError, match=message):
        check_entry(entry, papers.TABLES["cmd.table1"], "profile entry for cmd.table1")


def test_a_tables_own_entry_may_not_name_rows_or_columns_of_other_tables(monkeypatch):
    t1 = papers.TABLES["cmd.table1"]
    bad = dataclasses.replace(t1, profiles={**t1.profiles, "smoke": {"rows": ("CE",)}})   # a row of Table 5
    monkeypatch.setattr(cmd, "tables", lambda tables=cmd.tables, **knobs: {**tables(**knobs), "cmd.table1": bad})
    with pytest.raises(ValueError, match=r"profile 'smoke' entry for cmd.table1: unknown row\(s\) \['CE'\]"):
        papers.table("cmd.table1", "smoke")


def test_a_paper_wide_subset_is_checked_against_the_union_of_the_papers_tables(monkeypatch):
    # "Clean" is a column of Table 3 only: a paper-wide subset naming it leaves Table 5 whole
    monkeypatch.setitem(cmd.PROFILES, "smoke", {**cmd.PROFILES["smoke"], "columns": ("Clean",)})
    assert list(papers.table("cmd.table5", "smoke").columns) == ["Accuracy"]
    monkeypatch.setitem(cmd.PROFILES, "smoke", {**cmd.PROFILES["smoke"], "columns": ("Clean", "Cleen")})
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['Cleen'\]"):
        papers.table("cmd.table5", "smoke")


@pytest.mark.parametrize("call, message", [
    (lambda: papers.table("cmd.table1", "smal"), r"unknown profile 'smal'; known: smoke, small, gpu, paper"),
    (lambda: papers.table("cmd.tabel1", "small"), r"unknown table or notebook 'cmd.tabel1'"),
    (lambda: papers.check_values("04_cmd_ablations", {"etta": 4}), r"unknown parameter\(s\) \['etta'\].*'eta'"),
    (lambda: papers.check_values("01_noisy_glue_kd", {"eta": 4}), r"unknown parameter\(s\) \['eta'\] of notebook 01"),
    (lambda: papers.check_values("04_cmd_ablations", {"dataset": "cifar1000"}), r"choose one of \['cifar10', 'cifar100'\]"),
    (lambda: papers.check_values("04_cmd_ablations", {"models": {"C": "resnet18"}}), r"must map roles \['A', 'B'\]"),
    (lambda: papers.check_values("04_cmd_ablations", {"seeds": 3}), r"seeds=3 must be a non-empty list"),
    (lambda: papers.check_values("04_cmd_ablations", {"seeds": [0, 0]}), r"seeds=\[0, 0\] repeats \[0\]"),
    (lambda: papers.check_values("04_cmd_ablations", {"eta_grid": [4, 2, 4.0]}), r"eta_grid=\[4, 2, 4.0\] repeats \[4.0\]"),
    (lambda: papers.notebook_tables("01_noisy_glue_kd", "gpu"), r"profile 'gpu' has no tables of notebook 01"),
    (lambda: jobs(papers.table("cmd.table1", "small", {"noise": "gausian"})), r"noise='gausian' is not allowed"),
])
def test_bad_names_and_values_fail_at_once(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_parameter_that_changes_no_run_is_refused():
    # notebook 02 trains on clean labels: a noise kind alone changes nothing
    with pytest.raises(ValueError, match=r"noise='pairflip' changes no run of notebook 02_teacher_free_regularization"):
        check_effect("02_teacher_free_regularization", "smoke", {"noise": "pairflip"})
    check_effect("04_cmd_ablations", "smoke", {"eta": 4.0, "noise_rate": 0.2})   # these do


def test_a_model_replaces_a_role_only_where_it_is_of_the_same_kind():
    values = {"models": {"student": "resnet34"}}
    assert papers.table("label_reg.table6", "small", values).models["student"] == "resnet34"
    assert papers.table("label_reg.table8", "small", values).models["student"] == "minilm-l3"   # a text table


def runs(name, profile="small", values=None):
    return {(j["row"], j["column"], j["seed"]): run_name(j["config"]) for j in jobs(papers.table(name, profile, values))}


def test_eta_and_b2_change_exactly_the_cmd_s_and_cmd_p_runs():
    base, new = runs("cmd.table1"), runs("cmd.table1", values={"eta": 4, "b2": -2})
    changed = {cell for cell in base if base[cell] != new[cell]}
    assert {row for row, _, _ in changed} == {"CMD-S", "CMD-P"}   # Zero (η = ∞) and All (η = 1) keep theirs
    t = papers.table("cmd.table1", "small", {"eta": 4, "b2": -2})
    assert t.rows["CMD-P"].hp == {"eta": 4, "b2": -2} and t.rows["CMD-S"].hp == {"eta": 4, "b2": 0.0}
    # an int from papermill keys like the float
    assert runs("cmd.table1", values={"eta": 4, "b2": -2}) == runs("cmd.table1", values={"eta": 4.0, "b2": -2.0})


def test_grids_rebuild_the_sweeps_and_drop_the_profiles_subset_of_that_axis():
    t = papers.table("cmd.figure4b", "small", {"eta_grid": [3, 8], "b2_grid": [0, -3]})
    assert list(t.columns) == ["η = 3", "η = 8"] and list(t.rows) == ["b2 = 0", "b2 = -3"]
    assert list(papers.table("cmd.table7", "paper", {"eta_grid": [2, 5]}).rows) == ["η = 1", "η = 2", "η = 5"]
    assert list(papers.table("cmd.figure4b", "small").rows) == ["b2 = 0", "b2 = -6"]   # the profile's subset


def test_generic_parameters_reach_every_run():
    t = papers.table("cmd.table1", "small", {"seeds": [5], "epochs": 10, "precision": "fp32", "noise_rate": 0.2})
    configs = [j["config"] for j in jobs(t)]
    assert {c["seed"] for c in configs} == {5} and {c["epochs"] for c in configs} == {10}
    assert {tuple(c["milestones"]) for c in configs} == {(5, 8)}   # 15 and 24 of 30 keep their share
    assert {c["precision"] for c in configs} == {"fp32"} and {c["noise_rate"] for c in configs} == {0.2}
    gpu = papers.table("cmd.table1", "gpu", {"dataset": "cifar100"})
    assert {j["config"]["task"] for j in jobs(gpu)} == {"cifar100"}
    with pytest.raises(ValueError, match="stand-in"):
        papers.table("label_reg.table6", "gpu", {"dataset": "cifar100"})


def test_the_gpu_profile_fits_an_afternoon_and_refuses_the_text_notebooks():
    from nkdlib.cost import plan_frame
    for notebook in ("03_pretrained_vs_scratch", "04_cmd_ablations"):
        frame = plan_frame(notebook, "gpu")
        assert 0 < frame["gpu_hours"].sum() <= 8, notebook
        assert {c for c in frame["seed"] if c == c} and frame.groupby("table")["seed"].nunique().min() >= 3
    frame = plan_frame("04_cmd_ablations", "gpu")
    assert set(frame["config.max_train"].dropna()) == set() and set(frame["config.width"]) == {1.0}
    for notebook in ("01_noisy_glue_kd", "02_teacher_free_regularization"):
        with pytest.raises(ValueError, match="profile 'gpu' has no tables"):
            papers.notebook_tables(notebook, "gpu")


def test_the_gpu_profile_code_path_runs_on_cpu_at_tiny_size(tmp_path):
    """The gpu profile's runs, shrunk (seed, epochs, images, width): they train on CPU."""
    from nkdlib.settings import RunSettings
    from nkdlib.train import run
    job = jobs(papers.table("cmd.table1", "gpu", {"seeds": [0], "epochs": 1}))[0]
    config = {**job["config"], "max_train": 64, "max_test": 32, "width": 0.0625}
    metrics = run(config, tmp_path, RunSettings(quiet=True))
    assert 0 <= metrics["test_metric"] <= 1 and metrics["epochs_run"] == 1


def test_noisy_kd_diagnosis_tables_share_table1s_runs_where_they_are_the_same_run():
    names = lambda t: {run_name(j["config"]) for j in jobs(papers.table(t, "small"))}
    table1, vanilla = jobs(papers.table("noisy_kd.table1", "small")), names("noisy_kd.vanilla_w")
    grid_runs = {run_name(j["config"]) for j in table1 if j["row"] == "Vanilla"}
    assert grid_runs < vanilla and len(vanilla) == len(grid_runs) * 5 // 3   # w 0.2, 0.5, 0.8 + 0.9, 1.0
    timing = jobs(papers.table("noisy_kd.refine_timing", "small"))
    assert {j["config"]["epochs"] for j in timing} == {6}
    assert sorted({j["config"]["hp"].get("refine_epoch") for j in timing}, key=str) == [1, 2, 3, None]


def _tiny_run_frame(table, seeds=(0, 1, 2)):
    """A run_table-like frame of `table` (every row and column, one run per seed), each cell
    from the row, column and seed, as run_many returns it (grid "", value test_metric_0)."""
    import pandas as pd
    rows = [{"table": table.name, "block": "", "row": r, "column": c, "seed": s, "grid": "", "value": "test_metric_0",
             "test_metric_0": 0.4 + 0.01 * i + 0.002 * j + 0.003 * ((s * 7 + i) % 3)}
            for i, r in enumerate(table.rows) for j, c in enumerate(table.columns) for s in seeds]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("notebook", ["02_teacher_free_regularization", "03_pretrained_vs_scratch", "04_cmd_ablations"])
def test_each_notebooks_claims_build_name_their_tables_rows_and_cells_and_are_judged(notebook):
    from nkdlib import report
    claims = papers.claims(notebook)
    assert claims and len({c.name for c in claims}) == len(claims)
    paper = papers.NOTEBOOKS[notebook]
    for claim in claims:
        assert claim.table in paper.tables(), claim.name   # a table of this paper (or our ablation)
        table = papers.TABLES[claim.table]
        assert set(claim.rows) | {claim.b} <= set(table.rows), claim.name   # names as the protocol spells them
        cells = (claim.cells,) if isinstance(claim.cells, str) else claim.cells
        assert set(cells) <= set(table.columns), claim.name
    # every claim judged on a tiny frame of its table at the protocol (all rows and columns): each unit's
    # paper effect is found, and each verdict is one of the rule's
    frames = {name: _tiny_run_frame(papers.TABLES[name]) for name in {c.table for c in claims}}
    summary, detail = report.verdicts(frames, claims)
    assert list(summary.index) == [c.name for c in claims]
    assert detail["judged"].isin(["reproduced", "direction only", "reversed", "not reproduced"]).all()
    assert detail["n"].eq(3).all() and detail["test"].eq("wilcoxon").all()
    for profile in papers.PROFILES:   # each profile's subset of the tables: what it runs is judged, no error
        try:
            shown = papers.notebook_tables(notebook, profile)
        except ValueError:
            continue   # gpu: no text tables
        frames = {name: _tiny_run_frame(papers.table(name, profile)) for name in shown}
        summary, _ = report.verdicts(frames, claims)
        assert set(summary.index) <= {c.name for c in claims}
        assert profile != "paper" or list(summary.index) == [c.name for c in claims if c.table in shown]


@pytest.mark.parametrize("notebook", ["02_teacher_free_regularization", "03_pretrained_vs_scratch", "04_cmd_ablations"])
def test_the_small_profile_judges_every_claim_on_a_table_it_renders(notebook):
    """A claim on a table `small` renders keeps b and at least one row there, so the published
    verdict table leaves out only the claims on tables `small` does not run (CMD Tables 3, 6)."""
    shown = papers.notebook_tables(notebook, "small")
    for claim in papers.claims(notebook):
        if claim.table in shown:
            rows = papers.table(claim.table, "small").rows
            assert claim.b in rows and set(claim.rows) & set(rows), claim.name
    left_out = {c.table for c in papers.claims(notebook)} - set(shown)
    assert left_out == ({"cmd.table3", "cmd.table6"} if notebook == "04_cmd_ablations" else set())


def test_papers_is_description_it_imports_no_report_jobs_or_runs():
    """nkdlib.papers holds the papers' tables and claims as data: importing it loads none of
    nkdlib.report, jobs, runs, and no module of it imports report (check_effect, which
    reads jobs and runs, lives in nkdlib.jobs)."""
    import ast
    import subprocess
    import sys
    from pathlib import Path
    code = "import sys, nkdlib.papers; print(sorted(m for m in ('nkdlib.report', 'nkdlib.jobs', 'nkdlib.runs') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    for path in Path(papers.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            imported = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            assert not any("report" in n.split(".") for n in names + imported), f"{path.name} imports report"
