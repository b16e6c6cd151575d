"""Bhardwaj et al., *Knowledge Distillation with Noisy Labels for Natural Language
Understanding* (shared/papers/noisy-kd-nlu.md): notebook 01, in one place.

- the protocol (`tables`): Table 1 and Fig. 2 exactly as the paper states them, every value
  with its source (§, Table) or `# ours: <why>`; `tables(**knobs)` rebuilds them with the
  parameters a notebook varies (KNOBS);
- our diagnosis runs (`diagnosis`), as tables over Table 1: the noise reading, Vanilla's w
  beyond its grid, when CD+LR refines; and what a refinement did (`refinement`);
- the profiles: how smoke and small change those tables (nkdlib.papers.table.scaled): PROFILES,
  paper-wide; each table's own entries and the profiles that render it: Table.profiles.

smoke: every path of notebook 01 (the 0% block's reduced rows, a noisy block with CD,
CD+LR, Self-DSTL and the Vanilla grid, a sentence task and a pair task, Fig. 2's step
log) in about a minute on CPU. eval_steps is set for Table 1 too, so that Fig. 2's runs
are Table 1's 50% SST-2 runs and cost nothing extra.

small: the paper's claims on a 2-core CPU in about 90 minutes (workers=2, one thread
per run): the pretrained MiniLM-L6 teacher and its 3-layer student, SST-2 only (the only
Fig. 2 task offline; the one where a small model learns enough for noise to matter),
2000 training sentences, all three noise levels (the "most at 50%" claim needs 25%),
3 seeds, 4 epochs (label refinement after 2, as §3.2, then 2 more). Self-DSTL is left
out (no claim rests on it). Fig. 2 runs on one seed with a dev-loss log every 10 steps.
Cost arithmetic: notebook 01's introduction.
"""

import dataclasses

from .table import Claim, Row, Table, by_name

PAPER = "noisy_kd"   # the prefix of its table names

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
    noise="symmetric",      # §4.1 "randomly changing the original labels"; footnote 2, §4.4: 50% is "the max for binary classification" (flips)
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
REFINE_EPOCH = 2            # §3.2 "We train both teacher and student with Co-Distill for 2 epochs"
VANILLA_W_GRID = (0.2, 0.5, 0.8)   # §4.2 "best performing α value for each task"; ours: the grid
KNOBS = {   # notebook parameter -> (default, what it changes)
    "vanilla_w_grid": (VANILLA_W_GRID, "Vanilla KD's w grid (w = 1 - α), best on the noisy valid split"),
    "refine_epoch": (REFINE_EPOCH, "CD+LR: epochs of Co-Distill before label refinement"),
}
KNOB_AXES = {}   # no knob rebuilds a table's rows or columns
NOTEBOOK = "01_noisy_glue_kd"   # renders every table of this paper
SMOKE_TEXT = dict(max_train=160, max_test=64, max_length=32, eval_steps=2)
SMALL_TEXT = dict(max_train=2000,   # 1800 train + 200 noisy valid (§4.1's 10%)
                  max_test=None,    # the whole SST-2 dev set (872): ±1.4 points per run
                  max_length=64)    # SST-2 sentences are short; batches are padded to their longest


