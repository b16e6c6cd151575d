"""Digits runs shared by the engine, method and run-store tests: 40% symmetric noise, a
small MLP, SGD; two epochs unless a test asks for more."""
import pandas as pd

from nkdlib import runs
from nkdlib.tasks import task_for
from nkdlib.config import make_config
from nkdlib.papers.table import Row, Table
from nkdlib.settings import RunSettings

BASE = dict(task="digits", noise_rate=0.4, models=["mlp"], width=0.5, optimizer="sgd", lr=0.1,
            weight_decay=0.0, batch_size=64, epochs=2, schedule="constant", clip=0.0)
QUIET = RunSettings(quiet=True)                # the tests' runs: no progress bars
CPU = RunSettings(device="cpu", quiet=True)    # their Trainers: on the CPU, even where CUDA is


def cfg(**kw):
    return make_config(**{**BASE, **kw})


def n_train():
    return len(task_for(cfg()).train)


def history(root, config) -> pd.DataFrame:
    """The run's history.csv without its wall-clock column."""
    return runs.RunDir(root, config).read_csv("history.csv").drop(columns="epoch_time_s")


def model_cols(frame, k) -> pd.DataFrame:
    """Model k's columns of a history (suffix _k), with the suffix dropped."""
    return frame[[c for c in frame.columns if c.endswith(f"_{k}")]].rename(columns=lambda c: c[:-2])


def tiny_table(**kw):
    """A digits table with a teacher row, a KD row and a two-model row; kw replaces fields."""
    base = dict(name="x.t", source="test", models={"A": "mlp", "B": "mlp", "teacher": "mlp"}, seeds=(0, 1),
                recipe=dict(epochs=1, optimizer="sgd", lr=0.1, schedule="constant"), data=dict(task="digits"),
                rows={"T": Row("ce", models=("teacher",)), "KD": Row("kd", {"w": 0.5}, models=("A",), teacher="T"),
                      "Mean": Row("cmd", {"eta": 2.0}, models=("A", "B"), value="mean")},
                columns={"c1": {}, "c2": {"noise_rate": 0.2}})
    return Table(**{**base, **kw})
