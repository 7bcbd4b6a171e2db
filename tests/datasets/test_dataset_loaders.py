"""Each keras.datasets loader reads files written here in Keras' own formats (npz,
gzipped IDX, pickled CIFAR batches in a tar.gz, JSON word indices) from the cache."""
import gzip
import io
import json
import pickle
import tarfile
import warnings

import numpy as np
import pytest

from keralite import backend as K
from keralite.datasets import mnist, fashion_mnist, cifar10, cifar100, imdb, reuters, boston_housing
from keralite.utils.data_utils import DownloadError


def _ragged(rows):
    array = np.empty(len(rows), dtype=object)
    for i, row in enumerate(rows):
        array[i] = list(row)
    return array


# ------------------------------------------------------------------------ image sets
def test_mnist_reads_npz_and_warns_on_the_foreign_hash(keras_home):
    rng = np.random.RandomState(0)
    x_train = rng.randint(0, 256, (5, 28, 28)).astype("uint8")
    x_test = rng.randint(0, 256, (3, 28, 28)).astype("uint8")
    y_train, y_test = np.array([5, 0, 4, 1, 9], "uint8"), np.array([7, 2, 1], "uint8")
    np.savez(keras_home / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    # a home-made file cannot have the real file's md5; offline, it is used with a warning
    with pytest.warns(UserWarning, match="hash does not match 8a61469f7ea1b51cbae51d4f78837e45"):
        (a, b), (c, d) = mnist.load_data()
    for got, want in [(a, x_train), (b, y_train), (c, x_test), (d, y_test)]:
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def _idx_gz(path, header, payload):
    with gzip.open(path, "wb") as stream:
        stream.write(header + payload.tobytes())


def test_fashion_mnist_reads_gzipped_idx_files(keras_home):
    folder = keras_home / "fashion-mnist"
    folder.mkdir()
    rng = np.random.RandomState(1)
    x_train = rng.randint(0, 256, (4, 28, 28)).astype("uint8")
    x_test = rng.randint(0, 256, (2, 28, 28)).astype("uint8")
    y_train, y_test = np.array([3, 1, 4, 1], "uint8"), np.array([5, 9], "uint8")
    label_header = lambda n: b"\x00\x00\x08\x01" + n.to_bytes(4, "big")          # noqa: E731
    image_header = lambda n: b"\x00\x00\x08\x03" + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2  # noqa: E731
    _idx_gz(folder / "train-labels-idx1-ubyte.gz", label_header(4), y_train)
    _idx_gz(folder / "train-images-idx3-ubyte.gz", image_header(4), x_train)
    _idx_gz(folder / "t10k-labels-idx1-ubyte.gz", label_header(2), y_test)
    _idx_gz(folder / "t10k-images-idx3-ubyte.gz", image_header(2), x_test)
    (a, b), (c, d) = fashion_mnist.load_data()
    assert a.shape == (4, 28, 28) and c.shape == (2, 28, 28) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, x_train)
    np.testing.assert_array_equal(b, y_train)
    np.testing.assert_array_equal(c, x_test)
    np.testing.assert_array_equal(d, y_test)


def _pickled(batch):
    """A batch dict pickled as CIFAR's Python 2 files are: str keys come back as bytes."""
    return pickle.dumps({key.encode("ascii"): value for key, value in batch.items()}, protocol=2)


def _write_tar_gz(path, folder, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(folder + "/" + name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))


