"""Turn a data split's `x` into model-ready batches on a device.

Every inputs object has `len(inputs)` and `inputs.batch(idx, train=False)`, where `idx`
is a (B,) LongTensor of row indices on the CPU; the result is what `model(...)` takes,
already on the object's device.

    inputs = make_inputs(split.x, model, "cuda")
    logits = model(inputs.batch(torch.arange(32), train=True))
"""

import hashlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import files
from .models import load_tokenizer

CACHE_VERSION = "2"  # bump when the on-disk token format changes (2: the key recorded inside)


class TextInputs:
    """Tokenized texts (or sentence pairs), padded per batch to the batch's longest row.

    Token ids are stored flat with row offsets and cached on disk, named by and checked
    against a hash of (tokenizer name, max_length, texts) (nkdlib.files.cached_arrays), so
    another run, even in a new process, skips tokenization; `cache_hit` tells whether this one did.
    batch(idx) -> dict(input_ids, attention_mask[, token_type_ids]), each (B, L) long.
    """

    def __init__(self, texts, tokenizer_name, max_length=128, device="cpu", cache_dir=None):
        self.device = torch.device(device)
        key = _text_key(texts, tokenizer_name, max_length)
        path = Path(cache_dir or files.cache_dir("tokens")) / f"{key[:32]}.npz"   # parallel runs share the cache
        arrays, self.cache_hit = files.cached_arrays(
            path, key, lambda: _tokenize(texts, load_tokenizer(tokenizer_name), max_length))
        self.pad_id = int(arrays.pop("pad_id"))
        offsets = torch.from_numpy(arrays.pop("offsets"))  # (N+1,) row starts into the flat ids
        self.starts = offsets[:-1].to(self.device)
        self.lengths = (offsets[1:] - offsets[:-1]).to(self.device)
        # flat (total_tokens,) int32 tensors: input_ids and, for BERT-like tokenizers, token_type_ids
        self.flat = {k: torch.from_numpy(v).to(self.device) for k, v in arrays.items()}

    def __len__(self):
        return len(self.starts)

    def batch(self, idx, train=False):
        idx = idx.to(self.device)
        starts, lengths = self.starts[idx], self.lengths[idx]
        pos = torch.arange(int(lengths.max()), device=self.device)  # (L,)
        mask = pos < lengths[:, None]  # (B, L) real tokens
        gather = (starts[:, None] + pos).masked_fill(~mask, 0)  # (B, L) flat positions
        out = {key: flat[gather].long().masked_fill(~mask, self.pad_id if key == "input_ids" else 0)
               for key, flat in self.flat.items()}
        out["attention_mask"] = mask.long()
        return out


def _text_key(texts, tokenizer_name, max_length):
    h = hashlib.sha256(f"{CACHE_VERSION}\x00{tokenizer_name}\x00{max_length}".encode())
    for t in texts:
        h.update(b"\x1e" + "\x1f".join(t if isinstance(t, (tuple, list)) else (t,)).encode())
    return h.hexdigest()


def _tokenize(texts, tokenizer, max_length):
    """Texts or (a, b) pairs -> flat int32 token arrays + int64 row offsets (N+1,) + pad id."""
    texts = list(texts)
    if texts and isinstance(texts[0], (tuple, list)):  # pairs: segment ids mark the 2nd text
        a, b = zip(*texts)
        enc = tokenizer(list(a), list(b), truncation=True, max_length=max_length)
    else:
        enc = tokenizer(texts, truncation=True, max_length=max_length)
    rows = enc["input_ids"]
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=offsets[1:])
    arrays = {"offsets": offsets, "pad_id": np.int64(tokenizer.pad_token_id)}
    for key in ("input_ids", "token_type_ids"):
        if key in enc:
            arrays[key] = np.fromiter((t for r in enc[key] for t in r), np.int32, offsets[-1])
    return arrays


