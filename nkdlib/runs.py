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

Finished runs travel between machines as one .tar.gz: export_runs / import_runs, or
`python -m nkdlib.runs export DIR ARCHIVE` and `python -m nkdlib.runs import ARCHIVE DIR`.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import warnings
from pathlib import Path, PurePosixPath

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


# --- runs that travel: finished runs packed on one machine, checked and unpacked on another ---
class ImportRefused(RuntimeError):
    """An archive of runs that import_runs will not take: a changed file, an unsafe member,
    or a run that exists here with other files. The store is left as it was."""


def _travels(name: str, weights: bool) -> bool:
    """Whether a finished run's file goes into an export: all but its weights (*.pt, large
    and needed only for init_from) unless asked for. logits_train.npy travels: small for
    text and CIFAR runs, and what a teacher's new students read."""
    return weights or not name.endswith(".pt")


def export_runs(root, archive, weights: bool = False) -> list[str]:
    """Write the intact finished runs under `root` to `archive` (.tar.gz, written atomically):
    each run's recorded files (those metrics.json hashes) and metrics.json, as <run>/<file>;
    model weights only if `weights`. Unfinished and failed runs, lock files and checkpoints
    stay home; a corrupt run is skipped with a warning naming its bad file, as gather does.
    Returns the names of the runs exported."""
    names = [name for name, _, _ in _finished(root)]
    members = []
    for name in names:
        recorded = json.loads((Path(root) / name / "metrics.json").read_text())["files"]
        # exists(): a published run may lack its optional files (RunDir.metrics allows that)
        members += [f"{name}/{file}" for file in sorted(recorded)
                    if _travels(file, weights) and (Path(root) / name / file).exists()]
        members.append(f"{name}/metrics.json")

    def write(tmp):
        with tarfile.open(tmp, "w:gz", dereference=True) as tar:
            for member in members:
                tar.add(Path(root) / member, arcname=member)
    atomic_write(Path(archive), write)
    return names


def _unsafe(member: tarfile.TarInfo) -> str | None:
    """Why an archive member may not be extracted (a link, a device, an absolute path, '..',
    or anything but <run>/<file> and <run>/), or None."""
    parts = PurePosixPath(member.name).parts
    if member.name.startswith("/") or ".." in parts:
        return "a path outside the archive's folder"
    if (member.isfile() and len(parts) == 2) or (member.isdir() and len(parts) <= 1):
        return None
    return "not a run's file" if member.isfile() or member.isdir() else "not a plain file (a link or a device)"


def _differing_file(src: Path, dest: Path) -> str | None:
    """The first of `src`'s files missing from `dest` or different there, or None."""
    for path in sorted(src.iterdir()):
        if not (dest / path.name).is_file() or _sha256(dest / path.name) != _sha256(path):
            return path.name
    return None


def _check_run(path: Path) -> None:
    """That the run folder `path` (extracted, not yet in the store) is a finished run whose
    files match its hashes and whose folder name is its config's run name (RunDir.metrics),
    holding no file its metrics.json does not cover; CorruptRunError names the file."""
    store = RunDir.at(path)
    if not store.finished:
        raise CorruptRunError(f"{path / 'metrics.json'}: missing, not a finished run")
    store.metrics()   # every file against its hash, config.json's key against the folder name's
    covered = set(store._json("metrics.json")["files"]) | {"metrics.json"}
    extra = sorted(p.name for p in path.iterdir() if p.name not in covered)
    if extra:   # unhashed: nothing vouches for it
        raise CorruptRunError(f"{path / extra[0]}: not a file of the finished run (not in its metrics.json)")
    method = store._json("config.json").get("method")
    if path.name != f"{method}-{store.key}":
        raise CorruptRunError(f"{path / 'config.json'}: a {method} run's config, not that of run {path.name}")


