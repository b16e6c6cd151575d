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
# # 03 — Pre-trained vs from scratch: where label regularisation matters (§4)
#
# Kobyzev et al. (`shared/papers/label-regularization-plm.txt`), Tables 6–9. The claim:
# from random initialisation, TF-reg / LS / KD open a gap to the plain-CE baseline
# (Wilcoxon signed-rank p < 0.05), while with a pre-trained network they do not (p > 0.05);
# on text (SST-5, DistilRoBERTa) and on vision (CIFAR-100, ResNet-18).
#
# Every table, model, seed and hyper-parameter comes from `nkdlib.protocol`; `smoke` and
# `small` scale it (`nkdlib.profiles.label_reg`). **Vision stand-in offline**: no ImageNet
# weights here, so the "Pre-trained" arm of Table 6 starts from a CIFAR ResNet-18 trained on
# CIFAR-10 classes 0–4 and is fine-tuned on classes 5–9; "From scratch" trains the same
# network on classes 5–9 from random weights (same architecture and inputs: only the initial
# weights differ). The paper's Table 6 uses ImageNet weights and CIFAR-100.
#
# `smoke`: tiny BERT / 1/16-width ResNet-18 on tiny subsets, two seeds: every code path,
# numbers and p-values meaningless.

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

nb = notebook_session("03_pretrained_vs_scratch", profile, runs_dir=runs_dir, figures_dir=figures_dir,
                      data_dir=data_dir, device=device, quiet=quiet, workers=workers, plan=plan)
print("tables in this profile:", ", ".join(nb.tables))

# %% [markdown]
# ## Tables 6–9 and their Wilcoxon signed-rank tests
# Each table as the paper lays it out, then (where the paper tests) the two-sided Wilcoxon
# signed-rank p-value of the two rows, paired by seed.

# %%
frames = {}
for name in nb.tables:
    table = nb.table(name)
    print(f"\n{name} ({table.source}); models {table.models}; seeds {table.seeds}")
    for note in table.notes:
        print("  note:", note)
    frames[name] = nb.run_table(name)
    nb.show(nb.paper_table(frames[name]), name.replace(".", "_"))
    if table.compare and not nb.plan:
        nb.show(planning.comparisons(frames[name], table), name.replace(".", "_") + "_wilcoxon")

# %% [markdown]
# ## Per-seed accuracy, pre-trained vs from scratch
# One point per seed: the spread the tests compare against.

# %%
if not nb.plan:
    cells = [planning.select_grid(f).assign(cell=lambda d: 100 * planning.cell_values(d), table=n)
             for n, f in frames.items()]
    cells = pd.concat(cells, ignore_index=True)
    grid = sns.catplot(data=cells, x="row", y="cell", col="table", hue="column", kind="strip", height=3,
                       sharey=False, sharex=False)
    grid.set_axis_labels("", "accuracy (%)")
    grid.set_xticklabels(rotation=30, ha="right")
    nb.save_figure(grid.figure, "per_seed_accuracy")
