"""Argument normalisation and output-length arithmetic shared by the convolution and
pooling layers (keras.utils.conv_utils)."""
import numpy as np

from .. import backend as K


def normalize_tuple(value, n, name):
    """An int or an iterable of `n` ints as a tuple of `n` ints; `name` goes into errors."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    message = "The `" + name + "` argument must be a tuple of " + str(n) + " integers. Received: " + str(value)
    try:
        value_tuple = tuple(value)
    except TypeError:
        raise ValueError(message)
    if len(value_tuple) != n:
        raise ValueError(message)
    for item in value_tuple:
        try:
            int(item)
        except (ValueError, TypeError):
            raise ValueError(message + " including element " + str(item) + " of type " + str(type(item)))
    return value_tuple


def normalize_padding(value):
    if not isinstance(value, str):
        raise ValueError("The `padding` argument must be one of \"valid\", \"same\" (or \"causal\" for "
                         "Conv1D). Received: " + repr(value))
    padding = value.lower()
    if padding not in {"valid", "same", "causal"}:
        raise ValueError("The `padding` argument must be one of \"valid\", \"same\" (or \"causal\" for "
                         "Conv1D). Received: " + str(padding))
    return padding


def normalize_data_format(value):
    """None means the global `K.image_data_format()`."""
    if value is None:
        value = K.image_data_format()
    if not isinstance(value, str):
        raise ValueError("The `data_format` argument must be one of \"channels_first\", \"channels_last\". "
                         "Received: " + repr(value))
    data_format = value.lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of \"channels_first\", \"channels_last\". "
                         "Received: " + str(value))
    return data_format


def convert_kernel(kernel):
    """Flip a 1D/2D/3D kernel along its spatial axes (the last two axes, input and
    output channels, are kept): converts between convolution and correlation kernels."""
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError("Invalid kernel shape:", kernel.shape)
    spatial_flip = tuple([slice(None, None, -1)] * (kernel.ndim - 2) + [slice(None), slice(None)])
    return np.copy(kernel[spatial_flip])


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Length of a convolution's output along one axis (None stays None)."""
    if input_length is None:
        return None
    if padding not in {"same", "valid", "full", "causal"}:
        raise ValueError("Invalid padding: " + str(padding))
    dilated_filter_size = filter_size + (filter_size - 1) * (dilation - 1)
    if padding == "valid":
        output_length = input_length - dilated_filter_size + 1
    elif padding == "full":
        output_length = input_length + dilated_filter_size - 1
    else:  # same, causal
        output_length = input_length
    # ceil(output_length / stride)
    return (output_length + stride - 1) // stride


def conv_input_length(output_length, filter_size, padding, stride):
    """The input length that a convolution maps to `output_length` (its inverse)."""
    if output_length is None:
        return None
    if padding not in {"same", "valid", "full"}:
        raise ValueError("Invalid padding: " + str(padding))
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[padding]
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding=None, dilation=1):
    """Output length of a transposed convolution along one axis. Without
    `output_padding` this is Keras 2.1.6's rule; with it, Keras 2.2's."""
    if dim_size is None:
        return None
    kernel_size = kernel_size + (kernel_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return dim_size * stride_size + max(kernel_size - stride_size, 0)
        if padding == "full":
            return dim_size * stride_size - (stride_size + kernel_size - 2)
        if padding == "same":
            return dim_size * stride_size
        raise ValueError("Invalid padding: " + str(padding))
    pad = {"same": kernel_size // 2, "valid": 0, "full": kernel_size - 1}.get(padding)
    if pad is None:
        raise ValueError("Invalid padding: " + str(padding))
    return (dim_size - 1) * stride_size + kernel_size - 2 * pad + output_padding
