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
# # 01 — Knowledge distillation with noisy labels on GLUE
#
# Bhardwaj et al., *Knowledge Distillation with Noisy Labels for Natural Language
# Understanding* (`shared/papers/noisy-kd-nlu.md`), §3–4: Table 1 and Figure 2. Every
# setting comes from `nkdlib.papers.noisy_kd` (`noisy_kd.table1`, `noisy_kd.figure2`: the paper's
# protocol, each value with its source) scaled by the profile (`nkdlib/papers/noisy_kd.py`).
#
# A BERT teacher and a smaller student learn GLUE tasks whose training and validation labels
# were partly changed at random; they are evaluated on the clean GLUE dev sets. Students:
# **w/o KD** (cross-entropy only), **Self-DSTL** (distils its own early predictions),
# **Vanilla** KD from the CE teacher (its weight chosen on the noisy validation split), and
# the paper's **Co-Distill (CD)** — teacher and student trained together, each distilling from
# the other (§3.1) — and **CD+LR**, which after 2 epochs of CD trains a random forest on both
# models' per-sample losses on the validation split (where the noise is known) to flag noisy
# training labels, and gives those the teacher's prediction (§3.2). The teachers trained
# inside CD and CD+LR are reported too ("with CD", "with CD+LR").
#
# **Claims** (§4.4): performance drops with noise; Vanilla KD beats w/o KD; CD, and more so
# CD+LR, beat Vanilla, most at the highest noise; the co-trained teachers beat the CE
# teacher; after label refinement the dev loss drops sharply (Fig. 2), while Vanilla's
# flattens.
#
# **Weights.** Eq. 1 puts α on the cross-entropy term; nkdlib's `w` weights the soft
# (symmetric KL) term, so w = 1 − α.
#
# **Profiles** (parameter `profile`; `plan=True` lists the runs and trains nothing):
#
# - `smoke` — random 2-layer BERT as teacher and student, 160 sentences, 3 epochs, one seed,
#   SST-2 and RTE, 0% and 50% noise (Fig. 2's runs are Table 1's): 26 runs, every code
#   path, meaningless numbers; 33 s measured on the shared 2-core CPU with an empty run store
#   (CI), 7 s when the runs are reused.
# - `small` — the claims on a 2-core CPU (`workers=2`): the pretrained MiniLM-L6 teacher
#   (`minilm`) and its 3-layer student (`minilm-l3`), SST-2 only (the one Fig. 2 task
#   available offline, and one a small model learns well enough for noise to matter), 2000
#   training sentences (1800 train + 200 noisy valid), the whole dev set (872), 0/25/50%
#   noise (the "most at 50%" claim needs 25%), 3 seeds, 4 epochs at lr 1e-4 with bf16
#   autocast (refinement after epoch 2, then two more), no Self-DSTL (no claim rests on it);
#   Fig. 2 on seed 0, dev loss every 10 steps; plus the diagnosis below (21 runs of w/o KD
#   for the noise reading, 18 of Vanilla at w 0.9 and 1, 12 of CD and CD+LR over 6 epochs).
#   113 runs in all (Table 1 57, Fig. 2 5 more); their training times, one thread each, sum
#   to 19,722 s (`train_time_s` in each run's metrics.json), ÷ 2 workers ≈ 2 h 44 min.
# - `paper` — BERT-base → DistilBERT, 7 GLUE tasks on the full data, 10 epochs, 3 seeds:
#   501 runs, a GPU and the network (only CoLA, SST-2 and RTE are offline).

# %% tags=["parameters"]
profile: str = "smoke"             # smoke | small | gpu | paper (nkdlib/papers/noisy_kd.py: protocol and profiles)
plan: bool = False                 # True: write the run list and its cost estimate, train nothing
workers: "Optional[int]" = None    # runs at once (Ray, one thread each on CPU); None: the machine cores
data_dir: "Optional[str]" = None   # None: $NKD_DATA_DIR or ../shared/data, else the Hugging Face hub
device: "Optional[str]" = None     # None: cuda if available
runs_dir: "Optional[str]" = None   # run store (None: <repo>/runs); finished runs are reused
figures_dir: "Optional[str]" = None  # tables and figures (None: <repo>/figures) go to <figures_dir>/01_noisy_glue_kd/
quiet: bool = False                # True: no progress bars
text_bars: bool = False            # True: plain text bars, redrawn every 30 s (python -m nkdlib.notebooks sets it)
tensorboard: "Optional[str]" = None  # a folder for live TensorBoard curves (one subfolder per run)
# science: None keeps the profile's value; a value set changes the runs it should (they go to
# runs/, tables and figures to <figures_dir>/01_noisy_glue_kd/<parameters>/)
seeds: "Optional[list]" = None       # the seeds, e.g. [0, 1, 2]
epochs: "Optional[int]" = None       # training epochs (step-schedule milestones keep their share of training)
noise: "Optional[str]" = None        # label-noise kind: symmetric | uniform | pairflip
noise_rate: "Optional[float]" = None # fraction of labels corrupted, where a table sets it for all cells
models: "Optional[dict]" = None      # role -> model, e.g. {"teacher": "minilm", "student": "minilm-l3"}
precision: "Optional[str]" = None    # fp32 | bf16
vanilla_w_grid: "Optional[list]" = None  # Vanilla KD: w values tried (w is 1 - α), the best on the noisy valid split
refine_epoch: "Optional[int]" = None     # CD+LR: epochs of Co-Distill before label refinement

