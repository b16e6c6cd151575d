"""The graph-safe training step (RunSettings(graph=True)): every method's step makes no host
sync and has no data-dependent shape, so that one CUDA graph can hold it, and it trains the
models the eager step trains, up to last bits.

The proof is dynamo's: `torch.compile(trainer.losses, fullgraph=True, dynamic=False)` traces
the forward half of a step (inputs and augmentation, the forwards, the method's targets,
losses and counters) and fails on any Python branch on a tensor's value; the backend below
then rejects a graph in which any value was read back from a tensor (`.item()`, a count
used as a size: a host sync) or any shape depends on data (boolean indexing, nonzero). The
backward half is autograd's, and the optimiser step is torch's fused kernel with its
learning rate a device tensor (nkdlib.train._optimizer)."""
import numpy as np
import pytest
import torch

from helpers import BASE, CPU, QUIET, cfg, history
from nkdlib.config import make_config, teacher_config
from nkdlib.methods import METHODS
from nkdlib.tasks import Split, Task, task_for
from nkdlib.settings import RunSettings
from nkdlib.train import Trainer, run


def host_reads(fn, *args) -> list[str]:
    """The nodes of fn's one graph (fullgraph: a graph break raises) that read a value back
    from a tensor or whose shape depends on data."""
    found = []

    def backend(gm, example_inputs):
        for node in gm.graph.nodes:
            value = node.meta.get("example_value")
            for v in value if isinstance(value, (tuple, list)) else [value]:
                if isinstance(v, (torch.SymInt, torch.SymFloat, torch.SymBool)):
                    found.append(f"{node.format_node()}: a value read from a tensor")
                elif isinstance(v, torch.Tensor) and not all(isinstance(s, int) for s in v.shape):
                    found.append(f"{node.format_node()}: shape {tuple(v.shape)} depends on data")
        return gm

    torch._dynamo.reset()
    torch.compile(fn, fullgraph=True, dynamic=False, backend=backend)(*args)
    return found


def trainer_after_one_step(config, graph=True, task=None):
    """A Trainer at epoch 0 after its epoch hook and one eager step (which allocates the
    method's device counters, as the warm-up steps before a capture do)."""
    task = task or task_for(config)
    teacher = np.zeros((len(task.train), task.num_classes), np.float32) if config["teacher"] else None
    trainer = Trainer(config, task, RunSettings(device="cpu", quiet=True, graph=graph), teacher)
    trainer.method.on_epoch_start(trainer.view(), 0)
    trainer._train_step(torch.arange(BASE["batch_size"]))
    return trainer


CASES = {name: dict(method=name) for name in sorted(METHODS)}
CASES.update({"cmd mconf": dict(method="cmd", hp={"target": "mconf"}),
              "cmd mean": dict(method="cmd", hp={"form": "mean"}),
              "cmd warm-up": dict(method="cmd", hp={"warmup": 1}),
              "sync_mkd mconf": dict(method="sync_mkd", hp={"target": "mconf"}),
              "cmd progress step": dict(method="cmd", progress="step", schedule="linear")})


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_graph_safe_step_of_every_method_reads_nothing_back_and_has_fixed_shapes(case):
    kw = CASES[case]
    teacher = teacher_config(cfg(), ["mlp"]) if METHODS[kw["method"]].needs_teacher else None
    trainer = trainer_after_one_step(cfg(teacher=teacher, **kw))
    idx = torch.arange(BASE["batch_size"], 2 * BASE["batch_size"])
    assert host_reads(trainer.losses, idx) == []
    if kw["method"] in ("self_dstl", "co_distill"):   # their other phase: the soft target / epoch > 0
        before = trainer.method.phase(0, 1)
        trainer.method.soft, trainer.epoch = torch.randn(len(trainer.labels), 10), 1
        assert trainer.method.phase(1, 1) != before
        assert host_reads(trainer.losses, idx) == []


