"""The group of processes a distributed run trains in: MPI's world, through mpi4py.

`init()` joins it. Launched by `mpirun`, every process is one rank of the world; run as
a plain `python` process, the world is that process alone (size 1), so a script written
for N ranks also runs, unchanged, on one. keralite implements no transport of its own:
every exchange is an MPI collective on MPI.COMM_WORLD (or the communicator given).

A rank that raises an uncaught exception aborts the whole job (MPI_Abort) instead of
leaving the other ranks blocked forever in their next collective.
"""
import os
import sys

# environment variables the MPI launchers set in every process they start
_LAUNCHER_SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")

_world = {"comm": None, "local_comm": None, "mpi": None}


class NotInitializedError(ValueError):
    """A keralite.distributed function was called before `init()`."""


def _launched_by_mpirun():
    for name in _LAUNCHER_SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 1:
            return True
    return False


def _import_mpi():
    """mpi4py's MPI module, or None when mpi4py is missing and no launcher started us."""
    try:
        from mpi4py import MPI
    except ImportError:
        if _launched_by_mpirun():
            raise ImportError("this process was started by an MPI launcher, but mpi4py is not "
                              "installed: install keralite's distributed extra "
                              "(pip install 'keralite[distributed]')") from None
        return None
    return MPI


def init(comm=None):
    """Joins the world of processes that train together; call it before anything else.

    Without `mpirun` (or without mpi4py installed) the world is this process alone:
    `size()` is 1 and every collective returns its input.

    # Arguments
        comm: an mpi4py communicator to train in (default: MPI.COMM_WORLD), e.g. a
            sub-communicator when only some ranks of a larger job train.

    # Raises
        ImportError: when an MPI launcher started this process but mpi4py is missing.
    """
    mpi = _import_mpi()
    _world["mpi"] = mpi
    if mpi is None:
        _world["comm"], _world["local_comm"] = _SingleProcess(), _SingleProcess()
        return
    comm = comm if comm is not None else mpi.COMM_WORLD
    _world["comm"] = comm
    # the ranks on this host: those that can share memory with this one
    _world["local_comm"] = comm.Split_type(mpi.COMM_TYPE_SHARED, key=comm.Get_rank())
    if comm.Get_size() > 1:
        _abort_on_uncaught_exception(comm)


def _abort_on_uncaught_exception(comm):
    """An uncaught exception on one rank ends every rank: the traceback is printed, then
    MPI_Abort stops the job (a plain exit would leave the others waiting in MPI)."""
    previous = sys.excepthook

    def abort_job(kind, value, traceback):
        previous(kind, value, traceback)
        sys.stderr.write(f"keralite.distributed: rank {comm.Get_rank()} failed; aborting all "
                         f"{comm.Get_size()} ranks\n")
        sys.stderr.flush()
        comm.Abort(1)

    if getattr(previous, "_keralite_aborts_job", False):
        return
    abort_job._keralite_aborts_job = True
    sys.excepthook = abort_job


class _SingleProcess:
    """The rank and size answers of a world with one process and no MPI."""

    @staticmethod
    def Get_rank():
        return 0

    @staticmethod
    def Get_size():
        return 1


def communicator():
    """The communicator every collective of keralite.distributed runs on.

    # Returns
        An mpi4py communicator, or a stand-in for the one-process world without MPI.

    # Raises
        NotInitializedError: before `init()`.
    """
    if _world["comm"] is None:
        raise NotInitializedError("keralite.distributed has not been initialized; "
                                  "call keralite.distributed.init() first")
    return _world["comm"]


def mpi_module():
    """mpi4py's MPI module, or None in a one-process world without mpi4py."""
    communicator()
    return _world["mpi"]


def size():
    """The number of processes training together (1 without mpirun).

    # Returns
        An int.

    # Raises
        NotInitializedError: before `init()`.
    """
    return communicator().Get_size()


def rank():
    """This process's index in the world, from 0 to `size() - 1`; rank 0 is the one that
    writes checkpoints and prints progress.

    # Returns
        An int.

    # Raises
        NotInitializedError: before `init()`.
    """
    return communicator().Get_rank()


def local_size():
    """The number of processes of this job on this host.

    # Returns
        An int.

    # Raises
        NotInitializedError: before `init()`.
    """
    communicator()
    return _world["local_comm"].Get_size()


def local_rank():
    """This process's index among the processes of this job on this host (to pick a
    per-host resource, such as a slice of the CPU cores).

    # Returns
        An int.

    # Raises
        NotInitializedError: before `init()`.
    """
    communicator()
    return _world["local_comm"].Get_rank()


def mpi_threads_supported():
    """Whether the MPI library allows calls from several threads at once.

    # Returns
        A bool (False in a one-process world without MPI).
    """
    mpi = mpi_module()
    return mpi is not None and mpi.Query_thread() == mpi.THREAD_MULTIPLE
