"""Backend calls Keras programs make that keralite refused: gradients of one tensor,
concatenation along the batch axis, batch_dot over the batch axis."""
import numpy as np
import pytest

from keralite import backend as K
from keralite.layers import Concatenate, Input
from keralite.models import Model


def test_gradients_of_a_single_tensor_is_a_list():
    x = K.placeholder((None, 3))
    w = K.variable(np.arange(6, dtype="float32").reshape(3, 2))
    loss = K.sum(K.square(K.dot(x, w)))
    grads = K.gradients(loss, w)
    assert isinstance(grads, list) and len(grads) == 1
    x_value = np.random.RandomState(1).rand(4, 3).astype("float32")
    value = K.function([x], grads)([x_value])[0]
    expected = 2 * x_value.T @ (x_value @ K.get_value(w))
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    (grad_x,) = K.gradients(loss, x)
    assert K.int_shape(grad_x) == (None, 3)


def test_concatenate_along_the_batch_axis():
    a, b = Input((3,)), Input((3,))
    layer = Concatenate(axis=0)
    out = layer([a, b])
    assert layer.compute_output_shape([(None, 3), (None, 3)]) == (None, 3)
    assert layer.compute_output_shape([(2, 3), (4, 3)]) == (6, 3)
    model = Model([a, b], out)
    x1 = np.random.rand(2, 3).astype("float32")
    x2 = np.random.rand(2, 3).astype("float32")
    # (predict() would place 4 rows in room for 2, in Keras too: one batch call instead)
    np.testing.assert_allclose(model.predict_on_batch([x1, x2]), np.concatenate([x1, x2], axis=0))


def test_concatenate_along_a_symbolic_time_axis_trains():
    x = K.placeholder((None, None, 2))
    y = K.placeholder((None, None, 2))
    joined = K.concatenate([x, y * 2.0], axis=1)
    assert K.int_shape(joined) == (None, None, 2)
    grad = K.gradients(K.sum(joined), [y])[0]
    f = K.function([x, y], [joined, grad])
    xv = np.random.rand(3, 4, 2).astype("float32")
    yv = np.random.rand(3, 4, 2).astype("float32")
    value, grad_value = f([xv, yv])
    np.testing.assert_allclose(value, np.concatenate([xv, 2 * yv], axis=1), rtol=1e-6)
    np.testing.assert_allclose(grad_value, np.full_like(yv, 2.0))


def test_concatenate_batch_axis_with_a_fixed_size():
    x, y = K.placeholder((None, 3)), K.placeholder((2, 3))
    joined = K.concatenate([x, y], axis=0)
    assert K.int_shape(joined) == (None, 3)
    xv, yv = np.random.rand(4, 3).astype("float32"), np.random.rand(2, 3).astype("float32")
    np.testing.assert_allclose(K.function([x, y], [joined])([xv, yv])[0], np.concatenate([xv, yv]))


def test_batch_dot_over_the_batch_axis():
    xv = np.random.rand(4, 3).astype("float32")
    yv = np.random.rand(4, 3).astype("float32")
    x, y = K.variable(xv), K.variable(yv)
    for axes in (0, (0, 0), [0, 0]):
        out = K.batch_dot(x, y, axes=axes)
        np.testing.assert_allclose(K.eval(out), (xv * yv).sum(axis=0)[:, None], rtol=1e-5)
    sq = np.random.rand(3, 3).astype("float32")
    sq2 = np.random.rand(3, 3).astype("float32")
    out = K.eval(K.batch_dot(K.variable(sq), K.variable(sq2), axes=(0, 1)))
    np.testing.assert_allclose(out, (sq.T * sq2).sum(axis=1)[:, None], rtol=1e-5)
    with pytest.raises(ValueError, match="two matrices"):
        K.batch_dot(K.placeholder((None, 3, 4)), K.placeholder((None, 4, 5)), axes=(0, 0))
