"""Reductions of the backend: max, min, sum, prod, any, all, mean, var, std,
logsumexp, the cumulative sums and products, argmax and argmin."""
from keralite.compiler.ir.shapes import normalize_axis
from keralite.compiler.ops import reduce as R
from keralite.compiler.ops import shape as S
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, cast
from .math_ops import square
from .narrow_dtypes import keep_float16
from . import config


def _axes(axis):
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    return axis


def _reduce(kind, x, axis, keepdims):
    x = to_tensor(x)
    return keep_float16(Tensor(R.reduce(kind, x.node, _axes(axis), keepdims)), [x])


def max(x, axis=None, keepdims=False):
    """The largest element of `x` along the given axes.

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A Tensor with the reduced axes dropped or kept as size 1.
    """
    return _reduce("max", x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """The smallest element of `x` along the given axes.

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A Tensor with the reduced axes dropped or kept as size 1.
    """
    return _reduce("min", x, axis, keepdims)


def sum(x, axis=None, keepdims=False):
    """The sum of the elements of `x` along the given axes.

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A Tensor with the reduced axes dropped or kept as size 1.
    """
    return _reduce("sum", x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    """The product of the elements of `x` along the given axes.

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A Tensor with the reduced axes dropped or kept as size 1.
    """
    return _reduce("prod", x, axis, keepdims)


def any(x, axis=None, keepdims=False):
    """Whether any element of `x` is true (nonzero) along the given axes.

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A bool Tensor with the reduced axes dropped or kept as size 1.
    """
    return _reduce("any", x, axis, keepdims)


def all(x, axis=None, keepdims=False):
    """Whether every element of `x` is true (nonzero) along the given axes.

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A bool Tensor with the reduced axes dropped or kept as size 1.
    """
    return _reduce("all", x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """The mean of the elements of `x` along the given axes.

    An integer or bool `x` gives a floatx mean, where TensorFlow would truncate
    to an integer.

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A float Tensor with the reduced axes dropped or kept as size 1.
    """
    x = to_tensor(x)
    if not x.node.dtype.is_float:
        x = cast(x, config.floatx())
    return keep_float16(Tensor(R.mean(x.node, _axes(axis), keepdims)), [x])


def var(x, axis=None, keepdims=False):
    """The variance of the elements of `x` along the given axes (divided by n, not n - 1).

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A float Tensor with the reduced axes dropped or kept as size 1.
    """
    x = to_tensor(x)
    if not x.node.dtype.is_float:
        x = cast(x, config.floatx())
    m = mean(x, axis, keepdims=True)
    return mean(square(x - m), axis, keepdims)


def std(x, axis=None, keepdims=False):
    """The standard deviation of the elements of `x` along the given axes (the square
    root of `var`).

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A float Tensor with the reduced axes dropped or kept as size 1.
    """
    return Tensor(apply("sqrt", [var(x, axis, keepdims).node]))


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` along the given axes, computed without overflow.

    The largest element is subtracted before exponentiating where it is finite,
    so large inputs do not overflow; a slice holding +inf gives inf and one
    holding nan gives nan. An integer `x` is first cast to floatx.

    # Arguments
        x: a tensor.
        axis: an int, a list of ints, or None for every axis; negative axes count
            from the end.
        keepdims: whether the reduced axes stay, with size 1 (True), or are
            dropped (False).

    # Returns
        A float Tensor with the reduced axes dropped or kept as size 1.
    """
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
    """The running sum of `x` along one axis.

    # Arguments
        x: a tensor.
        axis: the axis to accumulate along (negative counts from the end), or
            None to accumulate over the flattened tensor.

    # Returns
        A Tensor of the shape of `x` (1-D when `axis` is None).
    """
    return _cumulative("sum", x, axis)


def cumprod(x, axis=0):
    """The running product of `x` along one axis.

    # Arguments
        x: a tensor.
        axis: the axis to accumulate along (negative counts from the end), or
            None to accumulate over the flattened tensor.

    # Returns
        A Tensor of the shape of `x` (1-D when `axis` is None).
    """
    return _cumulative("prod", x, axis)


def _argreduce(kind, x, axis):
    """The int64 index of the first max (min) along axis; a nan counts as the extreme."""
    x = to_tensor(x)
    if x.ndim == 0:
        raise ValueError(f"arg{kind}: needs a tensor of rank >= 1, got a scalar")
    return Tensor(apply("argreduce", [x.node], axis=normalize_axis(int(axis), x.ndim), kind=kind))


def argmax(x, axis=-1):
    """The index of the largest element of `x` along one axis.

    Ties give the first index; a nan counts as larger than any number.

    # Arguments
        x: a tensor of rank 1 or more.
        axis: the axis to search along; negative counts from the end.

    # Returns
        An int64 Tensor with `axis` dropped.

    # Raises
        ValueError: if `x` is a scalar.
    """
    return _argreduce("max", x, axis)


def argmin(x, axis=-1):
    """The index of the smallest element of `x` along one axis.

    Ties give the first index; a nan counts as smaller than any number.

    # Arguments
        x: a tensor of rank 1 or more.
        axis: the axis to search along; negative counts from the end.

    # Returns
        An int64 Tensor with `axis` dropped.

    # Raises
        ValueError: if `x` is a scalar.
    """
    return _argreduce("min", x, axis)
