"""Run store: one directory per training run, keyed by a hash of its full config.

    <root>/<method>-<key>/config.json     the config that produced the run
                          history.csv     one row per epoch
                          steps.csv       per-step dev loss (only when asked for)
                          metrics.json    final metrics; its presence means "finished"
                          checkpoint.pt   while running; removed when finished
                          logits_train.npy  model 0's selected logits on the train split

Every write goes to a temporary file first and is then renamed, so a run killed at any
moment leaves either the old file or the new one, never half a file.
"""
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch


def config_key(config: dict) -> str:
    """12-hex-digit hash of a JSON-serialisable config (key order does not matter)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


class RunDir:
    """The directory of one run; created on first write."""

    def __init__(self, root, config: dict):
        self.config = config
        self.key = config_key(config)
        self.path = Path(root) / f"{config['method']}-{self.key}"

    def _file(self, name: str) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        return self.path / name

    @property
    def finished(self) -> bool:
        return (self.path / "metrics.json").exists()

    def write_json(self, name: str, obj) -> None:
        _atomic(self._file(name), lambda p: p.write_text(json.dumps(obj, indent=1, sort_keys=True, default=str)))

    def read_json(self, name: str):
        return json.loads((self.path / name).read_text())

    def write_csv(self, name: str, rows: list[dict]) -> None:
        _atomic(self._file(name), lambda p: pd.DataFrame(rows).to_csv(p, index=False))

    def read_csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.path / name)

    def save(self, name: str, obj) -> None:
        _atomic(self._file(name), lambda p: torch.save(obj, p))

    def save_array(self, name: str, array) -> None:
        def write(path):
            with open(path, "wb") as f:   # a file object: np.save would append ".npy" to the tmp name
                np.save(f, array)
        _atomic(self._file(name), write)

    def load(self, name: str):
        path = self.path / name
        return torch.load(path, map_location="cpu", weights_only=False) if path.exists() else None

    def remove(self, name: str) -> None:
        (self.path / name).unlink(missing_ok=True)


def _flatten(prefix: str, obj: dict, out: dict) -> None:
    for k, v in obj.items():
        if isinstance(v, dict):
            _flatten(f"{prefix}{k}.", v, out)
        else:
            out[prefix + k] = v if not isinstance(v, list) else json.dumps(v)


def gather(root) -> pd.DataFrame:
    """All finished runs under `root` as a DataFrame: one row per run, with the config
    flattened into columns (nested keys joined by ".") and the final metrics beside them."""
    rows = []
    for metrics_file in sorted(Path(root).glob("*/metrics.json")):
        row = {"run": metrics_file.parent.name}
        _flatten("", json.loads((metrics_file.parent / "config.json").read_text()), row)
        _flatten("", json.loads(metrics_file.read_text()), row)
        rows.append(row)
    return pd.DataFrame(rows)


def histories(root, run_names=None, file="history.csv") -> pd.DataFrame:
    """Per-epoch histories (or per-step logs, file="steps.csv") of the finished runs under
    `root` (all, or those named), stacked into one DataFrame with a `run` column."""
    frames = []
    for metrics_file in sorted(Path(root).glob("*/metrics.json")):
        name = metrics_file.parent.name
        if (run_names is None or name in set(run_names)) and (metrics_file.parent / file).exists():
            frames.append(pd.read_csv(metrics_file.parent / file).assign(run=name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
