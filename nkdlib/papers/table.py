"""A paper table as data (Row, Table), one cell's config (`cell`), how a profile and
a notebook's parameters change a table (`scaled`, `with_values`), and a paper's claim about
its table as data (`Claim`, judged by nkdlib.report.verdict).

A cell's run config (`cell`, for nkdlib.config.make_config) merges, later entries
overriding earlier ones and `hp` dicts merged key by key:

    table.recipe  ->  table.data  ->  table.blocks[block]  ->  row (method, hp, config)  ->  table.columns[col]

with the row's model roles looked up in `table.models`. Keys are nkdlib.config.DEFAULTS
keys; `hp` names are the method class's HP names (nkdlib.methods). Nothing here imports
torch: this is the one list of nkdlib's model names (nkdlib.models builds them).

    from nkdlib.papers import TABLES
    from nkdlib.papers.table import cell
    make_config(**cell(TABLES["cmd.table1"], "CMD-P", "Mconf"))
"""
import copy
import dataclasses
from dataclasses import dataclass, field

TEXT_NAMES = ("minilm", "minilm-l3", "tiny-bert")   # any hub name or local path is a text model too
VISION_NAMES = ("resnet18", "resnet34", "resnet50", "shufflenetv2", "resnet18-imagenet")
MODEL_NAMES = TEXT_NAMES + VISION_NAMES + ("mlp",)   # mlp reads vectors


def model_kind(name: str) -> str:
    """"vision" for nkdlib's image (and vector) models, "text" for every other name."""
    return "vision" if name in VISION_NAMES or name == "mlp" else "text"


@dataclass(frozen=True)
class Row:
    """One row of a paper table: a method and which run(s) give its number."""
    method: str                     # nkdlib.methods.METHODS name
    hp: dict = field(default_factory=dict)  # its hyper-parameters (the method class's HP names)
    models: tuple = ("student",)    # roles (keys of Table.models), one per model of the run
    teacher: str | None = None      # the row (same block and column) whose run is the frozen teacher
    value: str = "model 0"          # the cell: "model 0" | "model 1" (that model of the run) |
                                    # "mean" (average of the two models) | "each" (column k = model k;
                                    # a one-model method is run once per model, alone)
    config: dict = field(default_factory=dict)  # further config entries of this row only
    grid: dict = field(default_factory=dict)    # hp name -> values tried per column; the best on the
                                                # noisy valid split is reported


@dataclass(frozen=True)
class Table:
    """One table or figure of a paper (or one of our ablations: source "ours: ...")."""
    name: str                       # "<paper>.<table>", e.g. "cmd.table1"
    source: str                     # where the paper describes it
    models: dict                    # role -> model (nkdlib name or Hugging Face hub id)
    seeds: tuple
    recipe: dict                    # optimisation (config keys), shared by the paper's tables
    data: dict                      # task, noise, split and metric entries common to every cell
    rows: dict                      # paper row label -> Row
    columns: dict                   # paper column label -> config entries of that column
    blocks: dict = field(default_factory=lambda: {"": {}})  # paper block label -> config entries
    block_rows: dict = field(default_factory=dict)  # block label -> the rows it reports (absent: all rows;
                                                    # rows left out are runs others need, e.g. a teacher)
    splits: dict = field(default_factory=lambda: {"": "test"})
    # paper's report label -> our split: "test" (the task's evaluation split), "valid",
    # "dev" (the data set's official dev split, SST-5) or None (not available to us)
    measure: str = "final metric"   # "final metric" | "history: <column>" (per epoch) |
                                    # "steps: test_loss" (every eval_steps steps)
    average: str | None = None      # label of the paper's mean-over-columns column, if any
    compare: dict = field(default_factory=dict)  # (paper row, paper column) -> (row, row) compared by a
                                                 # two-sided Wilcoxon signed-rank test, paired by seed
    notes: tuple = ()               # ambiguities of the paper and how we read them
    notebook: str = ""              # the notebook that renders it (nkdlib.papers.NOTEBOOKS derives from this)
    profiles: dict = field(default_factory=dict)  # profile -> this table's own entry (ENTRY_KEYS, merged over
                                                  # the paper's PROFILES entry); the notebook renders the table in
                                                  # exactly these profiles ("paper": {}, the protocol as stated)


