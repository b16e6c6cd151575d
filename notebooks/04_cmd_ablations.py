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
# # 04 — Confident mutual distillation (CMD): ablations
#
# Li et al., *Not All Knowledge Is Created Equal: Mutual Distillation of Confident
# Knowledge* (`shared/papers/cmd-not-all-knowledge.md`), §5: Tables 1, 3, 5, 6, 7 and
# Figures 2, 3, 4.
#
# Two networks learn from each other's *confident* predictions: model A adds
# H(q̃_B, p_A) only on samples where H(p_B) < χ, with χ = H(u)/η · 2h(t/Γ − 0.5, b₂)
# (eq. 8–12). η ≤ 1 passes all knowledge (conventional mutual KD), η = ∞ passes none;
# b₂ = 0 keeps χ fixed (CMD-S), b₂ < 0 tightens it over training (CMD-P). q̃ is the label
# refined by a self-KD method (CE, LS, CP, Boot-soft, ProSelfLC, Mconf).
#
# What the runs show: under label noise, distilling only confident knowledge beats
# distilling all of it (Table 1, Table 5), more so at higher noise (Table 3, Fig. 4), and
# the amount passed shrinks as χ tightens (Fig. 2).
#
# Profiles (parameter `profile`): `smoke` — tiny CIFAR-10 subsets and a 1/16-width
# ResNet-18, every code path, 1–1.5 minutes on 2 CPU cores (numbers meaningless);
# `small` — CIFAR-10 (20k training images), ResNet-18 at half width, 30 epochs: hours on a
# CPU; on one H200 a two-model epoch on 9k images took 2.3 s, so one seed of the whole grid
# (about 60 runs of ~2.3 min) takes roughly 2–3 hours there (an estimate); `paper` — CIFAR-100 (`task="cifar100"`, needs network), ResNet-34 for 100
# epochs (lr 0.1, ÷10 at 50 and 80), as the paper. Offline there is no CIFAR-100: the
# default task is CIFAR-10, so absolute numbers differ from the paper's.
#
# Every number is "when training terminates" (the paper's rule), mean ± std over seeds.

# %% tags=["parameters"]
profile = "smoke"          # smoke | small | paper (sizes in nkdlib.profiles)
task = "cifar10"           # cifar10 offline; the paper's cifar100 needs network
model = None               # network A (None: from the profile)
peer_model = None          # network B of Table 6 (None: from the profile)
width = None               # channel width multiplier (None: from the profile)
seeds = None               # list of seeds (None: from the profile)
epochs = None              # training epochs (None: from the profile)
lr = None                  # initial learning rate (None: from the profile)
milestones = None          # epochs where the lr is divided (None: from the profile)
train_size = None          # training images (None: from the profile)
test_size = None           # test images (None: from the profile)
noise_rate = 0.4           # Tables 1, 5, 6 and Figs. 2, 3: 40% symmetric noise
self_kd = ["ce", "ls", "cp", "boot_soft", "proselflc", "mconf"]   # Table 1 rows
noise_grid = {"symmetric": [0.2, 0.4], "pairflip": [0.2]}         # Table 3 columns (paper: sym 20-80%, pair 20/40%)
cmd_eta = 2.0              # η of CMD-S / CMD-P in Tables 1, 3, 5, 6
cmd_b2 = -6.0              # b₂ of CMD-P (b₂ < 0: χ tightens over training)
eta_grid = [1.0, 2.0, 4.0]     # Table 7 and Fig. 4b
b2_grid = [0.0, -3.0, -6.0]    # Fig. 4
fig4_rates = [0.2, 0.4]        # Fig. 4a noise rates (paper: 20-80%)
fig4b_rate = 0.4               # Fig. 4b noise rate (paper: 60%)
data_dir = None            # None: $NKD_DATA_DIR or ../shared/data, else the hub
device = None              # None: cuda if available
runs_dir = "../runs"       # run store (finished runs are reused)
figures_dir = "../figures" # figures and tables go to <figures_dir>/04_cmd_ablations/
quiet = False              # True: no progress bars

# %%
import pandas as pd

from nkdlib import report
from nkdlib.config import make_config
from nkdlib.session import notebook_session

