"""Training throughput of a CMD cohort (two CIFAR ResNet-18s), today's path against each lever.

    python benchmarks/bench_gpu.py            # one GPU: full width, bf16, under 5 minutes with start-up
    python benchmarks/bench_gpu.py --tiny     # the same code paths on CPU in seconds (the tests run it)

Prints training model-images/s (training only: evaluation is timed apart, as evaluation
images/s) for one process per lever, with its ratio to today's path, then --procs
processes packed on the device with today's path and with the fastest lever: their total over
ONE common window (each warms up and waits; all are released at once; all their images / the
wall time from the release to the last one's end), with the arithmetic printed below it.
Levers (nkdlib.settings.RunSettings, all opt-in): sync_free (no host sync per step), compile
(torch.compile of each model), graph (the graph-safe step, on CUDA replayed from CUDA graphs;
on CPU the same step without capture), eval_batch (evaluation batches of 1024 instead of 2 x 128).
Data: random CIFAR-sized uint8 images and labels (throughput does not depend on them).
"""
import argparse
import json
import subprocess
import sys
import time

import numpy as np
import torch

from nkdlib.config import make_config
from nkdlib.tasks import Split, Task
from nkdlib.settings import RunSettings
from nkdlib.train import Trainer

LEVERS = {   # name -> RunSettings fields
    "today": {},
    "sync_free": {"sync_free": True},
    "compile": {"compile": True},
    "sync_free + compile": {"sync_free": True, "compile": True},
    "graph": {"graph": True},
}


def synthetic_task(n_train, n_test, seed=0) -> Task:
    """Random 32x32 RGB images with 10 labels; no noise."""
    rng = np.random.default_rng(seed)

    def split(n):
        y = rng.integers(0, 10, n)
        return Split(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), y, y.copy(), np.zeros(n, bool))
    return Task("synthetic", "image", 10, [str(c) for c in range(10)], "accuracy", split(n_train), split(0),
                split(n_test))


def cohort(args, lever: str):
    """A CMD cohort's Trainer with `lever`, warmed up by one epoch; its task; a device sync."""
    torch.set_num_threads(args.threads)
    config = make_config(task="cifar10", method="cmd", models=["resnet18"], width=args.width, optimizer="sgd",
                         lr=0.1, momentum=0.9, weight_decay=5e-4, batch_size=args.batch, epochs=3, schedule="step",
                         milestones=[2], precision=args.precision, valid_frac=0.0, select="last")
    task = synthetic_task(args.steps * args.batch, args.eval_images)
    settings = RunSettings(device=args.device, quiet=True, **LEVERS.get(lever, {}),
                           eval_batch_size=args.eval_batch if lever == "eval_batch" else None)
    trainer = Trainer(config, task, settings)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    trainer.train_epoch()   # warm-up: compilation, cuDNN autotuning, allocator
    trainer.epoch += 1
    sync()
    return trainer, task, sync


def measure(args, lever: str) -> dict:
    """Training and evaluation images/s of one CMD cohort with `lever`, alone, after a warm-up epoch."""
    trainer, task, sync = cohort(args, lever)
    start = time.perf_counter()
    trainer.train_epoch()
    sync()
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(2):
        trainer.predict(k, "test")
    sync()
    eval_s = time.perf_counter() - start
    return {"lever": lever, "train_images_per_s": 2 * len(task.train) / train_s,
            "eval_images_per_s": 2 * len(task.test) / eval_s}


def worker(args, lever: str):
    """One packed process: warm up, say "ready", wait for the parent's release, train one timed epoch."""
    trainer, task, sync = cohort(args, lever)
    print("ready", flush=True)
    sys.stdin.readline()   # the start barrier: the parent releases every process at once
    start = time.time()    # wall clock: comparable across processes
    trainer.train_epoch()
    sync()
    print(json.dumps({"images": 2 * len(task.train), "start": start, "end": time.time()}))