def by_name(*tables: Table) -> dict:
    """{table.name: table}, each name once (a paper module's tables)."""
    out = {t.name: t for t in tables}
    if len(out) != len(tables):
        raise ValueError(f"table names repeat: {[t.name for t in tables]}")
    return out


KINDS = ("greater", "no gap", "above chance")   # what a Claim may say
TESTS = {"wilcoxon": "Wilcoxon exact signed-rank", "t": "t", "sign": "sign"}   # its test (all two-sided)


@dataclass(frozen=True)
class Claim:
    """One claim of a paper, judged by nkdlib.report.verdict (the rule is there).

    name: the claim's name in the verdict table (unique per notebook). kind: "greater" (row
    a differs from row b in the paper's direction, by about the paper's effect), "no gap"
    (a ≈ b) or "above chance" (a's values above `chance`). a: a row, or a tuple of rows, each
    judged on its own; b: the row a is compared with (None for "above chance").
    paper: the paper's effect in points, a − b (a − chance): a number Δ, a pair (A, B) of the
    paper's values (Δ = A − B), or a dict of these keyed by cell label, row or (row, cell
    label), nested or not. Required for "greater" (its sign is the paper's direction);
    shown for "no gap"; for "above chance", if given, our effect must reach FRACTION of it.
    cells: the cell labels the claim covers ("<block> / <column>", or "<column>" where the
    block is empty); () for every cell that holds all its rows. chance: the chance level in
    points (e.g. the dev set's majority-class rate, or 0 for MCC), a number or a dict keyed
    as `paper`; required for "above chance". test: a key of TESTS ("wilcoxon": exact
    signed-rank, "t": paired or one-sample t, "sign": binomial sign test), two-sided.
    table: the paper table (an nkdlib.papers name, e.g. "cmd.table1") whose runs hold the
    rows, for nkdlib.report.verdicts; verdict itself judges the cells it is given.
    """
    name: str
    kind: str
    a: str | tuple[str, ...]
    b: str | None = None
    paper: float | tuple | dict | None = None
    cells: str | tuple[str, ...] = ()
    chance: float | dict | None = None
    test: str = "wilcoxon"
    table: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS or self.test not in TESTS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, test one of {tuple(TESTS)}")
        if (self.b is None) != (self.kind == "above chance"):
            raise ValueError(f"{self.name}: 'above chance' compares row a with `chance`, the other kinds with row b")
        if self.kind == "greater" and self.paper is None:
            raise ValueError(f"{self.name}: a 'greater' claim needs the paper's effect (its sign is the direction)")
        if self.kind == "above chance" and self.chance is None:
            raise ValueError(f"{self.name}: an 'above chance' claim needs `chance`")

    @property
    def rows(self) -> tuple[str, ...]:
        return (self.a,) if isinstance(self.a, str) else tuple(self.a)


def cell(table: Table, row: str, column: str, block: str = "") -> dict:
    """Config entries of one cell's run (teacher not included: see Row.teacher)."""
    r = table.rows[row]
    out = {}
    for part in (table.recipe, table.data, table.blocks[block],
                 {"method": r.method, "hp": r.hp, "models": [table.models[m] for m in r.models]},
                 r.config, table.columns[column]):
        for key, value in part.items():
            out[key] = {**out.get(key, {}), **value} if key == "hp" else value
    return copy.deepcopy(out)   # the caller may change it


# A profile entry (a paper module's PROFILES: paper-wide; Table.profiles: its own) -> what it replaces:
ENTRY_KEYS = {
    "models": "role -> model name",
    "seeds": "the seeds",
    "recipe": "config entries replaced (optimisation)",
    "data": "config entries replaced (data)",
    "rows": "the rows kept",
    "columns": "the columns kept",
    "blocks": "the blocks kept (None: all)",
    "column_entries": "column -> config entries replaced in that column",
    "grid": "row -> {hp: values} replacing the row's tuned grid",
}


