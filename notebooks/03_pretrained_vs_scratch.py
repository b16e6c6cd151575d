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
# # 03 — Does pre-training erase the gain of label regularisation?
#
# Kobyzev et al., *Do we need label regularization to fine-tune pre-trained language
# models?* (`shared/papers/label-regularization-plm.txt`), §4.2 "Hypothesis 2: effect of
# pre-training": Tables 6, 7, 8 and 9; hyper-parameters from Tables 10 and 13.
#
# On GLUE (§3 of the paper, notebook 02) a pre-trained student fine-tuned with plain
# cross-entropy ("Base") does as well as label smoothing (LS), the teacher-free regulariser
# (TF-reg), self-distillation (Self-KD) and KD, unlike in computer vision, where the
# regularisers win. The paper's explanation is pre-training. What the runs show:
#
# - **Table 6** — ResNet-18 from scratch vs pre-trained, Base / LS / TF-reg: the
#   regularisers' gain is large from scratch and shrinks when the network is pre-trained.
# - **Table 7** — the GLUE student *randomly initialised* (same architecture; the teacher
#   stays pre-trained): Base now falls behind the regularisers.
# - **Table 8** — two-sided Wilcoxon signed-rank p-values, paired by seed, on SST-5: Base
#   vs TF-reg and Base vs KD are not significant for the pre-trained student (paper: 0.46,
#   0.94) but are from scratch (0.01, 0.01).
# - **Table 9** — the randomly initialised student's SST-5 accuracies (KD > TF-reg > Base).
# - **Figure** — per-seed SST-5 accuracy of Base, TF-reg and KD, pre-trained vs random init.
#
# **Where the vision model's pre-training comes from (parameter `route`).**
# `"imagenet"` is the paper's route and needs network: torchvision's ImageNet ResNet-18
# (model `resnet18-imagenet`) fine-tuned on CIFAR-100, against the same architecture
# randomly initialised. `"standin"` (default) works offline, where there are neither
# ImageNet weights nor CIFAR-100: a CIFAR ResNet-18 is **pre-trained with CE on CIFAR-10
# classes 0–4** (airplane, automobile, bird, cat, deer) and **fine-tuned on classes 5–9**
# (dog, frog, horse, ship, truck). "Pre-trained" starts the fine-tuning from every tensor of
# the pre-trained network whose name and shape match (`init_from`); "from scratch" is the
# same fine-tuning from a random initialisation. With 5 pre-training and 5 fine-tuning
# classes the 5-way classifier head matches too and is copied, whereas the paper replaces
# ImageNet's 1000-way head by a fresh one; `pretrain_classes` of another size (e.g.
# `[0, 1, 2, 3]`) gives a fresh head. This is a far weaker pre-training than ImageNet and a
# 5-class task instead of 100 classes, so only the direction of the gap, not its size, can
# be compared with the paper.
#
# **The paper's symbols.** α of LS, TF-reg and KD weights the soft term, as nkdlib's `w`.
# LS: w = 0.1. TF-reg (eq. 4–5) on text: w = 0.5, a = 0.95, τ = 1 (Table 10); on CIFAR,
# Yuan et al.'s form: w = 0.1, a = 0.99, τ = 20 (Table 13). KD and Self-KD: w = 0.5, τ = 1;
# for the randomly initialised student on SST-5, Table 10 gives α = 0.9 for TF-reg and KD
# (parameter `ri_sst5_w`). Models are selected on the validation split (10% of train).
#
# **Profiles** (parameter `profile`). `smoke`: every code path on tiny subsets (96 texts,
# 256 images, 2 epochs, a random 2-layer BERT and a 1/16-width ResNet-18, 6 SST-5 seeds):
# about 1 minute on 2 CPU cores (53 s measured with papermill, one thread, empty run store).
# Its text models are random whether "pre-trained" or not, so in smoke the pre-trained and
# random-init columns coincide, and the runs are too short to beat the majority class:
# smoke checks the pipeline, not the finding. `small`: the offline MiniLM-L6 teacher and its
# 3-layer student, 2000 training texts, 3 epochs, 3 seeds (8 on SST-5); ResNet-18 at half
# width on 20000 CIFAR-10 images, 30 epochs, 3 seeds. Estimated from single-run timings on
# 2 CPU cores times the number of runs: one student epoch on 2000 SST-5 texts with its
# evaluation took 4.6 minutes, one epoch of the half-width ResNet-18 on 900 images 24 s;
# with 110 text runs and 19 vision runs that is days on a CPU, so run `small` on a GPU
# (not measured there; expect of the order of an hour). `paper`: BERT-base → DistilBERT on
# full GLUE / SST-5 for 30 epochs, 5 seeds (8 on SST-5), and with `route="imagenet"`
# ResNet-18 on CIFAR-100 for 200 epochs × 10 seeds (60 runs of roughly an hour each on one
# GPU): several GPU-days; needs network.

