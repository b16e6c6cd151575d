"""Wall time of a grid of 8 short runs: one after another vs two Ray workers, same numbers.

    python benchmarks/bench_grid.py                      # CPU: CIFAR-10, 1/8-width ResNet-18
    python benchmarks/bench_grid.py --task sst2 --train 400 --runs 4   # CPU: SST-2, the MiniLM-L3 student
    python benchmarks/bench_grid.py --device cuda --width 1 --train 20000 --gpus-per-run 1 0.5 0.25

CPU: prints sequential (one thread) / two workers (one thread each), goal >= 1.3, and checks
both give identical metrics; also one run at a time with two threads, the usual alternative
(its numbers differ: one vs two threads differ from the first epoch). GPU: grid throughput
for each --gpus-per-run against sequential (goal >= 2.5x at 0.25).
"""
import argparse
import tempfile
import time

import torch

from nkdlib.config import make_config
from nkdlib.datasets import TASKS
from nkdlib.grid import run_many
from nkdlib.settings import RunSettings


def timed(jobs, device, **kwargs):
    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        table = run_many(jobs, root, RunSettings(device=device, quiet=True), **kwargs)
        return time.perf_counter() - start, table.sort_values("seed")["test_metric"].tolist()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="cifar10")
    parser.add_argument("--width", type=float, default=0.125)
    parser.add_argument("--train", type=int, default=1000, help="training images per run")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--gpus-per-run", type=float, nargs="*", default=[1.0, 0.5, 0.25])
    args = parser.parse_args()
    text = TASKS[args.task].kind == "text"
    model = dict(models=["minilm-l3"], max_length=64, optimizer="adamw", lr=1e-4, batch_size=32, precision="bf16") \
        if text else dict(models=["resnet18"], width=args.width, optimizer="sgd", lr=0.05, batch_size=128)
    jobs = [{"seed": s, "config": make_config(task=args.task, max_train=args.train, max_test=500, epochs=args.epochs,
                                              schedule="constant", noise_rate=0.4, seed=s, select="last", **model)}
            for s in range(args.runs)]
    print(f"{args.runs} runs: {model['models'][0]}, {args.train} examples, {args.epochs} epochs, {args.device}")
    if args.device == "cpu":
        one, metrics_one = timed(jobs, device="cpu", threads=1)
        two, metrics_two = timed(jobs, device="cpu", threads=1, workers=2)
        wide, _ = timed(jobs, device="cpu", threads=2)
        print(f"  sequential, 1 thread   {one:7.1f} s")
        print(f"  sequential, 2 threads  {wide:7.1f} s")
        print(f"  2 workers x 1 thread   {two:7.1f} s")
        print(f"sequential (1 thread) / 2 workers  = {one / two:.2f}   (goal >= 1.3)")
        print(f"sequential (2 threads) / 2 workers = {wide / two:.2f}")
        print(f"identical metrics: {metrics_one == metrics_two}")
        return
    base, metrics = timed(jobs, device=args.device)
    print(f"  sequential            {base:7.1f} s  {len(jobs) / base:.3f} runs/s")
    for fraction in args.gpus_per_run:
        seconds, got = timed(jobs, device=args.device, workers=round(1 / fraction), gpus_per_run=fraction)
        print(f"  gpus_per_run {fraction:<5}    {seconds:7.1f} s  {len(jobs) / seconds:.3f} runs/s  "
              f"x{base / seconds:.2f}  identical metrics: {got == metrics}")


if __name__ == "__main__":
    main()
