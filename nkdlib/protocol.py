"""Each paper's protocol, exactly, in one place: what `profile="paper"` runs.

Plain data, read top to bottom like a config file, one block per paper and per table
or figure (NOISY_KD, LABEL_REG, CMD; all of them in TABLES by name). Every value says
where it comes from: a short reference into the paper (§, Table, Fig., appendix), or
`# ours: <why>` where the paper gives none. Papers: shared/papers/noisy-kd-nlu.md
(Bhardwaj et al.), label-regularization-plm.txt (Kobyzev et al.), cmd-not-all-knowledge.md
(Li et al.). Where our SPEC and a paper disagree, the paper wins; ambiguities are spelled
out in each table's `notes`.

A cell's run config (`cell`, for nkdlib.config.make_config) merges, later entries
overriding earlier ones and `hp` dicts merged key by key:

    table.recipe  ->  table.data  ->  table.blocks[block]  ->  row (method, hp, config)  ->  table.columns[col]

with the row's model roles looked up in `table.models`. Keys are nkdlib.config.DEFAULTS
keys; `hp` names are nkdlib.methods.DEFAULTS names. Nothing here imports torch.

    from nkdlib.protocol import TABLES, cell
    t = TABLES["cmd.table1"]
    make_config(**cell(t, "CMD-P", "Mconf"))
"""
import copy
from dataclasses import dataclass, field

# ----------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class Row:
    """One row of a paper table: a method and which run(s) give its number."""
    method: str                     # nkdlib.methods.METHODS name
    hp: dict = field(default_factory=dict)  # its hyper-parameters (nkdlib.methods.DEFAULTS names)
    models: tuple = ("student",)    # roles (keys of Table.models), one per model of the run
    teacher: str | None = None      # the row (same block and column) whose run is the frozen teacher
    value: str = "model 0"          # the cell: "model 0" | "model 1" (that model of the run) |
                                    # "mean" (average of the two models) | "each" (column k = model k;
                                    # a one-model method is run once per model, alone)
    config: dict = field(default_factory=dict)  # further config entries of this row only
    grid: dict = field(default_factory=dict)    # hp name -> values tried per column; the best on the
                                                # noisy valid split is reported


@dataclass(frozen=True)
class Table:
    """One table or figure of a paper."""
    name: str                       # "<paper>.<table>", e.g. "cmd.table1"
    source: str                     # where the paper describes it
    models: dict                    # role -> model (nkdlib name or Hugging Face hub id)
    seeds: tuple
    recipe: dict                    # optimisation (config keys), shared by the paper's tables
    data: dict                      # task, noise, split and metric entries common to every cell
    rows: dict                      # paper row label -> Row
    columns: dict                   # paper column label -> config entries of that column
    blocks: dict = field(default_factory=lambda: {"": {}})  # paper block label -> config entries
    block_rows: dict = field(default_factory=dict)  # block label -> the rows it reports (absent: all rows;
                                                    # rows left out are runs others need, e.g. a teacher)
    splits: dict = field(default_factory=lambda: {"": "test"})
    # paper's report label -> our split: "test" (the task's evaluation split), "valid",
    # "dev" (the data set's official dev split, SST-5) or None (not available to us)
    measure: str = "final metric"   # "final metric" | "history: <column>" (per epoch) |
                                    # "steps: test_loss" (every eval_steps steps)
    average: str | None = None      # label of the paper's mean-over-columns column, if any
    compare: dict = field(default_factory=dict)  # (paper row, paper column) -> (row, row) compared by a
                                                 # two-sided Wilcoxon signed-rank test, paired by seed
    notes: tuple = ()               # ambiguities of the paper and how we read them


def cell(table: Table, row: str, column: str, block: str = "") -> dict:
    """Config entries of one cell's run (teacher not included: see Row.teacher)."""
    r = table.rows[row]
    out = {}
    for part in (table.recipe, table.data, table.blocks[block],
                 {"method": r.method, "hp": r.hp, "models": [table.models[m] for m in r.models]},
                 r.config, table.columns[column]):
        for key, value in part.items():
            out[key] = {**out.get(key, {}), **value} if key == "hp" else value
    return copy.deepcopy(out)   # the caller may change it


