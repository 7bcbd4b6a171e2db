"""The collectives of Horovod's Keras API on numpy arrays and on K tensors' values:
allreduce, allgather, broadcast; and the in-place forms keralite's own training code
uses on runtime-owned buffers (gradients, weights), which copy nothing.

The public functions first compare what every rank passes (shape, dtype), so a
mismatch is a ValueError raised on every rank instead of MPI reading past a buffer
or waiting forever.
"""
import numpy as np

from .. import backend as K
from ..runtime.executable import note_written
from .world import communicator, mpi_module, size


def value_of(x):
    """A numpy array holding the value of `x`: a numpy array or number as it is, a
    variable's current value, any other K tensor evaluated (it must need no input)."""
    if isinstance(x, K.Variable):
        return K.get_value(x)
    if K.is_tensor(x):
        return np.asarray(K.eval(x))
    return np.asarray(x)


def _transport_view(array, operation):
    """The array as MPI moves it: bool travels as bytes; types MPI has no reduction for
    are refused by name."""
    if array.dtype == np.bool_:
        if operation == "allreduce":
            raise ValueError("allreduce of a bool array is not supported; cast it to a number type")
        return array.view(np.uint8)
    if array.dtype.kind not in "biuf" or array.dtype == np.float16:
        raise ValueError(f"{operation} of a {array.dtype} array is not supported by keralite.distributed "
                         "(supported: bool, integers, float32, float64)")
    return array


def _check_same_layout(array, operation, check_first_axis=True):
    """Every rank must pass the same dtype and shape (all but the first axis for
    allgather); otherwise every rank raises the same error, naming both."""
    shape = array.shape if check_first_axis else array.shape[1:]
    layouts = communicator().allgather((tuple(shape), array.dtype.str))
    for other_rank, layout in enumerate(layouts):
        if layout != layouts[0]:
            what = "shape" if check_first_axis else "shape beyond the first axis"
            raise ValueError(f"{operation}: rank {other_rank} passed dtype {np.dtype(layout[1])} and "
                             f"{what} {layout[0]}, but rank 0 passed dtype {np.dtype(layouts[0][1])} and "
                             f"{what} {layouts[0][0]}; every rank must pass the same")
    return layouts


def allreduce(value, average=True, name=None):
    """The sum (or the mean) over all ranks of a value every rank holds.

    # Arguments
        value: a numpy array, a number, or a K tensor (its value is used).
        average: True for the mean over ranks, False for the sum.
        name: accepted for Horovod compatibility (keralite orders collectives by call
            order, so no name is needed).

    # Returns
        A numpy array of the value's shape: the sum, or the mean (a float array,
        also for integer input).

    # Raises
        ValueError: when ranks pass different shapes or dtypes, or an unsupported dtype.
    """
    array = np.array(value_of(value), copy=True, order="C")
    buffer = _transport_view(array, "allreduce")
    if size() > 1:
        _check_same_layout(array, "allreduce")
        communicator().Allreduce(mpi_module().IN_PLACE, buffer, op=mpi_module().SUM)
    if not average:
        return array
    if array.dtype.kind == "f":
        array /= size()
        return array
    return array / size()


def allgather(value, name=None):
    """The values of every rank concatenated along the first axis, in rank order.

    The ranks may hold different numbers of rows (the first axis); every other axis
    and the dtype must agree.

    # Arguments
        value: a numpy array or K tensor with at least one axis (a scalar counts as
            one row).
        name: accepted for Horovod compatibility.

    # Returns
        A numpy array with the rows of rank 0, then rank 1, and so on.

    # Raises
        ValueError: when ranks disagree on the dtype or on an axis other than the first.
    """
    array = _as_rows(value)
    if size() == 1:
        return array.copy()
    rows = _row_counts(array, "allgather")
    gathered = np.empty((sum(rows),) + array.shape[1:], array.dtype)
    _gather_rows(array, gathered, rows, root=None)
    return gathered


def _as_rows(value):
    """A value as a C-contiguous array with a first axis to gather along."""
    array = np.asarray(value_of(value), order="C")
    return array.reshape(1) if array.ndim == 0 else array


def _row_counts(array, what):
    """Every rank's number of rows, once the ranks agree on everything else."""
    _check_same_layout(array, what, check_first_axis=False)
    return communicator().allgather(int(array.shape[0]))


