"""Kobyzev et al., *Do we need label regularization to fine-tune pre-trained language
models?* (shared/papers/label-regularization-plm.txt): notebooks 02 (§2-3) and 03 (§4),
in one place.

- the protocol (`tables`): Tables 1-9 exactly as the paper states them, every value with
  its source (§, Table, appendix) or `# ours: <why>`;
- the profiles: how smoke and small change those tables (nkdlib.papers.table.scaled): PROFILES,
  paper-wide; each table's own entries and the profiles that render it: Table.profiles.

A table's own entry replaces the paper-wide entry of the same key as a whole (a table's
`recipe` is not merged into the paper-wide `recipe`), so Table 6, the one vision table,
states all of its models, seeds, recipe and data.

Table 6's offline stand-in (both profiles): ImageNet weights and CIFAR-100 are not
offline, so a CIFAR ResNet-18 is pre-trained with CE on CIFAR-10 classes 0-4 (airplane,
automobile, bird, cat, deer; one run, `save_model`, as one ImageNet checkpoint serves
every seed in the paper) and both arms are trained on classes 5-9 (dog, frog, horse, ship,
truck) with the same architecture, inputs and recipe: "Pre-trained" starts from the
pre-trained backbone (`init_from`; the classifier head is fresh, as when ImageNet's head
is replaced), "From scratch" from a random initialisation.

smoke: every path of notebooks 02 and 03 on tiny subsets (a random 2-layer BERT for 2
epochs, a 1/16-width ResNet-18 for 3, 2 seeds; Table 1 and 7 on RTE only, Table 7 with one
seed); numbers are meaningless (the text models predict one class; the vision runs differ
enough for the Wilcoxon test to run). Under a minute per notebook on the shared 2-core CPU.

small: the paper's central claims on a 2-core CPU, each notebook in about 90 minutes with
workers=2 (one thread per run); the arithmetic is in each notebook's introduction. The
paper's seeds: 5 for Tables 1-5, 8 for Tables 8-9 (the Wilcoxon test); Table 6 the first
8 of appendix C's 10.
- Text: the offline pretrained MiniLM-L6 teacher (`minilm`) and its 3-layer student
  (`minilm-l3`, layers 0, 2, 4 of the teacher), 2000 training examples (1800 train +
  200 valid; FewRel: 125 + 25 per relation), the whole evaluation split, max length 64,
  3 epochs at lr 3e-4 with bf16 autocast. lr 3e-4, not the paper's 2e-5 (1.5e-5 on
  FewRel): the runs are a hundred times shorter than the paper's, and a random-init
  student must learn in them (measured on SST-5, seed 42, 2250 texts, 3 epochs: random
  init reaches 35% at 3e-4 and stays at chance at 1e-4; pre-trained reaches 44% at
  either). Notebook 02: Tables 1 (SST-2 only: the offline GLUE task a 3-layer student
  learns well from 1800 examples; Tables 2 and 3 would repeat Table 1, as offline there
  is one teacher/student pair), 4 (SST-5) and 5 (FewRel, 16 relations offline).
  Notebook 03: Tables 8 and 9 (Table 9 is Table 8's from-scratch runs); Table 7 (GLUE
  from random init, no test) is left out.
- Vision (Table 6): ResNet-18 at 1/8 width, 2500 training images of classes 5-9 (2250 +
  250 valid), 2000 of their test images, 40 epochs with the paper's step schedule shape
  (lr 0.1, x0.2 at epochs 20 and 30), bf16. Trained to convergence, as the paper's 200
  epochs are: measured on 2 seeds, 15 epochs on 3600 images left the CE loss at 0.7 and
  LS = Base. The last epoch is reported (select="last"): with the step schedule it is
  the converged model, and a 250-image valid split would add more selection noise than
  the gap being tested. The pre-training: all 25000 images of classes 0-4 (22500 + 2500
  valid), 15 epochs, lr x0.2 at 8 and 12.
Tables 4 and 8 share runs: Table 8's first 5 seeds are Table 4's, and its pre-trained
Base, TF-reg and KD cells are Table 4's Finetune, TF-reg and KD, so after notebook 02,
notebook 03 reuses 20 of its 56 SST-5 runs.
"""

