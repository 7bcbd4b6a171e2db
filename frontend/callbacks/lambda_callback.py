"""LambdaCallback: a callback assembled from plain functions."""
from .core import Callback


class LambdaCallback(Callback):
    """A callback made of plain functions, for small hooks that need no class.

    Events without a function do nothing.

    # Arguments
        on_epoch_begin: function `(epoch, logs)`, called at the start of each epoch.
        on_epoch_end: function `(epoch, logs)`, called at the end of each epoch.
        on_batch_begin: function `(batch, logs)`, called before each batch.
        on_batch_end: function `(batch, logs)`, called after each batch.
        on_train_begin: function `(logs)`, called when training starts.
        on_train_end: function `(logs)`, called when training ends.
        **kwargs: extra values that become attributes of the callback.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        self.on_epoch_begin = on_epoch_begin or (lambda epoch, logs: None)
        self.on_epoch_end = on_epoch_end or (lambda epoch, logs: None)
        self.on_batch_begin = on_batch_begin or (lambda batch, logs: None)
        self.on_batch_end = on_batch_end or (lambda batch, logs: None)
        self.on_train_begin = on_train_begin or (lambda logs: None)
        self.on_train_end = on_train_end or (lambda logs: None)