nb = notebook_session("04_cmd_ablations", profile, runs_dir=runs_dir, figures_dir=figures_dir, data_dir=data_dir,
                      device=device, quiet=quiet, vision=model, vision_peer=peer_model, width=width, seeds=seeds,
                      vision_epochs=epochs, vision_lr=lr, milestones=milestones,
                      vision_train=train_size, vision_test=test_size)
P = nb.settings
base = dict(task=task, models=[P["vision"]], width=P["width"], max_train=P["vision_train"],
            max_test=P["vision_test"], optimizer="sgd", lr=P["vision_lr"], momentum=0.9,
            weight_decay=5e-4, batch_size=P["vision_batch"], epochs=P["vision_epochs"],
            schedule="step", milestones=P["milestones"], gamma=0.1, select="last")
KNOWLEDGE = {"Zero": dict(eta=float("inf"), b2=0.0), "All": dict(eta=0.5, b2=0.0),
             "CMD-S": dict(eta=cmd_eta, b2=0.0), "CMD-P": dict(eta=cmd_eta, b2=cmd_b2)}
SINGLE = {"CE": "ce", "TF-reg": "tf_reg", "ProSelfLC": "proselflc", "Mconf": "mconf"}
tf_reg_cifar = dict(w=0.1, a=0.99, tau=20.0)   # label-reg Table 13 / Yuan et al.


def job(row, col, rate=noise_rate, kind="symmetric", seed=0, **cfg):
    return {"row": row, "col": col, "seed": seed,
            "config": make_config(**{**base, "noise": kind, "noise_rate": rate, "seed": seed, **cfg})}


def cmd(target, knowledge="CMD-P", **hp):
    return dict(method="cmd", hp={"target": target, **KNOWLEDGE[knowledge], **hp})


def single(name):
    method = SINGLE[name]
    return dict(method=method, hp=tf_reg_cifar if method == "tf_reg" else {})


# %% [markdown]
# ## Table 1 — self-KD method × knowledge (Zero / All / CMD-S / CMD-P)
# 40% symmetric noise; accuracy (%) of model A on the clean test set.

# %%
t1 = nb.run_grid([job(target, k, seed=s, **cmd(target, k))
                  for target in self_kd for k in KNOWLEDGE for s in P["seeds"]])
nb.show(report.mean_std_table(t1, "row", "col", "test_metric_0", average=False, row_order=self_kd,
                              col_order=list(KNOWLEDGE)), "table1_selfkd_x_knowledge")

# %% [markdown]
# ## Table 3 — noise types and rates
# CE and the self-KD methods alone against CMD-P on top of them.

# %%
t3_rows = {**{n: single(n) for n in ("CE", "ProSelfLC", "Mconf")},
           "CMD-P+ProSelfLC": cmd("proselflc"), "CMD-P+Mconf": cmd("mconf")}
t3 = nb.run_grid([job(name, f"{kind} {rate:.0%}", rate, kind, s, **c) for name, c in t3_rows.items()
                  for kind, rates in noise_grid.items() for rate in rates for s in P["seeds"]])
nb.show(report.mean_std_table(t3, "row", "col", "test_metric_0", average=False, row_order=list(t3_rows)),
        "table3_noise_types")

# %% [markdown]
# ## Table 5 — two networks of the same architecture
# Self-distillation trains one model; SyncMKD and KDCL distil all knowledge; CMD-P selects.

# %%
t5_rows = {**{n: single(n) for n in SINGLE}, "SyncMKD": dict(method="sync_mkd"), "KDCL": dict(method="kdcl"),
           "CMD-P+ProSelfLC": cmd("proselflc"), "CMD-P+Mconf": cmd("mconf")}
t5 = nb.run_grid([job(name, "accuracy", seed=s, **c) for name, c in t5_rows.items() for s in P["seeds"]])
nb.show(report.mean_std_table(t5, "row", "col", "test_metric_0", average=False, row_order=list(t5_rows)),
        "table5_same_architecture")

# %% [markdown]
# ## Table 6 — two networks of different architectures
# Self-KD methods train each network alone; CMD-P trains the two together.

# %%
pair = [P["vision"], P["vision_peer"]]
t6 = []
for name, c in {"ProSelfLC": single("ProSelfLC"), "Mconf": single("Mconf")}.items():
    for k, net in enumerate(pair):
        t6 += [job(name, net, seed=s, models=[net], **c) for s in P["seeds"]]
