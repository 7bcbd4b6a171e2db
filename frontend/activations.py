"""Keras 2 activation functions (`keras.activations`), written against K, and the
lookup helpers `serialize`, `deserialize` and `get` that layers use for their
`activation` argument."""
import warnings

from . import backend as K
from .utils.generic_utils import deserialize_keras_object

# SELU constants (Klambauer et al., 2017): the fixed point of mean 0 and variance 1.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`; x must have at least two dims, as in Keras
    (a 1-D input is taken for a missing batch axis, not a vector of logits)."""
    if K.ndim(x) < 2:
        raise ValueError("Cannot apply softmax to a tensor that is 1D")
    return K.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return K.elu(x, alpha)


def selu(x):
    """Scaled ELU: scale * elu(x, alpha) with the self-normalising constants."""
    return _SELU_SCALE * K.elu(x, _SELU_ALPHA)


def softplus(x):
    """log(1 + exp(x))."""
    return K.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return K.softsign(x)


def relu(x, alpha=0., max_value=None, threshold=0.):
    """Rectified linear unit: x above `threshold`, alpha * (x - threshold) below it,
    clipped at `max_value` (Keras 2.2's arguments; the defaults give max(x, 0)).

    # Arguments
        x: input tensor.
        alpha: slope below the threshold.
        max_value: saturation value (None: no clipping).
        threshold: where the unit starts to pass x through.

    # Returns
        A tensor of the shape and dtype of x.
    """
    return K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def tanh(x):
    return K.tanh(x)


def sigmoid(x):
    return K.sigmoid(x)


def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1): a piecewise-linear sigmoid."""
    return K.hard_sigmoid(x)


def linear(x):
    """The identity."""
    return x


def serialize(activation):
    return activation.__name__


def deserialize(name, custom_objects=None):
    return deserialize_keras_object(name, module_objects=globals(), custom_objects=custom_objects,
                                    printable_module_name="activation function")


def get(identifier):
    """An activation function from None (linear), a name, or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        if _is_layer(identifier):
            warnings.warn("Do not pass a layer instance (such as {identifier}) as the "
                          "activation argument of another layer. Instead, advanced "
                          "activation layers should be used just like any other "
                          "layer in a model.".format(identifier=identifier.__class__.__name__))
        return identifier
    raise ValueError("Could not interpret activation function identifier:", identifier)


def _is_layer(obj):
    try:
        from .engine.base_layer import Layer
    except ImportError:  # the engine is optional for activations
        return False
    return isinstance(obj, Layer)
