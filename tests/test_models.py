"""Models: the offline MiniLM pair, CIFAR nets, the MLP."""

import re

import huggingface_hub.constants
import numpy as np
import pytest
import torch
import transformers

from nkdlib.inputs import TextInputs, VectorInputs, make_inputs
from nkdlib.models import (HUB_IDS, MODEL_NAMES, REVISIONS, ModelUnavailableError, build_model, load_tokenizer,
                           minilm_path, pretrained_kwargs)
from nkdlib.papers import TABLES

PAIR = ("The company said profits rose sharply last year.",
        "Profits at the company increased a lot in the previous year.")


@pytest.fixture(scope="module")
def minilm_pair():
    torch.manual_seed(0)
    return build_model("minilm", 2).eval(), build_model("minilm-l3", 2).eval()


# ----------------------------------------------------------------------------- text models

def test_minilm_teacher_and_student_classify_a_pair(minilm_pair, tmp_path):
    batch = TextInputs([PAIR], "minilm", cache_dir=tmp_path).batch(torch.tensor([0]))
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


def test_every_hub_model_of_the_protocol_loads_a_pinned_commit():
    hub = {m for t in TABLES.values() for m in t.models.values() if "/" in m}
    assert hub and hub <= set(REVISIONS) and set(HUB_IDS.values()) <= set(REVISIONS)
    assert all(re.fullmatch("[0-9a-f]{7}|[0-9a-f]{40}", r) for r in REVISIONS.values())   # commit hashes
    assert pretrained_kwargs("FacebookAI/roberta-large") == {"revision": REVISIONS["FacebookAI/roberta-large"]}
    assert pretrained_kwargs(minilm_path()) == {"local_files_only": True}


def test_a_short_name_loads_its_canonical_hub_id_at_the_pinned_commit(monkeypatch):
    seen = []

    def fake(source, **kwargs):
        seen.append((source, kwargs))
        raise OSError("offline")
    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", fake)
    with pytest.raises(ModelUnavailableError, match="roberta-large"):
        build_model("roberta-large", 2)
    assert seen == [("FacebookAI/roberta-large", {"num_labels": 2, "revision": REVISIONS["FacebookAI/roberta-large"]})]


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
