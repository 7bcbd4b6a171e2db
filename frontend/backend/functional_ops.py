"""Higher-order functions over the first axis of a tensor: map_fn, foldl, foldr.

Each is one native loop (scan_ops.scan): `fn` is traced once and the compiled function
runs it for every element of the first axis, whose length may be known only at run
time. `_loop` is the one place where the iteration happens; the CTC functions
(ctc_ops) use it too.
"""
from .core import to_tensor, cast
from .scan_ops import scan
from .tensor import Tensor


def _check_iterable(elems, function_name):
    if elems.ndim == 0:
        raise ValueError(f"{function_name}: `elems` must have at least one dimension to iterate over, "
                         "got a scalar")


def _flatten(carry):
    """A carry (None, a tensor, or a dict/list/tuple of tensors) as a list, and how to
    rebuild it."""
    if carry is None:
        return [], lambda values: None
    if isinstance(carry, dict):
        keys = sorted(carry)
        return [carry[k] for k in keys], lambda values: dict(zip(keys, values))
    if isinstance(carry, (list, tuple)):
        kind = type(carry)
        return list(carry), lambda values: kind(values)
    return [carry], lambda values: values[0]


def _loop(step, carry, sequences, start=0, stop=None, reverse=False):
    """Run `carry, output = step(carry, *[s[i] for s in sequences])` for the elements
    `start:stop` of the first axis (the last first when `reverse`), as ONE native loop.
    Returns the final carry and the outputs stacked along a new first axis, in position
    order (None when `step` returns None as its output).

    `carry` is None, a tensor, or a dict/list/tuple of tensors; each keeps its shape and
    dtype from step to step. `start`/`stop` slice a first axis of known length only."""
    sequences = [to_tensor(x) for x in sequences]
    if start or stop is not None:
        sequences = [x[start:stop] for x in sequences]
    flat, rebuild = _flatten(carry)
    holder = {}

    def body(values, states):
        new_carry, output = step(rebuild(list(states)), *values)
        new_flat, _ = _flatten(new_carry)
        holder["has_output"] = output is not None
        return ([output] if output is not None else []), new_flat

    stacked, _, final = scan(body, sequences, flat, reverse=reverse)
    return rebuild(final), (stacked[0] if holder["has_output"] else None)


def _as_tensor(value, function_name):
    if isinstance(value, Tensor):
        return value
    try:
        return to_tensor(value)
    except TypeError:
        raise TypeError(f"{function_name}: `fn` must return a tensor or a number, got "
                        f"{type(value).__name__}") from None


def map_fn(fn, elems, name=None, dtype=None):
    """Map the function fn over the elements elems and return the outputs.

    # Arguments
        fn: Callable that will be called upon each element in elems
        elems: tensor
        name: A string name for the map node in the graph
        dtype: Output data type.

    # Returns
        Tensor with dtype `dtype`.
    """
    elems = to_tensor(elems)
    _check_iterable(elems, "map_fn")

    def step(carry, element):
        out = _as_tensor(fn(element), "map_fn")
        if dtype is not None and out.dtype != dtype:
            out = cast(out, dtype)
        return carry, out

    _, result = _loop(step, None, [elems])
    return Tensor(result.node, name) if name else result


def _fold(function_name, fn, elems, initializer, reverse):
    elems = to_tensor(elems)
    _check_iterable(elems, function_name)
    start, stop = 0, None
    if initializer is None:
        length = elems.shape[0]
        if length == 0:
            raise ValueError(f"{function_name}: `elems` has an empty first dimension and no `initializer` "
                             "was given")
        if length is None:
            raise ValueError(f"{function_name}: without an `initializer`, the first dimension of `elems` "
                             f"(shape {elems.shape}) must be known, to take its first element out of the loop")
        accumulator = elems[length - 1] if reverse else elems[0]
        start, stop = (0, length - 1) if reverse else (1, None)
    else:
        accumulator = _as_tensor(initializer, function_name)

    def step(acc, element):
        return _as_tensor(fn(acc, element), function_name), None

    accumulator, _ = _loop(step, accumulator, [elems], start, stop, reverse)
    return accumulator


def foldl(fn, elems, initializer=None, name=None):
    """Reduce elems using fn to combine them from left to right.

    # Arguments
        fn: Callable that will be called upon each element in elems and an
            accumulator, for instance `lambda acc, x: acc + x`
        elems: tensor
        initializer: The first value used (`elems[0]` in case of None)
        name: A string name for the foldl node in the graph

    # Returns
        Tensor with same type and shape as `initializer`.
    """
    result = _fold("foldl", fn, elems, initializer, reverse=False)
    return Tensor(result.node, name) if name else result


def foldr(fn, elems, initializer=None, name=None):
    """Reduce elems using fn to combine them from right to left.

    # Arguments
        fn: Callable that will be called upon each element in elems and an
            accumulator, for instance `lambda acc, x: acc + x`
        elems: tensor
        initializer: The first value used (`elems[-1]` in case of None)
        name: A string name for the foldr node in the graph

    # Returns
        Tensor with same type and shape as `initializer`.
    """
    result = _fold("foldr", fn, elems, initializer, reverse=True)
    return Tensor(result.node, name) if name else result
