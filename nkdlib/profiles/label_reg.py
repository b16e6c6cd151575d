"""smoke and small profiles of the label-reg paper (notebooks 02, 03); see nkdlib.profiles.

Offline there are no ImageNet weights, so Table 6's "Pre-trained" arm is a stand-in: a
CIFAR ResNet-18 trained with ce on CIFAR-10 classes 0-4 initialises the backbone (not the
head) of a run on classes 5-9; "From scratch" trains the same network on classes 5-9 from
random weights. Same architecture and inputs in both arms: only the initial weights differ.
"""
from ..config import make_config

SMOKE_TEXT = dict(max_train=96, max_test=64, max_length=32)
SMOKE_VISION = dict(task="cifar10", width=0.0625, max_train=256, max_test=200, classes=[5, 6, 7, 8, 9])
SMOKE_VISION_RECIPE = dict(epochs=2, lr=0.05, batch_size=64, milestones=[1])


def stand_in_columns(vision: dict, recipe: dict) -> dict:
    """Table 6's two arms offline: init_from a ce run on classes 0-4 vs random init."""
    pretraining = make_config(**{**vision, **recipe, "classes": [0, 1, 2, 3, 4], "models": ["resnet18"],
                                 "optimizer": "sgd", "schedule": "step", "save_model": True})
    return {"Pre-trained": dict(pretrained=False, init_from=pretraining), "From scratch": dict(pretrained=False)}


PROFILES = {
    "smoke": {
        "label_reg": dict(models={"teacher": "tiny-bert", "student": "tiny-bert"}, seeds=(0,),
                          recipe=dict(epochs=2, lr=1e-3, batch_size=16), data=SMOKE_TEXT,
                          columns=("SST-2", "RTE", "SST-5", "FewRel")),
        "label_reg.table6": dict(models={"student": "resnet18"}, recipe=SMOKE_VISION_RECIPE, data=SMOKE_VISION,
                                 column_entries=stand_in_columns(SMOKE_VISION, SMOKE_VISION_RECIPE), seeds=(0, 1)),
        "label_reg.table8": dict(seeds=(0, 1)),   # a Wilcoxon test needs pairs
    },
}
TABLES = {
    "smoke": {"02_teacher_free_regularization": ("label_reg.table1", "label_reg.table4", "label_reg.table5"),
              "03_pretrained_vs_scratch": ("label_reg.table6", "label_reg.table8")},
}
