"""Boston housing prices: 13 attributes of 506 Boston suburbs of the 1970s and the
median house value in each (`boston_housing.npz`)."""
import numpy as np

from ..utils.data_utils import get_file

ORIGIN = "https://s3.amazonaws.com/keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston Housing dataset, shuffled with `seed` and split.

    # Arguments
        path: the file's name in the cache (`~/.keras/datasets/`).
        test_split: the fraction of the data that goes to the test set, in [0, 1).
        seed: seed of the shuffle done before the split.

    # Returns
        Tuple of Numpy arrays: `(x_train, y_train), (x_test, y_test)`.

    # Raises
        AssertionError: `test_split` is outside [0, 1), as in Keras.
        DownloadError: the file is not cached and cannot be downloaded.
    """
    assert 0 <= test_split < 1
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=True) as archive:
        x, y = archive["x"], archive["y"]

    np.random.seed(seed)
    indices = np.arange(len(x))
    np.random.shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))
