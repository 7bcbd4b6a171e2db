"""A bounded first read of an HDF5 file's metadata, in a child process.

Some damaged files make libhdf5 itself loop forever inside `h5py.File(...)` or
`.attrs[...]` (a corrupt object header or heap), holding the interpreter lock: no
Python code can interrupt it. A child process can be: it opens the file, reads every
attribute and every dataset's shape and dtype (the metadata a load reads, never the
data), and is killed when it takes longer than the timeout. libhdf5 reads a file the
same way every time, so a file whose metadata the child read whole does not loop in the
loader either, and a file that hangs (or crashes) the child is refused without ever
being opened in the calling process.

It costs a Python start with h5py per load (a few tenths of a second), so it is off
unless KERALITE_H5_PROBE_TIMEOUT gives the timeout in seconds.
"""
import os
import subprocess
import sys

from .saving_errors import UnreadableModelFileError

PROBE_TIMEOUT_ENV = "KERALITE_H5_PROBE_TIMEOUT"

_PROBE = r"""
import sys
import h5py

def read_metadata(name, obj):
    for key in obj.attrs:
        obj.attrs[key]
    if isinstance(obj, h5py.Dataset):
        obj.shape, obj.dtype

with h5py.File(sys.argv[1], "r") as f:
    read_metadata("/", f)
    f.visititems(read_metadata)
"""


def probe_timeout():
    """The probe's timeout in seconds from KERALITE_H5_PROBE_TIMEOUT, or None (off)."""
    value = os.environ.get(PROBE_TIMEOUT_ENV, "").strip()
    if not value:
        return None
    try:
        timeout = float(value)
    except ValueError:
        raise ValueError("%s must be a number of seconds, got %r" % (PROBE_TIMEOUT_ENV, value)) from None
    return timeout if timeout > 0 else None


def probe_metadata(path, timeout):
    """Read the metadata of the HDF5 file `path` in a child process, bounded in time.

    # Arguments
        path: the file.
        timeout: seconds the child may take.

    # Raises
        UnreadableModelFileError: the child did not finish in time (libhdf5 loops on
            this file) or was killed by a signal (libhdf5 crashes on it). A child that
            fails with an ordinary error is not reported here: the loader then meets
            the same error and reports it with more context.
    """
    try:
        child = subprocess.run([sys.executable, "-c", _PROBE, os.fspath(path)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise UnreadableModelFileError("libhdf5 did not finish reading the file's metadata in %g s (%s): the "
                                       "file is damaged in a way that makes libhdf5 loop; it was not opened"
                                       % (timeout, PROBE_TIMEOUT_ENV)) from None
    if child.returncode < 0:
        raise UnreadableModelFileError("libhdf5 crashed (signal %d) reading the file's metadata: the file is "
                                       "damaged; it was not opened" % -child.returncode)
