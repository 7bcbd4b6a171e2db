"""Shape functions of the backend: reshape, permute, concatenate, padding, repeats,
resizing, stacking, one-hot, reversing and numpy-style indexing.

Shapes are static in the IR (a batch dim is a symbol), so a "shape tensor" such as
`K.shape(x)` carries its dims as `_static_dims`; slicing, concatenating and stacking
shape tensors keep them, so `K.reshape(x, K.stack([K.shape(x)[0], -1]))` resolves when
the graph is built.
"""
import numpy as np

from keralite.compiler import graph_queries as Q
from keralite.compiler.ir import dtypes
from keralite.compiler.ir.shapes import Sym, dim_add, dim_floordiv, dim_sum, dims_match, numel, shape_str
from keralite.compiler.ops import shape as S
from keralite.compiler.ops.source import array_constant, scalar
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, cast
from . import config


def _t(node):
    return Tensor(node)


def _axis(axis, rank, op):
    """A non-negative axis, or ValueError naming the op."""
    axis = int(axis)
    if not -rank <= axis < rank:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of rank {rank}")
    return axis % rank


# ------------------------------------------------------------------ shape tensors
def known_dims(t):
    """The dims a shape tensor holds (ints or symbols), or None when unknown now.

    A scalar item of `K.shape(x)` holds one dim; a 1-D shape tensor holds one per entry.
    """
    if not isinstance(t, Tensor):
        return None
    dims = getattr(t, "_static_dims", None)
    if dims is not None:
        return tuple(dims)
    node = t.node
    if not Q.is_constant(node) or not node.dtype.is_int or node.ndim > 1:
        return None
    return tuple(int(v) for v in Q.constant_value(node).ravel())


def _with_dims(tensor, dims):
    tensor._static_dims = tuple(dims)
    return tensor


def _dim(d, what="reshape"):
    """A target dim from an int, None/-1, a symbol, or a scalar item of K.shape(x)."""
    if isinstance(d, Tensor):
        dims = known_dims(d)
        if dims is None or len(dims) != 1 or d.ndim != 0:
            raise NotImplementedError(f"{what}: a size computed at run time is not supported; "
                                      "use items of K.shape(x) or Python ints")
        return dims[0]
    if d is None:
        return -1
    if isinstance(d, Sym):
        return d
    return int(d)


# ------------------------------------------------------------------ reshaping
def reshape(x, shape):
    """`x` with a new shape and the same elements, in row-major order.

    The target must be known when the graph is built: one size may be -1 (or
    None) to be inferred, and sizes known only at run time are given as items of
    `K.shape(x)` (or a `K.stack` of them), which carry their static meaning.

    # Arguments
        x: a tensor.
        shape: a tuple or list of ints, -1/None and scalar items of `K.shape`;
            an int; or a 1-D shape tensor built from `K.shape` items and ints.

    # Returns
        A Tensor of the new shape.

    # Raises
        NotImplementedError: if the target shape, or one of its sizes, is
            computed at run time from anything but `K.shape` items.
        ValueError: if a size is negative other than -1.
    """
    x = to_tensor(x)
    if isinstance(shape, Tensor):
        dims = known_dims(shape)
        if dims is None or shape.ndim != 1:
            raise NotImplementedError("reshape: a target shape computed at run time is not supported; "
                                      "build it from items of K.shape(x) and Python ints")
        shape = dims
    elif isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = [_dim(d) for d in shape]
    if any(isinstance(d, int) and d < -1 for d in shape):
        raise ValueError(f"reshape: negative size in target shape {shape}")
    return _t(S.reshape(x.node, shape))


def permute_dimensions(x, pattern):
    """`x` with its axes reordered.

    # Arguments
        x: a tensor.
        pattern: a tuple of axis indices: axis i of the result is axis
            `pattern[i]` of `x` (e.g. (0, 2, 1) swaps the last two axes of a 3-D
            tensor).

    # Returns
        A Tensor.
    """
    x = to_tensor(x)
    return _t(apply("transpose", [x.node], perm=tuple(int(p) for p in pattern)))