t6 = nb.run_grid(t6)
t6_cmd = nb.run_grid([job(name, "", seed=s, models=pair, **c) for name, c in
                      {"CMD-P+ProSelfLC": cmd("proselflc"), "CMD-P+Mconf": cmd("mconf")}.items() for s in P["seeds"]])
t6 = pd.concat([t6.assign(value=t6["test_metric_0"])] +
               [t6_cmd.assign(col=net, value=t6_cmd[f"test_metric_{k}"]) for k, net in enumerate(pair)])
nb.show(report.mean_std_table(t6, "row", "col", "value", average=False, col_order=pair), "table6_two_architectures")

# %% [markdown]
# ## Table 7 — η of CMD-S across noise rates
# CMD-S with ProSelfLC; χ = H(u)/η. Larger η distils only more confident knowledge.

# %%
t7 = nb.run_grid([job(f"η = {eta:g}", f"{rate:.0%}", rate, seed=s, **cmd("proselflc", "CMD-S", eta=eta))
                  for eta in eta_grid for rate in fig4_rates for s in P["seeds"]])
nb.show(report.mean_std_table(t7, "row", "col", "test_metric_0", average=False), "table7_eta_cmd_s")

# %% [markdown]
# ## Figure 2 — knowledge communicated per epoch
# Fraction of the training set each model passed to its peer (H(p) < χ), CMD-S vs CMD-P.

# %%
fig2_runs = t1[(t1["row"] == "proselflc") & t1["col"].isin(["CMD-S", "CMD-P"])]
h = nb.histories(fig2_runs["run"]).merge(fig2_runs[["run", "col", "n_train"]], on="run")
h = pd.concat([h.assign(direction="A → B", passed=h["passed_a2b"] / h["n_train"]),
               h.assign(direction="B → A", passed=h["passed_b2a"] / h["n_train"])])
fig = report.line_panels(h, "epoch", "passed", "direction", "col", "epoch",
                         "fraction of training samples passed", "CMD + ProSelfLC, 40% symmetric noise")
nb.save_figure(fig, "fig2_knowledge_communicated")

# %% [markdown]
# ## Figure 3 — test accuracy during training, with and without CMD-P

# %%
fig3_runs = pd.concat([t5[t5["row"].isin(["ProSelfLC", "Mconf", "CMD-P+ProSelfLC", "CMD-P+Mconf"])]])
h = nb.histories(fig3_runs["run"]).merge(fig3_runs[["run", "row"]], on="run")
h = h.assign(accuracy=100 * h["test_metric_0"], selfkd=h["row"].str.replace("CMD-P+", ""),
             training=h["row"].str.startswith("CMD-P").map({True: "with CMD-P", False: "alone"}))
fig = report.line_panels(h, "epoch", "accuracy", "training", "selfkd", "epoch", "test accuracy (%)",
                         "40% symmetric noise; model A")
nb.save_figure(fig, "fig3_test_accuracy_curves")

# %% [markdown]
# ## Figure 4 — accuracy against b₂: (a) across noise rates at η = 2, (b) across η

# %%
f4a = nb.run_grid([job(f"{rate:.0%}", b2, rate, seed=s, **cmd("proselflc", "CMD-P", eta=2.0, b2=b2))
                   for rate in fig4_rates for b2 in b2_grid for s in P["seeds"]]
                  ).assign(panel="(a) η = 2", hue=lambda d: "noise " + d["row"])
f4b = nb.run_grid([job(f"η = {eta:g}", b2, fig4b_rate, seed=s, **cmd("proselflc", "CMD-P", eta=eta, b2=b2))
                   for eta in eta_grid for b2 in b2_grid for s in P["seeds"]]
                  ).assign(panel=f"(b) noise {fig4b_rate:.0%}", hue=lambda d: d["row"])
f4 = pd.concat([f4a, f4b]).assign(b2=lambda d: d["col"].astype(float), accuracy=lambda d: 100 * d["test_metric_0"])
fig = report.line_panels(f4, "b2", "accuracy", "hue", "panel", "b₂", "test accuracy (%)", "CMD-P + ProSelfLC",
                         legend="(a) noise rate / (b) η")
nb.save_figure(fig, "fig4_b2_eta")
