"""Building tensors: conversions, placeholders, constants, shapes and casts, the
learning phase, gradients and the switch family.

Variables and their values are in variables.py, and compiling and running graphs
(K.function, K.eval) in execution.py; both sit above this module."""
import itertools
import weakref

import numpy as np

from keralite.compiler import autodiff
from keralite.compiler.ir import dtypes
from keralite.compiler.ir.shapes import sym_dim
from keralite.compiler.ops.source import array_constant, scalar
from keralite.compiler.ops.reduce import dim_size
from keralite.compiler.ops.registry import apply

from . import config
from .narrow_dtypes import half_precision_number, narrow_cast, narrow_name, reported_dtype
from .tensor import Tensor

_uids = itertools.count(1)
# placeholder IR node -> the Tensor K.placeholder made for it, so that a compile error
# about an unfed placeholder can name the tensor (and the Keras layer) a user wrote
_placeholder_tensors = weakref.WeakValueDictionary()


def new_uid():
    """A fresh id for a placeholder or variable node (never reused in a process)."""
    return next(_uids)


# ------------------------------------------------------------------ conversions
def _dtype(dtype):
    return dtypes.from_any(dtype or config.floatx())


def to_tensor(x, dtype=None):
    """A Tensor from a Tensor, a Python number or a numpy array."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float, np.number, np.bool_)) and not isinstance(x, np.ndarray):
        return Tensor(scalar(x, _dtype(dtype) if dtype else _python_dtype(x)))
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError(f"cannot convert {type(x).__name__} to a tensor")
    if dtype is None:
        dtype = config.floatx() if arr.dtype.kind == "f" else arr.dtype
    return Tensor(array_constant(arr, _dtype(dtype)))


def _python_dtype(x):
    if isinstance(x, (bool, np.bool_)):
        return dtypes.bool_
    if isinstance(x, (int, np.integer)):
        return dtypes.int32 if isinstance(x, np.int32) else dtypes.int64
    return _dtype(None)


def operands(a, b):
    """Two tensors from two operands, Python scalars taking the tensor's dtype."""
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        return a, _scalar_like(b, a)
    if isinstance(b, Tensor) and not isinstance(a, Tensor):
        return _scalar_like(a, b), b
    return to_tensor(a), to_tensor(b)


def _scalar_like(value, like):
    if isinstance(value, (bool, int, float, np.number, np.bool_)) and not isinstance(value, np.ndarray):
        d = like.node.dtype
        if isinstance(value, (float, np.floating)) and not d.is_float:
            d = _dtype(None)
        elif isinstance(value, (bool, np.bool_)) and not d.is_bool:
            pass
        elif isinstance(value, (float, np.floating)) and like.dtype == "float16":
            value = half_precision_number(value)    # a number meets a float16 tensor as float16
        return Tensor(scalar(value, d))
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and like.dtype == "float16":
        return constant(arr, "float16")         # an array meets a float16 tensor as float16
    d = like.node.dtype if (like.node.dtype.is_float or arr.dtype.kind != "f") else _dtype(None)
    return to_tensor(arr, d)


def wrap(node, name=None):
    return Tensor(node, name)