def expand_dims(x, axis=-1):
    """`x` with a new axis of size 1 inserted at `axis`.

    # Arguments
        x: a tensor.
        axis: where the new axis goes, in the result's axes (-1 appends it).

    # Returns
        A Tensor with one more axis.

    # Raises
        ValueError: if `axis` is out of range.
    """
    x = to_tensor(x)
    axis = _axis(axis, x.ndim + 1, "expand_dims")
    shape = list(x.node.shape)
    shape.insert(axis, 1)
    return _t(S.reshape(x.node, shape))


def squeeze(x, axis):
    """`x` with axis `axis`, which must have size 1, removed.

    # Arguments
        x: a tensor.
        axis: the axis to remove; negative counts from the end.

    # Returns
        A Tensor with one axis fewer.

    # Raises
        ValueError: if `axis` is out of range or its size is not 1.
    """
    x = to_tensor(x)
    axis = _axis(axis, x.ndim, "squeeze")
    if x.node.shape[axis] != 1:
        raise ValueError(f"squeeze: axis {axis} of a tensor of shape {x.shape} has size "
                         f"{x.shape[axis]}, not 1")
    shape = [d for i, d in enumerate(x.node.shape) if i != axis]
    return _t(S.reshape(x.node, shape))


def flatten(x):
    """`x` as a 1-D tensor (all its elements, in row-major order).

    # Arguments
        x: a tensor.

    # Returns
        A 1-D Tensor.
    """
    x = to_tensor(x)
    return _t(S.reshape(x.node, (numel(x.node.shape),)))


def batch_flatten(x):
    """`x` reshaped to (batch, everything else), as the Flatten layer needs.

    # Arguments
        x: a tensor of rank 1 or more, batch first.

    # Returns
        A 2-D Tensor of shape `(x.shape[0], product of the other sizes)`.

    # Raises
        ValueError: if `x` is a scalar.
    """
    x = to_tensor(x)
    if x.ndim < 1:
        raise ValueError("batch_flatten: needs a tensor of rank >= 1, got a scalar")
    return _t(S.reshape(x.node, (x.node.shape[0], numel(x.node.shape[1:]))))


# ------------------------------------------------------------------ joining
def _tensors(values):
    """Tensors from a list where Python numbers and arrays take the tensors' dtype
    (so `K.stack([K.shape(x)[0], 12])` stays int32)."""
    values = list(values)
    like = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = like.dtype if like is not None else None
    return [v if isinstance(v, Tensor) else to_tensor(v, dtype) for v in values]


def concatenate(tensors, axis=-1):
    """Tensors joined along an existing axis.

    Operands of different types are promoted to a common type. Python numbers
    and arrays in the list take the type of the tensors. Joining along an axis
    whose size is known only at run time (the batch axis) needs every operand to
    have such a size there, equal at run time, since keralite's symbolic sizes
    cannot be added.

    # Arguments
        tensors: a list of tensors of equal rank, equal in every size but `axis`.
        axis: the axis to join along; negative counts from the end.

    # Returns
        A Tensor (the only tensor itself for a list of one).

    # Raises
        ValueError: if the list is empty, holds scalars, or `axis` is out of
            range.
    """
    tensors = _tensors(tensors)
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    rank = tensors[0].ndim
    if rank == 0:
        raise ValueError("concatenate: cannot concatenate scalars; use K.stack")
    axis = _axis(axis, rank, "concatenate")
    if len(tensors) == 1:
        return tensors[0]
    dtype = tensors[0].node.dtype
    for t in tensors[1:]:
        dtype = dtypes.promote(dtype, t.node.dtype)
    nodes = [t.node if t.node.dtype is dtype else cast(t, dtype.name).node for t in tensors]
    if any(isinstance(t.node.shape[axis], Sym) for t in tensors):
        return _t(_concatenate_symbolic_axis(nodes, axis))
    out = _t(apply("concatenate", nodes, axis=axis))
    known = [known_dims(t) for t in tensors]
    if rank == 1 and all(k is not None for k in known):
        _with_dims(out, sum(known, ()))
    return out


