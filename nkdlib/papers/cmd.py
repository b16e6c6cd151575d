"""Li et al., *Not All Knowledge Is Created Equal: Mutual Distillation of Confident
Knowledge* (shared/papers/cmd-not-all-knowledge.md): notebook 04, in one place.

- the protocol (`tables`): Tables 1, 3, 5, 6, 7 and Figs. 2, 3, 4 exactly as the paper
  states them, every value with its source or `# ours: <why>`; `tables(**knobs)` rebuilds
  them with the η and b2 values a notebook varies (KNOBS);
- our ablations of why CMD does not reproduce (`diagnosis`), as tables over Table 1;
- the profiles: how smoke, small and gpu change those tables (PROFILES, paper-wide; each
  table's own entries and the profiles that render it in notebook 04: Table.profiles).

Runs are shared between tables wherever the protocol makes two cells the same run (e.g.
Table 5's CMD-P rows are Table 1's CMD-P cells, Fig. 2 is Table 1's ProSelfLC column), so
the row/column subsets below are chosen to reuse runs; counts are distinct runs
(`python -m nkdlib.notebooks --plan --profile P --only 04`).
"""
import dataclasses

from .table import Claim, Row, Table, by_name

PAPER = "cmd"   # the prefix of its table names

# Li et al., Not All Knowledge Is Created Equal (notebook 04). CIFAR-100 only here:
# Table 4 (ResNet-50 "with the same training settings as [25]", which the paper does not
# state; Food-101; WebVision; baselines nkdlib lacks) is not part of this protocol.

CMD_SEEDS = (0,)  # ours: the paper reports one number per cell and names no seeds

CMD_RESNET34 = dict(        # appendix A.2
    optimizer="sgd",        # "an SGD optimizer with a momentum of 0.9, a weight decay of 5e-4, and a batch size of 128"
    lr=0.1,                 # "the initial learning rate is 0.1"
    momentum=0.9,
    weight_decay=5e-4,
    batch_size=128,
    epochs=100,             # "The number of total epochs is 100"; Table 5 "for 100 epochs"
    schedule="step",
    milestones=[50, 80],    # "divided by 10 at the 50th and 80th epoch"
    gamma=0.1,
    clip=0.0,               # A.2 states the whole optimiser, no clipping
    augment=True,           # A.1 pad 4 + random 32x32 crop "following [37]"; the flip is ours (He et al. [37] flip too)
    precision="fp32",       # ours: the paper says nothing
    select="last",          # §5 "we report the final results when the training terminates"
    progress="epoch",       # eq. 12 "t and Γ denote the current epoch and the total number of epochs"
)
CMD_RESNET18 = {**CMD_RESNET34,   # appendix A.2 "For ShuffleNetV2 and ResNet28" (ResNet18: Table 6)
                "epochs": 200,                  # "We train 200 epochs in total"; Table 6 "200 epochs following [5]"
                "milestones": [60, 120, 160],   # "divided by 5 at the 60th, 120th, and 160th epoch"
                "gamma": 0.2}
