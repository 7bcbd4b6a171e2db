"""ModelCheckpoint: saves the model (or its weights) at the end of epochs."""
import warnings

import numpy as np

from .core import Callback
from .monitoring import resolve_mode


class ModelCheckpoint(Callback):
    """Saves the model every `period` epochs, so a long run can be resumed or its best
    state kept.

    `filepath` may hold format fields filled from the epoch number (counted from 1) and
    the epoch logs, e.g. `'weights.{epoch:02d}-{val_loss:.2f}.hdf5'`.

    # Arguments
        filepath: string, the path to write to (with optional format fields).
        monitor: the log entry to compare when `save_best_only` is set.
        verbose: 0 or 1 (a message at each save).
        save_best_only: write a file only when `monitor` improves on the best value
            seen so far, so the latest file is always the best model.
        save_weights_only: write `model.save_weights` instead of `model.save`.
        mode: `'auto'`, `'min'` or `'max'`, the direction of improvement; in `'auto'`
            mode names containing `'acc'` or starting with `'fmeasure'` are maximised,
            others minimised.
        period: integer, the number of epochs between saves.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1):
        super().__init__()
        self.filepath = filepath
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = period
        self.epochs_since_last_save = 0
        direction = resolve_mode(mode, monitor, "ModelCheckpoint", auto_max_prefixes=("fmeasure",))
        if direction == "max":
            self.monitor_op, self.best = np.greater, -np.inf
        else:
            self.monitor_op, self.best = np.less, np.inf

    def _save(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        filepath = self.filepath.format(epoch=epoch + 1, **logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print("\nEpoch %05d: saving model to %s" % (epoch + 1, filepath))
            self._save(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn("Can save best model only with %s available, skipping." % self.monitor,
                          RuntimeWarning)
        elif self.monitor_op(current, self.best):
            if self.verbose > 0:
                print("\nEpoch %05d: %s improved from %0.5f to %0.5f, saving model to %s"
                      % (epoch + 1, self.monitor, self.best, current, filepath))
            self.best = current
            self._save(filepath)
        elif self.verbose > 0:
            print("\nEpoch %05d: %s did not improve from %0.5f" % (epoch + 1, self.monitor, self.best))
