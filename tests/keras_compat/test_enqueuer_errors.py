"""An exception in an enqueuer's worker, thread or process, reaches the caller of
fit_generator / predict_generator as that exception, promptly; a worker process that
dies without one is reported, not taken for the end of the data."""
import os
import time

import numpy as np
import pytest

import keralite  # noqa: F401  (the package first: it wires keralite.layers)
from keralite.layers import Dense
from keralite.models import Sequential
from keralite.utils import Sequence


class BadBatch(Exception):
    """Raised by the data on purpose."""


class FailingSequence(Sequence):
    def __init__(self, failure):
        self.failure = failure

    def __len__(self):
        return 8

    def __getitem__(self, index):
        if index == 3:
            if self.failure == "exit":
                os._exit(3)
            raise BadBatch("batch %d is broken" % index)
        return np.ones((2, 3), "float32"), np.ones((2, 1), "float32")


def failing_generator(failure, with_targets=True):
    for i in range(100):
        if i == 3:
            if failure == "exit":
                os._exit(3)
            raise BadBatch("item %d is broken" % i)
        x = np.ones((2, 3), "float32")
        yield (x, np.ones((2, 1), "float32")) if with_targets else x


@pytest.fixture(scope="module")
def model():
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("use_multiprocessing", [False, True])
@pytest.mark.parametrize("source", ["sequence", "generator"])
def test_worker_exception_reaches_fit_generator(model, source, use_multiprocessing):
    data = FailingSequence("raise") if source == "sequence" else failing_generator("raise")
    start = time.monotonic()
    with pytest.raises(BadBatch, match="is broken"):
        model.fit_generator(data, steps_per_epoch=8, epochs=3, workers=2,
                            use_multiprocessing=use_multiprocessing, verbose=0)
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("use_multiprocessing", [False, True])
@pytest.mark.parametrize("source", ["sequence", "generator"])
def test_worker_exception_reaches_predict_generator(model, source, use_multiprocessing):
    data = FailingSequence("raise") if source == "sequence" else failing_generator("raise", with_targets=False)
    start = time.monotonic()
    with pytest.raises(BadBatch, match="is broken"):
        model.predict_generator(data, steps=8, workers=2, use_multiprocessing=use_multiprocessing)
    assert time.monotonic() - start < 10


def test_a_dead_generator_process_is_reported(model):
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="ended abruptly"):
        model.fit_generator(failing_generator("exit"), steps_per_epoch=8, epochs=2, workers=2,
                            use_multiprocessing=True, verbose=0)
    assert time.monotonic() - start < 10


def test_a_dead_sequence_process_is_reported(model):
    from concurrent.futures.process import BrokenProcessPool
    with pytest.raises(BrokenProcessPool):
        model.predict_generator(FailingSequence("exit"), steps=8, workers=2, use_multiprocessing=True)
