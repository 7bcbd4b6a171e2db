"""Activations that are layers of their own: LeakyReLU, PReLU (with a trainable
slope), ELU, ThresholdedReLU, Softmax (with an `axis`) and ReLU (Keras 2.2)."""
from keralite import backend as K
from keralite import activations, initializers, regularizers, constraints
from keralite.engine.base_layer import Layer, InputSpec

from .legacy import legacy_support

# Keras 1 called PReLU's initializer `init`
prelu_support = legacy_support("PReLU", [("init", "alpha_initializer")], positional=("alpha_initializer",))


class LeakyReLU(Layer):
    """Leaky rectifier: `x` for `x >= 0`, `alpha * x` below.

    The small negative slope keeps a gradient flowing for negative inputs, so units
    cannot get stuck at zero as plain ReLU units can.

    # Arguments
        alpha: float >= 0, the slope for negative inputs.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = K.cast_to_floatx(alpha)

    def call(self, inputs):
        return K.relu(inputs, alpha=float(self.alpha))

    def get_config(self):
        config = {"alpha": float(self.alpha)}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class PReLU(Layer):
    """Parametric rectifier: `x` for `x >= 0`, `alpha * x` below, with `alpha` learned.

    `alpha` is a weight of the input's shape (batch axis excluded), of size 1 along
    each axis in `shared_axes`: sharing over the spatial axes gives one slope per
    channel, as in the original paper on convolutional networks.

    # Arguments
        alpha_initializer: initializer of the `alpha` weights.
        alpha_regularizer: regularizer of the `alpha` weights.
        alpha_constraint: constraint of the `alpha` weights.
        shared_axes: axis or list of axes (1-based, batch excluded) along which one
            slope is shared, e.g. `[1, 2]` for images in channels_last.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """

    @prelu_support
    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        self.param_broadcast = [False] * len(param_shape)
        if self.shared_axes is not None:
            for axis in self.shared_axes:
                param_shape[axis - 1] = 1
                self.param_broadcast[axis - 1] = True
        self.alpha = self.add_weight(shape=param_shape, name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        # the axes that are not shared must keep the size alpha was built for
        axes = {}
        if self.shared_axes:
            for axis in range(1, len(input_shape)):
                if axis not in self.shared_axes:
                    axes[axis] = input_shape[axis]
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs, mask=None):
        # relu(x) - alpha * relu(-x): alpha broadcasts over the batch and shared axes
        return K.relu(inputs) - self.alpha * K.relu(-inputs)

    def get_config(self):
        config = {
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class ELU(Layer):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Negative outputs push mean activations towards zero, which speeds up learning.

    # Arguments
        alpha: float, the value the negative part saturates at (as `-alpha`).

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = K.cast_to_floatx(alpha)

    def call(self, inputs):
        return K.elu(inputs, float(self.alpha))

    def get_config(self):
        config = {"alpha": float(self.alpha)}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class ThresholdedReLU(Layer):
    """Thresholded rectifier: `x` for `x > theta`, 0 otherwise.

    # Arguments
        theta: float >= 0, the threshold below which the unit is silent.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.theta = K.cast_to_floatx(theta)

    def call(self, inputs, mask=None):
        return inputs * K.cast(K.greater(inputs, float(self.theta)), K.dtype(inputs))

    def get_config(self):
        config = {"theta": float(self.theta)}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(Layer):
    """Rectified linear unit as a layer, with the clipping a layer can be configured
    with (ReLU6 is `ReLU(6.)`).

    f(x) = max_value for x >= max_value, x for threshold <= x < max_value,
    negative_slope * (x - threshold) otherwise (Keras 2.2's ReLU layer; 2.2.0 had only
    `max_value`, later 2.2 releases and tf_keras add the other two, written into
    configs, so they are read here too).

    # Arguments
        max_value: float >= 0, the saturation value (None: no clipping).
        negative_slope: float >= 0, the slope below the threshold.
        threshold: float, where the unit starts to pass x through.

    # Raises
        ValueError: for a negative `max_value` or `negative_slope`.
    """

    def __init__(self, max_value=None, negative_slope=0., threshold=0., **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.:
            raise ValueError("max_value of ReLU layer cannot be negative value: " + str(max_value))
        if negative_slope < 0.:
            raise ValueError("negative_slope of ReLU layer cannot be negative value: " + str(negative_slope))
        self.supports_masking = True
        self.max_value = None if max_value is None else float(K.cast_to_floatx(max_value))
        self.negative_slope = float(K.cast_to_floatx(negative_slope))
        self.threshold = float(K.cast_to_floatx(threshold))

    def call(self, inputs):
        return activations.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        config = {"max_value": self.max_value, "negative_slope": self.negative_slope,
                  "threshold": self.threshold}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class Softmax(Layer):
    """Softmax along `axis`, as a layer.

    The Activation layer always normalises over the last axis; this one takes the axis.

    # Arguments
        axis: integer, the axis the normalisation runs over.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs):
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        config = {"axis": self.axis}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


__all__ = ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]