CMD_DATA = dict(
    task="cifar100",        # §5, appendix A.1
    metric="accuracy",      # "Results on CIFAR-100 clean test set"
    noise="symmetric",      # §5.1 "uniformly changed to one of the other classes" (the paper: each label with
                            # probability r; nkdlib.noise: exactly round(r·N) labels, the same rate in expectation)
    noise_rate=0.4,         # Tables 1, 5, 6 and Fig. 3: 40% symmetric
    valid_frac=0.0,         # A.2 "we retrain a model on the entire training data and report its accuracy"
)
SELF_KD_HP = {              # q̃ of Table 2; CMD gives only ρ
    "ce": {},
    "ls": {"w": 0.1},                   # ours: Szegedy et al.'s 0.1
    "cp": {"beta": 0.5},                # ours: nkdlib's default
    "boot_soft": {"eps": 0.05},         # ours: Reed et al.'s soft bootstrapping, β = 0.95 on the label
    "proselflc": {"b1": 6.0},           # ours: b1 was searched on the validation set (A.2), value not given
    "mconf": {"b1": 6.0, "rho": 0.5},   # §3.2 "We simply set ρ = 0.5"; b1 ours
}
ETA = 2.0       # Fig. 2 "with η = 2", Fig. 4a "We fix η = 2"; ours for Tables 1, 3, 5, 6 (not stated there)
B2 = -6.0       # §4.2 "we use CMD-P with b2 < 0 by defaults"; ours: the value is not given
B2_GRID = (2.0, 0.0, -2.0, -4.0, -6.0)  # Fig. 4; ours: the plotted values are not in the text
ETA_GRID = (2.0, 3.0, 4.0)  # Fig. 4b "green (η = 4)", "blue (η = 3)", "red (η = 2)"; Table 7 adds η = 1
KNOBS = {   # notebook parameter -> (default, what it changes)
    "eta": (ETA, "η of CMD-S and CMD-P rows (Zero and All keep their own: ∞ and 1)"),
    "b2": (B2, "b2 of CMD-P rows (CMD-S is b2 = 0)"),
    "eta_grid": (ETA_GRID, "η values of Fig. 4b's columns and Table 7's rows (with η = 1)"),
    "b2_grid": (B2_GRID, "b2 values of Fig. 4a's and 4b's rows"),
}
KNOB_AXES = {   # knob -> {table: the axis it rebuilds}: a profile's subset of that axis is dropped when it is set
    "eta_grid": {"cmd.figure4b": "columns", "cmd.table7": "rows"},
    "b2_grid": {"cmd.figure4a": "rows", "cmd.figure4b": "rows"},
}


def _single(method):
    """A self-KD row: one model trained alone (Table 5 "For self distillation, we train single model")."""
    return Row(method, SELF_KD_HP[method], models=("A",))


def _cmd(target, b2, eta):
    """A CMD row on top of self-KD method `target`; b2 = 0 is CMD-S."""
    return Row("cmd", {"target": target, "target_hp": SELF_KD_HP[target], "eta": eta, "b2": b2},
               models=("A", "B"), value="mean")


TF_KD_REG = Row("tf_reg", {"w": 0.1, "a": 0.99, "tau": 20.0}, models=("A",))  # ours: CMD cites Yuan et al. [5] without values; label-reg Table 13's
KDCL = Row("kdcl", {"w": 0.5}, models=("A", "B"), value="mean")               # ours: no weight given
SYNC_MKD = Row("sync_mkd", {"eps": 0.5, "target": "ce", "target_hp": {}},     # eq. 3; ours: ε not given
               models=("A", "B"), value="mean")
SYMMETRIC = {f"Symmetric {r:.0%}": dict(noise="symmetric", noise_rate=r)
             for r in (0.2, 0.4, 0.6, 0.8)}   # §5.1 "The noise rates are set to 20%, 40%, 60%, and 80%"
R34 = {"A": "resnet34", "B": "resnet34"}      # Tables 1, 3, 5, 7 and Figs. 3, 4: ResNet34 (Table 7 text, Fig. 3)
NOTEBOOK = "04_cmd_ablations"   # renders every table of this paper
# row subsets of the profiles (Table.profiles)
B2_SUBSET = ("b2 = 0", "b2 = -6")   # Fig. 4 rows: b2 = 0 is CMD-S, b2 = -6 the protocol's CMD-P (both in Table 1)
B2_ALL = ("b2 = 2", "b2 = 0", "b2 = -2", "b2 = -6")
TABLE5_SUBSET = ("CE", "ProSelfLC", "Mconf", "KDCL", "SyncMKD", "CMD-P+ProSelfLC", "CMD-P+Mconf")   # no Tf-KD_reg

