"""LambdaCallback: a callback assembled from plain functions."""
from .core import Callback


class LambdaCallback(Callback):
    """Calls the given functions at the matching events, with positional arguments:
    on_epoch_begin / on_epoch_end (epoch, logs), on_batch_begin / on_batch_end
    (batch, logs), on_train_begin / on_train_end (logs). Events without a function do
    nothing. Extra keyword arguments become attributes of the callback."""

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
