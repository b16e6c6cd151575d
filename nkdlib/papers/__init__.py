"""The three papers, one module each (its protocol tables, our ablations, its profiles and
its notebooks' table lists), and the one way to get a table as a notebook runs it:

    t = table("cmd.table1", "small", {"eta": 4.0, "seeds": [0, 1]})   # profile, then parameters

Profiles: `paper` is each paper's protocol as it stands; the others change its tables
(nkdlib.papers.table.scaled) by entries keyed by paper ("cmd") or by table ("cmd.table6",
a table's own entry replacing the paper-wide entry of the same key as a whole):
- smoke: every code path on tiny subsets and tiny models, numbers meaningless; all
  notebooks in minutes on a 2-core CPU (what CI runs);
- small: the papers' central claims, sized for a 2-core CPU with real offline data;
- gpu: the vision tables on full CIFAR and full-width ResNets, for one GPU and an afternoon;
- paper: the papers' protocol; needs GPUs and network.

Parameters (a notebook's parameters cell): GENERIC ones for every paper, plus each paper's
KNOBS (its ablated hyper-parameters). None means "the profile's value".
"""
import copy

from . import cmd, label_reg, noisy_kd
from .table import Table, check_entry, scaled, with_values

PAPERS = {m.PAPER: m for m in (noisy_kd, label_reg, cmd)}
PROFILES = ("smoke", "small", "gpu", "paper")
NOTEBOOKS = {nb: m for m in PAPERS.values() for nb in m.NOTEBOOKS}   # notebook -> its paper's module
TABLES = {name: t for m in PAPERS.values() for name, t in m.tables().items()}   # every table at its defaults
DATASETS = ("cifar10", "cifar100")   # the `dataset` parameter of the vision tables
GENERIC = {   # parameter -> what it changes (None: the profile's value), for every notebook
    "seeds": "the seeds (a list)",
    "epochs": "training epochs (a step schedule's milestones keep their share of training)",
    "noise": "label-noise kind: symmetric | uniform | pairflip, where the table's data sets it",
    "noise_rate": "fraction of labels corrupted, where the table's data sets it (not per block or column)",
    "models": "role -> model, e.g. {'teacher': 'minilm', 'student': 'minilm-l3'} or {'A': 'resnet18'}",
    "precision": "fp32 | bf16",
    "dataset": "vision tables: cifar10 (offline) | cifar100 (network)",
}


def _paper(name: str):
    """The paper module of a table name ("cmd.table1") or a notebook ("04_cmd_ablations")."""
    if name in NOTEBOOKS:
        return NOTEBOOKS[name]
    prefix = name.split(".")[0]
    if prefix not in PAPERS or name not in TABLES:
        raise ValueError(f"unknown table or notebook {name!r}; tables: {', '.join(TABLES)}; "
                         f"notebooks: {', '.join(NOTEBOOKS)}")
    return PAPERS[prefix]


def check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")


def notebook_tables(notebook: str, profile: str) -> tuple:
    """Names of the tables `notebook` renders in `profile`; a profile that has none of them
    (gpu for the text notebooks) is refused, saying which notebooks it covers."""
    check_profile(profile)
    paper = _paper(notebook)
    if profile == "paper":
        return paper.NOTEBOOKS[notebook]
    names = paper.PROFILE_TABLES.get(profile, {}).get(notebook, paper.NOTEBOOKS[notebook])
    if profile not in paper.PROFILES or not names:
        covered = [nb for nb, m in NOTEBOOKS.items() if profile in m.PROFILES
                   and m.PROFILE_TABLES.get(profile, {}).get(nb, m.NOTEBOOKS[nb])]
        raise ValueError(f"profile {profile!r} has no tables of notebook {notebook}; it covers {covered} "
                         "(use smoke, small or paper for this notebook)")
    return names


def claims(notebook: str) -> list:
    """The paper's claims `notebook` judges (its paper module's CLAIMS: nkdlib.papers.table.Claim,
    each naming its table), none where the module states none."""
    return list(getattr(_paper(notebook), "CLAIMS", {}).get(notebook, ()))


def parameters(notebook: str) -> dict:
    """Every science parameter of `notebook` -> what it changes: GENERIC (`dataset` only where
    every table trains on CIFAR: notebook 04) and its paper's KNOBS."""
    paper = _paper(notebook)
    vision = all(TABLES[name].data.get("task") in DATASETS for name in paper.NOTEBOOKS[notebook])
    generic = {k: v for k, v in GENERIC.items() if vision or k != "dataset"}
    return {**generic, **{k: help for k, (_, help) in paper.KNOBS.items()}}


