"""NASNet-A (Zoph et al., 2017), as keras.applications.nasnet builds it: NASNetLarge
(331x331) and NASNetMobile (224x224) are two settings of one `NASNet` builder. Keras
builds it in 'channels_last' only; under 'channels_first' it warns and builds
channels_last."""
from .. import backend as K
from ..engine.training import Model
from ..layers import (Activation, AveragePooling2D, BatchNormalization, Conv2D, Cropping2D, Dense,
                      GlobalAveragePooling2D, MaxPooling2D, SeparableConv2D, ZeroPadding2D, add, concatenate)
from . import imagenet_utils
from .building import channels_last_only, global_pooling, image_input, model_inputs
from .imagenet_utils import _obtain_input_shape, decode_predictions  # noqa: F401  (Keras exports it here)
from .weight_files import check_weights_argument, load_weights

NASNET_MOBILE_WEIGHT_PATH = "https://github.com/fchollet/deep-learning-models/releases/download/v0.8/NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.8/"
                                    "NASNet-mobile-no-top.h5")
NASNET_LARGE_WEIGHT_PATH = "https://github.com/fchollet/deep-learning-models/releases/download/v0.8/NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.8/"
                                   "NASNet-large-no-top.h5")

# the batch normalisation NASNet uses everywhere
_BN_OPTIONS = {"axis": -1, "momentum": 0.9997, "epsilon": 1e-3}


def _bn(x, name=None):
    return BatchNormalization(name=name, **_BN_OPTIONS)(x)


def _conv_1x1(x, filters, name):
    return Conv2D(filters, (1, 1), strides=(1, 1), padding="same", use_bias=False, name=name,
                  kernel_initializer="he_normal")(x)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """relu-separable conv-BN twice (only the first strided)."""
    x = Activation("relu")(ip)
    x = SeparableConv2D(filters, kernel_size, strides=strides, name="separable_conv_1_%s" % block_id,
                        padding="same", use_bias=False, kernel_initializer="he_normal")(x)
    x = _bn(x, "separable_conv_1_bn_%s" % block_id)
    x = Activation("relu")(x)
    x = SeparableConv2D(filters, kernel_size, name="separable_conv_2_%s" % block_id, padding="same", use_bias=False,
                        kernel_initializer="he_normal")(x)
    return _bn(x, "separable_conv_2_bn_%s" % block_id)


def _adjust_block(p, ip, filters, block_id=None):
    """The previous cell's output `p` brought to the spatial size and channel count of
    the current input `ip` (a factorised reduction when the sizes differ, a 1x1
    projection when only the channels do)."""
    if p is None:
        return ip
    ip_shape, p_shape = K.int_shape(ip), K.int_shape(p)
    if p_shape[-2] != ip_shape[-2]:
        p = Activation("relu", name="adjust_relu_1_%s" % block_id)(p)
        p1 = AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name="adjust_avg_pool_1_%s" % block_id)(p)
        p1 = Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, name="adjust_conv_1_%s" % block_id,
                    kernel_initializer="he_normal")(p1)
        # the second path samples the pixels the first one skips (shifted by one)
        p2 = ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name="adjust_avg_pool_2_%s" % block_id)(p2)
        p2 = Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, name="adjust_conv_2_%s" % block_id,
                    kernel_initializer="he_normal")(p2)
        p = concatenate([p1, p2], axis=-1)
        return _bn(p, "adjust_bn_%s" % block_id)
    if p_shape[-1] != filters:
        p = Activation("relu")(p)
        p = Conv2D(filters, (1, 1), strides=(1, 1), padding="same", name="adjust_conv_projection_%s" % block_id,
                   use_bias=False, kernel_initializer="he_normal")(p)
        return _bn(p, "adjust_bn_%s" % block_id)
    return p


