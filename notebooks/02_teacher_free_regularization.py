# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 — Do we need label regularization to fine-tune pre-trained language models? §2–3
#
# Kobyzev et al. (`shared/papers/label-regularization-plm.txt`), Tables 1–5: a pre-trained
# student fine-tuned with plain CE (Finetune) against label smoothing (LS), teacher-free
# regularisation (TF-reg), self-distillation (Self-KD) and distillation from a larger
# teacher (KD), on GLUE, SST-5 and FewRel. The paper's finding: with a pre-trained student,
# none of the regularisers beats Finetune beyond the seed spread.
#
# Every table, model, seed and hyper-parameter comes from `nkdlib.protocol` (what
# `profile="paper"` runs, with its sources); `smoke` and `small` scale it
# (`nkdlib.profiles.label_reg`). Where the paper is ambiguous, the table's notes say how we
# read it; they are printed above each table. Numbers: mean ± std over seeds, in %.
#
# `smoke`: tiny BERT on tiny subsets of SST-2, RTE, SST-5 and FewRel (FewRel's offline
# `val_wiki` stands in for `train_wiki`), one seed: every code path, numbers meaningless.

# %% tags=["parameters"]
profile = "smoke"          # smoke | small | paper (sizes: nkdlib.profiles.label_reg; protocol: nkdlib.protocol)
plan = False               # True: write the run list and count runs per cell; train nothing
workers = 1                # runs at once (Ray; one thread each on CPU)
data_dir = None            # None: $NKD_DATA_DIR or ../shared/data, else the hub
device = None              # None: cuda if available
runs_dir = "../runs"       # run store (finished runs are reused)
figures_dir = "../figures" # tables (CSV) and figures go to <figures_dir>/<notebook>/
quiet = False              # True: no progress bars

# %%
import pandas as pd
import seaborn as sns

from nkdlib import plan as planning
from nkdlib.session import notebook_session

nb = notebook_session("02_teacher_free_regularization", profile, runs_dir=runs_dir, figures_dir=figures_dir,
                      data_dir=data_dir, device=device, quiet=quiet, workers=workers, plan=plan)
print("tables in this profile:", ", ".join(nb.tables))

# %% [markdown]
# ## Tables 1–5: Finetune vs label regularisation and KD
# One table per paper table this profile runs; each table's notes state our reading of the paper.

# %%
frames = {}
for name in nb.tables:
    table = nb.table(name)
    print(f"\n{name} ({table.source}); models {table.models}; seeds {table.seeds}")
    for note in table.notes:
        print("  note:", note)
    frames[name] = nb.run_table(name)
    nb.show(nb.paper_table(frames[name]), name.replace(".", "_"))

# %% [markdown]
# ## Each method's gap to Finetune, per task
# Per seed: the method's cell value minus Finetune's on the same seed and task (points).
# A gap within the seed spread of zero is the paper's finding.

# %%
if not nb.plan:
    gaps = []
    for name, frame in frames.items():
        frame = planning.select_grid(frame).assign(cell=lambda f: 100 * planning.cell_values(f))
        base = frame[frame["row"] == "Finetune"].set_index(["column", "seed"])["cell"]
        rows = frame[~frame["row"].isin(["Finetune", "Teacher"])]
        gaps.append(rows.assign(gap=rows["cell"].to_numpy() - base.loc[list(zip(rows["column"], rows["seed"]))].to_numpy(),
                                table=name))

    gaps = pd.concat(gaps, ignore_index=True)
    grid = sns.catplot(data=gaps, x="row", y="gap", col="column", kind="bar", errorbar="sd", height=3, sharey=False)
    grid.set_axis_labels("", "gap to Finetune (points)")
    nb.save_figure(grid.figure, "gap_to_finetune")
