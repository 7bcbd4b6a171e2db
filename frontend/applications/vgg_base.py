"""The VGG family's one construction (keras.applications.vgg16 and vgg19 differ only
in how many convolutions each of the five blocks holds)."""
import warnings

from .. import backend as K
from ..engine.training import Model
from ..layers import Conv2D, Dense, Flatten, MaxPooling2D
from ..utils import layer_utils
from .building import global_pooling, image_input, model_inputs
from .imagenet_utils import _obtain_input_shape
from .weight_files import cached_file, check_weights_argument

BLOCK_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(model_name, convs_per_block, weight_urls, include_top, weights, input_tensor, input_shape,
              pooling, classes):
    """A VGG network as Keras builds it.

    # Arguments
        model_name: 'vgg16' or 'vgg19' (the model's name and its weight files' prefix).
        convs_per_block: the number of 3x3 convolutions in each of the five blocks.
        weight_urls: (url with the classifier, url without), where Keras downloads the
            ImageNet weights from.
        include_top, weights, input_tensor, input_shape, pooling, classes: as for VGG16.

    # Returns
        A Keras `Model`.

    # Raises
        ValueError: for invalid `weights`, `classes` or input shape.
    """
    check_weights_argument(weights, include_top, classes)
    input_shape = _obtain_input_shape(input_shape, default_size=224, min_size=48, data_format=K.image_data_format(),
                                      require_flatten=include_top, weights=weights)
    img_input = image_input(input_tensor, input_shape, 224)

    x = img_input
    for block, (filters, convs) in enumerate(zip(BLOCK_FILTERS, convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = Conv2D(filters, (3, 3), activation="relu", padding="same",
                       name="block{}_conv{}".format(block, conv))(x)
        x = MaxPooling2D((2, 2), strides=(2, 2), name="block{}_pool".format(block))(x)

    if include_top:
        x = Flatten(name="flatten")(x)
        x = Dense(4096, activation="relu", name="fc1")(x)
        x = Dense(4096, activation="relu", name="fc2")(x)
        x = Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)

    model = Model(model_inputs(input_tensor, img_input), x, name=model_name)

    if weights == "imagenet":
        suffix = "" if include_top else "_notop"
        fname = model_name + "_weights_tf_dim_ordering_tf_kernels" + suffix + ".h5"
        url = weight_urls[0] if include_top else weight_urls[1]
        model.load_weights(cached_file(fname, url, "The ImageNet weights of " + model_name.upper()))
        if K.image_data_format() == "channels_first" and include_top:
            # the file's first dense kernel expects a channels_last flatten order
            pool_shape = model.get_layer(name="block5_pool").output_shape[1:]
            layer_utils.convert_dense_weights_data_format(model.get_layer(name="fc1"), pool_shape,
                                                          "channels_first")
            warnings.warn("You are using the TensorFlow backend, yet you are using the Theano image data "
                          "format convention (`image_data_format=\"channels_first\"`). For best "
                          "performance, set `image_data_format=\"channels_last\"` in your Keras config "
                          "at ~/.keras/keras.json.")
    elif weights is not None:
        model.load_weights(weights)
    return model
