"""Running compiled graphs from Python: the one place the compiler hands its object
code to the runtime.

The backend (K) compiles a graph with `driver.compile_graph` and runs it through
`executable`; it never imports the runtime, so how compiled code is called (the
buffers table, the C ABI) stays behind the compiler's public functions.
"""
import numpy as np

from keralite.runtime.executable import Executable, aligned_empty, storage_dtype
# the write counts of variable buffers, which values cached from weights follow
from keralite.runtime.executable import note_written, write_counts  # noqa: F401


def executable(compiled, variable_buffers=(), notes_writes=True):
    """A callable (list of input arrays -> list of output arrays) running a CompiledGraph,
    bound to the given variable buffers (updated in place) and the graph's constants;
    `notes_writes` as for Executable."""
    constants = [node.payload for node in compiled.constants]
    return Executable(compiled.address(), compiled.signature, list(variable_buffers), constants,
                      notes_writes=notes_writes)


def variable_storage(value, dtype):
    """A new C-contiguous, 64-byte aligned buffer holding `value` as the runtime stores
    IR dtype `dtype` (bools as uint8): what a variable's compiled code reads and updates
    in place. numpy aligns to 16 bytes only; a weight that is not on a cache line makes
    every vector load of the GEMM's rows cross two lines, which cost the batch-1 MLP
    predict (bound by reading 2.6 MB of weights) about a tenth of its time."""
    value = np.asarray(value, dtype=storage_dtype(dtype.name))
    buffer = aligned_empty(value.shape, value.dtype)
    buffer[...] = value
    return buffer
