"""keralite.layers.core through the shared `layer_test` helper (functional and
Sequential models, shapes, config round trip, a training step) against numpy
references, plus the core layers' own rules and error messages."""
import re

import numpy as np
import pytest

import keralite as keras
from keralite import backend as K
from keralite.layers import (Dense, Activation, Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D,
                             Flatten, Reshape,
                             Permute, RepeatVector, Lambda, ActivityRegularization, Masking, Input)
from keralite.models import Model

from layer_helpers import FixedKernel, fixed_kernel, run_layer_test

RNG = np.random.RandomState(11)


def data(*shape):
    return RNG.uniform(-1.0, 1.0, size=shape).astype("float32")


# ------------------------------------------------------------------ Dense
def test_dense_on_2d_input():
    x = data(2, 4)
    kernel = fixed_kernel((4, 3))
    run_layer_test(Dense, {"units": 3, "activation": "relu", "kernel_initializer": FixedKernel(),
                           "bias_initializer": keras.initializers.Constant(0.1)},
                   x, np.maximum(x @ kernel + 0.1, 0.0))


def test_dense_on_3d_input_without_bias():
    x = data(2, 5, 4)
    run_layer_test(Dense, {"units": 3, "use_bias": False, "kernel_initializer": FixedKernel()},
                   x, x @ fixed_kernel((4, 3)))


def test_dense_config_and_shapes():
    layer = Dense(3, activation="tanh", kernel_regularizer="l2", bias_constraint="non_neg", name="dc")
    config = layer.get_config()
    assert sorted(config) == sorted(["name", "trainable", "dtype", "units", "activation", "use_bias",
                                     "kernel_initializer", "bias_initializer", "kernel_regularizer",
                                     "bias_regularizer", "activity_regularizer", "kernel_constraint",
                                     "bias_constraint"])
    assert config["activation"] == "tanh" and config["kernel_initializer"]["class_name"] == "VarianceScaling"
    assert config["kernel_regularizer"]["class_name"] == "L1L2"
    assert config["bias_constraint"]["class_name"] == "NonNeg"
    assert layer.compute_output_shape((None, 7, 2)) == (None, 7, 3)
    layer.build((None, 2))
    assert [w.shape for w in layer.get_weights()] == [(2, 3), (3,)]
    assert len(layer.losses) == 1     # the kernel regulariser


# ------------------------------------------------------------------ activations and dropout
@pytest.mark.parametrize("activation, reference", [
    ("tanh", np.tanh),
    ("relu", lambda v: np.maximum(v, 0.0)),
    ("softmax", lambda v: np.exp(v) / np.exp(v).sum(axis=-1, keepdims=True)),
])
def test_activation(activation, reference):
    x = data(2, 3, 5)
    run_layer_test(Activation, {"activation": activation}, x, reference(x))


@pytest.mark.parametrize("layer_cls, shape", [(Dropout, (3, 5)), (SpatialDropout1D, (2, 3, 4)),
                                              (SpatialDropout2D, (2, 3, 4, 5))])
def test_dropout_layers_are_identity_at_inference(layer_cls, shape):
    x = data(*shape)
    run_layer_test(layer_cls, {"rate": 0.5}, x, x)


@pytest.mark.parametrize("layer_cls, shape, data_format", [
    (SpatialDropout2D, (30, 3, 4, 5), "channels_last"), (SpatialDropout2D, (30, 5, 3, 4), "channels_first"),
    (SpatialDropout3D, (30, 2, 3, 4, 5), "channels_last"), (SpatialDropout3D, (30, 5, 2, 3, 4), "channels_first")])
def test_spatial_dropout_drops_whole_feature_maps(layer_cls, shape, data_format):
    inputs = Input(shape=shape[1:])
    outputs = layer_cls(0.5, data_format=data_format)(inputs, training=True)
    got = K.function([inputs], [outputs])([np.ones(shape, dtype="float32")])[0]
    assert set(np.unique(got)) <= {0.0, 2.0} and 0 < got.mean() < 2
    channel_axis = 1 if data_format == "channels_first" else len(shape) - 1
    spatial = tuple(a for a in range(1, len(shape)) if a != channel_axis)
    # one draw per (sample, channel): constant over the spatial axes
    assert np.all(got.min(axis=spatial) == got.max(axis=spatial))


def test_dropout_config_and_noise_shape():
    layer = Dropout(0.3, noise_shape=(None, 1), seed=4)
    assert layer.get_config()["rate"] == 0.3 and layer.get_config()["noise_shape"] == (None, 1)
    assert Dropout(1.7).rate == 1.0 and Dropout(-1).rate == 0.0
    inputs = Input(shape=(6,))
    outputs = Dropout(0.5, noise_shape=(None, 1))(inputs, training=True)
    got = K.function([inputs], [outputs])([np.ones((40, 6), dtype="float32")])[0]
    # one draw per row: each row is all 0 or all 2
    assert set(np.unique(got)) <= {0.0, 2.0}
    assert np.all(got.min(axis=1) == got.max(axis=1))


