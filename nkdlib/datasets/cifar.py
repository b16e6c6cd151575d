"""CIFAR-10 and CIFAR-100 images.

Local file (CIFAR-10 only): <data_dir>/cifar10/cifar10-jpeg.tar.gz, JPEGs laid out as
train/<class>/NNNN.jpg and test/<class>/NNNN.jpg; decoded once into an .npz in the
cache dir, named by and checked against the tarball's sha256. CIFAR-100 is not available
offline. Hub: torchvision's download, into the cache dir, of a fixed archive it checks by
MD5. x: uint8 (N, 32, 32, 3).
"""

import io
import tarfile
import zlib

import numpy as np

from ..files import cache_dir, cached_arrays
from .base import LOCAL_HOW, Raw, from_hub, local_provenance, need, sha256

SIZES = {"cifar10": (50000, 10000, 10), "cifar100": (50000, 10000, 100)}   # train, test, classes
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)


def decode(tarball):
    """One pass over the JPEG tarball -> dict of x_train uint8 (50000, 32, 32, 3),
    y_train int64 (50000,), x_test, y_test; images sorted by member name. A file that is
    not a gzipped tar (empty, truncated) or a member that is not an image is a ValueError
    naming the file (and member)."""
    from PIL import Image
    from tqdm.auto import tqdm

    blobs = {}
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            for member in tar:  # streaming: the gzip is read once
                parts = member.name.split("/")
                if not member.isfile() or len(parts) != 3 or parts[0] not in ("train", "test"):
                    continue  # README.md and folder entries
                if parts[1] not in CIFAR10_CLASSES:
                    raise ValueError(f"{tarball}: unknown class folder {parts[1]!r} ({member.name}); "
                                     f"known: {CIFAR10_CLASSES}")
                blobs[member.name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:   # gzip and tarfile say neither file nor where
        raise ValueError(f"{tarball}: not a readable .tar.gz ({type(e).__name__}: {e})") from e
    out = {}
    with tqdm(total=len(blobs), desc="decoding CIFAR-10 JPEGs") as bar:
        for split in ("train", "test"):
            names = sorted(n for n in blobs if n.startswith(split + "/"))
            if not names:
                raise ValueError(f"{tarball}: no {split}/<class>/ images")
            x = np.empty((len(names), 32, 32, 3), dtype=np.uint8)
            for i, name in enumerate(names):
                try:
                    with Image.open(io.BytesIO(blobs[name])) as im:
                        if im.size != (32, 32):
                            raise ValueError(f"{tarball}: {name} is {im.size}, expected (32, 32)")
                        x[i] = np.asarray(im.convert("RGB"))
                except OSError as e:   # PIL's UnidentifiedImageError, or a truncated image
                    raise ValueError(f"{tarball}: {name} is not a readable image ({type(e).__name__}: {e})") from e
                bar.update()
            out[f"x_{split}"] = x
            out[f"y_{split}"] = np.array([CIFAR10_CLASSES.index(n.split("/")[1]) for n in names], dtype=np.int64)
    return out


def files(name, data_dir):
    """[the JPEG tarball] read_local reads; CIFAR-100 raises FileNotFoundError (not available offline)."""
    if name == "cifar100":
        raise FileNotFoundError("CIFAR-100 is not available offline; use source='hub' (torchvision download) with network")
    return [need(data_dir / "cifar10" / "cifar10-jpeg.tar.gz")]


def read_local(name, data_dir):
    """CIFAR-10 from the JPEG tarball, through an .npz cache named by, and checked against,
    the tarball's sha256 (a cache decoded from another tarball is never used)."""
    (tarball,) = files(name, data_dir)
    digest = sha256(tarball)
    z, _ = cached_arrays(cache_dir(f"cifar10-jpeg-{digest[:16]}.npz"), digest, lambda: decode(tarball))
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

    return Raw(tuple(train.classes), part(train), part(test), provenance=hub_provenance(name))


def hub_provenance(name):
    """What read_hub records: torchvision's class, archive URL and MD5 (no download)."""
    from torchvision import datasets as tv

    cls = tv.CIFAR10 if name == "cifar10" else tv.CIFAR100
    return {"source": "torchvision", "dataset": cls.__name__, "url": cls.url, "md5": cls.tgz_md5}
