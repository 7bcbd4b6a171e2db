"""The callbacks of Horovod's Keras API: the same initial state on every rank, epoch
metrics averaged over the ranks, and a gradual learning-rate warm-up.

Checkpoints and progress bars stay per rank, by the usual idiom: pass
`ModelCheckpoint` and `verbose=1` on rank 0 only (`if hvd.rank() == 0`).
"""
import numpy as np

from .. import backend as K
from ..callbacks import Callback
from .agreement import check_ranks_agree, check_steps_agree
from .collectives import allreduce, broadcast_variables
from .world import communicator, size


class BroadcastGlobalVariablesCallback(Callback):
    """At the start of training, gives every rank the weights and optimizer state of
    `root_rank`.

    Ranks initialise their weights at random independently (or one of them loads a
    checkpoint); this makes every replica start from the same point, which the
    averaged updates then keep identical. The ranks' models, and the number of steps
    each makes per epoch, are checked to agree first, so a rank that built another
    model or holds more batches stops every rank with a clear error.

    # Arguments
        root_rank: the rank whose weights and optimizer state every rank takes.
        device: accepted for Horovod compatibility; must be empty (CPU only).

    # Raises
        ValueError: for a device.
    """

    def __init__(self, root_rank=0, device=""):
        super().__init__()
        if device:
            raise ValueError("keralite.distributed runs on CPUs only: device must be empty")
        self.root_rank = root_rank
        self.broadcast_done = False

    def on_train_begin(self, logs=None):
        if self.broadcast_done:
            return
        check_ranks_agree(self.model, self.root_rank)
        if self.params:
            check_steps_agree(self.params)
        optimizer_weights = getattr(self.model.optimizer, "weights", [])
        broadcast_variables(list(self.model.weights) + list(optimizer_weights), self.root_rank)
        self.broadcast_done = True


class MetricAverageCallback(Callback):
    """Replaces each epoch metric with its mean over the ranks.

    Each rank measures its metrics on its own shard of the data; their mean is the
    metric of the whole data set (for shards of equal size). Put it before any
    callback that reads the metrics (ModelCheckpoint, ReduceLROnPlateau, ...), so that
    those read the averaged values.

    # Arguments
        device: accepted for Horovod compatibility; must be empty (CPU only).

    # Raises
        ValueError: for a device, or when the ranks' logs name different metrics.
    """

    def __init__(self, device=""):
        super().__init__()
        if device:
            raise ValueError("keralite.distributed runs on CPUs only: device must be empty")

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or size() == 1:
            return
        names = sorted(name for name, value in logs.items() if np.ndim(value) == 0
                       and isinstance(value, (int, float, np.number)))
        all_names = communicator().allgather(names)
        if any(other != names for other in all_names):
            raise ValueError(f"MetricAverageCallback: the ranks log different metrics: {all_names}")
        if not names:
            return
        averaged = allreduce(np.array([float(logs[name]) for name in names], np.float64), average=True)
        for name, value in zip(names, averaged):
            logs[name] = float(value)


