"""Inception V3 (Szegedy et al., 2015), as keras.applications.inception_v3 builds it."""
from .. import backend as K
from ..engine.training import Model
from ..layers import (Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D,
                      MaxPooling2D, concatenate)
from . import imagenet_utils
from .building import global_pooling, image_input, model_inputs
from .imagenet_utils import _obtain_input_shape, decode_predictions  # noqa: F401  (Keras exports it here)
from .weight_files import check_weights_argument, load_weights

WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.5/"
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.5/"
                       "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")


def _channel_axis():
    return 1 if K.image_data_format() == "channels_first" else 3


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """A bias-free convolution, batch normalisation without scale, then relu.

    # Arguments
        x: input tensor.
        filters: the convolution's filters.
        num_row: kernel height.
        num_col: kernel width.
        padding: the convolution's padding.
        strides: the convolution's strides.
        name: the prefix of the layers' names ('<name>_conv', '<name>_bn', '<name>'),
            or None for automatic names.

    # Returns
        The output tensor.
    """
    conv_name = None if name is None else name + "_conv"
    bn_name = None if name is None else name + "_bn"
    x = Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False, name=conv_name)(x)
    x = BatchNormalization(axis=_channel_axis(), scale=False, name=bn_name)(x)
    return Activation("relu", name=name)(x)


def _average_branch(x, filters):
    branch_pool = AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch_pool, filters, 1, 1)


def _block_35(x, pool_filters, name):
    """Inception-A at 35x35: 1x1, 5x5, double 3x3 and average-pool branches."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(x, 48, 1, 1)
    branch5x5 = conv2d_bn(branch5x5, 64, 5, 5)
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch_pool = _average_branch(x, pool_filters)
    return concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=_channel_axis(), name=name)


def _block_17(x, inner_filters, name):
    """Inception-B at 17x17: factorised 7x7 convolutions of `inner_filters` inside."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, inner_filters, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, inner_filters, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, inner_filters, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, inner_filters, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, inner_filters, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, inner_filters, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    branch_pool = _average_branch(x, 192)
    return concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=_channel_axis(), name=name)


def _block_8(x, index):
    """Inception-C at 8x8, with its split 1x3/3x1 branches."""
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3_1 = conv2d_bn(branch3x3, 384, 1, 3)
    branch3x3_2 = conv2d_bn(branch3x3, 384, 3, 1)
    branch3x3 = concatenate([branch3x3_1, branch3x3_2], axis=_channel_axis(), name="mixed9_" + str(index))
    branch3x3dbl = conv2d_bn(x, 448, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 384, 3, 3)
    branch3x3dbl_1 = conv2d_bn(branch3x3dbl, 384, 1, 3)
    branch3x3dbl_2 = conv2d_bn(branch3x3dbl, 384, 3, 1)
    branch3x3dbl = concatenate([branch3x3dbl_1, branch3x3dbl_2], axis=_channel_axis())
    branch_pool = _average_branch(x, 192)
    return concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=_channel_axis(),
                       name="mixed" + str(9 + index))


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000):
    """The Inception V3 architecture. Expects inputs normalised by
    `inception_v3.preprocess_input` (scaled to [-1, 1]). 23,851,784 parameters with the
    classifier.

    # Arguments
        include_top: whether to build the classifier at the end.
        weights: None (random initialisation), 'imagenet' (Keras' file from the Keras
            cache) or the path of a weights file to load.
        input_tensor: an optional Keras tensor to use as the image input.
        input_shape: optional shape tuple (default (299, 299, 3)); at least 139 on each
            side with 3 channels.
        pooling: when `include_top` is False, None (the 4D output of the last block),
            'avg' or 'max' (global pooling to a 2D output).
        classes: the number of classes, only when `include_top` is True and no ImageNet
            weights are loaded.

    # Returns
        A Keras model instance.

    # Raises
        ValueError: for invalid `weights` or input shape.
        IOError: with `weights='imagenet'` when the weight file is not in the Keras cache.
    """
    check_weights_argument(weights, include_top, classes)
    input_shape = _obtain_input_shape(input_shape, default_size=299, min_size=139,
                                      data_format=K.image_data_format(), require_flatten=False, weights=weights)
    img_input = image_input(input_tensor, input_shape, 299)

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)

    x = _block_35(x, 32, "mixed0")
    x = _block_35(x, 64, "mixed1")
    x = _block_35(x, 64, "mixed2")

    # reduction to 17x17
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = concatenate([branch3x3, branch3x3dbl, branch_pool], axis=_channel_axis(), name="mixed3")

    x = _block_17(x, 128, "mixed4")
    x = _block_17(x, 160, "mixed5")
    x = _block_17(x, 160, "mixed6")
    x = _block_17(x, 192, "mixed7")

    # reduction to 8x8
    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = concatenate([branch3x3, branch7x7x3, branch_pool], axis=_channel_axis(), name="mixed8")

    x = _block_8(x, 0)
    x = _block_8(x, 1)

    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)

    model = Model(model_inputs(input_tensor, img_input), x, name="inception_v3")
    if include_top:
        fname, url = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH
    else:
        fname, url = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP
    load_weights(model, weights, "InceptionV3", fname, url)
    return model


def preprocess_input(x):
    """Scale images from [0, 255] to [-1, 1], as the Inception V3 weights expect.

    # Arguments
        x: a numpy array or K tensor of RGB images.

    # Returns
        The scaled images.
    """
    return imagenet_utils.preprocess_input(x, mode="tf")