def tables(eta=ETA, b2=B2, eta_grid=ETA_GRID, b2_grid=B2_GRID) -> dict:
    """Tables 1, 3, 5, 6, 7 and Figs. 2, 3, 4 by name, with the given knob values (defaults:
    the protocol's), plus our ablations (`diagnosis`)."""
    MKD_ROWS = {    # Tables 5 and 6, in the paper's order
        "CE": _single("ce"),
        "Tf-KD_reg": TF_KD_REG,
        "ProSelfLC": _single("proselflc"),
        "Mconf": _single("mconf"),
        "KDCL": KDCL,
        "SyncMKD": SYNC_MKD,
        "CMD-P+ProSelfLC": _cmd("proselflc", b2, eta),
        "CMD-P+Mconf": _cmd("mconf", b2, eta),
    }
    out = by_name(
        Table(
            name="cmd.table1",
            source="§5.1.1, Table 1",
            models=R34,                 # caption "using ResNet34"
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET34,
            data=CMD_DATA,              # caption "The symmetric label noise rate is 40%"
            rows={                      # "Distilled Knowledge", §4.2's special cases
                "Zero": Row("cmd", {"eta": float("inf"), "b2": 0.0}, models=("A", "B"), value="mean"),  # η = +∞ -> χ = 0
                "All": Row("cmd", {"eta": 1.0, "b2": 0.0}, models=("A", "B"), value="mean"),            # η ∈ (0, 1] -> χ ≥ H(u)
                "CMD-S": Row("cmd", {"eta": eta, "b2": 0.0}, models=("A", "B"), value="mean"),
                "CMD-P": Row("cmd", {"eta": eta, "b2": b2}, models=("A", "B"), value="mean"),
            },
            columns={name: {"hp": {"target": m, "target_hp": SELF_KD_HP[m]}}     # how each model is trained
                     for name, m in (("CE", "ce"), ("LS", "ls"), ("CP", "cp"), ("ProSelfLC", "proselflc"),
                                     ("Mconf", "mconf"))},
            notes=(
                "Caption: 'The average final test accuracies (%) of two models are reported' (value 'mean').",
                "'All' is read as CMD's own all-knowledge case (η = 1, §4.2 (i)); §5.1.1 also says 'as SyncMKD does', "
                "and All/CE (51.42) equals Table 5's SyncMKD, so sync_mkd with the column's target is the other reading.",
                "'Zero' is η = ∞: two models trained side by side without distillation (§5.1.1).",
            ),
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke=dict(columns=("ProSelfLC", "Mconf")),     # all four knowledge rows
                          small=dict(columns=("ProSelfLC", "Mconf")),   # the claim: CMD-S/P > Zero, All for these two
                          gpu={}),
        ),
        Table(
            name="cmd.table3",
            source="§5.1, Table 3",
            models=R34,                 # caption "All methods use ResNet34"
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET34,
            data=CMD_DATA,
            rows={
                "CE": _single("ce"),
                "LS": _single("ls"),
                "CP": _single("cp"),
                "Boot-soft": _single("boot_soft"),
                "ProSelfLC": _single("proselflc"),
                "CMD-S+ProselfLC": _cmd("proselflc", 0.0, eta),
                "CMD-P+ProselfLC": _cmd("proselflc", b2, eta),
                "Mconf": _single("mconf"),
                "CMD-S+Mconf": _cmd("mconf", 0.0, eta),
                "CMD-P+Mconf": _cmd("mconf", b2, eta),
            },
            columns={
                "Pair-flip 20%": dict(noise="pairflip", noise_rate=0.2),   # §5.1 "noise rates of 20% and 40%"
                "Pair-flip 40%": dict(noise="pairflip", noise_rate=0.4),
                "Symmetric 20%": SYMMETRIC["Symmetric 20%"],
                "Symmetric 40%": SYMMETRIC["Symmetric 40%"],
                "Clean": dict(noise_rate=0.0),
            },
            notes=(
                "The caption does not say how a cell is made; CMD rows are read as Table 1's average of two models "
                "(§5.1.1 'Table 3 is an extension of Table 1'), self-KD rows as one model (as Table 5). The numbers "
                "mix both: LS and Mconf at 40% equal Table 1's Zero cells, CE and ProSelfLC equal Table 5's.",
            ),
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke=dict(rows=("CE", "CMD-P+ProselfLC"),
                                               columns=("Pair-flip 40%", "Symmetric 40%", "Clean"))),
        ),
        Table(
            name="cmd.table5",
            source="§5.2, Table 5",
            models=R34,                 # caption "we train ResNet34 for 100 epochs"
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET34,
            data=CMD_DATA,              # caption "under 40% symmetric noisy labels"
            rows=MKD_ROWS,              # the paper's columns, here as rows
            columns={"Accuracy": {}},
            notes=("Two-model rows are read as the average of the two models: SyncMKD and CMD-P equal Table 1's "
                   "averages (51.42, 68.29, 69.09).",),
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke={},   # all rows: every MKD method
                          small=dict(rows=TABLE5_SUBSET), gpu=dict(rows=TABLE5_SUBSET)),
        ),
        Table(
            name="cmd.table6",
            source="§5.2, Table 6; appendix A.2",
            models={"A": "resnet18", "B": "shufflenetv2"},   # Table 6 "ResNet18 and ShufflenetV2"
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET18,        # caption "trained for 200 epochs following [5]"
            data=CMD_DATA,              # caption "40% symmetric noisy labels"
            rows={k: Row(r.method, r.hp, ("A", "B"), value="each") for k, r in MKD_ROWS.items()},
            # §5.2 "For self KD methods, we train each model individually ... for MKD methods, we train them together"
            columns={"ResNet18": {}, "ShuffleNetV2": {}},   # column k = model k
            notes=("Appendix A.2 says 'ResNet28'; Table 6 and §5.2 say ResNet18.",),
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke=dict(models={"A": "resnet18", "B": "shufflenetv2"},
                                               rows=("Mconf", "CMD-P+Mconf"))),
        ),
        Table(
            name="cmd.table7",
            source="§5.4.2, Table 7",
            models=R34,                 # Table 7 "We train on CIFAR-100 using ResNet-34"
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET34,
            data=CMD_DATA,
            rows={f"η = {e:g}": _cmd("proselflc", 0.0, e)   # CMD-S, χ = H(u)/η; target ours (see notes)
                  for e in sorted({1.0, *eta_grid})},   # Table 7: η = 1, 2, 3, 4
            columns=SYMMETRIC,
            notes=(
                "Table 7 names no self-KD method, and its cells repeat other tables' numbers from different settings: "
                "40% η=1 = Table 1 All/ProSelfLC (59.26), η=2 = Table 1 Zero/Mconf (65.04), η=4 = Table 1 "
                "CMD-S/ProSelfLC (67.26); 20% η=2 = Table 3 CMD-S+ProselfLC (72.11), η=4 = Table 4's ResNet-50 "
                "CMD-P+ProselfLC (73.25). We read it as CMD-S + ProSelfLC on ResNet-34.",
                "The η = 3 row has no numbers in the paper; we run it.",
                "§5.4.2 concludes 'a smaller η is better', but Table 7 and Fig. 4b show larger η (lower χ) is better.",
            ),
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke=dict(rows=("η = 1", "η = 2"), columns=("Symmetric 20%", "Symmetric 40%"))),
        ),
        Table(
            name="cmd.figure2",
            source="§4.2, Fig. 2",
            models=R34,                 # ours: the caption names no network
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET34,
            data=CMD_DATA,              # ours: 40% symmetric, as Table 1
            rows={"CMD-S": _cmd("proselflc", 0.0, eta), "CMD-P": _cmd("proselflc", b2, eta)},  # caption "with η = 2"; rest ours
            columns={"Passed": {}},
            measure="history: passed_a2b + passed_b2a",   # caption: "from A to B and that from B to A"
            notes=("Only η = 2 and CIFAR-100 are stated; network, noise, self-KD method and b2 values are ours.",),
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke={}, small={}, gpu={}),
        ),
        Table(
            name="cmd.figure3",
            source="§5.3, Fig. 3",
            models=R34,                 # caption "using ResNet34"
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET34,
            data=CMD_DATA,              # caption "40% symmetric noisy labels"
            rows={"CE": _single("ce"), "CMD-P+CE": _cmd("ce", b2, eta),     # §5.3 "CMD-P dramatically boosts CE, ProselfLC and Mconf"
                  "ProSelfLC": _single("proselflc"), "CMD-P+ProSelfLC": _cmd("proselflc", b2, eta),
                  "Mconf": _single("mconf"), "CMD-P+Mconf": _cmd("mconf", b2, eta)},
            columns={"Test accuracy": {}},
            measure="history: test_metric",
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke={}, small={}, gpu={}),
        ),
        Table(
            name="cmd.figure4a",
            source="§5.4.1, Fig. 4a",
            models=R34,                 # ours: as Table 7 ("ResNet-34")
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET34,
            data=CMD_DATA,
            rows={f"b2 = {b:g}": _cmd("proselflc", b, eta) for b in b2_grid},   # "We fix η = 2"; target ours
            columns=SYMMETRIC,          # "for different noise rates"; ours: §5.1's four symmetric rates
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke=dict(rows=B2_SUBSET, columns=("Symmetric 20%", "Symmetric 40%")),
                          small=dict(rows=B2_ALL, columns=("Symmetric 40%",)), gpu=dict(rows=B2_ALL)),
        ),
        Table(
            name="cmd.figure4b",
            source="§5.4.1-5.4.2, Fig. 4b",
            models=R34,                 # ours: as Table 7
            seeds=CMD_SEEDS,
            recipe=CMD_RESNET34,
            data={**CMD_DATA, "noise_rate": 0.6},   # "We fix the symmetric noise rate r = 60%"
            rows={f"b2 = {b:g}": _cmd("proselflc", b, eta) for b in b2_grid},   # target ours
            columns={f"η = {e:g}": {"hp": {"eta": e}} for e in eta_grid},
            # §5.4.2 names three lines: "green (η = 4)", "blue (η = 3)", "red (η = 2)"
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke=dict(rows=B2_SUBSET, columns=("η = 2", "η = 4")),
                          # at 40% (ours; the paper fixes 60%) and η = 2, 4: its cells are runs of Table 1 and cmd.eta
                          small=dict(rows=B2_SUBSET, columns=("η = 2", "η = 4"),
                                     data=dict(task="cifar10", max_train=4000, max_test=2000, width=0.125,
                                               noise_rate=0.4)),
                          gpu=dict(rows=B2_ALL)),
        ),
    )
    return {**out, **diagnosis(out["cmd.table1"])}


