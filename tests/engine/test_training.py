"""Model.compile / fit / evaluate / predict / *_on_batch against numpy references:
losses and metrics given as names, functions, lists and dicts, loss weights, sample,
class and temporal weights, weighted metrics, the fit loop's options and output, one
compiled function reused for every batch size, dropout in training only, Keras 1
arguments, an SGD step by hand, and Keras' error messages."""
import re
import warnings

import numpy as np
import pytest

import keralite as keras
from keralite import backend as K
from keralite.callbacks import Callback
from keralite.layers import Dense, Dropout, Input
from keralite.models import Model, Sequential

EPSILON = 1e-7
RNG = np.random.RandomState(99)


def mse_np(y_true, y_pred):
    return np.mean((y_pred - y_true) ** 2, axis=-1)


def mae_np(y_true, y_pred):
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def categorical_crossentropy_np(y_true, y_pred):
    y_pred = y_pred / y_pred.sum(axis=-1, keepdims=True)
    return -np.sum(y_true * np.log(np.clip(y_pred, EPSILON, 1 - EPSILON)), axis=-1)


def weighted_mean_np(scores, weights):
    """Keras' weighting: mean(score * w) / mean(w != 0)."""
    return np.mean(scores * weights) / np.mean(weights != 0)


def custom_loss(y_true, y_pred):
    return K.mean(K.abs(y_pred - y_true) * 2.0, axis=-1)


def custom_metric(y_true, y_pred):
    return K.max(y_pred, axis=-1)


class BatchLogs(Callback):
    def on_train_begin(self, logs=None):
        self.batches = []

    def on_batch_end(self, batch, logs=None):
        self.batches.append(dict(logs))


# ------------------------------------------------------------------ shared models
@pytest.fixture(scope="module")
def two_outputs():
    """x (4,) -> hidden Dense(5, relu) -> o1 Dense(2, softmax) and o2 Dense(3)."""
    inputs = Input(shape=(4,), name="x_in")
    hidden = Dense(5, activation="relu", name="hidden")(inputs)
    o1 = Dense(2, activation="softmax", name="o1")(hidden)
    o2 = Dense(3, name="o2")(hidden)
    model = Model(inputs, [o1, o2])
    x = RNG.rand(7, 4).astype("float32")
    y1 = np.eye(2, dtype="float32")[RNG.randint(0, 2, 7)]
    y2 = RNG.randn(7, 3).astype("float32")
    return model, x, y1, y2


def test_losses_as_one_name_list_and_dict_with_loss_weights(two_outputs):
    model, x, y1, y2 = two_outputs
    p1, p2 = model.predict(x)            # before compile: predict needs no compile
    model.compile("sgd", loss="mse")
    assert model.metrics_names == ["loss", "o1_loss", "o2_loss"]
    total, l1, l2 = model.test_on_batch(x, [y1, y2])
    np.testing.assert_allclose([l1, l2], [mse_np(y1, p1).mean(), mse_np(y2, p2).mean()], rtol=1e-5)
    np.testing.assert_allclose(total, l1 + l2, rtol=1e-5)

    model.compile("sgd", loss=["categorical_crossentropy", custom_loss], loss_weights=[0.5, 2.0])
    total, l1, l2 = model.test_on_batch(x, [y1, y2])
    np.testing.assert_allclose(l1, categorical_crossentropy_np(y1, p1).mean(), rtol=1e-5)
    np.testing.assert_allclose(l2, 2.0 * mae_np(y2, p2).mean(), rtol=1e-5)
    np.testing.assert_allclose(total, 0.5 * l1 + 2.0 * l2, rtol=1e-5)

    model.compile("sgd", loss={"o2": keras.losses.mean_absolute_error, "o1": "mse"},
                  loss_weights={"o2": 0.25})
    total, l1, l2 = model.evaluate(x, {"o1": y1, "o2": y2}, batch_size=3, verbose=0)
    np.testing.assert_allclose([l1, l2], [mse_np(y1, p1).mean(), mae_np(y2, p2).mean()], rtol=1e-5)
    np.testing.assert_allclose(total, l1 + 0.25 * l2, rtol=1e-5)


