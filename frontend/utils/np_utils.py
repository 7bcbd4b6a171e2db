"""Numpy helpers for labels and vectors (keras.utils.np_utils)."""
import numpy as np


def to_categorical(y, num_classes=None):
    """Converts integer class labels to one-hot rows.

    `categorical_crossentropy` needs targets in this form.

    # Arguments
        y: integer labels of any shape (a trailing axis of size 1 is dropped).
        num_classes: the number of classes; None means `max(y) + 1`.

    # Returns
        float32 Numpy array of shape `y.shape + (num_classes,)`.
    """
    y = np.array(y, dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    labels = y.ravel()
    if not num_classes:
        num_classes = int(np.max(labels)) + 1
    count = labels.shape[0]
    categorical = np.zeros((count, num_classes), dtype=np.float32)
    categorical[np.arange(count), labels] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divides `x` by its norm along an axis.

    # Arguments
        x: Numpy array.
        axis: the axis the norm runs over.
        order: the order of the norm (2: Euclidean).

    # Returns
        Numpy array of the same shape; zero vectors are left as they are.
    """
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)
