"""Image preprocessing (keras.preprocessing.image): random affine transforms, PIL
conversions, and ImageDataGenerator with its iterators over arrays and folders.

Arrays hold one image as (rows, cols, channels) or (channels, rows, cols) according
to `data_format` (default `K.image_data_format()`). Affine transforms need SciPy;
reading and writing image files needs PIL (Pillow).
"""
import os
import re
import threading
import warnings

import numpy as np

from .. import backend as K
from ..utils.data_utils import Sequence

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


def _require_pil(what):
    if pil_image is None:
        raise ImportError("Could not import PIL.Image. The use of `" + what + "` requires PIL "
                          "(pip install Pillow).")


# ------------------------------------------------------------------ affine transforms
def transform_matrix_offset_center(matrix, x, y):
    """`matrix` (3x3, homogeneous) re-centred so it acts about the centre of an x-by-y
    image instead of its corner. The centre is that of the pixel grid, (x - 1) / 2:
    Keras 2.1.6 used x / 2 + 0.5, which moved rotated images by a pixel (later Keras
    releases fixed it the same way)."""
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def apply_transform(x, transform_matrix, channel_axis=0, fill_mode="nearest", cval=0.):
    """Apply a 3x3 affine matrix to each channel of the image `x` (a 3D array). The
    matrix maps output coordinates (row, col) to input coordinates; points outside
    the input are filled per `fill_mode` ('constant' with `cval`, 'nearest',
    'reflect' or 'wrap'). Sampling is nearest-neighbour, as in Keras 2.1.6."""
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError("Image transformations require SciPy. Install SciPy.")
    x = np.rollaxis(x, channel_axis, 0)
    affine = transform_matrix[:2, :2]
    offset = transform_matrix[:2, 2]
    channels = [ndimage.affine_transform(channel, affine, offset, order=0, mode=fill_mode, cval=cval)
                for channel in x]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def _rotation_matrix(theta):
    return np.array([[np.cos(theta), -np.sin(theta), 0],
                     [np.sin(theta), np.cos(theta), 0],
                     [0, 0, 1]])


def _shift_matrix(tx, ty):
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])


def _shear_matrix(shear):
    return np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])


def _zoom_matrix(zx, zy):
    return np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Rotate the image by an angle drawn uniformly in [-rg, rg] degrees."""
    theta = np.deg2rad(np.random.uniform(-rg, rg))
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(_rotation_matrix(theta), h, w)
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Shift the image by fractions drawn in [-hrg, hrg] of its height and [-wrg, wrg]
    of its width."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_transform(x, _shift_matrix(tx, ty), channel_axis, fill_mode, cval)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Shear the image by an angle drawn in [-intensity, intensity] degrees."""
    shear = np.deg2rad(np.random.uniform(-intensity, intensity))
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(_shear_matrix(shear), h, w)
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Zoom each axis by a factor drawn in `zoom_range` = (lower, upper) (a factor
    above 1 shows a smaller part of the image)."""
    if len(zoom_range) != 2:
        raise ValueError("`zoom_range` should be a tuple or list of two floats. Received arg: ", zoom_range)
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(_zoom_matrix(zx, zy), h, w)
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_channel_shift(x, intensity, channel_axis=0):
    """Add to each channel its own offset drawn in [-intensity, intensity], clipped to
    the image's original value range."""
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    channels = [np.clip(channel + np.random.uniform(-intensity, intensity), min_x, max_x) for channel in x]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def random_brightness(x, brightness_range):
    """Scale the image by a factor drawn in `brightness_range` (1 keeps it), clipped
    to [0, 255] as PIL's brightness enhancer does for 8-bit images."""
    if len(brightness_range) != 2:
        raise ValueError("`brightness_range should be tuple or list of two floats. Received: %s"
                         % (brightness_range,))
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return np.clip(x * factor, 0, 255).astype(x.dtype)


def flip_axis(x, axis):
    """The image mirrored along `axis`."""
    return np.flip(np.asarray(x), axis)


# ------------------------------------------------------------------ PIL conversions
def array_to_img(x, data_format=None, scale=True):
    """A 3D array as a PIL image (1 channel: 'L', 3: 'RGB', 4: 'RGBA'). With `scale`,
    values are shifted to be non-negative and stretched to [0, 255]."""
    _require_pil("array_to_img")
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
    """A PIL image (or anything numpy can read as a 2D/3D array) as a float 3D array."""
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
    """Read an image file as a PIL image ('L' if `grayscale`, else 'RGB'), resized to
    `target_size` = (height, width) when given."""
    _require_pil("load_img")
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
    """Paths of the files under `directory` whose extension matches `ext`."""
    pattern = re.compile(r"([\w]+\.(?:" + ext + "))")
    return [os.path.join(root, name) for root, _, files in os.walk(directory) for name in files
            if pattern.match(name)]


