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
    """`exp(x) / sum(exp(x))` along `axis`: scores turned into a probability distribution.

    The output activation of single-label classifiers. The input must have at least two
    axes, as in Keras: a 1D input is taken for a missing batch axis, not a vector of
    logits.

    # Arguments
        x: input tensor.
        axis: the axis the normalisation runs over.

    # Returns
        Tensor of the shape of `x`, non-negative and summing to 1 along `axis`.

    # Raises
        ValueError: for a 1D input.
    """
    if K.ndim(x) < 2:
        raise ValueError("Cannot apply softmax to a tensor that is 1D")
    return K.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Negative outputs push mean activations towards zero, which speeds up learning.

    # Arguments
        x: input tensor.
        alpha: the value the negative part saturates at (as `-alpha`).

    # Returns
        Tensor of the shape of `x`.
    """
    return K.elu(x, alpha)


def selu(x):
    """Scaled ELU: `scale * elu(x, alpha)` with the self-normalising constants.

    With `lecun_normal` initialisation (and AlphaDropout), activations keep zero mean
    and unit variance through deep stacks of Dense layers.

    # Arguments
        x: input tensor.

    # Returns
        Tensor of the shape of `x`.
    """
    return _SELU_SCALE * K.elu(x, _SELU_ALPHA)


def softplus(x):
    """`log(1 + exp(x))`: a smooth rectifier whose output is always positive.

    # Arguments
        x: input tensor.

    # Returns
        Tensor of the shape of `x`.
    """
    return K.softplus(x)


def softsign(x):
    """`x / (1 + |x|)`: like tanh, but approaching its bounds polynomially, not exponentially.

    # Arguments
        x: input tensor.

    # Returns
        Tensor of the shape of `x`, in (-1, 1).
    """
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
    """Hyperbolic tangent: a zero-centred squashing function, in (-1, 1).

    # Arguments
        x: input tensor.

    # Returns
        Tensor of the shape of `x`.
    """
    return K.tanh(x)


def sigmoid(x):
    """Logistic sigmoid `1 / (1 + exp(-x))`, in (0, 1): the output of binary classifiers.

    # Arguments
        x: input tensor.

    # Returns
        Tensor of the shape of `x`.
    """
    return K.sigmoid(x)


def hard_sigmoid(x):
    """`clip(0.2 * x + 0.5, 0, 1)`: a piecewise-linear sigmoid, cheaper to compute.

    Recurrent layers use it for their gates by default, as Keras does.

    # Arguments
        x: input tensor.

    # Returns
        Tensor of the shape of `x`, in [0, 1].
    """
    return K.hard_sigmoid(x)


def linear(x):
    """The identity: what a layer with `activation=None` applies.

    # Arguments
        x: input tensor.

    # Returns
        `x` unchanged.
    """
    return x


def serialize(activation):
    """The name under which an activation is saved in a layer's config.

    # Arguments
        activation: the activation function.

    # Returns
        The function's name.
    """
    return activation.__name__


def deserialize(name, custom_objects=None):
    """The activation function saved under `name`.

    # Arguments
        name: the function's name.
        custom_objects: optional dict of user activations by name.

    # Returns
        The activation function.
    """
    return deserialize_keras_object(name, module_objects=globals(), custom_objects=custom_objects,
                                    printable_module_name="activation function")


def get(identifier):
    """Finds the activation an argument names: what a layer's `activation=` accepts.

    # Arguments
        identifier: None (linear), a name such as `'relu'`, or a callable (returned as
            is; a layer instance gets a warning, since advanced activations are
            layers of their own).

    # Returns
        The activation function.

    # Raises
        ValueError: when `identifier` is none of these.
    """
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