# Why CMD does not reproduce at `small` size: controlled ablations (ours, not the paper's),
# each a Table over Table 1's 40% symmetric setting, so that cells equal to a published run
# reuse it. Sized by the small profile (3 seeds; the symmetry test 20 per target).
def diagnosis(t1: Table) -> dict:
    """Our ablations over Table 1 `t1` (with the knobs' η and b2), by name (by_name)."""
    proselflc = t1.columns["ProSelfLC"]["hp"]   # the target of every ablation but η's

    def ablation(name, source, rows, columns, notes, smoke=None, small=None):
        """A table over t1's rows `rows`, rendered by the smoke and small profiles (their entries: None, none)."""
        return dataclasses.replace(t1, name=name, source=source, rows={r: t1.rows[r] for r in rows},
                                   columns=columns, block_rows={}, notes=notes,
                                   profiles={"smoke": smoke or {}, "small": small or {}})

    return by_name(
        ablation(
            "cmd.eta", "ours: Table 1's CMD rows at η = 2 and η = 4", ("CMD-S", "CMD-P"),
            {f"{m}, η = {eta:g}": {"hp": {**t1.columns[m]["hp"], "eta": eta}} for m in ("ProSelfLC", "Mconf")
             for eta in (2.0, 4.0)},
            ("Tables 1, 3, 5 state no η. Table 7's CMD-S at 40% with η = 4 is 67.26, Table 1's CMD-S/ProSelfLC; "
             "Fig. 2's caption says η = 2.",)),
        ablation(
            "cmd.warmup", "ours: epochs of training before any knowledge passes", ("CMD-P",),
            {f"warm-up {k}": {"hp": {**proselflc, "warmup": k}} for k in (0, 5)},
            ("The paper passes knowledge from the first step; CMD-P's χ is largest then, while the models are worst.",),
            smoke=dict(columns=("warm-up 0", "warm-up 5"))),   # 5 > 2 epochs: nothing ever passes
        ablation(
            "cmd.loss_form", "ours: eq. 10's sum against its averaged target", ("All", "CMD-P"),
            {"sum (eq. 10)": {"hp": {**proselflc, "form": "sum"}}, "mean": {"hp": {**proselflc, "form": "mean"}}},
            ("Eq. 10's sum doubles the label term on samples that pass; 'mean' trains on (q~_A + q~_B)/2 there.",)),
        ablation(
            "cmd.zero_symmetry", "ours: are Zero's two models exchangeable?", ("Zero",),
            {target: t1.columns[target] for target in ("CE", "ProSelfLC")},
            ("η = ∞: the models never communicate, so model 0 and model 1 differ only by their initialisation "
             "seed; Table 1's caption calls their difference negligible.",),
            smoke=dict(seeds=(0, 1, 2)),
            small=dict(seeds=tuple(range(20)))),   # model 0 against model 1, paired: 20 seeds per target
        dataclasses.replace(
            t1, name="cmd.peer_form", source="ours: SyncMKD with Table 1's targets (All's other reading)",
            rows={"SyncMKD": SYNC_MKD}, columns={t: t1.columns[t] for t in ("CE", "ProSelfLC", "Mconf")},
            block_rows={}, profiles={"smoke": {}, "small": {}},
            notes=("SyncMKD passes the peer's predictions, ε·KL(p_j ‖ p_k), beside (1 − ε)·H(q̃_k, p_k); CMD's All "
                   "passes the peer's refined label q̃_j through eq. 10. With the same target and weight "
                   "(All averaged, ε = 0.5), the two differ only in what passes; SyncMKD/CE is Table 5's SyncMKD.",)),
        ablation(
            "cmd.entropy", "ours: per-sample training entropy H(p) against χ(t)", ("CMD-S", "CMD-P"),
            {"ProSelfLC": t1.columns["ProSelfLC"]}, ("A sample passes when its entropy is below χ.",),
            small=dict(seeds=(0,))),
    )