def _concatenate_symbolic_axis(nodes, axis):
    """Concatenation along an axis whose size is known only at run time (two run-time
    batches, say). The result's size is the sum of the parts' (a derived size, computed
    when the graph runs: compiler/ir/derived.py). The parts are joined two at a time
    into zeros of that size: the first written at the start, the second at the start
    of the reversed result, which is its end, so no offset is ever a run-time value."""
    first = nodes[0]
    for node in nodes[1:]:
        if node.ndim != first.ndim or not all(
                dims_match(a, b) for i, (a, b) in enumerate(zip(first.shape, node.shape)) if i != axis):
            raise ValueError(f"concatenate: the shapes {shape_str(first.shape)} and {shape_str(node.shape)} "
                             f"differ outside axis {axis}")
    joined = first
    for node in nodes[1:]:
        joined = _join_two(joined, node, axis)
    return joined


def _join_two(head, tail, axis):
    shape = list(head.shape)
    shape[axis] = dim_add(head.shape[axis], tail.shape[axis])
    # reshaping each part to the result's other dims ties their symbols, so the runtime
    # checks the parts agree there
    head = _tied_to(head, shape, axis)
    tail = _tied_to(tail, shape, axis)
    zeros = apply("broadcast_to", [scalar(0, head.dtype)], shape=tuple(shape))
    starts, steps = (0,) * len(shape), (1,) * len(shape)
    with_head = apply("slice_update", [zeros, head], starts=starts, steps=steps)
    reversed_result = apply("reverse", [with_head], axes=(axis,))
    reversed_tail = apply("reverse", [tail], axes=(axis,))
    with_tail = apply("slice_update", [reversed_result, reversed_tail], starts=starts, steps=steps)
    return apply("reverse", [with_tail], axes=(axis,))


def _tied_to(node, shape, axis):
    wanted = tuple(node.shape[i] if i == axis else d for i, d in enumerate(shape))
    return node if wanted == node.shape else apply("reshape", [node], shape=wanted)


def split_part(x, i, parts, axis=0):
    """Part `i` of `x` cut into `parts` along `axis`: `size // parts` elements each,
    the last part taking the remainder too (how Keras' multi_gpu_model splits a batch).
    The size may be known only at run time: the parts' sizes are then derived sizes,
    computed when the graph runs, and no slice starts at a run-time offset (the parts
    before the last are a view of the first `(parts - 1) * (size // parts)` elements,
    grouped; the last is read from the end).

    # Arguments
        x: a tensor.
        i: the index of the part, in [0, parts).
        parts: how many parts.
        axis: the axis to cut.

    # Returns
        A Tensor, the part.

    # Raises
        ValueError: for `i` out of range or `parts` < 1.
    """
    x = to_tensor(x)
    node = x.node
    axis = _axis(axis, node.ndim, "split_part")
    parts, i = int(parts), int(i)
    if parts < 1 or not 0 <= i < parts:
        raise ValueError(f"split_part: part {i} of {parts} does not exist")
    size = node.shape[axis]
    if not isinstance(size, Sym):
        step = size // parts
        stop = size if i == parts - 1 else step * (i + 1)
        return _t(S.slice_axis(node, axis, step * i, stop))
    step = dim_floordiv(size, parts)
    before, after = node.shape[:axis], node.shape[axis + 1:]
    ones = (1,) * node.ndim
    if i < parts - 1:
        head = apply("slice", [node], starts=(0,) * node.ndim, steps=ones,
                     sizes=before + ((parts - 1) * step,) + after)
        grouped = S.reshape(head, before + (parts - 1, step) + after)
        part = S.slice_axis(grouped, axis, i, i + 1)
        return _t(S.reshape(part, before + (step,) + after))
    rest = dim_sum(0, [(1, size), (1 - parts, step)])
    backwards = apply("reverse", [node], axes=(axis,))
    tail = apply("slice", [backwards], starts=(0,) * node.ndim, steps=ones, sizes=before + (rest,) + after)
    return _t(apply("reverse", [tail], axes=(axis,)))


