"""Layer shapes Keras programs rely on: Reshape with -1, Dropout's noise_shape with
None entries."""
import numpy as np

from keralite import backend as K
from keralite.layers import Dense, Dropout, Input, Reshape
from keralite.models import Model, Sequential


def test_reshape_output_shape_with_minus_one():
    assert Reshape((-1, 1)).compute_output_shape((None, 6)) == (None, 6, 1)
    shape = Reshape((-1, 2)).compute_output_shape((None, 3, 4))
    assert shape == (None, 6, 2) and all(type(d) is int for d in shape[1:])
    # a size known only at run time leaves the -1 unknown, not -1
    assert Reshape((-1, 2)).compute_output_shape((None, None, 4)) == (None, None, 2)
    model = Sequential([Reshape((-1, 1), input_shape=(6,))])
    assert model.output_shape == (None, 6, 1)
    x = np.arange(12, dtype="float32").reshape(2, 6)
    np.testing.assert_array_equal(model.predict(x), x.reshape(2, 6, 1))


def test_dropout_noise_shape_with_none_drops_whole_rows():
    inp = Input((8,))
    layer = Dropout(0.5, noise_shape=(None, 1), seed=3)
    out = layer(inp)
    f = K.function([inp], [out], learning_phase=1)
    value = f([np.ones((64, 8), dtype="float32")])[0]
    # each row is all zeros or all 1 / (1 - rate): the mask has one entry per sample
    assert set(np.unique(value)).issubset({0.0, 2.0})
    assert np.all(value.min(axis=1) == value.max(axis=1))
    assert 0 < (value[:, 0] == 0).sum() < 64
    model = Sequential([Dropout(0.5, noise_shape=(None, 1), input_shape=(8,)), Dense(1)])
    model.compile("sgd", "mse")
    assert np.isfinite(model.train_on_batch(np.ones((4, 8)), np.ones((4, 1))))
    np.testing.assert_allclose(Model(inp, out).predict(np.ones((3, 8))), np.ones((3, 8)))
