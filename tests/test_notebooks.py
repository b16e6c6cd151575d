"""Smoke-run every paper notebook under papermill (the CI profile): it must execute
without error and write at least one table (CSV) and one figure (PNG and PDF)."""
import pytest

from nkdlib.data import default_data_dir
from nkdlib.notebooks import execute, notebooks


@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: p.stem)
def test_notebook_smoke(notebook, tmp_path):
    if default_data_dir() is None:
        pytest.skip("offline data not found: set NKD_DATA_DIR or put shared/data beside the repo")
    figures = tmp_path / "figures"
    execute(notebook, tmp_path / "out", profile="smoke", quiet=True, runs_dir=str(tmp_path / "runs"),
            figures_dir=str(figures))
    written = list((figures / notebook.stem).iterdir())
    suffixes = {p.suffix for p in written}
    assert {".csv", ".png", ".pdf"} <= suffixes, written
    assert all(p.stat().st_size > 0 for p in written)


def test_there_are_four_notebooks():
    assert [p.stem[:2] for p in notebooks()] == ["01", "02", "03", "04"]