PROFILES = {   # profile -> the paper-wide entry (each table's own: Table.profiles)
    # every code path (one-model and two-model rows, "mean" and "each" cells, η = ∞, pair-flip,
    # clean and 60% noise, hp columns, histories) on 256 CIFAR-10 images and a 1/16-width
    # ResNet-18, 2 epochs, 2 seeds: numbers meaningless. 73 runs (with the diagnosis), about a
    # minute on 2 CPU cores.
    "smoke": dict(models={"A": "resnet18", "B": "resnet18"}, seeds=(0, 1),
                  recipe=dict(epochs=2, lr=0.05, batch_size=64, milestones=[1]),
                  data=dict(task="cifar10", max_train=256, max_test=200, width=0.0625)),
    # CMD's central claims at 40% symmetric noise (Tables 1 and 5, Figs. 2, 3, 4a) on a 2-core
    # CPU: 48 runs, 3546 s with workers=2 (measured), plus the diagnosis's 28.
    # CIFAR-10, not CIFAR-100: CIFAR-100 is not available offline. ResNet-18 at 1/8 width for
    # the paper's ResNet-34 (half the FLOPs of ResNet-34 at the same width; 1/4 width would
    # double the cost). 4000 training images (400 a class), 2000 test images, 30 epochs with the
    # paper's schedule shape (lr ÷10 at 50% and 80% of training), bf16 autocast (2x fp32 on CPU).
    "small": dict(models={"A": "resnet18", "B": "resnet18"}, seeds=(0, 1, 2),
                  recipe=dict(epochs=30, milestones=[15, 24], precision="bf16"),
                  data=dict(task="cifar10", max_train=4000, max_test=2000, width=0.125)),
    # One GPU and an afternoon (nkdlib.cost: at most 8 GPU-hours, runs packed several per
    # GPU): the vision claims on the full training set (50,000 images, parameter `dataset`:
    # cifar10 offline, cifar100 from the network) and the full test set, full-width
    # ResNet-18 for ResNet-34, 3 seeds, 50 epochs, not the paper's 100, with its schedule's
    # shape (lr ÷10 at 50% and 80%), bf16.
    "gpu": dict(models={"A": "resnet18", "B": "resnet18"}, seeds=(0, 1, 2),
                recipe=dict(epochs=50, milestones=[25, 40], precision="bf16"),
                data=dict(task="cifar10", width=1.0)),
}