def _gather_rows(array, gathered, rows, root):
    """Rows of every rank into `gathered` (on every rank, or on `root` only)."""
    from mpi4py.util.dtlib import from_numpy_dtype

    row_size = int(np.prod(array.shape[1:], dtype=np.int64))
    counts = [r * row_size for r in rows]
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist()
    send = _transport_view(array, "allgather")
    datatype = from_numpy_dtype(send.dtype)
    if gathered is not None:
        receive = [_transport_view(gathered, "allgather"), (counts, offsets), datatype]
    else:
        receive = None
    if root is None:
        communicator().Allgatherv([send, datatype], receive)
    else:
        communicator().Gatherv([send, datatype], receive, root=root)


def gather_rows(value, root_rank=0):
    """The rows of every rank concatenated in rank order, on `root_rank` only.

    # Arguments
        value: a numpy array or K tensor with at least one axis.
        root_rank: the rank that receives the result.

    # Returns
        The concatenated array on `root_rank`, None on every other rank.

    # Raises
        ValueError: when ranks disagree on the dtype or on an axis other than the first.
    """
    array = _as_rows(value)
    if size() == 1:
        return array.copy()
    rows = _row_counts(array, "gather")
    is_root = communicator().Get_rank() == root_rank
    gathered = np.empty((sum(rows),) + array.shape[1:], array.dtype) if is_root else None
    _gather_rows(array, gathered, rows, root=root_rank)
    return gathered


def broadcast(value, root_rank, name=None):
    """The value `root_rank` holds, on every rank.

    # Arguments
        value: a numpy array, a number, or a K tensor; only the root's value is read
            (the other ranks' values only need to exist).
        root_rank: the rank whose value is sent.
        name: accepted for Horovod compatibility.

    # Returns
        A numpy array equal to the root's value.

    # Raises
        ValueError: for an unsupported dtype.
    """
    comm = communicator()
    array = np.asarray(value_of(value), order="C")
    if size() == 1:
        return array.copy()
    shape, dtype = comm.bcast((array.shape, array.dtype.str), root=root_rank)
    received = array.copy() if comm.Get_rank() == root_rank else np.empty(shape, np.dtype(dtype))
    comm.Bcast(_transport_view(received, "broadcast"), root=root_rank)
    return received


def broadcast_variables(variables, root_rank=0):
    """Sets every variable to the value it has on `root_rank`, in place.

    The runtime-owned buffer of each variable is sent and received directly, so no
    copy is made and compiled functions see the new values at their next call.

    # Arguments
        variables: a list of K variables, the same list (same shapes) on every rank.
        root_rank: the rank whose values every rank takes.

    # Raises
        ValueError: when the ranks' variables differ in number, shape or dtype.
    """
    comm = communicator()
    if size() == 1:
        return
    layouts = [(tuple(v.value.shape), v.value.dtype.str) for v in variables]
    root_layouts = comm.bcast(layouts, root=root_rank)
    mismatch = layouts != root_layouts
    if any(comm.allgather(mismatch)):
        raise ValueError(f"broadcast of variables: the ranks' variables differ (this rank has "
                         f"{len(layouts)}, rank {root_rank} has {len(root_layouts)}, or their shapes "
                         "differ); every rank must build the same model")
    for variable in variables:
        comm.Bcast(_transport_view(variable.value, "broadcast"), root=root_rank)
        note_written(variable.value)     # values cached from it are stale


def allreduce_sum_in_place(buffer):
    """Sums a C-contiguous buffer over all ranks in place (MPI_IN_PLACE): the gradient
    exchange of every train step, on the runtime's own memory. No layout check: the
    ranks' agreement on the model was checked once before the first step."""
    if size() > 1:
        communicator().Allreduce(mpi_module().IN_PLACE, buffer, op=mpi_module().SUM)
        note_written(buffer)


def sum_over_ranks(buffer):
    """Sums a small C-contiguous array over all ranks in place (a train step's batch
    sizes). Unlike `allreduce_sum_in_place`, the array is not a variable's memory, so
    no write is recorded."""
    if size() > 1:
        communicator().Allreduce(mpi_module().IN_PLACE, buffer, op=mpi_module().SUM)


def barrier():
    """Waits until every rank has reached this call."""
    if size() > 1:
        communicator().Barrier()
