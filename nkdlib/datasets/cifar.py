"""CIFAR-10 and CIFAR-100 images.

Local file (CIFAR-10 only): <data_dir>/cifar10/cifar10-jpeg.tar.gz, JPEGs laid out as
train/<class>/NNNN.jpg and test/<class>/NNNN.jpg; decoded once into an .npz in the
cache dir. CIFAR-100 is not available offline. Hub: torchvision's download, into the
cache dir, of a fixed archive it checks by MD5. x: uint8 (N, 32, 32, 3).
"""

import io
import tarfile

import numpy as np

from ..files import atomic_write, cache_dir
from .base import LOCAL_HOW, Raw, from_hub, local_provenance, need

SIZES = {"cifar10": (50000, 10000, 10), "cifar100": (50000, 10000, 100)}   # train, test, classes
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)


def decode(tarball):
    """One pass over the JPEG tarball -> dict of x_train uint8 (50000, 32, 32, 3),
    y_train int64 (50000,), x_test, y_test; images sorted by member name."""
    from PIL import Image
    from tqdm.auto import tqdm

    blobs = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:  # streaming: the gzip is read once
            parts = member.name.split("/")
            if not member.isfile() or len(parts) != 3 or parts[0] not in ("train", "test"):
                continue  # README.md and folder entries
            if parts[1] not in CIFAR10_CLASSES:
                raise ValueError(f"{tarball}: unknown class folder {parts[1]!r} ({member.name}); known: {CIFAR10_CLASSES}")
            blobs[member.name] = tar.extractfile(member).read()
    out = {}
    with tqdm(total=len(blobs), desc="decoding CIFAR-10 JPEGs") as bar:
        for split in ("train", "test"):
            names = sorted(n for n in blobs if n.startswith(split + "/"))
            if not names:
                raise ValueError(f"{tarball}: no {split}/<class>/ images")
            x = np.empty((len(names), 32, 32, 3), dtype=np.uint8)
            for i, name in enumerate(names):
                with Image.open(io.BytesIO(blobs[name])) as im:
                    if im.size != (32, 32):
                        raise ValueError(f"{tarball}: {name} is {im.size}, expected (32, 32)")
                    x[i] = np.asarray(im.convert("RGB"))
                bar.update()
            out[f"x_{split}"] = x
            out[f"y_{split}"] = np.array([CIFAR10_CLASSES.index(n.split("/")[1]) for n in names], dtype=np.int64)
    return out


def read_local(name, data_dir):
    """CIFAR-10 from the JPEG tarball, through an .npz cache keyed by the tarball's size
    and mtime; CIFAR-100 raises FileNotFoundError (not available offline)."""
    if name == "cifar100":
        raise FileNotFoundError("CIFAR-100 is not available offline; use source='hub' (torchvision download) with network")
    tarball = need(data_dir / "cifar10" / "cifar10-jpeg.tar.gz")
    stat = tarball.stat()
    cache = cache_dir(f"cifar10-jpeg-{stat.st_size}-{stat.st_mtime_ns}.npz")
    if not cache.is_file():
        arrays = decode(tarball)
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache, lambda tmp: np.savez(tmp, **arrays))
    with np.load(cache) as z:
        return Raw(CIFAR10_CLASSES, (z["x_train"], z["y_train"]), (z["x_test"], z["y_test"]),
                   provenance=local_provenance(data_dir, tarball))   # the archive the .npz was decoded from


def read_hub(name):
    """CIFAR-10 or CIFAR-100 (name "cifar10" or "cifar100") through torchvision's download."""
    from torchvision import datasets as tv

    cls = tv.CIFAR10 if name == "cifar10" else tv.CIFAR100
    root = cache_dir("torchvision")
    offline = "CIFAR-100 is not available" if name == "cifar100" else f"use local data: {LOCAL_HOW}"
    train, test = (from_hub(name, lambda t=t: cls(str(root), train=t, download=True), offline) for t in (True, False))

    def part(d):  # d.data: uint8 (N, 32, 32, 3)
        return d.data, np.array(d.targets, dtype=np.int64)

    provenance = {"source": "torchvision", "dataset": cls.__name__, "url": cls.url, "md5": cls.tgz_md5}
    return Raw(tuple(train.classes), part(train), part(test), provenance=provenance)