import dataclasses

from .table import Claim, Row, Table, by_name

PAPER = "label_reg"   # the prefix of its table names
KNOBS = {}   # no hyper-parameter of this paper is a notebook parameter beyond the generic ones
KNOB_AXES = {}

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


def _glue_table(name, source, teacher, student, recipe=LABEL_REG_RECIPE, columns=GLUE_COLUMNS, notes=(),
                profiles=None):
    """Tables 1-3 (notebook 02); profiles: Table.profiles beyond the paper profile's."""
    return Table(name=name, source=source, models={"teacher": teacher, "student": student},
                 seeds=LABEL_REG_SEEDS,   # captions: "over 5 runs"; appendix A
                 recipe=recipe, data=TEXT_DATA, rows=LABEL_REG_ROWS, columns=columns,
                 splits=GLUE_SPLITS, average="Score", notes=GLUE_NOTES + notes,
                 notebook=GLUE_NOTEBOOK, profiles={"paper": {}, **(profiles or {})})


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
CIFAR_DATA = dict(task="cifar100", noise_rate=0.0, metric="accuracy",
                  valid_frac=0.1)   # appendix C "validation set is made up of 10% of the training data"
GLUE_NOTEBOOK, PLM_NOTEBOOK = "02_teacher_free_regularization", "03_pretrained_vs_scratch"   # §2-3, §4


PRETRAIN_CLASSES = [0, 1, 2, 3, 4]   # CIFAR-10 airplane, automobile, bird, cat, deer
FINETUNE_CLASSES = [5, 6, 7, 8, 9]   # CIFAR-10 dog, frog, horse, ship, truck


def standin(seeds, recipe, data, pretrain):
    """Table 6's profile entry for the offline stand-in: a CIFAR ResNet-18 (width in `data`)
    on CIFAR-10 classes 5-9, "Pre-trained" initialised from a CE run on classes 0-4 made
    with the same protocol recipe, profile recipe and data. recipe, data: Table 6's replaced
    entries; pretrain: the pre-training run's own entries (max_train, epochs, milestones).
    `init_from` holds the pre-training run's config entries (nkdlib.jobs makes its config)."""
    data = {**data, "task": "cifar10"}
    pre = {**LABEL_REG_CIFAR_RECIPE, **CIFAR_DATA, **recipe, **data, **pretrain, "seed": seeds[0],
           "models": ["resnet18"], "pretrained": False, "method": "ce", "classes": PRETRAIN_CLASSES,
           "save_model": True}
    return dict(models={"student": "resnet18"}, seeds=seeds, recipe=recipe,
                data={**data, "classes": FINETUNE_CLASSES},
                column_entries={"Pre-trained": {"init_from": pre, "pretrained": False},
                                "From scratch": {"pretrained": False}})


SMOKE_TEXT = dict(max_train=96, max_test=64, max_length=32)
SMALL_TEXT = dict(max_train=2000,   # 1800 train + 200 valid (FewRel: 2000 + 400 of its own dev split)
                  max_test=None,    # the whole evaluation split: SST-2 872, SST-5 2210, FewRel 1600
                  max_length=64)


