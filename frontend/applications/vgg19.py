"""VGG19 (Simonyan & Zisserman, 2014), as keras.applications.vgg19 builds it."""
from .imagenet_utils import decode_predictions, preprocess_input  # noqa: F401  (Keras exports both here)
from .vgg_base import build_vgg

WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.1/"
                "vgg19_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.1/"
                       "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000):
    """The VGG19 architecture: 16 3x3 convolutions in five blocks, then three dense layers.

    Expects inputs normalised by `vgg19.preprocess_input` (caffe style). 143,667,240
    parameters with the classifier.

    # Arguments
        include_top: whether to build the three fully-connected layers at the end.
        weights: None (random initialisation), 'imagenet' (Keras' file from the Keras
            cache) or the path of a weights file to load.
        input_tensor: an optional Keras tensor to use as the image input.
        input_shape: optional shape tuple, only to give when `include_top` is False
            (otherwise it must be (224, 224, 3) with ImageNet weights); at least 48 on
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
    return build_vgg("vgg19", (2, 2, 4, 4, 4), (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), include_top, weights,
                     input_tensor, input_shape, pooling, classes)
