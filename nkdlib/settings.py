"""Where and how runs train, as one object handed down from the session to the grid, `run`
and the `Trainer`:

    settings = RunSettings(device="cuda", quiet=True, sync_free=True)
    run(cfg, "runs/", settings)                      # nkdlib.train
    run_many(jobs, "runs/", settings, workers=4)     # nkdlib.grid

None of it is part of a run's config, so none of it names a run; none changes a number but
train_loss's last bits (the levers; what trained a run is recorded in its metrics["path"]).
Frozen and plain, so Ray ships it to its tasks. Also the repository's root, and the one
check of a worker count. Imports no torch.
"""
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]   # the repository: notebooks/, runs/, figures/, results/


@dataclass(frozen=True)
class RunSettings:
    """How a run trains, apart from its config; the defaults are a plain CPU or CUDA run."""

    data_dir: str | None = None         # data folder; None: $NKD_DATA_DIR or ../shared/data, else the hub
    device: str | None = None           # torch device; None: cuda if available
    quiet: bool = False                 # True: no progress bars, no bf16 warning
    text_bars: bool = False             # True: plain text bars redrawn every 30 s (batch runs; nkdlib.progress)
    tensorboard: str | None = None      # a folder for live TensorBoard curves (<folder>/<method>/<run>), or None
    # GPU levers, opt-in (benchmarks/bench_gpu.py)
    compile: bool = False               # torch.compile each model's forward pass
    sync_free: bool = False             # sum losses on the device, checked once per epoch; no per-step loss shown
    graph: bool = False                 # the graph-safe step (implies sync_free), replayed from CUDA graphs on CUDA
    eval_batch_size: int | None = None  # evaluation batch size; None: 2 x the config's batch_size


def check_workers(workers) -> int:
    """A number of runs at once: an integer >= 1, else ValueError."""
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers={workers!r} must be an integer >= 1")
    return workers
