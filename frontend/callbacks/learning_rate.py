"""Callbacks that change the optimizer's learning rate (`model.optimizer.lr`):
LearningRateScheduler (a schedule per epoch) and ReduceLROnPlateau (on stagnation)."""
import inspect
import warnings

import numpy as np

from .. import backend as K
from .core import Callback
from .monitoring import resolve_mode, missing_monitor_message


def _call_schedule(schedule, epoch, lr):
    """schedule(epoch, lr=lr) when the schedule accepts it, else schedule(epoch): both
    forms are part of the Keras 2.1.6 API."""
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError):  # a builtin or C callable: try the new form first
        try:
            return schedule(epoch, lr=lr)
        except TypeError:
            return schedule(epoch)
    try:
        signature.bind(epoch, lr=lr)
    except TypeError:
        return schedule(epoch)
    return schedule(epoch, lr=lr)


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch from a schedule.

    For step decay or warm-up schedules that the optimizer's own `decay` cannot express.

    # Arguments
        schedule: function `schedule(epoch)` or `schedule(epoch, lr)` (epoch counted
            from 0, lr the current rate) returning the new rate as a float.
        verbose: 0 or 1 (a message with each new rate).
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "lr"):
            raise ValueError('Optimizer must have a "lr" attribute.')
        lr = float(K.get_value(self.model.optimizer.lr))
        lr = _call_schedule(self.schedule, epoch, lr)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError('The output of the "schedule" function should be float.')
        K.set_value(self.model.optimizer.lr, lr)
        if self.verbose > 0:
            print("\nEpoch %05d: LearningRateScheduler reducing learning rate to %s." % (epoch + 1, lr))


class ReduceLROnPlateau(Callback):
    """Lowers the learning rate when a monitored quantity has stopped improving.

    Models often gain from a smaller step once progress stalls. The rate is multiplied
    by `factor` after `patience` epochs in which `monitor` did not improve by more than
    `min_delta`, never going below `min_lr`; after a reduction the callback waits
    `cooldown` epochs before counting again. The current rate is recorded in the epoch
    logs as `'lr'`.

    # Arguments
        monitor: the log entry to watch.
        factor: float < 1, the factor the rate is multiplied by.
        patience: epochs without improvement before a reduction.
        verbose: 0 or 1 (a message at each reduction).
        mode: `'auto'`, `'min'` or `'max'`, the direction of improvement.
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the lowest rate allowed.
        **kwargs: `epsilon`, the deprecated name of `min_delta` (with a warning);
            other names are ignored with a warning, as Keras 2.1.6 ignored them.

    # Raises
        ValueError: for `factor >= 1`, which would not reduce the rate.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0.")
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, "
                          "use `min_delta` instead.")
        if kwargs:
            # Keras 2.1.6 accepts and ignores other keywords; say so rather than hide a typo
            warnings.warn("ReduceLROnPlateau ignores unknown arguments: %s" % ", ".join(sorted(kwargs)))
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.mode = mode
        self._reset()

    def _reset(self):
        """Back to the start: no best value, no waiting, no cooldown."""
        direction = resolve_mode(self.mode, self.monitor, "Learning Rate Plateau Reducing")
        if self.mode not in ("min", "max"):
            self.mode = "auto"
        if direction == "min":
            self.monitor_op = lambda current, best: np.less(current, best - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda current, best: np.greater(current, best + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        """Whether the callback is still waiting after its last reduction.

        # Returns
            Boolean.
        """
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = K.get_value(self.model.optimizer.lr)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(missing_monitor_message("Reduce LR on plateau", self.monitor, logs),
                          RuntimeWarning)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(K.get_value(self.model.optimizer.lr))
                if old_lr > self.min_lr:
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    K.set_value(self.model.optimizer.lr, new_lr)
                    if self.verbose > 0:
                        print("\nEpoch %05d: ReduceLROnPlateau reducing learning rate to %s."
                              % (epoch + 1, new_lr))
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
