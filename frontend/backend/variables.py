"""Variables and their values: K.variable, set_value, zeros/ones/eye, and the update
pairs (variable, new value) that K.function applies after each call.

A variable's value is a C-contiguous buffer the runtime owns, which compiled code
reads and updates in place; a variable made from a tensor takes its value now."""
import numpy as np

from keralite.compiler.execute import variable_storage
from keralite.compiler.ops.registry import apply

from .core import _dtype, new_uid, to_tensor
from .execution import eval
from .tensor import Tensor, Variable


def variable(value, dtype=None, name=None, constraint=None):
    """A variable holding `value` (a number, a numpy array, or another tensor's value)."""
    if isinstance(value, Tensor):
        value = eval(value)
    dtype = _dtype(dtype)           # floatx when not given, whatever the value's type (as Keras)
    arr = variable_storage(value, dtype)
    uid = new_uid()
    # The node carries the buffer as its payload, so a tensor computed from a variable
    # keeps the value alive after the Variable object itself is gone.
    node = apply("variable", [], payload=arr, uid=uid, shape=arr.shape, dtype=dtype.name)
    return Variable(node, arr, name or f"variable_{uid}", constraint)


def set_value(x, value):
    if not isinstance(x, Variable):
        raise TypeError("set_value needs a variable")
    value = np.asarray(value)
    if value.shape != x.value.shape:
        raise ValueError(f"set_value: variable {x.name!r} has shape {x.value.shape}, got a value of shape {value.shape}")
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
