"""float16, int8, uint8 and int16: tensors keep the Keras dtype they were declared
with while the compiler computes in float32 / int32 (backend/narrow_dtypes.py)."""
import numpy as np
import pytest

from keralite import backend as K
from keralite.layers import BatchNormalization, Dense
from keralite.models import Sequential


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
def test_narrow_integer_variables_hold_the_narrow_values(dtype):
    start = np.array([100, 200, -3, 30000])
    v = K.variable(start, dtype=dtype)
    assert K.dtype(v) == dtype
    value = K.get_value(v)
    assert value.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(value, start.astype(dtype))
    step = np.array([100, 100, 100, 5000]).astype(dtype)
    f = K.function([], [v * 2], updates=[K.update_add(v, K.constant(step, dtype=dtype))])
    doubled = f([])[0]
    assert doubled.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(doubled, start.astype(dtype) * np.array(2, dtype))
    # the update wraps around as the narrow type does
    np.testing.assert_array_equal(K.get_value(v), start.astype(dtype) + step)
    K.set_value(v, np.array([1, 2, 3, 70000]))
    np.testing.assert_array_equal(K.get_value(v), np.array([1, 2, 3, 70000]).astype(dtype))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
def test_narrow_integer_placeholders_and_casts(dtype):
    p = K.placeholder((None, 2), dtype=dtype)
    assert K.dtype(p) == dtype
    x = np.array([[100, 7], [120, 3]]).astype(dtype)
    summed, negated, cast_back = K.function([p], [p + p, -p, K.cast(K.cast(p, "int32") * 1000, dtype)])([x])
    np.testing.assert_array_equal(summed, x + x)
    np.testing.assert_array_equal(negated, -x)
    np.testing.assert_array_equal(cast_back, (x.astype("int32") * 1000).astype(dtype))
    assert summed.dtype == np.dtype(dtype)
    # a reduction is computed (and reported) in int32
    assert K.dtype(K.sum(p)) == "int32"


def test_float16_variables_and_placeholders(float16_floatx):
    assert K.floatx() == "float16"
    v = K.variable(np.array([1.0001, 2.5, 65000.0]))
    assert K.dtype(v) == "float16"
    np.testing.assert_array_equal(K.get_value(v), np.array([1.0001, 2.5, 65000.0]).astype("float16"))
    p = K.placeholder((None, 3))
    assert K.dtype(p) == "float16" and K.dtype(p * 2) == "float16"
    assert K.dtype(K.cast(p, "float32")) == "float32"
    out = K.function([p], [p * v])([np.ones((2, 3), "float16")])[0]
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out[0], K.get_value(v))


def test_float16_model_trains_and_predicts(float16_floatx):
    np.random.seed(3)
    model = Sequential([Dense(4, input_shape=(3,), activation="relu"), BatchNormalization(), Dense(1)])
    model.compile("sgd", "mse")
    assert all(w.dtype == np.float16 for w in model.get_weights())
    x = np.random.rand(16, 3).astype("float16")
    y = np.random.rand(16, 1).astype("float16")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    prediction = model.predict(x)
    assert prediction.dtype == np.float16 and prediction.shape == (16, 1)
    assert np.isfinite(before) and np.isfinite(model.evaluate(x, y, verbose=0))
