"""Epoch time of the training engine per method, as ratios measured in one process.

    python benchmarks/bench_methods.py                       # CPU: small CIFAR ResNet-18
    python benchmarks/bench_methods.py --device cuda --width 1 --train 20000

Prints seconds per epoch (median of --repeats epochs after one warm-up epoch) and:
  sync_mkd / (2 × ce), cmd / (2 × ce)   two models cost about two single models
  kd (cached teacher) / ce             goal ≤ 1.1: cached predictions are an index
  kd (cached) / kd (live teacher)      what caching saves
"""
import argparse
import statistics
import time

import numpy as np
import torch

from nkdlib.inputs import make_inputs
from nkdlib.models import build_model
from nkdlib.tasks import task_for
from nkdlib.config import make_config
from nkdlib.settings import RunSettings
from nkdlib.train import Trainer


class LiveTeacherTrainer(Trainer):
    """Runs the frozen teacher's forward pass on every batch instead of reading cached logits:
    what caching saves."""

    def __init__(self, cfg, task, device, teacher):
        super().__init__(cfg, task, RunSettings(device=device, quiet=True))
        self.teacher = teacher.eval()
        self.teacher_inputs = make_inputs(task.train.x, teacher, self.device, augment=False)

    @torch.no_grad()
    def teacher_batch(self, idx):
        with self._autocast():
            return self.teacher(self.teacher_inputs.batch(idx)).float()


def epoch_seconds(cfg, device, repeats, teacher_logits=None, teacher_model=None):
    task = task_for(cfg)
    trainer = (LiveTeacherTrainer(cfg, task, device, teacher_model) if teacher_model is not None
               else Trainer(cfg, task, RunSettings(device=device, quiet=True), teacher_logits))
    times = []
    for _ in range(repeats + 1):                 # first epoch warms up (allocations, kernels)
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        trainer.train_epoch()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
        trainer.epoch += 1
    return statistics.median(times[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="cifar10")
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--teacher", default="resnet34", help="live teacher architecture")
    parser.add_argument("--width", type=float, default=0.25)
    parser.add_argument("--train", type=int, default=2048, help="training examples")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    base = dict(task=args.task, models=[args.model], width=args.width, max_train=args.train, max_test=100,
                optimizer="sgd", lr=0.05, batch_size=args.batch, epochs=10 * (args.repeats + 1),
                schedule="constant", noise_rate=0.4)
    task = task_for(make_config(**base))
    cached = np.random.default_rng(0).normal(size=(len(task.train), task.num_classes)).astype(np.float32)
    teacher = build_model(args.teacher, task.num_classes, width=args.width).to(args.device)
    dummy = make_config(**base, method="ce")   # kd's teacher config is only a cache key here
    t = {
        "ce": epoch_seconds(make_config(**base), args.device, args.repeats),
        "sync_mkd": epoch_seconds(make_config(**base, method="sync_mkd"), args.device, args.repeats),
        "cmd": epoch_seconds(make_config(**base, method="cmd"), args.device, args.repeats),
        "kd (cached)": epoch_seconds(make_config(**base, method="kd", teacher=dummy), args.device, args.repeats,
                                     teacher_logits=cached),
        "kd (live)": epoch_seconds(make_config(**base, method="kd", teacher=dummy), args.device, args.repeats,
                                   teacher_model=teacher),
    }
    print(f"{args.model} width {args.width}, {len(task.train)} examples, batch {args.batch}, {args.device}")
    for name, seconds in t.items():
        print(f"  {name:12s} {seconds:8.3f} s/epoch")
    print(f"sync_mkd / (2 x ce)    = {t['sync_mkd'] / (2 * t['ce']):.3f}")
    print(f"cmd / (2 x ce)         = {t['cmd'] / (2 * t['ce']):.3f}")
    print(f"kd cached / ce         = {t['kd (cached)'] / t['ce']:.3f}   (goal <= 1.1)")
    print(f"kd cached / kd live    = {t['kd (cached)'] / t['kd (live)']:.3f}")


if __name__ == "__main__":
    main()
