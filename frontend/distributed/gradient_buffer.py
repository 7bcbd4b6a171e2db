"""The memory a distributed train step exchanges gradients in: ONE flat float32 buffer
that MPI sums in place, seen by the compiled code as one variable per weight.

Each gradient variable's value is a view of its span of the flat buffer. So the
gradient call's kernels (the GEMM of a weight's gradient, the sum of a bias's) write
their result straight into the exchanged memory (the compiler computes an update's
value in place in its variable), one MPI call sums every gradient at once, and the
optimizer's compiled update reads the summed gradients where MPI left them: no
gather of the gradients into the buffer, no copy of them out of it.

A large buffer lives in its own memory mapping, aligned to and advised for 2 MB huge
pages (Linux transparent huge pages): MPI's shared-memory transport copies between
processes page by page, and with 4 KB pages the all-reduce of the 2.68 MB buffer of
Keras' MNIST MLP took ~250 us per step on 2 ranks of this machine, with huge pages
~145 us (numpy itself advises huge pages only from 4 MB).
"""
import mmap

import numpy as np

from .. import backend as K
from ..backend.variables import variable_over
from ..runtime.executable import aligned_empty


class GradientBuffer:
    """One gradient variable per weight, all stored in one flat, contiguous buffer.

    # Arguments
        params: the weight variables (float32) whose gradients are exchanged.

    # Raises
        ValueError: for a weight that is not float32.
    """

    def __init__(self, params):
        for param in params:
            if K.dtype(param) != "float32":
                raise ValueError(f"DistributedOptimizer supports float32 weights only; weight "
                                 f"{param.name!r} is {K.dtype(param)}")
        self.params = list(params)
        shapes = [K.int_shape(p) for p in params]
        counts = [int(np.prod(shape, dtype=np.int64)) for shape in shapes]
        self.flat = _exchange_storage(sum(counts))
        self.variables, offset = [], 0
        for param, shape, count in zip(params, shapes, counts):
            span = self.flat[offset:offset + count].reshape(shape)
            self.variables.append(variable_over(span, f"{_base_name(param)}_allreduced_gradient"))
            offset += count

    def updates(self, gradients):
        """The (gradient variable, value) pairs that make the gradient call write
        `gradients` (one per weight, in order) into the buffer."""
        return [(variable, gradient) for variable, gradient in zip(self.variables, gradients)]


HUGE_PAGE = 2 << 20
# below this, a buffer is not worth a mapping (and a huge page) of its own
_OWN_MAPPING_BYTES = 1 << 20


def _exchange_storage(count):
    """A zeroed float32 array of `count` values for MPI to sum in place: a large one
    2 MB aligned in a mapping advised for huge pages, a small one cache-line aligned."""
    size = count * 4
    if size >= _OWN_MAPPING_BYTES and hasattr(mmap, "MADV_HUGEPAGE"):
        # private: shared anonymous memory would follow the shmem huge page setting instead
        whole_pages = -(-size // HUGE_PAGE) * HUGE_PAGE
        mapping = mmap.mmap(-1, whole_pages + HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        start = -np.frombuffer(mapping, np.uint8).ctypes.data % HUGE_PAGE
        try:
            mapping.madvise(mmap.MADV_HUGEPAGE, start, whole_pages)
        except OSError:
            pass                                        # a kernel without huge pages: 4 KB pages
        return np.frombuffer(mapping, np.float32, count, start)     # anonymous memory is zeroed
    small = aligned_empty((count,), np.float32)
    small[...] = 0
    return small


def _base_name(param):
    return param.name.split(":")[0].replace("/", "_")
