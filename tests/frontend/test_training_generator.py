"""fit_generator / evaluate_generator / predict_generator (engine/training_generator.py)
on a tiny linear model."""
import threading

import numpy as np
import pytest

from keralite.callbacks import Callback
from keralite.engine.sequential import Sequential
from keralite.layers import Dense
from keralite.utils import Sequence

BATCH = 8
rng = np.random.RandomState(0)
X = rng.rand(40, 3).astype("float32")
TRUE_KERNEL = np.array([[1.0, -2.0], [0.5, 1.5], [-1.0, 0.25]], dtype="float32")
Y = X @ TRUE_KERNEL + 0.5


def make_model(seed_weights=None):
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    if seed_weights is not None:
        model.set_weights(seed_weights)
    return model


def batches(x=X, y=Y, batch=BATCH, counter=None):
    """An endless generator of (x, y) batches; `counter` counts the batches yielded."""
    while True:
        for start in range(0, len(x), batch):
            if counter is not None:
                counter.append(start)
            yield x[start:start + batch], y[start:start + batch]


class Batches(Sequence):
    """The same batches as a Sequence; records the indices read and epoch ends."""

    def __init__(self, x=X, y=Y, batch=BATCH, inputs_only=False):
        self.x, self.y, self.batch = x, y, batch
        self.inputs_only = inputs_only
        self.reads = []
        self.epochs_ended = 0
        self._lock = threading.Lock()

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch))

    def __getitem__(self, index):
        with self._lock:
            self.reads.append(index)
        part = slice(index * self.batch, (index + 1) * self.batch)
        return self.x[part] if self.inputs_only else (self.x[part], self.y[part])

    def on_epoch_end(self):
        self.epochs_ended += 1


class BatchCounter(Callback):
    def on_train_begin(self, logs=None):
        self.batches_per_epoch = []
        self.sizes = []

    def on_epoch_begin(self, epoch, logs=None):
        self.batches_per_epoch.append(0)

    def on_batch_end(self, batch, logs=None):
        self.batches_per_epoch[-1] += 1
        self.sizes.append(logs["size"])


@pytest.fixture(scope="module")
def initial_weights():
    return make_model().get_weights()


def test_fit_generator_trains_and_counts_batches(initial_weights):
    model = make_model(initial_weights)
    yielded = []
    counter = BatchCounter()
    history = model.fit_generator(batches(counter=yielded), steps_per_epoch=5, epochs=4, verbose=0,
                                  callbacks=[counter], workers=0)
    losses = history.history["loss"]
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert counter.batches_per_epoch == [5, 5, 5, 5]
    assert counter.sizes == [BATCH] * 20
    assert len(yielded) == 20  # workers=0: exactly the batches used
    assert history.epoch == [0, 1, 2, 3]


