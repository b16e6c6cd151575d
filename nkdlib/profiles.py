"""Profiles: how big a notebook's runs are. A notebook parameter left as None takes its
profile's value.

- smoke: every code path on tiny subsets and tiny models; all notebooks in minutes on a
  2-core CPU (what CI runs).
- small: real offline data, the offline MiniLM teacher/3-layer student pair or small
  ResNets on CIFAR-10; meant for one GPU (measured on an H200: ~2.3 s per epoch of two
  half-width ResNet-18s on 9k images); on a 2-core CPU it takes hours per notebook.
- paper: the papers' protocol (models, full data, epochs, seeds); needs a GPU and network.
"""

PROFILES = {
    "smoke": dict(
        teacher="tiny-bert", student="tiny-bert",   # text teacher / student model names
        text_train=96, text_test=64,                # examples per task (stratified subsets)
        text_epochs=2, text_lr=1e-3, text_batch=16, max_length=32,
        vision="resnet18", vision_peer="shufflenetv2", width=0.0625,
        vision_train=256, vision_test=200,          # CIFAR-10 images
        vision_epochs=2, vision_lr=0.05, vision_batch=64, milestones=[1],
        seeds=[0, 1],
    ),
    "small": dict(
        teacher="minilm", student="minilm-l3",
        text_train=2000, text_test=None,
        text_epochs=3, text_lr=5e-5, text_batch=32, max_length=64,
        vision="resnet18", vision_peer="shufflenetv2", width=0.5,
        vision_train=20000, vision_test=None,
        vision_epochs=30, vision_lr=0.1, vision_batch=128, milestones=[15, 25],
        seeds=[0, 1, 2],
    ),
    "paper": dict(
        teacher="bert-base-uncased", student="distilbert-base-uncased",
        text_train=None, text_test=None,
        text_epochs=30, text_lr=2e-5, text_batch=32, max_length=128,
        vision="resnet34", vision_peer="resnet34", width=1.0,
        vision_train=None, vision_test=None,
        vision_epochs=100, vision_lr=0.1, vision_batch=128, milestones=[50, 80],
        seeds=[42, 549, 1237, 230, 805],
    ),
}


def profile(name: str, **overrides) -> dict:
    """The settings of profile `name`, with every non-None override applied."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}")
    return {**PROFILES[name], **{k: v for k, v in overrides.items() if v is not None}}
