"""ResNet50 (He et al., 2015), as keras.applications.resnet50 builds it."""
from .. import backend as K
from ..engine.training import Model
from ..layers import (Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D,
                      add)
from .building import global_pooling, image_input, model_inputs
from .imagenet_utils import _obtain_input_shape, decode_predictions, preprocess_input  # noqa: F401
from .weight_files import check_weights_argument, load_weights

WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.2/"
                "resnet50_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.2/"
                       "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5")


def _bn_axis():
    return 3 if K.image_data_format() == "channels_last" else 1


def _bottleneck(input_tensor, kernel_size, filters, stage, block, strides):
    """The 1x1 -> kxk -> 1x1 path shared by both block kinds, before its addition."""
    filters1, filters2, filters3 = filters
    conv_name_base = "res" + str(stage) + block + "_branch"
    bn_name_base = "bn" + str(stage) + block + "_branch"
    x = Conv2D(filters1, (1, 1), strides=strides, name=conv_name_base + "2a")(input_tensor)
    x = BatchNormalization(axis=_bn_axis(), name=bn_name_base + "2a")(x)
    x = Activation("relu")(x)
    x = Conv2D(filters2, kernel_size, padding="same", name=conv_name_base + "2b")(x)
    x = BatchNormalization(axis=_bn_axis(), name=bn_name_base + "2b")(x)
    x = Activation("relu")(x)
    x = Conv2D(filters3, (1, 1), name=conv_name_base + "2c")(x)
    return BatchNormalization(axis=_bn_axis(), name=bn_name_base + "2c")(x)


def identity_block(input_tensor, kernel_size, filters, stage, block):
    """A residual block whose shortcut is the input itself.

    # Arguments
        input_tensor: the block's input.
        kernel_size: the middle convolution's kernel size.
        filters: the three convolutions' filter counts.
        stage: the stage number, part of the layer names.
        block: 'a', 'b', ..., the block's letter in its stage.

    # Returns
        The block's output tensor.
    """
    x = _bottleneck(input_tensor, kernel_size, filters, stage, block, strides=(1, 1))
    x = add([x, input_tensor])
    return Activation("relu")(x)


def conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2)):
    """A residual block whose shortcut is a strided 1x1 convolution (it changes the size).

    # Arguments
        input_tensor: the block's input.
        kernel_size: the middle convolution's kernel size.
        filters: the three convolutions' filter counts.
        stage: the stage number, part of the layer names.
        block: 'a', 'b', ..., the block's letter in its stage.
        strides: the strides of the first convolution and of the shortcut.

    # Returns
        The block's output tensor.
    """
    x = _bottleneck(input_tensor, kernel_size, filters, stage, block, strides=strides)
    shortcut = Conv2D(filters[2], (1, 1), strides=strides, name="res" + str(stage) + block + "_branch1")(input_tensor)
    shortcut = BatchNormalization(axis=_bn_axis(), name="bn" + str(stage) + block + "_branch1")(shortcut)
    x = add([x, shortcut])
    return Activation("relu")(x)


# (filters, identity blocks after the conv block) of stages 2 to 5
_STAGES = (((64, 64, 256), "bc"), ((128, 128, 512), "bcd"), ((256, 256, 1024), "bcdef"),
           ((512, 512, 2048), "bc"))


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000):
    """The ResNet50 architecture. Expects inputs normalised by `resnet50.preprocess_input`
    (caffe style). 25,636,712 parameters with the classifier.

    # Arguments
        include_top: whether to build the fully-connected layer at the end.
        weights: None (random initialisation), 'imagenet' (Keras' file from the Keras
            cache) or the path of a weights file to load.
        input_tensor: an optional Keras tensor to use as the image input.
        input_shape: optional shape tuple, only to give when `include_top` is False
            (otherwise it must be (224, 224, 3) with ImageNet weights); at least 197 on
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
    input_shape = _obtain_input_shape(input_shape, default_size=224, min_size=197,
                                      data_format=K.image_data_format(), require_flatten=include_top,
                                      weights=weights)
    img_input = image_input(input_tensor, input_shape, 224)

    x = Conv2D(64, (7, 7), strides=(2, 2), padding="same", name="conv1")(img_input)
    x = BatchNormalization(axis=_bn_axis(), name="bn_conv1")(x)
    x = Activation("relu")(x)
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)

    for stage, (filters, identity_letters) in enumerate(_STAGES, start=2):
        strides = (1, 1) if stage == 2 else (2, 2)
        x = conv_block(x, 3, filters, stage=stage, block="a", strides=strides)
        for letter in identity_letters:
            x = identity_block(x, 3, filters, stage=stage, block=letter)

    x = AveragePooling2D((7, 7), name="avg_pool")(x)
    if include_top:
        x = Flatten()(x)
        x = Dense(classes, activation="softmax", name="fc1000")(x)
    else:
        x = global_pooling(x, pooling)

    model = Model(model_inputs(input_tensor, img_input), x, name="resnet50")
    if include_top:
        fname, url = "resnet50_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH
    else:
        fname, url = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP
    load_weights(model, weights, "ResNet50", fname, url)
    return model
