"""Tensors, variables and execution: placeholder, variable, constant, function,
gradients, eval, get/set value, updates, learning phase and the switch family."""
import collections
import contextlib
import itertools
import sys
import weakref

import numpy as np

from keralite.compiler import autodiff
from keralite.compiler.driver import compile_graph
from keralite.compiler.ir import dtypes
from keralite.compiler.ir.graph import Graph, topological_order
from keralite.compiler.ir.shapes import sym_dim
from keralite.compiler.ops import elementwise as E
from keralite.compiler.ops import source
from keralite.compiler.ops.registry import apply
from keralite.compiler.passes.rewrite import rebuild
from keralite.runtime.executable import Executable, storage_dtype

from . import config
from .tensor import Tensor, Variable, variable_for, _scope

_uids = itertools.count(1)


# ------------------------------------------------------------------ conversions
def _dtype(dtype):
    return dtypes.from_any(dtype or config.floatx())


def to_tensor(x, dtype=None):
    """A Tensor from a Tensor, a Python number or a numpy array."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float, np.number, np.bool_)) and not isinstance(x, np.ndarray):
        return Tensor(E.scalar(x, _dtype(dtype) if dtype else _python_dtype(x)))
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError(f"cannot convert {type(x).__name__} to a tensor")
    if dtype is None:
        dtype = config.floatx() if arr.dtype.kind == "f" else arr.dtype
    return Tensor(E.array_constant(arr, _dtype(dtype)))


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
        return Tensor(E.scalar(value, d))
    arr = np.asarray(value)
    d = like.node.dtype if (like.node.dtype.is_float or arr.dtype.kind != "f") else _dtype(None)
    return to_tensor(arr, d)


def wrap(node, name=None):
    return Tensor(node, name)


# ------------------------------------------------------------------ placeholders, variables
def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A symbolic input; None dims are sizes known only at run time."""
    if sparse:
        raise NotImplementedError("keralite has no sparse tensors: sparse=True placeholders are not supported; "
                                  "feed dense arrays instead")
    if shape is None:
        if ndim is None:
            raise ValueError("placeholder needs a shape or an ndim")
        shape = (None,) * ndim
    dims = tuple(sym_dim() if d is None else int(d) for d in shape)
    uid = next(_uids)
    node_name = name or f"placeholder_{uid}"
    node = apply("placeholder", [], uid=uid, shape=dims, dtype=_dtype(dtype).name, name=node_name)
    t = Tensor(node, node_name)
    t._is_placeholder = True
    t._keras_shape = tuple(shape)
    t._uses_learning_phase = False
    return t


def is_placeholder(x):
    return getattr(x, "_is_placeholder", False) is True


def variable(value, dtype=None, name=None, constraint=None):
    """A variable holding `value` (a number, a numpy array, or another tensor's value)."""
    if isinstance(value, Tensor):
        value = eval(value)
    dtype = _dtype(dtype)           # floatx when not given, whatever the value's type (as Keras)
    arr = np.array(value, dtype=storage_dtype(dtype.name), order="C", copy=True)
    uid = next(_uids)
    # The node carries the buffer as its payload, so a tensor computed from a variable
    # keeps the value alive after the Variable object itself is gone.
    node = apply("variable", [], payload=arr, uid=uid, shape=arr.shape, dtype=dtype.name)
    return Variable(node, arr, name or f"variable_{uid}", constraint)


def constant(value, dtype=None, shape=None, name=None):
    dtype = _dtype(dtype)
    arr = np.asarray(value, dtype=dtype.np)
    if shape is not None:
        shape = tuple(shape)
        arr = np.broadcast_to(arr, shape) if arr.size == 1 or arr.shape == shape else arr.reshape(shape)
    if arr.ndim == 0:
        return Tensor(E.scalar(arr.item(), dtype), name)
    return Tensor(E.array_constant(arr, dtype), name)


def is_keras_tensor(x):
    if not isinstance(x, Tensor):
        raise ValueError("Unexpectedly found an instance of type `" + str(type(x)) + "`. "
                         "Expected a symbolic tensor instance.")
    return hasattr(x, "_keras_history")


def is_sparse(x):
    return False


def to_dense(x):
    """keralite tensors are always dense: returns x."""
    return x


def is_tensor(x):
    return isinstance(x, Tensor)


def int_shape(x):
    if hasattr(x, "_keras_shape"):
        return tuple(x._keras_shape)
    if isinstance(x, Tensor):
        return x.shape
    return tuple(np.shape(x))


