"""Values computed from weights alone (a transposed kernel, a Winograd kernel transform)
run in a prologue only when a weight they read was written (passes/weight_cache.py):
every way of writing a weight makes the next call see it."""
import numpy as np

from keralite import backend as K
from keralite.layers import Conv2D, Dense, Flatten
from keralite.models import Sequential

RNG = np.random.RandomState(3)


def _transposed_product():
    w = K.variable(RNG.randn(4, 3).astype("float32"))
    x = K.placeholder((None, 3))
    return w, x, K.function([x], [K.dot(x, K.transpose(w))])


def test_weight_work_moves_to_a_prologue_and_follows_set_value():
    w, x, f = _transposed_product()
    assert f.compiled.prologue is not None
    assert "transpose" not in [n.op.name for n in f.compiled.graph.nodes()]
    xv = RNG.randn(5, 3).astype("float32")
    for _ in range(3):
        np.testing.assert_allclose(f([xv])[0], xv @ K.get_value(w).T, rtol=1e-5)
        K.set_value(w, RNG.randn(4, 3).astype("float32"))


def test_a_compiled_update_of_the_weight_is_seen_by_the_next_call():
    w, x, f = _transposed_product()
    step = K.function([], [], updates=[K.update_add(w, K.ones((4, 3)))])
    xv = RNG.randn(2, 3).astype("float32")
    before = f([xv])[0]
    step([])
    np.testing.assert_allclose(f([xv])[0], before + xv.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)


def test_a_graph_that_updates_the_weight_keeps_the_work():
    w = K.variable(RNG.randn(4, 3).astype("float32"))
    x = K.placeholder((None, 3))
    f = K.function([x], [K.dot(x, K.transpose(w))], updates=[K.update_add(w, K.ones((4, 3)))])
    assert f.compiled.prologue is None
    xv = RNG.randn(2, 3).astype("float32")
    first = K.get_value(w)
    np.testing.assert_allclose(f([xv])[0], xv @ first.T, rtol=1e-5)
    np.testing.assert_allclose(f([xv])[0], xv @ (first + 1).T, rtol=1e-5)


def _cnn():
    model = Sequential([Conv2D(16, 3, activation="relu", input_shape=(10, 10, 3)),
                        Conv2D(24, 3, activation="relu"), Flatten(), Dense(4)])
    model.compile("sgd", "mse")
    return model


def test_predictions_follow_training_and_loaded_weights(tmp_path):
    model = _cnn()
    x = RNG.rand(6, 10, 10, 3).astype("float32")
    y = RNG.rand(6, 4).astype("float32")
    model.predict(x)
    assert model.predict_function.compiled.prologue is not None     # the Winograd transform
    for _ in range(2):
        model.train_on_batch(x, y)
        # a fresh model with the trained weights computes everything in its first call
        other = _cnn()
        other.set_weights(model.get_weights())
        np.testing.assert_allclose(model.predict(x), other.predict(x), rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "weights.h5")
    other.save_weights(path)
    halved = _cnn()
    halved.set_weights([w * 0.5 for w in model.get_weights()])
    model.set_weights(halved.get_weights())
    np.testing.assert_allclose(model.predict(x), halved.predict(x), rtol=1e-5, atol=1e-6)
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(x), other.predict(x), rtol=1e-5, atol=1e-6)
