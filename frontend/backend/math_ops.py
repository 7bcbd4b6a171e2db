"""Math functions of the backend: arithmetic, comparisons, reductions, dot products."""
import builtins

import numpy as np

from keralite.compiler.ir import dtypes
from keralite.compiler.ir.shapes import Sym, broadcast_dims, normalize_axis
from keralite.compiler.ops.source import scalar
from keralite.compiler.ops import reduce as R
from keralite.compiler.ops import linalg as L
from keralite.compiler.ops import shape as S
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, operands, cast
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
    return _unary("abs", x)


def square(x):
    return _unary("square", x)


def sqrt(x):
    """sqrt(x) with negative x clipped to 0, as Keras does."""
    x = to_tensor(x)
    zero = scalar(0, x.node.dtype if x.node.dtype.is_float else config.floatx())
    clipped = apply("maximum", [x.node, zero])
    return Tensor(apply("sqrt", [clipped]))


def exp(x):
    return _unary("exp", x)


def log(x):
    """log(x) (the compiler computes log(softmax(z)) as the stable log_softmax(z))."""
    return _unary("log", x)


def round(x):
    return _unary("round", x)


def sign(x):
    return _unary("sign", x)


def pow(x, a):
    return _binary("pow", x, a)


def sin(x):
    return _unary("sin", x)


def erf(x):
    """The error function, 2/sqrt(pi) * integral of exp(-t**2) from 0 to x."""
    return _unary("erf", x)


def cos(x):
    return _unary("cos", x)


def clip(x, min_value, max_value):
    """Elements of x clipped into [min_value, max_value] (max < min means max = min;
    a None bound does not clip)."""
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
    """The mean; bool and int tensors give a floatx mean (not TF's truncated int mean)."""
    x = to_tensor(x)
    if not x.node.dtype.is_float:
        x = cast(x, config.floatx())
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
    """log(sum(exp(x))) computed stably (shifted by the max where it is finite, so a
    row holding +inf gives inf and one holding nan gives nan)."""
    x = to_tensor(x)
    if not x.node.dtype.is_float:
        x = cast(x, config.floatx())
    if x.ndim == 0:
        return x
    axes = R.normalize_axes(_axes(axis), x.ndim)
    if not axes:
        return x
    kept = tuple(i for i in range(x.ndim) if i not in axes)
    node = x.node
    if len(axes) > 1:
        # Move the reduced axes last and merge them into one.
        if kept + axes != tuple(range(x.ndim)):
            node = apply("transpose", [node], perm=kept + axes)
        node = S.reshape(node, tuple(x.node.shape[i] for i in kept) + (-1,))
        out = apply("logsumexp", [node], axis=node.ndim - 1, keepdims=False)
    else:
        out = apply("logsumexp", [node], axis=axes[0], keepdims=False)
    shape = R.reduced_shape(x.node.shape, axes, bool(keepdims))
    return Tensor(S.reshape(out, shape))


def _cumulative(kind, x, axis):
    x = to_tensor(x)
    if axis is None:
        x = Tensor(S.reshape(x.node, (-1,)))
        axis = 0
    axis = normalize_axis(int(axis), x.ndim)
    return Tensor(apply("cumulative", [x.node], axis=axis, kind=kind))


def cumsum(x, axis=0):
    return _cumulative("sum", x, axis)


def cumprod(x, axis=0):
    return _cumulative("prod", x, axis)


def _argreduce(kind, x, axis):
    """The int64 index of the first max (min) along axis; a nan counts as the extreme."""
    x = to_tensor(x)
    if x.ndim == 0:
        raise ValueError(f"arg{kind}: needs a tensor of rank >= 1, got a scalar")
    return Tensor(apply("argreduce", [x.node], axis=normalize_axis(int(axis), x.ndim), kind=kind))


def argmax(x, axis=-1):
    return _argreduce("max", x, axis)


def argmin(x, axis=-1):
    return _argreduce("min", x, axis)


# ------------------------------------------------------------------ products
def _show(shape):
    """A shape as users write it: (None, 784) for a batch dim, (32, 784) otherwise."""
    dims = ["None" if isinstance(d, Sym) and d.coef == 1 and len(d.syms) == 1 else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _same_dim(a, b):
    """Whether dims a and b can be made equal: two batch symbols are made one, and a
    batch symbol meeting a known size n > 1 is bound to n (checked at run time)."""
    if a == b:
        return True
    if not (isinstance(a, Sym) or isinstance(b, Sym)) or 1 in (a, b):
        return False
    return broadcast_dims(a, b) is not None


def _product_operands(name, x, y):
    """x and y as tensors of one numeric dtype (the promoted one)."""
    x, y = to_tensor(x), to_tensor(y)
    if x.node.dtype is not y.node.dtype:
        common = dtypes.promote(x.node.dtype, y.node.dtype)
        x, y = cast(x, common.name), cast(y, common.name)
    if x.node.dtype.is_bool:
        raise TypeError(f"{name}: needs numeric operands, got bool")
    return x, y


def _matmul(a, b, transpose_a=False, transpose_b=False):
    """a @ b over the last two axes (batch dims equal, or b 2-D); ints by multiply-and-sum."""
    if a.dtype.is_float:
        return L.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    if transpose_a:
        a = apply("transpose", [a], perm=tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2))
    if transpose_b:
        b = apply("transpose", [b], perm=tuple(range(b.ndim - 2)) + (b.ndim - 1, b.ndim - 2))
    a3 = S.reshape(a, a.shape + (1,))                            # (..., m, k, 1)
    b3 = S.reshape(b, b.shape[:-2] + (1,) + b.shape[-2:])        # (..., 1, k, n)
    return R.reduce("sum", apply("mul", [a3, b3]), [a3.ndim - 2], keepdims=False)