# ------------------------------------------------------------------ placeholders and constants
def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A symbolic input, to be fed with an array when a compiled function runs.

    Dimensions given as None are sizes known only at run time (typically the
    batch size); the compiler keeps them symbolic, so one compiled function serves
    every batch size.

    # Arguments
        shape: a tuple of ints and None; takes precedence over `ndim`.
        ndim: the rank, used when `shape` is None: every dimension is then None.
        dtype: the element type; defaults to `floatx()`.
        sparse: must be False: keralite has no sparse tensors.
        name: a name for the tensor (used in error messages about unfed inputs).

    # Returns
        A Tensor marked as a placeholder.

    # Raises
        NotImplementedError: if `sparse` is True.
        ValueError: if neither `shape` nor `ndim` is given.
    """
    if sparse:
        raise NotImplementedError("keralite has no sparse tensors: sparse=True placeholders are not supported; "
                                  "feed dense arrays instead")
    if shape is None:
        if ndim is None:
            raise ValueError("placeholder needs a shape or an ndim")
        shape = (None,) * ndim
    dims = tuple(sym_dim() if d is None else int(d) for d in shape)
    uid = new_uid()
    node_name = name or f"placeholder_{uid}"
    node = apply("placeholder", [], uid=uid, shape=dims, dtype=_dtype(dtype).name, name=node_name)
    t = Tensor(node, node_name)
    t._declared_dtype = narrow_name(dtype)
    t._is_placeholder = True
    t._keras_shape = tuple(shape)
    t._uses_learning_phase = False
    _placeholder_tensors[node] = t
    return t


def placeholder_tensor(node):
    """The Tensor K.placeholder made for a placeholder node (None if it is gone)."""
    return _placeholder_tensors.get(node)


def is_placeholder(x):
    """Whether `x` was made by `K.placeholder`.

    # Arguments
        x: any object.

    # Returns
        A bool.
    """
    return getattr(x, "_is_placeholder", False) is True




def constant(value, dtype=None, shape=None, name=None):
    """A tensor holding a fixed value, embedded in the compiled code.

    # Arguments
        value: a Python number, a nested list or a numpy array.
        dtype: the element type; defaults to `floatx()`.
        shape: optional shape of the result: a single value is broadcast to it,
            any other value is reshaped to it.
        name: a name for the tensor.

    # Returns
        A Tensor.
    """
    declared = narrow_name(dtype or config.floatx())
    if declared is not None:
        value = np.asarray(value).astype(declared)    # the narrow type's value, then widened
    dtype = _dtype(dtype)
    arr = np.asarray(value, dtype=dtype.np)
    if shape is not None:
        shape = tuple(shape)
        arr = np.broadcast_to(arr, shape) if arr.size == 1 or arr.shape == shape else arr.reshape(shape)
    if arr.ndim == 0:
        out = Tensor(scalar(arr.item(), dtype), name)
    else:
        out = Tensor(array_constant(arr, dtype), name)
    out._declared_dtype = declared
    return out


def is_keras_tensor(x):
    """Whether `x` is the output of a Keras layer or `Input` (it has Keras history).

    # Arguments
        x: a tensor.

    # Returns
        A bool: True for tensors made by Keras layers, False for tensors made
        directly with backend functions.

    # Raises
        ValueError: if `x` is not a symbolic tensor (for example a numpy array).
    """
    if not isinstance(x, Tensor):
        raise ValueError("Unexpectedly found an instance of type `" + str(type(x)) + "`. "
                         "Expected a symbolic tensor instance.")
    return hasattr(x, "_keras_history")


def is_sparse(x):
    """Whether `x` is a sparse tensor: never, since keralite tensors are all dense.

    # Arguments
        x: a tensor.

    # Returns
        False.
    """
    return False


def to_dense(x):
    """Converts a sparse tensor to a dense one; keralite tensors are always dense.

    # Arguments
        x: a tensor.

    # Returns
        `x` itself.
    """
    return x


def is_tensor(x):
    """Whether `x` is a keralite symbolic tensor (a variable counts as one).

    # Arguments
        x: any object.

    # Returns
        A bool.
    """
    return isinstance(x, Tensor)


def int_shape(x):
    """The static shape of a tensor, variable or numpy array.

    For outputs of Keras layers this is the shape the layers inferred, which may
    know more than the graph alone does.

    # Arguments
        x: a tensor, a variable or an array.

    # Returns
        A tuple of ints, with None for dimensions known only at run time.
    """
    if hasattr(x, "_keras_shape"):
        return tuple(x._keras_shape)
    if isinstance(x, Tensor):
        return x.shape
    return tuple(np.shape(x))


def ndim(x):
    """The rank of a tensor, variable or numpy array.

    # Arguments
        x: a tensor, a variable or an array.

    # Returns
        An int.
    """
    return len(int_shape(x))


def dtype(x):
    """The element type of a tensor or array, by name.

    # Arguments
        x: a tensor, a variable or an array.

    # Returns
        A string such as 'float32' or 'int64'. A tensor declared with a narrow
        type (float16, int8, ...) reports that type, although it is computed in a
        wider one.
    """
    return x.dtype if isinstance(x, Tensor) else np.asarray(x).dtype.name


def get_variable_shape(x):
    """The static shape of a variable (same as `int_shape`).

    # Arguments
        x: a variable or tensor.

    # Returns
        A tuple of ints.
    """
    return int_shape(x)


def count_params(x):
    """How many scalars a variable holds.

    # Arguments
        x: a variable or tensor of fully known shape.

    # Returns
        An int: the product of its dimensions.
    """
    return int(np.prod(int_shape(x)))


def shape(x):
    """The shape of a tensor as a symbolic value, for sizes known only at run time.

    Each item also knows its static size where there is one, so a shape built from
    it (in `K.reshape` for instance) keeps the static dimensions.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A 1-D int32 Tensor of length `ndim(x)`.
    """
    x = to_tensor(x)
    parts = [dim_size(x.node, (i,)) for i in range(x.ndim)]
    if not parts:
        return constant(np.zeros((0,), np.int32), "int32")
    items = [apply("reshape", [apply("cast", [p], dtype="int32")], shape=(1,)) for p in parts]
    node = items[0] if len(items) == 1 else apply("concatenate", items, axis=0)
    t = Tensor(node)
    t._static_dims = tuple(x.node.shape)
    return t


def cast(x, dtype):
    """Converts a tensor to another element type.

    Casting to a narrow integer type (int8, uint8, int16, uint16) wraps values into
    that type's range, and casting to float16 rounds them to half precision, as
    TensorFlow does; narrow types are computed in the
    compiler's next wider type and report the narrow one (see
    backend/narrow_dtypes.py).

    # Arguments
        x: a tensor or a value `K.constant` accepts.
        dtype: the target type, as a string ('float32', 'int32', 'bool', ...).

    # Returns
        A Tensor of type `dtype` (`x` itself when it already has that type).
    """
    x = to_tensor(x)
    d = dtypes.from_any(dtype)
    declared = narrow_name(dtype)
    if declared is None and reported_dtype(d.name) != d.name:
        declared = d.name    # float32 asked for by name while floatx is float16
    if x.node.dtype is d and declared == x._declared_dtype:
        return x
    if declared is not None and declared != x._declared_dtype:
        node = narrow_cast(x.node, d, declared)     # wrapped (narrow ints) or rounded (float16)
    else:
        node = x.node if x.node.dtype is d else apply("cast", [x.node], dtype=d.name)
    out = Tensor(node)
    out._declared_dtype = declared
    return out






def zeros_like(x, dtype=None, name=None):
    """A tensor of zeros with the shape of `x`.

    # Arguments
        x: a tensor.
        dtype: the element type; defaults to the type of `x`.
        name: a name for the tensor.

    # Returns
        A Tensor.
    """
    x = to_tensor(x)
    d = _dtype(dtype or x.dtype)
    return Tensor(apply("broadcast_to", [scalar(0, d)], shape=x.node.shape), name)


def ones_like(x, dtype=None, name=None):
    """A tensor of ones with the shape of `x`.

    # Arguments
        x: a tensor.
        dtype: the element type; defaults to the type of `x`.
        name: a name for the tensor.

    # Returns
        A Tensor.
    """
    x = to_tensor(x)
    d = _dtype(dtype or x.dtype)
    return Tensor(apply("broadcast_to", [scalar(1, d)], shape=x.node.shape), name)


def identity(x, name=None):
    """A new tensor with the value of `x`.

    The result is a distinct Python object, so Keras can attach its own history to
    it without touching `x`; no copy is made in the compiled code.

    # Arguments
        x: a tensor.
        name: a name for the new tensor.

    # Returns
        A Tensor.
    """
    x = to_tensor(x)
    return Tensor(x.node, name)




# ------------------------------------------------------------------ learning phase
_LEARNING_PHASE = None          # the placeholder
_LEARNING_PHASE_VALUE = None    # an int set by set_learning_phase


def learning_phase():
    """The flag telling layers such as Dropout whether they run in training.

    # Returns
        The int set by `set_learning_phase` (0 = test, 1 = train) if one was set;
        otherwise a scalar bool placeholder, fed by `K.function` from the value
        passed for it (Keras' fit and predict do this).
    """
    global _LEARNING_PHASE
    if _LEARNING_PHASE_VALUE is not None:
        return _LEARNING_PHASE_VALUE
    if _LEARNING_PHASE is None:
        _LEARNING_PHASE = placeholder(shape=(), dtype="bool", name=LEARNING_PHASE_NAME)
    return _LEARNING_PHASE


def set_learning_phase(value):
    """Fixes the learning phase to a Python value for graphs built afterwards.

    Layers then pick their training or test behaviour when the graph is built,
    instead of through a placeholder fed at run time.

    # Arguments
        value: 0 (test) or 1 (train).

    # Raises
        ValueError: for any other value.
    """
    global _LEARNING_PHASE_VALUE
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    _LEARNING_PHASE_VALUE = int(value)


LEARNING_PHASE_NAME = "keras_learning_phase"


def forget_learning_phase():
    """Drop the learning-phase placeholder and any value set for it (K.clear_session)."""
    global _LEARNING_PHASE, _LEARNING_PHASE_VALUE
    _LEARNING_PHASE = None
    _LEARNING_PHASE_VALUE = None




# ------------------------------------------------------------------ gradients and control
def gradients(loss, variables):
    """The gradients of a loss with respect to some tensors.

    A loss with more than one element is summed first, as in TensorFlow.

    # Arguments
        loss: a tensor.
        variables: a list of tensors (usually variables) or a single tensor.

    # Returns
        A list with one gradient tensor per item of `variables`, or None where the
        loss does not depend on it.
    """
    if not isinstance(variables, (list, tuple)):
        variables = [variables]
    loss = to_tensor(loss)
    grads = autodiff.gradients(loss.node, [to_tensor(v).node for v in variables])
    return [None if g is None else Tensor(g) for g in grads]


def stop_gradient(variables):
    """The same value, treated as a constant when gradients are taken.

    # Arguments
        variables: a tensor, or a list or tuple of tensors.

    # Returns
        A Tensor, or a list of tensors for a list or tuple.
    """
    if isinstance(variables, (list, tuple)):
        return [stop_gradient(v) for v in variables]
    x = to_tensor(variables)
    return Tensor(apply("stop_gradient", [x.node]))


def switch(condition, then_expression, else_expression):
    """Picks `then_expression` where `condition` holds and `else_expression` elsewhere.

    A Python bool or int condition picks a branch right away. A tensor condition
    selects element by element: a scalar picks a whole branch, and a condition of
    lower rank than the branches picks whole slices along its own dimensions.
    Unlike TensorFlow's `cond`, both branches are computed.

    # Arguments
        condition: a tensor (bool or numeric; nonzero means true) or a Python
            bool or int.
        then_expression: a tensor, or a callable returning one.
        else_expression: a tensor, or a callable returning one.

    # Returns
        A Tensor (one of the branches itself when `condition` is a Python value).

    # Raises
        ValueError: if `condition` has a higher rank than the branches.
    """
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    if isinstance(condition, (bool, int, np.integer, np.bool_)):
        return then_expression if condition else else_expression
    cond = to_tensor(condition)
    a, b = operands(then_expression, else_expression)
    c = cond.node if cond.node.dtype.is_bool else apply("cast", [cond.node], dtype="bool")
    expr_ndim = max(a.node.ndim, b.node.ndim)
    if c.ndim > expr_ndim:
        raise ValueError("Rank of `condition` should be less than or equal to rank of `then_expression` "
                         f"and `else_expression`. ndim(condition)={c.ndim}, ndim(then_expression)={expr_ndim}")
    if 0 < c.ndim < expr_ndim:
        # a condition of lower rank picks whole slices (as tf.where does with rows)
        c = apply("reshape", [c], shape=tuple(c.shape) + (1,) * (expr_ndim - c.ndim))
    out = Tensor(apply("select", [c, a.node, b.node]))
    out._uses_learning_phase = getattr(then_expression, "_uses_learning_phase", False) or \
        getattr(else_expression, "_uses_learning_phase", False)
    return out


def in_train_phase(x, alt, training=None):
    """`x` in the training phase and `alt` otherwise.

    # Arguments
        x: what to return in training: a tensor or a callable returning one.
        alt: what to return otherwise: a tensor or a callable returning one.
        training: a Python bool or int, or a bool tensor, choosing the phase;
            None uses `learning_phase()`.

    # Returns
        `x` or `alt` when the phase is a Python value; else a Tensor selecting
        between them at run time, flagged as using the learning phase.
    """
    if training is None:
        training = learning_phase()
        uses_learning_phase = True
    else:
        uses_learning_phase = False
    if _is_flag(training, 1):
        return x() if callable(x) else x
    if _is_flag(training, 0):
        return alt() if callable(alt) else alt
    out = switch(training, x, alt)
    if uses_learning_phase:
        out._uses_learning_phase = True
    return out


def _is_flag(value, flag):
    """value is the Python int/bool `flag` (not a tensor)."""
    return isinstance(value, (bool, int, np.integer)) and int(value) == flag


def in_test_phase(x, alt, training=None):
    """`x` in the test phase and `alt` otherwise (the mirror of `in_train_phase`).

    # Arguments
        x: what to return in test: a tensor or a callable returning one.
        alt: what to return in training: a tensor or a callable returning one.
        training: a Python bool or int, or a bool tensor, choosing the phase;
            None uses `learning_phase()`.

    # Returns
        `x`, `alt`, or a Tensor selecting between them at run time.
    """
    return in_train_phase(alt, x, training=training)
