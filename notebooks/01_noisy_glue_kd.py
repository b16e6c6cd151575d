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
# Understanding* (`shared/papers/noisy-kd-nlu.md`), §3–4: Table 1 and Figure 2.
#
# A BERT teacher and a smaller student are trained on GLUE with 0%, 25% or 50% of the
# training (and validation) labels changed uniformly to the other class(es); evaluation is
# on the clean GLUE dev sets. Students: **w/o KD** (cross-entropy only), **Self-DSTL**
# (distils its own early predictions), **Vanilla** KD from the CE teacher (weight tuned per
# task on the noisy validation split), and the paper's **Co-Distill (CD)** — teacher and
# student trained together, each distilling from the other (§3.1) — and **CD+LR**, which after
# 2 epochs of CD trains a random forest on the per-sample losses of both models (on the
# validation split, where the noise is known) to flag noisy training labels and replaces them
# by the teacher's prediction (§3.2). The teachers trained inside CD and CD+LR are reported
# too ("with CD", "with CD+LR").
#
# What the runs show (paper): every model degrades sharply with noise; Vanilla KD beats
# w/o KD and Self-DSTL; CD, and more so CD+LR, beat Vanilla, most at 50% noise; the co-trained
# teachers beat the CE teacher (Table 1). On the dev loss, Vanilla flattens early while CD+LR
# drops right after the labels are refined (Fig. 2).
#
# **Weights.** The paper's eq. 1 puts α on the cross-entropy term:
# L = α·H(q, p_s) + (1 − α)·symKL(p_t, p_s). nkdlib's `w` weights the soft term,
# L = (1 − w)·H(q, p_s) + w·symKL(p_t, p_s), so **w = 1 − α**. The paper gives no α for CD;
# we use w = 0.5 (parameter `cd_weight`), and CD's teacher uses α = 1 (w = 0) in epoch 1.
#
# **Metrics.** Matthews correlation on CoLA, accuracy on the other tasks (the paper reports
# accuracy on MRPC too, so MRPC runs pass `metric="accuracy"`), ×100, mean over seeds
# (the paper: 3 seeds). Model selection: best epoch on the noisy validation split (10% of
# train, same noise level), as §4.3.
#
# **Tasks.** Offline only CoLA, SST-2 and RTE exist, so the average is over those three
# and is not comparable to the paper's 7-task average; with network add
# `"mrpc", "qnli", "qqp", "mnli"` to `tasks`.
#
# **Profiles** (parameter `profile`): `smoke` — a random 2-layer BERT as both teacher and
# student, 96 training sentences per task, 2 epochs, 2 seeds, 90 runs: every code path, not
# the paper's numbers (the tiny model mostly predicts one class); 75 s on 2 shared CPU cores
# with an empty run store (measured; 110 s the first time, when the tokens are not yet
# cached). `small` — the offline pretrained MiniLM-L6 teacher and its 3-layer student, 2000
# training sentences, 3 epochs, 3 seeds, 189 runs: estimated half a day to a day on 2 CPU
# cores, and roughly half an hour on one GPU. `paper` — BERT-base → DistilBERT on the full
# data (needs network), 10 epochs (`RECIPES["noisy_kd_glue"]`), 3 seeds: estimated about one
# GPU-day for the three offline tasks (SST-2's 67k sentences dominate), several for all seven.
# The `small` and `paper` times are estimates, not measurements: one MiniLM-L6 epoch measured
# on one CPU thread takes 0.06–0.12 s per training sentence (the 3-layer student half that),
# scaled by sentences × epochs × runs (a CD run trains both models); the GPU and `paper`
# figures further assume a few hundred BERT-base sentences per second on one GPU.