LABEL_REG = by_name(
    _glue_table("label_reg.table1", "§3.2-3.3, Table 1, Table 10",
                                    "FacebookAI/roberta-large",          # §3.2 "RoBERTa-large"
                                    "distilbert/distilroberta-base",     # §3.2 "DistilRoBERTa"
                                    profiles=dict(smoke=dict(columns=("RTE",)),   # a sentence-pair task; SST-5 and
                                                  small=dict(columns=("SST-2",)))),   # FewRel are single texts
    _glue_table("label_reg.table2", "§3.2-3.3, Table 2, Table 10",
                                    "google-bert/bert-large-uncased",    # §3.2 "BERT-large"; ours: uncased, as the student
                                    "prajjwal1/bert-small",              # §3.2 "BERT-small (Turc et al.)": 4 layers, 512 hidden
                                    notes=("BERT-large's casing is not stated; Turc et al.'s BERT-small is uncased, "
                                           "so we take bert-large-uncased.",)),
    _glue_table("label_reg.table3", "§3.2-3.3, Table 3, Table 11",
                                    "openai-community/gpt2",             # §3.2 "the 12-layer GPT-2"
                                    "distilbert/distilgpt2",             # §3.2 "DistilGPT-2"
                                    recipe=LABEL_REG_GPT2_RECIPE,
                                    columns={k: {**c, "lr": GPT2_LR[k]} for k, c in GLUE_COLUMNS.items()},
                                    notes=("Table 11 gives DistilGPT-2's hyper-parameters; the GPT-2 teacher uses "
                                           "them too (ours).",)),
    Table(
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
        notebook=GLUE_NOTEBOOK,
        profiles=dict(paper={}, smoke={}, small={}),
    ),
    Table(
        name="label_reg.table5",
        source="§4.1.2, Table 5; appendix B",
        models={"teacher": "FacebookAI/roberta-base",           # §4.1.2 "RoBERTa-base (12 layers) as a teacher"
                "student": "distilbert/distilroberta-base"},
        seeds=LABEL_REG_SEEDS,      # appendix B.1: a new data set per seed
        recipe=LABEL_REG_FEWREL_RECIPE,
        data=TEXT_DATA,             # valid_frac unused: appendix B.1's own 500/100/100 split per relation and seed
        rows=ROWS_45,               # Table 12: the same α, a, temperature as Table 10
        columns={"FewRel": dict(task="fewrel", metric="accuracy",
                                data_source="train_wiki")},   # appendix B.1: the 64 training relations
        splits={"Accuracy (dev)": "valid",    # the per-seed 100-per-relation dev split
                "Accuracy (test)": "test"},
        notes=("FewRel's dev split serves both checkpoint selection and the dev column (the paper does not "
               "say how checkpoints are chosen).",),
        notebook=GLUE_NOTEBOOK,
        profiles=dict(paper={}, smoke=dict(column_entries={"FewRel": {"data_source": None}}),  # val_wiki: 16
                      small=dict(column_entries={"FewRel": {"data_source": None}})),         # relations offline
    ),
    Table(
        name="label_reg.table6",
        source="§4.2.1, Table 6; appendix C, Table 13",
        models={"student": "resnet18-imagenet"},   # appendix C: torchvision checkpoints; both arms this architecture
        seeds=LABEL_REG_CIFAR_SEEDS,               # caption "over 10 runs"; appendix C
        recipe=LABEL_REG_CIFAR_RECIPE,
        data=CIFAR_DATA,
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
        notebook=PLM_NOTEBOOK,
        profiles=dict(
            paper={},
            smoke=standin(seeds=(0, 1), recipe=dict(epochs=3, lr=0.1, batch_size=32, milestones=[2]),
                          data=dict(max_train=256, max_test=200, width=0.0625), pretrain=dict(max_train=256)),
            small=standin(seeds=LABEL_REG_CIFAR_SEEDS[:8],
                          recipe=dict(epochs=40, milestones=[20, 30], precision="bf16", select="last"),
                          data=dict(max_train=2500, max_test=2000, width=0.125),
                          pretrain=dict(max_train=None, epochs=15, milestones=[8, 12])),
            # One GPU and an afternoon: the stand-in on all of CIFAR-10 (25,000 images of classes 5-9;
            # pre-training on the 25,000 of classes 0-4), full-width ResNet-18, the paper's recipe (200
            # epochs) and its 10 seeds; the text tables need the paper's models (network).
            gpu=standin(seeds=LABEL_REG_CIFAR_SEEDS, recipe=dict(precision="bf16", select="last"),
                        data=dict(max_train=None, max_test=None, width=1.0),
                        pretrain=dict(max_train=None, epochs=60, milestones=[30, 45]))),
    ),
    Table(
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
        notebook=PLM_NOTEBOOK,
        profiles=dict(paper={}, smoke=dict(columns=("RTE",), seeds=(0,))),   # shares Table 1's RTE teacher (seed 0)
    ),
    Table(
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
        notebook=PLM_NOTEBOOK,
        profiles=dict(paper={}, smoke={}, small={}),
    ),
    Table(
        name="label_reg.table9",
        source="§4.2.2, Table 9; Table 10",
        models=DISTILROBERTA,
        seeds=LABEL_REG_SEEDS_8,    # caption "over 8 runs"
        recipe=LABEL_REG_RECIPE,
        data=TEXT_DATA,
        rows=ROWS_RI_SST5,          # the from-scratch runs of Table 8
        columns=SST5,
        splits={"Accuracy (test)": "test"},
        notebook=PLM_NOTEBOOK,
        profiles=dict(paper={}, smoke={}, small={}),
    ),
)