# The paper's claims, judged by nkdlib.report.verdict on notebook 04's cells (final test accuracy, points),
# with the paper's effects from its own tables. A profile that does not run a claim's table, rows or cells
# leaves the claim (or those rows, cells) out: `small` runs Table 1's ProSelfLC and Mconf columns, Table 5
# without Tf-KD_reg, Fig. 3 and Fig. 4 at 40% noise; Tables 3 and 6 only in `paper` (and `smoke`).
TABLE1 = {   # Table 1: CIFAR-100, ResNet34, 40% symmetric noise, the two models' average final accuracy
    "Zero": {"CE": 48.74, "LS": 51.53, "CP": 50.06, "ProSelfLC": 62.75, "Mconf": 65.04},
    "All": {"CE": 51.42, "LS": 53.63, "CP": 53.18, "ProSelfLC": 59.26, "Mconf": 61.11},
    "CMD-S": {"CE": 52.52, "LS": 55.10, "CP": 53.86, "ProSelfLC": 67.26, "Mconf": 68.45},
    "CMD-P": {"CE": 54.28, "LS": 56.73, "CP": 56.47, "ProSelfLC": 68.29, "Mconf": 69.09},
}
TABLE3 = {   # Table 3: CIFAR-100, ResNet34 (the rows CMD is applied to, and CMD's)
    "ProSelfLC": {"Pair-flip 20%": 74.13, "Pair-flip 40%": 69.49, "Symmetric 20%": 71.49, "Symmetric 40%": 64.07,
                  "Clean": 75.73},
    "CMD-S+ProselfLC": {"Pair-flip 20%": 75.68, "Pair-flip 40%": 74.22, "Symmetric 20%": 72.11,
                        "Symmetric 40%": 67.26, "Clean": 76.25},
    "CMD-P+ProselfLC": {"Pair-flip 20%": 75.76, "Pair-flip 40%": 74.55, "Symmetric 20%": 72.58,
                        "Symmetric 40%": 68.29, "Clean": 77.32},
    "Mconf": {"Pair-flip 20%": 73.12, "Pair-flip 40%": 62.29, "Symmetric 20%": 71.04, "Symmetric 40%": 65.04,
              "Clean": 75.20},
    "CMD-S+Mconf": {"Pair-flip 20%": 75.39, "Pair-flip 40%": 74.32, "Symmetric 20%": 72.20, "Symmetric 40%": 68.45,
                    "Clean": 75.92},
    "CMD-P+Mconf": {"Pair-flip 20%": 75.89, "Pair-flip 40%": 74.72, "Symmetric 20%": 73.22, "Symmetric 40%": 69.09,
                    "Clean": 76.42},
}
TABLE5 = {"CE": 47.20, "Tf-KD_reg": 47.39, "ProSelfLC": 64.07, "Mconf": 65.04, "KDCL": 51.20, "SyncMKD": 51.42,
          "CMD-P+ProSelfLC": 68.29, "CMD-P+Mconf": 69.09}   # Table 5: 40% symmetric noise, ResNet34