def check_values(notebook: str, values: dict) -> dict:
    """`values` (parameter -> value, None = the profile's) checked by name and kind; returns
    the ones set. ValueError names a bad parameter and the valid ones, or a bad value."""
    known = parameters(notebook)
    bad = [k for k in values if k not in known]
    if bad:
        raise ValueError(f"unknown parameter(s) {bad} of notebook {notebook}; known: {sorted(known)}")
    given = {k: copy.deepcopy(v) for k, v in values.items() if v is not None}
    if "dataset" in given and given["dataset"] not in DATASETS:
        raise ValueError(f"parameter dataset={given['dataset']!r}; choose one of {list(DATASETS)}")
    if "models" in given:
        roles = {r for name in _paper(notebook).NOTEBOOKS[notebook] for r in TABLES[name].models}
        if not isinstance(given["models"], dict) or set(given["models"]) - roles:
            raise ValueError(f"parameter models={given['models']!r} must map roles {sorted(roles)} to model names")
    for key in ("seeds", "eta_grid", "b2_grid", "vanilla_w_grid"):
        if key not in given:
            continue
        if isinstance(given[key], (str, dict)) or not hasattr(given[key], "__iter__") or not len(given[key]):
            raise ValueError(f"parameter {key}={given[key]!r} must be a non-empty list")
        listed = list(given[key])
        repeated = [v for i, v in enumerate(listed) if v in listed[:i]]   # 4 and 4.0 too: one run
        if repeated:   # the same run twice would count twice in a mean ± std
            raise ValueError(f"parameter {key}={given[key]!r} repeats {repeated}; give each value once")
    return given


def table(name: str, profile: str = "paper", values: dict | None = None) -> Table:
    """Table `name` as profile `profile` runs it, with a notebook's parameters `values` (set
    ones only; check_values): the paper's knobs rebuild its tables, then the profile's
    entries apply (scaled; a subset of an axis a knob rebuilt is dropped), then the
    generic parameters (with_values). Every name is checked: ValueError names a bad one."""
    check_profile(profile)
    paper, values = _paper(name), values or {}
    knobs = {k: v for k, v in values.items() if k in paper.KNOBS}
    tables = paper.tables(**knobs)
    t = tables[name]
    if profile != "paper":
        entries = paper.PROFILES.get(profile, {})
        rebuilt = {paper.KNOB_AXES[k][name] for k in knobs if name in paper.KNOB_AXES.get(k, {})}
        check_entry(entries.get(paper.PAPER, {}), union(tables.values()), f"profile {profile!r} entry {paper.PAPER!r}",
                    rebuilt)
        check_entry(entries.get(name, {}), t, f"profile entry for {name}", rebuilt)
        t = scaled(t, {**entries.get(paper.PAPER, {}), **entries.get(name, {})}, keep_all=rebuilt)
    if values.get("dataset") is not None:
        if t.data.get("task") not in DATASETS:
            raise ValueError(f"parameter dataset applies to the vision tables; {name} trains on {t.data.get('task')}")
        if t.data.get("classes") is not None and values["dataset"] != t.data["task"]:
            raise ValueError(f"{name} in profile {profile!r} is a {t.data['task']} stand-in (classes "
                             f"{t.data['classes']}); it cannot change dataset")
    return with_values(t, values)


def union(tables) -> Table:
    """A Table whose rows, columns, blocks and model roles are the union over `tables`:
    what a paper-wide profile entry may name."""
    tables = list(tables)
    merged = lambda attr: {k: v for t in tables for k, v in getattr(t, attr).items()}   # noqa: E731
    return Table(name="union", source="", models=merged("models"), seeds=(), recipe={}, data={},
                 rows=merged("rows"), columns=merged("columns"), blocks=merged("blocks"))


def check_all_profiles() -> int:
    """Build every table of every profile of every paper (each name checked); returns how many."""
    n = 0
    for paper in PAPERS.values():
        for profile in paper.PROFILES:
            names = set(paper.PROFILES[profile]) - {paper.PAPER}
            unknown = names - set(paper.tables())
            if unknown:
                raise ValueError(f"profile {profile!r} of {paper.PAPER}: unknown table(s) {sorted(unknown)}; "
                                 f"known: {sorted(paper.tables())}")
            for notebook in paper.NOTEBOOKS:
                try:
                    shown = notebook_tables(notebook, profile)
                except ValueError:
                    continue   # a profile without this notebook (gpu: text notebooks)
                for name in shown:
                    table(name, profile)
                    n += 1
    return n
