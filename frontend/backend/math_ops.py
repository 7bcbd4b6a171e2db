"""Elementwise math of the backend: arithmetic, the float functions, comparisons
(reductions are in reduce_ops.py, products in product_ops.py)."""
import numpy as np

from keralite.compiler.ops.source import scalar
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, operands
from .narrow_dtypes import keep_narrow_dtype
from . import config


def _unary(name, x):
    x = to_tensor(x)
    return keep_narrow_dtype(Tensor(apply(name, [x.node])), [x])


def _binary(name, a, b):
    tensors = [t for t in (a, b) if isinstance(t, Tensor)]
    a, b = operands(a, b)
    return keep_narrow_dtype(Tensor(apply(name, [a.node, b.node])), tensors)


# ------------------------------------------------------------------ arithmetic
def add(a, b):
    return _binary("add", a, b)


def subtract(a, b):
    return _binary("sub", a, b)


def multiply(a, b):
    return _binary("mul", a, b)


def divide(a, b):
    return _binary("div", a, b)


def floordiv(a, b):
    return _binary("floordiv", a, b)


def negative(x):
    return _unary("neg", x)


def logical_and(a, b):
    return _binary("logical_and", a, b)


def logical_or(a, b):
    return _binary("logical_or", a, b)


def logical_not(x):
    return _unary("logical_not", x)


def abs(x):
    """The absolute value of `x`, element by element.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("abs", x)


def square(x):
    """`x` squared, element by element.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("square", x)


def sqrt(x):
    """The square root of `x`, element by element, with negative elements clipped to 0 first.

    The clipping keeps rounding noise from turning a tiny negative variance into
    nan, as Keras does it; the gradient at 0 is still infinite.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape of `x` (floatx for integer `x`).
    """
    x = to_tensor(x)
    zero = scalar(0, x.node.dtype if x.node.dtype.is_float else config.floatx())
    clipped = apply("maximum", [x.node, zero])
    return Tensor(apply("sqrt", [clipped]))


def exp(x):
    """e raised to `x`, element by element.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("exp", x)


def log(x):
    """The natural logarithm of `x`, element by element.

    `log(softmax(z))` is recognised by the compiler and computed as a stable
    log-softmax, so it does not overflow to -inf for large logits.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("log", x)


def round(x):
    """`x` rounded to the nearest integer value, element by element.

    Halves round to the even neighbour (2.5 gives 2.0), as in numpy and TensorFlow.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("round", x)


def sign(x):
    """-1, 0 or 1 according to the sign of each element of `x`.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("sign", x)


def pow(x, a):
    """`x` raised to the power `a`, element by element.

    # Arguments
        x: a tensor.
        a: the exponent: a Python number or a tensor broadcastable against `x`.

    # Returns
        A Tensor of the broadcast shape.
    """
    return _binary("pow", x, a)


def sin(x):
    """The sine of `x` (in radians), element by element.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("sin", x)


def erf(x):
    """The Gauss error function of `x`, element by element.

    erf(x) = 2 / sqrt(pi) * (the integral of exp(-t ** 2) for t from 0 to x).
    Keras 2.1.6's backend has no erf: keralite adds it.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("erf", x)


def cos(x):
    """The cosine of `x` (in radians), element by element.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    return _unary("cos", x)


def clip(x, min_value, max_value):
    """`x` with every element clipped into [`min_value`, `max_value`].

    When both bounds are Python numbers and `max_value` is below `min_value`,
    `max_value` is raised to `min_value`, as Keras does.

    # Arguments
        x: a tensor.
        min_value: the lower bound: a Python number, a tensor, or None for none.
        max_value: the upper bound: a Python number, a tensor, or None for none.

    # Returns
        A Tensor of the shape and type of `x`.
    """
    x = to_tensor(x)
    dtype = x.node.dtype
    low, high = (-np.inf, np.inf) if not dtype.is_int else (np.iinfo(dtype.np).min, np.iinfo(dtype.np).max)
    if min_value is None:
        min_value = low
    if max_value is None:
        max_value = high
    if not isinstance(min_value, Tensor) and not isinstance(max_value, Tensor) and max_value < min_value:
        max_value = min_value
    lo = operands(x, min_value)[1]
    hi = operands(x, max_value)[1]
    return Tensor(apply("clip", [x.node, lo.node, hi.node]))


# ------------------------------------------------------------------ comparisons
def equal(x, y):
    """Whether `x` equals `y`, element by element.

    Use it rather than `==`, which compares tensors by identity in keralite.

    The operands broadcast against each other as in numpy.

    # Arguments
        x: a tensor or a Python number.
        y: a tensor or a Python number.

    # Returns
        A bool Tensor of the broadcast shape.
    """
    return _binary("eq", x, y)


def not_equal(x, y):
    """Whether `x` differs from `y`, element by element.

    Use it rather than `!=`, which compares tensors by identity in keralite.

    The operands broadcast against each other as in numpy.

    # Arguments
        x: a tensor or a Python number.
        y: a tensor or a Python number.

    # Returns
        A bool Tensor of the broadcast shape.
    """
    return _binary("ne", x, y)


def greater(x, y):
    """Whether `x` > `y`, element by element.

    The operands broadcast against each other as in numpy.

    # Arguments
        x: a tensor or a Python number.
        y: a tensor or a Python number.

    # Returns
        A bool Tensor of the broadcast shape.
    """
    return _binary("gt", x, y)


def greater_equal(x, y):
    """Whether `x` >= `y`, element by element.

    The operands broadcast against each other as in numpy.

    # Arguments
        x: a tensor or a Python number.
        y: a tensor or a Python number.

    # Returns
        A bool Tensor of the broadcast shape.
    """
    return _binary("ge", x, y)


def less(x, y):
    """Whether `x` < `y`, element by element.

    The operands broadcast against each other as in numpy.

    # Arguments
        x: a tensor or a Python number.
        y: a tensor or a Python number.

    # Returns
        A bool Tensor of the broadcast shape.
    """
    return _binary("lt", x, y)


def less_equal(x, y):
    """Whether `x` <= `y`, element by element.

    The operands broadcast against each other as in numpy.

    # Arguments
        x: a tensor or a Python number.
        y: a tensor or a Python number.

    # Returns
        A bool Tensor of the broadcast shape.
    """
    return _binary("le", x, y)


def maximum(x, y):
    """The larger of `x` and `y`, element by element.

    The operands broadcast against each other as in numpy.

    # Arguments
        x: a tensor or a Python number.
        y: a tensor or a Python number.

    # Returns
        A Tensor of the broadcast shape.
    """
    return _binary("maximum", x, y)


def minimum(x, y):
    """The smaller of `x` and `y`, element by element.

    The operands broadcast against each other as in numpy.

    # Arguments
        x: a tensor or a Python number.
        y: a tensor or a Python number.

    # Returns
        A Tensor of the broadcast shape.
    """
    return _binary("minimum", x, y)
