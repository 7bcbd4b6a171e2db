"""Variables and their values: K.variable, set_value, zeros/ones/eye, and the update
pairs (variable, new value) that K.function applies after each call.

A variable's value is a C-contiguous buffer the runtime owns, which compiled code
reads and updates in place; a variable made from a tensor takes its value now."""
import numpy as np

from keralite.compiler import graph_queries as Q
from keralite.compiler.execute import note_written, variable_storage
from keralite.compiler.ops.registry import apply

from .config import floatx
from .core import _dtype, cast, new_uid, to_tensor
from .narrow_dtypes import narrow_name
from .execution import eval
from .tensor import Tensor, Variable


def variable(value, dtype=None, name=None, constraint=None):
    """A variable holding a copy of `value`.

    # Arguments
        value: a number, a nested list, a numpy array, or a tensor whose value is
            computed now (it must need no fed input).
        dtype: the element type; defaults to `floatx()` whatever the type of
            `value`, as in Keras.
        name: a name for the variable.
        constraint: an optional function an optimizer applies to the variable
            after each update.

    # Returns
        A Variable.
    """
    if isinstance(value, Tensor):
        # an initializer's constant is read in place: variable_storage below copies it
        # once (a 100M-value weight is not copied twice)
        value = Q.constant_view(value.node) if Q.is_constant(value.node) and value.dtype != "bool" else eval(value)
    declared = narrow_name(dtype or floatx())
    if declared is not None:
        # the value first takes the narrow type (wrapped or rounded as numpy casts)
        value = np.asarray(value).astype(declared)
    dtype = _dtype(dtype)           # floatx when not given, whatever the value's type (as Keras)
    var = _variable_on(variable_storage(value, dtype), dtype, name, constraint)
    var._declared_dtype = declared
    return var


def _variable_on(buffer, dtype, name, constraint):
    """A Variable of IR dtype `dtype` whose value is `buffer`. Its node carries the buffer
    as its payload, so a tensor computed from the variable keeps the value alive after
    the Variable object itself is gone."""
    uid = new_uid()
    node = apply("variable", [], payload=buffer, uid=uid, shape=buffer.shape, dtype=dtype.name)
    return Variable(node, buffer, name or f"variable_{uid}", constraint)


def variable_over(buffer, name=None):
    """A variable whose value is `buffer` itself, not a copy: for memory its caller lays
    out (keralite.distributed's gradient variables are spans of one flat buffer that
    MPI sums in place). Not part of Keras' backend API.

    # Arguments
        buffer: a C-contiguous, writable numpy array of a dtype the runtime stores
            as is (not bool); compiled code reads and updates it in place.
        name: a name for the variable.

    # Returns
        A Variable.

    # Raises
        ValueError: for a buffer that is not C-contiguous and writable, or is bool.
    """
    if not isinstance(buffer, np.ndarray) or not buffer.flags.c_contiguous or not buffer.flags.writeable:
        raise ValueError("variable_over needs a C-contiguous, writable numpy array")
    dtype = _dtype(buffer.dtype.name)
    if dtype.is_bool:
        raise ValueError("variable_over cannot hold bool values (stored as uint8 by the runtime)")
    return _variable_on(buffer, dtype, name, None)


def set_value(x, value):
    """Overwrites a variable's value in place, from a numpy array.

    The variable keeps its buffer, so compiled functions that use it see the new
    value at their next call.

    # Arguments
        x: a variable.
        value: an array (or nested list) of the variable's shape; it is cast to
            the variable's type.

    # Raises
        TypeError: if `x` is not a variable.
        ValueError: if the shape of `value` differs from the variable's.
    """
    if not isinstance(x, Variable):
        raise TypeError("set_value needs a variable")
    value = np.asarray(value)
    if value.shape != x.value.shape:
        raise ValueError(f"set_value: variable {x.name!r} has shape {x.value.shape}, got a value of shape {value.shape}")
    if x._declared_dtype is not None:
        value = value.astype(x._declared_dtype)
    np.copyto(x.value, value.astype(x.value.dtype, copy=False))
    note_written(x.value)     # values cached from it (weight_cache.py) are stale


def batch_set_value(tuples):
    """Sets the values of several variables (`set_value` of each).

    # Arguments
        tuples: an iterable of `(variable, value)` pairs.
    """
    for x, value in tuples:
        set_value(x, value)


# node id -> compiled Function of the most recently evaluated tensors (ids are never
# reused, and the bound keeps the functions' variable buffers from piling up)


def zeros(shape, dtype=None, name=None):
    """A variable filled with zeros.

    # Arguments
        shape: a tuple of ints.
        dtype: the element type; defaults to `floatx()`.
        name: a name for the variable.

    # Returns
        A Variable.
    """
    return variable(np.zeros(shape, _dtype(dtype).np), dtype, name)


def ones(shape, dtype=None, name=None):
    """A variable filled with ones.

    # Arguments
        shape: a tuple of ints.
        dtype: the element type; defaults to `floatx()`.
        name: a name for the variable.

    # Returns
        A Variable.
    """
    return variable(np.ones(shape, _dtype(dtype).np), dtype, name)


def eye(size, dtype=None, name=None):
    """A variable holding an identity matrix.

    # Arguments
        size: an int n for an n x n matrix, or a pair (n, m) for an n x m one
            (ones on the main diagonal).
        dtype: the element type; defaults to `floatx()`.
        name: a name for the variable.

    # Returns
        A 2-D Variable.
    """
    n, m = size if isinstance(size, (tuple, list)) else (size, size)
    return variable(np.eye(n, m), dtype, name)


# ------------------------------------------------------------------ updates
def _stored(x, value):
    """`value` as variable `x` stores it: a narrow variable's new value is wrapped
    (narrow integers) or rounded to half precision (float16) at every update, as
    TensorFlow stores it, so repeated updates never carry extra precision."""
    if x._declared_dtype is None:
        return value
    return cast(value, x._declared_dtype)


def update(x, new_x):
    """An update that sets `x` to `new_x`, for the `updates` of `K.function`.

    Nothing changes until a function compiled with the update runs: the update is
    data, not an action.

    # Arguments
        x: a variable.
        new_x: a tensor or a value of the variable's shape.

    # Returns
        The pair `(x, new_x)`.
    """
    return (x, _stored(x, to_tensor(new_x, x.dtype) if not isinstance(new_x, Tensor) else new_x))


def update_add(x, increment):
    """An update that adds `increment` to `x` (see `update`).

    # Arguments
        x: a variable.
        increment: a tensor or value broadcastable to the variable's shape.

    # Returns
        The pair `(x, x + increment)`.
    """
    return (x, _stored(x, x + increment))


def update_sub(x, decrement):
    """An update that subtracts `decrement` from `x` (see `update`).

    # Arguments
        x: a variable.
        decrement: a tensor or value broadcastable to the variable's shape.

    # Returns
        The pair `(x, x - decrement)`.
    """
    return (x, _stored(x, x - decrement))


def moving_average_update(x, value, momentum):
    """An update moving `x` towards `value`: `x * momentum + value * (1 - momentum)`.

    BatchNormalization keeps its moving mean and variance with it. No zero-debias
    correction is applied.

    # Arguments
        x: a variable.
        value: a tensor of the variable's shape.
        momentum: a float in [0, 1]; the closer to 1, the slower `x` moves.

    # Returns
        The update pair `(x, new value)`.
    """
    return (x, _stored(x, x * momentum + to_tensor(value) * (1.0 - momentum)))
