"""Shape functions of the backend: reshape, permute, concatenate, padding, repeats,
resizing, stacking, one-hot, reversing and numpy-style indexing."""
import numpy as np

from keralite.compiler.ir.shapes import Sym, numel
from keralite.compiler.ops import shape as S
from keralite.compiler.ops import elementwise as E
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, cast
from . import config


def _t(node):
    return Tensor(node)


def _static(d):
    """A dim from an int, None/-1, or an item of K.shape(x)."""
    if isinstance(d, Tensor):
        dims = getattr(d, "_static_dims", None)
        if dims is not None and len(dims) == 1:
            return dims[0]
        raise NotImplementedError("reshape to a shape computed at run time is not supported; "
                                  "use K.shape(x)[i] items or static sizes")
    if d is None:
        return -1
    if isinstance(d, Sym):
        return d
    return int(d)


def reshape(x, shape):
    x = to_tensor(x)
    if isinstance(shape, Tensor):
        dims = getattr(shape, "_static_dims", None)
        if dims is None:
            raise NotImplementedError("reshape to a shape computed at run time is not supported")
        shape = dims
    else:
        shape = [_static(d) for d in shape]
    return _t(S.reshape(x.node, shape))


def permute_dimensions(x, pattern):
    x = to_tensor(x)
    return _t(apply("transpose", [x.node], perm=tuple(int(p) for p in pattern)))


def concatenate(tensors, axis=-1):
    tensors = [to_tensor(t) for t in tensors]
    rank = tensors[0].ndim
    axis = axis % rank if rank else 0
    if len(tensors) == 1:
        return tensors[0]
    dtype = tensors[0].node.dtype
    for t in tensors[1:]:
        if t.node.dtype is not dtype:
            from keralite.compiler.ir import dtypes
            dtype = dtypes.promote(dtype, t.node.dtype)
    nodes = [t.node if t.node.dtype is dtype else cast(t, dtype.name).node for t in tensors]
    return _t(apply("concatenate", nodes, axis=axis))


def expand_dims(x, axis=-1):
    x = to_tensor(x)
    if axis < 0:
        axis = axis + x.ndim + 1
    shape = list(x.node.shape)
    shape.insert(axis, 1)
    return _t(S.reshape(x.node, shape))


def squeeze(x, axis):
    x = to_tensor(x)
    axis = axis % x.ndim
    if x.node.shape[axis] != 1:
        raise ValueError(f"squeeze: axis {axis} of a tensor of shape {x.shape} has size {x.shape[axis]}, not 1")
    shape = [d for i, d in enumerate(x.node.shape) if i != axis]
    return _t(S.reshape(x.node, shape))


def flatten(x):
    x = to_tensor(x)
    return _t(S.reshape(x.node, (numel(x.node.shape),)))


def batch_flatten(x):
    """(batch, ...) -> (batch, prod(...))."""
    x = to_tensor(x)
    return _t(S.reshape(x.node, (x.node.shape[0], numel(x.node.shape[1:]))))


def repeat_elements(x, rep, axis):
    """Each slice along `axis` repeated `rep` times, as np.repeat."""
    x = to_tensor(x)
    axis = axis % x.ndim
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
    b, d = x.node.shape
    return _t(apply("broadcast_to", [S.reshape(x.node, (b, 1, d))], shape=(b, n, d)))


def tile(x, n):
    x = to_tensor(x)
    if isinstance(n, int):
        n = [n]
    n = [int(k) for k in n]
    if len(n) < x.ndim:
        n = [1] * (x.ndim - len(n)) + n
    node = x.node
    if len(n) > x.ndim:
        node = S.reshape(node, (1,) * (len(n) - x.ndim) + node.shape)
    shape = node.shape
    inter, target = [], []
    for k, d in zip(n, shape):
        inter += [1, d]
        target += [k, d]
    expanded = S.reshape(node, inter)
    tiled = apply("broadcast_to", [expanded], shape=tuple(target))
    return _t(S.reshape(tiled, tuple(k * d for k, d in zip(n, shape))))


def arange(start, stop=None, step=1, dtype="int32"):
    if stop is None:
        start, stop = 0, start
    count = max(0, int(np.ceil((stop - start) / step)))
    i = apply("iota", [], shape=(count,), axis=0, dtype="float64" if (
        isinstance(start, float) or isinstance(step, float)) else "int64")
    d = i.dtype
    value = E._ew("add", E._ew("mul", i, E.scalar(step, d)), E.scalar(start, d))
    return cast(_t(value), dtype)


