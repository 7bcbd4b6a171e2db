"""The pieces every architecture starts and ends with: its input (a new Input, or the
user's `input_tensor`), the optional global pooling of a headless model, and the
model's inputs when it was built on another graph's tensor."""
import contextlib
import warnings

from .. import backend as K
from ..engine.input_layer import Input
from ..layers import GlobalAveragePooling2D, GlobalMaxPooling2D
from ..utils.layer_utils import get_source_inputs


def static_spatial_shape(input_shape, default_size):
    """`input_shape` with every unknown spatial side set to `default_size`.

    keralite's convolutions need their spatial sizes when the graph is built (the
    backend raises on an input of shape (None, None, None, 3)), so where Keras would
    build a model on any image size, keralite builds it at the size the ImageNet weights
    were trained at; pass `input_shape` for another size.
    """
    channel_axis = 0 if K.image_data_format() == "channels_first" else 2
    return tuple(side if axis == channel_axis or side is not None else default_size
                 for axis, side in enumerate(input_shape))


def image_input(input_tensor, input_shape, default_size):
    """The tensor a model's first layer is applied to.

    # Arguments
        input_tensor: None, a Keras tensor (used as is) or a backend tensor (wrapped in
            an Input layer).
        input_shape: the shape checked by `_obtain_input_shape`.
        default_size: the side used for unknown spatial sizes (see
            `static_spatial_shape`).

    # Returns
        A Keras tensor.
    """
    input_shape = static_spatial_shape(input_shape, default_size)
    if input_tensor is None:
        return Input(shape=input_shape)
    if not K.is_keras_tensor(input_tensor):
        return Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def model_inputs(input_tensor, img_input):
    """The Model's inputs: the sources of `input_tensor` when one was given (so the model
    spans from them), else the Input made here.

    # Arguments
        input_tensor: the user's `input_tensor`, or None.
        img_input: the tensor returned by `image_input`.

    # Returns
        A tensor or a list of tensors, for `Model(inputs, ...)`.
    """
    if input_tensor is not None:
        return get_source_inputs(input_tensor)
    return img_input


def global_pooling(x, pooling, avg_name=None, max_name=None):
    """The pooling a headless model ends with: 'avg', 'max' or None (the 4D feature map).

    # Arguments
        x: the last feature map.
        pooling: None, 'avg' or 'max'.
        avg_name: the name Keras gives the average pooling layer (None: automatic).
        max_name: the name Keras gives the max pooling layer (None: automatic).

    # Returns
        The pooled tensor (or `x`).
    """
    if pooling == "avg":
        return GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return GlobalMaxPooling2D(name=max_name)(x)
    return x


@contextlib.contextmanager
def channels_last_only(family):
    """Build under 'channels_last' whatever the configured data format, as Keras does for
    the architectures whose separable/depthwise convolutions it ships in that layout only
    (with a warning), restoring the configured format afterwards.

    # Arguments
        family: the architecture's name in the warning ('Xception model', ...).

    # Yields
        Nothing: the model is built inside the `with` block.
    """
    old_data_format = K.image_data_format()
    if old_data_format != "channels_last":
        warnings.warn("The " + family + " is only available for the input data format \"channels_last\" "
                      "(width, height, channels). However your settings specify the default data format "
                      "\"channels_first\" (channels, width, height). You should set "
                      "`image_data_format=\"channels_last\"` in your Keras config located at "
                      "~/.keras/keras.json. The model being returned right now will expect inputs to "
                      "follow the \"channels_last\" data format.")
        K.set_image_data_format("channels_last")
    try:
        yield
    finally:
        K.set_image_data_format(old_data_format)
