"""What the training loop (nkdlib.train.Trainer) reports to, besides its history: small
objects whose hooks it calls in order.

    on_step(trainer, losses)    after each training step (losses: one per model, None where
                                a model did not step), once its losses are checked
    on_epoch_end(trainer, row)  after each epoch, with its history row
    close()                     when the run ends, trained or not

The trainer always has its StepLog (the config's eval_steps); `run` attaches a TensorBoard
when its settings name a folder.
"""
import json
from pathlib import Path

import torch
import torch.nn.functional as F


class Callback:
    """Hooks that do nothing; a callback overrides the ones it needs."""

    def on_step(self, trainer, losses):
        pass

    def on_epoch_end(self, trainer, row):
        pass

    def close(self):
        pass


class StepLog(Callback):
    """The main model's test loss every `every` steps (config eval_steps; 0: never), as the
    rows of the run's steps.csv (noisy-KD Fig. 2); checkpointed with the trainer."""

    def __init__(self, every: int):
        self.every = every
        self.rows = []   # {"step", "epoch" (from 0), "test_loss"}

    def on_step(self, trainer, losses):
        if self.every and trainer.step % self.every == 0:
            k, y = trainer.method.main, torch.as_tensor(trainer.task.test.y)
            self.rows.append({"step": trainer.step, "epoch": trainer.epoch,
                              "test_loss": F.cross_entropy(trainer.predict(k, "test"), y).item()})


class TensorBoard(Callback):
    """Live curves in <folder>/<method>/<run name>: every training loss per step (not with
    sync_free, which keeps losses on the device), every history value per epoch, and the
    config as text."""

    def __init__(self, folder, cfg: dict, run_name: str):
        from torch.utils.tensorboard import SummaryWriter   # optional: needs the tensorboard package
        self.writer = SummaryWriter(str(Path(folder) / cfg["method"] / run_name))
        self.writer.add_text("config", "    " + json.dumps(cfg, indent=1, default=str).replace("\n", "\n    "))

    def on_step(self, trainer, losses):
        if not trainer.sync_free:
            for k, loss in enumerate(losses):
                if loss is not None:
                    self.writer.add_scalar(f"train/loss_{k}", loss.item(), trainer.step)

    def on_epoch_end(self, trainer, row):
        for name, value in row.items():
            self.writer.add_scalar(f"epoch/{name}", value, trainer.epoch + 1)

    def close(self):
        self.writer.close()