def ndim(x):
    return len(int_shape(x))


def dtype(x):
    return x.dtype if isinstance(x, Tensor) else np.asarray(x).dtype.name


def get_variable_shape(x):
    return int_shape(x)


def count_params(x):
    return int(np.prod(int_shape(x)))


def shape(x):
    """The shape as a symbolic int32 tensor (its items know their static dims)."""
    x = to_tensor(x)
    from keralite.compiler.ops.reduce import dim_size
    parts = [dim_size(x.node, (i,)) for i in range(x.ndim)]
    if not parts:
        return constant(np.zeros((0,), np.int32), "int32")
    from keralite.compiler.ops.shape import Concatenate  # noqa: F401
    items = [apply("reshape", [apply("cast", [p], dtype="int32")], shape=(1,)) for p in parts]
    node = items[0] if len(items) == 1 else apply("concatenate", items, axis=0)
    t = Tensor(node)
    t._static_dims = tuple(x.node.shape)
    return t


def cast(x, dtype):
    x = to_tensor(x)
    d = dtypes.from_any(dtype)
    if x.node.dtype is d:
        return x
    return Tensor(apply("cast", [x.node], dtype=d.name))


# ------------------------------------------------------------------ values
def get_value(x):
    """A copy of a variable's value (evaluates any other tensor)."""
    if isinstance(x, Variable):
        v = x.value.copy()
        return v.view(np.bool_) if x.dtype == "bool" else v
    return eval(x)


def batch_get_value(xs):
    return [get_value(x) for x in xs]


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
_eval_cache = collections.OrderedDict()
_EVAL_CACHE_SIZE = 64


def eval(x):
    """The value of a tensor that depends on no placeholder (compiled once per tensor)."""
    if isinstance(x, Variable):
        return get_value(x)
    x = to_tensor(x)
    if x.node.op.name == "constant":
        # a constant's value is already here: nothing to compile
        value = x.node.payload if x.node.payload is not None else E.scalar_value(x.node)
        value = np.array(value, dtype=x.node.dtype.np, copy=True)
        return value.view(np.bool_) if x.dtype == "bool" else value
    key = x.node.id
    fn = _eval_cache.get(key)
    if fn is None:
        fn = function([], [x])
        _eval_cache[key] = fn
        if len(_eval_cache) > _EVAL_CACHE_SIZE:
            _eval_cache.popitem(last=False)
    else:
        _eval_cache.move_to_end(key)
    return fn([])[0]


def zeros(shape, dtype=None, name=None):
    return variable(np.zeros(shape, _dtype(dtype).np), dtype, name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape, _dtype(dtype).np), dtype, name)


def eye(size, dtype=None, name=None):
    """An identity-matrix variable: size is n (n x n) or (n, m)."""
    n, m = size if isinstance(size, (tuple, list)) else (size, size)
    return variable(np.eye(n, m), dtype, name)


def zeros_like(x, dtype=None, name=None):
    x = to_tensor(x)
    d = _dtype(dtype or x.dtype)
    return Tensor(apply("broadcast_to", [E.scalar(0, d)], shape=x.node.shape), name)


def ones_like(x, dtype=None, name=None):
    x = to_tensor(x)
    d = _dtype(dtype or x.dtype)
    return Tensor(apply("broadcast_to", [E.scalar(1, d)], shape=x.node.shape), name)


