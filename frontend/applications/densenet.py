"""DenseNet 121, 169 and 201 (Huang et al., 2016), as keras.applications.densenet
builds them."""
from .. import backend as K
from ..engine.training import Model
from ..layers import (Activation, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Dense,
                      GlobalAveragePooling2D, MaxPooling2D, ZeroPadding2D)
from . import imagenet_utils
from .building import global_pooling, image_input, model_inputs
from .imagenet_utils import _obtain_input_shape, decode_predictions  # noqa: F401  (Keras exports it here)
from .weight_files import check_weights_argument, load_weights

BASE_WEIGHTS_PATH = "https://github.com/fchollet/deep-learning-models/releases/download/v0.8/"

_NAMED_BLOCKS = {(6, 12, 24, 16): ("densenet121", "DenseNet121"), (6, 12, 32, 32): ("densenet169", "DenseNet169"),
                 (6, 12, 48, 32): ("densenet201", "DenseNet201")}


def _bn_axis():
    return 3 if K.image_data_format() == "channels_last" else 1


def _bn(x, name):
    return BatchNormalization(axis=_bn_axis(), epsilon=1.001e-5, name=name)(x)


def conv_block(x, growth_rate, name):
    """One densely connected unit: BN-relu-1x1 (4 * growth_rate), BN-relu-3x3
    (growth_rate), concatenated to its input.

    # Arguments
        x: input tensor.
        growth_rate: the number of channels the unit adds.
        name: the prefix of the unit's layer names.

    # Returns
        The input with `growth_rate` more channels.
    """
    x1 = _bn(x, name + "_0_bn")
    x1 = Activation("relu", name=name + "_0_relu")(x1)
    x1 = Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(x1)
    x1 = _bn(x1, name + "_1_bn")
    x1 = Activation("relu", name=name + "_1_relu")(x1)
    x1 = Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(x1)
    return Concatenate(axis=_bn_axis(), name=name + "_concat")([x, x1])


def dense_block(x, blocks, name):
    """`blocks` densely connected units of growth rate 32.

    # Arguments
        x: input tensor.
        blocks: the number of units.
        name: the block's name ('conv2', ...), prefix of its layer names.

    # Returns
        The output tensor.
    """
    for i in range(blocks):
        x = conv_block(x, 32, name=name + "_block" + str(i + 1))
    return x


def transition_block(x, reduction, name):
    """BN-relu-1x1 convolution keeping `reduction` of the channels, then 2x2 average
    pooling.

    # Arguments
        x: input tensor.
        reduction: the fraction of channels kept.
        name: the block's name, prefix of its layer names.

    # Returns
        The output tensor.
    """
    x = _bn(x, name + "_bn")
    x = Activation("relu", name=name + "_relu")(x)
    x = Conv2D(int(K.int_shape(x)[_bn_axis()] * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000):
    """A DenseNet with `blocks` units in its four dense blocks. Expects inputs normalised
    by `densenet.preprocess_input` (torch style).

    # Arguments
        blocks: four unit counts, e.g. [6, 12, 24, 16] for DenseNet121.
        include_top: whether to build the classifier at the end.
        weights: None (random initialisation), 'imagenet' (Keras' file from the Keras
            cache, only for the three published depths) or the path of a weights file.
        input_tensor: an optional Keras tensor to use as the image input.
        input_shape: optional shape tuple, only to give when `include_top` is False
            (otherwise it must be (224, 224, 3) with ImageNet weights); at least 221 on
            each side with 3 channels.
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
    input_shape = _obtain_input_shape(input_shape, default_size=224, min_size=221,
                                      data_format=K.image_data_format(), require_flatten=include_top,
                                      weights=weights)
    img_input = image_input(input_tensor, input_shape, 224)

    x = ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = Conv2D(64, 7, strides=2, use_bias=False, name="conv1/conv")(x)
    x = _bn(x, "conv1/bn")
    x = Activation("relu", name="conv1/relu")(x)
    x = ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = MaxPooling2D(3, strides=2, name="pool1")(x)
    for index, units in enumerate(blocks):
        x = dense_block(x, units, name="conv" + str(index + 2))
        if index < len(blocks) - 1:
            x = transition_block(x, 0.5, name="pool" + str(index + 2))
    x = _bn(x, "bn")

    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation="softmax", name="fc1000")(x)
    else:
        x = global_pooling(x, pooling, avg_name="avg_pool", max_name="max_pool")

    model_name, description = _NAMED_BLOCKS.get(tuple(blocks), ("densenet", "DenseNet"))
    model = Model(model_inputs(input_tensor, img_input), x, name=model_name)
    if weights == "imagenet" and tuple(blocks) not in _NAMED_BLOCKS:
        raise ValueError("ImageNet weights exist only for DenseNet121, DenseNet169 and DenseNet201; got blocks " +
                         str(list(blocks)) + ".")
    suffix = "" if include_top else "_notop"
    fname = model_name + "_weights_tf_dim_ordering_tf_kernels" + suffix + ".h5"
    load_weights(model, weights, description, fname, BASE_WEIGHTS_PATH + fname)
    return model


def _densenet_with(blocks, doc_name):
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000):
        return DenseNet(blocks, include_top, weights, input_tensor, input_shape, pooling, classes)
    build.__name__ = build.__qualname__ = doc_name
    return build


DenseNet121 = _densenet_with([6, 12, 24, 16], "DenseNet121")
DenseNet169 = _densenet_with([6, 12, 32, 32], "DenseNet169")
DenseNet201 = _densenet_with([6, 12, 48, 32], "DenseNet201")
_COUNTS = {"DenseNet121": "8,062,504", "DenseNet169": "14,307,880", "DenseNet201": "20,242,984"}
for _builder in (DenseNet121, DenseNet169, DenseNet201):
    _builder.__doc__ = """The {} architecture ({} parameters with the classifier): `DenseNet`
    with its block counts; same arguments apart from `blocks`.

    # Arguments
        include_top: whether to build the classifier at the end.
        weights: None, 'imagenet' (Keras' file from the Keras cache) or a weights file.
        input_tensor: an optional Keras tensor to use as the image input.
        input_shape: optional shape tuple, at least 221 on each side with 3 channels.
        pooling: when `include_top` is False, None, 'avg' or 'max'.
        classes: the number of classes (1000 with ImageNet weights and the classifier).

    # Returns
        A Keras model instance.

    # Raises
        ValueError: for invalid `weights` or input shape.
        IOError: with `weights='imagenet'` when the weight file is not in the Keras cache.
    """.format(_builder.__name__, _COUNTS[_builder.__name__])


def preprocess_input(x, data_format=None):
    """Scale images to [0, 1] and standardise each channel with the ImageNet statistics,
    as the DenseNet weights expect (torch style).

    # Arguments
        x: a numpy array or K tensor of RGB images.
        data_format: 'channels_last', 'channels_first', or None for the configured one.

    # Returns
        The normalised images.
    """
    return imagenet_utils.preprocess_input(x, data_format, mode="torch")
