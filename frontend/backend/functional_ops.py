"""Higher-order functions over the first axis of a tensor: map_fn, foldl, foldr.

For now each is unrolled: `fn` is applied once per element of the static first dim of
`elems`, so the graph grows with that length. `_unrolled_loop` is the one place where
the iteration happens; it will become a native loop (scan) op, after which a first dim
known only at run time works too.
"""
from .core import to_tensor, cast
from .shape_ops import stack
from .tensor import Tensor


def _static_length(elems, function_name):
    """The static length of the first axis of `elems`, or a ValueError naming the case."""
    if elems.ndim == 0:
        raise ValueError(f"{function_name}: `elems` must have at least one dimension to iterate over, "
                         "got a scalar")
    length = elems.shape[0]
    if length is None:
        raise ValueError(f"{function_name}: the first dimension of `elems` (shape {elems.shape}) is None; "
                         "keralite unrolls this loop over a static length for now, so the first "
                         "dimension must be known when the graph is built")
    return length


def _unrolled_loop(step, carry, sequences, indices):
    """Run `carry, output = step(carry, *[s[i] for s in sequences])` for i in `indices`,
    in that order, and return the final carry and the list of outputs.

    `carry` may be any nest of tensors that `step` understands. This is the only loop
    over a static length in map_fn/foldl/foldr and the CTC functions (ctc_ops): a scan
    op with the same contract (carry in, carry and per-step output out, sequences sliced
    along axis 0) replaces it."""
    outputs = []
    for i in indices:
        carry, output = step(carry, *[sequence[i] for sequence in sequences])
        outputs.append(output)
    return carry, outputs


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
    length = _static_length(elems, "map_fn")
    if length == 0:
        raise ValueError("map_fn: `elems` has an empty first dimension (shape "
                         f"{elems.shape}); the output shape of `fn` cannot be inferred")

    def step(carry, element):
        out = _as_tensor(fn(element), "map_fn")
        if dtype is not None and out.dtype != dtype:
            out = cast(out, dtype)
        return carry, out

    _, outputs = _unrolled_loop(step, None, [elems], range(length))
    result = stack(outputs, axis=0)
    return Tensor(result.node, name) if name else result


def _fold(function_name, fn, elems, initializer, indices):
    elems = to_tensor(elems)
    length = _static_length(elems, function_name)
    indices = list(indices(length))
    if initializer is None:
        if not indices:
            raise ValueError(f"{function_name}: `elems` has an empty first dimension and no `initializer` "
                             "was given")
        accumulator, indices = elems[indices[0]], indices[1:]
    else:
        accumulator = _as_tensor(initializer, function_name)

    def step(acc, element):
        return _as_tensor(fn(acc, element), function_name), None

    accumulator, _ = _unrolled_loop(step, accumulator, [elems], indices)
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
    result = _fold("foldl", fn, elems, initializer, lambda n: range(n))
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
    result = _fold("foldr", fn, elems, initializer, lambda n: range(n - 1, -1, -1))
    return Tensor(result.node, name) if name else result
