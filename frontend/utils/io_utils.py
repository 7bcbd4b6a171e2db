"""Input/output helpers: an HDF5 dataset that reads like a numpy array, the overwrite
prompt used by save() (keras.utils.io_utils), and atomic replacement of saved files."""
import contextlib
import os
import tempfile
from collections import defaultdict

import numpy as np

try:
    import h5py
except ImportError:  # h5py is a dependency, but keep the error message of Keras
    h5py = None


class HDF5Matrix:
    """Rows `start:end` of a dataset in an HDF5 file, read on demand like a Numpy array.

    For training on data larger than memory: it can be passed as `x` to `fit` with
    `shuffle='batch'`, and only the batches used are read. Files stay open and are
    shared per path in `HDF5Matrix.refs`.

    # Arguments
        datapath: path of the HDF5 file.
        dataset: name of the dataset inside the file.
        start: the first row used.
        end: one past the last row used; None means the dataset's end.
        normalizer: optional function applied to every slice read.

    # Raises
        ImportError: when h5py is not installed.
    """

    refs = defaultdict(int)

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        if h5py is None:
            raise ImportError("The use of HDF5Matrix requires HDF5 and h5py installed.")
        if datapath not in self.refs:
            self.refs[datapath] = h5py.File(datapath, "r")
        self.data = self.refs[datapath][dataset]
        self.start = start
        self.end = self.data.shape[0] if end is None else end
        self.normalizer = normalizer

    def __len__(self):
        return self.end - self.start

    def _source_index(self, key):
        """`key` (relative to `start`) as an index into the stored dataset."""
        if isinstance(key, slice):
            start = 0 if key.start is None else key.start
            stop = self.shape[0] if key.stop is None else key.stop
            if stop + self.start <= self.end:
                return slice(start + self.start, stop + self.start)
            raise IndexError
        if isinstance(key, (int, np.integer)):
            if key + self.start < self.end:
                return int(key) + self.start
            raise IndexError
        if isinstance(key, np.ndarray):
            if np.max(key) + self.start < self.end:
                return (self.start + key).tolist()
            raise IndexError
        if isinstance(key, list):
            if max(key) + self.start < self.end:
                return [k + self.start for k in key]
            raise IndexError
        raise IndexError

    def __getitem__(self, key):
        values = self.data[self._source_index(key)]
        if self.normalizer is not None:
            return self.normalizer(values)
        return values

    @property
    def shape(self):
        """The shape of the rows used, `(end - start,) + row shape`, as Numpy reports it."""
        return (self.end - self.start,) + tuple(self.data.shape[1:])

    @property
    def dtype(self):
        """The dtype of the stored data."""
        return self.data.dtype

    @property
    def ndim(self):
        """The number of axes of the stored data."""
        return self.data.ndim

    @property
    def size(self):
        """The number of elements of the rows used."""
        return int(np.prod(self.shape))


def ask_to_proceed_with_overwrite(filepath):
    """Ask on stdin whether `filepath` may be overwritten: True for 'y', False for 'n'."""
    answer = input("[WARNING] %s already exists - overwrite? [y/n]" % filepath)
    while answer not in ("y", "n"):
        answer = input("Enter \"y\" (overwrite) or \"n\" (cancel).")
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


@contextlib.contextmanager
def atomic_path(filepath):
    """Yield a temporary path beside `filepath` to write the new file to; when the block
    ends normally the file is flushed to disk and renamed over `filepath`, so at every
    instant `filepath` holds the old file or the new one, whole (an interrupted save never
    destroys the previous one). On an error the temporary file is removed."""
    directory = os.path.dirname(os.path.abspath(filepath))
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(filepath) + ".", suffix=".tmp",
                                         dir=directory)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, _mode_for(filepath))
        _fsync_path(temporary)
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _fsync_path(directory)      # the rename itself reaches the disk


def _mode_for(filepath):
    """The permissions the new file gets: the old file's, or the umask's default."""
    try:
        return os.stat(filepath).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_path(path):
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if os.path.isdir(path) else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass        # some filesystems cannot fsync a directory
    finally:
        os.close(fd)
