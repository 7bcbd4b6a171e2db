"""CSVLogger: one row of epoch logs per epoch in a CSV file."""
import csv
import os
from collections.abc import Iterable

import numpy as np

from .core import Callback


def _csv_value(value):
    """Strings and scalars as they are; other iterables (1-D arrays, lists) as '"[a, b]"'."""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return '"[%s]"' % ", ".join(map(str, value))
    return value


class CSVLogger(Callback):
    """Streams the epoch logs to a CSV file, one row per epoch.

    The header is `epoch` followed by the log keys (sorted, as seen at the first
    epoch). Lines end with `'\\r\\n'` (the csv module's excel dialect).

    # Arguments
        filename: path of the CSV file.
        separator: the string separating fields.
        append: whether to continue an existing file (writing the header only if it is
            empty), e.g. when resuming training; False overwrites it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = filename
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r") as existing:
                    self.append_header = not existing.readline()
            self.csv_file = open(self.filename, "a", newline="")
        else:
            self.csv_file = open(self.filename, "w", newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
        if self.model is not None and getattr(self.model, "stop_training", False):
            # the epoch that stopped training may lack some keys: 'NA' keeps the row parseable
            logs = {key: logs.get(key, "NA") for key in self.keys}
        if self.writer is None:
            dialect = type("CSVLoggerDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs[key])) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self.csv_file.close()
        self.writer = None
