"""The train step of a distributed model: two native calls with the gradient
all-reduce between them.

1. The gradient call runs the forward and backward pass on this rank's batch. It
   returns the loss and the metrics and, as a variable update, writes every gradient
   into ONE flat float32 buffer: a variable, so the buffer is runtime-owned memory that
   the compiled code writes in place.
2. MPI sums that buffer over the ranks in place (MPI_IN_PLACE on a numpy view of the
   runtime's memory: nothing is copied through Python objects).
3. The update call, compiled from the optimizer's own update rule, reads the summed
   buffer, divides by the number of ranks and updates the weights and the optimizer
   state.

One fused buffer means one MPI call per step, whatever the number of weights: for
models whose gradients fit in a few caches' worth of memory, the latency of many small
messages would cost more than the overlap that per-layer buckets could win.
"""
import time

from .agreement import check_ranks_agree
from .collectives import allreduce_sum_in_place


class SplitTrainStep:
    """Callable like the `K.function` it replaces: `step(inputs)` -> [loss, metrics...].

    # Arguments
        model: the model being trained (checked against the other ranks' at the first
            step).
        gradient_function: the compiled forward and backward pass.
        update_function: the compiled optimizer update.
        gradient_buffer: the numpy array over the runtime-owned flat gradient buffer.
    """

    def __init__(self, model, gradient_function, update_function, gradient_buffer):
        self.model = model
        self.gradient_function = gradient_function
        self.update_function = update_function
        self.gradient_buffer = gradient_buffer
        self.ranks_agreed = False
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
            `communication_seconds` (the all-reduce, including waiting for the slowest
            rank), `gradient_bytes` exchanged per step, and `communication_share`.
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
        outputs = self.gradient_function(inputs)
        computed = time.perf_counter()
        allreduce_sum_in_place(self.gradient_buffer)
        exchanged = time.perf_counter()
        self.update_function([])
        updated = time.perf_counter()
        self.steps += 1
        self.compute_seconds += (computed - started) + (updated - exchanged)
        self.communication_seconds += exchanged - computed
        return outputs
