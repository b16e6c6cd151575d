"""The published evidence (results/small) is reproducible: the cheapest published run,
recomputed from its config on this CPU, gives the published numbers."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from nkdlib.runs import RunDir, gather
from nkdlib.train import run

PUBLISHED = Path(__file__).resolve().parents[1] / "results" / "small" / "runs"


def test_the_cheapest_published_run_recomputes_to_the_published_numbers(tmp_path, shared_data):
    table = gather(PUBLISHED) if PUBLISHED.is_dir() else pd.DataFrame()
    for needs in ("teacher.method", "init_from.method"):   # a run with no other run to retrain first
        table = table[table[needs].isna()] if needs in table else table
    if table.empty:
        pytest.skip(f"no published runs under {PUBLISHED}")
    row = table.loc[table["train_time_s"].idxmin()]
    config = json.loads((PUBLISHED / row["run"] / "config.json").read_text())
    threads = torch.get_num_threads()
    torch.set_num_threads(int(row["threads"]))   # one vs two threads differ from the first epoch
    try:
        metrics = run(config, tmp_path, data_dir=shared_data, quiet=True)
    finally:
        torch.set_num_threads(threads)
    published = RunDir(PUBLISHED, config)
    # same config, same thread count, same kind of CPU: bit-identical training, so exact equality
    keys = ("test_metric", "valid_metric", "epochs_run", "n_train")   # valid_metric is NaN without a valid split
    np.testing.assert_equal({k: metrics[k] for k in keys}, {k: published.metrics()[k] for k in keys})
    expected = published.read_csv("history.csv").drop(columns="epoch_time_s")
    # columns logged since publication (e.g. CMD's entropy quantiles) are additions, not changes
    pd.testing.assert_frame_equal(RunDir(tmp_path, config).read_csv("history.csv")[expected.columns], expected)


def test_every_published_config_hashes_to_its_folder():
    """Run keys survive change (nkdlib.config.key_view): the main job reuses every published run."""
    configs = sorted(PUBLISHED.glob("*/config.json"))
    if not configs:
        pytest.skip(f"no published runs under {PUBLISHED}")
    moved = [f.parent.name for f in configs
             if RunDir(PUBLISHED, json.loads(f.read_text())).path.name != f.parent.name]
    assert moved == [], f"{len(moved)} of {len(configs)} published runs no longer map to their folder"
