"""Models (offline MiniLM pair, CIFAR nets, MLP) and the inputs that feed them."""

import itertools

import huggingface_hub.constants
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nkdlib import inputs as inputs_mod
from nkdlib.inputs import ImageInputs, TextInputs, VectorInputs, make_inputs
from nkdlib.models import MODEL_NAMES, ModelUnavailableError, build_model, load_tokenizer

PAIR = ("The company said profits rose sharply last year.",
        "Profits at the company increased a lot in the previous year.")


@pytest.fixture(scope="module")
def minilm_pair():
    torch.manual_seed(0)
    return build_model("minilm", 2).eval(), build_model("minilm-l3", 2).eval()


def _encode(texts, tmp_path, **kw):
    return TextInputs(texts, "minilm", cache_dir=tmp_path, **kw)


# ----------------------------------------------------------------------------- text models

def test_minilm_teacher_and_student_classify_a_pair(minilm_pair, tmp_path):
    batch = _encode([PAIR], tmp_path).batch(torch.tensor([0]))
    for model in minilm_pair:
        assert model.kind == "text" and model.tokenizer_name == "minilm"
        with torch.no_grad():
            logits = model(batch)
        assert logits.shape == (1, 2) and torch.isfinite(logits).all()


def test_student_keeps_alternate_teacher_layers(minilm_pair):
    teacher, student = (m.hf.bert for m in minilm_pair)
    assert len(teacher.encoder.layer) == 6 and len(student.encoder.layer) == 3
    for layer, t in zip(student.encoder.layer, (0, 2, 4)):
        assert torch.equal(layer.output.dense.weight, teacher.encoder.layer[t].output.dense.weight)
        assert torch.equal(layer.attention.self.query.weight,
                           teacher.encoder.layer[t].attention.self.query.weight)
    assert torch.equal(student.embeddings.word_embeddings.weight,
                       teacher.embeddings.word_embeddings.weight)
    assert not torch.equal(student.encoder.layer[1].output.dense.weight,
                           teacher.encoder.layer[1].output.dense.weight)


def test_random_init_differs_from_pretrained(minilm_pair):
    teacher, student = minilm_pair
    for name, pretrained in (("minilm", teacher), ("minilm-l3", student)):
        scratch = build_model(name, 2, pretrained=False)
        assert scratch.hf.config.num_hidden_layers == pretrained.hf.config.num_hidden_layers
        assert not torch.equal(scratch.hf.bert.embeddings.word_embeddings.weight,
                               pretrained.hf.bert.embeddings.word_embeddings.weight)


def test_tiny_bert_uses_minilm_tokenizer(tmp_path, monkeypatch):
    monkeypatch.setenv("NKD_CACHE_DIR", str(tmp_path))
    model = build_model("tiny-bert", 3)
    assert model.tokenizer_name == "minilm"
    assert model.hf.config.vocab_size == load_tokenizer("minilm").vocab_size
    ti = make_inputs([PAIR, ("short", "pair")], model, "cpu")
    assert isinstance(ti, TextInputs) and any(tmp_path.iterdir())
    assert model(ti.batch(torch.tensor([0, 1]))).shape == (2, 3)


def test_hub_name_offline_gives_clear_error(monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # fail fast, no retries
    with pytest.raises(ModelUnavailableError, match="minilm-l3"):
        build_model("prajjwal1/bert-small", 2)


# ----------------------------------------------------------------------------- TextInputs

def test_pairs_are_encoded_as_pairs_and_padded_per_batch(tmp_path):
    texts = [PAIR, ("a", "b"), ("one two three", "four")]
    ti = _encode(texts, tmp_path)
    assert len(ti) == 3
    b = ti.batch(torch.tensor([1, 2]))
    lengths = b["attention_mask"].sum(1)
    assert b["input_ids"].shape[1] == lengths.max() < ti.batch(torch.tensor([0]))["input_ids"].shape[1]
    assert (b["token_type_ids"] == 1).any(1).all()  # each row has a second segment
    assert (b["input_ids"][b["attention_mask"] == 0] == 0).all()  # BERT's pad id
    assert all(v.dtype == torch.long for v in b.values())
    single = _encode(["just one sentence"], tmp_path).batch(torch.tensor([0]))
    assert (single["token_type_ids"] == 0).all()


def test_max_length_truncates(tmp_path):
    long = " ".join(["word"] * 300)
    b = _encode([(long, long)], tmp_path, max_length=32).batch(torch.tensor([0]))
    assert b["input_ids"].shape == (1, 32)


def test_token_cache_skips_the_tokenizer(tmp_path, monkeypatch):
    texts = [PAIR, ("x", "y")]
    first = _encode(texts, tmp_path)
    assert not first.cache_hit

    def no_tokenizer(name):
        raise AssertionError("tokenizer called on a cache hit")

    monkeypatch.setattr(inputs_mod, "load_tokenizer", no_tokenizer)
    second = _encode(texts, tmp_path)
    assert second.cache_hit
    idx = torch.tensor([1, 0])
    for key, value in first.batch(idx).items():
        assert torch.equal(value, second.batch(idx)[key])
    with pytest.raises(AssertionError):  # other texts or length: a different key
        _encode(texts, tmp_path, max_length=16)


# ----------------------------------------------------------------------------- vision / mlp

@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "shufflenetv2"])
def test_cifar_nets_forward(name):
    model = build_model(name, 7, width=0.125)
    assert model.kind == "image"
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 7)