TABLE6 = {"ProSelfLC": {"ResNet18": 58.51, "ShuffleNetV2": 58.89}, "Mconf": {"ResNet18": 55.94, "ShuffleNetV2": 61.21},
          "CMD-P+ProSelfLC": {"ResNet18": 65.77, "ShuffleNetV2": 59.77},
          "CMD-P+Mconf": {"ResNet18": 68.10, "ShuffleNetV2": 64.37}}   # Table 6: ResNet18 and ShuffleNetV2


def _versus(table: dict, rows, base: str) -> dict:
    """{row: {column: (the paper's value of row, of base)}} for Claim.paper, from {row: {column: value}}."""
    return {row: {col: (table[row][col], table[base][col]) for col in table[row]} for row in rows}


CLAIMS = [   # each judged by the notebook that renders its table
    # §5.1.1: "CMD methods (CMD-S and CMD-P) are better than 'Zero' and 'All' consistently no matter how each
    # model is trained"; "CMD-P is slightly better than CMD-S"; "when Mconf and ProSelfLC are used, All MKD
    # performs even worse than Zero MKD" (Table 1, per column)
    Claim("Table 1: CMD-S and CMD-P beat Zero", "greater", ("CMD-S", "CMD-P"), "Zero",
          paper=_versus(TABLE1, ("CMD-S", "CMD-P"), "Zero"), table="cmd.table1"),
    Claim("Table 1: CMD-S and CMD-P beat All", "greater", ("CMD-S", "CMD-P"), "All",
          paper=_versus(TABLE1, ("CMD-S", "CMD-P"), "All"), table="cmd.table1"),
    Claim("Table 1: CMD-P beats CMD-S", "greater", "CMD-P", "CMD-S", paper=_versus(TABLE1, ("CMD-P",), "CMD-S"),
          table="cmd.table1"),
    Claim("Table 1: All below Zero with ProSelfLC and Mconf", "greater", "Zero", "All",
          paper=_versus(TABLE1, ("Zero",), "All"), cells=("ProSelfLC", "Mconf"), table="cmd.table1"),
    # §5.1.1, Table 3: CMD over ProSelfLC and Mconf at each noise type and rate, and clean
    Claim("Table 3: CMD-S and CMD-P improve ProSelfLC", "greater", ("CMD-S+ProselfLC", "CMD-P+ProselfLC"),
          "ProSelfLC", paper=_versus(TABLE3, ("CMD-S+ProselfLC", "CMD-P+ProselfLC"), "ProSelfLC"),
          table="cmd.table3"),
    Claim("Table 3: CMD-S and CMD-P improve Mconf", "greater", ("CMD-S+Mconf", "CMD-P+Mconf"), "Mconf",
          paper=_versus(TABLE3, ("CMD-S+Mconf", "CMD-P+Mconf"), "Mconf"), table="cmd.table3"),
    # §5.2: "CMD-P+ProSelfLC and CMD-P+Mconf achieve 17%-18% absolute improvement compared to SyncMKD and KDCL"
    Claim("Table 5: CMD-P beats SyncMKD", "greater", ("CMD-P+ProSelfLC", "CMD-P+Mconf"), "SyncMKD",
          paper={r: (TABLE5[r], TABLE5["SyncMKD"]) for r in ("CMD-P+ProSelfLC", "CMD-P+Mconf")},
          table="cmd.table5"),
    Claim("Table 5: CMD-P beats KDCL", "greater", ("CMD-P+ProSelfLC", "CMD-P+Mconf"), "KDCL",
          paper={r: (TABLE5[r], TABLE5["KDCL"]) for r in ("CMD-P+ProSelfLC", "CMD-P+Mconf")}, table="cmd.table5"),
    # §5.2: "CMD improves both ProselfLC and Mconf" for ResNet18 and ShuffleNetV2 (Table 6, per network)
    Claim("Table 6: CMD-P improves ProSelfLC", "greater", "CMD-P+ProSelfLC", "ProSelfLC",
          paper=_versus(TABLE6, ("CMD-P+ProSelfLC",), "ProSelfLC"), table="cmd.table6"),
    Claim("Table 6: CMD-P improves Mconf", "greater", "CMD-P+Mconf", "Mconf",
          paper=_versus(TABLE6, ("CMD-P+Mconf",), "Mconf"), table="cmd.table6"),
    # §5.3: "CMD-P dramatically boosts the performance of CE, ProselfLC and Mconf" (Fig. 3, final epoch). The
    # figure gives curves only: the effects are Table 1's CMD-P/CE (54.28) against Table 5's CE, and Table 5's.
    # (Its other claim, that the accuracies without CMD-P fall after about 50 epochs, has no number to judge.)
    Claim("Fig. 3: CMD-P improves CE", "greater", "CMD-P+CE", "CE", paper=(TABLE1["CMD-P"]["CE"], TABLE5["CE"]),
          table="cmd.figure3"),
    Claim("Fig. 3: CMD-P improves ProSelfLC", "greater", "CMD-P+ProSelfLC", "ProSelfLC",
          paper=(TABLE5["CMD-P+ProSelfLC"], TABLE5["ProSelfLC"]), table="cmd.figure3"),
    Claim("Fig. 3: CMD-P improves Mconf", "greater", "CMD-P+Mconf", "Mconf",
          paper=(TABLE5["CMD-P+Mconf"], TABLE5["Mconf"]), table="cmd.figure3"),
    # §5.4.1: "the accuracy increases as b2 decreases for all noise rates" (Fig. 4a, η = 2) and "for all η"
    # (Fig. 4b). The figure's values are not in the text: the effect is Table 1's CMD-P − CMD-S with
    # ProSelfLC (b2 < 0 against b2 = 0 at 40%; Table 1's b2 is not stated).
    Claim("Fig. 4a: b2 < 0 beats b2 = 0", "greater", ("b2 = -2", "b2 = -4", "b2 = -6"), "b2 = 0",
          paper=(TABLE1["CMD-P"]["ProSelfLC"], TABLE1["CMD-S"]["ProSelfLC"]), table="cmd.figure4a"),
    Claim("Fig. 4b: b2 < 0 beats b2 = 0 at each η", "greater", ("b2 = -2", "b2 = -4", "b2 = -6"), "b2 = 0",
          paper=(TABLE1["CMD-P"]["ProSelfLC"], TABLE1["CMD-S"]["ProSelfLC"]), table="cmd.figure4b"),
]