def stack(x, axis=0):
    """Tensors of one shape stacked along a new axis.

    # Arguments
        x: a list of tensors (or numbers) of the same shape.
        axis: where the new axis goes, in the result's axes.

    # Returns
        A Tensor with one more axis, of size `len(x)` at `axis`.

    # Raises
        ValueError: if the list is empty or the shapes differ.
    """
    tensors = _tensors(x)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    first = tensors[0].node.shape
    for t in tensors[1:]:
        if len(t.node.shape) != len(first) or any(a != b and not (isinstance(a, Sym) and isinstance(b, Sym))
                                                  for a, b in zip(first, t.node.shape)):
            raise ValueError(f"stack: all tensors need the same shape, got {shape_str(first)} "
                             f"and {shape_str(t.node.shape)}")
    axis = _axis(axis, len(first) + 1, "stack")
    out = concatenate([expand_dims(t, axis) for t in tensors], axis=axis)
    known = [known_dims(t) for t in tensors]
    if not first and all(k is not None for k in known):
        _with_dims(out, sum(known, ()))
    return out


# ------------------------------------------------------------------ repeats
def repeat_elements(x, rep, axis):
    """`x` with every slice along `axis` repeated `rep` times in place, as
    `np.repeat` does ([a, b] with rep 2 gives [a, a, b, b]).

    # Arguments
        x: a tensor.
        rep: how many times each slice appears, an int.
        axis: the axis to repeat along; negative counts from the end.

    # Returns
        A Tensor whose size along `axis` is `rep` times larger.
    """
    x = to_tensor(x)
    axis = _axis(axis, x.ndim, "repeat_elements")
    rep = int(rep)
    shape = x.node.shape
    expanded = S.reshape(x.node, shape[:axis + 1] + (1,) + shape[axis + 1:])
    tiled = apply("broadcast_to", [expanded], shape=shape[:axis + 1] + (rep,) + shape[axis + 1:])
    new = shape[axis] * rep
    return _t(S.reshape(tiled, shape[:axis] + (new,) + shape[axis + 1:]))


def repeat(x, n):
    """A 2-D tensor repeated along a new middle axis: (batch, dim) to (batch, n, dim).

    This is what the RepeatVector layer does.

    # Arguments
        x: a 2-D tensor.
        n: how many copies, an int or a scalar item of `K.shape`.

    # Returns
        A 3-D Tensor.

    # Raises
        ValueError: if `x` is not 2-D.
    """
    x = to_tensor(x)
    if x.ndim != 2:
        raise ValueError(f"repeat: needs a 2D tensor, got shape {x.shape}")
    n = _dim(n, "repeat")
    b, d = x.node.shape
    return _t(apply("broadcast_to", [S.reshape(x.node, (b, 1, d))], shape=(b, n, d)))


def tile(x, n):
    """`x` repeated `n[i]` times along each axis i, as `np.tile` does.

    An int `n`, or a list shorter than the rank of `x`, applies to the last axes;
    a list longer than the rank adds leading axes.

    # Arguments
        x: a tensor.
        n: an int, a list of ints (or `K.shape` items), or a 1-D shape tensor
            built from `K.shape` items.

    # Returns
        A Tensor.

    # Raises
        NotImplementedError: if the counts are computed at run time.
        ValueError: if a count is negative.
    """
    x = to_tensor(x)
    if isinstance(n, Tensor):
        dims = known_dims(n)
        if dims is None:
            raise NotImplementedError("tile: repeat counts computed at run time are not supported")
        n = list(dims)
    elif isinstance(n, (int, np.integer)):
        n = [n]
    n = [_dim(k, "tile") for k in n]
    if any(isinstance(k, int) and k < 0 for k in n):
        raise ValueError(f"tile: repeat counts must be >= 0, got {n}")
    if len(n) < x.ndim:
        n = [1] * (x.ndim - len(n)) + n
    node = x.node
    if len(n) > x.ndim:
        node = S.reshape(node, (1,) * (len(n) - x.ndim) + node.shape)
    shape = node.shape
    if all(k == 1 for k in n):
        return _t(node)
    inter, target = [], []
    for k, d in zip(n, shape):
        inter += [1, d]
        target += [k, d]
    expanded = S.reshape(node, inter)
    tiled = apply("broadcast_to", [expanded], shape=tuple(target))
    return _t(S.reshape(tiled, tuple(k * d for k, d in zip(n, shape))))


