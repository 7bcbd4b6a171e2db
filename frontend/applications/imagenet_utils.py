"""ImageNet helpers shared by the applications (keras.applications.imagenet_utils):
input normalisation in the three styles the published weights were trained with,
decoding of class probabilities into WordNet labels, and the input-shape rules every
architecture applies before it builds."""
import json
import warnings

import numpy as np

from .. import backend as K
from .weight_files import cached_file

CLASS_INDEX_PATH = "https://s3.amazonaws.com/deep-learning-models/image-models/imagenet_class_index.json"
CLASS_INDEX_FILE = "imagenet_class_index.json"

# per-channel statistics of the ImageNet training set, as each weight family expects them
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN_RGB = (0.485, 0.456, 0.406)
_TORCH_STD_RGB = (0.229, 0.224, 0.225)

# the parsed class index of each file read so far, keyed by its path, so a changed
# KERAS_HOME (or a test's temporary cache) reads its own file
_class_index_by_path = {}


def _normalise_channels(x, channel_axis, mean, std):
    """Subtract `mean` (and divide by `std`) channel by channel, in place, on a numpy array."""
    for channel, channel_mean in enumerate(mean):
        index = [slice(None)] * x.ndim
        index[channel_axis] = channel
        x[tuple(index)] -= channel_mean
        if std is not None:
            x[tuple(index)] /= std[channel]
    return x


def _channel_axis(ndim, data_format):
    if data_format == "channels_last":
        return ndim - 1
    # channels_first: a single image (C, H, W) or a batch (N, C, H, W)
    return 0 if ndim == 3 else 1


def _preprocess_numpy_input(x, data_format, mode):
    # Keras works in place on a float array (the caller's array changes); other dtypes
    # cannot hold the result, so they are converted first
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(K.floatx())
    if mode == "tf":
        x /= 127.5
        x -= 1.
        return x
    channel_axis = _channel_axis(x.ndim, data_format)
    if mode == "torch":
        x /= 255.
        return _normalise_channels(x, channel_axis, _TORCH_MEAN_RGB, _TORCH_STD_RGB)
    # caffe: RGB -> BGR, then centre each channel on the ImageNet mean
    index = [slice(None)] * x.ndim
    index[channel_axis] = slice(None, None, -1)
    x = x[tuple(index)]
    return _normalise_channels(x, channel_axis, _CAFFE_MEAN_BGR, None)


def _preprocess_symbolic_input(x, data_format, mode):
    if mode == "tf":
        return x / 127.5 - 1.
    ndim = K.ndim(x)
    channel_axis = _channel_axis(ndim, data_format)
    if mode == "torch":
        x = x / 255.
        mean, std = _TORCH_MEAN_RGB, _TORCH_STD_RGB
    else:
        x = K.reverse(x, channel_axis)
        mean, std = _CAFFE_MEAN_BGR, None
    shape = [1] * ndim
    shape[channel_axis] = len(mean)
    x = x - K.constant(np.reshape(np.array(mean, dtype=K.floatx()), shape))
    if std is not None:
        x = x / K.constant(np.reshape(np.array(std, dtype=K.floatx()), shape))
    return x


def preprocess_input(x, data_format=None, mode="caffe"):
    """Normalise a batch of images the way the ImageNet weights were trained.

    # Arguments
        x: a numpy array or a K tensor of 3 or 4 dimensions, RGB images with values in
            [0, 255]. A float numpy array is changed in place, as in Keras.
        data_format: 'channels_last' or 'channels_first'; None means
            `K.image_data_format()`.
        mode: 'caffe' (RGB -> BGR, minus the ImageNet channel means, no scaling),
            'tf' (scaled to [-1, 1]) or 'torch' (scaled to [0, 1], then standardised
            with the ImageNet channel means and deviations).

    # Returns
        The normalised images, of the same kind as `x`.

    # Raises
        ValueError: for an unknown `data_format` or `mode`.
    """
    if data_format is None:
        data_format = K.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Unknown data_format " + str(data_format))
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError("Unknown mode " + str(mode) + ": expected 'caffe', 'tf' or 'torch'.")
    if isinstance(x, np.ndarray):
        return _preprocess_numpy_input(x, data_format=data_format, mode=mode)
    if K.is_tensor(x):
        return _preprocess_symbolic_input(x, data_format=data_format, mode=mode)
    return _preprocess_numpy_input(np.asarray(x), data_format=data_format, mode=mode)


