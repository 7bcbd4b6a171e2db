"""The iterators ImageDataGenerator.flow and flow_from_directory return: batches of
augmented images from an array (NumpyArrayIterator) or from a folder per class
(DirectoryIterator), usable as Python iterators and as Sequences.
"""
import os
import threading
import warnings

import numpy as np

from .. import backend as K
from ..utils.data_utils import Sequence
from .image_files import array_to_img, img_to_array, load_img, require_pil


class Iterator(Sequence):
    """Base of the image iterators: batches of `batch_size` indices into `n` samples.

    Usable as a Python iterator (`next()`) and, being a Sequence, by index, so
    `fit_generator` can read it with several workers without repeating batches.

    # Arguments
        n: the number of samples.
        batch_size: the number of samples per batch.
        shuffle: whether to reshuffle the sample order each epoch.
        seed: random seed of the shuffling and of the augmentation.
    """

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
        """Starts the next `next()` call from the first batch of a new epoch."""
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
        """The next batch, for use as a Python iterator (thread-safe).

        # Returns
            The batch: `(x, y)`, or `x` alone when there are no labels.
        """
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
    """Batches of augmented images from a Numpy array; what `ImageDataGenerator.flow` returns.

    # Arguments
        x: rank-4 array of images, or a tuple `(images, other arrays)` whose other
            arrays are batched alongside, untouched.
        y: labels, one per image, or None.
        image_data_generator: the ImageDataGenerator that transforms each image.
        batch_size: the number of images per batch.
        shuffle: whether to reshuffle each epoch.
        seed: random seed.
        data_format: `'channels_first'` or `'channels_last'`; None reads the Keras config.
        save_to_dir: optional directory where the augmented images are saved, to see
            what the model is trained on.
        save_prefix: file name prefix of the saved images.
        save_format: `'png'` or `'jpeg'`.
        subset: `'training'` or `'validation'`, the part of the data to use when the
            generator has a `validation_split`.

    # Raises
        ValueError: for arrays of different lengths, an unknown `subset`, or images
            that are not rank 4.
    """

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
    """Batches of augmented images read from a folder with one subfolder per class.

    What `ImageDataGenerator.flow_from_directory` returns: images are read as they are
    needed, so a dataset larger than memory can be used for training.

    # Arguments
        directory: the folder holding one subfolder per class.
        image_data_generator: the ImageDataGenerator that transforms each image.
        target_size: `(height, width)` every image is resized to.
        color_mode: `'rgb'` or `'grayscale'`.
        classes: optional list of subfolder names, which picks the classes and their
            order (default: every subfolder, sorted).
        class_mode: `'categorical'` (one-hot labels), `'binary'`, `'sparse'` (integer
            labels), `'input'` (the images themselves, for autoencoders) or None
            (images only).
        batch_size: the number of images per batch.
        shuffle: whether to reshuffle each epoch.
        seed: random seed.
        data_format: `'channels_first'` or `'channels_last'`; None reads the Keras config.
        save_to_dir: optional directory where the augmented images are saved.
        save_prefix: file name prefix of the saved images.
        save_format: `'png'` or `'jpeg'`.
        follow_links: whether to follow symbolic links to subfolders.
        subset: `'training'` or `'validation'`, with the generator's `validation_split`.
        interpolation: the resampling method used to resize images.

    # Raises
        ValueError: for an unknown `color_mode`, `class_mode` or `subset`.
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest"):
        require_pil("flow_from_directory")
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
