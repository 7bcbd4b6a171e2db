"""Reductions (sum, prod, max, min, any, all), arg-reductions and cumulative scans."""
from ..codegen.loops import emit_argreduce, emit_scan
from ..codegen.scalar import REDUCTION_FAST, const, select_max
from ..ir import dtypes
from ..ir.shapes import normalize_axis, numel
from .registry import Op, register, apply
from .elementwise import ew
from .source import scalar


def normalize_axes(axes, ndim):
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, int):
        axes = [axes]
    return tuple(sorted({normalize_axis(int(a), ndim) for a in axes}))


def reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def expand_back(g, node):
    """Broadcast a reduction's gradient back to the reduced input's shape."""
    x = node.inputs[0]
    axes, keepdims = node.attr("axes"), node.attr("keepdims")
    if not keepdims:
        g = apply("reshape", [g], shape=reduced_shape(x.shape, axes, True))
    return apply("broadcast_to", [g], shape=x.shape)


class Reduce(Op):
    kind = "reduce"
    dtype_rule = "same"

    def infer(self, inputs, attrs):
        (x,) = inputs
        axes = attrs["axes"]
        if self.dtype_rule == "bool":
            dtype = dtypes.bool_
        elif self.dtype_rule == "float" or (self.name in ("sum", "prod") and x.dtype.is_bool):
            dtype = dtype_or_default(x.dtype)
        else:
            dtype = x.dtype
        return dtype, reduced_shape(x.shape, axes, attrs["keepdims"])

    def identity(self, dtype):
        raise NotImplementedError

    def combine(self, b, acc, x, dtype):
        raise NotImplementedError


def dtype_or_default(dtype):
    return dtype if not dtype.is_bool else dtypes.int64


@register
class Sum(Reduce):
    name = "sum"

    def identity(self, dtype):
        return const(dtype, 0)

    def combine(self, b, acc, x, dtype):
        return b.fadd(acc, x, flags=REDUCTION_FAST) if dtype.is_float else b.add(acc, x)

    def grad(self, node, g):
        return [expand_back(g, node)]


@register
class Prod(Reduce):
    name = "prod"

    def identity(self, dtype):
        return const(dtype, 1)

    def combine(self, b, acc, x, dtype):
        return b.fmul(acc, x, flags=REDUCTION_FAST) if dtype.is_float else b.mul(acc, x)

    def grad(self, node, g):
        x = node.inputs[0]
        full = apply("broadcast_to", [_keep(node)], shape=x.shape)
        gb = expand_back(g, node)
        return [ew("div", ew("mul", gb, full), x)]


def _keep(node):
    """The reduction's value with reduced axes kept as size 1."""
    x = node.inputs[0]
    if node.attr("keepdims"):
        return node
    return apply("reshape", [node], shape=reduced_shape(x.shape, node.attr("axes"), True))


class _Extremum(Reduce):
    greater = True

    def identity(self, dtype):
        if dtype.is_float:
            return const(dtype, float("-inf") if self.greater else float("inf"))
        if dtype.is_bool:
            return const(dtype, 0 if self.greater else 1)
        bits = 8 * dtype.itemsize
        return const(dtype, -(2 ** (bits - 1)) if self.greater else 2 ** (bits - 1) - 1)

    def combine(self, b, acc, x, dtype):
        return select_max(b, acc, x, dtype.is_float, self.greater)

    def grad(self, node, g):
        x = node.inputs[0]
        full = apply("broadcast_to", [_keep(node)], shape=x.shape)
        mask = ew("cast", ew("eq", x, full), dtype=g.dtype.name)
        return [ew("mul", mask, expand_back(g, node))]


@register
class Max(_Extremum):
    name = "max"


@register
class Min(_Extremum):
    name = "min"
    greater = False


class _Logical(Reduce):
    dtype_rule = "bool"
    differentiable = False

    def grad(self, node, g):
        return [None]


@register
class Any(_Logical):
    name = "any"

    def identity(self, dtype):
        return const(dtypes.bool_, 0)

    def combine(self, b, acc, x, dtype):
        return b.or_(acc, x)


@register
class All(_Logical):
    name = "all"

    def identity(self, dtype):
        return const(dtypes.bool_, 1)

    def combine(self, b, acc, x, dtype):
        return b.and_(acc, x)


def reduce(kind, x, axes=None, keepdims=False):
    """Reduce x over axes (int, list or None for all) with the named reduction."""
    axes = normalize_axes(axes, x.ndim)
    if kind in ("any", "all") and not x.dtype.is_bool:
        x = apply("cast", [x], dtype="bool")
    if not axes:
        return x
    return apply(kind, [x], axes=axes, keepdims=bool(keepdims))


def mean(x, axes=None, keepdims=False):
    axes = normalize_axes(axes, x.ndim)
    if not x.dtype.is_float:
        x = apply("cast", [x], dtype="float32")
    total = reduce("sum", x, axes, keepdims)
    count = numel([x.shape[a] for a in axes])
    if isinstance(count, int):
        return ew("mul", total, scalar(1.0 / max(count, 1), x.dtype))
    return ew("div", total, apply("cast", [dim_size(x, axes)], dtype=x.dtype.name))


# ---------------------------------------------------------------- opaque reductions
@register
class ArgExtremum(Op):
    """argmax/argmin along one axis (first occurrence; a nan wins, as numpy)."""
    name = "argreduce"
    kind = "opaque"
    differentiable = False

    def infer(self, inputs, attrs):
        (x,) = inputs
        return dtypes.int64, tuple(d for i, d in enumerate(x.shape) if i != attrs["axis"])

    def grad(self, node, g):
        return [None]

    def lower(self, kx, node):
        emit_argreduce(kx, node)


@register
class Scan(Op):
    """Cumulative sum or product along one axis."""
    name = "cumulative"
    kind = "opaque"

    def infer(self, inputs, attrs):
        (x,) = inputs
        dtype = dtype_or_default(x.dtype)
        return dtype, x.shape

    def grad(self, node, g):
        x = node.inputs[0]
        axis = node.attr("axis")
        if node.attr("kind") == "sum":
            # d/dx_i sum_{j>=i} g_j: a reversed cumulative sum
            rev = apply("reverse", [g], axes=(axis,))
            return [apply("reverse", [apply("cumulative", [rev], axis=axis, kind="sum")], axes=(axis,))]
        # cumprod: sum_{j>=i} g_j * y_j / x_i (inputs without zeros)
        gy = ew("mul", g, node)
        rev = apply("reverse", [gy], axes=(axis,))
        acc = apply("reverse", [apply("cumulative", [rev], axis=axis, kind="sum")], axes=(axis,))
        return [ew("div", acc, x)]

    def lower(self, kx, node):
        emit_scan(kx, node)


def dim_size(x, axes):
    """The number of elements of x over `axes` (a constant when the dims are known)."""
    dims = tuple(x.shape[a] for a in axes)
    count = numel(dims)
    if isinstance(count, int):
        return scalar(count, "int64")
    return apply("dim_size", [], dims=dims)
