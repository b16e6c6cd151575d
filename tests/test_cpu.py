"""The CPU's kernel path (nkdlib.cpu): the bf16 warning and the plan's CPU estimate, with the
CPU capability faked."""
import pytest
import torch

from nkdlib import cost, cpu
from nkdlib.config import make_config
from nkdlib.train import run


@pytest.fixture
def cpu_kind(monkeypatch):
    """Fake this CPU: cpu_kind("AVX2") or cpu_kind("AVX512", "avx512_bf16"); the warning unsaid."""
    monkeypatch.setattr(cpu, "_warned", False)

    def fake(capability, *flags):
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
        monkeypatch.setattr(cpu, "_flags", lambda: frozenset(flags))
    return fake


def test_bf16_is_native_only_with_avx512_kernels_and_a_bf16_flag(cpu_kind):
    cpu_kind("AVX512", "avx512_bf16")
    assert cpu.native_bf16() and cpu.kernel_path() == "AVX512+bf16"
    cpu_kind("AVX512", "avx512f")                  # AVX-512 without bf16 instructions
    assert not cpu.native_bf16() and cpu.kernel_path() == "AVX512"
    cpu_kind("AVX2", "avx512_bf16")                # ATEN_CPU_CAPABILITY=avx2 on a bf16 CPU
    assert not cpu.native_bf16() and cpu.kernel_path() == "AVX2"


def test_a_bf16_run_on_a_cpu_without_native_bf16_says_so_once_before_training(cpu_kind, capsys, tmp_path):
    cpu_kind("AVX2")
    cfg = make_config(task="digits", method="ce", models=["mlp"], epochs=1, max_train=64, max_test=32,
                      precision="bf16")
    run(cfg, tmp_path)
    err = capsys.readouterr().err.splitlines()
    said = [line for line in err if line.startswith("nkdlib: this CPU")]
    assert len(said) == 1 and "(AVX2)" in said[0] and f"{cpu.BF16_SLOWDOWN['text']:.0f}x (text)" in said[0]
    assert "precision fp32" in said[0] and "other run keys" in said[0]
    run({**cfg, "seed": 1}, tmp_path)                                   # once per process
    assert "nkdlib: this CPU" not in capsys.readouterr().err


@pytest.mark.parametrize("capability, flags, precision", [("AVX512", ("amx_bf16",), "bf16"), ("AVX2", (), "fp32")])
def test_no_warning_where_bf16_is_native_or_not_used(cpu_kind, capsys, capability, flags, precision):
    cpu_kind(capability, *flags)
    cpu.warn_bf16(precision, "cpu")
    cpu.warn_bf16("bf16", "cuda")
    assert capsys.readouterr().err == ""


def test_the_plan_estimates_cpu_hours_from_the_published_run_and_folds_in_the_slowdown(cpu_kind):
    reference = make_config(task="sst2", method="ce", models=["minilm-l3"], max_train=2000, max_length=64,
                            epochs=3, precision="bf16")
    cpu_kind("AVX512", "avx512_bf16")             # the published run's CPU: its own time back
    assert cost.cpu_hours(reference) * 3600 == pytest.approx(88.72)
    fp32 = cost.cpu_hours({**reference, "precision": "fp32"})
    assert fp32 == pytest.approx(88.72 / 3600 * 2.25)              # fp32 is 2.25x slower where bf16 is native
    cpu_kind("AVX2")                               # bf16 emulated: BF16_SLOWDOWN times fp32's time
    assert cost.cpu_hours({**reference, "precision": "fp32"}) == pytest.approx(fp32)
    assert cost.cpu_hours(reference) == pytest.approx(fp32 / 0.07)
    vision = {**make_config(task="cifar10", method="ce", models=["resnet18"], width=0.125, precision="bf16"),
              "max_train": 4000, "epochs": 30, "valid_frac": 0.0}   # the published run's size
    assert cost.cpu_hours(vision) == pytest.approx(cost.cpu_hours({**vision, "precision": "fp32"}) / 0.12)
    cpu_kind("AVX512", "avx512_bf16")   # the published vision run (ce-3a44134ec6a4) back; two models, twice
    assert cost.cpu_hours(vision) * 3600 == pytest.approx(74.32)
    assert cost.cpu_hours({**vision, "method": "cmd", "models": ["resnet18", "resnet18"]}) * 3600 == pytest.approx(148.64)


def test_the_plan_prints_cpu_hours_and_the_kernel_path(cpu_kind, capsys, tmp_path):
    cpu_kind("AVX2")
    frame = cost.plan_frame("02_teacher_free_regularization", "small")
    cost.write_plan("02_teacher_free_regularization", "small", tmp_path)
    out = capsys.readouterr().out
    assert f"~{frame['cpu_hours'].sum():.1f} CPU-hours" in out and "(AVX2; bf16 emulated" in out
