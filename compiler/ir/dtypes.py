"""The IR's dtypes and the one place where dtype promotion is decided."""
import numpy as np
from llvmlite import ir


class DType:
    """A scalar type of the IR: its name, numpy equivalent and LLVM type."""

    __slots__ = ("name", "short", "np", "itemsize", "kind")

    def __init__(self, name, short, kind):
        self.name = name
        self.short = short            # as printed in listings: f32, i64, b1 ...
        self.np = np.dtype("uint8" if name == "bool" else name)
        self.itemsize = self.np.itemsize
        self.kind = kind              # 'f' float, 'i' signed int, 'b' bool

    @property
    def is_float(self):
        return self.kind == "f"

    @property
    def is_int(self):
        return self.kind == "i"

    @property
    def is_bool(self):
        return self.kind == "b"

    def llvm(self):
        if self.name == "float32":
            return ir.FloatType()
        if self.name == "float64":
            return ir.DoubleType()
        return ir.IntType(8 * self.itemsize)

    def __repr__(self):
        return self.name

    def __reduce__(self):
        return (from_any, (self.name,))


float32 = DType("float32", "f32", "f")
float64 = DType("float64", "f64", "f")
int32 = DType("int32", "i32", "i")
int64 = DType("int64", "i64", "i")
bool_ = DType("bool", "b1", "b")

ALL = (float32, float64, int32, int64, bool_)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({d.short: d for d in ALL})
# Accepted as inputs and cast: narrow integer types widen to int32.
_ALIASES = {"uint8": int32, "int8": int32, "int16": int32, "uint16": int32,
            "uint32": int64, "float16": float32, "bool_": bool_}


def from_any(value):
    """A DType from a DType, a name ('float32', 'f32'), a numpy dtype or a Python type."""
    if isinstance(value, DType):
        return value
    if value is bool:
        return bool_
    if value is float:
        return float32
    if value is int:
        return int64
    name = value if isinstance(value, str) else np.dtype(value).name
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name in _ALIASES:
        return _ALIASES[name]
    raise TypeError(f"unsupported dtype {value!r}: keralite supports "
                    "float32, float64, int32, int64 and bool")


_RANK = {bool_: 0, int32: 1, int64: 2, float32: 3, float64: 4}


def promote(a, b):
    """The result dtype of a binary arithmetic op on dtypes a and b.

    1. Equal dtypes stay as they are.
    2. bool < int32 < int64 < float32 < float64: the wider kind wins.
    3. Mixing an int64 with a float32 gives float32 (as Keras tensors do with
       floatx), never float64: the float side decides the width.
    """
    a, b = from_any(a), from_any(b)
    if a is b:
        return a
    if a.is_float and b.is_float:
        return float64 if float64 in (a, b) else float32
    if a.is_float:
        return a
    if b.is_float:
        return b
    return a if _RANK[a] >= _RANK[b] else b
