"""Run store: one directory per training run, keyed by a hash of its full config.

    <root>/<method>-<key>/config.json       the config that produced the run
                          data.json         what data was read: files with their sha256, or hub id and revision
                          history.csv       one row per epoch
                          steps.csv         per-step test loss (only when asked for)
                          logits_train.npy  the main model's selected logits on the train split
                          model.pt          model 0's selected weights (save_model only)
                          checkpoint.pt     while running; removed when finished
                          checkpoint.json   the checkpoint's sha256 and its run's key (a changed checkpoint,
                                            or another run's, is discarded)
                          metrics.json      final metrics, a sha256 of every file above and one of
                                            the metrics themselves: its presence means "finished"
                          failed.json       the run stopped for good (diverged): epoch and reason
    <root>/<method>-<key>.lock              held by the process training that run

Safe under concurrency and faults: one process trains a run at a time (the lock; others
wait, then reuse it), every file is written under a temporary name unique to its writer
and renamed, and metrics.json is written last, so a finished run is complete or absent.
A finished run whose files or metrics no longer match their recorded hashes is an error
naming the file (`gather` skips it with a warning); an interrupted run's unreadable or
changed checkpoint, or one of another run (copied in, or its folder renamed), is discarded
with a warning naming it, and the run starts over.
Leftovers of a write interrupted by a crash (temporary files, a finished run's checkpoint)
are removed when the run is next touched. A finished run is read without its lock, so a
read-only store (a published one) works.
"""
import hashlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from filelock import FileLock

from .config import key_view, with_defaults
from .files import atomic_write

FILES = ("config.json", "data.json", "history.csv", "steps.csv", "logits_train.npy", "model.pt")
OPTIONAL = ("logits_train.npy", "model.pt")   # large: published run stores (results/) leave them out


class CorruptRunError(RuntimeError):
    """A finished run's file is missing, unreadable or not the file that was written."""


class RunFailed(RuntimeError):
    """The run stopped for good (e.g. its loss became NaN); recorded in failed.json."""


