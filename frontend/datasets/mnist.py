"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 uint8."""
import numpy as np

from ..utils.data_utils import get_file

ORIGIN = "https://s3.amazonaws.com/img-datasets/mnist.npz"
FILE_HASH = "8a61469f7ea1b51cbae51d4f78837e45"


def load_data(path="mnist.npz"):
    """Loads the MNIST dataset from Keras' `mnist.npz`.

    # Arguments
        path: the file's name in the cache (`~/.keras/datasets/`).

    # Returns
        Tuple of Numpy arrays: `(x_train, y_train), (x_test, y_test)`.

    # Raises
        DownloadError: the file is not cached and cannot be downloaded; the message
            says where to place it.
    """
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=True) as archive:
        x_train, y_train = archive["x_train"], archive["y_train"]
        x_test, y_test = archive["x_test"], archive["y_test"]
    return (x_train, y_train), (x_test, y_test)
