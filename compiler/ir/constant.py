"""How a scalar constant node stores its value in its attrs, both ways.

Writing (ops/source.py `scalar`) and reading (`scalar_value`, used by the loop builders
and the passes) sit together here, at the bottom of the compiler, so that codegen and
the passes can read a constant without depending on the ops that build one.
"""
import math

NAN_TEXT = "nan"   # nan != nan would defeat node interning, so nan is stored as text


def encode_scalar(value, dtype):
    """The attr value of a scalar constant of IR dtype `dtype`."""
    if dtype.is_bool:
        return bool(value)
    if not dtype.is_float:
        return int(value)
    v = float(value)
    return NAN_TEXT if math.isnan(v) else v


def scalar_value(node):
    """The Python value of a scalar constant node (one held in the code, not in a
    runtime buffer), else None."""
    if node.op.name != "constant" or node.shape != () or node.attr("value") is None:
        return None
    v = node.attr("value")
    return float("nan") if v == NAN_TEXT else v