def _known(what, names, allowed, where):
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ValueError(f"{where}: unknown {what} {bad}; known: {list(allowed)}")


def check_entry(entry: dict, against: Table, where: str, keep_all=()) -> None:
    """Every name in profile entry `entry` is one of `against`'s (a table, or for a
    paper-wide entry the union of the paper's tables, since a paper-wide subset may name
    columns one table lacks): ValueError names the bad row, column, block, grid row, role
    or key and the valid ones. keep_all: axes a notebook parameter rebuilt (not checked)."""
    _known("profile key(s)", entry, ENTRY_KEYS, where)
    for axis in ("rows", "columns", "blocks"):
        if entry.get(axis) is not None and axis not in keep_all:
            _known(axis[:-1] + "(s)", entry[axis], getattr(against, axis), where)
    _known("grid row(s)", entry.get("grid", {}), against.rows, where)
    _known("column_entries column(s)", entry.get("column_entries", {}), against.columns, where)
    _known("model role(s)", entry.get("models", {}), against.models, where)


def scaled(table: Table, entry: dict, keep_all=()) -> Table:
    """`table` with a profile entry applied (ENTRY_KEYS; a paper-wide entry merged with the
    table's own, each checked first by check_entry); keep_all: axes ("rows", "columns") a
    notebook parameter rebuilt, whose subsets are not applied."""
    if not entry:
        return table

    def keep(d, axis):
        names = None if axis in keep_all else entry.get(axis)
        return {k: v for k, v in d.items() if names is None or k in names}

    rows = {k: dataclasses.replace(r, grid=entry.get("grid", {}).get(k, r.grid)) for k, r in keep(table.rows, "rows").items()}
    needed = {r.teacher for r in rows.values() if r.teacher}   # a kept row's teacher stays
    rows.update({k: table.rows[k] for k in needed})
    return dataclasses.replace(
        table,
        models={**table.models, **entry.get("models", {})},
        seeds=tuple(entry.get("seeds", table.seeds)),
        recipe={**table.recipe, **entry.get("recipe", {})},
        data={**table.data, **entry.get("data", {})},
        rows=rows,
        columns={k: {**v, **entry.get("column_entries", {}).get(k, {})}
                 for k, v in (keep(table.columns, "columns") or table.columns).items()},
        blocks=keep(table.blocks, "blocks") or table.blocks,   # (or): a paper-wide subset this table lacks
        block_rows={b: tuple(r for r in names if r in rows) for b, names in table.block_rows.items()},
    )


def with_values(table: Table, values: dict) -> Table:
    """`table` with a notebook's generic parameters applied (those not None): seeds, epochs
    (a step schedule's milestones scaled with them, keeping the schedule's shape), noise
    (kind) and noise_rate (where the table's data sets them; a column or block that sets
    its own keeps it), precision, models (role -> model, where the table's model in that
    role is of the same kind, text or vision: notebook 03's "student" is both), dataset
    (the data's task)."""
    recipe, data = dict(table.recipe), dict(table.data)
    if values.get("epochs") is not None:
        old = recipe.get("epochs", values["epochs"])
        recipe["milestones"] = [max(1, round(m * values["epochs"] / old)) for m in recipe.get("milestones", [])]
        recipe["epochs"] = values["epochs"]
    if values.get("precision") is not None:
        recipe["precision"] = values["precision"]
    for key, entry in (("noise", "noise"), ("noise_rate", "noise_rate"), ("dataset", "task")):
        if values.get(key) is not None:
            data[entry] = values[key]
    models = {**table.models, **{r: m for r, m in (values.get("models") or {}).items()
                                 if r in table.models and model_kind(m) == model_kind(table.models[r])}}
    seeds = tuple(values["seeds"]) if values.get("seeds") is not None else table.seeds
    return dataclasses.replace(table, recipe=recipe, data=data, models=models, seeds=seeds)