def test_metrics_as_list_and_dict(two_outputs):
    model, x, y1, y2 = two_outputs
    p1, p2 = model.predict(x)
    model.compile("sgd", loss="mse", metrics=["mae"])
    assert model.metrics_names == ["loss", "o1_loss", "o2_loss", "o1_mean_absolute_error",
                                   "o2_mean_absolute_error"]
    out = model.test_on_batch(x, [y1, y2])
    np.testing.assert_allclose(out[3:], [mae_np(y1, p1).mean(), mae_np(y2, p2).mean()], rtol=1e-5)

    model.compile("sgd", loss=["categorical_crossentropy", "mse"],
                  metrics={"o1": ["accuracy", custom_metric], "o2": keras.metrics.mae})
    assert model.metrics_names == ["loss", "o1_loss", "o2_loss", "o1_acc", "o1_custom_metric",
                                   "o2_mean_absolute_error"]
    out = model.test_on_batch(x, [y1, y2])
    accuracy = np.mean(np.argmax(y1, -1) == np.argmax(p1, -1))
    np.testing.assert_allclose(out[3:], [accuracy, p1.max(-1).mean(), mae_np(y2, p2).mean()], rtol=1e-5)


def test_loss_dict_naming_a_missing_output(two_outputs):
    model = two_outputs[0]
    with pytest.raises(ValueError, match=re.escape('Unknown entry in loss dictionary: "o3". Only expected '
                                                   "the following keys: ['o1', 'o2']")):
        model.compile("sgd", loss={"o3": "mse"})
    with pytest.raises(ValueError, match="When passing a list as loss, it should have one entry per model "
                                         "outputs. The model has 2 outputs, but you passed loss="):
        model.compile("sgd", loss=["mse"])


@pytest.fixture(scope="module")
def classifier():
    """x (4,) -> Dense(3, softmax)."""
    model = Sequential([Dense(3, activation="softmax", input_shape=(4,), name="cls")])
    x = RNG.rand(6, 4).astype("float32")
    y = np.eye(3, dtype="float32")[[0, 1, 2, 1, 1, 0]]
    return model, x, y


def test_sample_weights_class_weights_and_weighted_metrics(classifier):
    model, x, y = classifier
    model.compile("sgd", "categorical_crossentropy", metrics=["mae"], weighted_metrics=["mae"])
    assert model.metrics_names == ["loss", "mean_absolute_error", "weighted_mean_absolute_error"]
    predicted = model.predict(x)
    scores = categorical_crossentropy_np(y, predicted)
    weights = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0], dtype="float32")
    loss, mae, weighted_mae = model.test_on_batch(x, y, sample_weight=weights)
    np.testing.assert_allclose(loss, weighted_mean_np(scores, weights), rtol=1e-5)
    np.testing.assert_allclose(mae, mae_np(y, predicted).mean(), rtol=1e-5)
    np.testing.assert_allclose(weighted_mae, weighted_mean_np(mae_np(y, predicted), weights), rtol=1e-5)
    # class weights: the loss returned by train_on_batch is the one before the update
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    per_sample = np.array([class_weight[c] for c in y.argmax(-1)])
    loss = model.train_on_batch(x, y, class_weight=class_weight)[0]
    np.testing.assert_allclose(loss, weighted_mean_np(scores, per_sample), rtol=1e-5)
    with pytest.raises(ValueError, match="`class_weight` must contain all classes in the data"):
        model.train_on_batch(x, y, class_weight={0: 1.0, 1: 2.0})
    with pytest.raises(ValueError, match="In order to use timestep-wise sample weights, you should specify "
                                         "sample_weight_mode=\"temporal\" in compile()"):
        model.test_on_batch(x, y, sample_weight=np.ones((6, 2)))


