"""Progress bars where users look: widget bars in an interactive notebook (tqdm.auto, with
ipywidgets), plain text bars in batch runs (`python -m nkdlib.notebooks` sets
NKD_TEXT_BARS for the kernels it starts), redrawn at most every BATCH_INTERVAL seconds so
that an executed notebook holds a few lines per run, not thousands of redraws."""
import os

BATCH_INTERVAL = 30.0   # seconds between redraws of a text bar in batch runs


def bar(iterable=None, **kwargs):
    """A tqdm progress bar (same arguments) of the kind this process should show."""
    if os.environ.get("NKD_TEXT_BARS"):
        from tqdm.std import tqdm
        return tqdm(iterable, mininterval=BATCH_INTERVAL, ascii=True, **kwargs)
    from tqdm.auto import tqdm
    return tqdm(iterable, **kwargs)
