"""Sources of values: placeholders (inputs) and variables bound by the runtime,
constants (scalar immediates or runtime buffers), and the index-valued sources that
fuse into loops (iota, dim_size).

This module sits just above the registry: every other op family builds constants with
`scalar` and `array_constant`.
"""
import hashlib

import numpy as np
from llvmlite import ir

from ..codegen.scalar import convert
from ..ir import dtypes
from ..ir.constant import encode_scalar
from .registry import Op, register, apply


class Source(Op):
    kind = "source"
    differentiable = False

    def infer(self, inputs, attrs):
        return dtypes.from_any(attrs["dtype"]), tuple(attrs["shape"])

    def grad(self, node, g):
        return []


@register
class Placeholder(Source):
    name = "placeholder"


@register
class Variable(Source):
    name = "variable"
    pure = False


@register
class Constant(Source):
    """A constant: scalars are immediates in the code, arrays are runtime buffers."""
    name = "constant"


def placeholder(uid, shape, dtype):
    return apply("placeholder", [], uid=uid, shape=tuple(shape), dtype=dtypes.from_any(dtype).name)


def variable(uid, shape, dtype):
    return apply("variable", [], uid=uid, shape=tuple(shape), dtype=dtypes.from_any(dtype).name)


def scalar(value, dtype):
    """A scalar constant node (an immediate in the generated code)."""
    dtype = dtypes.from_any(dtype)
    return apply("constant", [], value=encode_scalar(value, dtype), dtype=dtype.name, shape=())


def _digest(arr):
    return hashlib.sha1(arr.tobytes()).hexdigest()[:16]


def boxed_scalar(value, dtype):
    """A scalar constant held in a runtime buffer rather than in the code (e.g. a seed),
    so graphs that differ only in this value share compiled code."""
    dtype = dtypes.from_any(dtype)
    arr = np.asarray(value, dtype=dtype.np).reshape(())
    return apply("constant", [], payload=arr, digest=_digest(arr), dtype=dtype.name, shape=())


def array_constant(array, dtype=None):
    """A constant node holding a numpy array (bound to a runtime buffer)."""
    dtype = dtypes.from_any(dtype or array.dtype)
    arr = np.ascontiguousarray(np.asarray(array, dtype=dtype.np))
    if arr.ndim == 0:
        return scalar(arr.item(), dtype)
    return apply("constant", [], payload=arr, digest=_digest(arr), dtype=dtype.name, shape=arr.shape)


class IndexSource(Op):
    """A value computed from the loop index alone: elementwise with no inputs, so it
    fuses into the loops that read it."""
    kind = "elementwise"
    differentiable = False

    def operand_dtypes(self, node):
        return []

    def grad(self, node, g):
        return []


@register
class Iota(IndexSource):
    """The index along `axis` of each element of a tensor of `shape`."""
    name = "iota"

    def infer(self, inputs, attrs):
        return dtypes.from_any(attrs["dtype"]), tuple(attrs["shape"])

    def emit(self, cx, node, args):
        i = cx.index[node.attr("axis")]
        return convert(cx.b, i, dtypes.int64, node.dtype)


@register
class DimSize(IndexSource):
    """The product of some (symbolic) dims, as an int64 scalar: read from the call's dims,
    so it fuses into the loops that use it (a mean's 1/n)."""
    name = "dim_size"

    def infer(self, inputs, attrs):
        return dtypes.int64, ()

    def emit(self, cx, node, args):
        value = ir.Constant(ir.IntType(64), 1)
        for d in node.attr("dims"):
            value = cx.b.mul(value, cx.kx.dim(d))
        return value
