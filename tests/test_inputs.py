"""nkdlib.inputs: tokenised texts (cached on disk) and device-resident images, batched."""

import itertools
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nkdlib import inputs as inputs_mod
from nkdlib.inputs import ImageInputs, TextInputs, make_inputs
from nkdlib.models import build_model

PAIR = ("The company said profits rose sharply last year.",
        "Profits at the company increased a lot in the previous year.")


def _encode(texts, tmp_path, **kw):
    return TextInputs(texts, "minilm", cache_dir=tmp_path, **kw)


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


def test_token_cache_lives_under_the_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("NKD_CACHE_DIR", str(tmp_path))
    assert not TextInputs([PAIR], "minilm").cache_hit
    assert TextInputs([PAIR], "minilm").cache_hit
    (cached,) = (tmp_path / "tokens").iterdir()  # one file, no temporary one left
    assert cached.suffix == ".npz" and ".tmp" not in cached.name


@pytest.mark.parametrize("damage", ["truncated", "replaced by another text's"])
def test_a_damaged_or_replaced_token_cache_is_rebuilt_naming_it(damage, tmp_path):
    """The cache records the hash of what it was made from: a file copied over it is never used."""
    texts = [PAIR, ("x", "y")]
    expected = _encode(texts, tmp_path / "fresh").batch(torch.tensor([1, 0]))
    _encode(texts, tmp_path)
    (cache,) = tmp_path.glob("*.npz")
    _encode([("other", "texts"), ("and", "more"), ("than", "two")], tmp_path)
    (other,) = set(tmp_path.glob("*.npz")) - {cache}
    cache.write_bytes(cache.read_bytes()[:200] if damage == "truncated" else other.read_bytes())
    with pytest.warns(UserWarning, match=rf"{re.escape(str(cache))}: cache .*; rebuilding it"):
        again = _encode(texts, tmp_path)
    assert not again.cache_hit
    for key, value in again.batch(torch.tensor([1, 0])).items():
        assert torch.equal(value, expected[key])
    assert _encode(texts, tmp_path).cache_hit   # the rebuilt cache is used from then on


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


def test_channels_last_batches_hold_the_same_values_in_channels_last_order():
    images = np.random.default_rng(0).integers(0, 256, size=(6, 8, 8, 3), dtype=np.uint8)
    plain, last = ImageInputs(images, augment=False), ImageInputs(images, augment=False, channels_last=True)
    idx = torch.arange(6)
    assert last.batch(idx).is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(plain.batch(idx), last.batch(idx))