def test_the_graph_safe_step_with_images_keeps_augmentation_on_the_device():
    rng = np.random.default_rng(0)

    def split(n):
        y = rng.integers(0, 10, n)
        return Split(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), y, y.copy(), np.zeros(n, bool))
    task = Task("synthetic", "image", 10, [str(c) for c in range(10)], "accuracy", split(128), split(0), split(16))
    config = make_config(task="cifar10", method="co_teaching", models=["resnet18"], width=0.0625, optimizer="sgd",
                         batch_size=BASE["batch_size"], valid_frac=0.0, select="last", noise_rate=0.2)
    trainer = trainer_after_one_step(config, task=task)
    assert host_reads(trainer.losses, torch.arange(BASE["batch_size"])) == []


def test_the_check_finds_host_reads_and_data_dependent_shapes():
    """What the test above rejects, it finds: the eager step's boolean indexing (CMD's
    published arithmetic) and a per-step .item() (Mconf's entropy sum before the graph-safe step)."""
    x, mask = torch.randn(8), torch.arange(8) % 3 == 0
    assert host_reads(lambda v, m: v[m].sum(), x, mask)
    assert host_reads(lambda v: v * v.sum().item(), x)
    assert host_reads(trainer_after_one_step(cfg(method="cmd"), graph=False).losses, torch.arange(64))
    with pytest.raises(Exception, match="[Dd]ata-dependent"):   # a Python branch on a value
        host_reads(lambda v: v if v.sum() > 0 else -v, x)


@pytest.mark.parametrize("kw", [dict(method="cmd", hp={"target": "mconf"}), dict(method="co_teaching"),
                                dict(method="async_mkd"), dict(method="co_distill_lr", hp={"refine_epoch": 1, "trees": 10})])
def test_the_graph_lever_trains_the_same_models_up_to_last_bits_and_is_recorded(kw, tmp_path):
    config = cfg(epochs=3, **kw)
    plain = run(config, tmp_path / "plain", QUIET)
    graph = run(config, tmp_path / "graph", RunSettings(quiet=True, graph=True))
    assert plain["path"]["graph"] is False and graph["path"]["graph"] is True
    same = ("test_metric_0", "test_metric_1", "epochs_run", "epoch_0", "epoch_1")
    assert {k: plain[k] for k in same} == {k: graph[k] for k in same}
    a, b = (history(tmp_path / name, config) for name in ("plain", "graph"))
    assert list(a.columns) == list(b.columns)
    np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-5)


def test_a_checkpoint_resumes_under_either_lever():
    """Checkpoints hold learning rates as floats; the graph lever's optimisers get theirs back as device tensors."""
    config = cfg(method="cmd", schedule="linear")
    eager, graph = Trainer(config, task_for(config), CPU), trainer_after_one_step(config)
    state = graph.state_dict()
    lrs = [g["lr"] for o in state["optimizers"] for g in o["param_groups"]]
    assert all(type(lr) is float for lr in lrs + [x for s in state["schedules"] for x in s["base_lrs"] + s["_last_lr"]])
    eager.load_state_dict(state)
    graph.load_state_dict(eager.state_dict())
    assert [g["lr"] for o in eager.optimizers for g in o.param_groups] == lrs
    assert [g["lr"].item() for o in graph.optimizers for g in o.param_groups] == pytest.approx(lrs)
    assert all(torch.is_tensor(g["lr"]) for o in graph.optimizers for g in o.param_groups)


def test_text_models_refuse_the_graph_lever():
    config = cfg(task="sst2", models=["minilm-l3"])
    with pytest.raises(ValueError, match="fixed-shape inputs"):
        Trainer(config, task_for(config), RunSettings(device="cpu", quiet=True, graph=True))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
@pytest.mark.parametrize("method", ["cmd", "co_teaching", "async_mkd", "co_distill"])
def test_on_cuda_replayed_graphs_train_as_the_graph_safe_step_does(method):
    """Captured per phase (AsyncMKD's parity, CD's first epoch) and per batch size (the last,
    partial batch), replayed, against the same step run eagerly on the same GPU."""
    config = cfg(method=method, epochs=3)
    rows = []
    for capture in (True, False):
        trainer = Trainer(config, task_for(config), RunSettings(device="cuda", quiet=True, graph=True))
        if not capture:
            trainer.graphed = None
        rows.append([trainer.train_epoch() for trainer.epoch in range(3)])
    assert trainer.steps_per_epoch > 3 * 2 + 1   # enough steps to capture
    for a, b in zip(*rows):
        assert a == pytest.approx(b, rel=1e-5)
