"""Products of the backend: dot, batch_dot, transpose and gather."""
import builtins

import numpy as np

from keralite.compiler.ir import dtypes
from keralite.compiler.ir.shapes import Sym, broadcast_dims, normalize_axis
from keralite.compiler.ops import reduce as R
from keralite.compiler.ops import linalg as L
from keralite.compiler.ops import shape as S
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, cast
from .narrow_dtypes import keep_float16
from .reduce_ops import sum


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
    """The product of two tensors, contracting the last axis of `x`.

    The contracted axis of `y` is its second-to-last (its only axis when `y` is
    1-D), so the result has shape `x.shape[:-1] + y.shape[:-2] + y.shape[-1:]`, as
    Keras' dot on TensorFlow gives (not numpy's `tensordot`). A scalar operand
    multiplies element by element. Operands of different types are promoted to a
    common one first.

    # Arguments
        x: a tensor.
        y: a tensor.

    # Returns
        A Tensor.

    # Raises
        ValueError: if the contracted dimensions differ (the message names both
            shapes).
        TypeError: if the operands are bool.
    """
    x, y = _product_operands("dot", x, y)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    xs, ys = x.node.shape, y.node.shape
    k_x, k_y = xs[-1], (ys[-2] if y.ndim >= 2 else ys[0])
    if not _same_dim(k_x, k_y):
        raise ValueError(f"dot: cannot contract {_show(xs)} with {_show(ys)}")
    out_shape = xs[:-1] + (ys[:-2] + ys[-1:] if y.ndim >= 2 else ())
    if x.ndim == 2 and y.ndim == 2:
        return keep_float16(Tensor(_matmul(x.node, y.node)), [x, y])
    x2 = S.reshape(x.node, (-1, k_x))
    if y.ndim == 1:
        y2 = S.reshape(y.node, (k_y, 1))
    elif y.ndim == 2:
        y2 = y.node
    else:
        perm = (y.ndim - 2,) + tuple(i for i in range(y.ndim) if i != y.ndim - 2)
        y2 = S.reshape(apply("transpose", [y.node], perm=perm), (k_y, -1))
    return keep_float16(Tensor(S.reshape(_matmul(x2, y2), out_shape)), [x, y])


def batch_dot(x, y, axes=None):
    """A dot product per batch item: `x[i]` contracted with `y[i]` for each `i`.

    With two matrices the result is `(batch, 1)`: a rank-1 result gets a trailing
    axis, as in Keras. Operands of rank 3 and more are contracted as a matrix
    product batched over every leading axis, which is Keras 2.1.6's behaviour;
    the lower-rank operand is padded with trailing axes of size 1 first, and those
    are dropped from the result.

    # Arguments
        x: a tensor of rank 2 or more, batch first.
        y: a tensor of rank 2 or more, batch first.
        axes: the axes to contract: an int (the same axis of both), a pair
            `(axis of x, axis of y)`, or None for the last axis of `x` and the
            second-to-last axis of `y` (its last when `y` is 2-D).

    # Returns
        A Tensor whose first axis is the batch.

    # Raises
        ValueError: if an operand has rank below 2, `axes` is not an int or a
            pair, the batch sizes or the contracted dimensions differ, or a
            rank-3+ contraction names an axis other than the last two.
        TypeError: if the operands are bool.
    """
    x, y = _product_operands("batch_dot", x, y)
    operands = [x, y]
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
    return keep_float16(out, operands)


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
    """`x` with its axes in reverse order (the matrix transpose for 2-D `x`).

    # Arguments
        x: a tensor.

    # Returns
        A Tensor of shape `x.shape[::-1]`.
    """
    x = to_tensor(x)
    return Tensor(apply("transpose", [x.node], perm=tuple(reversed(range(x.ndim)))))


def gather(reference, indices):
    """The slices of `reference` picked by `indices` along its first axis.

    This is the lookup an Embedding layer does.

    # Arguments
        reference: a tensor.
        indices: an integer tensor, array or list of indices; float indices are
            cast to int32.

    # Returns
        A Tensor of shape `indices.shape + reference.shape[1:]`.
    """
    reference = to_tensor(reference)
    if not isinstance(indices, Tensor):
        indices = to_tensor(np.asarray(indices), "int32" if np.asarray(indices).dtype.kind in "iu" else None)
    if not indices.node.dtype.is_int:
        indices = cast(indices, "int32")
    return Tensor(apply("gather", [reference.node, indices.node]))