# ============================================================================ noisy-KD
# Bhardwaj et al., Knowledge Distillation with Noisy Labels for NLU (notebook 01).
# The paper states no optimiser, lr, batch size or epochs (§4.3 only: "hyper-parameter
# tuning and best model selection based on early stopping on noisy validation sets").

NOISY_KD_MODELS = {
    "teacher": "google-bert/bert-base-uncased",       # §4.3 "12-layer BERT-base-uncased"
    "student": "distilbert/distilbert-base-uncased",  # §4.3 "pre-trained 6-layer distillBERT"; ours: uncased like the teacher
}
NOISY_KD_SEEDS = (0, 1, 2)  # §4.3 "average results over 3 random seeds"; ours: the seed values are not given

NOISY_KD_RECIPE = dict(
    optimizer="adamw",      # ours: BERT fine-tuning default; the paper names none
    lr=2e-5,                # ours: BERT fine-tuning default
    weight_decay=0.01,      # ours
    batch_size=32,          # ours
    epochs=10,              # ours: > 2, as label refinement happens after 2 epochs (§3.2)
    schedule="linear",      # ours
    warmup=0.1,             # ours
    clip=1.0,               # ours: Hugging Face Trainer's max_grad_norm; the paper says nothing
    precision="fp32",       # ours: the paper says nothing
    select="valid",         # §4.3 "best model selection based on early stopping on noisy validation sets"
)
NOISY_KD_DATA = dict(
    noise="uniform",        # §4.1 "randomly changing the original labels", following Jiang et al. 2018
    valid_frac=0.1,         # §4.1 "we held-out 10% of the training set for validation"; same noise (§4.1)
    max_length=128,         # ours
)
GLUE7 = {  # §4.1: 7 GLUE tasks, "Matthews correlation on CoLA and accuracy for the other tasks"
    "CoLA": dict(task="cola", metric="mcc"),
    "SST-2": dict(task="sst2", metric="accuracy"),
    "MRPC": dict(task="mrpc", metric="accuracy"),   # accuracy here, F1 in the label-reg paper
    "RTE": dict(task="rte", metric="accuracy"),
    "QNLI": dict(task="qnli", metric="accuracy"),
    "QQP": dict(task="qqp", metric="accuracy"),
    "MNLI": dict(task="mnli", metric="accuracy"),   # ours: matched dev set; the paper does not say
}
# Eq. 1 puts α on the CE term; nkdlib's w weights the soft term: w = 1 - α.
CD_HP = {"w": 0.5}  # ours: the paper gives no α for CD (its teacher uses α = 1 in epoch 1, §3.1: built into co_distill)
CD_LR_HP = {**CD_HP,
            "refine_epoch": 2,   # §3.2 "We train both teacher and student with Co-Distill for 2 epochs"
            "trees": 100}        # ours: scikit-learn's default; §4.3 names a Random Forest only
NOISY_KD_ROWS = {   # Table 1, rows in the paper's order (teachers above the dashed line)
    "BERT-base": Row("ce", models=("teacher",)),
    "with CD": Row("co_distill", CD_HP, models=("teacher", "student"), value="model 0"),
    "with CD+LR": Row("co_distill_lr", CD_LR_HP, models=("teacher", "student"), value="model 0"),
    "w/o KD": Row("ce"),
    "Self-DSTL": Row("self_dstl", {"w": 0.5,          # ours: not given
                                   "warm_epochs": 2}),  # §4.2 "for few epochs on hard labels"; ours: 2, as LR
    "Vanilla": Row("kd_sym", {"w": 0.5}, teacher="BERT-base",
                   grid={"w": (0.2, 0.5, 0.8)}),      # §4.2 "best performing α value for each task"; ours: the grid
    "CD": Row("co_distill", CD_HP, models=("teacher", "student"), value="model 1"),
    "CD+LR": Row("co_distill_lr", CD_LR_HP, models=("teacher", "student"), value="model 1"),
}