def tables(vanilla_w_grid=VANILLA_W_GRID, refine_epoch=REFINE_EPOCH) -> dict:
    """Table 1 and Fig. 2 by name, with the given knob values (defaults: the protocol)."""
    cd_lr_hp = {**CD_HP, "refine_epoch": refine_epoch,
                "trees": 100}        # ours: scikit-learn's default; §4.3 names a Random Forest only
    rows = {   # Table 1, rows in the paper's order (teachers above the dashed line)
        "BERT-base": Row("ce", models=("teacher",)),
        "with CD": Row("co_distill", CD_HP, models=("teacher", "student"), value="model 0"),
        "with CD+LR": Row("co_distill_lr", cd_lr_hp, models=("teacher", "student"), value="model 0"),
        "w/o KD": Row("ce"),
        "Self-DSTL": Row("self_dstl", {"w": 0.5,          # ours: not given
                                       "warm_epochs": 2}),  # §4.2 "for few epochs on hard labels"; ours: 2, as LR
        "Vanilla": Row("kd_sym", {"w": 0.5}, teacher="BERT-base", grid={"w": tuple(vanilla_w_grid)}),
        "CD": Row("co_distill", CD_HP, models=("teacher", "student"), value="model 1"),
        "CD+LR": Row("co_distill_lr", cd_lr_hp, models=("teacher", "student"), value="model 1"),
    }
    out = by_name(
        Table(
            name="noisy_kd.table1",
            source="§4, Table 1",
            models=NOISY_KD_MODELS,
            seeds=NOISY_KD_SEEDS,
            recipe=NOISY_KD_RECIPE,
            data=NOISY_KD_DATA,
            rows=rows,
            columns=GLUE7,
            blocks={"0%": dict(noise_rate=0.0), "25%": dict(noise_rate=0.25), "50%": dict(noise_rate=0.5)},  # Table 1; §4.1
            block_rows={"0%": ("BERT-base", "w/o KD", "Vanilla")},   # Table 1's clean block has these three only
            splits={"": "test"},    # "Performances on GLUE dev sets" = our test split
            average="Avg.",
            notes=(
                "Noise: symmetric, every chosen label flipped to another class. §4.1's 'randomly changing the "
                "original labels' (after Jiang et al. 2018) could also read as uniform noise (a chosen label may "
                "stay), but footnote 2 and §4.4 call 50% 'the max for binary classification', true only of flips, "
                "and w/o KD at 50% is at chance on every binary task the paper reports. Our reading comparison "
                "(noisy_kd.noise_reading) finds symmetric closer by its criterion on both tasks. "
                "`-p noise uniform` gives the other reading.",
                "The paper gives no optimiser, lr, batch size, epochs or seed values: all of NOISY_KD_RECIPE is ours.",
                "§4.3 tunes hyper-parameters 'for all models' without naming them; we tune only Vanilla's α (§4.2).",
            ),
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke={}, small={}),
        ),
        Table(
            name="noisy_kd.figure2",
            source="§4.4, Fig. 2",
            models=NOISY_KD_MODELS,
            seeds=NOISY_KD_SEEDS,
            recipe=NOISY_KD_RECIPE,
            data={**NOISY_KD_DATA,
                  "noise_rate": 0.5,    # Fig. 2 "trained on 50% of noisy labels"
                  "eval_steps": 100},   # ours: "losses on dev sets at early steps"; no interval given
            rows={k: rows[k] for k in ("BERT-base", "Vanilla", "CD", "CD+LR")},
            block_rows={"": ("Vanilla", "CD", "CD+LR")},   # Fig. 2 "for Vanilla KD, CD, and CD+LR"; BERT-base: Vanilla's teacher
            columns={k: GLUE7[k] for k in ("MNLI", "QNLI", "MRPC", "SST-2")},
            measure="steps: test_loss",   # the student's loss on the GLUE dev set
            notes=("'4 GLUE tasks' are not listed; MNLI, QNLI, MRPC and SST-2 are the ones §4.4 discusses.",),
            notebook=NOTEBOOK,
            profiles=dict(paper={}, smoke=dict(columns=("SST-2",), data=SMOKE_TEXT, blocks=None),  # None: its one block ""
                          small=dict(seeds=(0,), data={**SMALL_TEXT, "eval_steps": 10})),   # 22 points over 228 steps
        ),
    )
    return {**out, **diagnosis(out["noisy_kd.table1"], vanilla_w_grid)}


READINGS = ("uniform", "symmetric")   # the two readings of §4.1's noise (nkdlib.noise)
# §4.1 / Table 1, w/o KD: the drops (points) from 0% to 25% and to 50% noise that a reading must match
PAPER_DROPS = {"SST-2": (-0.9, -36.3), "CoLA": (-12.2, -43.0)}


REFINE_EPOCHS = (1, 2, 3)    # ours: refinement after 1, 2 (§3.2) or 3 epochs of CD ...
REFINE_RUN_EPOCHS = 6        # ... in runs long enough that 3 or more epochs follow it
W_BEYOND = (0.9, 1.0)        # ours: Vanilla's w past the grid's edge, 0.8 (w = 1: the teacher alone)


