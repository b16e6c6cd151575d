"""Which kernels this CPU runs natively, and the one warning that follows from it.

bf16 autocast is fast only on CPUs with native bf16 instructions (avx512_bf16 or AMX; the
published `small` runs were trained on one). Elsewhere, e.g. an AVX2-only CPU, PyTorch
emulates it: slower than fp32 and on another kernel path, so other bits than the published
runs. `-p precision fp32` is the alternative there (other numbers, other run keys).

    kernel_path()     # e.g. "AVX512+bf16", "AVX2"
    native_bf16()     # False on an AVX2-only CPU
    warn_bf16("bf16", "cpu")   # prints one line once per process where bf16 is emulated
"""
import sys
from functools import cache
from pathlib import Path

import torch

# Training time of bf16 over fp32 on a CPU without native bf16, one thread, by model kind
# (nkdlib.papers.table.model_kind), from the printed bf16/fp32 ratios (0.07 text, 0.12 vision) of
# `ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/bench_precision.py speed`
# (MiniLM-L3 on SST-2; CIFAR ResNet-18 at width 0.25): an AVX2-only CPU, emulated (README "Performance").
BF16_SLOWDOWN = {"text": 1 / 0.07, "vision": 1 / 0.12}
# fp32 over bf16 training time where bf16 is native (the same benchmark without the variables:
# bf16/fp32 = 2.25 text, 1.95 vision); the published runs' times (bf16) scale by it for fp32.
FP32_OVER_NATIVE_BF16 = {"text": 2.25, "vision": 1.95}


@cache
def _flags() -> frozenset:
    """The CPU's feature flags (Linux /proc/cpuinfo); empty where that file is absent."""
    info = Path("/proc/cpuinfo")
    for line in info.read_text().splitlines() if info.exists() else ():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def native_bf16() -> bool:
    """Whether PyTorch runs bf16 here on native instructions: AVX-512 kernels (not forced down
    by ATEN_CPU_CAPABILITY) on a CPU with avx512_bf16 or amx_bf16."""
    return (torch.backends.cpu.get_cpu_capability().startswith("AVX512")
            and bool({"avx512_bf16", "amx_bf16"} & _flags()))


def kernel_path() -> str:
    """The kernel path a CPU run takes: PyTorch's CPU capability, "+bf16" where bf16 is native."""
    return torch.backends.cpu.get_cpu_capability() + ("+bf16" if native_bf16() else "")


def slowdown(precision: str, device: str, kind: str = "text") -> float:
    """Expected training time of a run in `precision` on `device` here, relative to the same
    run in bf16 on a CPU with native bf16 (where the published runs were trained; 1.0 on a
    GPU). kind: "text" or "vision" (the run's models)."""
    if device != "cpu":
        return 1.0
    if precision == "fp32":
        return FP32_OVER_NATIVE_BF16[kind]
    return 1.0 if native_bf16() else FP32_OVER_NATIVE_BF16[kind] * BF16_SLOWDOWN[kind]


_warned = False


def warn_bf16(precision: str, device: str) -> None:
    """Print one line (once per process) before a bf16 run on a CPU that emulates bf16."""
    global _warned
    if precision != "bf16" or device != "cpu" or native_bf16() or _warned:
        return
    _warned = True
    print(f"nkdlib: this CPU ({kernel_path()}) has no native bf16: bf16 runs train about "
          f"{BF16_SLOWDOWN['text']:.0f}x (text) / {BF16_SLOWDOWN['vision']:.0f}x (vision) slower than fp32 here "
          f"and differ from the published runs; `-p precision fp32` (or "
          f"precision='fp32') is faster, with other numbers and other run keys", file=sys.stderr, flush=True)