def packed(args, lever: str, procs: int) -> dict:
    """Total training images/s of `procs` processes running `lever` at once, over ONE common window:
    every process warms up and waits; all are released together; the window runs from the release to
    the last process's end, and the total is all their images / that window (processes sharing one
    GPU take turns, so the sum of rates each timed over its own window would overstate it)."""
    cmd = [sys.executable, __file__, "--worker", lever] + (["--tiny"] if args.tiny else [])
    workers = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(procs)]
    for w in workers:   # wait until every process is warm
        while (line := w.stdout.readline()).strip() != "ready":
            if not line:
                raise RuntimeError(f"a {lever} worker exited before it was ready (code {w.wait()})")
    release = time.time()
    for w in workers:
        w.stdin.write("go\n")
        w.stdin.flush()
    runs = [json.loads(w.communicate()[0].splitlines()[-1]) for w in workers]
    window = max(r["end"] for r in runs) - release
    return {"lever": lever, "window_s": window, "images": [r["images"] for r in runs],
            "ran": [(r["start"] - release, r["end"] - release) for r in runs],
            "images_per_s": sum(r["images"] for r in runs) / window}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="CPU, 1/16 width, a few steps: the code paths only")
    parser.add_argument("--procs", type=int, nargs="*", default=None, help="processes packed (default: 1 5)")
    parser.add_argument("--levers", nargs="*", default=None, help=f"of {list(LEVERS) + ['eval_batch']}")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    gpu = torch.cuda.is_available() and not args.tiny
    args.device = "cuda" if gpu else "cpu"
    args.width, args.batch, args.steps = (1.0, 128, 120) if gpu else (0.0625, 32, 4)
    args.eval_images, args.eval_batch = (10000, 1024) if gpu else (256, 128)
    args.precision, args.threads = ("bf16" if gpu else "fp32"), 1
    if args.worker:
        worker(args, args.worker)
        return
    known = [*LEVERS, "eval_batch"]
    if set(args.levers or ()) - set(known):
        parser.error(f"unknown lever(s) {sorted(set(args.levers) - set(known))}; known: {known}")
    levers = args.levers or [lever for lever in known if gpu or "compile" not in lever]
    print(f"device {args.device}, ResNet-18 x2 (CMD) at width {args.width}, batch {args.batch}, {args.precision}; "
          f"{args.steps} timed steps; model-images/s (training; evaluation apart)")
    rows = [measure(args, lever) for lever in levers]
    base = rows[0]
    for r in rows:
        print(f"  {r['lever']:<22} train {r['train_images_per_s']:9.0f}/s  x{r['train_images_per_s'] / base['train_images_per_s']:.2f}"
              f"   eval {r['eval_images_per_s']:9.0f}/s  x{r['eval_images_per_s'] / base['eval_images_per_s']:.2f}")
    training = [r for r in rows[1:] if r["lever"] in LEVERS] or rows   # eval_batch does not change training
    best = max(training, key=lambda r: r["train_images_per_s"])["lever"]
    for procs in args.procs if args.procs is not None else ([1, 5] if gpu else [2]):
        today, fast = packed(args, "today", procs), packed(args, best, procs)
        print(f"  {procs} processes: today {today['images_per_s']:9.0f}/s, {best} {fast['images_per_s']:9.0f}/s"
              f"  x{fast['images_per_s'] / today['images_per_s']:.2f} (one common window each; goal on one H200: "
              f">= 68,000/s, 2.5x the 27,400 measured for 5 packed runs)")
        for p in (today, fast):   # the arithmetic behind each total: sum(images) / one window
            ran = ", ".join(f"+{a:.6f}..+{b:.6f}" for a, b in p["ran"])
            print(f"    {p['lever']}: {' + '.join(map(str, p['images']))} = {sum(p['images'])} model-images"
                  f" / window {p['window_s']:.6f} s = {p['images_per_s']:.1f}/s; processes ran {ran} s after release")


if __name__ == "__main__":
    main()