def test_cifar10_unpacks_the_archive_and_joins_the_batches(keras_home):
    rng = np.random.RandomState(2)
    batches, members = [], {}
    for i in range(1, 6):
        data = rng.randint(0, 256, (2, 3072)).astype("uint8")
        labels = [i, 9 - i]
        batches.append((data, labels))
        members["data_batch_%d" % i] = _pickled({"data": data, "labels": labels, "batch_label": "b"})
    test_data = rng.randint(0, 256, (3, 3072)).astype("uint8")
    members["test_batch"] = _pickled({"data": test_data, "labels": [0, 1, 2]})
    _write_tar_gz(keras_home / "cifar-10-batches-py.tar.gz", "cifar-10-batches-py", members)

    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert K.image_data_format() == "channels_last"
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (3, 32, 32, 3) and y_test.shape == (3, 1)
    # a row is 1024 red, then 1024 green, then 1024 blue values, row-major
    first = batches[0][0][0]
    assert x_train[0, 0, 1, 0] == first[1] and x_train[0, 0, 1, 2] == first[2048 + 1]
    assert x_train[0, 2, 0, 1] == first[1024 + 64]
    np.testing.assert_array_equal(x_train[8:10].transpose(0, 3, 1, 2).reshape(2, -1), batches[4][0])
    np.testing.assert_array_equal(y_train[:, 0], [1, 8, 2, 7, 3, 6, 4, 5, 5, 4])
    np.testing.assert_array_equal(y_test[:, 0], [0, 1, 2])
    assert (keras_home / "cifar-10-batches-py" / "test_batch").exists()


def test_cifar10_channels_first(keras_home, monkeypatch):
    data = np.arange(3072, dtype="uint8").reshape(1, 3072)
    members = {"data_batch_%d" % i: _pickled({"data": data, "labels": [i]}) for i in range(1, 6)}
    members["test_batch"] = _pickled({"data": data, "labels": [0]})
    _write_tar_gz(keras_home / "cifar-10-batches-py.tar.gz", "cifar-10-batches-py", members)
    monkeypatch.setattr(K, "image_data_format", lambda: "channels_first")
    (x_train, _), (x_test, _) = cifar10.load_data()
    assert x_train.shape == (5, 3, 32, 32) and x_test.shape == (1, 3, 32, 32)
    assert x_train[0, 1, 0, 0] == data[0, 1024]


def test_cifar100_label_modes(keras_home):
    rng = np.random.RandomState(3)
    train = {"data": rng.randint(0, 256, (4, 3072)).astype("uint8"),
             "fine_labels": [10, 99, 0, 42], "coarse_labels": [1, 19, 0, 7]}
    test = {"data": rng.randint(0, 256, (2, 3072)).astype("uint8"),
            "fine_labels": [5, 6], "coarse_labels": [2, 3]}
    _write_tar_gz(keras_home / "cifar-100-python.tar.gz", "cifar-100-python",
                  {"train": _pickled(train), "test": _pickled(test)})
    (x_train, y_fine), (x_test, y_fine_test) = cifar100.load_data()
    assert x_train.shape == (4, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(y_fine, [[10], [99], [0], [42]])
    np.testing.assert_array_equal(y_fine_test, [[5], [6]])
    (_, y_coarse), (_, y_coarse_test) = cifar100.load_data(label_mode="coarse")
    np.testing.assert_array_equal(y_coarse, [[1], [19], [0], [7]])
    np.testing.assert_array_equal(y_coarse_test, [[2], [3]])
    with pytest.raises(ValueError, match='`label_mode` must be one of `"fine"`, `"coarse"`.'):
        cifar100.load_data(label_mode="medium")


# ------------------------------------------------------------------------ text sets
TRAIN = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]
TEST = [[2, 9], [1]]


@pytest.fixture
def imdb_file(keras_home):
    np.savez(keras_home / "imdb.npz", x_train=_ragged(TRAIN), y_train=np.array([0, 1, 0]),
             x_test=_ragged(TEST), y_test=np.array([1, 0]))
    return keras_home


def _orders(seed, *lengths):
    """The orders Keras' seeded shuffles give (a numpy reference for the order only)."""
    stream = np.random.RandomState(seed)
    return [stream.permutation(n) for n in lengths]


def _load_imdb(**kwargs):
    with pytest.warns(UserWarning, match="hash does not match"):
        return imdb.load_data(**kwargs)


def _rows(array):
    return [list(row) for row in array]