# %%
import pandas as pd

from nkdlib import report
from nkdlib.session import notebook_session

nb = notebook_session("01_noisy_glue_kd", globals())
nb.tables

# %% [markdown]
# ## Table 1 — GLUE dev scores at 0 / 25 / 50% noise
# MCC (CoLA) or accuracy, ×100, mean ± std over seeds; the average is over the columns run.
# As in the paper the 0% block has only the CE teacher, w/o KD and Vanilla; Vanilla's w is
# the grid point with the best noisy-validation score (per block and task). Protocol notes:
# the noise is *symmetric*: each chosen label flips to another class, as the paper's "50% ...
# the max for binary classification" (§4.4) requires, so at 50% a binary training (and
# noisy-valid) label is independent of the truth (`-p noise uniform` gives the other
# reading); the paper gives no optimiser, lr, batch size, epochs or seeds, so the whole
# recipe is ours; of "hyper-parameter tuning for all models" only Vanilla's α is tuned, on
# the noisy valid split, which also selects every checkpoint.

# %%
t1 = nb.run_table("noisy_kd.table1")
nb.show(nb.paper_table(t1), "table1")

# %%
if not nb.plan:   # Vanilla KD's chosen w (= 1 − α) per noise level and task
    chosen = report.select_grid(t1).query("grid != ''")
    nb.show(chosen.pivot_table(index="block", columns="column", values="hp.w", sort=False), "table1_vanilla_w")

# %% [markdown]
# ## Verdicts — Table 1's claims by the repository's one rule (`nkdlib.report.verdict`)
# Per claim and cell: the paper's effect and ours, paired by seed, each seed's gap, the
# two-sided exact Wilcoxon signed-rank p (with 3 seeds it cannot go below 0.25) and the
# verdict. Under symmetric noise at 50% a binary training label is independent of the truth,
# so the 50% students are also judged against chance (SST-2: the dev set's majority class,
# 444 of 872 = 50.92%).

# %%
if not nb.plan:
    nb.show(nb.verdicts({"noisy_kd.table1": t1}), "verdicts")

# %% [markdown]
# ## Label refinement: how well the discriminator finds the noisy labels
# CD+LR runs at the refinement epoch (not a table of the paper), per noise level and task:
# precision and recall (%) of the flagged training labels against the labels the noise
# changed, how many were flagged, how many of those the teacher's prediction actually changed,
# out of `n_train` training sentences; mean ± std over seeds.

# %%
if not nb.plan:
    runs = t1[t1["method"] == "co_distill_lr"].drop_duplicates("run")   # rows "CD+LR" and "with CD+LR" share runs
    runs = runs.assign(**{"noise / task": runs["block"] + " / " + runs["column"]})
    table1 = nb.table("noisy_kd.table1")
    order = [f"{b} / {c}" for b in table1.blocks for c in table1.columns]
    nb.show(report.refinement_table(nb.histories(runs, labels=()), runs, "noise / task", order), "label_refinement")

# %% [markdown]
# ## Figure 2 — the students' dev loss during training at 50% noise
# Cross-entropy of Vanilla (its chosen w), CD and CD+LR on the clean GLUE dev set, logged every
# `eval_steps` optimiser steps, against training epochs (steps / steps per epoch), mean ± std
# over seeds; the dashed line marks CD+LR's label refinement. The paper does not list its
# "4 GLUE tasks"; we read them as MNLI, QNLI, MRPC and SST-2 (those §4.4 discusses), of
# which only SST-2 is available offline. The loss-logging interval is ours.

# %%
f2 = nb.run_table("noisy_kd.figure2")
nb.show(nb.paper_table(f2), "figure2_runs")