def test_fit_generator_matches_train_on_batch(initial_weights):
    """Without workers, fit_generator is train_on_batch over the generator's batches."""
    by_generator = make_model(initial_weights)
    by_generator.fit_generator(batches(), steps_per_epoch=5, epochs=2, verbose=0, workers=0)
    by_hand = make_model(initial_weights)
    stream = batches()
    for _ in range(10):
        by_hand.train_on_batch(*next(stream))
    for a, b in zip(by_generator.get_weights(), by_hand.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_fit_generator_sequence_with_two_workers(initial_weights, use_multiprocessing):
    model = make_model(initial_weights)
    sequence = Batches()
    counter = BatchCounter()
    history = model.fit_generator(sequence, epochs=3, verbose=0, workers=2, callbacks=[counter],
                                  use_multiprocessing=use_multiprocessing, shuffle=True)
    assert counter.batches_per_epoch == [5, 5, 5]  # steps_per_epoch = len(sequence)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    if not use_multiprocessing:  # reads happen in threads of this process: every batch each epoch
        assert sorted(sequence.reads[:15]) == sorted(list(range(5)) * 3)
    assert sequence.epochs_ended >= 2


def test_fit_generator_plain_generator_in_processes(initial_weights):
    model = make_model(initial_weights)
    history = model.fit_generator(batches(), steps_per_epoch=5, epochs=2, verbose=0, workers=1,
                                  use_multiprocessing=True, max_queue_size=2)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.warns(UserWarning, match="may duplicate your data"):
        model.fit_generator(batches(), steps_per_epoch=2, epochs=1, verbose=0, workers=2,
                            use_multiprocessing=True)


@pytest.mark.parametrize("shuffle", [False, True])
def test_sequence_order_per_epoch(initial_weights, shuffle):
    model = make_model(initial_weights)
    sequence = Batches()
    model.fit_generator(sequence, epochs=2, verbose=0, workers=0, shuffle=shuffle)
    first, second = sequence.reads[:5], sequence.reads[5:10]
    assert sorted(first) == sorted(second) == list(range(5))
    if not shuffle:
        assert first == second == list(range(5))
    assert sequence.epochs_ended == 1  # the second pass has not been asked beyond its end


def test_fit_generator_initial_epoch_and_verbose_output(initial_weights, capsys):
    model = make_model(initial_weights)
    history = model.fit_generator(batches(), steps_per_epoch=3, epochs=4, initial_epoch=2, verbose=1)
    assert history.epoch == [2, 3]
    out = capsys.readouterr().out
    assert "Epoch 3/4" in out and "Epoch 4/4" in out and "Epoch 2/4" not in out
    assert "3/3 [==============================]" in out


def test_validation_from_tuple_and_from_generator(initial_weights):
    x_val, y_val = X[:16], Y[:16]
    model = make_model(initial_weights)
    history = model.fit_generator(batches(), steps_per_epoch=5, epochs=2, verbose=0,
                                  validation_data=(x_val, y_val))
    assert len(history.history["val_loss"]) == 2
    # validation runs after the epoch's last step: it is the evaluation of the final weights
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               model.evaluate(x_val, y_val, batch_size=BATCH, verbose=0), rtol=1e-5)

    model = make_model(initial_weights)
    history = model.fit_generator(batches(), steps_per_epoch=5, epochs=2, verbose=0,
                                  validation_data=batches(x_val, y_val), validation_steps=2)
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               model.evaluate(x_val, y_val, batch_size=BATCH, verbose=0), rtol=1e-5)

    model = make_model(initial_weights)
    history = model.fit_generator(Batches(), epochs=1, verbose=0, validation_data=Batches(x_val, y_val))
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               model.evaluate(x_val, y_val, batch_size=BATCH, verbose=0), rtol=1e-5)


