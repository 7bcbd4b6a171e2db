"""CIFAR-10: 32x32 colour images of 10 classes, from the pickled batches of
`cifar-10-python.tar.gz` unpacked into `~/.keras/datasets/cifar-10-batches-py/`."""
import os

import numpy as np

from ..utils.data_utils import get_file
from .cifar import load_batch, finish

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
DIRNAME = "cifar-10-batches-py"
TRAIN_BATCHES = 5


def load_data():
    """Loads the CIFAR-10 dataset: five training batches (50,000 images) and one
    test batch (10,000).

    # Returns
        Tuple of Numpy arrays: `(x_train, y_train), (x_test, y_test)`; images of
        shape (samples, 32, 32, 3) with channels_last (else (samples, 3, 32, 32)),
        labels of shape (samples, 1).

    # Raises
        DownloadError: the archive is not cached and cannot be downloaded; the
            message says where to place it.
    """
    path = get_file(DIRNAME, origin=ORIGIN, untar=True)
    # the sample counts are read from the batches rather than assumed, so that a
    # reduced copy with the same layout loads as well
    parts = [load_batch(os.path.join(path, "data_batch_" + str(i))) for i in range(1, TRAIN_BATCHES + 1)]
    x_train = np.concatenate([data for data, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(labels, dtype="uint8") for _, labels in parts])
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    # as in Keras, the training arrays are uint8 and the test labels keep the
    # integer type of the pickled list
    return finish(x_train, y_train, x_test, y_test)