# %% tags=["parameters"]
profile = "smoke"          # smoke | small | paper (sizes in nkdlib.profiles)
route = "standin"          # Table 6 pre-training: "standin" (CIFAR-10 classes 0-4, offline) | "imagenet" (needs network)
tasks = ["cola", "sst2", "rte"]   # Table 7 GLUE tasks (paper: all seven; offline: these three)
seeds = None               # Table 7 seeds (None: from the profile; the paper: 5)
cifar_seeds = None         # Table 6 seeds (None: from the profile; paper profile: the 10 of appendix C)
sst5_seeds = None          # Tables 8, 9 and the figure (None: 6 in smoke, else 8 as in the paper)
teacher = None             # text teacher model (None: from the profile)
student = None             # text student model (None: from the profile)
text_train = None          # training texts per task (None: from the profile)
text_epochs = None         # text fine-tuning epochs (None: from the profile)
ri_sst5_w = 0.9            # Table 10: α of TF-reg and KD for the randomly initialised student on SST-5
vision_model = None        # None: "resnet18" (standin) | "resnet18-imagenet" (imagenet)
width = None               # standin ResNet channel width multiplier (None: from the profile)
vision_train = None        # training images (None: from the profile)
vision_epochs = None       # vision epochs (None: from the profile; paper: 200)
pretrain_classes = [0, 1, 2, 3, 4]   # standin: CIFAR-10 classes of the pre-training
finetune_classes = [5, 6, 7, 8, 9]   # standin: CIFAR-10 classes of Table 6's fine-tuning
pretrain_seed = 0          # standin: seed of the one pre-training run every fine-tuning starts from
data_dir = None            # None: $NKD_DATA_DIR or ../shared/data, else the hub
device = None              # None: cuda if available
runs_dir = "../runs"       # run store (finished runs are reused)
figures_dir = "../figures" # figures and tables go to <figures_dir>/03_pretrained_vs_scratch/
quiet = False              # True: no progress bars

# %%
import pandas as pd

from nkdlib import report
from nkdlib.config import RECIPES, make_config, teacher_config
from nkdlib.session import notebook_session

if route not in ("standin", "imagenet"):
    raise ValueError(f"route must be 'standin' or 'imagenet', got {route!r}")
nb = notebook_session("03_pretrained_vs_scratch", profile, runs_dir=runs_dir, figures_dir=figures_dir,
                      data_dir=data_dir, device=device, quiet=quiet, teacher=teacher, student=student,
                      text_train=text_train, text_epochs=text_epochs, width=width, vision_train=vision_train,
                      vision_epochs=vision_epochs, seeds=seeds)
P = nb.settings
PAPER_CIFAR_SEEDS = [11, 125, 1350, 23, 230, 4653, 5589, 56, 6, 992]   # label-reg appendix C
cifar_seeds = cifar_seeds or (PAPER_CIFAR_SEEDS if profile == "paper" else P["seeds"])
sst5_seeds = sst5_seeds or list(range(6 if profile == "smoke" else 8))

TEXT = dict(max_train=P["text_train"], max_test=P["text_test"], epochs=P["text_epochs"], lr=P["text_lr"],
            batch_size=P["text_batch"], max_length=P["max_length"], optimizer="adamw", schedule="linear")
if profile == "paper":   # label-reg appendix C (= RECIPES["cmd_resnet18"]): lr 0.1, ÷5 at 60/120/160, 200 epochs
    VISION = dict(RECIPES["cmd_resnet18"], **({"epochs": vision_epochs} if vision_epochs else {}))
