"""Keras 2 weight initializers (`keras.initializers`).

An initializer is called as `init(shape, dtype=None)` and returns a tensor holding the
initial value, as in Keras; layers then make a variable of it.

Random initial values come from the backend's generator (the same Philox stream as
`K.random_normal(shape, seed=s)` on its first evaluation), drawn through one compiled
function per (distribution, dtype) whose output is a flat vector of symbolic length:
initialising a model with many differently shaped weights compiles each distribution
once instead of once per shape.
"""
import numpy as np

from . import backend as K
from .utils.generic_utils import serialize_keras_object, deserialize_keras_object

# Standard deviation of a standard normal truncated to [-2, 2]: dividing by it makes
# truncated draws have the requested standard deviation.
_TRUNCATED_NORMAL_STD = .87962566103423978


# ---------------------------------------------------------------- random draws
class _FlatDraw:
    """Standard draws (uniform [0, 1), normal, or normal truncated to |z| < 2) of any
    length and seed from one compiled function.

    The length comes from a placeholder of shape (None,) fed an empty-valued array of
    that length, and the seed from an int64 placeholder (a tensor seed, whose draws
    depend on the seed alone), so the graph and its native code depend on neither.
    """

    def __init__(self, dist, dtype):
        self.length = K.placeholder((None,), dtype=dtype, name="flat_draw_length")
        self.seed = K.placeholder((), dtype="int64", name="flat_draw_seed")
        self.scale = K.placeholder((), dtype=dtype, name="flat_draw_scale")
        self.shift = K.placeholder((), dtype=dtype, name="flat_draw_shift")
        shape = (K.shape(self.length)[0],)
        if dist == "uniform":
            draws = K.random_uniform(shape, 0., 1., dtype=dtype, seed=self.seed)
        elif dist == "normal":
            draws = K.random_normal(shape, 0., 1., dtype=dtype, seed=self.seed)
        else:
            draws = K.truncated_normal(shape, 0., 1., dtype=dtype, seed=self.seed)
        self.dtype = dtype
        # the affine map runs in the same native loop as the draws: no numpy pass over
        # a weight of 100M values (and no float64 temporary of it)
        self._fn = K.function([self.length, self.seed, self.scale, self.shift], [draws * self.scale + self.shift])

    def __call__(self, size, seed, scale=1.0, shift=0.0):
        length = np.empty((size,), dtype=self.dtype)
        return self._fn([length, np.int64(seed), np.asarray(scale, self.dtype), np.asarray(shift, self.dtype)])[0]


_flat_draws = {}


def _standard_draws(dist, shape, dtype, seed, scale=1.0, shift=0.0):
    """A numpy array of `shape` of standard `dist` draws in `dtype`, times `scale` plus
    `shift`."""
    dtype = np.dtype(dtype or K.floatx())
    if seed is None:
        # as the backend does: numpy's global RNG picks the seed, so np.random.seed
        # makes a whole program reproducible
        seed = np.random.randint(10e6)
    draw_dtype = "float64" if dtype == np.float64 else "float32"
    draw = _flat_draws.get((dist, draw_dtype))
    if draw is None:
        draw = _flat_draws[(dist, draw_dtype)] = _FlatDraw(dist, draw_dtype)
    size = int(np.prod(shape, dtype=np.int64))
    values = draw(size, int(seed), scale, shift) if size else np.zeros((0,), draw_dtype)
    return values.reshape(shape).astype(dtype, copy=False)