def diagnosis(t1: Table, vanilla_w_grid=VANILLA_W_GRID) -> dict:
    """Our runs (not the paper's) over Table 1 `t1`, by name:
    - noise_reading: which noise reading the paper's numbers fit: w/o KD on SST-2 and CoLA
      under both readings at 25% and 50%; the 0% block is one run under either reading (a
      run at rate 0 has no noise kind);
    - vanilla_w: Vanilla KD at every w of its grid and beyond it (W_BEYOND);
    - refine_timing: CD+LR refining after REFINE_EPOCHS epochs, paired by seed with CD, in
      runs of REFINE_RUN_EPOCHS epochs at the highest noise."""
    blocks = {"0%": dict(noise_rate=0.0),
              **{f"{kind} {rate:.0%}": dict(noise=kind, noise_rate=rate) for kind in READINGS for rate in (0.25, 0.5)}}
    reading = dataclasses.replace(
        t1, name="noisy_kd.noise_reading", source="ours: w/o KD under both noise readings (§4.1, footnote 2, §4.4)",
        rows={k: t1.rows[k] for k in ("w/o KD",)}, columns={k: t1.columns[k] for k in ("SST-2", "CoLA")},
        blocks=blocks, block_rows={}, average=None,
        notes=("Criterion, fixed before the runs: per task, the reading whose w/o-KD drops from 0% to 25% and to 50% "
               "come closer to the paper's (PAPER_DROPS); a reading fits a task when its 50% drop is within half of "
               "the paper's, |ours - paper| <= |paper| / 2.",),
        profiles={"small": dict(columns=("SST-2", "CoLA"))})   # RTE's 277 dev sentences cannot separate them
    vanilla = t1.rows["Vanilla"]
    ws = tuple(sorted({*vanilla_w_grid, *W_BEYOND}))
    vanilla_w = dataclasses.replace(
        t1, name="noisy_kd.vanilla_w", source="ours: Vanilla KD at each w, its grid and beyond",
        rows={"BERT-base": t1.rows["BERT-base"],
              **{f"w = {w:g}": dataclasses.replace(vanilla, hp={**vanilla.hp, "w": w}, grid={}) for w in ws}},
        block_rows={b: tuple(f"w = {w:g}" for w in ws) for b in t1.blocks}, average=None,
        notes=("Each w's own runs (the grid's points are Table 1's Vanilla runs); w = 1 drops the noisy labels "
               "from the loss.",),
        profiles={"small": dict(rows=None)})   # None: all its rows (the paper-wide entry names Table 1's)
    cd, cd_lr = t1.rows["CD"], t1.rows["CD+LR"]
    timing = dataclasses.replace(
        t1, name="noisy_kd.refine_timing", source="ours: when CD+LR refines the labels (§3.2: after 2 epochs)",
        recipe={**t1.recipe, "epochs": REFINE_RUN_EPOCHS},
        rows={"CD": cd, **{f"CD+LR, refine after {e}": dataclasses.replace(cd_lr, hp={**cd_lr.hp, "refine_epoch": e})
                           for e in REFINE_EPOCHS}},
        blocks={"50%": t1.blocks["50%"]}, block_rows={}, average=None,
        notes=(f"{REFINE_RUN_EPOCHS} epochs, so that refinement after {max(REFINE_EPOCHS)} epochs still has "
               f"{REFINE_RUN_EPOCHS - max(REFINE_EPOCHS)} after it; CD is the same run until the refinement.",),
        profiles={"small": dict(rows=None, recipe=dict(epochs=REFINE_RUN_EPOCHS, lr=1e-4, precision="bf16"))})
    return {t.name: t for t in (reading, vanilla_w, timing)}


REFINEMENT = {   # history column (the refinement epoch's row of a CD+LR run) -> its label; % where scaled
    "lr_precision": "precision (%)",    # flagged labels that the noise changed
    "lr_recall": "recall (%)",          # labels the noise changed that were flagged
    "lr_flagged": "flagged",
    "lr_changed": "changed",            # flagged labels the teacher's argmax changed
    "lr_changed_wrong": "changed, were wrong",
    "lr_fixed": "changed, now right",
    "lr_noisy": "wrong before",
    "lr_noisy_after": "wrong after",
    "n_train": "n_train",
}


# Table 1 as printed: block -> row -> column -> dev score (MCC on CoLA, accuracy elsewhere)
_COLS = ("CoLA", "SST-2", "MRPC", "RTE", "QNLI", "QQP", "MNLI")
TABLE1 = {block: {row: dict(zip(_COLS, values)) for row, values in rows.items()} for block, rows in {
    "0%": {"BERT-base": (61.9, 93.1, 90.9, 68.6, 91.6, 91.6, 85.0),
           "w/o KD": (51.3, 91.3, 87.5, 59.9, 89.2, 88.5, 82.1),
           "Vanilla": (56.4, 92.0, 90.0, 68.6, 90.3, 90.6, 85.0)},
    "25%": {"BERT-base": (46.7, 91.5, 75.7, 61.0, 87.9, 72.4, 81.8),
            "with CD": (47.5, 93.2, 78.7, 62.5, 88.2, 71.3, 82.8),
            "with CD+LR": (48.6, 92.8, 78.7, 60.3, 88.6, 74.0, 82.3),
            "w/o KD": (39.1, 90.4, 79.9, 61.0, 84.5, 67.3, 79.3),
            "Vanilla": (40.2, 90.9, 79.2, 61.7, 85.9, 72.9, 80.3),
            "CD": (45.1, 90.6, 79.2, 63.2, 85.5, 70.5, 80.7),
            "CD+LR": (46.1, 91.3, 80.9, 63.5, 86.9, 73.8, 81.0)},
    "50%": {"BERT-base": (17.7, 56.7, 68.4, 59.2, 64.7, 63.6, 76.5),
            "with CD": (16.0, 56.5, 70.8, 55.6, 62.7, 71.3, 76.8),
            "with CD+LR": (17.2, 61.7, 71.8, 56.3, 62.7, 71.3, 77.0),
            "w/o KD": (8.3, 55.0, 66.6, 57.0, 56.5, 67.3, 72.2),
            "Vanilla": (11.9, 60.0, 68.6, 58.5, 60.3, 66.1, 75.0),
            "CD": (13.6, 60.3, 69.1, 57.4, 60.0, 70.5, 75.1),
            "CD+LR": (17.7, 64.1, 71.1, 57.4, 60.9, 73.8, 76.6)}}.items()}