def identity(x, name=None):
    """A new tensor with the value of x."""
    x = to_tensor(x)
    return Tensor(x.node, name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    from .random_ops import random_uniform
    return variable(random_uniform(shape, low, high, dtype, seed), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    from .random_ops import random_normal
    return variable(random_normal(shape, mean, scale, dtype, seed), dtype, name)


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


# ------------------------------------------------------------------ learning phase
_LEARNING_PHASE = None          # the placeholder
_LEARNING_PHASE_VALUE = None    # an int set by set_learning_phase


def learning_phase():
    """The learning-phase flag: 0 = test, 1 = train; a bool placeholder unless set."""
    global _LEARNING_PHASE
    if _LEARNING_PHASE_VALUE is not None:
        return _LEARNING_PHASE_VALUE
    if _LEARNING_PHASE is None:
        _LEARNING_PHASE = placeholder(shape=(), dtype="bool", name=LEARNING_PHASE_NAME)
    return _LEARNING_PHASE


def set_learning_phase(value):
    global _LEARNING_PHASE_VALUE
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    _LEARNING_PHASE_VALUE = int(value)


LEARNING_PHASE_NAME = "keras_learning_phase"


def clear_session():
    """Forget the learning phase and layer-name uids (compiled code stays cached)."""
    global _LEARNING_PHASE, _LEARNING_PHASE_VALUE
    _LEARNING_PHASE = None
    _LEARNING_PHASE_VALUE = None
    config.reset_uids()
    _eval_cache.clear()


# ------------------------------------------------------------------ gradients and control
def gradients(loss, variables):
    """d(sum(loss))/d(v) for each v; None where loss does not depend on v."""
    loss = to_tensor(loss)
    grads = autodiff.gradients(loss.node, [to_tensor(v).node for v in variables])
    return [None if g is None else Tensor(g) for g in grads]


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [stop_gradient(v) for v in variables]
    x = to_tensor(variables)
    return Tensor(apply("stop_gradient", [x.node]))


def switch(condition, then_expression, else_expression):
    """then_expression where condition is true, else else_expression.

    A Python bool/int condition picks a branch now; callables are called first.
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
    return in_train_phase(alt, x, training=training)


# ------------------------------------------------------------------ printing and scopes
_print_messages = weakref.WeakKeyDictionary()   # identity node -> message


def print_tensor(x, message=""):
    """x, printed (after message) every time a function that computes it runs.

    The result is a fresh (not interned) identity node, so only computations that go
    through it print; the function fetches it as a hidden extra output."""
    x = to_tensor(x)
    node = apply("reshape", [x.node], intern=False, shape=x.node.shape)
    _print_messages[node] = message
    out = Tensor(node)
    for attr in ("_keras_shape", "_uses_learning_phase"):
        if hasattr(x, attr):
            setattr(out, attr, getattr(x, attr))
    return out


@contextlib.contextmanager
def name_scope(name):
    _scope.append(name)
    try:
        yield
    finally:
        _scope.pop()


# ------------------------------------------------------------------ functions
class Function:
    """A compiled callable: list of input arrays -> list of output arrays, applying
    the updates to variables in place (one native call)."""

    def __init__(self, inputs, outputs, updates=None, name=None, learning_phase=None, **kwargs):
        unknown = set(kwargs) - {"session_kwargs", "fetches", "feed_dict", "options", "run_metadata"}
        if unknown:
            raise ValueError(f"Invalid argument {sorted(unknown)[0]!r} passed to K.function "
                             "with the keralite backend")
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` to a keralite backend function should be a list or tuple.")
        if not isinstance(outputs, (list, tuple)):
            raise TypeError("`outputs` of a keralite backend function should be a list or tuple.")
        if updates is not None and not isinstance(updates, (list, tuple)):
            raise TypeError("`updates` in a keralite backend function should be a list or tuple.")
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        graph, printed = build_graph(self.inputs, self.outputs, updates, learning_phase)
        self._n_outputs = len(self.outputs)
        self._prints = [(self._n_outputs + k, _print_messages[n]) for k, n in enumerate(printed)]
        self.compiled = compile_graph(graph, name or "function")
        buffers = variable_buffers(self.compiled.variables)
        constants = [c.payload for c in self.compiled.constants]
        self._executable = Executable(self.compiled.address(), self.compiled.signature,
                                      buffers, constants)

    def __call__(self, inputs):
        if isinstance(inputs, dict):
            inputs = [inputs[x] for x in self.inputs]
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` to a keralite function should be a list or tuple.")
        outs = self._executable(inputs)
        for i, message in self._prints:
            sys.stdout.write(f"{message}{outs[i]}\n")
        return [o[()] if o.ndim == 0 else o for o in outs[:self._n_outputs]]


def build_graph(inputs, outputs, updates=None, learning_phase=None):
    """The Graph that K.function(inputs, outputs, updates) compiles, and the print_tensor
    nodes added to it as hidden extra outputs (also used to export models ahead of time).

    An unfed learning-phase placeholder is folded to `learning_phase` (0 when None), so
    training-only branches (dropout) disappear from test-mode code and the phase switch
    from training code."""
    update_pairs = []
    for u in _flatten_updates(updates or []):
        var, value = u
        if not isinstance(var, Variable):
            raise TypeError("an update must assign to a variable")
        value = to_tensor(value)
        if value.node.shape != var.node.shape:
            from keralite.compiler.ir.shapes import shape_str
            raise ValueError(f"update of {var.name!r}: value shape {shape_str(value.node.shape)} "
                             f"differs from the variable's {shape_str(var.node.shape)}")
        if value.node.dtype is not var.node.dtype:
            value = cast(value, var.dtype)
        update_pairs.append((var.node, value.node))
    in_nodes = []
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"K.function inputs must be tensors, got {type(x).__name__}")
        if x.node in in_nodes:
            raise ValueError(f"input {x.name!r} is given twice")
        in_nodes.append(x.node)
    out_nodes = [to_tensor(o).node for o in outputs]
    # print_tensor nodes the outputs or updates go through become hidden extra outputs
    printed = [n for n in Graph(in_nodes, out_nodes, update_pairs).nodes() if n in _print_messages]
    graph = Graph(in_nodes, out_nodes + printed, update_pairs)
    graph = _feed_non_placeholders(graph)
    graph = _default_learning_phase(graph, bool(learning_phase))
    graph = _advance_random_counter(graph)
    return graph, printed


def variable_buffers(variable_nodes):
    """The runtime buffers holding the values of variable nodes, in order."""
    buffers = []
    for vnode in variable_nodes:
        var = variable_for(vnode)
        value = var.value if var is not None else vnode.payload
        if value is None:
            raise RuntimeError("a variable used by this function no longer exists")
        buffers.append(value)
    return buffers


def function(inputs, outputs, updates=None, **kwargs):
    return Function(inputs, outputs, updates=updates, **kwargs)


def _flatten_updates(updates):
    out = []
    for u in updates:
        if isinstance(u, tuple) and len(u) == 2 and isinstance(u[0], Tensor):
            out.append(u)
        elif isinstance(u, (list, tuple)):
            out.extend(_flatten_updates(u))
        else:
            raise TypeError(f"unsupported update {u!r}: use K.update / (variable, value) pairs")
    return out


def _substitute(graph, subs, inputs):
    """The graph with the nodes in `subs` replaced (sources included), over new inputs;
    update targets stay the variables they are."""
    mapping = {}
    for node in topological_order(graph.roots()):
        new = subs.get(node)
        if new is None:
            new = rebuild(node, [mapping[i] for i in node.inputs])
        mapping[node] = new
    return Graph(inputs, [mapping[o] for o in graph.outputs],
                 [(v, mapping[x]) for v, x in graph.updates])


def _feed_non_placeholders(graph):
    """Feeding a computed tensor (or a variable) replaces it with a fresh placeholder,
    as TF allows."""
    subs = {}
    new_inputs = []
    for x in graph.inputs:
        if x.op.name == "placeholder":
            new_inputs.append(x)
            continue
        p = source.placeholder(next(_uids), x.shape, x.dtype)
        subs[x] = p
        new_inputs.append(p)
    if not subs:
        return graph
    return _substitute(graph, subs, new_inputs)


def _default_learning_phase(graph, value=False):
    """An unfed learning-phase placeholder means test mode, as in Keras (where it is a
    placeholder_with_default(False)), unless the function fixes it (`value`); this holds
    for placeholders of earlier sessions too."""
    given = set(graph.inputs)
    unfed = [n for n in graph.nodes() if n.op.name == "placeholder" and n not in given
             and n.attr("name") == LEARNING_PHASE_NAME and n.dtype.is_bool and n.shape == ()]
    if not unfed:
        return graph
    phase = E.scalar(bool(value), "bool")
    return _substitute(graph, {n: phase for n in unfed}, graph.inputs)


_rng_counter = None


def rng_counter():
    """The runtime-owned call counter that random ops read (advanced by each call)."""
    global _rng_counter
    if _rng_counter is None:
        _rng_counter = variable(np.int64(0), dtype="int64", name="keralite_rng_counter")
    return _rng_counter


def _advance_random_counter(graph):
    """Each call advances the call counter of every random op in the graph (each op owns
    its counter, as a TF random op owns its state, so a seed reproduces across functions)."""
    counters = []
    for n in graph.nodes():
        if n.op.name == "random" and n.inputs[0].op.name == "variable" and n.inputs[0] not in counters:
            counters.append(n.inputs[0])
    updated = {v for v, _ in graph.updates}
    new = [(c, apply("add", [c, E.scalar(1, "int64")])) for c in counters if c not in updated]
    if not new:
        return graph
    return Graph(graph.inputs, graph.outputs, graph.updates + new)