# ------------------------------------------------------------------ ImageDataGenerator
def _shift_amount(shift_range, size):
    """A random shift in pixels for one axis of `size` pixels (see ImageDataGenerator)."""
    if isinstance(shift_range, (int, np.integer)) and not isinstance(shift_range, bool):
        amount = np.random.randint(shift_range) * np.random.choice([-1, 1]) if shift_range > 0 else 0
    elif np.ndim(shift_range) == 1:
        amount = np.random.choice(shift_range) * np.random.choice([-1, 1])
    else:
        amount = np.random.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:
        amount *= size
    return amount


class ImageDataGenerator:
    """Batches of images with real-time augmentation and normalisation.

    Augmentation (random_transform, per image): rotation_range (degrees),
    width_shift_range / height_shift_range (a float: fraction of the size if < 1,
    pixels otherwise; an int: whole pixels in (-n, n); a list: one of its values with
    a random sign), shear_range (degrees), zoom_range (a float z: [1-z, 1+z], or
    [lower, upper]), channel_shift_range, brightness_range, horizontal_flip,
    vertical_flip; fill_mode and cval fill the points that come from outside.
    Normalisation (standardize, per image, in this order): preprocessing_function,
    rescale, samplewise centering / std normalisation, featurewise centering / std
    normalisation and ZCA whitening (these three need `fit` first).
    `validation_split` reserves a fraction of the data for `subset='validation'`."""

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0.,
                 width_shift_range=0., height_shift_range=0., brightness_range=None, shear_range=0.,
                 zoom_range=0., channel_shift_range=0., fill_mode="nearest", cval=0., horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0):
        if data_format is None:
            data_format = K.image_data_format()
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function

        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError("`data_format` should be `\"channels_last\"` (channel after row and column) or "
                             "`\"channels_first\"` (channel before row and column). Received arg: ", data_format)
        self.data_format = data_format
        # axes in a batch (axis 0 is the sample)
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1. Received arg: ",
                             validation_split)
        self._validation_split = validation_split

        self.mean = None
        self.std = None
        self.principal_components = None

        if np.isscalar(zoom_range):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2:
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. Received arg: ",
                             zoom_range)
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                              "`featurewise_center`.")
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                              "`featurewise_std_normalization`.")
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                          "setting of `featurewise_center`.")
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                          "setting of `samplewise_center`.")

    # ---------------------------------------------------------------- iterators
    def flow(self, x, y=None, batch_size=32, shuffle=True, seed=None, save_to_dir=None, save_prefix="",
             save_format="png", subset=None):
        """An iterator (and Sequence) of (augmented x, y) batches over arrays."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                  data_format=self.data_format, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                  save_format=save_format, subset=subset)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest"):
        """An iterator (and Sequence) of batches of images read from `directory`, one
        subfolder per class. Needs PIL."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 classes=classes, class_mode=class_mode, data_format=self.data_format,
                                 batch_size=batch_size, shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format, follow_links=follow_links,
                                 subset=subset, interpolation=interpolation)

    # ---------------------------------------------------------------- per image
    def _warn_not_fit(self, option):
        warnings.warn("This ImageDataGenerator specifies `" + option + "`, but it hasn't been fit on any "
                      "training data. Fit it first by calling `.fit(numpy_data)`.")

    def standardize(self, x):
        """Normalise one image (in place where it can): see the class docstring."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= (np.std(x, keepdims=True) + K.epsilon())
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                self._warn_not_fit("featurewise_center")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= (self.std + K.epsilon())
            else:
                self._warn_not_fit("featurewise_std_normalization")
        if self.zca_whitening:
            if self.principal_components is not None:
                flat_x = np.reshape(x, (-1, int(np.prod(x.shape[-3:]))))
                x = np.reshape(np.dot(flat_x, self.principal_components), x.shape)
            else:
                self._warn_not_fit("zca_whitening")
        return x

    def random_transform(self, x, seed=None):
        """One image with a random augmentation applied (see the class docstring)."""
        row_axis = self.row_axis - 1
        col_axis = self.col_axis - 1
        channel_axis = self.channel_axis - 1
        if seed is not None:
            np.random.seed(seed)

        theta = np.deg2rad(np.random.uniform(-self.rotation_range, self.rotation_range)) \
            if self.rotation_range else 0
        tx = _shift_amount(self.height_shift_range, x.shape[row_axis]) if self.height_shift_range else 0
        ty = _shift_amount(self.width_shift_range, x.shape[col_axis]) if self.width_shift_range else 0
        shear = np.deg2rad(np.random.uniform(-self.shear_range, self.shear_range)) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)

        # compose the matrices of the transforms that do something
        parts = []
        if theta != 0:
            parts.append(_rotation_matrix(theta))
        if tx != 0 or ty != 0:
            parts.append(_shift_matrix(tx, ty))
        if shear != 0:
            parts.append(_shear_matrix(shear))
        if zx != 1 or zy != 1:
            parts.append(_zoom_matrix(zx, zy))
        if parts:
            matrix = parts[0]
            for part in parts[1:]:
                matrix = np.dot(matrix, part)
            h, w = x.shape[row_axis], x.shape[col_axis]
            matrix = transform_matrix_offset_center(matrix, h, w)
            x = apply_transform(x, matrix, channel_axis, fill_mode=self.fill_mode, cval=self.cval)

        if self.channel_shift_range != 0:
            x = random_channel_shift(x, self.channel_shift_range, channel_axis)
        if self.horizontal_flip and np.random.random() < 0.5:
            x = flip_axis(x, col_axis)
        if self.vertical_flip and np.random.random() < 0.5:
            x = flip_axis(x, row_axis)
        if self.brightness_range is not None:
            x = random_brightness(x, self.brightness_range)
        return x

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the statistics that featurewise normalisation and ZCA whitening use,
        from a rank-4 batch of images (augmented `rounds` times if `augment`)."""
        x = np.asarray(x, dtype=K.floatx())
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: " + str(x.shape))
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn("Expected input to be images (as Numpy array) following the data format convention \"" +
                          self.data_format + "\" (channels on axis " + str(self.channel_axis) + "), i.e. "
                          "expected either 1, 3 or 4 channels on axis " + str(self.channel_axis) + ". However, it "
                          "was passed an array with shape " + str(x.shape) + " (" +
                          str(x.shape[self.channel_axis]) + " channels).")
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if augment:
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=K.floatx())
            for r in range(rounds):
                for i in range(x.shape[0]):
                    augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented

        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x /= (self.std + K.epsilon())
        if self.zca_whitening:
            flat_x = np.reshape(x, (x.shape[0], -1))
            sigma = np.dot(flat_x.T, flat_x) / flat_x.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            s_inv = 1. / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = (u * s_inv).dot(u.T)