def test_resnet18_param_count():
    n = sum(p.numel() for p in build_model("resnet18", 10).parameters())
    assert 11.0e6 <= n <= 11.3e6


def test_unknown_name_lists_known_ones():
    with pytest.raises(ValueError, match="resnet18.*shufflenetv2.*mlp"):
        build_model("vgg11", 10)
    assert {"minilm", "minilm-l3", "tiny-bert", "resnet18", "mlp"} <= set(MODEL_NAMES)


def test_imagenet_resnet18_offline_error(monkeypatch, tmp_path):
    import urllib.error
    import torchvision.models._api as tv_api

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached weights
    monkeypatch.setattr(tv_api, "load_state_dict_from_url", no_network)
    with pytest.raises(ModelUnavailableError, match="needs network.*half-split"):
        build_model("resnet18-imagenet", 10)
    model = build_model("resnet18-imagenet", 10, pretrained=False)
    assert model.kind == "image" and model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_mlp_on_vectors():
    x = np.random.default_rng(0).normal(size=(5, 64)).astype(np.float32)
    model = build_model("mlp", 10, in_dim=64, width=0.5)
    vi = make_inputs(x, model, "cpu")
    assert isinstance(vi, VectorInputs) and len(vi) == 5
    assert model(vi.batch(torch.tensor([0, 3]))).shape == (2, 10)
    with pytest.raises(ValueError, match="in_dim"):
        build_model("mlp", 10)


# ----------------------------------------------------------------------------- ImageInputs

def _images(n=6, size=8, seed=0):
    return np.random.default_rng(seed).integers(1, 256, (n, size, size, 3), dtype=np.uint8)


def test_image_eval_batches_are_normalised_originals():
    imgs = _images()
    ii = ImageInputs(imgs, "cpu")
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 255
    mean, std = x.mean((0, 2, 3)), x.std((0, 2, 3), unbiased=False)
    expect = (x - mean[:, None, None]) / std[:, None, None]
    idx = torch.tensor([4, 1])
    assert torch.allclose(ii.batch(idx), expect[idx], atol=1e-5)
    assert torch.equal(ii.batch(idx), ii.batch(idx))
    # valid/test reuse the training statistics
    other = make_inputs(_images(seed=1), build_model("resnet18", 2, width=0.125), "cpu", stats_from=imgs)
    assert torch.allclose(other.mean.flatten(), mean, atol=1e-6)


def test_image_train_batches_are_random_crops_and_flips():
    torch.manual_seed(0)
    imgs = _images(n=4, size=8)
    ii = ImageInputs(imgs, "cpu", mean=(0, 0, 0), std=(1, 1, 1))  # batch = pixels / 255
    idx = torch.arange(4)
    a, b = ii.batch(idx, train=True), ii.batch(idx, train=True)
    assert a.shape == b.shape == (4, 3, 8, 8) and not torch.equal(a, b)

    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 255
    padded = F.pad(x, (4, 4, 4, 4))
    seen = set()
    for _ in range(5):
        out = ii.batch(idx, train=True)
        for i in range(4):  # random pixels: each of the 2 x 81 crops/flips is unique
            matches = [(dy, dx, flip)
                       for dy, dx, flip in itertools.product(range(9), range(9), (False, True))
                       for crop in [padded[i, :, dy:dy + 8, dx:dx + 8]]
                       if torch.equal(out[i], crop.flip(2) if flip else crop)]
            assert len(matches) == 1
            seen |= set(matches)
    assert {flip for _, _, flip in seen} == {False, True} and len(seen) > 10


def test_image_augment_off_is_deterministic():
    ii = ImageInputs(_images(), "cpu", augment=False)
    idx = torch.tensor([0, 2])
    assert torch.equal(ii.batch(idx, train=True), ii.batch(idx))