def test_temporal_sample_weights():
    inputs = Input(shape=(5, 3))
    model = Model(inputs, Dense(2, name="per_step")(inputs))
    model.compile("sgd", "mse", sample_weight_mode="temporal")
    x = RNG.rand(4, 5, 3).astype("float32")
    y = RNG.rand(4, 5, 2).astype("float32")
    weights = RNG.randint(0, 3, size=(4, 5)).astype("float32")
    weights[0, 0] = 1.0
    loss = model.test_on_batch(x, y, sample_weight=weights)
    np.testing.assert_allclose(loss, weighted_mean_np(mse_np(y, model.predict(x)), weights), rtol=1e-5)
    with pytest.raises(ValueError, match=re.escape("Found a sample_weight array with shape (4,). In order to use "
                                                   "timestep-wise sample weighting, you should pass a 2D "
                                                   "sample_weight array.")):
        model.test_on_batch(x, y, sample_weight=np.ones(4))


def test_output_mask_excludes_masked_steps_from_the_loss():
    inputs = Input(shape=(4, 3))
    masked = keras.layers.Masking(mask_value=0.0)(inputs)
    model = Model(inputs, Dense(2, name="masked_out")(masked))
    model.compile("sgd", "mse")
    x = RNG.rand(3, 4, 3).astype("float32")
    x[0, 2] = 0.0
    x[2, 0] = 0.0
    x[2, 3] = 0.0
    y = RNG.rand(3, 4, 2).astype("float32")
    keep = np.any(x != 0.0, axis=-1).astype("float32")
    expected = np.mean(mse_np(y, model.predict(x)) * keep) / np.mean(keep)
    np.testing.assert_allclose(model.test_on_batch(x, y), expected, rtol=1e-5)


# ------------------------------------------------------------------ the fit loop
@pytest.fixture(scope="module")
def regression():
    """x (3,) -> Dense(2): a linear model compiled with SGD and mse."""
    model = Sequential([Dense(2, input_shape=(3,), name="lin")])
    x = RNG.rand(10, 3).astype("float32")
    y = (x @ np.array([[1.0, -1.0], [0.5, 2.0], [-1.5, 0.25]]) + 0.1).astype("float32")
    return model, x, y


def compile_regression(model):
    model.compile(keras.optimizers.SGD(lr=0.05), "mse", metrics=["mae"])


def test_fit_returns_history_with_epochs_and_validation(regression):
    model, x, y = regression
    compile_regression(model)
    history = model.fit(x, y, batch_size=4, epochs=3, initial_epoch=1, verbose=0, validation_split=0.2)
    assert isinstance(history, keras.callbacks.History) and history is model.history
    assert history.epoch == [1, 2]
    assert sorted(history.history) == ["loss", "mean_absolute_error", "val_loss", "val_mean_absolute_error"]
    assert len(history.history["loss"]) == 2
    assert history.params["samples"] == 8 and history.params["epochs"] == 3 and history.params["do_validation"]
    # the validation loss is the loss on the last 2 samples after the epoch
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               mse_np(y[8:], model.predict(x[8:])).mean(), rtol=1e-5)

    history = model.fit(x[:7], y[:7], batch_size=3, epochs=1, verbose=0, validation_data=(x[7:], y[7:]))
    np.testing.assert_allclose(history.history["val_loss"][0],
                               mse_np(y[7:], model.predict(x[7:])).mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="When passing validation_data, it must contain 2"):
        model.fit(x, y, verbose=0, validation_data=(x,))


def test_evaluate_averages_batches_by_size(regression):
    model, x, y = regression
    compile_regression(model)
    loss, mae = model.evaluate(x, y, batch_size=4, verbose=0)
    predicted = model.predict(x, batch_size=3)
    np.testing.assert_allclose([loss, mae], [mse_np(y, predicted).mean(), mae_np(y, predicted).mean()],
                               rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x), predicted, rtol=1e-6)
    np.testing.assert_allclose(model.test_on_batch(x, y), [loss, mae], rtol=1e-5)


def test_shuffle_modes_order_the_batches(regression):
    model, x, _ = regression
    ids = np.arange(10, dtype="float32")[:, None] * np.ones((1, 2), dtype="float32")

    def first_target(y_true, y_pred):
        return y_true[0, 0]

    model.compile(keras.optimizers.SGD(lr=0.0), "mse", metrics=[first_target])

    def batch_starts(shuffle):
        logs = BatchLogs()
        model.fit(x, ids, batch_size=3, epochs=1, verbose=0, shuffle=shuffle, callbacks=[logs])
        return [int(b["first_target"]) for b in logs.batches], [b["size"] for b in logs.batches]

    starts, sizes = batch_starts(False)
    assert starts == [0, 3, 6, 9] and sizes == [3, 3, 3, 1]
    np.random.seed(3)
    starts, sizes = batch_starts("batch")
    assert sorted(starts[:3]) == [0, 3, 6] and starts[3] == 9 and sizes == [3, 3, 3, 1]
    np.random.seed(3)
    seen = [batch_starts(True)[0] for _ in range(3)]
    assert any(s != [0, 3, 6, 9] for s in seen)