class ImageInputs:
    """A whole image set as one uint8 (N, 3, H, W) tensor on the device.

    batch(idx, train) -> float (B, 3, H, W), normalised per channel; with train and
    augment, each image is randomly cropped from its 4-pixel zero-padded copy and flipped
    with probability 1/2, all on the device at once (torch's global RNG).
    mean, std: per-channel statistics in [0, 1] units; default: those of `images`
    (pass the training set's for valid/test).
    channels_last: batches in channels-last memory order (same values; faster convolutions
    under bf16 on CPU, measured: benchmarks/bench_precision.py).
    """

    def __init__(self, images, device="cpu", augment=True, mean=None, std=None, pad=4, channels_last=False):
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] != 3:
            raise ValueError(f"images must be uint8 (N, H, W, 3), got {images.dtype} {images.shape}")
        self.device = torch.device(device)
        self.x = torch.from_numpy(np.ascontiguousarray(images)).to(self.device).permute(0, 3, 1, 2).contiguous()
        if mean is None or std is None:
            mean, std = channel_stats(self.x)
        self.mean = torch.as_tensor(mean, dtype=torch.float32, device=self.device).view(1, 3, 1, 1)
        self.std = torch.as_tensor(std, dtype=torch.float32, device=self.device).view(1, 3, 1, 1)
        self.augment, self.pad = augment, pad
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format

    def __len__(self):
        return len(self.x)

    def batch(self, idx, train=False):
        x = self.x[idx.to(self.device)]  # (B, 3, H, W) uint8
        if train and self.augment:
            x = self._crop_flip(x)
        return ((x.float() / 255 - self.mean) / self.std).contiguous(memory_format=self.memory_format)

    def _crop_flip(self, x):
        """Random crop of the zero-padded images + random horizontal flip; (B, 3, H, W) kept."""
        b, c, h, w = x.shape
        p, dev = self.pad, x.device
        padded = F.pad(x, (p, p, p, p))  # (B, 3, H+2p, W+2p), zeros = black as in torchvision
        dy = torch.randint(0, 2 * p + 1, (b, 1), device=dev)
        dx = torch.randint(0, 2 * p + 1, (b, 1), device=dev)
        flip = torch.rand(b, 1, device=dev) < 0.5
        rows = dy + torch.arange(h, device=dev)  # (B, H) per-sample source rows
        cols = dx + torch.arange(w, device=dev)  # (B, W) per-sample source columns
        cols = torch.where(flip, cols.flip(1), cols)  # a flip reads the columns right to left
        # two single-axis gathers: about twice as fast on CPU as one 4-index advanced index
        x = padded.gather(2, rows[:, None, :, None].expand(b, c, h, w + 2 * p))
        return x.gather(3, cols[:, None, None, :].expand(b, c, h, w))


def channel_stats(images, chunk=4096):
    """Per-channel mean and std in [0, 1] units of uint8 images.

    images: (N, 3, H, W) uint8 tensor, or (N, H, W, 3) uint8 numpy array.
    Returns two lists of 3 floats. Sums run in float64, in chunks, to keep memory small.
    """
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    s = torch.zeros(3, dtype=torch.float64, device=images.device)
    ss = torch.zeros_like(s)
    for part in images.split(chunk):
        part = part.double() / 255
        s += part.sum((0, 2, 3))
        ss += part.square().sum((0, 2, 3))
    n = images.shape[0] * images.shape[2] * images.shape[3]
    mean = s / n
    std = (ss / n - mean.square()).clamp_min(1e-12).sqrt()
    return mean.tolist(), std.tolist()


class VectorInputs:
    """Feature vectors on the device; batch(idx) -> float (B, D)."""

    def __init__(self, x, device="cpu"):
        self.device = torch.device(device)
        self.x = torch.as_tensor(np.asarray(x, dtype=np.float32)).to(self.device)

    def __len__(self):
        return len(self.x)

    def batch(self, idx, train=False):
        return self.x[idx.to(self.device)]


def make_inputs(split_x, model, device, *, max_length=128, augment=True, stats_from=None, channels_last=False):
    """The inputs object for `split_x` that fits `model.kind` (channels_last: images only).

    stats_from: for images, the training images (uint8 (N, H, W, 3) array) or their
    ImageInputs, whose normalisation statistics valid/test should reuse.
    """
    if model.kind == "text":
        return TextInputs(split_x, model.tokenizer_name, max_length, device)
    if model.kind == "image":
        if isinstance(stats_from, ImageInputs):
            mean, std = stats_from.mean.flatten().tolist(), stats_from.std.flatten().tolist()
        elif stats_from is not None:
            mean, std = channel_stats(stats_from)
        else:
            mean = std = None
        return ImageInputs(split_x, device, augment, mean, std, channels_last=channels_last)
    if model.kind == "vector":
        return VectorInputs(split_x, device)
    raise ValueError(f"model.kind must be 'text', 'image' or 'vector', got {model.kind!r}")
