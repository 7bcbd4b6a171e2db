"""Compiling and running graphs: K.function (the Function a graph compiles to, and the
graph itself, which exports also use), K.eval, K.get_value and K.print_tensor.

One call of a Function is one native call. Before compiling, the graph is completed
here: fed tensors that are not placeholders become placeholders, an unfed learning
phase becomes a constant, and each random draw's call counter is advanced."""
import collections
import sys
import weakref

import numpy as np

from keralite.compiler import graph_queries as Q
from keralite.compiler.driver import compile_graph
from keralite.compiler.execute import executable, write_counts
from keralite.compiler.ir.graph import Graph
from keralite.compiler.ir.shapes import shape_str
from keralite.compiler.ops import source
from keralite.compiler.ops.registry import apply
from keralite.compiler.ops.source import scalar
from keralite.compiler.passes.simplify import simplify

from . import config
from .core import LEARNING_PHASE_NAME, cast, forget_learning_phase, new_uid, placeholder_tensor, to_tensor
from .narrow_dtypes import narrow_name
from .tensor import Tensor, Variable, variable_for


def get_value(x):
    """The current value of a variable, as a numpy array the caller may keep.

    # Arguments
        x: a variable; any other tensor is evaluated with `K.eval`.

    # Returns
        A numpy array: a copy, so later updates of the variable do not change it.
        A variable of a narrow type (float16, int8, ...) is returned in that type.
    """
    if isinstance(x, Variable):
        if x._declared_dtype is not None:
            return x.value.astype(x._declared_dtype)
        v = x.value.copy()
        return v.view(np.bool_) if x.dtype == "bool" else v
    return eval(x)


def batch_get_value(xs):
    """The values of several variables (`get_value` of each).

    # Arguments
        xs: a list of variables (or tensors).

    # Returns
        A list of numpy arrays, in the order of `xs`.
    """
    return [get_value(x) for x in xs]


# node id -> compiled Function of the most recently evaluated tensors (ids are never
# reused, and the bound keeps the functions' variable buffers from piling up)
_eval_cache = collections.OrderedDict()
_EVAL_CACHE_SIZE = 64


def eval(x):
    """The value of a tensor that needs no fed input.

    The tensor's graph is compiled on first use, and the compiled function is
    kept for the most recently evaluated tensors, so evaluating one tensor again is
    cheap. A constant is returned without compiling anything.

    # Arguments
        x: a tensor, a variable, or a value `K.constant` accepts.

    # Returns
        A numpy array; for a scalar tensor, a numpy scalar (a 0-d array when the
        tensor is a constant).

    # Raises
        MissingInputError: (a ValueError) if `x` depends on a placeholder, which
            `eval` has no way to feed.
    """
    if isinstance(x, Variable):
        return get_value(x)
    x = to_tensor(x)
    if Q.is_constant(x.node):
        # a constant's value is already here: nothing to compile
        value = Q.constant_value(x.node)
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


def clear_session():
    """Forget the learning phase and layer-name uids (compiled code stays cached)."""
    forget_learning_phase()
    config.reset_uids()
    _eval_cache.clear()


_print_messages = weakref.WeakKeyDictionary()   # identity node -> message


def print_tensor(x, message=""):
    """`x`, printed each time a compiled function computes it.

    The printing happens only where the result is used: compute with the returned
    tensor, not with `x`. Each time the function runs, `message` and then the value
    are written to standard output.

    # Arguments
        x: a tensor.
        message: text printed before the value.

    # Returns
        A Tensor with the value (and Keras shape) of `x`.
    """
    x = to_tensor(x)
    node = apply("reshape", [x.node], intern=False, shape=x.node.shape)
    _print_messages[node] = message
    out = Tensor(node)
    for attr in ("_keras_shape", "_uses_learning_phase"):
        if hasattr(x, attr):
            setattr(out, attr, getattr(x, attr))
    return out