class Iterator(Sequence):
    """Base of the image iterators: batches of `batch_size` indices into `n` samples,
    reshuffled each epoch when `shuffle`. Usable as a Python iterator (next()) and,
    being a Sequence, by index (fit_generator with several workers)."""

    def __init__(self, n, batch_size, shuffle, seed):
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError("Asked to retrieve element {idx}, but the Sequence has length {length}".format(
                idx=idx, length=len(self)))
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        """Yield the index arrays of successive batches, forever."""
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current_index = (self.batch_index * self.batch_size) % self.n
            if self.n > current_index + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current_index:current_index + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        with self.lock:  # one thread at a time advances the index generator
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _save_batch(self, batch_x, index_array):
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            fname = "{prefix}_{index}_{hash}.{format}".format(prefix=self.save_prefix, index=j,
                                                             hash=np.random.randint(1e4), format=self.save_format)
            img.save(os.path.join(self.save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Batches from a rank-4 array of images `x` (or a tuple (images, other arrays),
    whose other arrays are batched alongside untouched) and labels `y`."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", subset=None):
        if isinstance(x, (tuple, list)):
            x_misc = [np.asarray(x[1])] if not isinstance(x[1], list) else [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError("All of the arrays in `x` should have the same length. Found a pair with: "
                                     "len(x[0]) = %s, len(x[?]) = %s" % (len(x), len(xx)))
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             "x.shape = %s, y.shape = %s" % (np.asarray(x).shape, np.asarray(y).shape))
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError("Invalid subset name:", subset, "; expected \"training\" or \"validation\".")
            split_at = int(len(x) * image_data_generator._validation_split)
            part = slice(None, split_at) if subset == "validation" else slice(split_at, None)
            x = x[part]
            x_misc = [np.asarray(xx[part]) for xx in x_misc]
            if y is not None:
                y = y[part]
        if data_format is None:
            data_format = K.image_data_format()
        self.x = np.asarray(x, dtype=K.floatx())
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError("Input data in `NumpyArrayIterator` should have rank 4. You passed an array with "
                             "shape", self.x.shape)
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn("NumpyArrayIterator is set to use the data format convention \"" + data_format +
                          "\" (channels on axis " + str(channels_axis) + "), i.e. expected either 1, 3 or 4 "
                          "channels on axis " + str(channels_axis) + ". However, it was passed an array with "
                          "shape " + str(self.x.shape) + " (" + str(self.x.shape[channels_axis]) + " channels).")
        self.y = np.asarray(y) if y is not None else None
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=K.floatx())
        for i, j in enumerate(index_array):
            x = self.image_data_generator.random_transform(self.x[j].astype(K.floatx()))
            batch_x[i] = self.image_data_generator.standardize(x)
        if self.save_to_dir:
            self._save_batch(batch_x, index_array)
        batch_misc = [xx[index_array] for xx in self.x_misc]
        inputs = [batch_x] + batch_misc if batch_misc else batch_x
        if self.y is None:
            return inputs
        return inputs, self.y[index_array]


_IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"}


def _image_files(directory, follow_links):
    """Paths (relative to `directory`) of the image files under it, in sorted order."""
    found = []
    for root, dirs, files in os.walk(directory, followlinks=follow_links):
        dirs.sort()
        for name in sorted(files):
            if name.lower().rsplit(".", 1)[-1] in _IMAGE_EXTENSIONS and "." in name:
                found.append(os.path.relpath(os.path.join(root, name), directory))
    return found


class DirectoryIterator(Iterator):
    """Batches of images read from `directory/<class>/...` (one subfolder per class;
    `classes` picks and orders them, default all subfolders sorted). `class_mode`:
    'categorical' (one-hot), 'binary', 'sparse' (integer), 'input' (the images
    themselves) or None (images only)."""

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest"):
        _require_pil("flow_from_directory")
        if data_format is None:
            data_format = K.image_data_format()
        self.directory = directory
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        if color_mode not in {"rgb", "grayscale"}:
            raise ValueError("Invalid color mode:", color_mode, "; expected \"rgb\" or \"grayscale\".")
        self.color_mode = color_mode
        self.data_format = data_format
        channels = (3,) if color_mode == "rgb" else (1,)
        self.image_shape = self.target_size + channels if data_format == "channels_last" \
            else channels + self.target_size
        if class_mode not in {"categorical", "binary", "sparse", "input", None}:
            raise ValueError("Invalid class_mode:", class_mode, "; expected one of \"categorical\", \"binary\", "
                             "\"sparse\", \"input\" or None.")
        self.class_mode = class_mode
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation

        if subset is not None:
            validation_split = image_data_generator._validation_split
            if subset == "validation":
                split = (0, validation_split)
            elif subset == "training":
                split = (validation_split, 1)
            else:
                raise ValueError("Invalid subset name: ", subset, "; expected \"training\" or \"validation\"")
        else:
            split = None
        self.subset = subset

        if not classes:
            classes = sorted(name for name in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, name)))
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))

        self.filenames = []
        labels = []
        for class_name in classes:
            files = _image_files(os.path.join(directory, class_name), follow_links)
            if split is not None:
                files = files[int(split[0] * len(files)):int(split[1] * len(files))]
            self.filenames.extend(os.path.join(class_name, name) for name in files)
            labels.extend([self.class_indices[class_name]] * len(files))
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print("Found %d images belonging to %d classes." % (self.samples, self.num_classes))
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=K.floatx())
        grayscale = self.color_mode == "grayscale"
        for i, j in enumerate(index_array):
            img = load_img(os.path.join(self.directory, self.filenames[j]), grayscale=grayscale,
                           target_size=self.target_size, interpolation=self.interpolation)
            x = img_to_array(img, data_format=self.data_format)
            x = self.image_data_generator.random_transform(x)
            batch_x[i] = self.image_data_generator.standardize(x)
        if self.save_to_dir:
            self._save_batch(batch_x, index_array)
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode == "sparse":
            return batch_x, self.classes[index_array]
        if self.class_mode == "binary":
            return batch_x, self.classes[index_array].astype(K.floatx())
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), self.num_classes), dtype=K.floatx())
            batch_y[np.arange(len(index_array)), self.classes[index_array]] = 1.
            return batch_x, batch_y
        return batch_x