# %%
if not nb.plan:
    runs = report.select_grid(f2)
    s = nb.histories(runs, file="steps.csv", labels=("row", "column", "seed", "n_train", "batch_size"))
    s["epochs"] = s["step"] / -(-s["n_train"] // s["batch_size"])   # steps per epoch: ceil(n_train / batch)
    s["row"] = pd.Categorical(s["row"], list(nb.table("noisy_kd.figure2").block_rows[""]))   # the paper's order
    fig = report.line_panels(s, "epochs", "test_loss", "row", "column", "training epochs", "dev cross-entropy",
                             f"Students at {runs['noise_rate'].iloc[0]:.0%} noise (dashed: CD+LR's label refinement)",
                             legend="student", marks=runs["hp.refine_epoch"].dropna().unique())
    nb.save_figure(fig, "figure2_dev_loss")

# %% [markdown]
# ## Diagnosis — which noise reading do the paper's numbers fit? (ours, `small`)
# §4.1 "randomly changing the original labels" (after Jiang et al. 2018) can be read as
# *uniform* (a new label drawn from all classes, so 50% noise changes about 25% of binary
# labels) or *symmetric* (always another class; footnote 2 and §4.4 call 50% "the max for
# binary classification"). w/o KD on SST-2 and CoLA under both readings; the 0% runs are
# shared. Criterion, fixed before the runs:
# per task, the reading whose 0→25% and 0→50% drops come closer to the paper's (SST-2 −0.9,
# −36.3; CoLA −12.2, −43.0 MCC points) wins; a reading *fits* a task when its 50% drop is
# within half of the paper's. By it `symmetric` is closer on both tasks (the table below), and
# it is the protocol's reading. Under symmetric noise at 50% a binary label is independent of
# the truth, so the noisy valid split carries no information and model selection there is
# random.

# %%
if "noisy_kd.noise_reading" in nb.tables:
    reading = nb.run_table("noisy_kd.noise_reading")
    nb.show(nb.paper_table(reading), "noise_reading")
    if not nb.plan:
        nb.show(report.reading_fit(report.cells(reading)), "noise_reading_criterion")

# %% [markdown]
# ## Diagnosis — why CD+LR does not beat Vanilla here (ours, `small`)
# **Vanilla's w beyond its grid.** Table 1's grid (0.2, 0.5, 0.8) chose its edge, 0.8, in
# every block. Each w's own runs, test accuracy and the noisy-valid score that selects w;
# w = 1 drops the noisy labels from Vanilla's loss (the teacher alone).

# %%
if "noisy_kd.vanilla_w" in nb.tables:
    vw = nb.run_table("noisy_kd.vanilla_w")
    nb.show(nb.paper_table(vw), "vanilla_w")
    if not nb.plan:
        vw = vw[vw["row"] != "BERT-base"]
        rows = list(dict.fromkeys(vw["row"]))
        nb.show(report.mean_std_table(vw, "row", "block", "valid_metric", average=False, row_order=rows),
                "vanilla_w_valid")

# %% [markdown]
# **When CD+LR refines.**
# CD+LR refining after 1, 2 (§3.2) or 3 epochs of CD, in 6-epoch
# runs at 50% noise so that at least 3 epochs follow the refinement, against CD paired by
# seed (Δ: CD+LR − CD, student, test accuracy points); what each refinement did to the
# training labels (flagged, changed, how many of the changed were wrong before and are
# right now, the wrong labels before and after); the epoch whose checkpoint the noisy valid
# split selected for each student (per seed); and the students' dev loss per epoch.

# %%
if "noisy_kd.refine_timing" in nb.tables:
    rt = nb.run_table("noisy_kd.refine_timing")
    nb.show(nb.paper_table(rt), "refine_timing")
    if not nb.plan:
        cells = report.cells(rt)
        nb.show(report.paired_gaps(cells[cells["row"] != "CD"], cells[cells["row"] == "CD"], by="row"),
                "refine_timing_vs_cd")
        lr = rt[rt["method"] == "co_distill_lr"]
        nb.show(report.refinement_table(nb.histories(lr, labels=()), lr, "row", list(dict.fromkeys(lr["row"]))),
                "refine_timing_labels")
        nb.show(rt.pivot_table(index="row", columns="seed", values="epoch_1", sort=False).astype(int),
                "refine_timing_selected_epoch")   # the epoch of the student's best valid checkpoint
        runs = rt.drop_duplicates("run")
        h = nb.histories(runs, labels=("row", "column", "seed"))
        h["row"] = pd.Categorical(h["row"], list(dict.fromkeys(runs["row"])))   # the table's order
        fig = report.line_panels(h, "epoch", "test_loss_1", "row", "column", "training epochs", "dev cross-entropy",
                                 "Students at 50% noise (dashed: the refinement epochs)", legend="student",
                                 marks=runs["hp.refine_epoch"].dropna().unique())
        nb.save_figure(fig, "refine_timing_dev_loss")
