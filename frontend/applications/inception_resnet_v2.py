"""Inception-ResNet v2 (Szegedy et al., 2016), as keras.applications.inception_resnet_v2
builds it."""
from .. import backend as K
from ..engine.training import Model
from ..layers import (Activation, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Dense,
                      GlobalAveragePooling2D, Lambda, MaxPooling2D)
from . import imagenet_utils
from .building import global_pooling, image_input, model_inputs
from .imagenet_utils import _obtain_input_shape, decode_predictions  # noqa: F401  (Keras exports it here)
from .weight_files import check_weights_argument, load_weights

BASE_WEIGHT_URL = "https://github.com/fchollet/deep-learning-models/releases/download/v0.7/"


def _channel_axis():
    return 1 if K.image_data_format() == "channels_first" else 3


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", use_bias=False, name=None):
    """A convolution, then batch normalisation (without scale, only when the convolution
    has no bias) and an optional activation.

    # Arguments
        x: input tensor.
        filters: the convolution's filters.
        kernel_size: the convolution's kernel size.
        strides: the convolution's strides.
        padding: the convolution's padding.
        activation: the activation's name, or None for none.
        use_bias: whether the convolution has a bias (then no batch normalisation).
        name: the convolution's name ('<name>_bn', '<name>_ac' for the others), or None.

    # Returns
        The output tensor.
    """
    x = Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        bn_name = None if name is None else name + "_bn"
        x = BatchNormalization(axis=_channel_axis(), scale=False, name=bn_name)(x)
    if activation is not None:
        ac_name = None if name is None else name + "_ac"
        x = Activation(activation, name=ac_name)(x)
    return x


def _scaled_residual(inputs, scale):
    """The block's input plus its scaled residual branch (Lambda body)."""
    return inputs[0] + inputs[1] * scale


def _branches(x, block_type):
    if block_type == "block35":
        branch_0 = conv2d_bn(x, 32, 1)
        branch_1 = conv2d_bn(x, 32, 1)
        branch_1 = conv2d_bn(branch_1, 32, 3)
        branch_2 = conv2d_bn(x, 32, 1)
        branch_2 = conv2d_bn(branch_2, 48, 3)
        branch_2 = conv2d_bn(branch_2, 64, 3)
        return [branch_0, branch_1, branch_2]
    if block_type == "block17":
        branch_0 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(x, 128, 1)
        branch_1 = conv2d_bn(branch_1, 160, [1, 7])
        branch_1 = conv2d_bn(branch_1, 192, [7, 1])
        return [branch_0, branch_1]
    if block_type == "block8":
        branch_0 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(branch_1, 224, [1, 3])
        branch_1 = conv2d_bn(branch_1, 256, [3, 1])
        return [branch_0, branch_1]
    raise ValueError("Unknown Inception-ResNet block type. Expects \"block35\", \"block17\" or \"block8\", "
                     "but got: " + str(block_type))


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """A residual Inception block: x + scale * (1x1 projection of the branches).

    # Arguments
        x: input tensor.
        scale: the factor on the residual branch.
        block_type: 'block35', 'block17' or 'block8' (Inception-ResNet-A, -B or -C).
        block_idx: the block's number, part of its layer names.
        activation: the activation after the addition, or None.

    # Returns
        The output tensor.

    # Raises
        ValueError: for an unknown `block_type`.
    """
    branches = _branches(x, block_type)
    block_name = block_type + "_" + str(block_idx)
    mixed = Concatenate(axis=_channel_axis(), name=block_name + "_mixed")(branches)
    up = conv2d_bn(mixed, K.int_shape(x)[_channel_axis()], 1, activation=None, use_bias=True,
                   name=block_name + "_conv")
    x = Lambda(_scaled_residual, output_shape=K.int_shape(x)[1:], arguments={"scale": scale},
               name=block_name)([x, up])
    if activation is not None:
        x = Activation(activation, name=block_name + "_ac")(x)
    return x


def _stem(img_input):
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = MaxPooling2D(3, strides=2)(x)
    # mixed 5b (Inception-A)
    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(x, 48, 1)
    branch_1 = conv2d_bn(branch_1, 64, 5)
    branch_2 = conv2d_bn(x, 64, 1)
    branch_2 = conv2d_bn(branch_2, 96, 3)
    branch_2 = conv2d_bn(branch_2, 96, 3)
    branch_pool = AveragePooling2D(3, strides=1, padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 64, 1)
    return Concatenate(axis=_channel_axis(), name="mixed_5b")([branch_0, branch_1, branch_2, branch_pool])


def _reduction_a(x):
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(x, 256, 1)
    branch_1 = conv2d_bn(branch_1, 256, 3)
    branch_1 = conv2d_bn(branch_1, 384, 3, strides=2, padding="valid")
    branch_pool = MaxPooling2D(3, strides=2, padding="valid")(x)
    return Concatenate(axis=_channel_axis(), name="mixed_6a")([branch_0, branch_1, branch_pool])


def _reduction_b(x):
    branch_0 = conv2d_bn(x, 256, 1)
    branch_0 = conv2d_bn(branch_0, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(x, 256, 1)
    branch_1 = conv2d_bn(branch_1, 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(x, 256, 1)
    branch_2 = conv2d_bn(branch_2, 288, 3)
    branch_2 = conv2d_bn(branch_2, 320, 3, strides=2, padding="valid")
    branch_pool = MaxPooling2D(3, strides=2, padding="valid")(x)
    return Concatenate(axis=_channel_axis(), name="mixed_7a")([branch_0, branch_1, branch_2, branch_pool])


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                      classes=1000):
    """The Inception-ResNet v2 architecture. Expects inputs normalised by
    `inception_resnet_v2.preprocess_input` (scaled to [-1, 1]). 55,873,736 parameters
    with the classifier.

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

    x = _stem(img_input)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = _reduction_a(x)
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = _reduction_b(x)
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1., activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")

    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)

    model = Model(model_inputs(input_tensor, img_input), x, name="inception_resnet_v2")
    suffix = "" if include_top else "_notop"
    fname = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels" + suffix + ".h5"
    load_weights(model, weights, "InceptionResNetV2", fname, BASE_WEIGHT_URL + fname)
    return model


def preprocess_input(x):
    """Scale images from [0, 255] to [-1, 1], as the Inception-ResNet v2 weights expect.

    # Arguments
        x: a numpy array or K tensor of RGB images.

    # Returns
        The scaled images.
    """
    return imagenet_utils.preprocess_input(x, mode="tf")