# ------------------------------------------------------------------ shape layers
def test_flatten_channels_last_and_first():
    x = data(2, 3, 4, 5)
    run_layer_test(Flatten, {}, x, x.reshape(2, 60))
    run_layer_test(Flatten, {"data_format": "channels_first"}, x, x.transpose(0, 2, 3, 1).reshape(2, 60))


def test_reshape_with_and_without_unknown_dimension():
    x = data(2, 6, 4)
    run_layer_test(Reshape, {"target_shape": (4, -1)}, x, x.reshape(2, 4, 6))
    run_layer_test(Reshape, {"target_shape": (3, 8)}, x, x.reshape(2, 3, 8))
    assert Reshape((4, -1)).compute_output_shape((None, 6, 4)) == (None, 4, 6)


def test_reshape_errors():
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        Reshape((5, 5)).compute_output_shape((None, 6, 4))
    with pytest.raises(ValueError, match="Can only specify one unknown dimension."):
        Reshape((-1, -1)).compute_output_shape((None, 6, 4))


def test_permute():
    x = data(2, 3, 5, 4)
    run_layer_test(Permute, {"dims": (3, 1, 2)}, x, x.transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match=re.escape("Invalid permutation `dims` for Permute Layer: (0, 1)")):
        Permute((0, 1))


def test_repeat_vector():
    x = data(2, 4)
    run_layer_test(RepeatVector, {"n": 3}, x, np.repeat(x[:, None, :], 3, axis=1))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        RepeatVector(2)(Input(shape=(3, 4)))


def test_flatten_needs_a_defined_shape():
    with pytest.raises(ValueError, match=re.escape('The shape of the input to "Flatten" is not fully defined '
                                                   "(got (None, 4).")):
        Flatten()(Input(shape=(None, 4)))


# ------------------------------------------------------------------ Lambda
def shift_and_scale(x, shift=0.0, scale=1.0):
    return (x + shift) * scale


def test_lambda_with_arguments_and_output_shape():
    x = data(2, 3, 4)
    run_layer_test(Lambda, {"function": shift_and_scale, "arguments": {"shift": 1.0, "scale": 2.0},
                            "output_shape": (3, 4)},
                   x, (x + 1.0) * 2.0)


def test_lambda_output_shape_inferred_or_computed():
    inputs = Input(shape=(3, 4))
    summed = Lambda(lambda t: K.sum(t, axis=1))(inputs)
    assert K.int_shape(summed) == (None, 4)
    pair = Lambda(lambda t: t[0] * t[1], output_shape=lambda shapes: shapes[0])([inputs, inputs])
    assert K.int_shape(pair) == (None, 3, 4)
    with pytest.raises(TypeError, match="In Lambda, `output_shape` must be a list, a tuple, or a function."):
        Lambda(lambda t: t, output_shape=3)


def test_lambda_mask_argument():
    inputs = Input(shape=(3, 4))
    masked = Masking()(inputs)
    kept = Lambda(lambda t, mask=None: t * 2.0, mask=lambda t, mask: mask)(masked)
    assert kept._keras_mask is not None


# ------------------------------------------------------------------ regularisation and masking
def test_activity_regularization_adds_a_loss():
    x = data(3, 4)
    run_layer_test(ActivityRegularization, {"l1": 0.01, "l2": 0.1}, x, x)
    inputs = Input(shape=(4,))
    model = Model(inputs, ActivityRegularization(l1=0.01, l2=0.1)(inputs))
    assert len(model.losses) == 1
    model.compile("sgd", "mse")
    # mse is 0 against the inputs themselves, so the loss is the activity penalty
    np.testing.assert_allclose(model.test_on_batch(x, x), 0.01 * np.abs(x).sum() + 0.1 * (x ** 2).sum(),
                               rtol=1e-5)


def test_masking_zeroes_masked_steps_and_computes_the_mask():
    x = data(3, 4, 2)
    x[0, 1] = 0.0
    x[2, 3] = 0.0
    x[1, 2] = [0.5, 0.5]
    keep = np.any(x != 0.5, axis=-1, keepdims=True)
    run_layer_test(Masking, {"mask_value": 0.5}, x, x * keep)
    inputs = Input(shape=(4, 2))
    mask = Masking(mask_value=0.0)(inputs)._keras_mask
    got = K.function([inputs], [mask])([x])[0]
    np.testing.assert_array_equal(got, np.any(x != 0.0, axis=-1))
