"""BatchNormalization: normalises each feature with the batch's statistics in training
and with their moving averages at inference."""
from keralite import backend as K
from keralite import initializers, regularizers, constraints
from keralite.engine.base_layer import Layer, InputSpec

from .legacy import legacy_support
from .newer_keras import ANY_VALUE, drop_neutral_keys

# Keys newer Keras writes for BatchNormalization that change nothing here: with one
# process, statistics synchronised across replicas are the batch's own; `fused` picks
# an implementation, not a result.
_NEWER_NEUTRAL_KEYS = {"synchronized": (False,), "fused": ANY_VALUE, "renorm": (False,),
                       "virtual_batch_size": (None,), "adjustment": (None,)}


def _check_keras1_batchnorm_args(args, kwargs):
    """Keras 2 takes keywords only; Keras 1's `mode` survives only as mode=0."""
    converted = []
    if args:
        raise TypeError("The `BatchNormalization` layer does not accept positional arguments. "
                        "Use keyword arguments instead.")
    if "mode" in kwargs:
        if kwargs.pop("mode") != 0:
            raise TypeError("The `mode` argument of `BatchNormalization` no longer exists. "
                            "`mode=1` and `mode=2` are no longer supported.")
        converted.append("mode")
    return args, kwargs, converted


batchnorm_support = legacy_support(
    "BatchNormalization",
    [("beta_init", "beta_initializer"), ("gamma_init", "gamma_initializer")],
    positional=(),
    preprocessor=_check_keras1_batchnorm_args)


class BatchNormalization(Layer):
    """Normalises each feature along `axis`: `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    Keeping every layer's inputs at zero mean and unit variance lets deep networks
    train faster and with larger learning rates. Training normalises with the batch's
    mean and (biased) variance, and moves the moving statistics towards the batch mean
    and the unbiased batch variance: `moving <- momentum * moving + (1 - momentum) *
    batch`. Inference uses the moving statistics. Weights, in order: gamma (if scale),
    beta (if center), moving_mean, moving_variance; the last two are not trainable.

    # Arguments
        axis: integer, the features axis (or a list of axes): `-1` after a channels_last
            convolution or a Dense layer, `1` for channels_first.
        momentum: float, the weight of the old value in the moving statistics.
        epsilon: small float added to the variance so the division is safe.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned `gamma`; can be False when the next
            layer is linear (or ReLU), as that layer can absorb the scaling.
        beta_initializer: initializer of beta.
        gamma_initializer: initializer of gamma.
        moving_mean_initializer: initializer of the moving mean.
        moving_variance_initializer: initializer of the moving variance.
        beta_regularizer: regularizer of beta.
        gamma_regularizer: regularizer of gamma.
        beta_constraint: constraint of beta.
        gamma_constraint: constraint of gamma.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """

    @batchnorm_support
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        drop_neutral_keys("BatchNormalization", kwargs, _NEWER_NEUTRAL_KEYS)
        super().__init__(**kwargs)
        self.supports_masking = True
        # newer Keras writes axis as a list; one axis is stored as Keras 2.1.6 does
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _feature_axes(self, ndim):
        """The normalised axes, non-negative and sorted."""
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for axis in axes:
            if not -ndim <= axis < ndim:
                raise ValueError("Invalid axis: %s (input of rank %d)" % (axis, ndim))
        return sorted(axis % ndim for axis in axes)

    def build(self, input_shape):
        feature_axes = self._feature_axes(len(input_shape))
        for axis in feature_axes:
            if input_shape[axis] is None:
                raise ValueError("Axis " + str(self.axis) + " of input tensor should have a defined dimension "
                                 "but the layer received an input with shape " + str(input_shape) + ".")
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={axis: input_shape[axis] for axis in feature_axes})
        shape = tuple(input_shape[axis] for axis in feature_axes)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        else:
            self.beta = None
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.built = True

    def call(self, inputs, training=None):
        input_shape = K.int_shape(inputs)
        ndim = len(input_shape)
        feature_axes = self._feature_axes(ndim)
        reduction_axes = [axis for axis in range(ndim) if axis not in feature_axes]
        broadcast_shape = [input_shape[axis] if axis in feature_axes else 1 for axis in range(ndim)]
        # parameters of shape (features,) broadcast by themselves only against the last axis
        needs_broadcasting = feature_axes != [ndim - 1]

        def broadcast(param):
            if param is None or not needs_broadcasting:
                return param
            return K.reshape(param, broadcast_shape)

        def normalize_inference():
            return K.batch_normalization(inputs, broadcast(self.moving_mean), broadcast(self.moving_variance),
                                         broadcast(self.beta), broadcast(self.gamma), epsilon=self.epsilon)

        if isinstance(training, (bool, int)) and not training:
            return normalize_inference()

        normed_training, mean, variance = K.normalize_batch_in_training(
            inputs, self.gamma, self.beta, reduction_axes, epsilon=self.epsilon)

        # the moving variance estimates the population variance: unbias the batch's
        dynamic_shape = K.shape(inputs)
        sample_size = dynamic_shape[reduction_axes[0]]
        for axis in reduction_axes[1:]:
            sample_size = sample_size * dynamic_shape[axis]
        sample_size = K.cast(sample_size, dtype=K.dtype(inputs))
        variance = variance * (sample_size / (sample_size - (1.0 + self.epsilon)))

        self.add_update([K.moving_average_update(self.moving_mean, mean, self.momentum),
                         K.moving_average_update(self.moving_variance, variance, self.momentum)],
                        inputs)
        return K.in_train_phase(normed_training, normalize_inference, training=training)

    def get_config(self):
        config = {
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


__all__ = ["BatchNormalization"]