# ours: what bf16 changes. Table 1's SST-2 Finetune runs (bf16 in `small`) beside the same runs in fp32,
# paired by seed: the numbers a user gets with `-p precision fp32` on a CPU without native bf16
# (nkdlib.cpu), and fp32 runs that any CPU recomputes on its native kernels (tests/test_results.py).
LABEL_REG.update(by_name(dataclasses.replace(
    LABEL_REG["label_reg.table1"], name="label_reg.precision", source="ours: Table 1's Finetune in bf16 and fp32",
    rows={"Finetune": LABEL_REG_ROWS["Finetune"]}, average=None,
    columns={f"SST-2, {p}": {**GLUE_COLUMNS["SST-2"], "precision": p} for p in ("bf16", "fp32")},
    notes=("Each column sets its precision, whatever the profile's.",), profiles={"small": {}})))


def tables() -> dict:
    """Tables 1-9 (and our precision table) by name (this paper has no knobs)."""
    return LABEL_REG


PROFILES = {   # profile -> the paper-wide entry (each table's own, e.g. Table 6's stand-in: Table.profiles)
    "smoke": dict(models={"teacher": "tiny-bert", "student": "tiny-bert"}, seeds=(0, 1),
                  recipe=dict(epochs=2, lr=1e-3, batch_size=16), data=SMOKE_TEXT),
    "small": dict(models={"teacher": "minilm", "student": "minilm-l3"},   # the paper's seeds: 5, Tables 8-9 8
                  recipe=dict(epochs=3, lr=3e-4, precision="bf16"), data=SMALL_TEXT),
}

# The paper's claims, judged by nkdlib.report.verdict on each notebook's cells (test split, points),
# with the paper's effects from its own tables: (method, baseline) as the paper reports them. A profile
# that does not run a claim's table, rows or cells leaves the claim (or those rows, cells) out.
TABLE1_SST2_DEV = {"Finetune": 92.43, "LS": 92.75, "TF-reg": 92.68, "Self-KD": 92.43, "KD": 92.73}   # Table 1, DEV, SST-2
TABLE4_TEST = {"Finetune": 54.43, "LS": 53.96, "TF-reg": 53.93, "KD": 54.14}   # Table 4, Accuracy (test)
TABLE5_TEST = {"Finetune": 86.28, "LS": 86.22, "TF-reg": 86.26, "KD": 86.41}   # Table 5, Accuracy (test)
TABLE6 = {"From scratch": {"Base": 77.04, "LS": 78.01, "TF-reg": 78.16},   # Table 6 (stds 0.20-0.28 over 10 runs)
          "Pre-trained": {"Base": 78.17, "LS": 78.67, "TF-reg": 78.94}}
