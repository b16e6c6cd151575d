"""The three papers, one module each (its protocol tables, our ablations, its paper-wide
profile entries and claims), and the one way to get a table as a notebook runs it:

    t = table("cmd.table1", "small", {"eta": 4.0, "seeds": [0, 1]})   # profile, then parameters

Each Table names the notebook that renders it and the profiles it is rendered in, with its
own entry for each (Table.profiles): NOTEBOOKS and notebook_tables are read off the tables.
Profiles: `paper` is each paper's protocol as it stands; the others change its tables
(nkdlib.papers.table.scaled) by the paper's entry (the module's PROFILES) and the table's
own (replacing the paper-wide entry of the same key as a whole):
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
TABLES = {name: t for m in PAPERS.values() for name, t in m.tables().items()}   # every table at its defaults
NOTEBOOKS = {t.notebook: PAPERS[t.name.split(".")[0]] for t in TABLES.values()}   # notebook -> its paper's module
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


def _shown(notebook: str, profile: str | None = None) -> tuple:
    """Names of the tables of `notebook` (rendered in `profile`; None: in any), in their paper's order."""
    return tuple(name for name, t in TABLES.items()
                 if t.notebook == notebook and (profile is None or profile in t.profiles))


def notebook_tables(notebook: str, profile: str) -> tuple:
    """Names of the tables `notebook` renders in `profile` (Table.profiles); a profile that has
    none of them (gpu for the text notebooks) is refused, saying which notebooks it covers."""
    check_profile(profile)
    _paper(notebook)   # a known notebook
    names = _shown(notebook, profile)
    if not names:
        covered = [nb for nb in NOTEBOOKS if _shown(nb, profile)]
        raise ValueError(f"profile {profile!r} has no tables of notebook {notebook}; it covers {covered} "
                         "(use smoke, small or paper for this notebook)")
    return names


def claims(notebook: str) -> list:
    """The paper's claims `notebook` judges: those of its paper module's CLAIMS
    (nkdlib.papers.table.Claim) whose table it renders."""
    return [c for c in _paper(notebook).CLAIMS if TABLES[c.table].notebook == notebook]


def _list_parameters(notebook: str) -> tuple:
    """The parameters of `notebook` whose value is a list: seeds and the knobs whose default is a tuple."""
    return ("seeds", *(k for k, (default, _) in _paper(notebook).KNOBS.items() if isinstance(default, tuple)))


def parameters(notebook: str) -> dict:
    """Every science parameter of `notebook` -> what it changes: GENERIC (`dataset` only where
    every table trains on CIFAR: notebook 04) and its paper's KNOBS."""
    paper = _paper(notebook)
    vision = all(TABLES[name].data.get("task") in DATASETS for name in _shown(notebook))
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
        roles = {r for name in _shown(notebook) for r in TABLES[name].models}
        if not isinstance(given["models"], dict) or set(given["models"]) - roles:
            raise ValueError(f"parameter models={given['models']!r} must map roles {sorted(roles)} to model names")
    for key in _list_parameters(notebook):
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
        wide, own = paper.PROFILES.get(profile, {}), t.profiles.get(profile, {})
        rebuilt = {paper.KNOB_AXES[k][name] for k in knobs if name in paper.KNOB_AXES.get(k, {})}
        check_entry(wide, union(tables.values()), f"profile {profile!r} entry {paper.PAPER!r}", rebuilt)
        check_entry(own, t, f"profile {profile!r} entry for {name}", rebuilt)
        t = scaled(t, {**wide, **own}, keep_all=rebuilt)
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
    """Build every table in every profile that renders it (each name checked); returns how
    many. ValueError names a profile that is none of PROFILES, or a "paper" entry (the paper
    profile runs the protocol as stated)."""
    for paper in PAPERS.values():
        if set(paper.PROFILES) - set(PROFILES):
            raise ValueError(f"{paper.PAPER}.PROFILES: unknown profile(s) {sorted(set(paper.PROFILES) - set(PROFILES))}")
    for name, t in TABLES.items():
        if set(t.profiles) - set(PROFILES) or t.profiles.get("paper"):
            raise ValueError(f"{name}: profiles {sorted(t.profiles)} must be among {PROFILES}, "
                             "with an empty 'paper' entry")
        for profile in t.profiles:
            table(name, profile)
    return sum(len(t.profiles) for t in TABLES.values())