# ------------------------------------------------------------------ ranges and one-hot
def _number(v, what):
    if isinstance(v, Tensor):
        dims = known_dims(v)
        if dims is None or len(dims) != 1 or isinstance(dims[0], Sym):
            raise NotImplementedError(f"arange: a {what} computed at run time is not supported")
        return dims[0]
    return v


def arange(start, stop=None, step=1, dtype="int32"):
    """A 1-D tensor of evenly spaced numbers: start, start + step, ... before `stop`.

    `arange(n)` counts from 0 to n - 1. The length of the result is fixed when the
    graph is built, so the bounds must be known then.

    # Arguments
        start: the first value, or the end when `stop` is None.
        stop: the end (excluded), or None.
        step: the spacing; may be negative.
        dtype: the element type of the result.

    # Returns
        A 1-D Tensor.

    # Raises
        ValueError: if `step` is 0.
        NotImplementedError: if a bound is a tensor computed at run time.
    """
    start, stop, step = _number(start, "start"), _number(stop, "stop"), _number(step, "step")
    if stop is None:
        start, stop = 0, max(start, 0)
    if step == 0:
        raise ValueError("arange: step must not be 0")
    count = max(0, int(np.ceil((stop - start) / step)))
    is_float = any(isinstance(v, (float, np.floating)) for v in (start, stop, step))
    work = "float64" if is_float else "int64"
    i = apply("iota", [], shape=(count,), axis=0, dtype=work)
    value = apply("add", [apply("mul", [i, scalar(step, work)]), scalar(start, work)])
    return cast(_t(value), dtype)


def one_hot(indices, num_classes):
    """Integer class indices as one-hot vectors.

    # Arguments
        indices: an integer tensor of any shape (float indices are cast).
        num_classes: the length of each vector.

    # Returns
        A float32 Tensor of shape `indices.shape + (num_classes,)`; an index
        outside [0, num_classes) gives a row of zeros.
    """
    indices = to_tensor(indices)
    num_classes = int(num_classes)
    node = indices.node
    if not node.dtype.is_int:
        node = apply("cast", [node], dtype="int64")
    shape = node.shape + (num_classes,)
    idx = apply("broadcast_to", [S.reshape(node, node.shape + (1,))], shape=shape)
    cls = apply("iota", [], shape=(num_classes,), axis=0, dtype=node.dtype.name)
    return cast(_t(apply("eq", [idx, cls])), "float32")


def reverse(x, axes):
    """`x` with the order of its elements reversed along the given axes.

    # Arguments
        x: a tensor.
        axes: an int or a list of ints; negative counts from the end.

    # Returns
        A Tensor of the shape of `x`.

    # Raises
        ValueError: if an axis is out of range or given twice.
    """
    x = to_tensor(x)
    if isinstance(axes, (int, np.integer)):
        axes = [axes]
    axes = [_axis(a, x.ndim, "reverse") for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"reverse: an axis is given more than once in {list(axes)}")
    if not axes:
        return x
    return _t(apply("reverse", [x.node], axes=tuple(sorted(axes))))


# ------------------------------------------------------------------ padding and resizing
def _pad(x, pads):
    x = to_tensor(x)
    if len(pads) != x.ndim:
        raise ValueError(f"padding: expected a tensor of rank {len(pads)}, got shape {x.shape}")
    pads = tuple((int(lo), int(hi)) for lo, hi in pads)
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        raise ValueError(f"padding: sizes must be >= 0, got {pads}")
    if not any(lo or hi for lo, hi in pads):
        return x
    return _t(apply("pad", [x.node], pads=pads))


def _pair(p, what):
    p = tuple(p)
    if len(p) != 2:
        raise ValueError(f"{what}: each padding must be a (before, after) pair, got {p}")
    return p


