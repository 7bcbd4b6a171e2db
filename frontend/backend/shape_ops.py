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
from keralite.compiler.ir.shapes import Sym, numel, shape_str
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
    x = to_tensor(x)
    return _t(apply("transpose", [x.node], perm=tuple(int(p) for p in pattern)))


def expand_dims(x, axis=-1):
    x = to_tensor(x)
    axis = _axis(axis, x.ndim + 1, "expand_dims")
    shape = list(x.node.shape)
    shape.insert(axis, 1)
    return _t(S.reshape(x.node, shape))


def squeeze(x, axis):
    x = to_tensor(x)
    axis = _axis(axis, x.ndim, "squeeze")
    if x.node.shape[axis] != 1:
        raise ValueError(f"squeeze: axis {axis} of a tensor of shape {x.shape} has size "
                         f"{x.shape[axis]}, not 1")
    shape = [d for i, d in enumerate(x.node.shape) if i != axis]
    return _t(S.reshape(x.node, shape))


def flatten(x):
    x = to_tensor(x)
    return _t(S.reshape(x.node, (numel(x.node.shape),)))


def batch_flatten(x):
    """(batch, ...) -> (batch, prod(...))."""
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
    """Concatenation along an axis whose size is known only at run time (the batch axis,
    as Keras' merge tests use it): the tensors are stacked on a new axis before `axis`
    and the two axes merged, which puts them one after the other. The compiler's sizes
    are products of symbols, never sums, so every tensor must have the same run-time
    size on `axis` (checked when the function runs)."""
    sizes = [n.shape[axis] for n in nodes]
    if not all(isinstance(d, Sym) for d in sizes):
        raise NotImplementedError(
            f"concatenate: joining a tensor whose axis {axis} has a size known only at run time "
            f"with one whose size is fixed ({', '.join(shape_str(n.shape) for n in nodes)}) is not "
            "supported by keralite")
    stacked = [S.reshape(n, list(n.shape[:axis]) + [1] + list(n.shape[axis:])) for n in nodes]
    joined = apply("concatenate", stacked, axis=axis)
    shape = list(nodes[0].shape)
    shape[axis] = sizes[0] * len(nodes)
    return S.reshape(joined, shape)


def stack(x, axis=0):
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
    """Each slice along `axis` repeated `rep` times, as np.repeat."""
    x = to_tensor(x)
    axis = _axis(axis, x.ndim, "repeat_elements")
    rep = int(rep)
    shape = x.node.shape
    expanded = S.reshape(x.node, shape[:axis + 1] + (1,) + shape[axis + 1:])
    tiled = apply("broadcast_to", [expanded], shape=shape[:axis + 1] + (rep,) + shape[axis + 1:])
    new = shape[axis] * rep
    return _t(S.reshape(tiled, shape[:axis] + (new,) + shape[axis + 1:]))


def repeat(x, n):
    """(batch, dim) -> (batch, n, dim)."""
    x = to_tensor(x)
    if x.ndim != 2:
        raise ValueError(f"repeat: needs a 2D tensor, got shape {x.shape}")
    n = _dim(n, "repeat")
    b, d = x.node.shape
    return _t(apply("broadcast_to", [S.reshape(x.node, (b, 1, d))], shape=(b, n, d)))


def tile(x, n):
    """x repeated n[i] times along axis i (an int n tiles the last axis, as np.tile)."""
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
    """start, start + step, ... up to stop (excluded); arange(n) is 0 .. n-1."""
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
    """(...) integer indices -> (..., num_classes) float32 one-hot (as tf.one_hot)."""
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
    return _pad(x, [(0, 0), _pair(padding, "temporal_padding"), (0, 0)])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    if len(padding) != 2:
        raise ValueError(f"spatial_2d_padding: needs 2 (before, after) pairs, got {padding}")
    spatial = [_pair(p, "spatial_2d_padding") for p in padding]
    if _padding_format(data_format) == "channels_first":
        return _pad(x, [(0, 0), (0, 0)] + spatial)
    return _pad(x, [(0, 0)] + spatial + [(0, 0)])


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
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
    """Nearest-neighbour upsampling of a 4D tensor by integer factors."""
    axes = _resize_axes(data_format, (2, 3), (1, 2))
    for factor, axis in zip((height_factor, width_factor), axes):
        x = repeat_elements(x, factor, axis)
    return x


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Nearest-neighbour upsampling of a 5D tensor by integer factors."""
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
                raise NotImplementedError(
                    f"slicing the symbolic axis {axis} of a tensor of shape {x.shape} with {k} is not "
                    "supported (only ':', '::-1' and int indices are)")
            final_shape.append(d)
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
