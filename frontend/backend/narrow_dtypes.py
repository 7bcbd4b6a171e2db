"""Dtypes narrower than the compiler's own: float16, int8, uint8, int16 and uint16.

The compiler computes in float32, float64, int32, int64 and bool. A tensor declared
with a narrower dtype (a placeholder, a variable, a cast) is computed in the next wider
one and keeps its declared dtype as its Keras dtype (`K.dtype`), so Keras code sees the
dtype it asked for:

- integers: every cast to a narrow integer, every elementwise arithmetic op on
  operands of one narrow integer type, and every update of a narrow-integer variable
  wraps the value into the type's range in the compiled code, as a C cast (and
  TensorFlow) does, so values are those of the narrow type exactly (reductions and
  matrix products are computed and reported in int32);
- float16: this CPU has no half-precision arithmetic the compiler uses, so float16
  values are computed in float32. Values enter as float16 (fed arrays, set_value) and
  leave as float16 (function outputs, get_value, rounded to nearest), but a float16
  variable updated inside a compiled function keeps float32 precision until it is
  read: the compiler has no half storage type to round it to in place.
"""
from keralite.compiler.ops.registry import apply
from keralite.compiler.ops.source import scalar

from . import config

# declared dtype -> the compiler dtype it is computed in
_WIDER = {"float16": "float32", "int8": "int32", "uint8": "int32", "int16": "int32", "uint16": "int32"}
# integer dtype -> (smallest value, number of values)
_INTEGER_RANGES = {"int8": (-128, 256), "uint8": (0, 256), "int16": (-32768, 65536), "uint16": (0, 65536)}


def narrow_name(dtype):
    """The name of `dtype` when it is narrower than the compiler's dtypes, else None.

    # Arguments
        dtype: a dtype name, a numpy dtype or type, or None.

    # Returns
        'float16', 'int8', 'uint8', 'int16' or 'uint16'; None for any other dtype.
    """
    if dtype is None:
        return None
    name = getattr(dtype, "name", dtype)
    if not isinstance(name, str):
        import numpy as np
        try:
            name = np.dtype(dtype).name
        except TypeError:
            return None
    return name if name in _WIDER else None


def reported_dtype(node_dtype_name):
    """The Keras dtype of a computed value with no declared dtype: with floatx float16,
    float32 values are float16 values computed in float32."""
    if node_dtype_name == "float32" and config.floatx() == "float16":
        return "float16"
    return node_dtype_name


def wrap_integers(node, name):
    """`node` (int32) wrapped into the range of integer dtype `name`, modulo its size:
    lo + (x - lo) mod size, with a floor division so negative values wrap too.

    # Arguments
        node: an int32 IR node.
        name: the narrow dtype's name; any other name leaves `node` as it is.

    # Returns
        The IR node of the wrapped values (still int32).
    """
    if name not in _INTEGER_RANGES:
        return node
    low, size = _INTEGER_RANGES[name]
    shifted = apply("sub", [node, scalar(low, "int32")]) if low else node
    wraps = apply("floordiv", [shifted, scalar(size, "int32")])
    remainder = apply("sub", [shifted, apply("mul", [wraps, scalar(size, "int32")])])
    return apply("add", [remainder, scalar(low, "int32")]) if low else remainder


def keep_narrow_dtype(out, operands):
    """`out`, computed elementwise from `operands` (the Tensors among an op's inputs),
    declared with their narrow dtype when they all share one and `out` is computed in
    its wider dtype (a comparison's bool result stays bool); integers are wrapped."""
    declared = {t._declared_dtype for t in operands}
    if len(declared) != 1:
        return out
    (name,) = declared
    if name is None or out.node.dtype.name != _WIDER[name]:
        return out
    if name in _INTEGER_RANGES:
        out.node = wrap_integers(out.node, name)
    out._declared_dtype = name
    return out
