"""What CIFAR-10 and CIFAR-100 share: their batches are Python pickles of a dict
holding 'data' (rows of 3x32x32 uint8 pixels, channels first) and the labels."""
import pickle

import numpy as np

from .. import backend as K


def load_batch(fpath, label_key="labels"):
    """Reads one CIFAR batch file.

    # Arguments
        fpath: path of the pickled batch.
        label_key: the dict key of the labels ('labels' for CIFAR-10,
            'fine_labels' or 'coarse_labels' for CIFAR-100).

    # Returns
        A tuple `(data, labels)`: data of shape (samples, 3, 32, 32), labels a list.
    """
    with open(fpath, "rb") as stream:
        # written by Python 2: its str keys come back as bytes
        batch = pickle.load(stream, encoding="bytes")
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: value for key, value in batch.items()}
    data = np.asarray(batch["data"])
    labels = batch[label_key]
    return data.reshape(data.shape[0], 3, 32, 32), labels


def finish(x_train, y_train, x_test, y_test):
    """Shapes the arrays as Keras returns both CIFAR datasets.

    # Arguments
        x_train, x_test: images of shape (samples, 3, 32, 32).
        y_train, y_test: their labels, one per image.

    # Returns
        `(x_train, y_train), (x_test, y_test)`: labels as (samples, 1) columns,
        images in the backend's image data format.
    """
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if K.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