def test_steps_per_epoch_runs_the_whole_arrays_per_step(regression):
    model, x, y = regression
    compile_regression(model)
    logs = BatchLogs()
    history = model.fit(x, y, epochs=2, steps_per_epoch=3, verbose=0, callbacks=[logs])
    assert len(logs.batches) == 6 and len(history.history["loss"]) == 2
    assert history.params["steps"] == 3


def test_fit_progress_output(regression, capsys):
    model, x, y = regression
    compile_regression(model)
    model.fit(x, y, batch_size=4, epochs=2, verbose=2, validation_split=0.2)
    out = capsys.readouterr().out
    assert "Train on 8 samples, validate on 2 samples" in out
    assert re.search(r"Epoch 1/2\n - \d+s - loss: \d+\.\d{4} - mean_absolute_error: \d+\.\d{4} - "
                     r"val_loss: \d+\.\d{4} - val_mean_absolute_error: \d+\.\d{4}\nEpoch 2/2\n", out), out
    model.fit(x, y, batch_size=4, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out
    assert re.search(r"10/10 \[==============================\] - \d+s \d+(s|ms|us)/step - loss: \d+\.\d{4} - "
                     r"mean_absolute_error: \d+\.\d{4}", out), out
    model.fit(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_smaller_last_batch_reuses_the_compiled_functions(regression, monkeypatch):
    model, x, y = regression
    model.compile(keras.optimizers.SGD(lr=0.01), "mse")
    model.train_on_batch(x[:4], y[:4])
    model.evaluate(x, y, verbose=0)
    model.predict(x)
    functions = (model.train_function, model.test_function, model.predict_function)
    entries = [f._executable for f in functions]
    compiled = []
    from keralite.backend import execution
    original = execution.compile_graph
    monkeypatch.setattr(execution, "compile_graph", lambda *a, **k: compiled.append(a) or original(*a, **k))
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)          # batches of 4, 4 and 2
    model.evaluate(x, y, batch_size=3, verbose=0)                # 3, 3, 3 and 1
    model.predict(x, batch_size=7)                               # 7 and 3
    model.train_on_batch(x[:1], y[:1])
    assert compiled == []
    assert (model.train_function, model.test_function, model.predict_function) == functions
    assert [f._executable for f in functions] == entries


def test_sgd_with_momentum_matches_numpy():
    model = Sequential([Dense(3, input_shape=(4,), name="sgd_dense")])
    kernel = RNG.randn(4, 3).astype("float32")
    bias = RNG.randn(3).astype("float32")
    model.set_weights([kernel, bias])
    model.compile(keras.optimizers.SGD(lr=0.1, momentum=0.9), "mse")
    x = RNG.rand(5, 4).astype("float32")
    y = RNG.randn(5, 3).astype("float32")
    params = [kernel.astype("float64"), bias.astype("float64")]
    velocities = [np.zeros_like(p) for p in params]
    for _ in range(3):
        error = x @ params[0] + params[1] - y
        expected_loss = np.mean(error ** 2)
        d_out = 2.0 * error / error.size
        grads = [x.T @ d_out, d_out.sum(axis=0)]
        velocities = [0.9 * v - 0.1 * g for v, g in zip(velocities, grads)]
        params = [p + v for p, v in zip(params, velocities)]
        np.testing.assert_allclose(model.train_on_batch(x, y), expected_loss, rtol=1e-5)
        for got, want in zip(model.get_weights(), params):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_fit_with_sample_weights_matches_numpy():
    model = Sequential([Dense(2, input_shape=(3,), name="sw_dense")])
    kernel, bias = RNG.randn(3, 2).astype("float32"), RNG.randn(2).astype("float32")
    model.set_weights([kernel, bias])
    model.compile(keras.optimizers.SGD(lr=0.2), "mse")
    x, y = RNG.rand(6, 3).astype("float32"), RNG.randn(6, 2).astype("float32")
    weights = np.array([1.0, 0.0, 2.0, 0.0, 0.5, 1.5], dtype="float32")
    params = [kernel.astype("float64"), bias.astype("float64")]
    losses = []
    for start in (0, 4):                          # batches of 4 and 2, in order
        xb, yb, wb = x[start:start + 4], y[start:start + 4], weights[start:start + 4]
        error = xb @ params[0] + params[1] - yb
        losses.append(weighted_mean_np(np.mean(error ** 2, axis=-1), wb))
        # d/d(pred) of mean_i(w_i * mean_j(e_ij ** 2)) / mean(w != 0)
        d_out = 2.0 * error * wb[:, None] / (error.size * np.mean(wb != 0))
        params = [params[0] - 0.2 * (xb.T @ d_out), params[1] - 0.2 * d_out.sum(axis=0)]
    logs = BatchLogs()
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, sample_weight=weights, verbose=0, callbacks=[logs])
    np.testing.assert_allclose([b["loss"] for b in logs.batches], losses, rtol=1e-5)
    for got, want in zip(model.get_weights(), params):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_mlp_training_reduces_the_loss():
    rng = np.random.RandomState(7)
    x = rng.randn(120, 2).astype("float32")
    labels = (x[:, 0] * x[:, 1] > 0).astype(int)          # XOR of the signs: needs the hidden layer
    y = np.eye(2, dtype="float32")[labels]
    model = Sequential([Dense(16, activation="tanh", input_shape=(2,)), Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(lr=0.05), "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=40, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["acc"][-1] > 0.9


def test_dropout_is_on_in_training_and_off_in_inference():
    model = Sequential([Dropout(0.9, input_shape=(300,))])
    model.compile("sgd", "mse")
    ones = np.ones((4, 300), dtype="float32")
    np.testing.assert_array_equal(model.predict(ones), ones)
    assert model.evaluate(ones, ones, verbose=0) == 0.0
    assert model.test_on_batch(ones, ones) == 0.0
    # kept units are scaled by 1 / (1 - 0.9): the squared error is 1 where dropped, 81 where kept
    loss = model.train_on_batch(ones, ones)
    assert 4.0 < loss < 14.0
    history = model.fit(ones, ones, verbose=0, epochs=1)
    assert history.history["loss"][0] > 1.0


def test_freezing_takes_effect_at_the_next_compile():
    inputs = Input(shape=(3,))
    frozen, free = Dense(4, name="frz"), Dense(2, name="free")
    model = Model(inputs, free(frozen(inputs)))
    model.compile("sgd", "mse")
    x, y = RNG.rand(6, 3), RNG.rand(6, 2)
    frozen.trainable = False
    before = frozen.get_weights()
    model.train_on_batch(x, y)
    assert not np.allclose(before[0], frozen.get_weights()[0])     # still trainable until recompiled
    model.compile("sgd", "mse")
    before, before_free = frozen.get_weights(), free.get_weights()
    model.train_on_batch(x, y)
    np.testing.assert_array_equal(before[0], frozen.get_weights()[0])
    assert not np.allclose(before_free[0], free.get_weights()[0])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_keras1_argument_names_warn_and_work(regression):
    with pytest.warns(UserWarning, match=re.escape('Update your `Dense` call to the Keras 2 API: '
                                                   '`Dense(input_dim=4, units=3, kernel_initializer="uniform")`')):
        layer = Dense(output_dim=3, init="uniform", input_dim=4)
    assert layer.units == 3 and isinstance(layer.kernel_initializer, keras.initializers.RandomUniform)
    with pytest.warns(UserWarning, match=re.escape("Update your `Dropout` call to the Keras 2 API: "
                                                   "`Dropout(rate=0.25)`")):
        assert Dropout(p=0.25).rate == 0.25
    with pytest.raises(TypeError, match=r"`Dense` can accept only 1 positional arguments \('units',\)"):
        Dense(3, "relu")
    model, x, y = regression
    compile_regression(model)
    with pytest.warns(UserWarning, match="The `nb_epoch` argument in `fit` has been renamed `epochs`."):
        history = model.fit(x, y, nb_epoch=2, verbose=0)
    assert history.epoch == [0, 1]


# ------------------------------------------------------------------ errors
def test_input_and_target_checks_name_the_input(regression):
    model, x, y = regression
    compile_regression(model)
    name = model.input_names[0]
    with pytest.raises(ValueError, match=re.escape("Error when checking input: expected %s to have shape (3,) but "
                                                   "got array with shape (5,)" % name)):
        model.fit(np.ones((4, 5)), np.ones((4, 2)), verbose=0)
    with pytest.raises(ValueError, match=re.escape("Error when checking input: expected %s to have shape (3,) but "
                                                   "got array with shape (4,)" % name)):
        model.predict(np.ones((2, 4)))
    with pytest.raises(ValueError, match=re.escape("Error when checking input: expected %s to have 2 dimensions, "
                                                   "but got array with shape (2, 3, 1)" % name)):
        model.predict(np.ones((2, 3, 1)))
    with pytest.raises(ValueError, match=re.escape("Error when checking target: expected lin to have shape (2,) "
                                                   "but got array with shape (3,)")):
        model.train_on_batch(x, np.ones((10, 3)))
    with pytest.raises(ValueError, match="Input arrays should have the same number of samples as target arrays. "
                                         "Found 10 input samples and 9 target samples."):
        model.fit(x, y[:9], verbose=0)


def test_keras_message_for_a_fixed_input_name():
    model = Sequential([Dense(2, input_shape=(4,), name="dense_1")])
    with pytest.raises(ValueError, match=re.escape("Error when checking input: expected dense_1_input to have "
                                                   "shape (4,) but got array with shape (5,)")):
        model.predict(np.ones((3, 5)))


def test_training_before_compile_is_an_error():
    model = Sequential([Dense(2, input_shape=(3,))])
    x = np.ones((2, 3), dtype="float32")
    assert model.predict(x).shape == (2, 2)
    with pytest.raises(RuntimeError, match=re.escape("You must compile a model before training/testing. Use "
                                                     "`model.compile(optimizer, loss)`.")):
        model.fit(x, np.ones((2, 2)), verbose=0)
    with pytest.raises(RuntimeError, match="You must compile"):
        model.train_on_batch(x, np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="You must compile"):
        model.evaluate(x, np.ones((2, 2)), verbose=0)


def test_sequential_predict_classes_and_proba(classifier):
    model, x, _ = classifier
    probabilities = model.predict(x)
    np.testing.assert_array_equal(model.predict_classes(x, batch_size=4), probabilities.argmax(axis=-1))
    np.testing.assert_allclose(model.predict_proba(x), probabilities, rtol=1e-6)


def test_target_shapes_are_checked_for_builtin_losses_only(classifier):
    model, x, y = classifier
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=re.escape("Error when checking target: expected cls to have shape (3,) "
                                                   "but got array with shape (1,)")):
        model.train_on_batch(x, np.zeros((6, 1)))
    # a user-defined loss gets targets of any shape (here 2 columns for 3 outputs)
    def total_mass(y_true, y_pred):
        return K.square(K.sum(y_pred, axis=-1) - K.sum(y_true, axis=-1))
    model.compile("sgd", total_mass)
    halves = np.full((6, 2), 0.25, dtype="float32")
    np.testing.assert_allclose(model.test_on_batch(x, halves), 0.25, rtol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile("sgd", "sparse_categorical_crossentropy")
    loss = model.test_on_batch(x, np.array([0, 1, 2, 1, 1, 0]))
    predicted = model.predict(x)
    np.testing.assert_allclose(loss, -np.mean(np.log(predicted[np.arange(6), [0, 1, 2, 1, 1, 0]])), rtol=1e-5)


def test_categorical_crossentropy_on_one_unit_explains_integer_targets():
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=re.escape("You are passing a target array of shape (3, 1) while using "
                                                   "as loss `categorical_crossentropy`")):
        model.train_on_batch(np.ones((3, 2)), np.ones((3, 1)))
