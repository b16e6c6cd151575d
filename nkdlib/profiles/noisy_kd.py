"""smoke and small profiles of the noisy-KD paper (notebook 01); see nkdlib.profiles.

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
SMOKE_TEXT = dict(max_train=160, max_test=64, max_length=32, eval_steps=2)
SMALL_TEXT = dict(max_train=2000,   # 1800 train + 200 noisy valid (§4.1's 10%)
                  max_test=None,    # the whole SST-2 dev set (872): ±1.4 points per run
                  max_length=64)    # SST-2 sentences are short; batches are padded to their longest

PROFILES = {
    "smoke": {
        "noisy_kd": dict(models={"teacher": "tiny-bert", "student": "tiny-bert"}, seeds=(0,),
                         recipe=dict(epochs=3, lr=1e-3, batch_size=16),   # 3: refinement / Self-DSTL after 2
                         data=SMOKE_TEXT, columns=("SST-2", "RTE"), blocks=("0%", "50%")),
        "noisy_kd.figure2": dict(columns=("SST-2",), data=SMOKE_TEXT, blocks=None),   # None: its one block ""
    },
    "small": {
        "noisy_kd": dict(models={"teacher": "minilm", "student": "minilm-l3"}, seeds=(0, 1, 2),
                         recipe=dict(epochs=4, lr=1e-4, precision="bf16"),   # 1e-4: a short run on little data
                         data=SMALL_TEXT, columns=("SST-2",),
                         rows=("BERT-base", "with CD", "with CD+LR", "w/o KD", "Vanilla", "CD", "CD+LR")),
        "noisy_kd.figure2": dict(seeds=(0,), data={**SMALL_TEXT, "eval_steps": 10}),   # 22 points over 228 steps
    },
}
TABLES = {}
