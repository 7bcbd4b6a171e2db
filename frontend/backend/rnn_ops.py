"""K.rnn: iterate a step function over the time axis of a (batch, time, ...) tensor.

With `unroll=False` (Keras' default) the step is traced once and runs as ONE native
loop in the compiled function (scan_ops.rnn_loop), for any time length, known or not.
With `unroll=True` the graph holds one copy of the step per time step: each step is
sliced out with K ops, passed to the step function, masked, and the outputs are stacked.
"""
from .core import to_tensor, cast, zeros_like, switch
from .shape_ops import stack
from .scan_ops import rnn_loop


def _time_length(inputs, unroll):
    """The static number of time steps of (batch, time, ...) inputs (unrolling needs it)."""
    timesteps = inputs.shape[1]
    if timesteps is None:
        raise ValueError("Unrolling requires a fixed number of timesteps.")
    return timesteps


def _time_steps(timesteps, go_backwards):
    """The order in which the steps are visited."""
    steps = range(timesteps)
    return reversed(steps) if go_backwards else steps


def _step_input(inputs, t):
    """inputs[:, t]: the (batch, ...) slice of step t."""
    return inputs[:, t]


def _step_mask(mask, t):
    """The (batch,) bool mask of step t."""
    return mask[:, t]


def _apply_mask(mask_t, new_value, old_value):
    """new_value where the sample is unmasked, else old_value (a (batch,) mask picks rows)."""
    return switch(mask_t, new_value, old_value)


def _stack_outputs(outputs):
    """The per-step (batch, ...) outputs as one (batch, time, ...) tensor."""
    return stack(outputs, axis=1)


def _standardize_mask(mask, inputs):
    """A (batch, time) bool mask (accepts bool or 0/1 masks, with a trailing unit axis too)."""
    mask = to_tensor(mask)
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[:, :, 0]
    if mask.ndim != 2:
        raise ValueError("K.rnn: the mask must have shape (batch, time), got %s for inputs of shape %s"
                         % (mask.shape, inputs.shape))
    if mask.dtype != "bool":
        mask = cast(mask, "bool")
    return mask


def _unrolled_loop(step_function, inputs, states, constants, mask, timesteps, go_backwards):
    """Run the steps one after another in the graph; returns (outputs list, final states)."""
    outputs = []
    previous_output = None
    uses_learning_phase = False
    for t in _time_steps(timesteps, go_backwards):
        output, new_states = step_function(_step_input(inputs, t), list(states) + list(constants))
        new_states = list(new_states)
        uses_learning_phase = uses_learning_phase or getattr(output, "_uses_learning_phase", False)
        if mask is not None:
            mask_t = _step_mask(mask, t)
            if previous_output is None:
                previous_output = zeros_like(output)
            output = _apply_mask(mask_t, output, previous_output)
            new_states = [_apply_mask(mask_t, new, old) for new, old in zip(new_states, states)]
        previous_output = output
        outputs.append(output)
        states = new_states
    return outputs, states, uses_learning_phase


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None):
    """Iterates over the time dimension of a tensor.

    # Arguments
        step_function: `step_function(input_t, states + constants) -> (output_t, new_states)`,
            input_t of shape (samples, ...), output_t of shape (samples, ...), new_states
            a list of tensors with the shapes of `states`.
        inputs: tensor of temporal data of shape `(samples, time, ...)` (at least 3D).
        initial_states: tensors of shape `(samples, ...)`, the states at the first step.
        go_backwards: if True, iterate from the last step to the first; the outputs are
            returned in iteration order.
        mask: binary tensor of shape `(samples, time)`, zero (False) for a masked step,
            which carries the previous output and the previous states.
        constants: a list of tensors passed to the step function at every step.
        unroll: whether to unroll the loop (one copy of the step per time step, which
            needs a known time length) rather than run it as a native loop.
        input_length: the static number of time steps (unused: read from `inputs`).

    # Returns
        A tuple `(last_output, outputs, new_states)`: the last step's output
        `(samples, ...)`, all outputs `(samples, time, ...)` and the final states.

    # Raises
        ValueError: if `inputs` has fewer than 3 dimensions, or an unknown time length.
    """
    inputs = to_tensor(inputs)
    if inputs.ndim < 3:
        raise ValueError("Input should be at least 3D.")
    constants = list(constants or [])
    if mask is not None:
        mask = _standardize_mask(mask, inputs)
    if not unroll:
        return rnn_loop(step_function, inputs, list(initial_states), constants, mask, go_backwards)
    timesteps = _time_length(inputs, unroll)
    outputs, states, uses_learning_phase = _unrolled_loop(step_function, inputs, list(initial_states), constants,
                                                          mask, timesteps, go_backwards)
    last_output = outputs[-1]
    outputs = _stack_outputs(outputs)
    last_output._uses_learning_phase = uses_learning_phase
    outputs._uses_learning_phase = uses_learning_phase
    return last_output, outputs, states


__all__ = ["rnn"]
