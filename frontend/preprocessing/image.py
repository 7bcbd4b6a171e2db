"""Image preprocessing (keras.preprocessing.image): ImageDataGenerator, and under
Keras' path the random affine transforms (image_transforms), PIL conversions
(image_files) and the iterators over arrays and folders (image_iterators).

Arrays hold one image as (rows, cols, channels) or (channels, rows, cols) according
to `data_format` (default `K.image_data_format()`). Affine transforms need SciPy;
reading and writing image files needs PIL (Pillow).
"""
import warnings

import numpy as np

from .. import backend as K
from .image_files import array_to_img, img_to_array, load_img, list_pictures  # noqa: F401
from .image_iterators import Iterator, NumpyArrayIterator, DirectoryIterator  # noqa: F401
from .image_transforms import (transform_matrix_offset_center, apply_transform, random_rotation,  # noqa: F401
                               random_shift, random_shear, random_zoom, random_channel_shift,
                               random_brightness, flip_axis, rotation_matrix, shift_matrix,
                               shear_matrix, zoom_matrix)


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

    Random transformations give the model new variants of each image every epoch,
    which reduces overfitting on small image datasets. Augmentation runs per image in
    `random_transform`; normalisation runs per image in `standardize`, in this order:
    `preprocessing_function`, `rescale`, samplewise centering / std normalisation,
    featurewise centering / std normalisation and ZCA whitening (these three need
    `fit` first).

    # Arguments
        featurewise_center: subtract the dataset's mean (computed by `fit`).
        samplewise_center: subtract each image's own mean.
        featurewise_std_normalization: divide by the dataset's std (from `fit`).
        samplewise_std_normalization: divide each image by its own std.
        zca_whitening: apply ZCA whitening (computed by `fit`), which decorrelates
            pixels.
        zca_epsilon: the regulariser added to the eigenvalues in ZCA whitening.
        rotation_range: the largest random rotation, in degrees.
        width_shift_range: a float (a fraction of the width if below 1, pixels
            otherwise), an int (whole pixels in (-n, n)) or a list (one of its values
            with a random sign).
        height_shift_range: the same, for the height.
        brightness_range: None, or `(lower, upper)` factors of a random brightness
            change.
        shear_range: the largest shear angle, in degrees.
        zoom_range: a float `z` for factors in `[1 - z, 1 + z]`, or `[lower, upper]`.
        channel_shift_range: the largest random offset added to each channel.
        fill_mode: how points from outside the image are filled: `'constant'`,
            `'nearest'`, `'reflect'` or `'wrap'`.
        cval: the fill value for `'constant'`.
        horizontal_flip: flip images left-right at random.
        vertical_flip: flip images upside down at random.
        rescale: a factor every image is multiplied by (e.g. `1. / 255`), or None.
        preprocessing_function: a function applied to each image first, taking and
            returning a rank-3 array.
        data_format: `'channels_first'` or `'channels_last'`; None reads the Keras
            config.
        validation_split: the fraction of the data reserved for `subset='validation'`.

    # Raises
        ValueError: for an unknown `data_format`, a `validation_split` outside (0, 1),
            or a malformed `zoom_range`.
    """

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
        """An iterator (and Sequence) of augmented batches over arrays in memory.

        # Arguments
            x: rank-4 array of images, or a tuple `(images, other arrays)`.
            y: labels, or None.
            batch_size: the number of images per batch.
            shuffle: whether to reshuffle each epoch.
            seed: random seed of shuffling and augmentation.
            save_to_dir: optional directory where augmented images are saved.
            save_prefix: file name prefix of the saved images.
            save_format: `'png'` or `'jpeg'`.
            subset: `'training'` or `'validation'`, with `validation_split`.

        # Returns
            A NumpyArrayIterator yielding `(x, y)` batches (or `x` without labels).
        """
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                  data_format=self.data_format, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                  save_format=save_format, subset=subset)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest"):
        """An iterator (and Sequence) of augmented batches of images read from a folder per class.

        # Arguments
            directory: the folder holding one subfolder per class.
            target_size: `(height, width)` every image is resized to.
            color_mode: `'rgb'` or `'grayscale'`.
            classes: optional list of subfolder names (default: all, sorted).
            class_mode: `'categorical'`, `'binary'`, `'sparse'`, `'input'` or None.
            batch_size: the number of images per batch.
            shuffle: whether to reshuffle each epoch.
            seed: random seed.
            save_to_dir: optional directory where augmented images are saved.
            save_prefix: file name prefix of the saved images.
            save_format: `'png'` or `'jpeg'`.
            follow_links: whether to follow symbolic links to subfolders.
            subset: `'training'` or `'validation'`, with `validation_split`.
            interpolation: the resampling method used to resize images.

        # Returns
            A DirectoryIterator yielding `(x, y)` batches.
        """
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
        """Normalises one image as configured (in place where it can).

        # Arguments
            x: rank-3 array, one image.

        # Returns
            The normalised image.
        """
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
        """Applies one random augmentation, drawn from the configured ranges, to an image.

        # Arguments
            x: rank-3 array, one image.
            seed: optional random seed, for a repeatable transformation.

        # Returns
            The transformed image.
        """
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
            parts.append(rotation_matrix(theta))
        if tx != 0 or ty != 0:
            parts.append(shift_matrix(tx, ty))
        if shear != 0:
            parts.append(shear_matrix(shear))
        if zx != 1 or zy != 1:
            parts.append(zoom_matrix(zx, zy))
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
        """Computes the dataset statistics that featurewise normalisation and ZCA whitening use.

        Only needed when `featurewise_center`, `featurewise_std_normalization` or
        `zca_whitening` is set.

        # Arguments
            x: rank-4 array of sample images.
            augment: whether to compute the statistics on augmented copies.
            rounds: the number of augmented copies of each image, with `augment`.
            seed: random seed of the augmentation.

        # Raises
            ValueError: when `x` is not rank 4.
        """
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