NOISY_KD = {
    "noisy_kd.table1": Table(
        name="noisy_kd.table1",
        source="§4, Table 1",
        models=NOISY_KD_MODELS,
        seeds=NOISY_KD_SEEDS,
        recipe=NOISY_KD_RECIPE,
        data=NOISY_KD_DATA,
        rows=NOISY_KD_ROWS,
        columns=GLUE7,
        blocks={"0%": dict(noise_rate=0.0), "25%": dict(noise_rate=0.25), "50%": dict(noise_rate=0.5)},  # Table 1; §4.1
        block_rows={"0%": ("BERT-base", "w/o KD", "Vanilla")},   # Table 1's clean block has these three only
        splits={"": "test"},    # "Performances on GLUE dev sets" = our test split
        average="Avg.",
        notes=(
            "Noise: 'randomly changing the original labels' after Jiang et al. 2018 is read as uniform "
            "noise over all classes (a chosen label may stay the same); with noise to another class, 50% "
            "on a binary task would carry no signal, yet the 50% block still learns.",
            "The paper gives no optimiser, lr, batch size, epochs or seed values: all of NOISY_KD_RECIPE is ours.",
            "§4.3 tunes hyper-parameters 'for all models' without naming them; we tune only Vanilla's α (§4.2).",
        ),
    ),
    "noisy_kd.figure2": Table(
        name="noisy_kd.figure2",
        source="§4.4, Fig. 2",
        models=NOISY_KD_MODELS,
        seeds=NOISY_KD_SEEDS,
        recipe=NOISY_KD_RECIPE,
        data={**NOISY_KD_DATA,
              "noise_rate": 0.5,    # Fig. 2 "trained on 50% of noisy labels"
              "eval_steps": 100},   # ours: "losses on dev sets at early steps"; no interval given
        rows={k: NOISY_KD_ROWS[k] for k in ("BERT-base", "Vanilla", "CD", "CD+LR")},
        block_rows={"": ("Vanilla", "CD", "CD+LR")},   # Fig. 2 "for Vanilla KD, CD, and CD+LR"; BERT-base: Vanilla's teacher
        columns={k: GLUE7[k] for k in ("MNLI", "QNLI", "MRPC", "SST-2")},
        measure="steps: test_loss",   # the student's loss on the GLUE dev set
        notes=("'4 GLUE tasks' are not listed; MNLI, QNLI, MRPC and SST-2 are the ones §4.4 discusses.",),
    ),
}

# ============================================================================ label-reg
# Kobyzev et al., Do we need label regularization to fine-tune PLMs? (notebooks 02, 03).
# In the paper α weights the soft term, as nkdlib's w: w = α.

LABEL_REG_SEEDS = (42, 549, 1237, 230, 805)                 # appendix A, B.1
LABEL_REG_SEEDS_8 = LABEL_REG_SEEDS + (4653, 5589, 992)     # appendix A "for the statistical test, we add seeds 4653, 5589 and 992"
LABEL_REG_CIFAR_SEEDS = (11, 125, 1350, 23, 230, 4653, 5589, 56, 6, 992)  # appendix C

LABEL_REG_RECIPE = dict(    # Table 10: DistilRoBERTa and BERT-small, GLUE and SST-5
    optimizer="adamw",      # ours: the paper names no optimiser
    lr=2e-5,                # Table 10
    weight_decay=0.01,      # ours
    batch_size=32,          # Table 10
    epochs=30,              # Table 10; appendix A "for 30 epoch"
    schedule="linear",      # ours
    warmup=0.1,             # ours
    clip=1.0,               # ours: Hugging Face Trainer's max_grad_norm (§3.2 uses Hugging Face models)
    precision="fp32",       # ours
    select="valid",         # ours: the paper does not say how the checkpoint is chosen
)
LABEL_REG_GPT2_RECIPE = {**LABEL_REG_RECIPE, "batch_size": 16}   # Table 11 (lr per task: columns)
LABEL_REG_FEWREL_RECIPE = {**LABEL_REG_RECIPE, "lr": 1.5e-5}     # Table 12 (batch 32, 30 epochs)
LABEL_REG_CIFAR_RECIPE = dict(  # appendix C, Table 13; "we follow the experimental setup (Yuan et al., 2020)"
    optimizer="sgd",        # appendix C
    lr=0.1,                 # appendix C, Table 13
    momentum=0.9,           # appendix C
    weight_decay=5e-4,      # Table 13
    batch_size=128,         # Table 13
    epochs=200,             # Table 13
    schedule="step",
    milestones=[60, 120, 160],  # appendix C "divided by 5 at epochs 60, 120 and 160"
    gamma=0.2,
    clip=0.0,               # appendix C / Table 13 state the whole optimiser, no clipping
    augment=True,           # ours: pad-4 crop + flip, Yuan et al.'s CIFAR setup
    precision="fp32",       # ours
    select="valid",         # ours: the paper does not say how the checkpoint is chosen
)
TEXT_DATA = dict(noise_rate=0.0, valid_frac=0.1,   # ours: clean labels; 10% of train for selection (SPEC)
                 max_length=128)                   # ours

