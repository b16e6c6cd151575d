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
# # 02 — Do pre-trained language models need label regularization?
#
# Kobyzev et al., *Do we need label regularization to fine-tune pre-trained language
# models?* (`shared/papers/label-regularization-plm.txt`), §2–3 and §4.1: Tables 1–5, with
# the hyper-parameters of Tables 10 and 12.
#
# A pre-trained student is fine-tuned on clean labels in six ways, all cross-entropy against
# a smoothed target (the paper's Fig. 1): **Finetune** (one-hot label), **LS** (label
# smoothing toward the uniform distribution, α = 0.1), **TF-reg** (toward a virtual teacher
# that puts a = 0.95 on the true class, α = 0.5, τ = 1; eq. 4–5), **Self-KD** (toward a
# fine-tuned, frozen copy of the student, α = 0.5; eq. 6) and **KD** (toward a larger
# fine-tuned teacher, α = 0.5, τ = 1; eq. 1). The teacher's own score is the first row.
# Here the paper's α is the weight of the soft term, the same convention as nkdlib's `w`
# (target = (1 − w)·q + w·other), so **w = α**.
#
# What the runs show (paper): on GLUE, KD and the teacher-free methods are within a
# standard deviation of plain fine-tuning (Tables 1–3, one per teacher/student pair); more
# classes do not open a gap either: SST-5 with 5 classes (Table 4) and FewRel with 64
# (Table 5).
#
# **Evaluation.** Scores are on the GLUE dev sets (the paper's "DEV" blocks; GLUE test
# labels are hidden): Matthews correlation on CoLA, F1 on MRPC, accuracy elsewhere, ×100,
# mean ± std over seeds (the paper: 5 seeds); "score" is the mean over tasks. The best
# epoch is chosen on 10% of train held out as validation. SST-5 is evaluated on its test
# split; FewRel on the paper's per-seed split (500 / 100 / 100 instances per relation for
# train / dev / test, appendix B.1). **FewRel offline has only the 16 relations of
# `val_wiki.json`**, not the 64 of the paper's train set, so Table 5 here is a 16-class
# problem. The paper's Tables 4 and 5 have no Self-KD row; we run it anyway.
#
# **Tasks and models.** Offline only CoLA, SST-2 and RTE exist (add `"mrpc", "qnli",
# "mnli", "qqp"` with network). The paper's pairs, for `pairs` with network:
# `[("roberta-large", "distilroberta-base"), ("bert-large-uncased", "prajjwal1/bert-small"),
# ("gpt2", "distilgpt2")]` (Tables 1, 2, 3); Table 5's teacher is `roberta-base`. All pairs
# use one recipe (`RECIPES["label_reg_glue"]`: AdamW, lr 2e-5, batch 32, 30 epochs); the
# paper's DistilGPT-2 runs use batch 16 and lr 1e-5 on CoLA, MRPC and QNLI (Table 11), which
# is a separate call with `batch_size=16, lr=1e-5`. FewRel uses lr 1.5e-5 in the `paper`
# profile (Table 12, `RECIPES["label_reg_fewrel"]`).
#
# **Profiles** (parameter `profile`): `smoke` — a random 2-layer BERT as both teacher and
# student, 96 training examples per task, 2 epochs, 2 seeds, 50 runs: every code path, not
# the paper's numbers (the tiny model mostly predicts one class); 44 s on 2 shared CPU cores
# with an empty run store (measured). `small` — the offline pretrained MiniLM-L6 teacher and
# its 3-layer student, 2000 training examples, 3 epochs, 3 seeds, 90 runs: estimated 4–8 hours
# on 2 CPU cores, and roughly 10–15 minutes on one GPU. `paper` — full data, 30 epochs,
# 5 seeds, the pairs above (needs network): estimated 1–2 GPU-days per pair for the three
# offline tasks (a RoBERTa-large teacher on SST-2's 67k sentences × 30 epochs dominates),
# about ten times that for all seven GLUE tasks. The `small` and `paper` times are estimates,
# not measurements: one MiniLM-L6 epoch measured on one CPU thread takes 0.06–0.12 s per
# training example (the 3-layer student half that), scaled by examples × epochs × runs; the
# GPU and `paper` figures further assume a few hundred BERT-base examples per second on one GPU.

# %% tags=["parameters"]
profile = "smoke"          # smoke | small | paper (sizes in nkdlib.profiles)
tasks = ["cola", "sst2", "rte"]   # GLUE columns of Tables 1-3 (offline: these three; paper: + mrpc, qnli, mnli, qqp)
pairs = None               # [(teacher, student), ...]: one GLUE table each (None: the pair of the profile)
extra_tasks = ["sst5", "fewrel"]  # Table 4 (SST-5) and Table 5 (FewRel), first pair; [] skips them
fewrel_teacher = None      # Table 5 teacher (None: the first pair's; paper: roberta-base)
seeds = None               # list of seeds (None: from the profile)
epochs = None              # training epochs (None: from the profile; paper: 30)
lr = None                  # peak learning rate of AdamW, linear schedule (None: from the profile; paper: 2e-5)
fewrel_lr = None           # FewRel learning rate (None: 1.5e-5 in the paper profile, else lr)
batch_size = None          # batch size (None: from the profile; paper: 32)
train_size = None          # training examples per task before the 10% valid split (None: from the profile)
test_size = None           # evaluation examples per task (None: from the profile)
ls = {"w": 0.1}                            # LS: α (Table 10)
tf_reg = {"w": 0.5, "a": 0.95, "tau": 1.0}  # TF-reg: α, a, temperature (Table 10)
kd = {"w": 0.5, "tau": 1.0}                # KD and Self-KD: α, temperature (Table 10)
data_dir = None            # None: $NKD_DATA_DIR or ../shared/data, else the hub
device = None              # None: cuda if available
runs_dir = "../runs"       # run store (finished runs are reused)
figures_dir = "../figures" # figures and tables go to <figures_dir>/02_teacher_free_regularization/
quiet = False              # True: no progress bars

