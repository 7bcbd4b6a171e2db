"""CIFAR-100: 32x32 colour images of 100 fine classes grouped into 20 coarse ones,
from `cifar-100-python.tar.gz` unpacked into `~/.keras/datasets/cifar-100-python/`."""
import os

from ..utils.data_utils import get_file
from .cifar import load_batch, finish

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
DIRNAME = "cifar-100-python"


def load_data(label_mode="fine"):
    """Loads the CIFAR-100 dataset.

    # Arguments
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).

    # Returns
        Tuple of Numpy arrays: `(x_train, y_train), (x_test, y_test)`.

    # Raises
        ValueError: in case of invalid `label_mode`.
        DownloadError: the archive is not cached and cannot be downloaded.
    """
    if label_mode not in ["fine", "coarse"]:
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`.')
    path = get_file(DIRNAME, origin=ORIGIN, untar=True)
    label_key = label_mode + "_labels"
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_key)
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_key)
    return finish(x_train, y_train, x_test, y_test)