def test_imdb_default_arguments(imdb_file):
    train_order, test_order = _orders(113, 3, 2)
    # start mark 1, words shifted by 3; the largest index (12) is itself cut to 2
    marked_train = [[1, 4, 5, 6], [1, 7, 8], [1, 9, 10, 11, 2]]
    marked_test = [[1, 5, 2], [1, 4]]
    (x_train, y_train), (x_test, y_test) = _load_imdb()
    assert x_train.dtype == object and x_train.shape == (3,)
    assert _rows(x_train) == [marked_train[i] for i in train_order]
    assert _rows(x_test) == [marked_test[i] for i in test_order]
    np.testing.assert_array_equal(y_train, np.array([0, 1, 0])[train_order])
    np.testing.assert_array_equal(y_test, np.array([1, 0])[test_order])


def test_imdb_vocabulary_cut_and_seed(imdb_file):
    train_order, test_order = _orders(7, 3, 2)
    # indices outside [5, 6) become the oov mark 2
    cut_train = [[2, 2, 5, 2], [2, 2, 2], [2, 2, 2, 2, 2]]
    cut_test = [[2, 5, 2], [2, 2]]
    (x_train, _), (x_test, _) = _load_imdb(num_words=6, skip_top=5, seed=7)
    assert _rows(x_train) == [cut_train[i] for i in train_order]
    assert _rows(x_test) == [cut_test[i] for i in test_order]
    # oov_char=None drops the cut words instead
    dropped_train = [[1, 4, 5, 6], [1, 7, 8], [1, 9]]
    (x_train, _), _ = _load_imdb(num_words=10, oov_char=None, seed=7)
    assert _rows(x_train) == [dropped_train[i] for i in train_order]


def test_imdb_without_start_mark_or_offset(imdb_file):
    train_order, _ = _orders(113, 3, 2)
    raw_train = [[1, 2, 3], [4, 5], [6, 7, 8, 2]]      # 9, the largest index, is cut
    (x_train, _), _ = _load_imdb(start_char=None, index_from=0)
    assert _rows(x_train) == [raw_train[i] for i in train_order]
    (x_train, _), _ = _load_imdb(start_char=None, index_from=1, oov_char=0)
    assert _rows(x_train) == [[[2, 3, 4], [5, 6], [7, 8, 9, 0]][i] for i in train_order]


def test_imdb_maxlen_filters_then_splits_at_the_unfiltered_train_size(imdb_file):
    train_order, test_order = _orders(113, 3, 2)
    marked = [[[1, 4, 5, 6], [1, 7, 8], [1, 9, 10, 11, 12]][i] for i in train_order] + \
             [[[1, 5, 12], [1, 4]][i] for i in test_order]
    labels = list(np.array([0, 1, 0])[train_order]) + list(np.array([1, 0])[test_order])
    kept = [(x, y) for x, y in zip(marked, labels) if len(x) < 4]
    largest = max(max(x) for x, _ in kept)
    kept = [([w if w < largest else 2 for w in x], y) for x, y in kept]
    (x_train, y_train), (x_test, y_test) = _load_imdb(maxlen=4)
    # Keras 2.1.6 splits at len(x_train) counted before the filter: 3 here
    assert _rows(x_train) == [x for x, _ in kept[:3]] and list(y_train) == [y for _, y in kept[:3]]
    assert _rows(x_test) == [x for x, _ in kept[3:]]
    assert len(x_train) + len(x_test) == 3


