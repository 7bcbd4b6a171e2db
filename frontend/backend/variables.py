"""Variables and their values: K.variable, set_value, zeros/ones/eye, and the update
pairs (variable, new value) that K.function applies after each call.

A variable's value is a C-contiguous buffer the runtime owns, which compiled code
reads and updates in place; a variable made from a tensor takes its value now."""
import numpy as np

from keralite.compiler import graph_queries as Q
from keralite.compiler.execute import variable_storage
from keralite.compiler.ops.registry import apply

from .config import floatx
from .core import _dtype, new_uid, to_tensor
from .narrow_dtypes import narrow_name
from .execution import eval
from .tensor import Tensor, Variable


def variable(value, dtype=None, name=None, constraint=None):
    """A variable holding `value` (a number, a numpy array, or another tensor's value)."""
    if isinstance(value, Tensor):
        # an initializer's constant is read in place: variable_storage below copies it
        # once (a 100M-value weight is not copied twice)
        value = Q.constant_view(value.node) if Q.is_constant(value.node) and value.dtype != "bool" else eval(value)
    declared = narrow_name(dtype or floatx())
    if declared is not None:
        # the value first takes the narrow type (wrapped or rounded as numpy casts)
        value = np.asarray(value).astype(declared)
    dtype = _dtype(dtype)           # floatx when not given, whatever the value's type (as Keras)
    arr = variable_storage(value, dtype)
    uid = new_uid()
    # The node carries the buffer as its payload, so a tensor computed from a variable
    # keeps the value alive after the Variable object itself is gone.
    node = apply("variable", [], payload=arr, uid=uid, shape=arr.shape, dtype=dtype.name)
    var = Variable(node, arr, name or f"variable_{uid}", constraint)
    var._declared_dtype = declared
    return var


def set_value(x, value):
    if not isinstance(x, Variable):
        raise TypeError("set_value needs a variable")
    value = np.asarray(value)
    if value.shape != x.value.shape:
        raise ValueError(f"set_value: variable {x.name!r} has shape {x.value.shape}, got a value of shape {value.shape}")
    if x._declared_dtype is not None:
        value = value.astype(x._declared_dtype)
    np.copyto(x.value, value.astype(x.value.dtype, copy=False))


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


# node id -> compiled Function of the most recently evaluated tensors (ids are never
# reused, and the bound keeps the functions' variable buffers from piling up)


def zeros(shape, dtype=None, name=None):
    return variable(np.zeros(shape, _dtype(dtype).np), dtype, name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape, _dtype(dtype).np), dtype, name)


def eye(size, dtype=None, name=None):
    """An identity-matrix variable: size is n (n x n) or (n, m)."""
    n, m = size if isinstance(size, (tuple, list)) else (size, size)
    return variable(np.eye(n, m), dtype, name)


# ------------------------------------------------------------------ updates
def update(x, new_x):
    return (x, to_tensor(new_x, x.dtype) if not isinstance(new_x, Tensor) else new_x)


def update_add(x, increment):
    return (x, x + increment)


def update_sub(x, decrement):
    return (x, x - decrement)


def moving_average_update(x, value, momentum):
    """x <- x * momentum + value * (1 - momentum)."""
    return (x, x * momentum + to_tensor(value) * (1.0 - momentum))