# %% tags=["parameters"]
profile = "smoke"          # smoke | small | paper (sizes in nkdlib.profiles)
tasks = ["cola", "sst2", "rte"]   # GLUE tasks (offline: these three; paper: + mrpc, qnli, qqp, mnli)
noise_rates = [0.0, 0.25, 0.5]    # Table 1 blocks: symmetric noise on train and valid
teacher = None             # teacher model (None: from the profile; paper: bert-base-uncased)
student = None             # student model (None: from the profile; paper: distilbert-base-uncased)
seeds = None               # list of seeds (None: from the profile)
epochs = None              # training epochs (None: from the profile; paper profile: 10 as RECIPES["noisy_kd_glue"])
lr = None                  # peak learning rate of AdamW, linear schedule (None: from the profile)
train_size = None          # training sentences per task before the 10% valid split (None: from the profile)
test_size = None           # GLUE dev sentences per task (None: from the profile)
kd_weights = None          # Vanilla KD grid of w (w is 1 - α; None: [0.5, 0.8] in smoke, else [0.2, 0.5, 0.8])
cd_weight = 0.5            # w (1 - α) of CD and CD+LR (the paper gives no value)
refine_epoch = 2           # CD+LR: epochs of CD before label refinement (paper: 2; capped at epochs - 1)
fig2_rate = 0.5            # Fig. 2 noise level, one of noise_rates (paper: 50%)
eval_steps = None          # Fig. 2: dev loss every this many steps (None: 2 in smoke, 10 in small, 100 in paper)
data_dir = None            # None: $NKD_DATA_DIR or ../shared/data, else the hub
device = None              # None: cuda if available
runs_dir = "../runs"       # run store (finished runs are reused)
figures_dir = "../figures" # figures and tables go to <figures_dir>/01_noisy_glue_kd/
quiet = False              # True: no progress bars

# %%
import math

import pandas as pd

from nkdlib import report
from nkdlib.config import RECIPES, make_config, teacher_config
from nkdlib.session import notebook_session

recipe = RECIPES["noisy_kd_glue"]
nb = notebook_session("01_noisy_glue_kd", profile, runs_dir=runs_dir, figures_dir=figures_dir, data_dir=data_dir,
                      device=device, quiet=quiet, teacher=teacher, student=student, seeds=seeds, text_lr=lr,
                      text_epochs=epochs or (recipe["epochs"] if profile == "paper" else None),
                      text_train=train_size, text_test=test_size)
P = nb.settings
kd_weights = kd_weights or ([0.5, 0.8] if profile == "smoke" else [0.2, 0.5, 0.8])
eval_steps = eval_steps or {"smoke": 2, "small": 10}.get(profile, 100)
refine = min(refine_epoch, P["text_epochs"] - 1)
optim = {**recipe, "lr": P["text_lr"], "batch_size": P["text_batch"], "epochs": P["text_epochs"]}


def run_config(task, rate, seed, method="ce", model=None, **kw):
    """One run on `task` at noise `rate`: the student with `method` unless `model` is given."""
    return make_config(task=task, noise="symmetric", noise_rate=rate, seed=seed, max_train=P["text_train"],
                       max_test=P["text_test"], max_length=P["max_length"], method=method,
                       models=model or [P["student"]], metric="accuracy" if task == "mrpc" else None, **optim, **kw)


def teacher_of(cfg):
    """The CE teacher run on cfg's data: the same run as the "Teacher (CE)" row."""
    return teacher_config(cfg, [P["teacher"]], **optim, metric=cfg["metric"])


def job(row, task, rate, seed, cfg, value="test_metric"):
    return {"row": row, "col": task, "rate": rate, "seed": seed, "value_of": value, "config": cfg}


def jobs_for(task, rate, seed):
    """Table 1's runs on one (task, noise, seed); the paper's 0% block has no CD rows."""
    c = lambda method, **kw: run_config(task, rate, seed, method, **kw)
    steps = {"eval_steps": eval_steps} if rate == fig2_rate else {}   # Fig. 2 curves
    out = [job("Teacher (CE)", task, rate, seed, teacher_of(c("ce"))),
           job("w/o KD", task, rate, seed, c("ce"))]
    out += [job(f"Vanilla w={w:g}", task, rate, seed, c("kd_sym", hp={"w": w}, teacher=teacher_of(c("ce")), **steps))
            for w in kd_weights]
    if rate > 0:
        pair = [P["teacher"], P["student"]]
        cd = c("co_distill", model=pair, hp={"w": cd_weight}, **steps)
        cd_lr = c("co_distill_lr", model=pair, hp={"w": cd_weight, "refine_epoch": refine}, **steps)
        out += [job("Teacher with CD", task, rate, seed, cd, "test_metric_0"),
                job("Teacher with CD+LR", task, rate, seed, cd_lr, "test_metric_0"),
                job("Self-DSTL", task, rate, seed, c("self_dstl")),
                job("CD", task, rate, seed, cd), job("CD+LR", task, rate, seed, cd_lr)]
    return out


# %% [markdown]
# ## Training
# Every run of Table 1 (teachers, students, the Vanilla KD grid); finished runs are reused.

# %%
t1 = nb.run_grid([j for task in tasks for rate in noise_rates for seed in P["seeds"]
                  for j in jobs_for(task, rate, seed)])
t1["value"] = t1.apply(lambda r: r[r["value_of"]], axis=1)   # teachers inside CD: model 0

