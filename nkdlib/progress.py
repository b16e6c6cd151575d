"""Progress bars where users look: widget bars in an interactive notebook (tqdm.auto, with
ipywidgets), plain text bars in batch runs (RunSettings.text_bars, which `python -m
nkdlib.notebooks` sets for the notebooks it runs), redrawn at most every BATCH_INTERVAL
seconds so that an executed notebook holds a few lines per run, not thousands of redraws."""

BATCH_INTERVAL = 30.0   # seconds between redraws of a text bar in batch runs


def bar(iterable=None, text=False, **kwargs):
    """A tqdm progress bar (same arguments): plain text redrawn rarely with `text`, else tqdm.auto's."""
    if text:
        from tqdm.std import tqdm
        return tqdm(iterable, mininterval=BATCH_INTERVAL, ascii=True, **kwargs)
    from tqdm.auto import tqdm
    return tqdm(iterable, **kwargs)
