"""IR nodes: immutable, interned values.

A node is one op applied to input nodes with attributes; it has exactly one output with
a dtype and a shape. Building the same op on the same inputs with the same attributes
returns the same node object (hash-consing), so common subexpressions are shared from
the start and a pass that rebuilds a graph gets back nodes it already has.
"""
import itertools
import weakref

from . import dtypes
from .shapes import shape_str

_ids = itertools.count()
_interned = weakref.WeakValueDictionary()


def freeze(value):
    """A hashable form of an attribute value."""
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    return value


class Node:
    __slots__ = ("op", "inputs", "attrs", "dtype", "shape", "id", "payload", "__weakref__")

    def __init__(self, op, inputs, attrs, dtype, shape, payload=None):
        self.op = op
        self.inputs = inputs
        self.attrs = attrs          # a tuple of (name, value) pairs, sorted
        self.dtype = dtype
        self.shape = shape
        self.id = next(_ids)
        self.payload = payload      # data that is not part of identity (constant arrays)

    def attr(self, name, default=None):
        for k, v in self.attrs:
            if k == name:
                return v
        return default

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<%{self.id}:{self.dtype.short}{shape_str(self.shape)} = {self.op.name}>"


def make_node(op, inputs, attrs, dtype, shape, payload=None, intern=True):
    """The node for op(inputs, attrs), reusing an identical existing one when interning."""
    attrs = freeze(attrs) if isinstance(attrs, dict) else attrs
    dtype = dtypes.from_any(dtype)
    shape = tuple(shape)
    if not intern:
        return Node(op, tuple(inputs), attrs, dtype, shape, payload)
    key = (op.name, tuple(i.id for i in inputs), attrs, dtype.name, shape)
    node = _interned.get(key)
    if node is None:
        node = Node(op, tuple(inputs), attrs, dtype, shape, payload)
        _interned[key] = node
    return node
