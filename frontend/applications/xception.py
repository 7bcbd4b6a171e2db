"""Xception (Chollet, 2016), as keras.applications.xception builds it. Keras builds it
in 'channels_last' only; under 'channels_first' it warns and builds channels_last."""
from ..engine.training import Model
from ..layers import (Activation, BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D, MaxPooling2D,
                      SeparableConv2D, add)
from .. import backend as K
from . import imagenet_utils
from .building import channels_last_only, global_pooling, image_input, model_inputs
from .imagenet_utils import _obtain_input_shape, decode_predictions  # noqa: F401  (Keras exports it here)
from .weight_files import check_weights_argument, load_weights

TF_WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.4/"
                   "xception_weights_tf_dim_ordering_tf_kernels.h5")
TF_WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.4/"
                          "xception_weights_tf_dim_ordering_tf_kernels_notop.h5")


def _separable_bn(x, filters, name):
    x = SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return BatchNormalization(name=name + "_bn")(x)


def _shortcut(x, filters):
    residual = Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return BatchNormalization()(residual)


def _entry_block(x, block, filters_1, filters_2, first_relu):
    """Two separable convolutions and a strided max pooling, added to a strided 1x1
    shortcut (blocks 2, 3, 4 and 13)."""
    prefix = "block" + str(block)
    residual = _shortcut(x, filters_2)
    if first_relu:
        x = Activation("relu", name=prefix + "_sepconv1_act")(x)
    x = _separable_bn(x, filters_1, prefix + "_sepconv1")
    x = Activation("relu", name=prefix + "_sepconv2_act")(x)
    x = _separable_bn(x, filters_2, prefix + "_sepconv2")
    x = MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=prefix + "_pool")(x)
    return add([x, residual])


def _middle_block(x, block):
    """Three relu + separable convolutions of 728 filters around an identity shortcut."""
    residual = x
    prefix = "block" + str(block)
    for index in (1, 2, 3):
        x = Activation("relu", name=prefix + "_sepconv" + str(index) + "_act")(x)
        x = _separable_bn(x, 728, prefix + "_sepconv" + str(index))
    return add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000):
    """The Xception architecture. Expects inputs normalised by `xception.preprocess_input`
    (scaled to [-1, 1]). 22,910,480 parameters with the classifier.

    # Arguments
        include_top: whether to build the classifier at the end.
        weights: None (random initialisation), 'imagenet' (Keras' file from the Keras
            cache) or the path of a weights file to load.
        input_tensor: an optional Keras tensor to use as the image input.
        input_shape: optional shape tuple (default (299, 299, 3)); at least 71 on each
            side with 3 channels.
        pooling: when `include_top` is False, None (the 4D output of the last block),
            'avg' or 'max' (global pooling to a 2D output).
        classes: the number of classes, only when `include_top` is True and no ImageNet
            weights are loaded.

    # Returns
        A Keras model instance (channels_last whatever the configured data format).

    # Raises
        ValueError: for invalid `weights` or input shape.
        IOError: with `weights='imagenet'` when the weight file is not in the Keras cache.
    """
    check_weights_argument(weights, include_top, classes)
    with channels_last_only("Xception model"):
        input_shape = _obtain_input_shape(input_shape, default_size=299, min_size=71,
                                          data_format=K.image_data_format(), require_flatten=False,
                                          weights=weights)
        img_input = image_input(input_tensor, input_shape, 299)

        x = Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
        x = BatchNormalization(name="block1_conv1_bn")(x)
        x = Activation("relu", name="block1_conv1_act")(x)
        x = Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
        x = BatchNormalization(name="block1_conv2_bn")(x)
        x = Activation("relu", name="block1_conv2_act")(x)

        x = _entry_block(x, 2, 128, 128, first_relu=False)
        x = _entry_block(x, 3, 256, 256, first_relu=True)
        x = _entry_block(x, 4, 728, 728, first_relu=True)
        for block in range(5, 13):
            x = _middle_block(x, block)
        x = _entry_block(x, 13, 728, 1024, first_relu=True)

        x = _separable_bn(x, 1536, "block14_sepconv1")
        x = Activation("relu", name="block14_sepconv1_act")(x)
        x = _separable_bn(x, 2048, "block14_sepconv2")
        x = Activation("relu", name="block14_sepconv2_act")(x)

        if include_top:
            x = GlobalAveragePooling2D(name="avg_pool")(x)
            x = Dense(classes, activation="softmax", name="predictions")(x)
        else:
            x = global_pooling(x, pooling)

        model = Model(model_inputs(input_tensor, img_input), x, name="xception")
        if include_top:
            fname, url = "xception_weights_tf_dim_ordering_tf_kernels.h5", TF_WEIGHTS_PATH
        else:
            fname, url = "xception_weights_tf_dim_ordering_tf_kernels_notop.h5", TF_WEIGHTS_PATH_NO_TOP
        load_weights(model, weights, "Xception", fname, url)
    return model


def preprocess_input(x):
    """Scale images from [0, 255] to [-1, 1], as the Xception weights expect.

    # Arguments
        x: a numpy array or K tensor of RGB images.

    # Returns
        The scaled images.
    """
    return imagenet_utils.preprocess_input(x, mode="tf")
