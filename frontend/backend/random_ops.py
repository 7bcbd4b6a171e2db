"""Random tensors: Philox draws generated inside the compiled code (see
compiler/ops/random.py), reproducible for a given seed.

Each random tensor owns a call counter (an int64 variable starting at 0) that every
call of a function computing it advances, as a TF random op owns its state: the same
seed gives the same first draw in a function built afresh, and successive calls of one
function give new draws. Without a seed, a seed is picked with numpy's global RNG (as
Keras does), so `np.random.seed` makes a whole program reproducible.

A seed may also be a scalar integer tensor (a placeholder, say): the draws then depend on
that seed alone, with no call counter, so one compiled function serves every seed (the
initializers draw their values this way).
"""
import contextlib
import threading

import numpy as np

from keralite.compiler.ir.shapes import Sym
from keralite.compiler.ops.source import boxed_scalar, scalar
from keralite.compiler.ops import random as RND

from .core import Tensor, _dtype, to_tensor, cast
from .math_ops import less
from .shape_ops import known_dims
from .variables import variable


def _dims_of_tensor(t):
    """The dims a shape tensor holds (K.shape(x), its items, or an int constant)."""
    dims = known_dims(t)
    if dims is not None:
        return dims
    raise NotImplementedError("random tensors need a shape known when the graph is built "
                              "(ints, or K.shape(x) and its items)")


def _shape(shape):
    """Static dims (ints, or the symbols of x for items of K.shape(x)) of a shape argument."""
    if isinstance(shape, Tensor):
        return _dims_of_tensor(shape)
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    dims = []
    for d in shape:
        if isinstance(d, Tensor):
            held = _dims_of_tensor(d)
            if len(held) != 1:
                raise ValueError(f"a dim of a random tensor's shape must be a scalar, got {d}")
            d = held[0]
        if d is None or (isinstance(d, (int, np.integer)) and d < 0):
            raise ValueError(f"random tensors need every dim of the shape to be known, got {tuple(shape)}")
        dims.append(d if isinstance(d, Sym) else int(d))
    return tuple(dims)


class LoopStep:
    """The step counter of a loop body being traced, made only if a draw asks for it.

    A draw traced inside a loop body (K.rnn's step function, say) must give new numbers
    at every iteration, as TF's random ops do inside a while loop: it reads the body's
    step counter, an int64 state the loop carries from `initial()` (0, or a value made
    from the enclosing loop's step when loops nest) and advances by one each step."""

    def __init__(self, outer, make_placeholder):
        self.outer = outer
        self._make = make_placeholder
        self.placeholder = None

    def get(self):
        """The counter's parameter in the body (made on first use)."""
        if self.placeholder is None:
            self.placeholder = self._make()
        return self.placeholder

    def initial(self):
        """The counter's value before the first step: distinct per step of an enclosing loop."""
        if self.outer is None:
            return scalar(0, "int64")
        outer = Tensor(self.outer.get())
        return ((outer + to_tensor(1, "int64")) * to_tensor(1 << 24, "int64")).node


_tracing = threading.local()


@contextlib.contextmanager
def tracing_loop_body(make_placeholder):
    """Within the block, draws read the step counter of the loop body being traced;
    `make_placeholder()` makes that counter's body parameter on first use. Yields the
    LoopStep, whose `placeholder` is None afterwards if no draw needed it."""
    stack = getattr(_tracing, "stack", None)
    if stack is None:
        stack = _tracing.stack = []
    step = LoopStep(stack[-1] if stack else None, make_placeholder)
    stack.append(step)
    try:
        yield step
    finally:
        stack.pop()


def _draw(shape, dist, dtype, seed):
    """A standard draw ('uniform' [0,1), 'normal', 'truncated_normal') of `shape`.

    A number seed gets a call counter that each call advances; a tensor seed reads a
    constant counter of 0 (its caller changes the seed instead)."""
    if seed is None:
        seed = np.random.randint(10e6)
    d = _dtype(dtype)
    if not d.is_float:
        raise ValueError(f"random tensors need a float dtype, got {d.name}")
    if isinstance(seed, Tensor):
        if seed.ndim != 0 or not seed.node.dtype.is_int:
            raise ValueError(f"a tensor seed must be a scalar integer, got {seed}")
        key = cast(seed, "int64").node
        counter = scalar(0, "int64")
    else:
        key = boxed_scalar(int(seed), "int64")
        counter = variable(np.int64(0), dtype="int64", name="random_counter").node
    stack = getattr(_tracing, "stack", None)
    step = stack[-1].get() if stack else None
    return Tensor(RND.random(counter, key, _shape(shape), dist, d, step=step))