def _padding_format(data_format):
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Unknown data_format " + str(data_format))
    return data_format


def temporal_padding(x, padding=(1, 1)):
    """A 3-D tensor (batch, steps, features) padded with zeros along the steps.

    # Arguments
        x: a 3-D tensor.
        padding: a pair (zeros before, zeros after).

    # Returns
        A 3-D Tensor.

    # Raises
        ValueError: if `x` is not 3-D, `padding` is not a pair or a size is
            negative.
    """
    return _pad(x, [(0, 0), _pair(padding, "temporal_padding"), (0, 0)])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """A 4-D image tensor padded with zeros along its two spatial axes.

    # Arguments
        x: a 4-D tensor.
        padding: two pairs ((top, bottom), (left, right)).
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.

    # Returns
        A 4-D Tensor.

    # Raises
        ValueError: if `padding` is not two pairs, `data_format` is unknown, `x`
            is not 4-D, or a size is negative.
    """
    if len(padding) != 2:
        raise ValueError(f"spatial_2d_padding: needs 2 (before, after) pairs, got {padding}")
    spatial = [_pair(p, "spatial_2d_padding") for p in padding]
    if _padding_format(data_format) == "channels_first":
        return _pad(x, [(0, 0), (0, 0)] + spatial)
    return _pad(x, [(0, 0)] + spatial + [(0, 0)])


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """A 5-D volume tensor padded with zeros along its three spatial axes.

    # Arguments
        x: a 5-D tensor.
        padding: three (before, after) pairs, for depth, height and width.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.

    # Returns
        A 5-D Tensor.

    # Raises
        ValueError: if `padding` is not three pairs, `data_format` is unknown,
            `x` is not 5-D, or a size is negative.
    """
    if len(padding) != 3:
        raise ValueError(f"spatial_3d_padding: needs 3 (before, after) pairs, got {padding}")
    spatial = [_pair(p, "spatial_3d_padding") for p in padding]
    if _padding_format(data_format) == "channels_first":
        return _pad(x, [(0, 0), (0, 0)] + spatial)
    return _pad(x, [(0, 0)] + spatial + [(0, 0)])


def _resize_axes(data_format, first, last):
    if data_format == "channels_first":
        return first
    if data_format == "channels_last":
        return last
    raise ValueError("Invalid data_format:", data_format)


def resize_images(x, height_factor, width_factor, data_format):
    """A 4-D image tensor enlarged by integer factors, repeating each pixel
    (nearest-neighbour), as the UpSampling2D layer does.

    # Arguments
        x: a 4-D tensor.
        height_factor: an int, how many times each row is repeated.
        width_factor: an int, how many times each column is repeated.
        data_format: 'channels_last' or 'channels_first'.

    # Returns
        A 4-D Tensor.

    # Raises
        ValueError: if `data_format` is neither of the two.
    """
    axes = _resize_axes(data_format, (2, 3), (1, 2))
    for factor, axis in zip((height_factor, width_factor), axes):
        x = repeat_elements(x, factor, axis)
    return x


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """A 5-D volume tensor enlarged by integer factors, repeating each voxel, as the
    UpSampling3D layer does.

    # Arguments
        x: a 5-D tensor.
        depth_factor: an int, the repeat along depth.
        height_factor: an int, the repeat along height.
        width_factor: an int, the repeat along width.
        data_format: 'channels_last' or 'channels_first'.

    # Returns
        A 5-D Tensor.

    # Raises
        ValueError: if `data_format` is neither of the two.
    """
    axes = _resize_axes(data_format, (2, 3, 4), (1, 2, 3))
    for factor, axis in zip((depth_factor, height_factor, width_factor), axes):
        x = repeat_elements(x, factor, axis)
    return x


# ------------------------------------------------------------------ indexing
def _slice_bound(v):
    """A slice bound: None, an int, or a scalar item of K.shape(x) with a static size."""
    if isinstance(v, Tensor):
        dims = known_dims(v)
        if dims is None or v.ndim != 0 or isinstance(dims[0], Sym):
            raise NotImplementedError("slice bounds computed at run time are not supported")
        return dims[0]
    return None if v is None else int(v)


