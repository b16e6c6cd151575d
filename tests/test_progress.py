"""nkdlib.progress: text bars redrawn rarely in batch runs, tqdm.auto elsewhere."""
import io

from nkdlib import progress


def test_batch_runs_get_plain_text_bars_redrawn_every_30_s():
    bar = progress.bar(range(3), text=True, file=io.StringIO())
    assert type(bar).__module__ == "tqdm.std" and bar.mininterval == progress.BATCH_INTERVAL == 30.0


def test_otherwise_tqdm_auto_chooses_widget_or_text():
    from tqdm.auto import tqdm
    assert isinstance(progress.bar(range(3), disable=True), tqdm)
