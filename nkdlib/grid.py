"""Grids of runs: many at once on Ray (one machine or a cluster), or one after another.

    table = run_many(jobs, "runs/", workers=2)              # two one-thread runs side by side
    table = run_many(jobs, "runs/", RunSettings(device="cuda"), workers=8, gpus_per_run=0.25)
    table = run_many(jobs, "runs/", address="ray://head:10001")   # or $RAY_ADDRESS

A job is {"config": cfg, **labels}. Each distinct config trains once (duplicates share
it); a run that needs a teacher or an `init_from` run starts after that run finished.
Every run trains with the same number of threads whatever `workers` is, so the numbers do
not depend on it. A failed run does not stop the others: the call finishes the grid, then
raises GridError naming every failed run and why.
"""
import dataclasses
import os
import time

import pandas as pd
import torch

from . import cpu, progress
from .runs import RunDir, config_key, dependencies, gather, in_order
from .settings import RunSettings, check_workers
from .train import default_device, run


class GridError(RuntimeError):
    """Some runs of a grid failed; `failures` maps run name -> reason."""

    def __init__(self, failures: dict):
        self.failures = failures
        lines = "\n".join(f"  {name}: {why}" for name, why in failures.items())
        super().__init__(f"{len(failures)} run(s) failed (the others finished):\n{lines}")


def run_one(cfg: dict, root, threads: int, settings: RunSettings) -> tuple[str, float, str | None]:
    """Train one run with `threads` torch threads: (run name, seconds, error or None)."""
    before, start, error = torch.get_num_threads(), time.time(), None
    torch.set_num_threads(threads)
    try:
        run(cfg, root, settings)
    except Exception as e:   # reported by the driver with the run's key; the grid goes on
        error = f"{type(e).__name__}: {e}"
    finally:
        torch.set_num_threads(before)
    return RunDir(root, cfg).path.name, time.time() - start, error


def run_many(jobs: list[dict], root, settings: RunSettings = RunSettings(), *, workers: int = 1, threads: int = 1,
             gpus_per_run: float = 1.0, address: str | None = None) -> pd.DataFrame:
    """Run every job under `root` (reusing finished runs) and return one row per job: its
    labels, then the run's flattened config and metrics (nkdlib.runs.gather columns).

    settings: where and how every run trains (nkdlib.settings); with Ray, its runs are quiet.
    workers: runs at once; > 1 (or an `address` / $RAY_ADDRESS) runs them as Ray tasks.
    threads: torch threads per run (CPU); recorded with each run.
    gpus_per_run: GPU fraction a run asks Ray for when device is cuda (0.25: four per GPU).
    """
    check_workers(workers)
    if threads < 1:
        raise ValueError(f"threads={threads} must be >= 1")
    if not jobs:
        raise ValueError("run_many got no jobs (an empty seed list?)")
    order = in_order([job["config"] for job in jobs])
    bar = progress.bar(total=len(order), desc="runs", unit="run", text=settings.text_bars, disable=settings.quiet)
    failures = {}

    def report(name, seconds, error):
        bar.update(1)
        bar.set_postfix_str(f"{name} {seconds:.0f} s")
        if error is not None:
            failures[name] = error
            bar.write(f"run {name} failed: {error}")

    address = address or os.environ.get("RAY_ADDRESS")
    # a grid that only reuses finished runs needs no Ray (the main job renders in seconds)
    todo = [cfg for cfg in order if not RunDir(root, cfg).finished]
    on_ray = (workers > 1 or address is not None) and bool(todo)
    if not settings.quiet:   # once for the grid, before any run trains: Ray's workers run quietly
        for cfg in todo:
            cpu.warn_bf16(cfg["precision"], torch.device(settings.device or default_device()).type)
    if workers > 1:
        settings = dataclasses.replace(settings, quiet=True)   # no bars of runs side by side
    if on_ray:
        _run_on_ray(order, root, workers, threads, gpus_per_run, address, settings, report)
    else:
        for cfg in order:
            report(*run_one(cfg, root, threads, settings))
    bar.close()
    if failures:
        raise GridError(failures)
    rows = [{**{k: v for k, v in job.items() if k != "config"}, "run": RunDir(root, job["config"]).path.name}
            for job in jobs]
    return pd.DataFrame(rows).merge(gather(root), on="run", how="left", suffixes=("", "_config"))


def _run_on_ray(order, root, workers, threads, gpus_per_run, address, settings, report):
    import ray   # only grids with workers > 1 need it

    cuda = (settings.device or default_device()).startswith("cuda")
    if not ray.is_initialized():
        if address:
            ray.init(address=address)
        else:
            ray.init(num_cpus=workers * threads, num_gpus=torch.cuda.device_count() if cuda else 0,
                     include_dashboard=False, logging_level="ERROR")
    remote = ray.remote(_after).options(num_cpus=threads, num_gpus=gpus_per_run if cuda else 0)
    refs, pending = {}, []
    for cfg in order:   # a run's task takes its dependencies' results, so Ray starts it after them
        ref = remote.remote(cfg, str(root), threads, settings, *[refs[config_key(d)] for d in dependencies(cfg)])
        refs[config_key(cfg)] = ref
        pending.append(ref)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        report(*ray.get(done[0]))


def _after(cfg, root, threads, settings, *dependencies):
    """A Ray task: run_one once the runs it needs have finished (their results are the
    `dependencies`; a failed one fails this run with its reason)."""
    failed = [d for d in dependencies if d[2] is not None]
    if failed:
        return RunDir(root, cfg).path.name, 0.0, f"needs run {failed[0][0]}, which failed: {failed[0][2]}"
    return run_one(cfg, root, threads, settings)
