"""Math functions of the backend: arithmetic, comparisons, reductions, dot products."""
import builtins

import numpy as np

from keralite.compiler.ir import dtypes
from keralite.compiler.ops import elementwise as E
from keralite.compiler.ops import reduce as R
from keralite.compiler.ops import linalg as L
from keralite.compiler.ops import shape as S
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, operands, cast
from . import config


def _unary(name, x):
    x = to_tensor(x)
    return Tensor(apply(name, [x.node]))


def _binary(name, a, b):
    a, b = operands(a, b)
    return Tensor(apply(name, [a.node, b.node]))


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
    return _unary("abs", x)


def square(x):
    return _unary("square", x)


def sqrt(x):
    """sqrt(x) with negative x clipped to 0, as Keras does."""
    x = to_tensor(x)
    zero = E.scalar(0, x.node.dtype if x.node.dtype.is_float else config.floatx())
    clipped = apply("maximum", [x.node, zero])
    return Tensor(apply("sqrt", [clipped]))


def exp(x):
    return _unary("exp", x)


def log(x):
    return _unary("log", x)


def round(x):
    return _unary("round", x)


def sign(x):
    return _unary("sign", x)


def pow(x, a):
    return _binary("pow", x, a)


def sin(x):
    return _unary("sin", x)


def cos(x):
    return _unary("cos", x)


def clip(x, min_value, max_value):
    """Elements of x clipped into [min_value, max_value] (max < min means max = min)."""
    x = to_tensor(x)
    if min_value is None:
        min_value = -np.inf
    if max_value is None:
        max_value = np.inf
    if not isinstance(min_value, Tensor) and not isinstance(max_value, Tensor) and max_value < min_value:
        max_value = min_value
    lo = operands(x, min_value)[1]
    hi = operands(x, max_value)[1]
    return Tensor(apply("clip", [x.node, lo.node, hi.node]))


# ------------------------------------------------------------------ comparisons
def equal(x, y):
    return _binary("eq", x, y)


def not_equal(x, y):
    return _binary("ne", x, y)


def greater(x, y):
    return _binary("gt", x, y)


def greater_equal(x, y):
    return _binary("ge", x, y)


def less(x, y):
    return _binary("lt", x, y)


def less_equal(x, y):
    return _binary("le", x, y)


def maximum(x, y):
    return _binary("maximum", x, y)


def minimum(x, y):
    return _binary("minimum", x, y)


# ------------------------------------------------------------------ reductions
def _axes(axis):
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    return axis


def _reduce(kind, x, axis, keepdims):
    x = to_tensor(x)
    return Tensor(R.reduce(kind, x.node, _axes(axis), keepdims))


