"""Images as files and PIL images: array_to_img, img_to_array, load_img and
list_pictures (keras.preprocessing.image). Reading and writing images needs PIL (Pillow),
imported when present so the rest of the preprocessing works without it.
"""
import os
import re

import numpy as np

from .. import backend as K

try:
    from PIL import Image as pil_image
except ImportError:
    pil_image = None

if pil_image is not None:
    _PIL_INTERPOLATION_METHODS = {"nearest": pil_image.NEAREST, "bilinear": pil_image.BILINEAR,
                                  "bicubic": pil_image.BICUBIC}
    if hasattr(pil_image, "HAMMING"):
        _PIL_INTERPOLATION_METHODS["hamming"] = pil_image.HAMMING
    if hasattr(pil_image, "BOX"):
        _PIL_INTERPOLATION_METHODS["box"] = pil_image.BOX
    if hasattr(pil_image, "LANCZOS"):
        _PIL_INTERPOLATION_METHODS["lanczos"] = pil_image.LANCZOS
else:
    _PIL_INTERPOLATION_METHODS = {}


def require_pil(what):
    if pil_image is None:
        raise ImportError("Could not import PIL.Image. The use of `" + what + "` requires PIL "
                          "(pip install Pillow).")


def array_to_img(x, data_format=None, scale=True):
    """Converts a 3D Numpy array to a PIL image, e.g. to save or show an augmented sample.

    One channel gives an `'L'` image, 3 an `'RGB'` one, 4 an `'RGBA'` one.

    # Arguments
        x: 3D Numpy array, one image.
        data_format: `'channels_first'` or `'channels_last'`, the layout of `x`; None
            reads `image_data_format` from the Keras config.
        scale: whether to shift the values to be non-negative and stretch them to
            [0, 255] (for arrays that are not already pixel values).

    # Returns
        A PIL image.

    # Raises
        ImportError: when PIL is not installed.
        ValueError: for an array that is not 3D, an unknown `data_format`, or a
            channel count other than 1, 3 or 4.
    """
    require_pil("array_to_img")
    x = np.asarray(x, dtype=K.floatx())
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). Got array with shape:", x.shape)
    if data_format is None:
        data_format = K.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Invalid data_format:", data_format)
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x + max(-np.min(x), 0)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 3:
        return pil_image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 4:
        return pil_image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 1:
        return pil_image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError("Unsupported channel number: ", x.shape[2])


def img_to_array(img, data_format=None):
    """Converts a PIL image (or anything Numpy can read as a 2D or 3D array) to a float 3D array.

    A 2D (grayscale) image gets a channels axis of size 1, so every image has the rank
    the convolution layers expect.

    # Arguments
        img: a PIL image or array-like.
        data_format: `'channels_first'` or `'channels_last'`, the layout wanted; None
            reads `image_data_format` from the Keras config.

    # Returns
        3D Numpy array of dtype `K.floatx()`.

    # Raises
        ValueError: for an unknown `data_format` or an image that is neither 2D nor 3D.
    """
    if data_format is None:
        data_format = K.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Unknown data_format: ", data_format)
    x = np.asarray(img, dtype=K.floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        if data_format == "channels_first":
            x = x.reshape((1, x.shape[0], x.shape[1]))
        else:
            x = x.reshape((x.shape[0], x.shape[1], 1))
    else:
        raise ValueError("Unsupported image shape: ", x.shape)
    return x


def load_img(path, grayscale=False, target_size=None, interpolation="nearest"):
    """Reads an image file as a PIL image, converted to grayscale or RGB and optionally resized.

    # Arguments
        path: path of the image file.
        grayscale: whether to convert to one channel (`'L'`) instead of `'RGB'`.
        target_size: None, or `(height, width)` to resize to.
        interpolation: the resampling method used to resize: `'nearest'`,
            `'bilinear'` or `'bicubic'` (and others PIL offers).

    # Returns
        A PIL image.

    # Raises
        ImportError: when PIL is not installed.
        ValueError: for an interpolation method PIL does not offer.
    """
    require_pil("load_img")
    img = pil_image.open(path)
    wanted_mode = "L" if grayscale else "RGB"
    if img.mode != wanted_mode:
        img = img.convert(wanted_mode)
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            if interpolation not in _PIL_INTERPOLATION_METHODS:
                raise ValueError("Invalid interpolation method {} specified. Supported methods are {}".format(
                    interpolation, ", ".join(_PIL_INTERPOLATION_METHODS.keys())))
            img = img.resize(width_height, _PIL_INTERPOLATION_METHODS[interpolation])
    return img


def list_pictures(directory, ext="jpg|jpeg|bmp|png|ppm"):
    """Lists the image files under a directory, recursively.

    # Arguments
        directory: the directory to search.
        ext: the file extensions to match, as a regular-expression alternation.

    # Returns
        List of file paths.
    """
    pattern = re.compile(r"([\w]+\.(?:" + ext + "))")
    return [os.path.join(root, name) for root, _, files in os.walk(directory) for name in files
            if pattern.match(name)]