def test_imdb_maxlen_too_small_and_bad_keywords(imdb_file):
    with pytest.raises(ValueError, match="After filtering for sequences shorter than maxlen=2, no sequence "
                                         "was kept. Increase maxlen."):
        _load_imdb(maxlen=2)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        imdb.load_data(num_word=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (x_train, _), _ = imdb.load_data(nb_words=6, skip_top=5)
    assert any("has been renamed `num_words`" in str(w.message) for w in caught)
    assert all(set(row) <= {2, 5} for row in x_train)


def test_reuters_test_split_and_arguments(keras_home):
    sequences = [[1, 2], [3], [4, 5, 6], [7, 8], [9, 10, 11]]
    labels = np.array([3, 0, 45, 7, 1])
    np.savez(keras_home / "reuters.npz", x=_ragged(sequences), y=labels)
    (order,) = _orders(113, 5)
    with pytest.warns(UserWarning, match="hash does not match"):
        (x_train, y_train), (x_test, y_test) = reuters.load_data()
    marked = [[1, 4, 5], [1, 6], [1, 7, 8, 9], [1, 10, 11], [1, 12, 13, 2]]   # 14, the largest, is cut
    assert len(x_train) == 4 and len(x_test) == 1         # int(5 * 0.8)
    assert _rows(x_train) + _rows(x_test) == [marked[i] for i in order]
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), labels[order])

    with pytest.warns(UserWarning, match="hash does not match"):
        (x_train, y_train), (x_test, _) = reuters.load_data(test_split=0.4, maxlen=3, num_words=8,
                                                            start_char=None, index_from=0, seed=3)
    (order,) = _orders(3, 5)
    short = [(sequences[i], labels[i]) for i in order if len(sequences[i]) < 3]
    cut = [[w if w < 8 else 2 for w in x] for x, _ in short]
    assert len(x_train) == int(len(short) * 0.6)
    assert _rows(x_train) + _rows(x_test) == cut
    assert list(y_train) == [y for _, y in short][:len(x_train)]


def test_word_indices(keras_home):
    (keras_home / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 17}))
    (keras_home / "reuters_word_index.json").write_text(json.dumps({"said": 3, "oil": 40}))
    with pytest.warns(UserWarning, match="hash does not match"):
        assert imdb.get_word_index() == {"the": 1, "movie": 17}
    with pytest.warns(UserWarning, match="hash does not match"):
        assert reuters.get_word_index() == {"said": 3, "oil": 40}


def test_boston_housing_split(keras_home):
    x = np.arange(130, dtype="float64").reshape(10, 13)
    y = np.arange(10, dtype="float64") * 1.5
    np.savez(keras_home / "boston_housing.npz", x=x, y=y)
    (order,) = _orders(113, 10)
    with pytest.warns(UserWarning, match="hash does not match"):
        (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13) and y_train.shape == (8,)
    np.testing.assert_array_equal(np.concatenate([x_train, x_test]), x[order])
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), y[order])
    with pytest.warns(UserWarning):
        (x_train, _), (x_test, _) = boston_housing.load_data(test_split=0.5, seed=1)
    assert len(x_train) == 5
    np.testing.assert_array_equal(np.concatenate([x_train, x_test]), x[_orders(1, 10)[0]])
    with pytest.raises(AssertionError):
        boston_housing.load_data(test_split=1.0)


# ------------------------------------------------------------------------ offline
@pytest.mark.parametrize("load, file_name, url", [
    (mnist.load_data, "mnist.npz", "https://s3.amazonaws.com/img-datasets/mnist.npz"),
    (imdb.load_data, "imdb.npz", "https://s3.amazonaws.com/text-datasets/imdb.npz"),
    (imdb.get_word_index, "imdb_word_index.json", "https://s3.amazonaws.com/text-datasets/imdb_word_index.json"),
    (reuters.load_data, "reuters.npz", "https://s3.amazonaws.com/text-datasets/reuters.npz"),
    (boston_housing.load_data, "boston_housing.npz",
     "https://s3.amazonaws.com/keras-datasets/boston_housing.npz"),
    (cifar10.load_data, "cifar-10-batches-py.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),
    (cifar100.load_data, "cifar-100-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"),
    (fashion_mnist.load_data, "fashion-mnist/train-labels-idx1-ubyte.gz",
     "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz"),
])
def test_missing_file_offline_names_file_place_and_url(keras_home, load, file_name, url):
    with pytest.raises(DownloadError) as raised:
        load()
    message = str(raised.value)
    assert message.startswith("URL fetch failure on " + url)
    assert "place it at " + str(keras_home / file_name) in message
    assert not (keras_home / file_name).exists()


def test_without_keras_home_the_cache_is_under_home(keras_home, monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_HOME")
    with pytest.raises(DownloadError, match=str(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz")):
        mnist.load_data()