LR_HP = dict(               # Table 10 (Tables 11, 12 the same)
    ls={"w": 0.1},                               # "α for LS 0.1"
    tf_reg={"w": 0.5, "a": 0.95, "tau": 1.0},    # "α for ... TF-reg 0.5", "a for TF-reg 0.95", "Temperature 1"
    kd={"w": 0.5, "tau": 1.0},                   # "α for KD, Self-KD ... 0.5", "Temperature 1"
)
LR_HP_RI_SST5 = dict(       # Table 10 "α for KD and TF-reg RI SST-5 0.9"; §4.2.2
    tf_reg={**LR_HP["tf_reg"], "w": 0.9},
    kd={**LR_HP["kd"], "w": 0.9},
)
LABEL_REG_ROWS = {          # Tables 1-3, 7: rows in the paper's order
    "Teacher": Row("ce", models=("teacher",)),   # ours: the teacher is fine-tuned with the student's recipe
    "Finetune": Row("ce"),
    "LS": Row("ls", LR_HP["ls"]),
    "TF-reg": Row("tf_reg", LR_HP["tf_reg"]),
    "Self-KD": Row("self_kd", LR_HP["kd"]),       # eq. 6: nkdlib trains the ce copy itself
    "KD": Row("kd", LR_HP["kd"], teacher="Teacher"),
}
GLUE_COLUMNS = {            # Tables 1-3 column order; caption: "F1 ... MRPC, Matthew's Correlation for CoLA, accuracy ... other"
    "CoLA": dict(task="cola", metric="mcc"),
    "RTE": dict(task="rte", metric="accuracy"),
    "MRPC": dict(task="mrpc", metric="f1"),
    "SST-2": dict(task="sst2", metric="accuracy"),
    "QNLI": dict(task="qnli", metric="accuracy"),
    "MNLI": dict(task="mnli", metric="accuracy"),   # ours: matched dev set; the paper does not say
    "QQP": dict(task="qqp", metric="accuracy"),
}
GPT2_LR = {"CoLA": 1e-5, "RTE": 2e-5, "MRPC": 1e-5, "SST-2": 2e-5, "QNLI": 1e-5, "QQP": 2e-5, "MNLI": 2e-5}  # Table 11
GLUE_SPLITS = {"DEV": "test",   # GLUE dev sets = our test split
               "TEST": None}    # GLUE test labels are hidden
GLUE_NOTES = (
    "The paper does not say how its TEST block was obtained (GLUE test labels are hidden); we report "
    "the DEV block only, on the GLUE dev sets, selecting checkpoints on 10% of train (ours).",
    "Table 10 lists no optimiser, schedule, warm-up, weight decay or clipping: those entries are ours.",
)


def _glue_table(name, source, teacher, student, recipe=LABEL_REG_RECIPE, columns=GLUE_COLUMNS, notes=()):
    return Table(name=name, source=source, models={"teacher": teacher, "student": student},
                 seeds=LABEL_REG_SEEDS,   # captions: "over 5 runs"; appendix A
                 recipe=recipe, data=TEXT_DATA, rows=LABEL_REG_ROWS, columns=columns,
                 splits=GLUE_SPLITS, average="Score", notes=GLUE_NOTES + notes)