# Chance on the GLUE dev sets where we know it: MCC 0; SST-2's majority class, 444 of 872 positive
# (../shared/data/glue/SST-2/dev.tsv); MRPC's, 279 of 408 (the paper's 50% teacher scores exactly it).
CHANCE = {"CoLA": 0.0, "SST-2": 100 * 444 / 872, "MRPC": 100 * 279 / 408}


def _versus(rows, base, blocks) -> dict:
    """{(row, "<block> / <column>"): (the paper's value of row, of base)} for Claim.paper."""
    return {(row, f"{b} / {c}"): (TABLE1[b][row][c], TABLE1[b][base][c]) for row in rows for b in blocks for c in _COLS}


CLAIMS = [   # each judged by the notebook that renders its table
    # §4.4: "using teacher logits (Vanilla) for distillation always performs better" than w/o KD
    Claim("Vanilla KD beats w/o KD", "greater", "Vanilla", "w/o KD",
          paper=_versus(("Vanilla",), "w/o KD", ("0%", "25%", "50%")), table="noisy_kd.table1"),
    # §4.4: "CD leads to an average gain of 0.5% and 0.8% on top of the Vanilla baseline at 25% and 50%"
    Claim("CD beats Vanilla", "greater", "CD", "Vanilla", paper=_versus(("CD",), "Vanilla", ("25%", "50%")),
          table="noisy_kd.table1"),
    # §4.4: "CD+LR consistently outperforms Vanilla KD across all tasks and noise levels, except at 50% noise
    # for MRPC"; "the gap with Vanilla KD gets larger at 50% noise level"
    Claim("CD+LR beats Vanilla", "greater", "CD+LR", "Vanilla",
          paper=_versus(("CD+LR",), "Vanilla", ("25%", "50%")), table="noisy_kd.table1"),
    # §4.4: "enhancing the CD methods with label refinement (CD+LR) significantly boosts these scores"
    Claim("CD+LR beats CD", "greater", "CD+LR", "CD", paper=_versus(("CD+LR",), "CD", ("25%", "50%")),
          table="noisy_kd.table1"),
    # §4.4: the teachers trained with CD and CD+LR against the CE teacher (Table 1, above the dashed line)
    Claim("co-trained teachers beat the CE teacher", "greater", ("with CD", "with CD+LR"), "BERT-base",
          paper=_versus(("with CD", "with CD+LR"), "BERT-base", ("25%", "50%")), table="noisy_kd.table1"),
    # ours: under symmetric noise at 50% a binary label says nothing of the truth; Table 1's 50% students
    # are above chance (SST-2: w/o KD 55.0 ... CD+LR 64.1 against 50.92)
    Claim("50%: students above chance", "above chance", ("w/o KD", "Vanilla", "CD", "CD+LR"),
          cells=tuple(f"50% / {c}" for c in CHANCE), chance={f"50% / {c}": v for c, v in CHANCE.items()},
          paper={(r, f"50% / {c}"): (TABLE1["50%"][r][c], v) for r in ("w/o KD", "Vanilla", "CD", "CD+LR")
                 for c, v in CHANCE.items()}, table="noisy_kd.table1"),
]


PROFILES = {   # profile -> the paper-wide entry (each table's own: Table.profiles)
    "smoke": dict(models={"teacher": "tiny-bert", "student": "tiny-bert"}, seeds=(0,),
                  recipe=dict(epochs=3, lr=1e-3, batch_size=16),   # 3: refinement / Self-DSTL after 2
                  data=SMOKE_TEXT, columns=("SST-2", "RTE"), blocks=("0%", "50%")),
    "small": dict(models={"teacher": "minilm", "student": "minilm-l3"}, seeds=(0, 1, 2),
                  recipe=dict(epochs=4, lr=1e-4, precision="bf16"),   # 1e-4: a short run on little data
                  data=SMALL_TEXT, columns=("SST-2",),
                  rows=("BERT-base", "with CD", "with CD+LR", "w/o KD", "Vanilla", "CD", "CD+LR")),
}
