"""Convolutions and pooling of the backend, with Keras 2.1.6's signatures and the
TensorFlow backend's meaning: cross-correlation, kernels laid out (*window, in, out),
'same' padding split as TF does (the odd element after), average pooling over the
valid elements only.

The compiler's ops work channels last; with data_format='channels_first' the input is
transposed to channels last and the result back. Convolutions and pooling take spatial
axes whose size is known only at run time (a time axis left None): the output length is
then a size the compiled graph computes when it runs (compiler/ir/derived.py), and an
input shorter than the window raises a ValueError there. The other ops here (transposed,
depthwise, separable and locally connected convolutions) need known spatial sizes.
"""
import numpy as np

from keralite.compiler.ir.shapes import Sym, shape_str
from keralite.compiler.ops import conv as C
from keralite.compiler.ops import pool as P
from keralite.compiler.ops import shape as S
from keralite.compiler.ops import reduce as R
from keralite.compiler.ops.linalg import matmul
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor
from .narrow_dtypes import keep_float16
from .shape_ops import known_dims
from . import config


def _t(node):
    return Tensor(node)


# ------------------------------------------------------------------ arguments
def _data_format(data_format):
    if data_format is None:
        data_format = config.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Unknown data_format: " + str(data_format))
    return data_format


def _padding(padding, allowed=("valid", "same")):
    if padding not in allowed:
        raise ValueError("Invalid padding: " + str(padding))
    return padding