else:                    # the same recipe at the profile's size
    VISION = dict(optimizer="sgd", lr=P["vision_lr"], momentum=0.9, weight_decay=5e-4, batch_size=P["vision_batch"],
                  epochs=P["vision_epochs"], schedule="step", milestones=P["milestones"], gamma=0.2)
VISION.update(select="valid", max_train=P["vision_train"], max_test=P["vision_test"],
              **(dict(task="cifar10", models=[vision_model or "resnet18"], width=P["width"]) if route == "standin"
                 else dict(task="cifar100", models=[vision_model or "resnet18-imagenet"], width=1.0)))

LS = dict(method="ls", hp={"w": 0.1})
TF_TEXT = dict(method="tf_reg", hp={"w": 0.5, "a": 0.95, "tau": 1.0})
TF_CIFAR = dict(method="tf_reg", hp={"w": 0.1, "a": 0.99, "tau": 20.0})
KD = dict(method="kd", hp={"w": 0.5, "tau": 1.0})


def text_teacher(task, seed):
    """The pre-trained teacher model fine-tuned with ce on exactly the student's data."""
    return teacher_config(make_config(task=task, seed=seed, **TEXT), [P["teacher"]], **TEXT)


def text_job(row, col, task, seed, pretrained, method="ce", hp=None):
    cfg = dict(task=task, seed=seed, models=[P["student"]], pretrained=pretrained, method=method, hp=hp or {}, **TEXT)
    if method == "kd":
        cfg["teacher"] = text_teacher(task, seed)
    return {"row": row, "col": col, "seed": seed, "config": make_config(**cfg)}


def vision_job(row, col, seed, method="ce", hp=None, **cfg):
    return {"row": row, "col": col, "seed": seed,
            "config": make_config(**{**VISION, "seed": seed, "method": method, "hp": hp or {}, **cfg})}


# %% [markdown]
# ## Table 6 — ResNet-18 from scratch vs pre-trained
# Test accuracy (%), mean ± std over `cifar_seeds`. TF-reg in Yuan et al.'s CIFAR form
# (w = 0.1, a = 0.99, τ = 20). With the stand-in route the pre-training is one CE run on
# the pre-training classes (seed `pretrain_seed`), shared by every fine-tuning seed, as
# one ImageNet checkpoint is in the paper.

# %%
if route == "standin":
    pretrain = make_config(**{**VISION, "classes": pretrain_classes, "seed": pretrain_seed, "save_model": True})
    pre = nb.run_grid([{"row": "pre-training", "col": "", "seed": pretrain_seed, "config": pretrain}])
    print(f"pre-training on classes {pretrain_classes}: test accuracy {100 * pre['test_metric'].iloc[0]:.2f}%")
    INIT = {"from scratch": dict(classes=finetune_classes),
            "pre-trained": dict(classes=finetune_classes, init_from=pretrain)}
else:
    INIT = {"from scratch": dict(pretrained=False), "pre-trained": dict(pretrained=True)}
T6_ROWS = {"Base": {}, "LS": LS, "TF-reg": TF_CIFAR}
t6 = nb.run_grid([vision_job(name, init, s, **m, **c) for name, m in T6_ROWS.items() for init, c in INIT.items()
                  for s in cifar_seeds])
nb.show(report.mean_std_table(t6, "row", "col", average=False, row_order=list(T6_ROWS), col_order=list(INIT)),
        "table6_resnet18_scratch_vs_pretrained")

# %% [markdown]
# ## Table 7 — randomly initialised student on GLUE
# The student is the profile's student architecture with random weights (`pretrained=False`),
# trained with the pre-trained experiments' hyper-parameters; the teacher (row "Teacher",
# and KD's teacher) is the pre-trained teacher model fine-tuned with CE. Self-KD's teacher is
# the random-init student trained with CE, i.e. the Base run. Test metric ×100 (MCC for
# CoLA, accuracy otherwise) on the GLUE dev sets, mean ± std over `seeds`; "score" is the
# mean over tasks.