SST5 = {"SST-5": dict(task="sst5", metric="accuracy")}      # §4.1.1
ROWS_45 = {k: LABEL_REG_ROWS[k] for k in ("Teacher", "Finetune", "LS", "TF-reg", "KD")}  # Tables 4, 5: no Self-KD
RI = {"pretrained": False}  # §4.2.2 "randomly initialize it (with normal distribution using the built-in Huggingface function)"
ROWS_RI_SST5 = {            # Tables 8 (from scratch), 9
    "Teacher": Row("ce", models=("teacher",)),   # the pre-trained RoBERTa-large (§4.1.1)
    "Base": Row("ce", config=RI),
    "TF-reg": Row("tf_reg", LR_HP_RI_SST5["tf_reg"], config=RI),
    "KD": Row("kd", LR_HP_RI_SST5["kd"], teacher="Teacher", config=RI),
}
DISTILROBERTA = {"teacher": "FacebookAI/roberta-large", "student": "distilbert/distilroberta-base"}  # §3.2, §4.1.1

LABEL_REG = {
    "label_reg.table1": _glue_table("label_reg.table1", "§3.2-3.3, Table 1, Table 10",
                                    "FacebookAI/roberta-large",          # §3.2 "RoBERTa-large"
                                    "distilbert/distilroberta-base"),    # §3.2 "DistilRoBERTa"
    "label_reg.table2": _glue_table("label_reg.table2", "§3.2-3.3, Table 2, Table 10",
                                    "google-bert/bert-large-uncased",    # §3.2 "BERT-large"; ours: uncased, as the student
                                    "prajjwal1/bert-small",              # §3.2 "BERT-small (Turc et al.)": 4 layers, 512 hidden
                                    notes=("BERT-large's casing is not stated; Turc et al.'s BERT-small is uncased, "
                                           "so we take bert-large-uncased.",)),
    "label_reg.table3": _glue_table("label_reg.table3", "§3.2-3.3, Table 3, Table 11",
                                    "openai-community/gpt2",             # §3.2 "the 12-layer GPT-2"
                                    "distilbert/distilgpt2",             # §3.2 "DistilGPT-2"
                                    recipe=LABEL_REG_GPT2_RECIPE,
                                    columns={k: {**c, "lr": GPT2_LR[k]} for k, c in GLUE_COLUMNS.items()},
                                    notes=("Table 11 gives DistilGPT-2's hyper-parameters; the GPT-2 teacher uses "
                                           "them too (ours).",)),
    "label_reg.table4": Table(
        name="label_reg.table4",
        source="§4.1.1, Table 4",
        models=DISTILROBERTA,
        seeds=LABEL_REG_SEEDS,      # §4.1.1 "We ran experiments for 5 seeds"
        recipe=LABEL_REG_RECIPE,    # §4.1.1 "adopted the hyperparameters from our SST-2 experiments"
        data=TEXT_DATA,
        rows=ROWS_45,
        columns=SST5,
        splits={"Accuracy (dev)": "dev",      # SST-5's official dev split
                "Accuracy (test)": "test"},
    ),
    "label_reg.table5": Table(
        name="label_reg.table5",
        source="§4.1.2, Table 5; appendix B",
        models={"teacher": "FacebookAI/roberta-base",           # §4.1.2 "RoBERTa-base (12 layers) as a teacher"
                "student": "distilbert/distilroberta-base"},
        seeds=LABEL_REG_SEEDS,      # appendix B.1: a new data set per seed
        recipe=LABEL_REG_FEWREL_RECIPE,
        data=TEXT_DATA,             # valid_frac unused: appendix B.1's own 500/100/100 split per relation and seed
        rows=ROWS_45,               # Table 12: the same α, a, temperature as Table 10
        columns={"FewRel": dict(task="fewrel", metric="accuracy")},
        splits={"Accuracy (dev)": "valid",    # the per-seed 100-per-relation dev split
                "Accuracy (test)": "test"},
        notes=("FewRel's dev split serves both checkpoint selection and the dev column (the paper does not "
               "say how checkpoints are chosen).",),
    ),
    "label_reg.table6": Table(
        name="label_reg.table6",
        source="§4.2.1, Table 6; appendix C, Table 13",
        models={"student": "resnet18-imagenet"},   # appendix C: torchvision checkpoints; both arms this architecture
        seeds=LABEL_REG_CIFAR_SEEDS,               # caption "over 10 runs"; appendix C
        recipe=LABEL_REG_CIFAR_RECIPE,
        data=dict(task="cifar100", noise_rate=0.0, metric="accuracy",
                  valid_frac=0.1),                 # appendix C "validation set is made up of 10% of the training data"
        rows={
            "Base": Row("ce"),
            "LS": Row("ls", {"w": 0.1}),           # Table 13 "α for LS 0.1"
            "TF-reg": Row("tf_reg", {"w": 0.1,     # Table 13 "α for TF-reg 0.1"
                                     "a": 0.99,    # ours: Yuan et al.'s CIFAR-100 value; Table 13 gives none
                                     "tau": 20.0}),  # Table 13 "Temperature for TF-reg 20"
        },
        columns={"From scratch": dict(pretrained=False), "Pre-trained": dict(pretrained=True)},
        compare={("Base vs LS", ""): ("Base", "LS"),          # §4.2.1: the gap to Base, tested per arm
                 ("Base vs TF-reg", ""): ("Base", "TF-reg")},  # (Wilcoxon, as Table 8)
        notes=(
            "Architecture and inputs of the two arms are not stated. We train torchvision's ResNet-18 in both "
            "arms (random vs ImageNet init) on the same 32x32 CIFAR inputs (pad-4 crop + flip, per-channel "
            "normalisation by the training set), so that only pre-training differs. The paper's from-scratch "
            "77.04 is typical of the CIFAR-style ResNet-18 of Yuan et al., so its arms may have differed.",
        ),
    ),
    "label_reg.table7": Table(
        name="label_reg.table7",
        source="§4.2.2, Table 7",
        models=DISTILROBERTA,       # caption "The teacher is RoBERTa-large"
        seeds=LABEL_REG_SEEDS,      # §4.2.2 "Then we ran experiments for 5 seeds"
        recipe=LABEL_REG_RECIPE,    # §4.2.2 "We used the hyperparameters from the pre-trained experiments"
        data=TEXT_DATA,
        rows={
            "Teacher": LABEL_REG_ROWS["Teacher"],   # pre-trained: Table 7's teacher row repeats Table 1's
            "Base": Row("ce", config=RI),
            "LS": Row("ls", LR_HP["ls"], config=RI),
            "TF-reg": Row("tf_reg", LR_HP["tf_reg"], config=RI),
            "Self-KD": Row("self_kd", LR_HP["kd"], config=RI),   # its ce teacher: the random-init copy (eq. 6)
            "KD": Row("kd", LR_HP["kd"], teacher="Teacher", config=RI),
        },
        columns=GLUE_COLUMNS,
        splits=GLUE_SPLITS,
        average="Score",
        notes=GLUE_NOTES + (
            "Appendix D says different α were used for random init 'on GLUE tasks and SST-5', but Table 10 "
            "lists a random-init α (0.9) only for SST-5 and §4.2.2 says the pre-trained hyper-parameters were "
            "used: we use α = 0.5 here.",
        ),
    ),
    "label_reg.table8": Table(
        name="label_reg.table8",
        source="§4.2.2, Table 8; Table 10",
        models=DISTILROBERTA,       # §4.2.2 "DistilRoBERTa"; the SST-5 teacher of §4.1.1
        seeds=LABEL_REG_SEEDS_8,    # §4.2.2 "over the results of eight random seeds"
        recipe=LABEL_REG_RECIPE,
        data=TEXT_DATA,
        rows={
            "Teacher": Row("ce", models=("teacher",)),
            "Base, pre-trained": Row("ce"),
            "TF-reg, pre-trained": Row("tf_reg", LR_HP["tf_reg"]),
            "KD, pre-trained": Row("kd", LR_HP["kd"], teacher="Teacher"),
            "Base, from scratch": ROWS_RI_SST5["Base"],
            "TF-reg, from scratch": ROWS_RI_SST5["TF-reg"],
            "KD, from scratch": ROWS_RI_SST5["KD"],
        },
        columns=SST5,
        splits={"": "test"},        # caption "over the test results of 8 runs"
        compare={                   # Table 8: (row, column) -> the two rows tested, paired by seed
            ("Base vs TF-reg", "Pre-trained"): ("Base, pre-trained", "TF-reg, pre-trained"),
            ("Base vs KD", "Pre-trained"): ("Base, pre-trained", "KD, pre-trained"),
            ("Base vs TF-reg", "From scratch"): ("Base, from scratch", "TF-reg, from scratch"),
            ("Base vs KD", "From scratch"): ("Base, from scratch", "KD, from scratch"),
        },
    ),
    "label_reg.table9": Table(
        name="label_reg.table9",
        source="§4.2.2, Table 9; Table 10",
        models=DISTILROBERTA,
        seeds=LABEL_REG_SEEDS_8,    # caption "over 8 runs"
        recipe=LABEL_REG_RECIPE,
        data=TEXT_DATA,
        rows=ROWS_RI_SST5,          # the from-scratch runs of Table 8
        columns=SST5,
        splits={"Accuracy (test)": "test"},
    ),
}

