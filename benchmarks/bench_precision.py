"""bf16 on this CPU: speed, and whether accuracy stays within fp32's seed-to-seed spread.

    python benchmarks/bench_precision.py speed            # steps/s of one training run, fp32 vs bf16
    python benchmarks/bench_precision.py accuracy         # 3 seeds each, CIFAR-10 and SST-2, two workers

speed prints examples/s of a CIFAR ResNet-18 (width 0.25, batch 128) and the MiniLM-L3
student (max length 64, batch 32) in fp32 and bf16 (bf16 = autocast, images channels-last)
and their ratio. accuracy trains short runs and prints mean ± std test accuracy per
precision and whether |mean difference| <= the larger seed std (the rule for making bf16 a
default).
"""
import argparse
import tempfile
import time

import torch

from nkdlib.config import make_config
from nkdlib.grid import run_many
from nkdlib.settings import RunSettings
from nkdlib.tasks import task_for
from nkdlib.train import Trainer

CASES = {   # name: (config entries, examples per speed run)
    "cifar10 resnet18 w0.25": (dict(task="cifar10", models=["resnet18"], width=0.25, optimizer="sgd", lr=0.05,
                                    batch_size=128, schedule="constant", max_test=1000), 2048),
    "sst2 minilm-l3": (dict(task="sst2", models=["minilm-l3"], max_length=64, lr=5e-5, batch_size=32,
                            max_test=400), 512),
}


def speed(threads):
    torch.set_num_threads(threads)
    for name, (entries, n) in CASES.items():
        rates = {}
        for precision in ("fp32", "bf16"):
            cfg = make_config(**entries, max_train=n + n // 9, epochs=3, precision=precision)
            trainer = Trainer(cfg, task_for(cfg), RunSettings(device="cpu", quiet=True))
            trainer.train_epoch()                      # warm-up
            trainer.epoch += 1
            start = time.perf_counter()
            trainer.train_epoch()
            rates[precision] = len(trainer.task.train) / (time.perf_counter() - start)
        print(f"{name}, {threads} thread(s): fp32 {rates['fp32']:.0f} ex/s, bf16 {rates['bf16']:.0f} ex/s, "
              f"bf16 / fp32 = {rates['bf16'] / rates['fp32']:.2f}")


def accuracy(seeds, workers):
    for name, (entries, _) in CASES.items():
        size = dict(max_train=4000, epochs=8) if "cifar" in name else dict(max_train=1200, epochs=2)
        jobs = [{"precision": p, "seed": s, "config": make_config(**entries, **size, precision=p, seed=s)}
                for p in ("fp32", "bf16") for s in seeds]
        with tempfile.TemporaryDirectory() as root:
            table = run_many(jobs, root, RunSettings(quiet=True), workers=workers)
        stats = table.groupby("precision")["test_metric"].agg(["mean", "std"]) * 100
        gap, spread = abs(stats.loc["bf16", "mean"] - stats.loc["fp32", "mean"]), stats["std"].max()
        print(f"{name}, {size}, seeds {list(seeds)}: " + ", ".join(
            f"{p} {stats.loc[p, 'mean']:.2f} ± {stats.loc[p, 'std']:.2f}" for p in ("fp32", "bf16"))
            + f"; |gap| {gap:.2f} {'<=' if gap <= spread else '>'} spread {spread:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["speed", "accuracy"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    speed(args.threads) if args.what == "speed" else accuracy(args.seeds, args.workers)


if __name__ == "__main__":
    main()