# %%
T7_ROWS = {"Base": {}, "LS": LS, "TF-reg": TF_TEXT, "Self-KD": dict(method="self_kd"), "KD": KD}
t7 = nb.run_grid([{"row": "Teacher", "col": task, "seed": s, "config": text_teacher(task, s)} for task in tasks
                  for s in P["seeds"]]
                 + [text_job(name, task, task, s, False, **m) for name, m in T7_ROWS.items() for task in tasks
                    for s in P["seeds"]])
nb.show(report.mean_std_table(t7, "row", "col", row_order=["Teacher", *T7_ROWS], col_order=tasks)
        .rename(columns={"avg": "score"}), "table7_glue_random_init")

# %% [markdown]
# ## Table 8 — Wilcoxon signed-rank test on SST-5, pre-trained vs random init
# The student is trained on SST-5 (5 classes) with Base, TF-reg and KD, once pre-trained
# and once randomly initialised, for every seed in `sst5_seeds`; each p-value is the
# two-sided Wilcoxon signed-rank test of Base against the other method over the per-seed
# test accuracies, paired by seed (the paper: 8 seeds).
#
# What a p-value can show depends on the number of seeds n: with no tied differences the
# smallest attainable two-sided p is 2/2ⁿ (0.5 for 2 seeds, 0.125 for 4, 0.031 for 6,
# 0.0078 for 8). With 6 smoke seeds a p below 0.05 is possible only if Base loses (or
# wins) on every single seed; a large p with few seeds is absence of evidence, not
# evidence of no difference. In smoke the "pre-trained" student is random as well (see
# above), and its runs are too short and small for the p-values to mean anything.

# %%
SST5 = {"pre-trained": {"Base": {}, "TF-reg": TF_TEXT, "KD": KD},
        "random init": {"Base": {}, "TF-reg": dict(method="tf_reg", hp={**TF_TEXT["hp"], "w": ri_sst5_w}),
                        "KD": dict(method="kd", hp={**KD["hp"], "w": ri_sst5_w})}}
sst = nb.run_grid([text_job(name, init, "sst5", s, init == "pre-trained", **m) for init, rows in SST5.items()
                   for name, m in rows.items() for s in sst5_seeds])
acc = sst.pivot_table(index=["col", "seed"], columns="row", values="test_metric")
print(f"{len(sst5_seeds)} seeds: smallest attainable two-sided p = {2 / 2 ** len(sst5_seeds):.4f}")
nb.show(pd.DataFrame({init: {f"Base vs {m}": report.wilcoxon_p(acc.loc[init, "Base"], acc.loc[init, m])
                             for m in ("TF-reg", "KD")} for init in SST5}).rename_axis("comparison"),
        "table8_wilcoxon_sst5")

# %% [markdown]
# ## Table 9 — SST-5 test accuracy, randomly initialised student
# Accuracy (%), mean ± std over `sst5_seeds`. The paper's Table 9 is the "random init"
# column; the "pre-trained" column (the paper's Table 4 setting) is the other half of
# Table 8's comparison.

# %%
nb.show(report.mean_std_table(sst, "row", "col", average=False, row_order=["Base", "TF-reg", "KD"],
                              col_order=["random init", "pre-trained"]), "table9_sst5_random_init")

# %% [markdown]
# ## Figure — per-seed SST-5 accuracy, Base vs TF-reg vs KD
# One line per seed joins that seed's Base, TF-reg and KD runs, so the pairing the
# Wilcoxon test uses is visible: from scratch the paper expects every line to rise from
# Base; pre-trained, lines that cross both ways. Seeds with equal accuracies draw on top of
# each other (in smoke nearly all runs predict the majority class, so most lines coincide).

# %%
fig_data = sst.assign(accuracy=100 * sst["test_metric"], seed=sst["seed"].map(lambda s: f"seed {s}"), student=sst["col"])
fig = report.line_panels(fig_data, "row", "accuracy", "seed", "student", "training method",
                         "SST-5 test accuracy (%)", "Student on SST-5: pre-trained vs randomly initialised",
                         col_wrap=2)
for ax in fig.axes:
    for line in ax.lines:
        line.set_marker("o")
nb.save_figure(fig, "fig_sst5_per_seed")