def stack(x, axis=0):
    tensors = [to_tensor(t) for t in x]
    rank = tensors[0].ndim + 1
    axis = axis % rank
    return concatenate([expand_dims(t, axis) for t in tensors], axis=axis)


def one_hot(indices, num_classes):
    """(..., ) int indices -> (..., num_classes) floatx one-hot."""
    indices = to_tensor(indices)
    shape = indices.node.shape + (num_classes,)
    idx = S.reshape(indices.node, indices.node.shape + (1,))
    cls = apply("iota", [], shape=(num_classes,), axis=0, dtype=indices.node.dtype.name
                if indices.node.dtype.is_int else "int64")
    hit = apply("eq", [apply("broadcast_to", [idx], shape=shape), cls])
    return cast(_t(hit), config.floatx())


def reverse(x, axes):
    x = to_tensor(x)
    if isinstance(axes, int):
        axes = [axes]
    return _t(apply("reverse", [x.node], axes=tuple(sorted(a % x.ndim for a in axes))))


def _pad(x, pads):
    x = to_tensor(x)
    if not any(lo or hi for lo, hi in pads):
        return x
    return _t(apply("pad", [x.node], pads=tuple((int(lo), int(hi)) for lo, hi in pads)))


def temporal_padding(x, padding=(1, 1)):
    return _pad(x, [(0, 0), tuple(padding), (0, 0)])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    data_format = data_format or config.image_data_format()
    _check_format(data_format)
    if data_format == "channels_first":
        return _pad(x, [(0, 0), (0, 0), tuple(padding[0]), tuple(padding[1])])
    return _pad(x, [(0, 0), tuple(padding[0]), tuple(padding[1]), (0, 0)])


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    data_format = data_format or config.image_data_format()
    _check_format(data_format)
    spatial = [tuple(p) for p in padding]
    if data_format == "channels_first":
        return _pad(x, [(0, 0), (0, 0)] + spatial)
    return _pad(x, [(0, 0)] + spatial + [(0, 0)])


def _check_format(data_format):
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Unknown data_format: " + str(data_format))


def resize_images(x, height_factor, width_factor, data_format):
    """Nearest-neighbour upsampling by integer factors."""
    _check_format(data_format)
    h_axis, w_axis = (2, 3) if data_format == "channels_first" else (1, 2)
    return repeat_elements(repeat_elements(x, height_factor, h_axis), width_factor, w_axis)


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    _check_format(data_format)
    axes = (2, 3, 4) if data_format == "channels_first" else (1, 2, 3)
    for factor, axis in zip((depth_factor, height_factor, width_factor), axes):
        x = repeat_elements(x, factor, axis)
    return x


def getitem(x, key):
    """numpy-style basic indexing: ints, slices, None and Ellipsis."""
    x = to_tensor(x)
    if not isinstance(key, tuple):
        key = (key,)
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis")
    n_index = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_index > x.ndim:
        raise IndexError(f"too many indices for a tensor of rank {x.ndim}")
    if Ellipsis in key:
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (x.ndim - n_index) + key[i + 1:]
    key = key + (slice(None),) * (x.ndim - n_index)
    node = x.node
    axis = 0
    final_shape = []
    for k in key:
        if k is None:
            final_shape.append(1)
            continue
        d = node.shape[axis]
        if isinstance(k, Tensor):
            raise NotImplementedError("indexing with a tensor is not supported; use K.gather")
        if isinstance(k, (int, np.integer)):
            if isinstance(d, Sym):
                raise NotImplementedError("integer indexing into a symbolic (batch) axis is not supported")
            k = int(k)
            if not -d <= k < d:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {d}")
            k %= d
            static = getattr(x, "_static_dims", None)
            node = S.slice_axis(node, axis, k, k + 1)
            if static is not None and x.ndim == 1 and len(key) == 1:
                out = _t(S.reshape(node, ()))
                out._static_dims = (static[k],)
                return out
        elif isinstance(k, slice):
            node = S.slice_axis(node, axis, k.start, k.stop, k.step)
            final_shape.append(node.shape[axis])
        else:
            raise TypeError(f"unsupported index {k!r}")
        axis += 1
    if tuple(final_shape) != node.shape:
        node = S.reshape(node, final_shape)
    return _t(node)