def _ints(value, rank, name, what):
    """An int or `rank` ints as a tuple of `rank` ints."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"{what}: `{name}` needs {rank} values, got {value}")
    return value


def _input(x, rank, data_format, what, unknown_sizes=False):
    """x as a channels-last node, checked to have `rank` spatial dims, known ones unless
    `unknown_sizes` (convolutions and pooling take axes of run-time size)."""
    x = to_tensor(x)
    if x.ndim != rank + 2:
        raise ValueError(f"{what}: expected an input of rank {rank + 2}, got shape {x.shape}")
    node = x.node
    if data_format == "channels_first":
        node = apply("transpose", [node], perm=(0,) + tuple(range(2, rank + 2)) + (1,))
    if not unknown_sizes and any(isinstance(d, Sym) for d in node.shape[1:-1]):
        raise NotImplementedError(f"{what}: spatial dims must be known when the graph is built; got an "
                                  f"input of shape {x.shape}")
    return node


def _half(out, *operands):
    """`out` rounded to float16 (and declared so) when every operand is float16: TF
    accumulates a float16 convolution in float32 and rounds its result once."""
    return keep_float16(out, [to_tensor(o) for o in operands])


def _output(node, data_format):
    if data_format == "channels_first":
        rank = node.ndim - 2
        node = apply("transpose", [node], perm=(0, rank + 1) + tuple(range(1, rank + 1)))
    return _t(node)


def _kernel(kernel, rank, what, role="kernel"):
    kernel = to_tensor(kernel)
    if kernel.ndim != rank + 2:
        raise ValueError(f"{what}: expected a {role} of rank {rank + 2}, got shape {kernel.shape}")
    return kernel.node


# ------------------------------------------------------------------ convolutions
def _conv(x, kernel, rank, strides, padding, data_format, dilation_rate, what, paddings=("valid", "same")):
    data_format = _data_format(data_format)
    padding = _padding(padding, paddings)
    node = _input(x, rank, data_format, what, unknown_sizes=True)
    w = _kernel(kernel, rank, what)
    strides = _ints(strides, rank, "strides", what)
    dilation = _ints(dilation_rate, rank, "dilation_rate", what)
    window = w.shape[:rank]
    pads = C.padding_pairs(padding, node.shape[1:-1], window, strides, dilation)
    return _half(_output(C.conv(node, w, strides, dilation, pads), data_format), x, kernel)


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """A 1D convolution of `x` with `kernel`.

    This is a cross-correlation (the kernel is not flipped), as in TensorFlow, and
    'same' padding puts the odd padding element after, as TensorFlow does.

    # Arguments
        x: a 3-D tensor (batch, steps, channels), or (batch, channels, steps)
            with 'channels_first'.
        kernel: a 3-D tensor (width, input channels, filters).
        strides: an int (or a 1-tuple), the step between windows.
        padding: 'valid', 'same' or 'causal' (padding before the steps only, so the
            output at step t sees inputs up to t).
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.
        dilation_rate: an int (or a 1-tuple), the spacing between kernel taps.

    # Returns
        A 3-D Tensor in `data_format`, with `filters` channels.

    # Raises
        ValueError: for an unknown `padding` or `data_format`, or inputs of the
            wrong rank.
    """
    return _conv(x, kernel, 1, strides, padding, data_format, dilation_rate, "conv1d",
                 ("valid", "same", "causal"))


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """A 2D convolution of `x` with `kernel`.

    This is a cross-correlation (the kernel is not flipped), as in TensorFlow, and
    'same' padding puts the odd padding element after, as TensorFlow does.

    # Arguments
        x: a 4-D tensor (batch, rows, cols, channels), or (batch, channels, rows,
            cols) with 'channels_first'.
        kernel: a 4-D tensor (rows, cols, input channels, filters).
        strides: an int or 2 ints, the step between windows.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.
        dilation_rate: an int or 2 ints, the spacing between kernel taps.

    # Returns
        A 4-D Tensor in `data_format`, with `filters` channels.

    # Raises
        ValueError: for an unknown `padding` or `data_format`, or inputs of the
            wrong rank.
    """
    return _conv(x, kernel, 2, strides, padding, data_format, dilation_rate, "conv2d")


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    """A 3D convolution of `x` with `kernel`.

    This is a cross-correlation (the kernel is not flipped), as in TensorFlow, and
    'same' padding puts the odd padding element after, as TensorFlow does.

    # Arguments
        x: a 5-D tensor (batch, depth, rows, cols, channels), or channels second
            with 'channels_first'.
        kernel: a 5-D tensor (depth, rows, cols, input channels, filters).
        strides: an int or 3 ints, the step between windows.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.
        dilation_rate: an int or 3 ints, the spacing between kernel taps.

    # Returns
        A 5-D Tensor in `data_format`, with `filters` channels.

    # Raises
        ValueError: for an unknown `padding` or `data_format`, or inputs of the
            wrong rank.
    """
    return _conv(x, kernel, 3, strides, padding, data_format, dilation_rate, "conv3d")


def _static_dims(output_shape, what):
    """The entries of an output shape given as a list (ints, None, items of K.shape)
    or as a shape tensor; None where the size is not known now."""
    if isinstance(output_shape, Tensor):
        dims = known_dims(output_shape)
        if dims is None:
            raise NotImplementedError(f"{what}: an output_shape computed at run time is not supported")
        return [None if isinstance(d, Sym) else d for d in dims]
    dims = []
    for d in output_shape:
        if isinstance(d, Tensor):
            known = known_dims(d)
            d = None if known is None or isinstance(known[0], Sym) else known[0]
        dims.append(None if d is None else int(d))
    return dims


def _conv_transpose(x, kernel, output_shape, rank, strides, padding, data_format, what):
    """The gradient of a convolution w.r.t. its input: windows x W^T added back into a
    padded output, the padding then cut off. kernel is (*window, out, in)."""
    data_format = _data_format(data_format)
    padding = _padding(padding)
    node = _input(x, rank, data_format, what)
    w = _kernel(kernel, rank, what)
    strides = _ints(strides, rank, "strides", what)
    dims = _static_dims(output_shape, what)
    if len(dims) != rank + 2:
        raise ValueError(f"{what}: output_shape needs {rank + 2} entries, got {list(output_shape)}")
    if data_format == "channels_first":
        dims = [dims[0]] + dims[2:] + [dims[1]]
    spatial = dims[1:-1]
    if any(d is None for d in spatial):
        raise NotImplementedError(f"{what}: the spatial dims of output_shape must be known, got {dims}")
    window, out_channels, in_channels = w.shape[:rank], w.shape[rank], w.shape[rank + 1]
    if in_channels != node.shape[-1]:
        raise ValueError(f"{what}: kernel of shape {shape_str(w.shape)} takes {in_channels} input channels, "
                         f"the input {shape_str(node.shape)} has {node.shape[-1]}")
    if dims[-1] is not None and dims[-1] != out_channels:
        raise ValueError(f"{what}: output_shape {dims} asks for {dims[-1]} channels, the kernel of shape "
                         f"{shape_str(w.shape)} gives {out_channels}")
    ones = (1,) * rank
    pads = C.padding_pairs(padding, spatial, window, strides, ones)
    counts = tuple(C.window_count(s, k, st, 1, p) for s, k, st, p in zip(spatial, window, strides, pads))
    if counts != tuple(node.shape[1:-1]):
        raise ValueError(f"{what}: an output of spatial size {tuple(spatial)} with window {tuple(window)}, "
                         f"strides {strides} and padding '{padding}' corresponds to an input of spatial "
                         f"size {counts}, not {tuple(node.shape[1:-1])}")
    rows = S.reshape(node, (-1, in_channels))
    kernel_matrix = S.reshape(w, (int(np.prod(window)) * out_channels, in_channels))
    windows = S.reshape(matmul(rows, kernel_matrix, transpose_b=True),
                        node.shape[:-1] + tuple(window) + (out_channels,))
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    out = C.scatter_patches(windows, padded, strides, ones)
    if any(p != (0, 0) for p in pads):
        starts = (0,) + tuple(lo for lo, _ in pads) + (0,)
        out = apply("slice", [out], starts=starts, steps=(1,) * out.ndim,
                    sizes=(out.shape[0],) + tuple(spatial) + (out_channels,))
    return _half(_output(out, data_format), x, kernel)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None):
    """A transposed 2D convolution (the gradient of `conv2d` with respect to
    its input), which the Conv2DTranspose layer uses to upsample.

    The output size cannot be inferred from the input alone, so `output_shape`
    states it; it must be one that a convolution with the same window, strides
    and padding maps back to the size of `x`.

    # Arguments
        x: a 4-D tensor (batch, rows, cols, channels), or (batch, channels, rows,
            cols) with 'channels_first'.
        kernel: a 4-D tensor (rows, cols, output channels, input channels),
            the layout TensorFlow uses for transposed convolutions.
        output_shape: the shape of the result, 4 entries in
            `data_format`: ints, None or items of `K.shape`, or a shape tensor
            built from them; the spatial sizes must be known.
        strides: an int or 2 ints.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.

    # Returns
        A 4-D Tensor of shape `output_shape`.

    # Raises
        ValueError: for an unknown `padding` or `data_format`, shapes of the
            wrong rank, channel counts that do not match the kernel, or an
            `output_shape` that does not correspond to the input size.
        NotImplementedError: if a spatial size of `output_shape`, or of `x`, is
            known only at run time.
    """
    return _conv_transpose(x, kernel, output_shape, 2, strides, padding, data_format, "conv2d_transpose")


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid", data_format=None):
    """A transposed 3D convolution (the gradient of `conv3d` with respect to
    its input), which the Conv3DTranspose layer uses to upsample.

    The output size cannot be inferred from the input alone, so `output_shape`
    states it; it must be one that a convolution with the same window, strides
    and padding maps back to the size of `x`.

    # Arguments
        x: a 5-D tensor (batch, depth, rows, cols, channels), or channels second
            with 'channels_first'.
        kernel: a 5-D tensor (depth, rows, cols, output channels, input channels),
            the layout TensorFlow uses for transposed convolutions.
        output_shape: the shape of the result, 5 entries in
            `data_format`: ints, None or items of `K.shape`, or a shape tensor
            built from them; the spatial sizes must be known.
        strides: an int or 3 ints.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.

    # Returns
        A 5-D Tensor of shape `output_shape`.

    # Raises
        ValueError: for an unknown `padding` or `data_format`, shapes of the
            wrong rank, channel counts that do not match the kernel, or an
            `output_shape` that does not correspond to the input size.
        NotImplementedError: if a spatial size of `output_shape`, or of `x`, is
            known only at run time.
    """
    return _conv_transpose(x, kernel, output_shape, 3, strides, padding, data_format, "conv3d_transpose")


def _depthwise(node, kernel, strides, padding, dilation, what):
    """Each input channel convolved with its own `depth_multiplier` filters: kernel
    (*window, C, M) gives C*M channels, channel c*M + m from filter m of channel c."""
    rank = node.ndim - 2
    w = _kernel(kernel, rank, what, "depthwise kernel")
    channels, multiplier = w.shape[-2], w.shape[-1]
    if channels != node.shape[-1]:
        raise ValueError(f"{what}: depthwise kernel of shape {shape_str(w.shape)} is for {channels} channels, "
                         f"the input {shape_str(node.shape)} has {node.shape[-1]}")
    window = tuple(w.shape[:rank])
    pads = C.padding_pairs(padding, node.shape[1:-1], window, strides, dilation)
    if any(p != (0, 0) for p in pads):
        node = apply("pad", [node], pads=((0, 0),) + pads + ((0, 0),))
    windows = C.patches(node, window, strides, dilation)            # (N, *O, *K, C)
    window_axes = list(range(1 + rank, 1 + 2 * rank))
    if multiplier == 1:
        product = apply("mul", [windows, S.reshape(w, window + (channels,))])
        return R.reduce("sum", product, window_axes)
    product = apply("mul", [S.reshape(windows, windows.shape + (1,)), w])  # (N, *O, *K, C, M)
    summed = R.reduce("sum", product, window_axes)                        # (N, *O, C, M)
    return S.reshape(summed, summed.shape[:-2] + (channels * multiplier,))


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """A depthwise 2D convolution: each input channel convolved with its own filters.

    Channel `c * multiplier + m` of the result comes from filter `m` of input
    channel `c`, the order TensorFlow uses.

    # Arguments
        x: a 4-D tensor (batch, rows, cols, channels), or (batch, channels, rows,
            cols) with 'channels_first'.
        depthwise_kernel: a 4-D tensor (rows, cols, input channels, depth
            multiplier).
        strides: an int or 2 ints, the step between windows.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.
        dilation_rate: an int or 2 ints, the spacing between kernel taps.

    # Returns
        A 4-D Tensor in `data_format`, with input channels * depth multiplier
        channels.

    # Raises
        ValueError: for an unknown `padding` or `data_format`, or a kernel that
            does not match the input.
        NotImplementedError: if a spatial size of `x` is known only at run time.
    """
    data_format = _data_format(data_format)
    node = _input(x, 2, data_format, "depthwise_conv2d")
    out = _depthwise(node, depthwise_kernel, _ints(strides, 2, "strides", "depthwise_conv2d"),
                     _padding(padding), _ints(dilation_rate, 2, "dilation_rate", "depthwise_conv2d"),
                     "depthwise_conv2d")
    return _half(_output(out, data_format), x, depthwise_kernel)


def _separable(x, depthwise_kernel, pointwise_kernel, rank, strides, padding, data_format, dilation_rate,
               what):
    data_format = _data_format(data_format)
    node = _input(x, rank, data_format, what)
    depthwise = _depthwise(node, depthwise_kernel, _ints(strides, rank, "strides", what), _padding(padding),
                           _ints(dilation_rate, rank, "dilation_rate", what), what)
    pointwise = _kernel(pointwise_kernel, rank, what, "pointwise kernel")
    ones = (1,) * rank
    out = C.conv(depthwise, pointwise, ones, ones, ((0, 0),) * rank)
    return _half(_output(out, data_format), x, depthwise_kernel, pointwise_kernel)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                     dilation_rate=1):
    """A depthwise separable 1D convolution: each input channel convolved
    separately, then a 1x1 convolution mixing the channels.

    # Arguments
        x: a 3-D tensor (batch, steps, channels), or (batch, channels, steps)
            with 'channels_first'.
        depthwise_kernel: a 3-D tensor (width, input channels,
            depth multiplier).
        pointwise_kernel: a 3-D tensor (1, input channels *
            depth multiplier, filters).
        strides: an int (or a 1-tuple), for the depthwise step.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.
        dilation_rate: an int (or a 1-tuple), for the depthwise step.

    # Returns
        A 3-D Tensor in `data_format`, with `filters` channels.

    # Raises
        ValueError: for an unknown `padding` or `data_format`, or kernels that do
            not match the input.
        NotImplementedError: if a spatial size of `x` is known only at run time.
    """
    return _separable(x, depthwise_kernel, pointwise_kernel, 1, strides, padding, data_format, dilation_rate,
                      "separable_conv1d")


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """A depthwise separable 2D convolution: each input channel convolved
    separately, then a 1x1 convolution mixing the channels.

    # Arguments
        x: a 4-D tensor (batch, rows, cols, channels), or (batch, channels, rows,
            cols) with 'channels_first'.
        depthwise_kernel: a 4-D tensor (rows, cols, input channels,
            depth multiplier).
        pointwise_kernel: a 4-D tensor (1, 1, input channels *
            depth multiplier, filters).
        strides: an int or 2 ints, for the depthwise step.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.
        dilation_rate: an int or 2 ints, for the depthwise step.

    # Returns
        A 4-D Tensor in `data_format`, with `filters` channels.

    # Raises
        ValueError: for an unknown `padding` or `data_format`, or kernels that do
            not match the input.
        NotImplementedError: if a spatial size of `x` is known only at run time.
    """
    return _separable(x, depthwise_kernel, pointwise_kernel, 2, strides, padding, data_format, dilation_rate,
                      "separable_conv2d")


# ------------------------------------------------------------------ locally connected
def _local(inputs, kernel, kernel_size, strides, rank, data_format, what):
    """Unshared weights: one (window * channels, filters) matrix per output position.
    The window's features are ordered as Keras slices them: (*window, channels) for
    channels_last, (channels, *window) for channels_first."""
    data_format = _data_format(data_format)
    node = _input(inputs, rank, data_format, what)
    w = to_tensor(kernel).node
    window = _ints(kernel_size, rank, "kernel_size", what)
    strides = _ints(strides, rank, "strides", what)
    windows = C.patches(node, window, strides, (1,) * rank)                  # (N, *O, *K, C)
    counts = windows.shape[1:1 + rank]
    positions, features = int(np.prod(counts)), int(np.prod(window)) * node.shape[-1]
    if w.ndim != 3 or w.shape[0] != positions or w.shape[1] != features:
        raise ValueError(f"{what}: expected a kernel of shape ({positions}, {features}, filters) for an input "
                         f"of shape {shape_str(node.shape)}, got {shape_str(w.shape)}")
    if data_format == "channels_first":
        perm = tuple(range(1 + rank)) + (2 * rank + 1,) + tuple(range(1 + rank, 1 + 2 * rank))
        windows = apply("transpose", [windows], perm=perm)
    rows = S.reshape(windows, (windows.shape[0], positions, features))
    per_position = apply("transpose", [rows], perm=(1, 0, 2))              # (P, N, F)
    out = matmul(per_position, w)                                           # (P, N, filters)
    out = apply("transpose", [out], perm=(1, 0, 2))
    return _half(_output(S.reshape(out, (out.shape[0],) + counts + (w.shape[-1],)), data_format), inputs, kernel)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """A 1D convolution with unshared weights: each output position has its own
    filters, as the LocallyConnected layers use.

    The features of a window are ordered as Keras orders them: window then
    channels for 'channels_last', channels then window for 'channels_first'.

    # Arguments
        inputs: a 3-D tensor (batch, steps, channels), or (batch, channels, steps)
            with 'channels_first'.
        kernel: a 3-D tensor (output positions, window size * input channels,
            filters).
        kernel_size: an int (or a 1-tuple), the window.
        strides: an int (or a 1-tuple), the step between windows.
        data_format: 'channels_last' or 'channels_first'; None uses
            'channels_last' here, whatever `image_data_format()` says.

    # Returns
        A 3-D Tensor in `data_format`, with `filters` channels.

    # Raises
        ValueError: for an unknown `data_format` or a kernel whose shape does not
            match the input.
        NotImplementedError: if a spatial size of `inputs` is known only at run
            time.
    """
    return _local(inputs, kernel, kernel_size, strides, 1, data_format or "channels_last", "local_conv1d")


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """A 2D convolution with unshared weights: each output position has its own
    filters, as the LocallyConnected layers use.

    The features of a window are ordered as Keras orders them: window then
    channels for 'channels_last', channels then window for 'channels_first'.

    # Arguments
        inputs: a 4-D tensor (batch, rows, cols, channels), or (batch, channels, rows,
            cols) with 'channels_first'.
        kernel: a 3-D tensor (output positions, window size * input channels,
            filters).
        kernel_size: an int or 2 ints, the window.
        strides: an int or 2 ints, the step between windows.
        output_shape: the spatial size of the output (rows, cols); accepted for
            Keras compatibility, as it follows from the input, window and
            strides.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.

    # Returns
        A 4-D Tensor in `data_format`, with `filters` channels.

    # Raises
        ValueError: for an unknown `data_format` or a kernel whose shape does not
            match the input.
        NotImplementedError: if a spatial size of `inputs` is known only at run
            time.
    """
    return _local(inputs, kernel, kernel_size, strides, 2, data_format, "local_conv2d")


# ------------------------------------------------------------------ pooling
def _pool(x, pool_size, strides, padding, data_format, pool_mode, rank, what):
    data_format = _data_format(data_format)
    padding = _padding(padding)
    if pool_mode not in ("max", "avg"):
        raise ValueError("Invalid pooling mode: " + str(pool_mode))
    node = _input(x, rank, data_format, what, unknown_sizes=True)
    window = _ints(pool_size, rank, "pool_size", what)
    strides = _ints(strides, rank, "strides", what)
    pads = C.padding_pairs(padding, node.shape[1:-1], window, strides, (1,) * rank)
    out = _output(P.pool(pool_mode, node, window, strides, pads), data_format)
    # a maximum of float16 values is one of them; an average is rounded as TF's is
    return _half(out, x) if pool_mode == "avg" else out


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2D max or average pooling.

    With 'same' padding an average counts only the elements inside the input,
    as TensorFlow's does.

    # Arguments
        x: a 4-D tensor (batch, rows, cols, channels), or (batch, channels, rows,
            cols) with 'channels_first'.
        pool_size: an int or 2 ints, the window.
        strides: an int or 2 ints, the step between windows.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.
        pool_mode: 'max' or 'avg'.

    # Returns
        A 4-D Tensor in `data_format`.

    # Raises
        ValueError: for an unknown `padding`, `data_format` or `pool_mode`, or an
            input of the wrong rank; when the function runs, for an input
            shorter than the window with 'valid' padding.
    """
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, 2, "pool2d")


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    """3D max or average pooling.

    With 'same' padding an average counts only the elements inside the input,
    as TensorFlow's does.

    # Arguments
        x: a 5-D tensor (batch, depth, rows, cols, channels), or channels second
            with 'channels_first'.
        pool_size: an int or 3 ints, the window.
        strides: an int or 3 ints, the step between windows.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`.
        pool_mode: 'max' or 'avg'.

    # Returns
        A 5-D Tensor in `data_format`.

    # Raises
        ValueError: for an unknown `padding`, `data_format` or `pool_mode`, or an
            input of the wrong rank; when the function runs, for an input
            shorter than the window with 'valid' padding.
    """
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, 3, "pool3d")