def max(x, axis=None, keepdims=False):
    return _reduce("max", x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    return _reduce("min", x, axis, keepdims)


def sum(x, axis=None, keepdims=False):
    return _reduce("sum", x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    return _reduce("prod", x, axis, keepdims)


def any(x, axis=None, keepdims=False):
    return _reduce("any", x, axis, keepdims)


def all(x, axis=None, keepdims=False):
    return _reduce("all", x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    x = to_tensor(x)
    return Tensor(R.mean(x.node, _axes(axis), keepdims))


def var(x, axis=None, keepdims=False):
    x = to_tensor(x)
    if not x.node.dtype.is_float:
        x = cast(x, config.floatx())
    m = mean(x, axis, keepdims=True)
    return mean(square(x - m), axis, keepdims)


def std(x, axis=None, keepdims=False):
    return Tensor(apply("sqrt", [var(x, axis, keepdims).node]))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) computed stably (shifted by the max)."""
    x = to_tensor(x)
    if axis is None:
        flat = S.reshape(x.node, (-1,)) if x.ndim != 1 else x.node
        out = apply("logsumexp", [flat], axis=0, keepdims=False)
        if keepdims:
            out = S.reshape(out, (1,) * x.ndim)
        return Tensor(out)
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            m = Tensor(apply("stop_gradient", [max(x, axis, keepdims=True).node]))
            out = log(sum(exp(x - m), axis, keepdims=True)) + m
            if keepdims:
                return out
            shape = R.reduced_shape(x.node.shape, R.normalize_axes(axis, x.ndim), False)
            return Tensor(S.reshape(out.node, shape))
        axis = axis[0]
    return Tensor(apply("logsumexp", [x.node], axis=int(axis) % builtins.max(x.ndim, 1), keepdims=bool(keepdims)))


def _cumulative(kind, x, axis):
    x = to_tensor(x)
    if axis is None:
        x = Tensor(S.reshape(x.node, (-1,)))
        axis = 0
    axis = int(axis) % x.ndim
    return Tensor(apply("cumulative", [x.node], axis=axis, kind=kind))


def cumsum(x, axis=0):
    return _cumulative("sum", x, axis)


def cumprod(x, axis=0):
    return _cumulative("prod", x, axis)


def argmax(x, axis=-1):
    x = to_tensor(x)
    return Tensor(apply("argreduce", [x.node], axis=int(axis) % x.ndim, kind="max"))


def argmin(x, axis=-1):
    x = to_tensor(x)
    return Tensor(apply("argreduce", [x.node], axis=int(axis) % x.ndim, kind="min"))


# ------------------------------------------------------------------ products
def dot(x, y):
    """Keras' dot: contracts the last axis of x with the second-to-last axis of y
    (or y's only axis), with x.shape[:-1] + y.shape[:-2] + y.shape[-1:] as result."""
    x, y = to_tensor(x), to_tensor(y)
    if x.node.dtype is not y.node.dtype:
        t = dtypes.promote(x.node.dtype, y.node.dtype)
        x, y = cast(x, t.name), cast(y, t.name)
    if not x.node.dtype.is_float:
        raise TypeError(f"dot: needs float operands, got {x.dtype}")
    xs, ys = x.node.shape, y.node.shape
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if y.ndim == 1:
        out = dot(x, Tensor(S.reshape(y.node, (ys[0], 1))))
        return Tensor(S.reshape(out.node, xs[:-1]))
    if x.ndim == 1:
        out = dot(Tensor(S.reshape(x.node, (1, xs[0]))), y)
        return Tensor(S.reshape(out.node, ys[:-2] + ys[-1:]))
    k_x, k_y = xs[-1], ys[-2]
    if k_x != k_y:
        raise ValueError(f"dot: cannot contract {_show(xs)} with {_show(ys)}")
    if x.ndim == 2 and y.ndim == 2:
        return Tensor(L.matmul(x.node, y.node))
    x2 = S.reshape(x.node, (-1, k_x))
    perm = [y.ndim - 2] + [i for i in range(y.ndim) if i != y.ndim - 2]
    y2 = S.reshape(apply("transpose", [y.node], perm=tuple(perm)), (k_y, -1))
    out = L.matmul(x2, y2)
    return Tensor(S.reshape(out, xs[:-1] + ys[:-2] + ys[-1:]))


def _show(shape):
    from keralite.compiler.ir.shapes import shape_str
    return shape_str(shape).replace("[", "(").replace("]", ")")


def batch_dot(x, y, axes=None):
    """Keras' batch_dot: a dot per batch item over the given axes."""
    x, y = to_tensor(x), to_tensor(y)
    if isinstance(axes, int):
        axes = (axes, axes)
    x_ndim, y_ndim = x.ndim, y.ndim
    if axes is None:
        axes = (x_ndim - 1, y_ndim - 2) if y_ndim > 2 else (x_ndim - 1, y_ndim - 1)
    axes = [a % n for a, n in zip(axes, (x_ndim, y_ndim))]
    if x_ndim > y_ndim:
        diff = x_ndim - y_ndim
        y = Tensor(S.reshape(y.node, y.node.shape + (1,) * diff))
    elif y_ndim > x_ndim:
        diff = y_ndim - x_ndim
        x = Tensor(S.reshape(x.node, x.node.shape + (1,) * diff))
    else:
        diff = 0
    if x.ndim == 2 and y.ndim == 2:
        if axes[0] == axes[1]:
            out = sum(x * y, axes[0])
        else:
            out = sum(Tensor(apply("transpose", [x.node], perm=(1, 0))) * y, axes[1])
    else:
        adj_x = axes[0] != x.ndim - 1
        adj_y = axes[1] == y.ndim - 1
        if x.node.shape[:-2] != y.node.shape[:-2]:
            raise ValueError(f"batch_dot: batch dims differ: {_show(x.node.shape)} and {_show(y.node.shape)}")
        out = Tensor(L.matmul(x.node, y.node, transpose_a=adj_x, transpose_b=adj_y))
    if diff:
        idx = x_ndim + y_ndim - 3 if x_ndim > y_ndim else x_ndim - 1
        shape = tuple(d for i, d in enumerate(out.node.shape) if not idx <= i < idx + diff)
        out = Tensor(S.reshape(out.node, shape))
    if out.ndim == 1:
        out = Tensor(S.reshape(out.node, out.node.shape + (1,)))
    return out


def transpose(x):
    """Reverse the axes."""
    x = to_tensor(x)
    return Tensor(apply("transpose", [x.node], perm=tuple(reversed(range(x.ndim)))))


def gather(reference, indices):
    """reference[indices] along the first axis."""
    reference = to_tensor(reference)
    if not isinstance(indices, Tensor):
        indices = to_tensor(np.asarray(indices), "int32" if np.asarray(indices).dtype.kind in "iu" else None)
    if not indices.node.dtype.is_int:
        indices = cast(indices, "int32")
    return Tensor(apply("gather", [reference.node, indices.node]))