def config_key(config: dict) -> str:
    """12-hex-digit hash of a config's key view (nkdlib.config.key_view: keys added after
    publication at their default left out); key order does not matter."""
    text = json.dumps(key_view(config), sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def run_name(config: dict) -> str:
    """The folder name of `config`'s run in a store: <method>-<config_key>."""
    return f"{config['method']}-{config_key(config)}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def metrics_digest(metrics: dict) -> str:
    """sha256 of a run's metrics (without "files" and this digest), as JSON with sorted keys."""
    body = {k: v for k, v in metrics.items() if k not in ("files", "metrics_sha256")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def dependencies(cfg: dict) -> list[dict]:
    """The configs of the runs `cfg` needs finished first: its teacher and its init_from run."""
    return [c for c in (cfg.get("teacher"), cfg.get("init_from")) if c is not None]


def in_order(configs) -> list[dict]:
    """Distinct configs (by config_key), each after the runs it needs (dependencies)."""
    order, seen = [], set()

    def visit(cfg):
        key = config_key(cfg)
        if key not in seen:
            seen.add(key)
            for dep in dependencies(cfg):
                visit(dep)
            order.append(cfg)
    for cfg in configs:
        visit(cfg)
    return order


class RunDir:
    """The directory of one run; created on first write."""

    def __init__(self, root, config: dict):
        self.config = config
        self.key = config_key(config)
        self.path = Path(root) / run_name(config)

    @classmethod
    def at(cls, path) -> "RunDir":
        """The run stored in folder `path` (<method>-<key>), its config not yet read."""
        store = cls.__new__(cls)
        store.path, store.config = Path(path), None
        store.key = store.path.name.rpartition("-")[2]
        return store

    def _file(self, name: str) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        return self.path / name

    def lock(self) -> FileLock:
        """The run's lock (a context manager): held while training it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path) + ".lock")

    @property
    def finished(self) -> bool:
        return (self.path / "metrics.json").exists()

    @property
    def failure(self) -> dict | None:
        """failed.json's {"epoch", "step", "reason"}, or None; CorruptRunError names an unreadable one."""
        if not (self.path / "failed.json").exists():
            return None
        failure = self._json("failed.json")
        if not isinstance(failure, dict) or "reason" not in failure:
            raise CorruptRunError(f"{self.path / 'failed.json'}: not the record of a failed run")
        return failure

    def clean(self) -> None:
        """Remove what an interrupted write left behind: temporary files, and in a finished run
        its checkpoint. Call it holding the lock, or on a finished run (no one writes those);
        a read-only store is left as it is."""
        leftovers = list(self.path.glob("*.tmp*"))
        if self.finished:
            leftovers += [self.path / "checkpoint.pt", self.path / "checkpoint.json"]
        for path in leftovers:
            try:
                path.unlink(missing_ok=True)
            except OSError:   # a read-only store: nothing to clean there
                pass

    # --- writing --------------------------------------------------------------------
    def write_json(self, name: str, obj) -> None:
        atomic_write(self._file(name), lambda p: p.write_text(json.dumps(obj, indent=1, sort_keys=True, default=str)))

    def write_csv(self, name: str, rows: list[dict]) -> None:
        atomic_write(self._file(name), lambda p: pd.DataFrame(rows).to_csv(p, index=False))

    def save(self, name: str, obj) -> None:
        atomic_write(self._file(name), lambda p: torch.save(obj, p))

    def save_array(self, name: str, array) -> None:
        atomic_write(self._file(name), lambda p: np.save(p, array))

    def save_checkpoint(self, state) -> None:
        """checkpoint.pt, then checkpoint.json with its hash and the run's key (a crash between
        the two leaves a checkpoint that does not match: discarded on resume, as a changed one
        or another run's is)."""
        self.save("checkpoint.pt", state)
        self.write_json("checkpoint.json", {"sha256": _sha256(self.path / "checkpoint.pt"), "key": self.key})

    def finish(self, metrics: dict) -> None:
        """Mark the run finished: metrics.json with the hash of every file and of the metrics,
        then drop the checkpoint."""
        files = {n: _sha256(self.path / n) for n in FILES if (self.path / n).exists()}
        self.write_json("metrics.json", {**metrics, "files": files, "metrics_sha256": metrics_digest(metrics)})
        self.remove("checkpoint.pt")
        self.remove("checkpoint.json")

    def fail(self, **why) -> None:
        """Record that the run stopped for good (failed.json), and drop the checkpoint."""
        self.write_json("failed.json", why)
        self.remove("checkpoint.pt")
        self.remove("checkpoint.json")

    def remove(self, name: str) -> None:
        (self.path / name).unlink(missing_ok=True)

    # --- reading --------------------------------------------------------------------
    def metrics(self) -> dict:
        """A finished run's metrics (without the file hashes), after checking every file
        against its hash; CorruptRunError names the bad file."""
        record = self._json("metrics.json")
        files = record.pop("files", None) if isinstance(record, dict) else None
        if not isinstance(files, dict) or "test_metric" not in record:
            raise CorruptRunError(f"{self.path / 'metrics.json'}: not the metrics of a finished run")
        if record.pop("metrics_sha256", None) != metrics_digest(record):
            raise CorruptRunError(f"{self.path / 'metrics.json'}: the metrics changed since the run finished, or "
                                  f"were written by an nkdlib older than the metrics hash; delete {self.path} to retrain it")
        for name, digest in files.items():
            path = self.path / name
            if name in OPTIONAL and not path.exists():
                continue   # left out of a published store
            if not path.exists() or _sha256(path) != digest:
                raise CorruptRunError(f"{path}: missing or changed since the run finished")
        try:
            key = config_key(self._json("config.json"))
        except (AttributeError, KeyError, TypeError):   # not a config at all (e.g. [])
            key = None
        if key != self.key:
            raise CorruptRunError(f"{self.path / 'config.json'}: not a config with the run's key {self.key}")
        return record

    def read_csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.path / name)

    def load_array(self, name: str) -> np.ndarray:
        """An array a finished run saved, checked against its hash."""
        self.metrics()
        if not (self.path / name).exists():
            raise CorruptRunError(f"{self.path / name}: missing (a published run store leaves it out); "
                                  f"delete {self.path} to retrain that run")
        return np.load(self.path / name)

    def load(self, name: str):
        """A finished run's torch file (e.g. model.pt), checked against its hash; None if absent."""
        if not (self.path / name).exists():
            return None
        self.metrics()
        return torch.load(self.path / name, map_location="cpu", weights_only=False)

    def load_checkpoint(self):
        """The interrupted run's last checkpoint, or None (none; or unreadable, not the one
        written (its hash in checkpoint.json) or another run's (its key there): discarded
        with a warning naming it)."""
        path = self.path / "checkpoint.pt"
        if not path.exists():
            return None
        data = path.read_bytes()
        try:
            record = json.loads((self.path / "checkpoint.json").read_text())
            recorded, key = record["sha256"], record.get("key")
        except (OSError, ValueError, KeyError, TypeError):
            recorded = key = None
        try:
            if hashlib.sha256(data).hexdigest() != recorded:
                raise ValueError("it does not match the hash recorded in checkpoint.json")
            if key != self.key:   # copied from another run's folder, or that folder renamed to this run's name
                raise ValueError(f"checkpoint.json ties it to run key {key}, not to this run's {self.key}")
            return torch.load(io.BytesIO(data), map_location="cpu", weights_only=False)
        except Exception as e:
            warnings.warn(f"{path}: unreadable or changed checkpoint ({type(e).__name__}: {e}); "
                          "discarded, the run starts over")
            self.remove("checkpoint.pt")
            self.remove("checkpoint.json")
            return None

    def _json(self, name: str):
        path = self.path / name
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise CorruptRunError(f"{path}: unreadable ({type(e).__name__}: {e})") from e


def flatten(prefix: str, obj: dict, out: dict) -> None:
    """Nested dict `obj` into `out`, keys joined by '.', lists as JSON strings."""
    for k, v in obj.items():
        if isinstance(v, dict):
            flatten(f"{prefix}{k}.", v, out)
        else:
            out[prefix + k] = v if not isinstance(v, list) else json.dumps(v)


def _finished(root):
    """(name, config, metrics) of every intact finished run under root; a corrupt one is
    skipped with a warning naming its bad file."""
    for metrics_file in sorted(Path(root).glob("*/metrics.json")):
        path = metrics_file.parent
        store = RunDir.at(path)
        try:
            metrics = store.metrics()   # first: it checks config.json (against its hash, and that it is a config)
            config = with_defaults(store._json("config.json"))
        except (CorruptRunError, ValueError) as e:   # ValueError: a stored config today's checks refuse
            warnings.warn(f"skipping run {path.name}: {e}")
            continue
        yield path.name, config, metrics


def gather(root) -> pd.DataFrame:
    """All finished runs under `root` as a DataFrame: one row per run (column `run` = its
    folder name), with the config (keys added since it was stored at their defaults)
    flattened into columns (nested keys joined by ".") and
    the final metrics beside them."""
    rows = []
    for name, config, metrics in _finished(root):
        row = {"run": name}
        flatten("", config, row)
        flatten("", metrics, row)
        rows.append(row)
    return pd.DataFrame(rows)


def histories(root, run_names=None, file="history.csv") -> pd.DataFrame:
    """Per-epoch histories (or per-step logs, file="steps.csv") of the intact finished runs
    under `root` (all, or those named), stacked into one DataFrame with a `run` column."""
    frames = []
    for name, _, _ in _finished(root):
        path = Path(root) / name / file
        if (run_names is None or name in set(run_names)) and path.exists():
            frames.append(pd.read_csv(path).assign(run=name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
