"""Dtypes narrower than the compiler's own: float16, int8, uint8, int16 and uint16.

The compiler computes in float32, float64, int32, int64 and bool. A tensor declared
with a narrower dtype (a placeholder, a variable, a cast) is computed in the next wider
one and keeps its declared dtype as its Keras dtype (`K.dtype`), so Keras code sees the
dtype it asked for. Where TensorFlow would store or produce a narrow value, the wider
one is brought back to the narrow type's values in the compiled code, so the numbers
are those of the narrow type:

- integers: every cast to a narrow integer, every elementwise arithmetic op on
  operands of one narrow integer type, and every update of a narrow-integer variable
  wraps the value into the type's range, as a C cast (and TensorFlow) does
  (reductions and matrix products are computed and reported in int32);
- float16: this CPU has no half-precision arithmetic the compiler uses, so float16
  values are computed in float32 and rounded to the nearest half value (the
  `round_half` op: ties to even, overflow to inf, half subnormals kept) at the same
  places: every cast to float16, every elementwise op whose operands are all float16,
  every update of a float16 variable, and the results of matrix products and
  reductions of float16 operands (accumulated in float32 and rounded once, as
  TensorFlow's half kernels do). A float32 tensor counts as float16 when floatx is
  float16, as it reports. Python numbers meeting a float16 tensor take its precision.
  Gradients are computed in float32 (the rounding passes gradients straight through),
  and are rounded where they meet float16 values, such as in a variable's update.
  Ops that build their nodes without these helpers (convolutions, the nn activations,
  layout ops) leave float32 values that the next rounding op or update rounds.
"""
import numpy as np

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


def round_half(node):
    """`node` (float32 or float64) rounded to the nearest float16 values, in its dtype.

    # Arguments
        node: a float32 or float64 IR node.

    # Returns
        The IR node of the rounded values.
    """
    return apply("round_half", [node])


def half_precision_number(value):
    """A Python float rounded to the nearest float16 value (inf past the half range), as
    TensorFlow converts a number used with a float16 tensor."""
    with np.errstate(over="ignore"):
        return float(np.float16(value))


def narrow_values(node, name):
    """`node`, computed in the wider dtype, brought to the values of narrow dtype `name`:
    integers wrapped into its range, float16 rounded to half precision.

    # Arguments
        node: an IR node of the dtype `name` is computed in.
        name: a dtype name; a dtype that is not narrow leaves `node` as it is.

    # Returns
        An IR node of the same dtype and shape as `node`.
    """
    if name == "float16":
        return round_half(node)
    return wrap_integers(node, name)


def narrow_cast(node, dtype, name):
    """`node` converted to compiler dtype `dtype` (the one narrow dtype `name` is
    computed in) and brought to `name`'s values. A float is rounded to half precision
    before it is narrowed, so a float64 value is rounded once, not twice.

    # Arguments
        node: an IR node of any dtype.
        dtype: the compiler dtype of the result.
        name: the narrow dtype's name.

    # Returns
        An IR node of dtype `dtype`.
    """
    if name == "float16" and node.dtype.is_float:
        node = round_half(node)
        return node if node.dtype is dtype else apply("cast", [node], dtype=dtype.name)
    if node.dtype is not dtype:
        node = apply("cast", [node], dtype=dtype.name)
    return narrow_values(node, name)


def _shared_narrow_dtype(operands, out):
    """The narrow dtype all `operands` report, when `out` is computed in its wider
    dtype; else None."""
    reported = {t.dtype for t in operands}
    if len(reported) != 1:
        return None
    (name,) = reported
    if _WIDER.get(name) != out.node.dtype.name:
        return None
    return name


def keep_narrow_dtype(out, operands):
    """`out`, computed elementwise from `operands` (the Tensors among an op's inputs),
    declared with their narrow dtype when they all share one and `out` is computed in
    its wider dtype (a comparison's bool result stays bool); integers are wrapped,
    float16 values rounded."""
    name = _shared_narrow_dtype(operands, out)
    if name is None:
        return out
    out.node = narrow_values(out.node, name)
    out._declared_dtype = name
    return out


def keep_float16(out, operands):
    """`out`, a matrix product or reduction of `operands` accumulated in float32,
    rounded once to float16 and declared float16 when the operands are all float16
    (narrow integers are not wrapped here: their products and sums stay int32)."""
    if _shared_narrow_dtype(operands, out) != "float16":
        return out
    out.node = round_half(out.node)
    out._declared_dtype = "float16"
    return out