def _affine(z, scale, shift):
    """z * scale + shift, skipping the identity parts (scale, shift numbers or tensors)."""
    if not (isinstance(scale, (int, float)) and scale == 1):
        z = z * to_tensor(scale, z.dtype)
    if not (isinstance(shift, (int, float)) and shift == 0):
        z = z + to_tensor(shift, z.dtype)
    return z


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """A tensor of uniform draws in [`minval`, `maxval`).

    Draws are made inside the compiled code, and every call of a function gives
    new ones (the docstring of keralite.backend.random_ops explains how seeds
    work).

    # Arguments
        shape: a tuple of ints, an int, or a tuple holding items of `K.shape(x)`
            for sizes known only at run time (or `K.shape(x)` itself).
        minval: the lower bound, a number or a tensor.
        maxval: the upper bound (excluded), a number or a tensor.
        dtype: a float type; defaults to `floatx()`.
        seed: an int, for draws that repeat in a function built afresh; a scalar
            integer tensor, for draws set by its value alone; or None, to pick a
            seed with numpy's global generator (so `np.random.seed` fixes it).

    # Returns
        A Tensor of shape `shape`.

    # Raises
        ValueError: if `dtype` is not a float type or a size is unknown.
    """
    u = _draw(shape, "uniform", dtype, seed)
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)):
        return _affine(u, maxval - minval, minval)
    return _affine(u, to_tensor(maxval, u.dtype) - to_tensor(minval, u.dtype), minval)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A tensor of draws from a normal distribution.

    Draws are made inside the compiled code, and every call of a function gives
    new ones (the docstring of keralite.backend.random_ops explains how seeds
    work).

    # Arguments
        shape: a tuple of ints, an int, or a tuple holding items of `K.shape(x)`
            for sizes known only at run time (or `K.shape(x)` itself).
        mean: the mean, a number or a tensor.
        stddev: the standard deviation, a number or a tensor.
        dtype: a float type; defaults to `floatx()`.
        seed: an int, for draws that repeat in a function built afresh; a scalar
            integer tensor, for draws set by its value alone; or None, to pick a
            seed with numpy's global generator (so `np.random.seed` fixes it).

    # Returns
        A Tensor of shape `shape`.

    # Raises
        ValueError: if `dtype` is not a float type or a size is unknown.
    """
    return _affine(_draw(shape, "normal", dtype, seed), stddev, mean)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A tensor of normal draws, each redrawn until it lies within two standard
    deviations of the mean.

    Draws are made inside the compiled code, and every call of a function gives
    new ones (the docstring of keralite.backend.random_ops explains how seeds
    work).

    # Arguments
        shape: a tuple of ints, an int, or a tuple holding items of `K.shape(x)`
            for sizes known only at run time (or `K.shape(x)` itself).
        mean: the mean, a number or a tensor.
        stddev: the standard deviation of the normal before truncation.
        dtype: a float type; defaults to `floatx()`.
        seed: an int, for draws that repeat in a function built afresh; a scalar
            integer tensor, for draws set by its value alone; or None, to pick a
            seed with numpy's global generator (so `np.random.seed` fixes it).

    # Returns
        A Tensor of shape `shape`.

    # Raises
        ValueError: if `dtype` is not a float type or a size is unknown.
    """
    return _affine(_draw(shape, "truncated_normal", dtype, seed), stddev, mean)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """A tensor of Bernoulli draws: 1 with probability `p`, else 0.

    Draws are made inside the compiled code, and every call of a function gives
    new ones (the docstring of keralite.backend.random_ops explains how seeds
    work).

    # Arguments
        shape: a tuple of ints, an int, or a tuple holding items of `K.shape(x)`
            for sizes known only at run time (or `K.shape(x)` itself).
        p: the probability of a 1, a number or a tensor.
        dtype: a float type for the 0s and 1s; defaults to `floatx()`.
        seed: an int, for draws that repeat in a function built afresh; a scalar
            integer tensor, for draws set by its value alone; or None, to pick a
            seed with numpy's global generator (so `np.random.seed` fixes it).

    # Returns
        A Tensor of shape `shape`.

    # Raises
        ValueError: if `dtype` is not a float type or a size is unknown.
    """
    u = _draw(shape, "uniform", dtype, seed)
    return cast(less(u, p), u.dtype)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable initialised with uniform draws in [`low`, `high`).

    The draws are made once, when the variable is created.

    # Arguments
        shape: a tuple of ints.
        low: the lower bound.
        high: the upper bound (excluded).
        dtype: a float type; defaults to `floatx()`.
        name: a name for the variable.
        seed: an int for reproducible values, or None.

    # Returns
        A Variable.
    """
    return variable(random_uniform(shape, low, high, dtype, seed), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable initialised with draws from a normal distribution.

    The draws are made once, when the variable is created.

    # Arguments
        shape: a tuple of ints.
        mean: the mean.
        scale: the standard deviation.
        dtype: a float type; defaults to `floatx()`.
        name: a name for the variable.
        seed: an int for reproducible values, or None.

    # Returns
        A Variable.
    """
    return variable(random_normal(shape, mean, scale, dtype, seed), dtype, name)
