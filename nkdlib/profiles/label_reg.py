"""smoke and small profiles of the label-reg paper (notebooks 02, 03); see nkdlib.profiles."""
SMOKE_TEXT = dict(max_train=96, max_test=64, max_length=32)

PROFILES = {
    "smoke": {
        "label_reg": dict(models={"teacher": "tiny-bert", "student": "tiny-bert"}, seeds=(0, 1),
                          recipe=dict(epochs=2, lr=1e-3, batch_size=16), data=SMOKE_TEXT,
                          columns=("SST-2", "RTE", "SST-5", "FewRel")),
    },
}
TABLES = {
    "smoke": {"02_teacher_free_regularization": ("label_reg.table1", "label_reg.table4", "label_reg.table5"),
              "03_pretrained_vs_scratch": ("label_reg.table6", "label_reg.table8")},
}
