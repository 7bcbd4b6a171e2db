"""EarlyStopping: ends training when a monitored quantity stops improving."""
import warnings

import numpy as np

from .core import Callback
from .monitoring import resolve_mode, missing_monitor_message


class EarlyStopping(Callback):
    """Stops training when a monitored quantity has stopped improving.

    Saves the epochs that would only overfit. `stopped_epoch` holds the (0-based) epoch
    it stopped at.

    # Arguments
        monitor: the log entry to watch, e.g. `'val_loss'`.
        min_delta: the smallest change that counts as an improvement.
        patience: the number of epochs without improvement before stopping.
        verbose: 0 or 1 (a message when stopping).
        mode: `'auto'`, `'min'` or `'max'`, the direction of improvement; `'auto'`
            maximises names containing `'acc'` and minimises the others.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto"):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.wait = 0
        self.stopped_epoch = 0
        if resolve_mode(mode, monitor, "EarlyStopping") == "max":
            self.monitor_op = np.greater
            self.min_delta = min_delta
        else:
            self.monitor_op = np.less
            self.min_delta = -min_delta

    def on_train_begin(self, logs=None):
        # reset, so one instance can serve several fit() calls
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(missing_monitor_message("Early stopping", self.monitor, logs), RuntimeWarning)
            return
        # an improvement must beat the best by min_delta (min_delta carries the direction's sign)
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.wait = 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print("Epoch %05d: early stopping" % (self.stopped_epoch + 1))