def _normal_a_cell(ip, p, filters, block_id=None):
    """A normal cell (same size in and out). Returns (output, its input for the next
    cell's `p`)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = Activation("relu")(ip)
    h = _conv_1x1(h, filters, "normal_conv_1_%s" % block_id)
    h = _bn(h, "normal_bn_1_%s" % block_id)

    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5), block_id="normal_left1_%s" % block_id)
    x1_2 = _separable_conv_block(p, filters, block_id="normal_right1_%s" % block_id)
    x1 = add([x1_1, x1_2], name="normal_add_1_%s" % block_id)

    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id="normal_left2_%s" % block_id)
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id="normal_right2_%s" % block_id)
    x2 = add([x2_1, x2_2], name="normal_add_2_%s" % block_id)

    x3 = AveragePooling2D((3, 3), strides=(1, 1), padding="same", name="normal_left3_%s" % block_id)(h)
    x3 = add([x3, p], name="normal_add_3_%s" % block_id)

    x4_1 = AveragePooling2D((3, 3), strides=(1, 1), padding="same", name="normal_left4_%s" % block_id)(p)
    x4_2 = AveragePooling2D((3, 3), strides=(1, 1), padding="same", name="normal_right4_%s" % block_id)(p)
    x4 = add([x4_1, x4_2], name="normal_add_4_%s" % block_id)

    x5 = _separable_conv_block(h, filters, block_id="normal_left5_%s" % block_id)
    x5 = add([x5, h], name="normal_add_5_%s" % block_id)

    x = concatenate([p, x1, x2, x3, x4, x5], axis=-1, name="normal_concat_%s" % block_id)
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A reduction cell (halves the spatial size). Returns (output, its input for the
    next cell's `p`)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = Activation("relu")(ip)
    h = _conv_1x1(h, filters, "reduction_conv_1_%s" % block_id)
    h = _bn(h, "reduction_bn_1_%s" % block_id)

    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2), block_id="reduction_left1_%s" % block_id)
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id="reduction_1_%s" % block_id)
    x1 = add([x1_1, x1_2], name="reduction_add_1_%s" % block_id)

    x2_1 = MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="reduction_left2_%s" % block_id)(h)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id="reduction_right2_%s" % block_id)
    x2 = add([x2_1, x2_2], name="reduction_add_2_%s" % block_id)

    x3_1 = AveragePooling2D((3, 3), strides=(2, 2), padding="same", name="reduction_left3_%s" % block_id)(h)
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2), block_id="reduction_right3_%s" % block_id)
    x3 = add([x3_1, x3_2], name="reduction_add3_%s" % block_id)

    x4 = AveragePooling2D((3, 3), strides=(1, 1), padding="same", name="reduction_left4_%s" % block_id)(x1)
    x4 = add([x2, x4])

    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id="reduction_left4_%s" % block_id)
    x5_2 = MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="reduction_right5_%s" % block_id)(h)
    x5 = add([x5_1, x5_2], name="reduction_add4_%s" % block_id)

    x = concatenate([x2, x3, x4, x5], axis=-1, name="reduction_concat_%s" % block_id)
    return x, ip


def _cells(x, num_blocks, filters, filters_multiplier, skip_reduction):
    """The stem reductions (unless skipped), then three stacks of `num_blocks` normal
    cells separated by two reduction cells."""
    p = None
    if not skip_reduction:
        x, p = _reduction_a_cell(x, p, filters // (filters_multiplier ** 2), block_id="stem_1")
        x, p = _reduction_a_cell(x, p, filters // filters_multiplier, block_id="stem_2")
    for stack in range(3):
        stack_filters = filters * filters_multiplier ** stack
        if stack > 0:
            x, p0 = _reduction_a_cell(x, p, stack_filters, block_id="reduce_%d" % (stack * num_blocks))
            p = p0 if not skip_reduction else p
        # Keras numbers the cells 0..n-1, then n+1..2n and 2n+1..3n (the reductions take n and 2n)
        first_id = 0 if stack == 0 else stack * num_blocks + 1
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, stack_filters, block_id="%d" % (first_id + i))
    return x


def _weight_file(default_size, include_top):
    if default_size == 224:
        if include_top:
            return "nasnet_mobile.h5", NASNET_MOBILE_WEIGHT_PATH
        return "nasnet_mobile_no_top.h5", NASNET_MOBILE_WEIGHT_PATH_NO_TOP
    if default_size == 331:
        if include_top:
            return "nasnet_large.h5", NASNET_LARGE_WEIGHT_PATH
        return "nasnet_large_no_top.h5", NASNET_LARGE_WEIGHT_PATH_NO_TOP
    raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=True,
           filters_multiplier=2, include_top=True, weights=None, input_tensor=None, pooling=None, classes=1000,
           default_size=None):
    """A NASNet-A network. Expects inputs normalised by `nasnet.preprocess_input` (scaled
    to [-1, 1]).

    # Arguments
        input_shape: optional shape tuple, at least 32 on each side with 3 channels
            (static with ImageNet weights).
        penultimate_filters: the channel count of the last cells (a multiple of 24).
        num_blocks: the number of normal cells in each of the three stacks.
        stem_block_filters: the filters of the first convolution.
        skip_reduction: whether to skip the two stem reduction cells (CIFAR-style).
        filters_multiplier: the filter growth between stacks.
        include_top: whether to build the classifier at the end.
        weights: None, 'imagenet' (Keras' file from the Keras cache; only the Large and
            Mobile settings) or the path of a weights file.
        input_tensor: an optional Keras tensor to use as the image input.
        pooling: when `include_top` is False, None, 'avg' or 'max'.
        classes: the number of classes (1000 with ImageNet weights and the classifier).
        default_size: the side the weights were trained at (331 when None).

    # Returns
        A Keras model instance.

    # Raises
        ValueError: for invalid `weights`, input shape or `penultimate_filters`.
        IOError: with `weights='imagenet'` when the weight file is not in the Keras cache.
    """
    check_weights_argument(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
                         "input_shape argument must be static (no None entries). Got: `input_shape=" +
                         str(input_shape) + "`.")
    if default_size is None:
        default_size = 331
    with channels_last_only("NASNet family of models"):
        input_shape = _obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                          data_format=K.image_data_format(),
                                          require_flatten=include_top or weights, weights=weights)
        if penultimate_filters % 24 != 0:
            raise ValueError("For NASNet-A models, the value of `penultimate_filters` needs to be divisible by 24. "
                             "Current value: %d" % penultimate_filters)
        img_input = image_input(input_tensor, input_shape, default_size)
        filters = penultimate_filters // 24

        if not skip_reduction:
            x = Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False,
                       name="stem_conv1", kernel_initializer="he_normal")(img_input)
        else:
            x = Conv2D(stem_block_filters, (3, 3), strides=(1, 1), padding="same", use_bias=False,
                       name="stem_conv1", kernel_initializer="he_normal")(img_input)
        x = _bn(x, "stem_bn1")
        x = _cells(x, num_blocks, filters, filters_multiplier, skip_reduction)
        x = Activation("relu")(x)

        if include_top:
            x = GlobalAveragePooling2D()(x)
            x = Dense(classes, activation="softmax", name="predictions")(x)
        else:
            x = global_pooling(x, pooling)

        model = Model(model_inputs(input_tensor, img_input), x, name="NASNet")
        if weights == "imagenet":
            fname, url = _weight_file(default_size, include_top)
            load_weights(model, weights, "NASNet", fname, url)
        else:
            load_weights(model, weights, "NASNet", None, None)
    return model


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                classes=1000):
    """NASNet-A Large (6 @ 4032) at 331x331: 88,949,818 parameters with the classifier.

    # Arguments
        input_shape: optional shape tuple, at least 32 on each side with 3 channels.
        include_top: whether to build the classifier at the end.
        weights: None, 'imagenet' (Keras' file from the Keras cache) or a weights file.
        input_tensor: an optional Keras tensor to use as the image input.
        pooling: when `include_top` is False, None, 'avg' or 'max'.
        classes: the number of classes (1000 with ImageNet weights and the classifier).

    # Returns
        A Keras model instance.

    # Raises
        ValueError: for invalid `weights` or input shape.
        IOError: with `weights='imagenet'` when the weight file is not in the Keras cache.
    """
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=False,
                  filters_multiplier=2, include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=331)


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                 classes=1000):
    """NASNet-A Mobile (4 @ 1056) at 224x224: 5,326,716 parameters with the classifier.

    # Arguments
        input_shape: optional shape tuple, at least 32 on each side with 3 channels.
        include_top: whether to build the classifier at the end.
        weights: None, 'imagenet' (Keras' file from the Keras cache) or a weights file.
        input_tensor: an optional Keras tensor to use as the image input.
        pooling: when `include_top` is False, None, 'avg' or 'max'.
        classes: the number of classes (1000 with ImageNet weights and the classifier).

    # Returns
        A Keras model instance.

    # Raises
        ValueError: for invalid `weights` or input shape.
        IOError: with `weights='imagenet'` when the weight file is not in the Keras cache.
    """
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32, skip_reduction=False,
                  filters_multiplier=2, include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=224)


def preprocess_input(x):
    """Scale images from [0, 255] to [-1, 1], as the NASNet weights expect.

    # Arguments
        x: a numpy array or K tensor of RGB images.

    # Returns
        The scaled images.
    """
    return imagenet_utils.preprocess_input(x, mode="tf")