def test_class_weight_is_applied(initial_weights):
    y_binary = (X[:, :1] > 0.5).astype("float32")
    class_weight = {0: 0.25, 1: 2.0}
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    start = model.get_weights()
    model.fit_generator(batches(X, y_binary), steps_per_epoch=2, epochs=1, verbose=0, workers=0,
                        class_weight=class_weight)
    reference = Sequential([Dense(1, input_shape=(3,))])
    reference.compile("sgd", "mse")
    reference.set_weights(start)
    for start_row in (0, BATCH):
        rows = slice(start_row, start_row + BATCH)
        weights = np.where(y_binary[rows, 0] == 1, 2.0, 0.25)
        reference.train_on_batch(X[rows], y_binary[rows], sample_weight=weights)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_callback_can_stop_training(initial_weights):
    class StopAfterTwoBatches(Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    counter = BatchCounter()
    model = make_model(initial_weights)
    history = model.fit_generator(batches(), steps_per_epoch=5, epochs=3, verbose=0,
                                  callbacks=[StopAfterTwoBatches(), counter])
    assert counter.batches_per_epoch == [2]
    assert history.epoch == [0]


@pytest.mark.parametrize("workers,use_multiprocessing", [(0, False), (1, False), (2, False), (2, True)])
def test_predict_generator_order_matches_predict(initial_weights, workers, use_multiprocessing):
    model = make_model(initial_weights)
    expected = model.predict(X, batch_size=BATCH)
    from_sequence = model.predict_generator(Batches(batch=7, inputs_only=True), workers=workers,
                                            use_multiprocessing=use_multiprocessing)
    np.testing.assert_allclose(from_sequence, expected, rtol=1e-6)
    # a training generator's (x, y) tuples are accepted: the targets are ignored
    from_generator = model.predict_generator(batches(), steps=5, workers=min(workers, 1))
    np.testing.assert_allclose(from_generator, expected, rtol=1e-6)


def test_predict_generator_single_step_and_progress(initial_weights, capsys):
    model = make_model(initial_weights)
    out = model.predict_generator(Batches(batch=40, inputs_only=True), verbose=1)
    np.testing.assert_allclose(out, model.predict(X), rtol=1e-6)
    assert "1/1 [" in capsys.readouterr().out


@pytest.mark.parametrize("workers", [0, 2])
def test_evaluate_generator_equals_evaluate(initial_weights, workers):
    model = make_model(initial_weights)
    # batches of 7: the last one is smaller, and both weight the average by batch size
    expected = model.evaluate(X, Y, batch_size=7, verbose=0)
    np.testing.assert_allclose(model.evaluate_generator(Batches(batch=7), workers=workers), expected,
                               rtol=1e-5)
    np.testing.assert_allclose(model.evaluate_generator(batches(batch=7), steps=6, workers=workers), expected,
                               rtol=1e-5)


def test_evaluate_generator_with_metrics_returns_a_list(initial_weights):
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse", metrics=["mae"])
    expected = model.evaluate(X, Y, batch_size=BATCH, verbose=0)
    result = model.evaluate_generator(Batches(), workers=1)
    assert isinstance(result, list) and len(result) == 2
    np.testing.assert_allclose(result, expected, rtol=1e-5)


def _yielding(item):
    while True:
        yield item


@pytest.mark.parametrize("workers", [0, 1])
def test_bad_generator_output_raises_keras_errors(initial_weights, workers):
    model = make_model(initial_weights)
    four = (X[:4], Y[:4], np.ones(4), np.ones(4))
    with pytest.raises(ValueError) as info:
        model.fit_generator(_yielding(four), steps_per_epoch=1, verbose=0, workers=workers)
    assert str(info.value).startswith(
        "Output of generator should be a tuple `(x, y, sample_weight)` or `(x, y)`. Found: ")
    with pytest.raises(ValueError, match=r"should be a tuple `\(x, y, sample_weight\)` or `\(x, y\)`. Found: 3"):
        model.fit_generator(_yielding(3), steps_per_epoch=1, verbose=0, workers=workers)
    with pytest.raises(ValueError) as info:
        model.evaluate_generator(_yielding(four), steps=1, workers=workers)
    assert str(info.value).startswith(
        "Output of generator should be a tuple (x, y, sample_weight) or (x, y). Found: ")
    with pytest.raises(ValueError, match="Output of generator should be a tuple"):
        model.predict_generator(_yielding(four), steps=1, workers=workers)


def test_missing_steps_errors(initial_weights):
    model = make_model(initial_weights)
    with pytest.raises(ValueError, match="`steps_per_epoch=None` is only valid for a generator based on"):
        model.fit_generator(batches(), verbose=0)
    with pytest.raises(ValueError, match="`validation_steps=None` is only valid for a generator based on"):
        model.fit_generator(batches(), steps_per_epoch=1, verbose=0, validation_data=batches())
    with pytest.raises(ValueError, match="`steps=None` is only valid for a generator based on"):
        model.evaluate_generator(batches())
    with pytest.raises(ValueError, match="`steps=None` is only valid for a generator based on"):
        model.predict_generator(batches())
    with pytest.raises(ValueError, match="`validation_data` should be a tuple"):
        model.fit_generator(batches(), steps_per_epoch=1, verbose=0, validation_data=(X, Y, None, None))


def test_generator_errors_and_exhaustion_reach_the_caller(initial_weights):
    def broken():
        yield X[:8], Y[:8]
        raise RuntimeError("data source failed")

    model = make_model(initial_weights)
    for workers in (0, 1):
        with pytest.raises(RuntimeError, match="data source failed"):
            model.fit_generator(broken(), steps_per_epoch=3, verbose=0, workers=workers)

    def short():
        yield X[:8], Y[:8]

    with pytest.raises(StopIteration, match="ran out of data after 1 of the 3 steps"):
        model.fit_generator(short(), steps_per_epoch=3, verbose=0, workers=1)
    with pytest.raises(KeyError):
        class Failing(Batches):
            def __getitem__(self, index):
                raise KeyError(index)
        model.fit_generator(Failing(), verbose=0, workers=2)
