"""Regularisation by noise, active only in training (identity at test time):
GaussianNoise (additive), GaussianDropout (multiplicative, centred on 1) and
AlphaDropout (dropout that keeps the mean and variance of SELU activations)."""
import numpy as np

from keralite import backend as K
from keralite.engine.base_layer import Layer

from .legacy import legacy_support

# Keras 1 names: GaussianNoise(sigma), GaussianDropout(p)
gaussian_noise_support = legacy_support("GaussianNoise", [("sigma", "stddev")], positional=("stddev",))
gaussian_dropout_support = legacy_support("GaussianDropout", [("p", "rate")], positional=("rate",))

# the fixed point of SELU (Klambauer et al., 2017): the value a dropped unit takes is
# SELU's negative saturation, -scale * alpha
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _with_seed(config, seed):
    """Keras 2.1.6 writes no seed; newer Keras does. A set seed is kept, so the config
    rebuilds the same noise, and an unset one leaves the 2.1.6 config unchanged."""
    if seed is not None:
        config["seed"] = seed
    return config


class GaussianNoise(Layer):
    """Adds zero-centred normal noise of standard deviation `stddev` in training.

    # Arguments
        stddev: float, the standard deviation of the noise.
        seed: integer or None; seeds the noise (an argument of newer Keras).
    """

    @gaussian_noise_support
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.stddev = stddev
        self.seed = seed

    def call(self, inputs, training=None):
        def noised():
            noise = K.random_normal(shape=K.shape(inputs), mean=0., stddev=self.stddev, dtype=K.dtype(inputs),
                                    seed=self.seed)
            return inputs + noise
        return K.in_train_phase(noised, inputs, training=training)

    def get_config(self):
        config = _with_seed({"stddev": self.stddev}, self.seed)
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianDropout(Layer):
    """Multiplies by normal noise of mean 1 and standard deviation sqrt(rate / (1 - rate))
    in training: the variance that Dropout(rate) gives, without zeros.

    # Arguments
        rate: float, the drop probability whose variance the noise has.
        seed: integer or None; seeds the noise (an argument of newer Keras).
    """

    @gaussian_dropout_support
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate = rate
        self.seed = seed

    def call(self, inputs, training=None):
        if 0 < self.rate < 1:
            def noised():
                stddev = float(np.sqrt(self.rate / (1.0 - self.rate)))
                noise = K.random_normal(shape=K.shape(inputs), mean=1.0, stddev=stddev, dtype=K.dtype(inputs),
                                        seed=self.seed)
                return inputs * noise
            return K.in_train_phase(noised, inputs, training=training)
        return inputs

    def get_config(self):
        config = _with_seed({"rate": self.rate}, self.seed)
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class AlphaDropout(Layer):
    """Dropout that keeps a self-normalising network's mean and variance (for SELU units).

    During training a fraction `rate` of inputs is set to SELU's saturation value
    `-scale * alpha` instead of 0, then an affine map restores zero mean and unit
    variance; plain Dropout would shift both and break SELU's self-normalisation.

    # Arguments
        rate: float in [0, 1], the fraction of inputs to drop.
        noise_shape: None or a shape tuple; entries of None take the input's own size,
            axes of size 1 share one draw.
        seed: integer seed of the random draws.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        # None entries of noise_shape take the input's own (possibly symbolic) dim
        symbolic_shape = K.shape(inputs)
        if not self.noise_shape:
            return symbolic_shape
        return [symbolic_shape[axis] if dim is None else dim for axis, dim in enumerate(self.noise_shape)]

    def call(self, inputs, training=None):
        if 0. < self.rate < 1.:
            noise_shape = self._get_noise_shape(inputs)

            def dropped_inputs():
                rate = self.rate
                saturation = -_SELU_ALPHA * _SELU_SCALE
                uniform = K.random_uniform(noise_shape, dtype=K.dtype(inputs), seed=self.seed)
                kept = K.cast(K.greater_equal(uniform, rate), K.dtype(inputs))
                # with q = 1 - rate kept, x' = kept * x + (1 - kept) * saturation has
                # mean q*mu + rate*saturation; a * x' + b brings a unit-variance,
                # zero-mean input back to mean 0, variance 1
                a = ((1 - rate) * (1 + rate * saturation ** 2)) ** -0.5
                b = -a * saturation * rate
                dropped = inputs * kept + saturation * (1 - kept)
                return a * dropped + b
            return K.in_train_phase(dropped_inputs, inputs, training=training)
        return inputs

    def get_config(self):
        config = _with_seed({"rate": self.rate}, self.seed)
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout"]