def _expand_key(key, rank):
    """The key as a tuple with the Ellipsis expanded: one entry per axis, plus Nones."""
    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(slice(_slice_bound(k.start), _slice_bound(k.stop), _slice_bound(k.step))
                if isinstance(k, slice) else k for k in key)
    for k in key:
        if isinstance(k, (bool, np.bool_)):
            raise TypeError("indexing a tensor with a bool is not supported")
        if isinstance(k, Tensor) or isinstance(k, (list, np.ndarray)):
            raise NotImplementedError("indexing with a tensor or a list is not supported; use K.gather")
        if not (k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer))):
            raise TypeError(f"unsupported index {k!r}: use ints, slices, None and Ellipsis")
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > rank:
        raise IndexError(f"too many indices for a tensor of rank {rank}: {used} were indexed")
    fill = (slice(None),) * (rank - used)
    if Ellipsis in key:
        i = key.index(Ellipsis)
        return key[:i] + fill + key[i + 1:]
    return key + fill


def getitem(x, key):
    """numpy-style basic indexing: ints (negative too), slices (any step), None, Ellipsis.

    A symbolic (batch) axis takes ':' and '::-1' slices, and ints (checked at run time).
    """
    x = to_tensor(x)
    key = _expand_key(key, x.ndim)
    shape = x.node.shape
    starts, steps, sizes = [0] * x.ndim, [1] * x.ndim, list(shape)
    reversed_axes, gathered = [], []      # symbolic axes taken by reverse / by an int
    final_shape = []                      # the result's shape, with Nones as 1
    axis = 0
    for k in key:
        if k is None:
            final_shape.append(1)
            continue
        d = shape[axis]
        if isinstance(k, (int, np.integer)):
            k = int(k)
            if isinstance(d, Sym):
                gathered.append((axis, k))
            else:
                if not -d <= k < d:
                    raise IndexError(f"index {k} is out of bounds for axis {axis} with size {d} "
                                     f"(a tensor of shape {x.shape})")
                starts[axis], sizes[axis] = k % d, 1
        elif isinstance(d, Sym):
            if k.step in (None, 1) and k.start in (None, 0) and k.stop is None:
                pass
            elif k.step == -1 and k.start in (None, -1) and k.stop is None:
                reversed_axes.append(axis)
            else:
                # a size computed at run time (Cropping's x[:, 2:-1] over a None axis)
                starts[axis], steps[axis], sizes[axis] = S.symbolic_slice(
                    d, k.start, k.stop, k.step, f"the symbolic axis {axis} of a tensor of shape {x.shape}")
            final_shape.append(sizes[axis])
        else:
            begin, end, stride = k.indices(d)
            size = len(range(begin, end, stride))
            starts[axis], steps[axis], sizes[axis] = (begin if size else 0), stride, size
            final_shape.append(size)
        axis += 1

    node = x.node
    if tuple(sizes) != shape or any(s != 1 for s in steps):
        node = apply("slice", [node], starts=tuple(starts), steps=tuple(steps), sizes=tuple(sizes))
    if reversed_axes:
        node = apply("reverse", [node], axes=tuple(reversed_axes))
    # Ints on symbolic axes gather one row, after moving the axis to the front; taking the
    # highest axis first leaves the positions of the others unchanged.
    for a, k in sorted(gathered, reverse=True):
        if a:
            perm = (a,) + tuple(i for i in range(node.ndim) if i != a)
            node = apply("transpose", [node], perm=perm)
        row = apply("gather", [node, array_constant(np.array([k], np.int64))])
        node = S.reshape(row, row.shape[1:])
    if tuple(final_shape) != node.shape:
        node = S.reshape(node, final_shape)
    out = _t(node)
    known = known_dims(x)
    if known is not None and x.ndim == 1 and len(key) == 1 and len(known) == shape[0]:
        k = key[0]
        _with_dims(out, (known[k],) if isinstance(k, (int, np.integer)) else known[k])
    return out
