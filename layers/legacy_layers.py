"""Keras 1 layers that Keras 2.1.6 still shipped, deprecated, so Keras 1 programs and
their saved models keep working: `Highway`, `MaxoutDense`, and `AtrousConvolution1D/2D`
(which build Conv1D/Conv2D with a dilation rate, as Keras 2.1.6 did). `Merge` / `merge`
are in legacy_merge.py. `keras.layers` exports them all, as Keras 2.1.6 did, and
`keras.legacy.layers` re-exports them.
"""
import warnings

from keralite import backend as K
from keralite import activations, initializers, regularizers, constraints
from keralite.engine.base_layer import Layer, InputSpec
from .convolutional import Conv1D, Conv2D


class MaxoutDense(Layer):
    """The element-wise maximum of `nb_feature` affine maps of the input (deprecated).

    It is linear piecewise: put an Activation after it if one is wanted.

    # Arguments
        output_dim: int > 0, the output size.
        nb_feature: how many affine maps the maximum is taken over.
        init: initializer of `W`.
        weights: initial weights, [W (nb_feature, input_dim, output_dim),
            b (nb_feature, output_dim)].
        W_regularizer, b_regularizer, activity_regularizer: regularizers.
        W_constraint, b_constraint: constraints.
        bias: whether `b` is added.
        input_dim: the input size, for a first layer.

    # Input shape
        `(batch, input_dim)`.

    # Output shape
        `(batch, output_dim)`.
    """

    def __init__(self, output_dim, nb_feature=4, init="glorot_uniform", weights=None, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True,
                 input_dim=None, **kwargs):
        warnings.warn("The `MaxoutDense` layer is deprecated and will be removed after 06/2017.", stacklevel=2)
        self.input_dim = input_dim
        if input_dim:
            kwargs["input_shape"] = (input_dim,)
        super().__init__(weights=weights, **kwargs)
        self.output_dim = output_dim
        self.nb_feature = nb_feature
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.input_spec = InputSpec(ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[1]
        self.input_spec = InputSpec(ndim=2, axes={1: input_dim})
        self.W = self.add_weight(shape=(self.nb_feature, input_dim, self.output_dim), initializer=self.init,
                                 name="W", regularizer=self.W_regularizer, constraint=self.W_constraint)
        if self.bias:
            self.b = self.add_weight(shape=(self.nb_feature, self.output_dim), initializer="zeros", name="b",
                                     regularizer=self.b_regularizer, constraint=self.b_constraint)
        else:
            self.b = None
        self.built = True

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def call(self, inputs):
        # x (N, in) . W (F, in, out) -> (N, F, out), as one (in, F * out) matmul
        input_dim = K.int_shape(self.W)[1]
        kernel = K.reshape(K.permute_dimensions(self.W, (1, 0, 2)), (input_dim, self.nb_feature * self.output_dim))
        features = K.reshape(K.dot(inputs, kernel), (-1, self.nb_feature, self.output_dim))
        if self.bias:
            features = features + self.b
        return K.max(features, axis=1)

    def get_config(self):
        config = {"output_dim": self.output_dim, "init": initializers.serialize(self.init),
                  "nb_feature": self.nb_feature, "W_regularizer": regularizers.serialize(self.W_regularizer),
                  "b_regularizer": regularizers.serialize(self.b_regularizer),
                  "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                  "W_constraint": constraints.serialize(self.W_constraint),
                  "b_constraint": constraints.serialize(self.b_constraint), "bias": self.bias,
                  "input_dim": self.input_dim}
        return dict(super().get_config(), **config)


class Highway(Layer):
    """A densely connected highway layer (deprecated): a sigmoid gate
    t = sigmoid(x W_carry + b_carry) mixes a transform and the input,
    y = t * activation(x W + b) + (1 - t) * x.

    # Arguments
        init: initializer of `W` and `W_carry`.
        activation: activation of the transform (None is linear).
        weights: initial weights [W, W_carry, b, b_carry] (the biases when `bias`).
        W_regularizer, b_regularizer, activity_regularizer: regularizers.
        W_constraint, b_constraint: constraints.
        bias: whether the biases are used (`b_carry` starts at 1, so the gate starts
            mostly open to the transform).
        input_dim: the input size, for a first layer.

    # Input shape
        `(batch, input_dim)`.

    # Output shape
        `(batch, input_dim)`.
    """

    def __init__(self, init="glorot_uniform", activation=None, weights=None, W_regularizer=None, b_regularizer=None,
                 activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True, input_dim=None,
                 **kwargs):
        warnings.warn("The `Highway` layer is deprecated and will be removed after 06/2017.", stacklevel=2)
        if "transform_bias" in kwargs:
            kwargs.pop("transform_bias")
            warnings.warn("`transform_bias` argument is deprecated and has been removed.", stacklevel=2)
        self.input_dim = input_dim
        if input_dim:
            kwargs["input_shape"] = (input_dim,)
        super().__init__(weights=weights, **kwargs)
        self.init = initializers.get(init)
        self.activation = activations.get(activation)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.input_spec = InputSpec(ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[1]
        self.input_spec = InputSpec(ndim=2, axes={1: input_dim})
        self.W = self.add_weight(shape=(input_dim, input_dim), initializer=self.init, name="W",
                                 regularizer=self.W_regularizer, constraint=self.W_constraint)
        self.W_carry = self.add_weight(shape=(input_dim, input_dim), initializer=self.init, name="W_carry")
        if self.bias:
            self.b = self.add_weight(shape=(input_dim,), initializer="zeros", name="b",
                                     regularizer=self.b_regularizer, constraint=self.b_constraint)
            self.b_carry = self.add_weight(shape=(input_dim,), initializer="ones", name="b_carry")
        else:
            self.b = self.b_carry = None
        self.built = True

    def call(self, inputs):
        gate = K.dot(inputs, self.W_carry)
        transform = K.dot(inputs, self.W)
        if self.bias:
            gate = gate + self.b_carry
            transform = transform + self.b
        gate = activations.sigmoid(gate)
        return self.activation(transform) * gate + (1 - gate) * inputs

    def get_config(self):
        config = {"init": initializers.serialize(self.init), "activation": activations.serialize(self.activation),
                  "W_regularizer": regularizers.serialize(self.W_regularizer),
                  "b_regularizer": regularizers.serialize(self.b_regularizer),
                  "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                  "W_constraint": constraints.serialize(self.W_constraint),
                  "b_constraint": constraints.serialize(self.b_constraint), "bias": self.bias,
                  "input_dim": self.input_dim}
        return dict(super().get_config(), **config)


def _atrous(conv_class, args, kwargs):
    kwargs["dilation_rate"] = kwargs.pop("atrous_rate", 1)
    name = "AtrousConvolution%dD" % (1 if conv_class is Conv1D else 2)
    warnings.warn("The `" + name + "` layer  has been deprecated. Use instead the `" + conv_class.__name__ +
                  "` layer with the `dilation_rate` argument.", stacklevel=3)
    return conv_class(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs):
    """Keras 1's dilated 1D convolution (deprecated): a `Conv1D` with
    `dilation_rate=atrous_rate`; the other Keras 1 arguments convert as Conv1D's do.

    # Returns
        A `Conv1D` layer.
    """
    return _atrous(Conv1D, args, kwargs)


def AtrousConvolution2D(*args, **kwargs):
    """Keras 1's dilated 2D convolution (deprecated): a `Conv2D` with
    `dilation_rate=atrous_rate`; the other Keras 1 arguments convert as Conv2D's do.

    # Returns
        A `Conv2D` layer.
    """
    return _atrous(Conv2D, args, kwargs)


__all__ = ["MaxoutDense", "Highway", "AtrousConvolution1D", "AtrousConvolution2D"]
