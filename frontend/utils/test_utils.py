"""Helpers for testing layers and models (keras.utils.test_utils)."""
import functools
import inspect

import numpy as np
from numpy.testing import assert_allclose

from .. import backend as K


def get_test_data(num_train=1000, num_test=500, input_shape=(10,), output_shape=(2,),
                  classification=True, num_classes=2):
    """Random data, as ((x_train, y_train), (x_test, y_test)). For classification, `y`
    holds integer labels and each `x` is drawn around its label; for regression, `x`
    and `y` of one sample are drawn around the same random centre."""
    samples = num_train + num_test
    x = np.zeros((samples,) + tuple(input_shape), dtype=np.float32)
    if classification:
        y = np.random.randint(0, num_classes, size=(samples,))
        for i in range(samples):
            x[i] = np.random.normal(loc=y[i], scale=0.7, size=input_shape)
    else:
        centres = np.random.random((samples,))
        y = np.zeros((samples,) + tuple(output_shape))
        for i in range(samples):
            x[i] = np.random.normal(loc=centres[i], scale=0.7, size=input_shape)
            y[i] = np.random.normal(loc=centres[i], scale=0.7, size=output_shape)
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])


def _check_output_shape(expected_shape, actual_shape, where):
    assert len(expected_shape) == len(actual_shape), (
        "%s: compute_output_shape gives %s but the output has shape %s" % (where, expected_shape, actual_shape))
    for expected_dim, actual_dim in zip(expected_shape, actual_shape):
        if expected_dim is not None:
            assert expected_dim == actual_dim, (
                "%s: compute_output_shape gives %s but the output has shape %s"
                % (where, expected_shape, actual_shape))


def _check_expected(actual_output, expected_output, where):
    if expected_output is not None:
        assert_allclose(actual_output, expected_output, rtol=1e-3, err_msg=where + ": unexpected output")


def layer_test(layer_cls, kwargs=None, input_shape=None, input_dtype=None, input_data=None,
               expected_output=None, expected_output_dtype=None, fixed_batch_size=False):
    """Check a layer class end to end and return its output on `input_data`.

    The layer `layer_cls(**kwargs)` is built in a functional model and as the first
    layer of a Sequential model. Each time: the output's dtype and shape must agree
    with `expected_output_dtype` (default: the input dtype) and with
    `compute_output_shape`; the output must match `expected_output` when given; the
    model's config and weights must round-trip; and one training step must run.
    Without `input_data`, random data of `input_shape` is made (None dims become 1-3).
    The round trips rebuild layers from the configs of live layers made here, so a
    Lambda's function is trusted (as clone_model trusts it).
    """
    from ..layers.core import lambda_safe_mode
    with lambda_safe_mode(False):
        return _layer_test(layer_cls, kwargs, input_shape, input_dtype, input_data, expected_output,
                           expected_output_dtype, fixed_batch_size)


def _layer_test(layer_cls, kwargs, input_shape, input_dtype, input_data, expected_output,
                expected_output_dtype, fixed_batch_size):
    from ..engine.input_layer import Input
    from ..engine.training import Model
    from ..engine.sequential import Sequential

    kwargs = dict(kwargs or {})
    if input_data is None:
        if not input_shape:
            raise ValueError("layer_test needs `input_shape` or `input_data`.")
        if not input_dtype:
            input_dtype = K.floatx()
        data_shape = [np.random.randint(1, 4) if dim is None else dim for dim in input_shape]
        input_data = (10 * np.random.random(data_shape)).astype(input_dtype)
    else:
        if input_shape is None:
            input_shape = input_data.shape
        if input_dtype is None:
            input_dtype = input_data.dtype
    if expected_output_dtype is None:
        expected_output_dtype = input_dtype
    input_shape = tuple(input_shape)

    layer = layer_cls(**kwargs)
    # get_weights / set_weights at the layer level, and creation from weights
    weights = layer.get_weights()
    layer.set_weights(weights)
    if "weights" in inspect.signature(layer_cls.__init__).parameters:
        kwargs["weights"] = weights
        layer = layer_cls(**kwargs)

    # --- functional API
    if fixed_batch_size:
        x = Input(batch_shape=input_shape, dtype=input_dtype)
    else:
        x = Input(shape=input_shape[1:], dtype=input_dtype)
    y = layer(x)
    assert K.dtype(y) == expected_output_dtype, (
        "functional model: output dtype %s, expected %s" % (K.dtype(y), expected_output_dtype))
    model = Model(x, y)
    expected_output_shape = layer.compute_output_shape(input_shape)
    actual_output = model.predict(input_data)
    _check_output_shape(expected_output_shape, actual_output.shape, "functional model")
    _check_expected(actual_output, expected_output, "functional model")

    recovered_model = Model.from_config(model.get_config())
    if model.weights:
        recovered_model.set_weights(model.get_weights())
        assert_allclose(recovered_model.predict(input_data), actual_output, rtol=1e-3,
                        err_msg="functional model: output changed after a config/weights round trip")
    model.compile("rmsprop", "mse")
    model.train_on_batch(input_data, actual_output)

    # --- first layer of a Sequential model
    layer_config = layer.get_config()
    layer_config["batch_input_shape"] = input_shape
    layer = layer.__class__.from_config(layer_config)
    model = Sequential()
    model.add(layer)
    actual_output = model.predict(input_data)
    _check_output_shape(expected_output_shape, actual_output.shape, "Sequential model")
    _check_expected(actual_output, expected_output, "Sequential model")

    recovered_model = Sequential.from_config(model.get_config())
    if model.weights:
        recovered_model.set_weights(model.get_weights())
        assert_allclose(recovered_model.predict(input_data), actual_output, rtol=1e-3,
                        err_msg="Sequential model: output changed after a config/weights round trip")
    model.compile("rmsprop", "mse")
    model.train_on_batch(input_data, actual_output)
    return actual_output


def keras_test(func):
    """Decorator for tests: clears the backend session after the test."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        output = func(*args, **kwargs)
        K.clear_session()
        return output
    return wrapper