# ============================================================================ CMD
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


def _single(method):
    """A self-KD row: one model trained alone (Table 5 "For self distillation, we train single model")."""
    return Row(method, SELF_KD_HP[method], models=("A",))


def _cmd(target, b2, eta=ETA):
    """A CMD row on top of self-KD method `target`; b2 = 0 is CMD-S."""
    return Row("cmd", {"target": target, "target_hp": SELF_KD_HP[target], "eta": eta, "b2": b2},
               models=("A", "B"), value="mean")


TF_KD_REG = Row("tf_reg", {"w": 0.1, "a": 0.99, "tau": 20.0}, models=("A",))  # ours: CMD cites Yuan et al. [5] without values; label-reg Table 13's
KDCL = Row("kdcl", {"w": 0.5}, models=("A", "B"), value="mean")               # ours: no weight given
SYNC_MKD = Row("sync_mkd", {"eps": 0.5, "target": "ce", "target_hp": {}},     # eq. 3; ours: ε not given
               models=("A", "B"), value="mean")
MKD_ROWS = {    # Tables 5 and 6, in the paper's order
    "CE": _single("ce"),
    "Tf-KD_reg": TF_KD_REG,
    "ProSelfLC": _single("proselflc"),
    "Mconf": _single("mconf"),
    "KDCL": KDCL,
    "SyncMKD": SYNC_MKD,
    "CMD-P+ProSelfLC": _cmd("proselflc", B2),
    "CMD-P+Mconf": _cmd("mconf", B2),
}
SYMMETRIC = {f"Symmetric {r:.0%}": dict(noise="symmetric", noise_rate=r)
             for r in (0.2, 0.4, 0.6, 0.8)}   # §5.1 "The noise rates are set to 20%, 40%, 60%, and 80%"