def _class_index():
    path = cached_file(CLASS_INDEX_FILE, CLASS_INDEX_PATH, "the ImageNet class index")
    if path not in _class_index_by_path:
        with open(path) as index_file:
            _class_index_by_path[path] = json.load(index_file)
    return _class_index_by_path[path]


def decode_predictions(preds, top=5):
    """The `top` most probable ImageNet classes of each prediction.

    # Arguments
        preds: a numpy array of shape (samples, 1000), a model's softmax output.
        top: how many classes to return per sample.

    # Returns
        One list per sample of `(class_name, class_description, score)` tuples, the
        most probable first.

    # Raises
        ValueError: when `preds` is not of shape (samples, 1000).
        IOError: when `imagenet_class_index.json` is not in the Keras cache
            (`~/.keras/models/` or `$KERAS_HOME/models/`); keralite never downloads it.
    """
    preds = np.asarray(preds)
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         "(samples, 1000)). Found array with shape: " + str(preds.shape))
    class_index = _class_index()
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(class_index[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda entry: entry[2], reverse=True)
        results.append(result)
    return results


def _default_shape(input_shape, default_size, data_format, weights):
    """The shape the weights were trained at, keeping a user's channel count when no
    ImageNet weights constrain it."""
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if data_format == "channels_first" else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was passed an "
                          "input_shape with " + str(channels) + " input channels.")
    else:
        channels = 3
    if data_format == "channels_first":
        return (channels, default_size, default_size)
    return (default_size, default_size, channels)


def _check_given_shape(input_shape, min_size, data_format, weights):
    if len(input_shape) != 3:
        raise ValueError("`input_shape` must be a tuple of three integers.")
    if data_format == "channels_first":
        channels, rows, cols = input_shape
    else:
        rows, cols, channels = input_shape
    if channels != 3 and weights == "imagenet":
        raise ValueError("The input must have 3 channels; got `input_shape=" + str(input_shape) + "`")
    if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
        raise ValueError("Input size must be at least " + str(min_size) + "x" + str(min_size) +
                         "; got `input_shape=" + str(input_shape) + "`")


def _obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """The input shape a model builds with, checked against the model's rules.

    # Arguments
        input_shape: the user's shape (without the batch axis) or None.
        default_size: the side the ImageNet weights were trained at (e.g. 224).
        min_size: the smallest side the architecture accepts.
        data_format: 'channels_last' or 'channels_first'.
        require_flatten: whether the model ends in a flatten/classifier that needs a
            static spatial shape.
        weights: None, 'imagenet' or a path; 'imagenet' fixes the channel count at 3.

    # Returns
        A tuple of three entries (None for a free spatial size).

    # Raises
        ValueError: for a shape the model cannot take.
    """
    if input_shape is not None:
        input_shape = tuple(input_shape)
    default_shape = _default_shape(input_shape, default_size, data_format, weights)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting`include_top=True` and loading `imagenet` weights, `input_shape` "
                             "should be " + str(default_shape) + ".")
        return default_shape
    if input_shape:
        _check_given_shape(input_shape, min_size, data_format, weights)
    elif require_flatten:
        input_shape = default_shape
    elif data_format == "channels_first":
        input_shape = (3, None, None)
    else:
        input_shape = (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. Got "
                         "`input_shape=" + str(input_shape) + "`")
    return input_shape
