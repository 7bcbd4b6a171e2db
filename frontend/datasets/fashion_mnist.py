"""Fashion-MNIST: 28x28 grayscale images of 10 kinds of clothing, in Zalando's
gzipped IDX files, cached under `~/.keras/datasets/fashion-mnist/`."""
import gzip
import os

import numpy as np

from ..utils.data_utils import get_file

BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]
# IDX headers: magic number and item count (labels), plus rows and columns (images)
_LABEL_HEADER_BYTES = 8
_IMAGE_HEADER_BYTES = 16


def _read_idx(path, header_bytes):
    with gzip.open(path, "rb") as stream:
        return np.frombuffer(stream.read(), np.uint8, offset=header_bytes)


def load_data():
    """Loads the Fashion-MNIST dataset.

    # Returns
        Tuple of Numpy arrays: `(x_train, y_train), (x_test, y_test)`, images of
        shape (samples, 28, 28) and labels of shape (samples,), all uint8.

    # Raises
        DownloadError: a file is not cached and cannot be downloaded; the message
            says where to place it.
    """
    cache_subdir = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(name, origin=BASE_URL + name, cache_subdir=cache_subdir) for name in FILES]
    y_train = _read_idx(paths[0], _LABEL_HEADER_BYTES)
    x_train = _read_idx(paths[1], _IMAGE_HEADER_BYTES).reshape(len(y_train), 28, 28)
    y_test = _read_idx(paths[2], _LABEL_HEADER_BYTES)
    x_test = _read_idx(paths[3], _IMAGE_HEADER_BYTES).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
