"""Keras 1 argument names of the convolutional layers (nb_filter, nb_row/nb_col,
border_mode, subsample, dim_ordering, init, W_regularizer, ...): one decorator per layer
family, so the layers' `__init__`s read as Keras 2's own.
"""
from .legacy import legacy_support

_DIM_ORDERING = {"data_format": {"tf": "channels_last", "th": "channels_first", "default": None}}
_KERNEL_RENAMES = [("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
                   ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
                   ("b_constraint", "bias_constraint"), ("bias", "use_bias")]
_STRICT_INT_KERNEL = ("It seems that you are using the Keras 2 and you are passing both `kernel_size` and "
                      "`strides` as integer positional arguments. For safety reasons, this is disallowed. "
                      "Pass `strides` as a keyword argument instead.")


def _conv1d_arguments(args, kwargs):
    """input_dim / input_length -> input_shape."""
    converted = []
    if "input_dim" in kwargs:
        length = kwargs.pop("input_length", None)
        kwargs["input_shape"] = (length, kwargs.pop("input_dim"))
        converted.append("input_shape")
    return args, kwargs, converted


def _conv_nd_arguments(rank, row_names):
    """Keras 1 window sizes given one per axis (positionally after nb_filter, or as
    nb_row/nb_col, kernel_dim1..3) -> kernel_size."""
    def preprocess(args, kwargs):
        if len(args) > rank + 1:
            raise TypeError("Layer can receive at most %d positional arguments." % (rank + 1))
        sizes = list(args[1:])
        if not all(isinstance(s, int) for s in sizes):
            return args, kwargs, []                 # a Keras 2 kernel_size tuple
        missing = row_names[len(sizes):]
        if not all(n in kwargs for n in missing):
            return args, kwargs, []                 # Conv2D(32, 3): a Keras 2 call
        if len(sizes) >= 2 and any(k in kwargs for k in ("padding", "strides", "data_format")):
            raise ValueError(_STRICT_INT_KERNEL)
        kernel_size = tuple(sizes) + tuple(kwargs.pop(n) for n in missing)
        if args:
            args = (args[0], kernel_size)
        else:
            kwargs["kernel_size"] = kernel_size
        return args, kwargs, ["kernel_size"]
    return preprocess


def _separable_arguments(args, kwargs):
    converted = []
    if "init" in kwargs:
        init = kwargs.pop("init")
        kwargs["depthwise_initializer"] = init
        kwargs["pointwise_initializer"] = init
        converted.append("depthwise_initializer")
    args, kwargs, more = _conv_nd_arguments(2, ("nb_row", "nb_col"))(args, kwargs)
    return args, kwargs, converted + list(more)


def _deconv_arguments(args, kwargs):
    """Keras 1's Deconvolution2D took an output_shape; Keras 2 infers it."""
    converted = []
    if len(args) == 4 and isinstance(args[3], tuple):
        args = args[:-1]
        converted.append("output_shape")
    if "output_shape" in kwargs:
        kwargs.pop("output_shape")
        converted.append("output_shape")
    args, kwargs, more = _conv_nd_arguments(2, ("nb_row", "nb_col"))(args, kwargs)
    return args, kwargs, converted + list(more)


def _zeropadding2d_arguments(args, kwargs):
    """A Keras 1 dict {'top_pad', 'bottom_pad', 'left_pad', 'right_pad'} -> pairs."""
    def pairs(d):
        return ((d.get("top_pad", 0), d.get("bottom_pad", 0)), (d.get("left_pad", 0), d.get("right_pad", 0)))
    keys = {"top_pad", "bottom_pad", "left_pad", "right_pad"}
    if isinstance(kwargs.get("padding"), dict) and set(kwargs["padding"]) <= keys:
        kwargs["padding"] = pairs(kwargs["padding"])
    elif len(args) == 1 and isinstance(args[0], dict) and set(args[0]) <= keys:
        args = (pairs(args[0]),)
    return args, kwargs, []


legacy_conv1d_support = legacy_support(
    "Conv1D", [("nb_filter", "filters"), ("filter_length", "kernel_size"), ("subsample_length", "strides"),
               ("border_mode", "padding")] + _KERNEL_RENAMES,
    positional=("filters", "kernel_size"), preprocessor=_conv1d_arguments)

legacy_conv2d_support = legacy_support(
    "Conv2D", [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
               ("dim_ordering", "data_format")] + _KERNEL_RENAMES,
    value_renames=_DIM_ORDERING, positional=("filters", "kernel_size"),
    preprocessor=_conv_nd_arguments(2, ("nb_row", "nb_col")))

legacy_conv3d_support = legacy_support(
    "Conv3D", [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
               ("dim_ordering", "data_format")] + _KERNEL_RENAMES,
    value_renames=_DIM_ORDERING, positional=("filters", "kernel_size"),
    preprocessor=_conv_nd_arguments(3, ("kernel_dim1", "kernel_dim2", "kernel_dim3")))

legacy_deconv2d_support = legacy_support(
    "Conv2DTranspose", [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
                        ("dim_ordering", "data_format")] + _KERNEL_RENAMES,
    value_renames=_DIM_ORDERING, positional=("filters", "kernel_size"), preprocessor=_deconv_arguments)

legacy_separable_conv2d_support = legacy_support(
    "SeparableConv2D", [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
                        ("dim_ordering", "data_format"), ("b_regularizer", "bias_regularizer"),
                        ("b_constraint", "bias_constraint"), ("bias", "use_bias")],
    value_renames=_DIM_ORDERING, positional=("filters", "kernel_size"), preprocessor=_separable_arguments)

legacy_upsampling1d_support = legacy_support("UpSampling1D", [("length", "size")], positional=("size",))
legacy_upsampling_nd_support = legacy_support("UpSampling2D", [("dim_ordering", "data_format")],
                                              value_renames=_DIM_ORDERING, positional=("size",))
legacy_zeropadding2d_support = legacy_support("ZeroPadding2D", [("dim_ordering", "data_format")],
                                              value_renames=_DIM_ORDERING, positional=("padding",),
                                              preprocessor=_zeropadding2d_arguments)
legacy_zeropadding3d_support = legacy_support("ZeroPadding3D", [("dim_ordering", "data_format")],
                                              value_renames=_DIM_ORDERING, positional=("padding",))
legacy_cropping_support = legacy_support("Cropping2D", [("dim_ordering", "data_format")],
                                         value_renames=_DIM_ORDERING, positional=("cropping",))

