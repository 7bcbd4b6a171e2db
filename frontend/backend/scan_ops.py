"""Loops in the graph: `scan` runs a Python step function as ONE native loop.

The step is traced once, on placeholders standing for one time step of each sequence
and for the states; the compiler's `scan` op (compiler/ops/control.py) then runs the
traced body T times inside the compiled function, where T may be known only at run
time. Everything the step reads that does not change from step to step (weights,
constants, dropout masks) is computed once, outside the loop. K.rnn, K.map_fn,
K.foldl/foldr and the CTC loss are built on it.
"""
import itertools

from keralite.compiler.ops import control, source
from keralite.compiler.ops.registry import apply
from keralite.compiler.ops.source import scalar

from .tensor import Tensor
from .core import zeros_like, switch
from .shape_ops import permute_dimensions as permute, reverse
from .random_ops import tracing_loop_body

_uids = itertools.count()


def _step_placeholder(shape, dtype, role):
    return source.placeholder(f"scan_{role}{next(_uids)}", shape, dtype)


def scan(step_function, sequences, initial_states, reverse=False):
    """Iterate `step_function` over the leading axis of time-major `sequences`.

    # Arguments
        step_function: `step_function(step_values, states) -> (outputs, new_states)`,
            with lists of tensors: one step (the sequence without its leading axis) of
            each sequence, and the current states; it returns lists of per-step outputs
            and of new states (each of its state's shape and dtype).
        sequences: list of tensors `(time, ...)`, iterated together.
        initial_states: list of tensors, the states before the first step.
        reverse: iterate from the last position to the first (outputs are still
            stored at the position they were computed for).

    # Returns
        `(stacked_outputs, last_outputs, final_states)`: lists of tensors; each
        stacked output is `(time, ...)`, a last output is the output of the last step
        computed (zeros when the sequences are empty).
    """
    sequences = [s for s in sequences]
    if not sequences:
        raise ValueError("scan needs at least one sequence to iterate over")
    for s in sequences:
        if s.ndim < 1:
            raise ValueError(f"scan: a sequence needs a leading time axis, got a scalar {s!r}")
    step_params = [_step_placeholder(s.node.shape[1:], s.node.dtype, "x") for s in sequences]
    state_params = [_step_placeholder(s.node.shape, s.node.dtype, "s") for s in initial_states]
    with tracing_loop_body(lambda: _step_placeholder((), "int64", "step")) as step:
        outputs, new_states = step_function([Tensor(p) for p in step_params], [Tensor(p) for p in state_params])
    outputs, new_states = list(outputs), list(new_states)
    if len(new_states) != len(initial_states):
        raise ValueError(f"scan: the step returned {len(new_states)} states for {len(initial_states)} initial states")
    n_states = len(new_states)
    initial_nodes = [s.node for s in initial_states]
    new_nodes = [s.node for s in new_states]
    if step.placeholder is not None:
        # random draws in the body read a step counter: carry it as one more state
        state_params.append(step.placeholder)
        initial_nodes.append(step.initial())
        new_nodes.append(apply("add", [step.placeholder, scalar(1, "int64")]))
    node = control.make_scan([s.node for s in sequences], initial_nodes, step_params, state_params,
                             [o.node for o in outputs], new_nodes, reverse=reverse)
    stacked = [Tensor(control.scan_result(node, "outputs", k)) for k in range(len(outputs))]
    last = [Tensor(control.scan_result(node, "last", k)) for k in range(len(outputs))]
    final = [Tensor(control.scan_result(node, "states", j)) for j in range(n_states)]
    return stacked, last, final


def _time_major(x):
    return permute(x, (1, 0) + tuple(range(2, x.ndim)))


def rnn_loop(step_function, inputs, initial_states, constants, mask, go_backwards):
    """K.rnn's loop as one native scan: inputs `(batch, time, ...)`, an optional
    `(batch, time)` bool mask (a masked step carries the previous output and states).
    Returns `(last_output, outputs (batch, time, ...) in iteration order, states)`."""
    initial_states = list(initial_states)
    constants = list(constants)
    sequences = [_time_major(inputs)]
    if mask is not None:
        sequences.append(_time_major(mask))
    n_states = len(initial_states)
    # One call outside the loop, on a step-shaped tensor of zeros, as Keras' TF backend
    # calls the step on step 0 first: cells create their dropout masks on their first
    # call, and those must be computed once, outside the loop (the loop captures them).
    step_zeros = Tensor(apply("broadcast_to", [scalar(0, inputs.node.dtype)],
                              shape=inputs.node.shape[:1] + inputs.node.shape[2:]))
    probe, probe_states = step_function(step_zeros, initial_states + constants)
    # a state given for one sample (batch 1) is broadcast to the batch the step makes
    initial_states = [state if state.node.shape == new.node.shape else state + zeros_like(new)
                      for state, new in zip(initial_states, probe_states)]
    # the output a masked step repeats: zeros before the first step
    extra = [zeros_like(probe)] if mask is not None else []
    uses_learning_phase = getattr(probe, "_uses_learning_phase", False)

    def step(values, states):
        output, new_states = step_function(values[0], list(states[:n_states]) + constants)
        new_states = list(new_states)
        if mask is not None:
            keep = values[1]
            previous = states[n_states]
            output = switch(keep, output, previous)
            new_states = [switch(keep, new, old) for new, old in zip(new_states, states[:n_states])]
            new_states.append(output)
        return [output], new_states

    stacked, last, final = scan(step, sequences, initial_states + extra, reverse=go_backwards)
    outputs = _time_major(stacked[0])
    if go_backwards:
        # Keras returns the outputs in the order they were computed
        outputs = reverse(outputs, axes=1)
    last_output = last[0]
    last_output._uses_learning_phase = uses_learning_phase
    outputs._uses_learning_phase = uses_learning_phase
    return last_output, outputs, final[:n_states]