# ------------------------------------------------------------------ functions
class Function:
    """A graph compiled to native code, called with input arrays.

    Calling it with a list of arrays, one per input (or a dict from input tensor
    to array), runs the whole graph in one native call: it returns the outputs as
    a list of numpy arrays (numpy scalars for scalar outputs) and applies the
    updates to the variables in place. Make one with `K.function`.

    The TensorFlow session arguments `session_kwargs`, `fetches`, `feed_dict`,
    `options` and `run_metadata` are accepted and ignored, since there is no
    session; any other keyword is an error.

    # Arguments
        inputs: a list or tuple of tensors to feed: placeholders, or any other
            tensors, whose computed value the fed array then replaces.
        outputs: a list or tuple of tensors to compute.
        updates: a list of `(variable, new_value)` pairs (what `K.update` and
            friends return, possibly nested in lists), applied after the outputs
            are computed.
        name: a name for the compiled code (shown in dumps and profiles).
        learning_phase: the learning phase used when the learning-phase
            placeholder is not among `inputs`: truthy for training; None or
            False for test.

    # Raises
        ValueError: for an unknown keyword argument, an input given twice, an
            update whose value does not have the variable's shape, or a needed
            placeholder missing from `inputs` (a `MissingInputError` naming it).
        TypeError: if `inputs`, `outputs` or `updates` is not a list or tuple, an
            input is not a tensor, or an update does not assign to a variable.
    """

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
        # outputs of a narrow dtype leave as that dtype (float16 rounded to nearest)
        self._output_casts = [(i, narrow) for i, o in enumerate(self.outputs)
                              if (narrow := narrow_name(to_tensor(o).dtype))]
        self._prints = [(self._n_outputs + k, _print_messages[n]) for k, n in enumerate(printed)]
        self.compiled = compile_graph(graph, name or "function", prologue=True)
        self._executable = executable(self.compiled, variable_buffers(self.compiled.variables))
        # outputs that leave as the executable returns them (no printing, no narrowing,
        # no 0-d array to unwrap): the common case, and the one a batch-1 call times
        self._plain = not self._prints and not self._output_casts and all(
            len(o["shape"]) for o in self.compiled.signature["outputs"])
        self._prologue = None
        prologue = self.compiled.prologue
        if prologue is not None:
            # weight-only work (a Winograd kernel transform) runs when the weights change
            buffers = variable_buffers(prologue.variables)
            self._prologue = executable(prologue, buffers, notes_writes=False)
            caches = set(prologue.signature["updated"])
            self._weights = [b for k, b in enumerate(buffers) if k not in caches]
            self._weights_seen = None

    def arena_bytes(self):
        """The size of the largest scratch arena a call of this function has used.

        Every intermediate value of the graph lives in one arena per call, its space
        reused once the value's last reader has run; this says how big that got.

        # Returns
            An int, in bytes (0 before the first call).
        """
        return self._executable.arena_bytes()

    def __call__(self, inputs):
        if isinstance(inputs, dict):
            inputs = [inputs[x] for x in self.inputs]
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` to a keralite function should be a list or tuple.")
        if self._prologue is not None:
            seen = write_counts(self._weights)
            if seen != self._weights_seen:
                self._prologue([])
                self._weights_seen = seen
        outs = self._executable(inputs)
        if self._plain:
            return outs
        for i, message in self._prints:
            sys.stdout.write(f"{message}{outs[i]}\n")
        outs = list(outs[:self._n_outputs])
        for i, narrow in self._output_casts:
            outs[i] = outs[i].astype(narrow)
        return [o[()] if o.ndim == 0 else o for o in outs]


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
            raise ValueError(f"update of {var.name!r}: value shape {shape_str(value.node.shape)} "
                             f"differs from the variable's {shape_str(var.node.shape)}")
        if value.node.dtype is not var.node.dtype or var._declared_dtype != value._declared_dtype:
            value = cast(value, var.dtype)    # a narrow integer variable wraps here
        update_pairs.append((var.node, value.node))
    update_pairs = _chain_repeated_updates(update_pairs)
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
    _check_all_fed(graph)
    graph = _advance_random_counter(graph, bool(learning_phase))
    return graph, printed


class MissingInputError(ValueError):
    """The outputs of a function need a placeholder that is not among its inputs.

    `tensor` is the placeholder's Tensor (None if it no longer exists), so that the
    caller, such as a Model, can say where that tensor came from."""

    def __init__(self, message, tensor=None):
        super().__init__(message)
        self.tensor = tensor


def describe_tensor(tensor, node=None):
    """A tensor as a user would recognise it: its name and, for a Keras tensor, the
    layer that made it.

    # Arguments
        tensor: a Tensor, or None when only its IR node is left.
        node: the tensor's IR node, named when the tensor is gone.

    # Returns
        A short phrase such as "tensor 'x' (output 0 of the InputLayer 'x')".
    """
    if tensor is None:
        return f"placeholder {node.attr('name') or node.attr('uid')!r}"
    history = getattr(tensor, "_keras_history", None)
    if history:
        layer = history[0]
        return (f"tensor {tensor.name!r} (output {history[2]} of the {layer.__class__.__name__} "
                f"{layer.name!r})")
    return f"placeholder {tensor.name!r}"


def _check_all_fed(graph):
    """Every placeholder the outputs or updates read must be fed: name the first that is
    not as the user made it, instead of leaving an internal node name to the compiler."""
    unfed = Q.unfed_placeholders(graph)
    if not unfed:
        return
    tensor = placeholder_tensor(unfed[0])
    raise MissingInputError(f"{describe_tensor(tensor, unfed[0])} is needed to compute the outputs "
                            "but is not among the function's inputs", tensor)


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
    """Compiles a graph into a callable `Function`.

    # Arguments
        inputs: a list or tuple of tensors to feed.
        outputs: a list or tuple of tensors to compute.
        updates: a list of `(variable, new_value)` pairs applied on each call.
        **kwargs: passed to `Function`: `name`, `learning_phase`, and the
            TensorFlow session arguments that keralite ignores.

    # Returns
        A `Function`: call it with a list of arrays to get the list of outputs.

    # Raises
        ValueError: as `Function` does, e.g. for an unknown keyword argument or an
            input the outputs need but that is not among `inputs`.
        TypeError: as `Function` does, for arguments of the wrong type.
    """
    return Function(inputs, outputs, updates=updates, **kwargs)


def _chain_repeated_updates(update_pairs):
    """One (variable, value) pair per variable: when several updates assign the same
    variable (a BatchNormalization shared by two inputs), they apply in the order given,
    each reading what the previous one wrote, as TensorFlow runs one assign after the
    other; otherwise all but the last would be lost."""
    latest, order = {}, []
    for var, value in update_pairs:
        if var in latest:
            rewritten = Q.substitute(Graph([], [value]), {var: latest[var]}, [])
            value = rewritten.outputs[0]
        else:
            order.append(var)
        latest[var] = value
    return [(var, latest[var]) for var in order]


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


def _feed_non_placeholders(graph):
    """Feeding a computed tensor (or a variable) replaces it with a fresh placeholder,
    as TF allows."""
    subs = {}
    new_inputs = []
    for x in graph.inputs:
        if Q.is_placeholder(x):
            new_inputs.append(x)
            continue
        p = source.placeholder(new_uid(), x.shape, x.dtype)
        subs[x] = p
        new_inputs.append(p)
    if not subs:
        return graph
    return Q.substitute(graph, subs, new_inputs)


def _default_learning_phase(graph, value=False):
    """An unfed learning-phase placeholder means test mode, as in Keras (where it is a
    placeholder_with_default(False)), unless the function fixes it (`value`); this holds
    for placeholders of earlier sessions too."""
    unfed = [n for n in Q.unfed_placeholders(graph)
             if n.attr("name") == LEARNING_PHASE_NAME and n.dtype.is_bool and n.shape == ()]
    if not unfed:
        return graph
    phase = scalar(bool(value), "bool")
    return Q.substitute(graph, {n: phase for n in unfed}, graph.inputs)


def _advance_random_counter(graph, training):
    """Each call advances the call counter of every random op in the graph (each op owns
    its counter, as a TF random op owns its state, so a seed reproduces across functions).
    In a test-mode function only the draws left once the folded learning phase has picked
    its branches count: a predict function runs no dropout draw, as TF's runs no dropout
    op, so predicting leaves the training streams where they were (and the call updates
    nothing)."""
    counters = Q.random_counters(graph)
    if counters and not training:
        counters = Q.random_counters(simplify(graph))
    updated = {v for v, _ in graph.updates}
    new = [(c, apply("add", [c, scalar(1, "int64")])) for c in counters if c not in updated]
    if not new:
        return graph
    return Graph(graph.inputs, graph.outputs, graph.updates + new)
