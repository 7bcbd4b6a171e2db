"""MobileNet v1 (Howard et al., 2017), as keras.applications.mobilenet builds it, with
the width multiplier `alpha`, the depth multiplier and the dropout rate of its
classifier. Keras builds it in 'channels_last' only; under 'channels_first' it warns and
builds channels_last."""
from .. import backend as K
from ..engine.training import Model
from ..layers import (Activation, BatchNormalization, Conv2D, DepthwiseConv2D, Dropout,  # noqa: F401
                      GlobalAveragePooling2D, Reshape)
from . import imagenet_utils
from .building import channels_last_only, global_pooling, image_input, model_inputs
from .imagenet_utils import _obtain_input_shape, decode_predictions  # noqa: F401  (Keras exports it here)
from .weight_files import check_weights_argument, load_weights

BASE_WEIGHT_PATH = "https://github.com/fchollet/deep-learning-models/releases/download/v0.6/"

_WEIGHT_SIZES = (128, 160, 192, 224)
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0", 0.25: "2_5"}

# (pointwise filters, strides) of the 13 depthwise-separable blocks
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
           (512, 1), (1024, 2), (1024, 1))


def relu6(x):
    """relu clipped at 6, MobileNet's activation (a function, so saved models name it
    'relu6' and load with `custom_objects={'relu6': relu6}`).

    # Arguments
        x: input tensor.

    # Returns
        min(max(x, 0), 6).
    """
    return K.relu(x, max_value=6)


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    """The first layer: a full convolution, batch normalisation and relu6."""
    filters = int(filters * alpha)
    x = Conv2D(filters, kernel, padding="same", use_bias=False, strides=strides, name="conv1")(inputs)
    x = BatchNormalization(axis=-1, name="conv1_bn")(x)
    return Activation(relu6, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1, strides=(1, 1), block_id=1):
    """A depthwise 3x3 convolution and a pointwise 1x1 one, each batch-normalised and
    followed by relu6."""
    pointwise_conv_filters = int(pointwise_conv_filters * alpha)
    x = DepthwiseConv2D((3, 3), padding="same", depth_multiplier=depth_multiplier, strides=strides,
                        use_bias=False, name="conv_dw_%d" % block_id)(inputs)
    x = BatchNormalization(axis=-1, name="conv_dw_%d_bn" % block_id)(x)
    x = Activation(relu6, name="conv_dw_%d_relu" % block_id)(x)
    x = Conv2D(pointwise_conv_filters, (1, 1), padding="same", use_bias=False, strides=(1, 1),
               name="conv_pw_%d" % block_id)(x)
    x = BatchNormalization(axis=-1, name="conv_pw_%d_bn" % block_id)(x)
    return Activation(relu6, name="conv_pw_%d_relu" % block_id)(x)


def _default_size(input_shape):
    """The ImageNet size closest to the request: a square input of a size the weights
    exist for keeps it, anything else gets 224."""
    if input_shape is None:
        return 224
    if K.image_data_format() == "channels_first":
        rows, cols = input_shape[1], input_shape[2]
    else:
        rows, cols = input_shape[0], input_shape[1]
    return rows if rows == cols and rows in _WEIGHT_SIZES else 224


def _check_imagenet_options(alpha, depth_multiplier, rows, cols, input_shape):
    if depth_multiplier != 1:
        raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1")
    if alpha not in _ALPHA_TEXT:
        raise ValueError("If imagenet weights are being loaded, alpha can be one of`0.25`, `0.50`, `0.75` or "
                         "`1.0` only.")
    if rows != cols or rows not in _WEIGHT_SIZES:
        raise ValueError("If imagenet weights are being loaded, input must have a static square shape (one of "
                         "(128, 128), (160, 160), (192, 192), or (224, 224)). Input shape provided = %s"
                         % (input_shape,))


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True, weights="imagenet",
              input_tensor=None, pooling=None, classes=1000):
    """The MobileNet v1 architecture. Expects inputs normalised by
    `mobilenet.preprocess_input` (scaled to [-1, 1]). 4,253,864 parameters with the
    classifier at alpha 1.

    # Arguments
        input_shape: optional shape tuple, at least 32 on each side with 3 channels;
            ImageNet weights exist for square 128, 160, 192 and 224 inputs.
        alpha: the width multiplier: every layer has alpha times Keras' filters
            (ImageNet weights for 0.25, 0.50, 0.75 and 1.0).
        depth_multiplier: the depthwise convolutions' depth multiplier (1 for ImageNet
            weights).
        dropout: the dropout rate before the classifier.
        include_top: whether to build the classifier at the end.
        weights: None (random initialisation), 'imagenet' (Keras' file from the Keras
            cache) or the path of a weights file to load.
        input_tensor: an optional Keras tensor to use as the image input.
        pooling: when `include_top` is False, None (the 4D output of the last block),
            'avg' or 'max' (global pooling to a 2D output).
        classes: the number of classes, only when `include_top` is True and no ImageNet
            weights are loaded.

    # Returns
        A Keras model instance, named 'mobilenet_<alpha>_<rows>'.

    # Raises
        ValueError: for invalid `weights`, input shape, or a combination of `alpha`,
            `depth_multiplier` and size that has no ImageNet weights.
        IOError: with `weights='imagenet'` when the weight file is not in the Keras cache.
    """
    check_weights_argument(weights, include_top, classes)
    with channels_last_only("MobileNet family of models"):
        input_shape = _obtain_input_shape(input_shape, default_size=_default_size(input_shape), min_size=32,
                                          data_format=K.image_data_format(), require_flatten=include_top,
                                          weights=weights)
        row_axis, col_axis = (0, 1) if K.image_data_format() == "channels_last" else (1, 2)
        rows, cols = input_shape[row_axis], input_shape[col_axis]
        if weights == "imagenet":
            _check_imagenet_options(alpha, depth_multiplier, rows, cols, input_shape)
        # keralite builds an unknown size at 224 (see building.static_spatial_shape)
        rows = 224 if rows is None else rows
        img_input = image_input(input_tensor, input_shape, 224)
        x = _conv_block(img_input, 32, alpha, strides=(2, 2))
        for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
            x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride),
                                      block_id=block_id)
        if include_top:
            x = GlobalAveragePooling2D()(x)
            x = Reshape((1, 1, int(1024 * alpha)), name="reshape_1")(x)
            x = Dropout(dropout, name="dropout")(x)
            x = Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
            x = Activation("softmax", name="act_softmax")(x)
            x = Reshape((classes,), name="reshape_2")(x)
        else:
            x = global_pooling(x, pooling)
        model = Model(model_inputs(input_tensor, img_input), x, name="mobilenet_%0.2f_%s" % (alpha, rows))

        alpha_text = _ALPHA_TEXT.get(alpha, "2_5")
        if include_top:
            fname = "mobilenet_%s_%d_tf.h5" % (alpha_text, rows)
        else:
            fname = "mobilenet_%s_%d_tf_no_top.h5" % (alpha_text, rows)
        load_weights(model, weights, "MobileNet", fname, BASE_WEIGHT_PATH + fname)
    return model


def preprocess_input(x):
    """Scale images from [0, 255] to [-1, 1], as the MobileNet weights expect.

    # Arguments
        x: a numpy array or K tensor of RGB images.

    # Returns
        The scaled images.
    """
    return imagenet_utils.preprocess_input(x, mode="tf")
