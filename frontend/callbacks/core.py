"""The callback protocol and the callbacks every fit() uses: CallbackList, BaseLogger
(epoch averages), History, ProgbarLogger, TerminateOnNaN."""
import numpy as np

from ..utils.generic_utils import Progbar


class CallbackList:
    """Dispatches each training event to a list of callbacks, in order.

    The training loops talk to this one object instead of looping over callbacks at
    every event.

    # Arguments
        callbacks: list of Callback instances.
        queue_length: kept for Keras' signature (Keras used it to time slow batch
            callbacks).
    """

    def __init__(self, callbacks=None, queue_length=10):
        self.callbacks = list(callbacks or [])
        self.queue_length = queue_length

    def append(self, callback):
        """Adds a callback at the end of the list.

        # Arguments
            callback: a Callback instance.
        """
        self.callbacks.append(callback)

    def set_params(self, params):
        """Gives every callback the training parameters (see `Callback.set_params`).

        # Arguments
            params: dict of the training parameters.
        """
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        """Gives every callback the model being trained.

        # Arguments
            model: the model.
        """
        for callback in self.callbacks:
            callback.set_model(model)

    def on_epoch_begin(self, epoch, logs=None):
        """Forwards the start of an epoch to every callback.

        # Arguments
            epoch: integer, the epoch's index (from 0).
            logs: dict of values so far, or None.
        """
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        """Forwards the end of an epoch to every callback; they share (and may add to) `logs`.

        # Arguments
            epoch: integer, the epoch's index (from 0).
            logs: dict of the epoch's metrics, or None.
        """
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs if logs is not None else {})

    def on_batch_begin(self, batch, logs=None):
        """Forwards the start of a batch to every callback.

        # Arguments
            batch: integer, the batch's index within the epoch.
            logs: dict with the batch's `size` and index, or None.
        """
        for callback in self.callbacks:
            callback.on_batch_begin(batch, logs if logs is not None else {})

    def on_batch_end(self, batch, logs=None):
        """Forwards the end of a batch to every callback.

        # Arguments
            batch: integer, the batch's index within the epoch.
            logs: dict of the batch's metrics, or None.
        """
        for callback in self.callbacks:
            callback.on_batch_end(batch, logs if logs is not None else {})

    def on_train_begin(self, logs=None):
        """Forwards the start of training to every callback.

        # Arguments
            logs: dict, or None.
        """
        for callback in self.callbacks:
            callback.on_train_begin(logs or {})

    def on_train_end(self, logs=None):
        """Forwards the end of training to every callback.

        # Arguments
            logs: dict, or None.
        """
        for callback in self.callbacks:
            callback.on_train_end(logs or {})

    def __iter__(self):
        return iter(self.callbacks)


class Callback:
    """The base class of callbacks: hooks that training calls at each epoch and batch.

    Subclasses override the `on_*` methods they need; the others do nothing.
    `self.model` and `self.params` are set before training starts, so a callback can
    read the metrics, stop training (`self.model.stop_training = True`) or change the
    optimizer.
    """

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = None

    def set_params(self, params):
        """Receives the training parameters before training starts.

        # Arguments
            params: dict with `batch_size`, `epochs`, `steps`, `samples`, `verbose`,
                `do_validation` and `metrics` (the names that will appear in the logs).
        """
        self.params = params

    def set_model(self, model):
        """Receives the model being trained before training starts.

        # Arguments
            model: the model; stored as `self.model`.
        """
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of every epoch.

        # Arguments
            epoch: integer, the epoch's index (from 0).
            logs: dict, empty at this point.
        """
        pass

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of every epoch, after validation.

        # Arguments
            epoch: integer, the epoch's index (from 0).
            logs: dict of the epoch's metrics (`loss`, `acc`, `val_loss`, ...); callbacks
                may add entries, which later callbacks and History see.
        """
        pass

    def on_batch_begin(self, batch, logs=None):
        """Called before every training batch.

        # Arguments
            batch: integer, the batch's index within the epoch.
            logs: dict with `batch` and `size` (the number of samples).
        """
        pass

    def on_batch_end(self, batch, logs=None):
        """Called after every training batch.

        # Arguments
            batch: integer, the batch's index within the epoch.
            logs: dict with `batch`, `size` and the batch's metrics.
        """
        pass

    def on_train_begin(self, logs=None):
        """Called once when training starts.

        # Arguments
            logs: dict, empty at this point.
        """
        pass

    def on_train_end(self, logs=None):
        """Called once when training ends (also after an early stop).

        # Arguments
            logs: dict, empty at this point.
        """
        pass


class BaseLogger(Callback):
    """Averages batch metrics over an epoch, weighted by batch size, into the epoch logs.

    Every `fit` adds it first, so the epoch logs the other callbacks see hold
    averages rather than the last batch's values.

    # Arguments
        stateful_metrics: names of metrics that already hold a running value over the
            epoch; their last value is reported instead of an average.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        batch_size = logs.get("size", 0)
        self.seen += batch_size
        for k, v in logs.items():
            if k in self.stateful_metrics:
                self.totals[k] = v
            elif k in self.totals:
                self.totals[k] += v * batch_size
            else:
                self.totals[k] = v * batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            for k in self.params["metrics"]:
                if k in self.totals:
                    logs[k] = self.totals[k] if k in self.stateful_metrics else self.totals[k] / self.seen


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite.

    Once the loss diverges every later update is wasted (and may overwrite good
    checkpoints), so stopping early saves time.
    """

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            print("Batch %d: Invalid loss, terminating training" % batch)
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Prints the metrics to stdout with the Keras progress bar.

    Added by `fit` when `verbose` is not 0.

    # Arguments
        count_mode: `"samples"` to count progress in samples, `"steps"` in batches
            (for generators and tensor inputs, whose sample count is unknown).
        stateful_metrics: names of metrics shown as their last value rather than an
            average over the epoch.

    # Raises
        ValueError: for another `count_mode`.
    """

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode == "samples":
            self.use_steps = False
        elif count_mode == "steps":
            self.use_steps = True
        else:
            raise ValueError("Unknown `count_mode`: " + str(count_mode))
        self.stateful_metrics = set(stateful_metrics or [])

    def on_train_begin(self, logs=None):
        self.verbose = self.params["verbose"]
        self.epochs = self.params["epochs"]

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print("Epoch %d/%d" % (epoch + 1, self.epochs))
            self.target = self.params["steps"] if self.use_steps else self.params["samples"]
            self.progbar = Progbar(target=self.target, verbose=self.verbose,
                                   stateful_metrics=self.stateful_metrics)
        self.seen = 0

    def on_batch_begin(self, batch, logs=None):
        if self.seen < self.target:
            self.log_values = []

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        batch_size = logs.get("size", 0)
        self.seen += 1 if self.use_steps else batch_size
        for k in self.params["metrics"]:
            if k in logs:
                self.log_values.append((k, logs[k]))
        if self.verbose and self.seen < self.target:
            self.progbar.update(self.seen, self.log_values)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for k in self.params["metrics"]:
            if k in logs:
                self.log_values.append((k, logs[k]))
        if self.verbose:
            self.progbar.update(self.seen, self.log_values)


class History(Callback):
    """Records the epoch logs: `history.history['loss']` and so on, one value per epoch.

    Every `fit` adds it last and returns it, which is how users plot learning curves.
    """

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)