# %%
import pandas as pd
import seaborn as sns

from nkdlib import report
from nkdlib.config import RECIPES, make_config, teacher_config
from nkdlib.session import notebook_session

nb = notebook_session("02_teacher_free_regularization", profile, runs_dir=runs_dir, figures_dir=figures_dir,
                      data_dir=data_dir, device=device, quiet=quiet, seeds=seeds, text_epochs=epochs, text_lr=lr,
                      text_batch=batch_size, text_train=train_size, text_test=test_size)
P = nb.settings
pairs = [tuple(p) for p in pairs] if pairs else [(P["teacher"], P["student"])]
fewrel_lr = fewrel_lr or (RECIPES["label_reg_fewrel"]["lr"] if profile == "paper" else P["text_lr"])
ROWS = ["Teacher", "Finetune", "LS", "TF-reg", "Self-KD", "KD"]


def optim(task):
    return {**RECIPES["label_reg_glue"], "lr": fewrel_lr if task == "fewrel" else P["text_lr"],
            "batch_size": P["text_batch"], "epochs": P["text_epochs"]}


def jobs_for(pair, task, seed):
    """The six rows of Tables 1-5 on one (pair, task, seed). Self-KD's ce teacher is the
    Finetune run (nkdlib builds it); KD's teacher is the Teacher run."""
    teacher, student = pair
    c = lambda method, **kw: make_config(task=task, seed=seed, max_train=P["text_train"], max_test=P["text_test"],
                                         max_length=P["max_length"], method=method, models=[student],
                                         **optim(task), **kw)
    teacher_cfg = teacher_config(c("ce"), [teacher], **optim(task))
    configs = {"Teacher": teacher_cfg, "Finetune": c("ce"), "LS": c("ls", hp=ls), "TF-reg": c("tf_reg", hp=tf_reg),
               "Self-KD": c("self_kd", hp=kd), "KD": c("kd", hp=kd, teacher=teacher_cfg)}
    return [{"row": row, "col": task, "pair": f"{teacher} → {student}", "seed": seed, "config": cfg}
            for row, cfg in configs.items()]


# %% [markdown]
# ## Tables 1–3 — GLUE, one table per teacher/student pair
# GLUE dev scores (MCC on CoLA, F1 on MRPC, accuracy elsewhere) ×100, mean ± std over seeds.

# %%
glue = nb.run_grid([j for pair in pairs for task in tasks for seed in P["seeds"] for j in jobs_for(pair, task, seed)])
for k, (pair, part) in enumerate(glue.groupby("pair", sort=False)):
    print(pair)
    nb.show(report.mean_std_table(part, "row", "col", row_order=ROWS, col_order=tasks).rename(columns={"avg": "score"}),
            f"table{k + 1}_glue_{pair.split(' → ')[1]}")

# %% [markdown]
# ## Tables 4 and 5 — more classes: SST-5 (5 classes) and FewRel (16 relations offline)
# Accuracy (%) on SST-5's test split and on FewRel's per-seed test split, first pair
# (FewRel: with `fewrel_teacher` as the teacher when given).

# %%
extra = nb.run_grid([j for task in extra_tasks for seed in P["seeds"]
                     for j in jobs_for((fewrel_teacher or pairs[0][0], pairs[0][1]) if task == "fewrel" else pairs[0],
                                       task, seed)])
for task in extra_tasks:
    nb.show(report.mean_std_table(extra[extra["col"] == task], "row", "col", average=False, row_order=ROWS),
            {"sst5": "table4_sst5", "fewrel": "table5_fewrel"}.get(task, f"table_{task}"))

# %% [markdown]
# ## The gap to Finetune, per seed
# Each method's score minus Finetune's on the same task and seed (points: mean over seeds,
# bars: ± one std). The paper's claim is that these gaps are within noise (around 0).

# %%
scores = pd.concat([glue, extra]).assign(score=lambda d: 100 * d["test_metric"])
base = scores[scores["row"] == "Finetune"][["pair", "col", "seed", "score"]].rename(columns={"score": "finetune"})
gaps = scores[~scores["row"].isin(["Teacher", "Finetune"])].merge(base, on=["pair", "col", "seed"])
gaps = gaps.assign(gap=gaps["score"] - gaps["finetune"], method=pd.Categorical(gaps["row"], ROWS[2:]),
                   task=gaps["pair"].str.split(" → ").str[1] + ": " + gaps["col"])
report.style()
grid = sns.catplot(data=gaps, x="method", y="gap", col="task", col_wrap=5, kind="point", errorbar="sd",
                   linestyle="none", height=2.8, aspect=1.1, sharey=False)
grid.set_titles("{col_name}")
for ax in grid.axes.flat:
    ax.axhline(0, color="grey", linewidth=1)
grid.set_axis_labels("", "score − Finetune (×100 points)")
grid.figure.suptitle("Label regularization vs plain fine-tuning (student: task)", y=1.03)
nb.save_figure(grid.figure, "gap_to_finetune")
