"""smoke and small profiles of the noisy-KD paper (notebook 01); see nkdlib.profiles."""
SMOKE_TEXT = dict(max_train=160, max_test=64, max_length=32)

PROFILES = {
    "smoke": {
        "noisy_kd": dict(models={"teacher": "tiny-bert", "student": "tiny-bert"}, seeds=(0, 1),
                         recipe=dict(epochs=3, lr=1e-3, batch_size=16), data=SMOKE_TEXT, columns=("SST-2", "RTE")),
        "noisy_kd.figure2": dict(columns=("SST-2",), data={**SMOKE_TEXT, "eval_steps": 2}),
    },
}
TABLES = {}