# %% [markdown]
# ## Vanilla KD: w chosen per task and noise level on the noisy validation split
# Best mean validation metric over seeds; its test (GLUE dev) score goes into Table 1.

# %%
vanilla = t1[t1["row"].str.startswith("Vanilla")].assign(w=lambda d: d["hp.w"])
grid = vanilla.groupby(["rate", "col", "w"])["valid_metric"].mean().reset_index()
best_w = grid.loc[grid.groupby(["rate", "col"])["valid_metric"].idxmax(), ["rate", "col", "w"]]
nb.show(best_w.assign(noise=best_w["rate"].map("{:.0%}".format)).pivot(index="noise", columns="col", values="w")[tasks],
        "vanilla_kd_chosen_w")
table_runs = pd.concat([t1[~t1["row"].str.startswith("Vanilla")],
                        vanilla.merge(best_w, on=["rate", "col", "w"]).assign(row="Vanilla")])

# %% [markdown]
# ## Table 1 — GLUE dev scores of teachers and students at 0 / 25 / 50% noise
# MCC (CoLA) or accuracy, ×100, mean ± std over seeds; "avg" is the mean over tasks. As in
# the paper, the 0% block has only the CE teacher, w/o KD and Vanilla.

# %%
order = ["Teacher (CE)", "Teacher with CD", "Teacher with CD+LR", "w/o KD", "Self-DSTL", "Vanilla", "CD", "CD+LR"]
t1_table = pd.concat({f"{rate:.0%}": report.mean_std_table(table_runs[table_runs["rate"] == rate], "row", "col",
                                                           "value", row_order=order, col_order=tasks)
                      for rate in noise_rates}, names=["noise", "model"])
nb.show(t1_table, "table1_noisy_glue")

# %% [markdown]
# ## Label refinement: how well the discriminator finds the noisy labels
# CD+LR runs, at the refinement epoch: precision and recall (%) of the flagged training
# samples against the true noise mask, the number flagged, and the number whose label the
# teacher actually changed (a flagged sample keeps its label when the teacher agrees with it).

# %%
lr_runs = t1[t1["row"] == "CD+LR"]
h = nb.histories(lr_runs["run"]).merge(lr_runs[["run", "col", "rate", "n_train"]], on="run")
h = h[h["lr_flagged"].notna()].assign(row=lambda d: d["rate"].map("{:.0%}".format) + " " + d["col"])
h = h.assign(**{"precision (%)": h["lr_precision"], "recall (%)": h["lr_recall"], "flagged": h["lr_flagged"],
                "changed": h["lr_changed"], "noisy": (h["rate"] * h["n_train"]).round(), "training samples": h["n_train"]})
long = h.melt(["row", "run"], ["precision (%)", "recall (%)", "flagged", "changed", "noisy", "training samples"],
              "col", "value")
pct = long["col"].str.endswith("(%)")
lr_table = pd.concat([report.mean_std_table(long[pct], "row", "col", "value", average=False),
                      report.mean_std_table(long[~pct], "row", "col", "value", scale=1.0, average=False)], axis=1)
nb.show(lr_table[long["col"].unique()].rename_axis("noise, task"), "label_refinement")

# %% [markdown]
# ## Figure 2 — dev loss of the students during training at 50% noise
# Cross-entropy on the clean GLUE dev set every `eval_steps` optimiser steps, for Vanilla
# KD (its chosen w), CD and CD+LR; the x-axis is in epochs (steps / steps per epoch) so
# that CD+LR's label refinement sits at the dashed line on every task.

# %%
curves = table_runs[(table_runs["rate"] == fig2_rate) & table_runs["row"].isin(["Vanilla", "CD", "CD+LR"])]
s = nb.histories(curves["run"], file="steps.csv").merge(curves[["run", "row", "col", "n_train", "batch_size"]],
                                                        on="run")
s = s.assign(epochs=s["step"] / (s["n_train"] / s["batch_size"]).map(math.ceil),
             student=pd.Categorical(s["row"], ["Vanilla", "CD", "CD+LR"]), task=pd.Categorical(s["col"], tasks))
fig = report.line_panels(s, "epochs", "test_loss", "student", "task", "training epochs",
                         "dev cross-entropy (nats)", f"Students at {fig2_rate:.0%} symmetric noise (dashed: CD+LR refines the labels)")
for ax in fig.axes:
    ax.axvline(refine, color="grey", linestyle="--", linewidth=1)
nb.save_figure(fig, "fig2_dev_loss")
