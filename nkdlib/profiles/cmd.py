"""smoke and small profiles of the CMD paper (notebook 04); see nkdlib.profiles."""
PROFILES = {
    "smoke": {
        "cmd": dict(models={"A": "resnet18", "B": "resnet18"}, seeds=(0, 1),
                    recipe=dict(epochs=2, lr=0.05, batch_size=64, milestones=[1]),
                    data=dict(task="cifar10", max_train=256, max_test=200, width=0.0625)),
        "cmd.table6": dict(models={"A": "resnet18", "B": "shufflenetv2"}),
    },
}
TABLES = {}