def _shape_tuple(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    shape = tuple(shape)
    if any(d is None for d in shape):
        raise ValueError("An initializer needs a fully known shape, got " + str(shape))
    return tuple(int(d) for d in shape)


def _as_tensor(values, dtype):
    return K.constant(values, dtype=dtype)


# ---------------------------------------------------------------- initializers
class Initializer:
    """Base class: `init(shape, dtype=None)` returns a tensor of initial values."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        """The initializer's arguments, saved in the config of the layer that uses it.

        # Returns
            Dict of the configuration (empty for initializers without arguments).
        """
        return {}

    @classmethod
    def from_config(cls, config):
        """Creates an initializer from the dict `get_config` returned.

        A `dtype` key (written by tf.keras) is dropped: the dtype comes with each call.

        # Arguments
            config: dict of the configuration.

        # Returns
            A new initializer instance.
        """
        config = dict(config)
        config.pop("dtype", None)   # written by tf.keras; the dtype comes with the call
        return cls(**config)


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return K.constant(0, shape=_shape_tuple(shape), dtype=dtype)


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return K.constant(1, shape=_shape_tuple(shape), dtype=dtype)


class Constant(Initializer):
    """Initializes every entry to the same value.

    # Arguments
        value: float, the value of every entry.
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return K.constant(self.value, shape=_shape_tuple(shape), dtype=dtype)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Initializes with normal draws of a given mean and standard deviation.

    # Arguments
        mean: float, the mean of the draws.
        stddev: float, their standard deviation.
        seed: integer seed of the random draws, for repeatable initial weights.
    """

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return _as_tensor(_standard_draws("normal", _shape_tuple(shape), dtype, self.seed, self.stddev, self.mean),
                          dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Initializes with uniform draws in `[minval, maxval)`.

    # Arguments
        minval: float, the lower bound.
        maxval: float, the upper bound (excluded).
        seed: integer seed of the random draws, for repeatable initial weights.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return _as_tensor(_standard_draws("uniform", _shape_tuple(shape), dtype, self.seed,
                                          self.maxval - self.minval, self.minval), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal draws, those more than two standard deviations from the mean redrawn.

    Keeps the initial weights free of rare large values, which could saturate units;
    the recommended random initializer for many networks.

    # Arguments
        mean: float, the mean of the draws.
        stddev: float, the standard deviation before truncation.
        seed: integer seed of the random draws, for repeatable initial weights.
    """

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return _as_tensor(_standard_draws("truncated_normal", _shape_tuple(shape), dtype, self.seed, self.stddev,
                                          self.mean), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draws whose scale adapts to the weight's fans, so activations keep their variance
    from layer to layer.

    The variance is `scale / n`, with `n` the fan in, the fan out or their mean
    (`mode`). `'normal'` draws a truncated normal of standard deviation
    `sqrt(scale / n)`; `'uniform'` draws in `+-sqrt(3 * scale / n)`. The Glorot, He and
    LeCun initializers are instances of it. tf.keras spellings of `distribution` load
    too: `'truncated_normal'` (= `'normal'`) and `'untruncated_normal'` (a plain normal of
    that standard deviation).

    # Arguments
        scale: positive float, the scaling factor.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"normal"` or `"uniform"` (or the tf.keras spellings above).
        seed: integer seed of the random draws, for repeatable initial weights.

    # Raises
        ValueError: for a non-positive `scale`, or an unknown `mode` or
            `distribution`.
    """

    _DISTRIBUTIONS = {"normal", "uniform", "truncated_normal", "untruncated_normal"}

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if scale <= 0.:
            raise ValueError("`scale` must be a positive float. Got:", scale)
        mode = mode.lower()
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("Invalid `mode` argument: "
                             'expected on of {"fan_in", "fan_out", "fan_avg"} '
                             "but got", mode)
        distribution = distribution.lower()
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError("Invalid `distribution` argument: "
                             'expected one of {"normal", "uniform"} '
                             "but got", distribution)
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        fan_in, fan_out = _compute_fans(shape)
        if self.mode == "fan_in":
            variance = self.scale / max(1., fan_in)
        elif self.mode == "fan_out":
            variance = self.scale / max(1., fan_out)
        else:
            variance = self.scale / max(1., float(fan_in + fan_out) / 2)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = np.sqrt(variance) / _TRUNCATED_NORMAL_STD
            values = _standard_draws("truncated_normal", shape, dtype, self.seed, stddev)
        elif self.distribution == "untruncated_normal":
            values = _standard_draws("normal", shape, dtype, self.seed, np.sqrt(variance))
        else:
            limit = np.sqrt(3. * variance)
            values = _standard_draws("uniform", shape, dtype, self.seed, 2 * limit, -limit)
        return _as_tensor(values, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "seed": self.seed}


class Orthogonal(Initializer):
    """Initializes with a random orthogonal matrix (times `gain`).

    The weight reshaped to `(prod(shape[:-1]), shape[-1])` has orthonormal columns or
    rows, whichever fit. Orthogonal recurrent kernels keep the norm of the state through
    many steps, which is why recurrent layers use it by default.

    # Arguments
        gain: float, the factor applied to the matrix.
        seed: integer seed of the random draws, for repeatable initial weights.
    """

    def __init__(self, gain=1., seed=None):
        self.gain = gain
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        num_rows = int(np.prod(shape[:-1], dtype=np.int64))
        flat_shape = (num_rows, shape[-1])
        a = _standard_draws("normal", flat_shape, "float64", self.seed)
        # an initial value, not part of any graph: numpy's SVD is the tool here
        u, _, v = np.linalg.svd(a, full_matrices=False)
        q = u if u.shape == flat_shape else v
        return _as_tensor(self.gain * q.reshape(shape), dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """Initializes to `gain` times the identity matrix (2D weights only).

    A rectangular weight gets ones on its main diagonal. Useful for recurrent kernels
    that should start by carrying the state over unchanged.

    # Arguments
        gain: float, the factor applied to the matrix.
    """

    def __init__(self, gain=1.):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices.")
        return _as_tensor(self.gain * np.eye(shape[0], shape[1]), dtype)

    def get_config(self):
        return {"gain": self.gain}


# ---------------------------------------------------------------- named schemes
def lecun_uniform(seed=None):
    """Uniform draws in `+-sqrt(3 / fan_in)` (LeCun).

    Keeps unit variance for layers of linear or tanh-like units.

    # Arguments
        seed: integer seed of the random draws, for repeatable initial weights.

    # Returns
        A VarianceScaling initializer.
    """
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


def glorot_normal(seed=None):
    """Truncated normal draws of standard deviation `sqrt(2 / (fan_in + fan_out))` (Glorot).

    Balances the variance of activations going forward and of gradients going back.

    # Arguments
        seed: integer seed of the random draws, for repeatable initial weights.

    # Returns
        A VarianceScaling initializer.
    """
    return VarianceScaling(scale=1., mode="fan_avg", distribution="normal", seed=seed)


def glorot_uniform(seed=None):
    """Uniform draws in `+-sqrt(6 / (fan_in + fan_out))` (Glorot): the default kernel initializer.

    Balances the variance of activations going forward and of gradients going back.

    # Arguments
        seed: integer seed of the random draws, for repeatable initial weights.

    # Returns
        A VarianceScaling initializer.
    """
    return VarianceScaling(scale=1., mode="fan_avg", distribution="uniform", seed=seed)


def he_normal(seed=None):
    """Truncated normal draws of standard deviation `sqrt(2 / fan_in)` (He).

    Accounts for ReLU zeroing half its inputs, so deep ReLU networks keep their variance.

    # Arguments
        seed: integer seed of the random draws, for repeatable initial weights.

    # Returns
        A VarianceScaling initializer.
    """
    return VarianceScaling(scale=2., mode="fan_in", distribution="normal", seed=seed)


def lecun_normal(seed=None):
    """Truncated normal draws of standard deviation `sqrt(1 / fan_in)` (LeCun).

    The initializer SELU's self-normalisation assumes.

    # Arguments
        seed: integer seed of the random draws, for repeatable initial weights.

    # Returns
        A VarianceScaling initializer.
    """
    return VarianceScaling(scale=1., mode="fan_in", distribution="normal", seed=seed)


def he_uniform(seed=None):
    """Uniform draws in `+-sqrt(6 / fan_in)` (He).

    Accounts for ReLU zeroing half its inputs, so deep ReLU networks keep their variance.

    # Arguments
        seed: integer seed of the random draws, for repeatable initial weights.

    # Returns
        A VarianceScaling initializer.
    """
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)


# Compatibility aliases
zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
identity = Identity
orthogonal = Orthogonal

# Class names that later Keras versions write for the named schemes above.
_LATER_NAMES = {
    "GlorotNormal": glorot_normal,
    "GlorotUniform": glorot_uniform,
    "HeNormal": he_normal,
    "HeUniform": he_uniform,
    "LecunNormal": lecun_normal,
    "LecunUniform": lecun_uniform,
}


def _compute_fans(shape, data_format="channels_last"):
    """(fan_in, fan_out) of a weight shape: a dense kernel (in, out); a 1-3 D
    convolution kernel, its receptive field times its input / output channels; any
    other shape, sqrt of its size for both."""
    if len(shape) == 2:
        fan_in, fan_out = shape[0], shape[1]
    elif len(shape) in {3, 4, 5}:
        if data_format == "channels_first":
            receptive_field_size = np.prod(shape[2:])
            fan_in = shape[1] * receptive_field_size
            fan_out = shape[0] * receptive_field_size
        elif data_format == "channels_last":
            receptive_field_size = np.prod(shape[:-2])
            fan_in = shape[-2] * receptive_field_size
            fan_out = shape[-1] * receptive_field_size
        else:
            raise ValueError("Invalid data_format: " + data_format)
    else:
        fan_in = np.sqrt(np.prod(shape))
        fan_out = np.sqrt(np.prod(shape))
    return fan_in, fan_out


# ---------------------------------------------------------------- lookup
def serialize(initializer):
    """The `{'class_name': ..., 'config': ...}` dict of an initializer.

    # Arguments
        initializer: the initializer instance.

    # Returns
        Dict with the class name and `get_config()` result.
    """
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Creates an initializer from its serialized dict (or its name).

    Names of later Keras versions are mapped to the classes here, so their configs load.

    # Arguments
        config: dict with the class name and config, or a name.
        custom_objects: optional dict of user initializers by name.

    # Returns
        An initializer.
    """
    module_objects = dict(_LATER_NAMES)
    module_objects.update(globals())
    return deserialize_keras_object(config, module_objects=module_objects,
                                    custom_objects=custom_objects,
                                    printable_module_name="initializer")


def get(identifier):
    """Finds the initializer an argument names: what a layer's `*_initializer=` accepts.

    # Arguments
        identifier: a name such as `'he_normal'`, a serialized config, or a callable
            (returned as is).

    # Returns
        An initializer.

    # Raises
        ValueError: when `identifier` is none of these.
    """
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": str(identifier), "config": {}})
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret initializer identifier:", identifier)
