"""Symbolic tensors of the keralite backend.

A `Tensor` wraps one compiler IR node. It is a plain Python object so that Keras code
can hang attributes on it (`_keras_shape`, `_keras_history`, `_uses_learning_phase`),
and it supports Python operators and numpy-style indexing. A `Variable` also owns its
value: a C-contiguous numpy buffer that compiled code reads and updates in place.
"""
import itertools
import weakref

from keralite.compiler.ir.shapes import Sym

_name_counts = itertools.count()
_scope = []


def scoped(name):
    return "/".join(_scope + [name]) if _scope else name


class Tensor:
    """A symbolic value: what every backend function takes and returns."""

    _is_placeholder = False

    def __init__(self, node, name=None):
        self.node = node
        self.name = scoped(name) if name else f"{node.op.name}_{node.id}"

    # --- shape and type -------------------------------------------------------
    @property
    def dtype(self):
        return self.node.dtype.name

    @property
    def shape(self):
        """The static shape, with None for dims known only at run time."""
        return tuple(None if isinstance(d, Sym) else d for d in self.node.shape)

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return self.node.ndim

    def eval(self):
        from .core import eval as _eval
        return _eval(self)

    def __repr__(self):
        shape = ", ".join("?" if d is None else str(d) for d in self.shape)
        return f"<keralite Tensor {self.name!r} shape=({shape}) dtype={self.dtype}>"

    def __bool__(self):
        raise TypeError("Using a symbolic tensor as a Python bool is not allowed; "
                        "use K.switch or K.any/K.all to branch on its value")

    def __len__(self):
        d = self.node.shape[0] if self.node.ndim else None
        if d is None or isinstance(d, Sym):
            raise TypeError("len() of a tensor whose first dim is unknown")
        return d

    def __iter__(self):
        raise TypeError("a symbolic tensor is not iterable")

    __array_priority__ = 100  # numpy defers to our operators

    # --- operators -------------------------------------------------------------
    def __add__(self, other):
        from . import math_ops as M
        return M.add(self, other)

    def __radd__(self, other):
        from . import math_ops as M
        return M.add(other, self)

    def __sub__(self, other):
        from . import math_ops as M
        return M.subtract(self, other)

    def __rsub__(self, other):
        from . import math_ops as M
        return M.subtract(other, self)

    def __mul__(self, other):
        from . import math_ops as M
        return M.multiply(self, other)

    def __rmul__(self, other):
        from . import math_ops as M
        return M.multiply(other, self)

    def __truediv__(self, other):
        from . import math_ops as M
        return M.divide(self, other)

    def __rtruediv__(self, other):
        from . import math_ops as M
        return M.divide(other, self)

    def __floordiv__(self, other):
        from . import math_ops as M
        return M.floordiv(self, other)

    def __rfloordiv__(self, other):
        from . import math_ops as M
        return M.floordiv(other, self)

    def __pow__(self, other):
        from . import math_ops as M
        return M.pow(self, other)

    def __rpow__(self, other):
        from . import math_ops as M
        return M.pow(other, self)

    def __matmul__(self, other):
        from . import math_ops as M
        return M.dot(self, other)

    def __rmatmul__(self, other):
        from . import math_ops as M
        return M.dot(other, self)

    def __neg__(self):
        from . import math_ops as M
        return M.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        from . import math_ops as M
        return M.abs(self)

    def __lt__(self, other):
        from . import math_ops as M
        return M.less(self, other)

    def __le__(self, other):
        from . import math_ops as M
        return M.less_equal(self, other)

    def __gt__(self, other):
        from . import math_ops as M
        return M.greater(self, other)

    def __ge__(self, other):
        from . import math_ops as M
        return M.greater_equal(self, other)

    # == and != keep identity semantics (tensors are dict keys in Keras code);
    # K.equal / K.not_equal compare values.
    __hash__ = object.__hash__

    def __and__(self, other):
        from . import math_ops as M
        return M.logical_and(self, other)

    def __or__(self, other):
        from . import math_ops as M
        return M.logical_or(self, other)

    def __invert__(self):
        from . import math_ops as M
        return M.logical_not(self)

    def __getitem__(self, key):
        from .shape_ops import getitem
        return getitem(self, key)


_variables = weakref.WeakValueDictionary()   # uid -> Variable


class Variable(Tensor):
    """A tensor with a value that lives across calls (weights, optimizer state)."""

    def __init__(self, node, value, name=None, constraint=None):
        super().__init__(node, name)
        self.uid = node.attr("uid")
        self.value = value                  # runtime-owned buffer, never reallocated
        self.constraint = constraint
        self._keras_shape = self.shape
        self._uses_learning_phase = False
        _variables[self.uid] = self

    def __repr__(self):
        return f"<keralite Variable {self.name!r} shape={self.shape} dtype={self.dtype}>"


def variable_for(node):
    return _variables.get(node.attr("uid"))


def nodes(values):
    return [v.node for v in values]