def dot(x, y):
    """Keras' dot: contracts the last axis of x with the second-to-last axis of y
    (or y's only axis), with x.shape[:-1] + y.shape[:-2] + y.shape[-1:] as result."""
    x, y = _product_operands("dot", x, y)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    xs, ys = x.node.shape, y.node.shape
    k_x, k_y = xs[-1], (ys[-2] if y.ndim >= 2 else ys[0])
    if not _same_dim(k_x, k_y):
        raise ValueError(f"dot: cannot contract {_show(xs)} with {_show(ys)}")
    out_shape = xs[:-1] + (ys[:-2] + ys[-1:] if y.ndim >= 2 else ())
    if x.ndim == 2 and y.ndim == 2:
        return Tensor(_matmul(x.node, y.node))
    x2 = S.reshape(x.node, (-1, k_x))
    if y.ndim == 1:
        y2 = S.reshape(y.node, (k_y, 1))
    elif y.ndim == 2:
        y2 = y.node
    else:
        perm = (y.ndim - 2,) + tuple(i for i in range(y.ndim) if i != y.ndim - 2)
        y2 = S.reshape(apply("transpose", [y.node], perm=perm), (k_y, -1))
    return Tensor(S.reshape(_matmul(x2, y2), out_shape))


def batch_dot(x, y, axes=None):
    """Keras' batch_dot: a dot per batch item over the given axes.

    axes: an int (the same axis of both), a pair, or None (the last axis of x with the
    second-to-last of y, or y's last when y is 2-D). Rank-1 results get a trailing axis,
    so x (32, 20) . y (32, 20) over axis 1 is (32, 1). Operands of rank 3 and more are
    contracted as a matmul batched over every leading axis, as Keras 2.1.6 does.
    """
    x, y = _product_operands("batch_dot", x, y)
    x_ndim, y_ndim = x.ndim, y.ndim
    xs, ys = x.node.shape, y.node.shape
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError(f"batch_dot: needs operands of rank >= 2, got {_show(xs)} and {_show(ys)}")
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x_ndim - 1, y_ndim - 2 if y_ndim > 2 else y_ndim - 1)
    if len(axes) != 2:
        raise ValueError(f"batch_dot: axes must be an int or a pair of ints, got {axes!r}")
    axes = [normalize_axis(int(a), n, "batch_dot: axis") for a, n in zip(axes, (x_ndim, y_ndim))]
    if 0 in axes:
        return _batch_dot_over_batch_axis(x, y, axes)
    if not _same_dim(xs[0], ys[0]):
        raise ValueError(f"batch_dot: batch sizes differ: {_show(xs)} and {_show(ys)}")
    if not _same_dim(xs[axes[0]], ys[axes[1]]):
        raise ValueError(f"batch_dot: cannot contract axis {axes[0]} of {_show(xs)} "
                         f"with axis {axes[1]} of {_show(ys)}")
    # The lower-rank operand gets trailing 1s, as in Keras.
    diff = builtins.abs(x_ndim - y_ndim)
    if x_ndim > y_ndim:
        y = Tensor(S.reshape(y.node, ys + (1,) * diff))
    elif y_ndim > x_ndim:
        x = Tensor(S.reshape(x.node, xs + (1,) * diff))
    ndim = x.ndim
    if ndim == 2:
        out = sum(x * y, 1)
    else:
        if not builtins.all(a >= ndim - 2 for a in axes):
            raise ValueError(f"batch_dot: operands of rank {ndim} contract one of their last two axes, "
                             f"got axes={tuple(axes)} for {_show(xs)} and {_show(ys)}")
        for a, b in zip(x.node.shape[1:-2], y.node.shape[1:-2]):
            if not _same_dim(a, b):
                raise ValueError(f"batch_dot: batch dims differ: {_show(xs)} and {_show(ys)}")
        out = Tensor(_matmul(x.node, y.node, transpose_a=axes[0] != ndim - 1,
                             transpose_b=axes[1] == ndim - 1))
    if diff:
        start = x_ndim + y_ndim - 3 if x_ndim > y_ndim else x_ndim - 1
        shape = tuple(d for i, d in enumerate(out.node.shape) if not start <= i < start + diff)
        out = Tensor(S.reshape(out.node, shape))
    if out.ndim == 1:
        out = Tensor(S.reshape(out.node, out.node.shape + (1,)))
    return out


def _batch_dot_over_batch_axis(x, y, axes):
    """batch_dot of two matrices with axis 0 among `axes`, as Keras 2.1.6's TensorFlow
    backend computes it: equal axes sum x * y over that axis; unequal axes sum
    transpose(x) * y over y's axis (which needs square operands). A result of rank 1
    gets a trailing axis."""
    xs, ys = x.node.shape, y.node.shape
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError(f"batch_dot: contracting the batch axis is supported for two matrices "
                         f"only, got {_show(xs)} and {_show(ys)} with axes={tuple(axes)}")
    if axes[0] == axes[1]:
        if not builtins.all(_same_dim(a, b) for a, b in zip(xs, ys)):
            raise ValueError(f"batch_dot: cannot contract axis {axes[0]} of {_show(xs)} "
                             f"with axis {axes[1]} of {_show(ys)}")
        out = sum(x * y, axes[0])
    else:
        xt = transpose(x)
        if not builtins.all(_same_dim(a, b) for a, b in zip(xt.node.shape, ys)):
            raise ValueError(f"batch_dot: axes={tuple(axes)} multiplies the transpose of {_show(xs)} "
                             f"with {_show(ys)} element by element, so they must be square")
        out = sum(xt * y, axes[1])
    return Tensor(S.reshape(out.node, out.node.shape + (1,)))


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