def import_runs(archive, root) -> tuple[list[str], list[str]]:
    """Add the runs in `archive` (from export_runs) to the store `root`: (imported, skipped)
    run names; a run already here with the same files is skipped, so importing twice is a
    no-op. Everything is checked before anything moves: each member is a plain <run>/<file>,
    each run is finished and intact (its hashes, its key) and not here with other files;
    else ImportRefused names the run and file and `root` is left as it was. Runs are
    extracted into a temporary folder inside `root`, then each moved in by one rename,
    holding its lock; an existing run is never overwritten. (A killed import leaves its
    .import-* folder, which the store ignores; delete it.)"""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".import-") as tmp, tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            why = _unsafe(member)
            if why:
                raise ImportRefused(f"{archive}: member {member.name!r} refused: {why}")
        # the data filter (Python >= 3.11.4) refuses unsafe members again, should the check above miss one
        tar.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        incoming = sorted(p for p in Path(tmp).iterdir() if p.is_dir())
        for path in incoming:
            try:
                _check_run(path)
            except CorruptRunError as e:   # its message names the extracted file: say <run>/<file> instead
                raise ImportRefused(f"{archive}: {str(e).replace(tmp + os.sep, '')}") from e
            if (root / path.name).exists():
                _refuse_conflict(archive, path, root)
        skipped = [p.name for p in incoming if (root / p.name).exists()]   # the same files: checked above
        imported = []
        for path in incoming:   # all checked: now move in the new ones
            if path.name in skipped:
                continue
            with RunDir.at(root / path.name).lock():   # no trainer writes the run meanwhile
                if (root / path.name).exists():   # appeared since the check (a concurrent import or run)
                    _refuse_conflict(archive, path, root)
                    skipped.append(path.name)
                else:
                    os.rename(path, root / path.name)
                    imported.append(path.name)
    return imported, skipped


def _refuse_conflict(archive, src: Path, root: Path) -> None:
    """ImportRefused if run folder `src` exists in `root` with other files."""
    differing = _differing_file(src, root / src.name)
    if differing:
        raise ImportRefused(f"{archive}: run {src.name} is already in {root} and its {differing} differs from "
                            f"the archive's (or is missing); move {root / src.name} away to import it")


def main(argv=None) -> None:
    """python -m nkdlib.runs export DIR ARCHIVE [--with-weights] | import ARCHIVE DIR"""
    parser = argparse.ArgumentParser(prog="python -m nkdlib.runs",
                                     description="Take finished runs between machines as one .tar.gz.")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="pack DIR's finished runs (without weights) into ARCHIVE")
    export.add_argument("dir", metavar="DIR")
    export.add_argument("archive", metavar="ARCHIVE")
    export.add_argument("--with-weights", "--with-checkpoints", action="store_true",
                        help="also the runs' model weights (model.pt, *.pt)")
    imp = commands.add_parser("import", help="check ARCHIVE's runs and add them to the run store DIR")
    imp.add_argument("archive", metavar="ARCHIVE")
    imp.add_argument("dir", metavar="DIR")
    args = parser.parse_args(argv)
    if args.command == "export" and not Path(args.dir).is_dir():
        parser.error(f"DIR {args.dir}: not a folder")
    if args.command == "import" and not Path(args.archive).is_file():
        parser.error(f"ARCHIVE {args.archive}: no such file")
    try:
        if args.command == "export":
            names = export_runs(args.dir, args.archive, weights=args.with_weights)
            print(f"exported {len(names)} finished runs from {args.dir} to {args.archive}")
        else:
            imported, skipped = import_runs(args.archive, args.dir)
            print(f"imported {len(imported)} runs into {args.dir}; {len(skipped)} were already there")
    except ImportRefused as e:   # its message names the archive, the run and the file
        sys.exit(f"error: {e}")
    except (OSError, EOFError, tarfile.TarError) as e:   # EOFError: a truncated archive
        sys.exit(f"error: {args.archive}: {e}")


if __name__ == "__main__":
    main()