class LearningRateScheduleCallback(Callback):
    """Multiplies the initial learning rate by a schedule between two epochs, batch
    by batch (or once per epoch with `staircase`).

    # Arguments
        multiplier: a constant, or a function `multiplier(epoch)` of the (fractional)
            epoch returning the factor applied to the initial learning rate.
        start_epoch: the first epoch the schedule applies to.
        end_epoch: the epoch it stops at (None: the end of training).
        staircase: True to change the rate once per epoch, False at every batch.
        momentum_correction: scale the optimizer's momentum by the change of rate for
            the batch the rate changes in, so a momentum optimizer does not overshoot.
        steps_per_epoch: batches per epoch; by default taken from the fit arguments.
        initial_lr: the rate the multiplier scales; by default the optimizer's rate
            when training begins.
    """

    def __init__(self, multiplier, start_epoch=0, end_epoch=None, staircase=True,
                 momentum_correction=True, steps_per_epoch=None, initial_lr=None):
        super().__init__()
        self.multiplier = multiplier if callable(multiplier) else (lambda epoch: multiplier)
        self.start_epoch = start_epoch
        self.end_epoch = end_epoch
        self.staircase = staircase
        self.momentum_correction = momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self.initial_lr = initial_lr
        self.current_epoch = None
        self.restore_momentum = None

    def on_train_begin(self, logs=None):
        if self.initial_lr is None:
            self.initial_lr = float(K.get_value(self.model.optimizer.lr))
        if self.steps_per_epoch is None:
            self.steps_per_epoch = _steps_per_epoch(self.params)

    def _in_schedule(self, epoch):
        return epoch >= self.start_epoch and (self.end_epoch is None or epoch < self.end_epoch)

    def _set_lr(self, epoch):
        old_lr = float(K.get_value(self.model.optimizer.lr))
        new_lr = self.initial_lr * float(self.multiplier(epoch))
        K.set_value(self.model.optimizer.lr, new_lr)
        momentum = getattr(self.model.optimizer, "momentum", None)
        if self.momentum_correction and isinstance(momentum, K.Variable) and old_lr > 0:
            self.restore_momentum = float(K.get_value(momentum))
            K.set_value(momentum, self.restore_momentum * new_lr / old_lr)

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch
        if self.staircase and self._in_schedule(epoch):
            self._set_lr(epoch)

    def on_batch_begin(self, batch, logs=None):
        if self.staircase or not self._in_schedule(self.current_epoch):
            return
        self._set_lr(self.current_epoch + float(batch) / self.steps_per_epoch)

    def on_batch_end(self, batch, logs=None):
        if self.restore_momentum is not None:
            K.set_value(self.model.optimizer.momentum, self.restore_momentum)
            self.restore_momentum = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(K.get_value(self.model.optimizer.lr))


def warmup_multiplier(epoch, warmup_epochs, ranks):
    """The warm-up factor at a (fractional) epoch: 1/ranks at epoch 0, rising linearly
    to 1 at `warmup_epochs`.

    # Arguments
        epoch: float, epochs done so far.
        warmup_epochs: the length of the warm-up.
        ranks: the number of ranks.

    # Returns
        A float.
    """
    return (epoch * (ranks - 1) / warmup_epochs + 1.0) / ranks


class LearningRateWarmupCallback(LearningRateScheduleCallback):
    """Raises the learning rate gradually from `lr / size()` to `lr` over the first
    epochs.

    N ranks train at an N times larger global batch, usually with an N times larger
    learning rate; starting at that rate straight away often diverges, so it is reached
    linearly over `warmup_epochs` (Goyal et al., "Accurate, Large Minibatch SGD").

    # Arguments
        warmup_epochs: epochs over which the rate rises.
        momentum_correction: scale the momentum with each change of rate.
        steps_per_epoch: batches per epoch; by default taken from the fit arguments.
        verbose: 1 to print when the warm-up ends (on the ranks it is given to).
        initial_lr: the rate reached at the end; by default the optimizer's rate when
            training begins.
    """

    def __init__(self, warmup_epochs=5, momentum_correction=True, steps_per_epoch=None, verbose=0,
                 initial_lr=None):
        super().__init__(self._multiplier, start_epoch=0, end_epoch=warmup_epochs, staircase=False,
                         momentum_correction=momentum_correction, steps_per_epoch=steps_per_epoch,
                         initial_lr=initial_lr)
        self.warmup_epochs = warmup_epochs
        self.verbose = verbose

    def _multiplier(self, epoch):
        return warmup_multiplier(epoch, self.warmup_epochs, size())

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.end_epoch - 1:
            # the last batch of the warm-up stops just short of the target: reach it
            K.set_value(self.model.optimizer.lr, self.initial_lr)
            if self.verbose:
                print("\nEpoch %d: finished gradual learning rate warmup to %g." % (epoch + 1, self.initial_lr))
        super().on_epoch_end(epoch, logs)


def _steps_per_epoch(params):
    """Batches per epoch from the fit loop's parameters."""
    if params.get("steps"):
        return int(params["steps"])
    samples, batch_size = params.get("samples"), params.get("batch_size")
    if not samples or not batch_size:
        raise ValueError("cannot tell the number of batches per epoch: pass steps_per_epoch")
    return int(np.ceil(samples / float(batch_size)))
