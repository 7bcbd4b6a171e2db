"""The train step of a distributed model: two native calls with the gradient
all-reduce between them.

0. The ranks sum their batch sizes (one 8-byte all-reduce), so that each knows its
   share of the global batch.
1. The gradient call runs the forward and backward pass on this rank's batch, its loss
   scaled by that share. It returns the loss and the metrics and, as variable updates,
   writes the gradients straight into ONE flat float32 buffer of runtime-owned memory
   (gradient_buffer.py).
2. MPI sums that buffer over the ranks in place (MPI_IN_PLACE on a numpy view of the
   runtime's memory: nothing is copied through Python objects). The sum of the scaled
   gradients is the gradient of the mean loss over the global batch.
3. The update call, compiled from the optimizer's own update rule, reads the summed
   gradients in place and updates the weights and the optimizer state.

One fused buffer means one MPI call per step, whatever the number of weights: for
models whose gradients fit in a few caches' worth of memory, the latency of many small
messages would cost more than the overlap that per-layer buckets could win.
"""
import time

import numpy as np

from .agreement import check_ranks_agree
from .collectives import allreduce_sum_in_place, sum_over_ranks


class SplitTrainStep:
    """Callable like the `K.function` it replaces: `step(inputs)` -> [loss, metrics...].

    # Arguments
        model: the model being trained (checked against the other ranks' at the first
            step).
        gradient_function: the compiled forward and backward pass; it takes the
            model's inputs and then this rank's share of the global batch.
        update_function: the compiled optimizer update.
        gradient_buffer: the numpy array over the runtime-owned flat gradient buffer.
        counts_samples: whether the first input's rows are the batch (False for a
            model fed by tensors, whose every step counts as one sample).
    """

    def __init__(self, model, gradient_function, update_function, gradient_buffer, counts_samples=True):
        self.model = model
        self.gradient_function = gradient_function
        self.update_function = update_function
        self.gradient_buffer = gradient_buffer
        self.counts_samples = counts_samples
        self.ranks_agreed = False
        # reused every step: the summed batch size, and the share fed to the gradient call
        self._samples = np.zeros(1, np.float64)
        self._share = np.zeros((), np.float32)
        self.reset_timings()

    def reset_timings(self):
        """Starts the step counters again (e.g. after warm-up steps of a benchmark)."""
        self.steps = 0
        self.compute_seconds = 0.0
        self.communication_seconds = 0.0

    def timings(self):
        """What the steps so far have cost.

        # Returns
            A dict: `steps`, `compute_seconds` (both native calls),
            `communication_seconds` (both all-reduces, including waiting for the
            slowest rank), `gradient_bytes` exchanged per step, and
            `communication_share`.
        """
        total = self.compute_seconds + self.communication_seconds
        return {"steps": self.steps, "compute_seconds": self.compute_seconds,
                "communication_seconds": self.communication_seconds,
                "gradient_bytes": int(self.gradient_buffer.nbytes),
                "communication_share": self.communication_seconds / total if total else 0.0}

    def __call__(self, inputs):
        if not self.ranks_agreed:
            check_ranks_agree(self.model)
            self.ranks_agreed = True
        started = time.perf_counter()
        samples = len(inputs[0]) if self.counts_samples else 1
        self._samples[0] = samples
        sum_over_ranks(self._samples)
        self._share[()] = samples / self._samples[0]
        shared = time.perf_counter()
        outputs = self.gradient_function(list(inputs) + [self._share])
        computed = time.perf_counter()
        allreduce_sum_in_place(self.gradient_buffer)
        exchanged = time.perf_counter()
        self.update_function([])
        updated = time.perf_counter()
        self.steps += 1
        self.compute_seconds += (computed - shared) + (updated - exchanged)
        self.communication_seconds += (shared - started) + (exchanged - computed)
        return outputs
