"""numpy reference steps of the recurrent layers (Keras 2 equations, Keras weight layouts),
and a loop that runs a step over a (batch, time, features) array with masks and
go_backwards as Keras' backends do."""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


ACTIVATIONS = {"sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid, "tanh": np.tanh, "linear": lambda x: x}


def simple_rnn_step(kernel, recurrent_kernel, bias, activation="tanh"):
    def step(x, states):
        h = ACTIVATIONS[activation](x @ kernel + states[0] @ recurrent_kernel + bias)
        return h, [h]
    return step


def gru_step(kernel, recurrent_kernel, bias, reset_after=False, recurrent_activation="hard_sigmoid"):
    """Gates z, r, h; bias (3u,) before, or (2, 3u) [input, recurrent] with reset_after."""
    act = ACTIVATIONS[recurrent_activation]
    units = recurrent_kernel.shape[0]
    input_bias, recurrent_bias = (bias, np.zeros_like(bias)) if not reset_after else (bias[0], bias[1])

    def part(matrix, k):
        return matrix[..., k * units:(k + 1) * units]

    def step(x, states):
        h_tm1 = states[0]
        xw = x @ kernel + input_bias
        z = act(part(xw, 0) + h_tm1 @ part(recurrent_kernel, 0) + part(recurrent_bias, 0))
        r = act(part(xw, 1) + h_tm1 @ part(recurrent_kernel, 1) + part(recurrent_bias, 1))
        if reset_after:
            hh = np.tanh(part(xw, 2) + r * (h_tm1 @ part(recurrent_kernel, 2) + part(recurrent_bias, 2)))
        else:
            hh = np.tanh(part(xw, 2) + (r * h_tm1) @ part(recurrent_kernel, 2))
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]
    return step


def lstm_step(kernel, recurrent_kernel, bias, recurrent_activation="hard_sigmoid"):
    """Gates i, f, c, o; states [h, c]."""
    act = ACTIVATIONS[recurrent_activation]
    units = recurrent_kernel.shape[0]

    def step(x, states):
        h_tm1, c_tm1 = states
        z = x @ kernel + h_tm1 @ recurrent_kernel + bias
        i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
        c = act(f) * c_tm1 + act(i) * np.tanh(g)
        h = act(o) * np.tanh(c)
        return h, [h, c]
    return step


def run(step, inputs, states, mask=None, go_backwards=False):
    """(last output, outputs (batch, time, units) in iteration order, final states).
    A masked step keeps the previous output (zeros at first) and the previous states."""
    steps = range(inputs.shape[1])
    if go_backwards:
        steps = reversed(steps)
    outputs, previous = [], None
    for t in steps:
        output, new_states = step(inputs[:, t], states)
        if mask is not None:
            keep = mask[:, t].astype(bool)[:, None]
            previous = np.zeros_like(output) if previous is None else previous
            output = np.where(keep, output, previous)
            new_states = [np.where(keep, new, old) for new, old in zip(new_states, states)]
        previous = output
        outputs.append(output)
        states = new_states
    return outputs[-1], np.stack(outputs, axis=1), states