TABLE9 = {"Base": 38.65, "TF-reg": 40.02, "KD": 41.18}   # Table 9: from scratch, SST-5 test, 8 runs


def _against(values: dict, base: str, rows, suffix: str = "") -> dict:
    """{row + suffix: (the paper's value of row, of base)} for Claim.paper."""
    return {row + suffix: (values[row], values[base]) for row in rows}


CLAIMS = [   # each judged by the notebook that renders its table
    # §3.3: "all the TF regularization techniques perform slightly worse than Finetune ... KD ... comparable
    # with Finetune up to one standard deviation" (Table 1; its DEV block is the GLUE dev set, our test split)
    Claim("SST-2: no method beats Finetune (Table 1)", "no gap", ("LS", "TF-reg", "Self-KD", "KD"), "Finetune",
          paper=_against(TABLE1_SST2_DEV, "Finetune", ("LS", "TF-reg", "Self-KD", "KD")), cells="SST-2",
          table="label_reg.table1"),
    # §4.1.1: "the gap between fine-tuning and TF/KD is not observed" (Table 4)
    Claim("SST-5: no method beats Finetune (Table 4)", "no gap", ("LS", "TF-reg", "KD"), "Finetune",
          paper=_against(TABLE4_TEST, "Finetune", ("LS", "TF-reg", "KD")), cells="SST-5", table="label_reg.table4"),
    # §4.1.2: "all the methods perform similarly up to one standard deviation" (Table 5)
    Claim("FewRel: no method beats Finetune (Table 5)", "no gap", ("LS", "TF-reg", "KD"), "Finetune",
          paper=_against(TABLE5_TEST, "Finetune", ("LS", "TF-reg", "KD")), cells="FewRel",
          table="label_reg.table5"),
    # §4.2.1: "for the unpretrained model the standard deviation intervals between base training and label
    # regularization don't intersect and the gap is reasonably large" (Table 6)
    Claim("vision, from scratch: LS and TF-reg beat Base (Table 6)", "greater", ("LS", "TF-reg"), "Base",
          paper=_against(TABLE6["From scratch"], "Base", ("LS", "TF-reg")), cells="From scratch",
          table="label_reg.table6"),
    # §4.2.1: "the gap diminishes notably for the pre-trained model" (Table 6: smaller, yet apart)
    Claim("vision, pre-trained: LS and TF-reg beat Base by less (Table 6)", "greater", ("LS", "TF-reg"), "Base",
          paper=_against(TABLE6["Pre-trained"], "Base", ("LS", "TF-reg")), cells="Pre-trained",
          table="label_reg.table6"),
    # §4.2.2, Table 8 "Pre-trained": Wilcoxon p = 0.46 (TF-reg), 0.94 (KD), "no statistically significant
    # difference". Table 8 gives no accuracies: the effects shown are Table 4's (the same setting, 5 seeds).
    Claim("SST-5, pre-trained: no gap to Base (Table 8)", "no gap", ("TF-reg, pre-trained", "KD, pre-trained"),
          "Base, pre-trained", paper={"TF-reg, pre-trained": (TABLE4_TEST["TF-reg"], TABLE4_TEST["Finetune"]),
                                      "KD, pre-trained": (TABLE4_TEST["KD"], TABLE4_TEST["Finetune"])},
          cells="SST-5", test="wilcoxon", table="label_reg.table8"),
    # §4.2.2, Table 8 "From scratch": Wilcoxon p = 0.01 for both, "the difference becomes statistically
    # significant"; the effects: Table 9's accuracies (the same runs)
    Claim("SST-5, from scratch: TF-reg and KD beat Base (Tables 8, 9)", "greater",
          ("TF-reg, from scratch", "KD, from scratch"), "Base, from scratch",
          paper=_against(TABLE9, "Base", ("TF-reg", "KD"), ", from scratch"), cells="SST-5", test="wilcoxon",
          table="label_reg.table8"),
]
