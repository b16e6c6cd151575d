"""Shared test fixtures: where the offline data lives, and one thread for torch."""

import os
from pathlib import Path

import pytest


def pytest_configure(config):
    # CI runs on 2 shared cores: torch's default thread pool only oversubscribes them
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def shared_data():
    """Path of the offline data ($NKD_DATA_DIR, else ../shared/data beside the repo)."""
    env = os.environ.get("NKD_DATA_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"offline data not found at {path}: set NKD_DATA_DIR (see shared/data/README.md)")
    return path
