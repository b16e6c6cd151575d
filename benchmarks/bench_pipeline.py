"""Training throughput of the CIFAR input pipeline: nkdlib's ImageInputs against torchvision.

(a) ImageInputs: the whole uint8 data set lives on the device; crop/flip/normalise run
    there, vectorised over the batch.
(b) torchvision: a Dataset of PIL images with RandomCrop(32, padding=4),
    RandomHorizontalFlip, ToTensor, Normalize, through a DataLoader.
Both train the same CIFAR ResNet-18 (forward + backward + SGD step) on the same batch
size; a second pass times the data alone (no model). Each pipeline is timed
--repeats times, interleaved, and the best kept (other jobs share the machine).

    python -m benchmarks.bench_pipeline                 # CPU: width 0.25, 0 workers
    python -m benchmarks.bench_pipeline --device cuda   # GPU: full width, 8 workers
    python -m benchmarks.bench_pipeline --real          # real CIFAR-10 (nkdlib.tasks)
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from nkdlib.inputs import ImageInputs, channel_stats
from nkdlib.models import build_model


class PILImages(Dataset):
    """The torchvision way: PIL images, transformed one at a time on the CPU."""

    def __init__(self, images, labels, transform):
        self.images = [Image.fromarray(a) for a in images]
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), int(self.labels[i])


def tensor_batches(images, labels, args):
    """Endless (x (B, 3, 32, 32) float, y (B,)) training batches from ImageInputs."""
    inputs = ImageInputs(images, args.device)
    y = torch.from_numpy(labels).to(args.device)
    while True:
        for idx in torch.randperm(len(inputs)).split(args.batch):
            if len(idx) == args.batch:
                yield inputs.batch(idx, train=True), y[idx.to(args.device)]


def loader_batches(images, labels, args):
    """Endless training batches from a torchvision transform pipeline and a DataLoader."""
    mean, std = channel_stats(images)
    transform = transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), transforms.Normalize(mean, std)])
    cuda = args.device.type == "cuda"
    loader = DataLoader(PILImages(images, labels, transform), batch_size=args.batch, shuffle=True,
                        drop_last=True, num_workers=args.workers, pin_memory=cuda,
                        persistent_workers=args.workers > 0)
    while True:
        for x, y in loader:
            yield x.to(args.device, non_blocking=cuda), y.to(args.device, non_blocking=cuda)


def images_per_s(batches, step, args):
    """Throughput of `step(x, y)` over args.steps batches, after args.warmup warm-up steps."""
    for _ in range(args.warmup):
        step(*next(batches))
    sync(args.device)
    start = time.perf_counter()
    for _ in range(args.steps):
        step(*next(batches))
    sync(args.device)
    return args.steps * args.batch / (time.perf_counter() - start)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_step_fn(args):
    """A fresh, identically initialised model and its SGD step: step(x, y)."""
    torch.manual_seed(0)
    model = build_model("resnet18", 10, width=args.width).to(args.device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)

    def step(x, y):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def no_model(args):
    """A step that only consumes the batch, to time the data pipeline alone."""
    return lambda x, y: None


def load_images(args):
    """uint8 (N, 32, 32, 3) images and (N,) labels: real CIFAR-10, or random ones."""
    if args.real:
        from nkdlib.tasks import make_task
        train = make_task("cifar10", max_train=args.images, valid_frac=0.0).train
        return train.x[:args.images], train.y[:args.images]
    rng = np.random.default_rng(0)
    return (rng.integers(0, 256, (args.images, 32, 32, 3), dtype=np.uint8),
            rng.integers(0, 10, args.images, dtype=np.int64))


def main():
    cuda = torch.cuda.is_available()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda" if cuda else "cpu")
    p.add_argument("--width", type=float, help="ResNet-18 width (default 1 on GPU, 0.25 on CPU)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3, help="timings per pipeline; the best is kept")
    p.add_argument("--images", type=int, default=5000, help="data set size")
    p.add_argument("--workers", type=int, help="DataLoader workers (default 8 on GPU, 0 on CPU)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--real", action="store_true", help="real CIFAR-10 via nkdlib.tasks.make_task")
    args = p.parse_args()
    args.device = torch.device(args.device)
    on_gpu = args.device.type == "cuda"
    args.width = args.width or (1.0 if on_gpu else 0.25)
    args.workers = (8 if on_gpu else 0) if args.workers is None else args.workers
    if args.images < (args.warmup + args.steps) * args.batch:
        p.error("--images must cover (warmup + steps) * batch images")
    torch.set_num_threads(args.threads)
    torch.backends.cudnn.benchmark = True

    images, labels = load_images(args)
    print(f"device {args.device}, resnet18 width {args.width}, batch {args.batch}, "
          f"best of {args.repeats} x {args.steps} steps after {args.warmup} warm-up, {args.threads} threads, "
          f"{args.workers} workers, {len(images)} {'CIFAR-10' if args.real else 'random'} images")
    rows = {}
    for what, make_step in (("train", train_step_fn), ("data only", no_model)):
        runs = [(source(images, labels, args), make_step(args)) for source in (tensor_batches, loader_batches)]
        rows[what] = [0.0, 0.0]
        for _ in range(args.repeats):  # interleaved, best of: shared machines are noisy
            for i, (batches, step) in enumerate(runs):
                rows[what][i] = max(rows[what][i], images_per_s(batches, step, args))
    print(f"{'images/s':<12}{'(a) ImageInputs':>18}{'(b) torchvision':>18}{'a/b':>8}")
    for what, (a, b) in rows.items():
        print(f"{what:<12}{a:>18.0f}{b:>18.0f}{a / b:>8.2f}")


if __name__ == "__main__":
    main()
