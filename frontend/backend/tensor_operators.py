"""Python operators of symbolic tensors (`a + b`, `x[:, 0]`, `t.eval()`).

tensor.py defines Tensor bare, below the math, because every backend module builds
Tensors; the operators call the math, so they are set on the class here, once, by the
backend package after the math is defined. Nothing imports back down into tensor.py
lazily.
"""
from . import math_ops as M
from . import product_ops as PO
from .execution import eval as evaluate
from .shape_ops import getitem
from .tensor import Tensor


def _binary(function, reflected=False):
    """An operator method calling function(self, other), or function(other, self)."""
    if reflected:
        def operator(self, other):
            return function(other, self)
    else:
        def operator(self, other):
            return function(self, other)
    operator.__doc__ = f"{function.__name__}({'other, self' if reflected else 'self, other'})"
    return operator


def _unary(function):
    def operator(self):
        return function(self)
    operator.__doc__ = f"{function.__name__}(self)"
    return operator


def _positive(self):
    return self


def _eval(self):
    """The value of this tensor, computed as `K.eval(tensor)` computes it.

    # Returns
        A numpy array, or a numpy scalar for a scalar tensor.

    # Raises
        MissingInputError: (a ValueError) if the tensor depends on a placeholder,
            which `eval` has no way to feed.
    """
    return evaluate(self)


_BINARY = {"add": M.add, "sub": M.subtract, "mul": M.multiply, "truediv": M.divide,
           "floordiv": M.floordiv, "pow": M.pow, "matmul": PO.dot}
# == and != keep identity semantics (tensors are dict keys in Keras code), so they are
# not here: K.equal / K.not_equal compare values.
_COMPARISONS = {"lt": M.less, "le": M.less_equal, "gt": M.greater, "ge": M.greater_equal,
                "and": M.logical_and, "or": M.logical_or}


def install():
    """Set the operators on Tensor (and so on Variable)."""
    for name, function in _BINARY.items():
        setattr(Tensor, f"__{name}__", _binary(function))
        setattr(Tensor, f"__r{name}__", _binary(function, reflected=True))
    for name, function in _COMPARISONS.items():
        setattr(Tensor, f"__{name}__", _binary(function))
    Tensor.__neg__ = _unary(M.negative)
    Tensor.__abs__ = _unary(M.abs)
    Tensor.__invert__ = _unary(M.logical_not)
    Tensor.__pos__ = _positive
    Tensor.__getitem__ = _binary(getitem)
    Tensor.eval = _eval


install()
