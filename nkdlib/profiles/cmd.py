"""smoke and small profiles of the CMD paper (notebook 04); see nkdlib.profiles.

Runs are shared between tables wherever the protocol makes two cells the same run (e.g.
Table 5's CMD-P rows are Table 1's CMD-P cells, Fig. 2 is Table 1's ProSelfLC column), so
the row/column subsets below are chosen to reuse runs; counts are distinct runs
(`python -m nkdlib.notebooks --plan --profile P --only 04`).
"""
B2_SUBSET = ("b2 = 0", "b2 = -6")   # Fig. 4 rows: b2 = 0 is CMD-S, b2 = -6 the protocol's CMD-P (both in Table 1)

SMOKE = {
    # every code path (one-model and two-model rows, "mean" and "each" cells, η = ∞, pair-flip,
    # clean and 60% noise, hp columns, histories) on 256 CIFAR-10 images and a 1/16-width
    # ResNet-18, 2 epochs, 2 seeds: numbers meaningless. 66 runs, about a minute on 2 CPU cores.
    "cmd": dict(models={"A": "resnet18", "B": "resnet18"}, seeds=(0, 1),
                recipe=dict(epochs=2, lr=0.05, batch_size=64, milestones=[1]),
                data=dict(task="cifar10", max_train=256, max_test=200, width=0.0625)),
    "cmd.table1": dict(columns=("ProSelfLC", "Mconf")),                    # all four knowledge rows
    "cmd.table3": dict(rows=("CE", "CMD-P+ProselfLC"),
                       columns=("Pair-flip 40%", "Symmetric 40%", "Clean")),
    "cmd.table5": dict(),                                                  # all rows: every MKD method
    "cmd.table6": dict(models={"A": "resnet18", "B": "shufflenetv2"}, rows=("Mconf", "CMD-P+Mconf")),
    "cmd.table7": dict(rows=("H(u) (η = 1)", "1/2 H(u) (η = 2)"), columns=("Symmetric 20%", "Symmetric 40%")),
    "cmd.figure4a": dict(rows=B2_SUBSET, columns=("Symmetric 20%", "Symmetric 40%")),
    "cmd.figure4b": dict(rows=B2_SUBSET, columns=("η = 2", "η = 4")),
}

SMALL = {
    # CMD's central claims at 40% symmetric noise (Tables 1 and 5, Figs. 2, 3, 4a) on a 2-core
    # CPU in about 70-80 minutes with workers=2 (notebook 04's introduction has the arithmetic).
    # CIFAR-10, not CIFAR-100: CIFAR-100 is not available offline. ResNet-18 at 1/8 width for
    # the paper's ResNet-34 (half the FLOPs of ResNet-34 at the same width; 1/4 width would
    # double the cost). 4000 training images (400 a class), 2000 test images, 30 epochs with the
    # paper's schedule shape (lr ÷10 at 50% and 80% of training), bf16 autocast (2x fp32 on CPU).
    "cmd": dict(models={"A": "resnet18", "B": "resnet18"}, seeds=(0, 1, 2),
                recipe=dict(epochs=30, milestones=[15, 24], precision="bf16"),
                data=dict(task="cifar10", max_train=4000, max_test=2000, width=0.125)),
    "cmd.table1": dict(columns=("ProSelfLC", "Mconf")),        # the claim: CMD-S/P > Zero, All for these two
    "cmd.table5": dict(rows=("CE", "ProSelfLC", "Mconf", "KDCL", "SyncMKD", "CMD-P+ProSelfLC", "CMD-P+Mconf")),
    "cmd.figure4a": dict(rows=("b2 = 2", "b2 = 0", "b2 = -2", "b2 = -6"), columns=("Symmetric 40%",)),
}

PROFILES = {"smoke": SMOKE, "small": SMALL}
TABLES = {
    "small": {"04_cmd_ablations": ("cmd.table1", "cmd.table5", "cmd.figure2", "cmd.figure3", "cmd.figure4a")},
}
