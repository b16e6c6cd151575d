"""scikit-learn's 8x8 handwritten digits (bundled with sklearn: no files, no network).

x: float32 (N, 64), pixel intensities scaled to [0, 1]; 10 classes named "0".."9".
"""

import numpy as np
from sklearn.model_selection import train_test_split

from .base import Raw

SIZE = (1257, 540, 10)   # train, test, classes (our split of the 1797 images)
PROVENANCE = {"source": "sklearn"}   # what read records


def read(data_dir=None):
    """All 1797 digits; it has no official test split: a stratified 30% (540) with the
    fixed seed 0, so the test set is the same for every seed. data_dir is ignored."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)
    train, test = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=0)
    train, test = np.sort(train), np.sort(test)
    return Raw(tuple(str(c) for c in d.target_names), (x[train], y[train]), (x[test], y[test]),
               provenance=PROVENANCE)