R34 = {"A": "resnet34", "B": "resnet34"}      # Tables 1, 3, 5, 7 and Figs. 3, 4: ResNet34 (Table 7 text, Fig. 3)

CMD = {
    "cmd.table1": Table(
        name="cmd.table1",
        source="§5.1.1, Table 1",
        models=R34,                 # caption "using ResNet34"
        seeds=CMD_SEEDS,
        recipe=CMD_RESNET34,
        data=CMD_DATA,              # caption "The symmetric label noise rate is 40%"
        rows={                      # "Distilled Knowledge", §4.2's special cases
            "Zero": Row("cmd", {"eta": float("inf"), "b2": 0.0}, models=("A", "B"), value="mean"),  # η = +∞ -> χ = 0
            "All": Row("cmd", {"eta": 1.0, "b2": 0.0}, models=("A", "B"), value="mean"),            # η ∈ (0, 1] -> χ ≥ H(u)
            "CMD-S": Row("cmd", {"eta": ETA, "b2": 0.0}, models=("A", "B"), value="mean"),
            "CMD-P": Row("cmd", {"eta": ETA, "b2": B2}, models=("A", "B"), value="mean"),
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
    ),
    "cmd.table3": Table(
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
            "CMD-S+ProselfLC": _cmd("proselflc", 0.0),
            "CMD-P+ProselfLC": _cmd("proselflc", B2),
            "Mconf": _single("mconf"),
            "CMD-S+Mconf": _cmd("mconf", 0.0),
            "CMD-P+Mconf": _cmd("mconf", B2),
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
    ),
    "cmd.table5": Table(
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
    ),
    "cmd.table6": Table(
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
    ),
    "cmd.table7": Table(
        name="cmd.table7",
        source="§5.4.2, Table 7",
        models=R34,                 # Table 7 "We train on CIFAR-100 using ResNet-34"
        seeds=CMD_SEEDS,
        recipe=CMD_RESNET34,
        data=CMD_DATA,
        rows={f"{label} (η = {eta:g})": _cmd("proselflc", 0.0, eta)      # CMD-S; target ours (see notes)
              for label, eta in (("H(u)", 1.0), ("1/2 H(u)", 2.0), ("1/3 H(u)", 3.0), ("1/4 H(u)", 4.0))},
        columns=SYMMETRIC,
        notes=(
            "Table 7 names no self-KD method, and its cells repeat other tables' numbers from different settings: "
            "40% η=1 = Table 1 All/ProSelfLC (59.26), η=2 = Table 1 Zero/Mconf (65.04), η=4 = Table 1 "
            "CMD-S/ProSelfLC (67.26); 20% η=2 = Table 3 CMD-S+ProselfLC (72.11), η=4 = Table 4's ResNet-50 "
            "CMD-P+ProselfLC (73.25). We read it as CMD-S + ProSelfLC on ResNet-34.",
            "The η = 3 row has no numbers in the paper; we run it.",
            "§5.4.2 concludes 'a smaller η is better', but Table 7 and Fig. 4b show larger η (lower χ) is better.",
        ),
    ),
    "cmd.figure2": Table(
        name="cmd.figure2",
        source="§4.2, Fig. 2",
        models=R34,                 # ours: the caption names no network
        seeds=CMD_SEEDS,
        recipe=CMD_RESNET34,
        data=CMD_DATA,              # ours: 40% symmetric, as Table 1
        rows={"CMD-S": _cmd("proselflc", 0.0), "CMD-P": _cmd("proselflc", B2)},  # caption "with η = 2"; rest ours
        columns={"Passed": {}},
        measure="history: passed_a2b + passed_b2a",   # caption: "from A to B and that from B to A"
        notes=("Only η = 2 and CIFAR-100 are stated; network, noise, self-KD method and b2 values are ours.",),
    ),
    "cmd.figure3": Table(
        name="cmd.figure3",
        source="§5.3, Fig. 3",
        models=R34,                 # caption "using ResNet34"
        seeds=CMD_SEEDS,
        recipe=CMD_RESNET34,
        data=CMD_DATA,              # caption "40% symmetric noisy labels"
        rows={"CE": _single("ce"), "CMD-P+CE": _cmd("ce", B2),     # §5.3 "CMD-P dramatically boosts CE, ProselfLC and Mconf"
              "ProSelfLC": _single("proselflc"), "CMD-P+ProSelfLC": _cmd("proselflc", B2),
              "Mconf": _single("mconf"), "CMD-P+Mconf": _cmd("mconf", B2)},
        columns={"Test accuracy": {}},
        measure="history: test_metric",
    ),
    "cmd.figure4a": Table(
        name="cmd.figure4a",
        source="§5.4.1, Fig. 4a",
        models=R34,                 # ours: as Table 7 ("ResNet-34")
        seeds=CMD_SEEDS,
        recipe=CMD_RESNET34,
        data=CMD_DATA,
        rows={f"b2 = {b2:g}": _cmd("proselflc", b2) for b2 in B2_GRID},   # "We fix η = 2"; target ours
        columns=SYMMETRIC,          # "for different noise rates"; ours: §5.1's four symmetric rates
    ),
    "cmd.figure4b": Table(
        name="cmd.figure4b",
        source="§5.4.1-5.4.2, Fig. 4b",
        models=R34,                 # ours: as Table 7
        seeds=CMD_SEEDS,
        recipe=CMD_RESNET34,
        data={**CMD_DATA, "noise_rate": 0.6},   # "We fix the symmetric noise rate r = 60%"
        rows={f"b2 = {b2:g}": _cmd("proselflc", b2) for b2 in B2_GRID},   # target ours
        columns={f"η = {eta:g}": {"hp": {"eta": eta}} for eta in (2.0, 3.0, 4.0)},
        # §5.4.2 names three lines: "green (η = 4)", "blue (η = 3)", "red (η = 2)"
    ),
}

TABLES = {**NOISY_KD, **LABEL_REG, **CMD}
