"""Profiles: how big a notebook's runs are. `paper` is nkdlib.protocol as it stands; smoke
and small change a paper's tables (nkdlib.plan.scaled) by entries keyed by paper ("cmd")
or by table ("cmd.table6", applied after the paper's), one module per paper:

    models          role -> model name            seeds   the seeds
    recipe, data    config entries replaced       rows, columns, blocks   the subset kept
    column_entries  column -> config entries replaced in that column
    grid            row -> {hp: values} replacing the row's tuned grid

and TABLES[profile][notebook]: the tables a notebook renders in that profile (default: all
of nkdlib.plan.NOTEBOOK_TABLES).

- smoke: every code path on tiny subsets and tiny models, numbers meaningless; all
  notebooks in minutes on a 2-core CPU (what CI runs).
- small: the papers' central claims, sized for a 2-core CPU with real offline data (each
  notebook states its claims and measured cost).
- paper: the papers' protocol; needs a GPU and network.
"""
from . import cmd, label_reg, noisy_kd

PAPERS = (noisy_kd, label_reg, cmd)
PROFILES = {p: {k: v for m in PAPERS for k, v in m.PROFILES.get(p, {}).items()} for p in ("smoke", "small", "paper")}
DIAGNOSIS = {k: v for m in PAPERS for k, v in getattr(m, "DIAGNOSIS", {}).items()}   # our ablations, as tables
TABLES = {p: {k: v for m in PAPERS for k, v in m.TABLES.get(p, {}).items()} for p in ("smoke", "small", "paper")}
