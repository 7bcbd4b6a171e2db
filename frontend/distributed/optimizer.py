"""DistributedOptimizer: any keralite optimizer, with its gradients averaged across
ranks before every update, so that all replicas stay identical.

As in Horovod, the wrapped optimizer is an instance of a subclass of the original
class made on the fly (an `Adam` stays an `Adam` for isinstance checks, configs and
saved files). The subclass changes two things:

- `get_gradients` returns the averaged gradients as slices of one flat gradient
  buffer (a variable), instead of the local gradients; so the optimizer's own
  `get_updates` builds an update that reads the exchanged gradients;
- `build_train_function`, the hook the engine calls when it makes the train
  function, compiles the step as two native calls with the exchange between them
  (see train_step.py).
"""
import copy

import numpy as np

from .. import backend as K
from .. import optimizers
from .train_step import SplitTrainStep

_distributed_classes = {}


class _GradientExchange:
    """The local gradients of one train step and the flat buffer they are exchanged in.

    The buffer holds every gradient times this rank's batch size, then the batch size
    itself; summed over the ranks and divided by the summed batch size, that is the
    gradient of the mean loss over all the ranks' samples: the gradient one process
    computes on the union of the batches, also when the last batches of an epoch are
    unequal (with equal batches it is the plain mean over ranks, as in Horovod).
    """

    def __init__(self, gradients, params):
        for param, gradient in zip(params, gradients):
            if K.dtype(param) != "float32" or K.dtype(gradient) != "float32":
                raise ValueError(f"DistributedOptimizer supports float32 weights only; weight "
                                 f"{param.name!r} is {K.dtype(param)}")
        self.shapes = [K.int_shape(p) for p in params]
        self.counts = [int(np.prod(shape, dtype=np.int64)) for shape in self.shapes]
        self.local_gradients = gradients
        # runtime-owned: the gradient call writes it, MPI sums it in place, the update reads it
        self.buffer = K.zeros((sum(self.counts) + 1,), dtype="float32", name="allreduced_gradients")

    def flat_local_gradients(self, samples):
        """The value the gradient call writes: every local gradient times `samples` (this
        rank's batch size, a scalar tensor), then `samples`."""
        pieces = [K.reshape(g, (n,)) * samples for g, n in zip(self.local_gradients, self.counts)]
        return K.concatenate(pieces + [K.reshape(samples, (1,))], axis=0)

    def averaged_gradients(self):
        """Each weight's slice of the summed buffer over the summed batch size."""
        total = sum(self.counts)
        samples = K.reshape(self.buffer[total:total + 1], ())
        averaged, offset = [], 0
        for shape, count in zip(self.shapes, self.counts):
            averaged.append(K.reshape(self.buffer[offset:offset + count], shape) / samples)
            offset += count
        return averaged


class _DistributedOptimizerMixin:
    """What a distributed optimizer adds to its optimizer class (see the module doc)."""

    def get_gradients(self, loss, params):
        """The gradients averaged over all ranks (clipped locally first, as configured).

        # Arguments
            loss: the scalar loss tensor.
            params: list of weight variables.

        # Returns
            List of gradient tensors, one per weight, read from the exchanged buffer.
        """
        gradients = super().get_gradients(loss, params)
        self._gradient_exchange = _GradientExchange(gradients, params)
        return self._gradient_exchange.averaged_gradients()

    def build_train_function(self, model, compile_function, inputs, outputs, state_updates,
                             training_updates):
        """The model's train function as two native calls with the all-reduce between.

        Called by the engine after `get_updates`, instead of compiling one function.

        # Arguments
            model: the model being trained.
            compile_function: the engine's K.function (it explains missing inputs in
                terms of the model).
            inputs: the train function's inputs (data, targets, sample weights).
            outputs: the loss and metric tensors.
            state_updates: the model's own updates (BatchNormalization statistics,
                stateful metrics), run with the gradient call.
            training_updates: the optimizer's updates, run by the update call.

        # Returns
            A `SplitTrainStep`, called like a K.function.

        # Raises
            NotImplementedError: when a variable is updated both by the model and by
                the optimizer (the two calls could not order them as one call does).
        """
        exchange = getattr(self, "_gradient_exchange", None)
        if exchange is None:
            raise RuntimeError("build_train_function needs get_updates to have run first")
        trained = {id(variable) for variable, _ in _update_pairs(training_updates)}
        for variable, _ in _update_pairs(state_updates):
            if id(variable) in trained:
                raise NotImplementedError(f"variable {variable.name!r} is updated both by the model and by "
                                          "the optimizer; keralite.distributed cannot split such a step")
        flat_gradients = exchange.flat_local_gradients(_batch_size(inputs))
        gradient_function = compile_function(inputs, outputs,
                                             updates=list(state_updates) + [(exchange.buffer, flat_gradients)],
                                             name="gradient_function", learning_phase=1)
        update_function = compile_function([], [], updates=training_updates, name="apply_gradients",
                                           learning_phase=1)
        return SplitTrainStep(model, gradient_function, update_function, exchange.buffer.value)


def _batch_size(inputs):
    """This call's number of samples, as a float32 scalar tensor (1 for a model fed by
    tensors instead of arrays)."""
    if not inputs:
        return K.constant(1.0)
    return K.cast(K.shape(inputs[0])[0], "float32")


def _update_pairs(updates):
    """The (variable, value) pairs of a possibly nested update list."""
    pairs = []
    for update in updates:
        if isinstance(update, tuple) and len(update) == 2 and isinstance(update[0], K.Variable):
            pairs.append(update)
        else:
            pairs.extend(_update_pairs(update))
    return pairs


def distributed_class(optimizer_class):
    """The distributed subclass of an optimizer class (made once per class).

    # Arguments
        optimizer_class: a subclass of `keralite.optimizers.Optimizer`.

    # Returns
        A class with the same name whose instances average gradients across ranks.
    """
    if issubclass(optimizer_class, _DistributedOptimizerMixin):
        return optimizer_class
    if optimizer_class not in _distributed_classes:
        _distributed_classes[optimizer_class] = type(
            optimizer_class.__name__, (_DistributedOptimizerMixin, optimizer_class),
            {"__module__": optimizer_class.__module__, "__doc__": optimizer_class.__doc__})
    return _distributed_classes[optimizer_class]


def DistributedOptimizer(optimizer, name=None, device_dense="", device_sparse="", compression=None,
                         sparse_as_dense=False):
    """Wraps an optimizer so that gradients are averaged across ranks before every update.

    Each rank computes gradients on its own batch; the gradients are summed over the
    ranks by MPI and averaged (weighted by the ranks' batch sizes, which only matters
    for an unequal last batch), and every rank applies the same update, so the
    replicas stay identical and N ranks at batch size B train as one process at batch
    size N * B.

    # Arguments
        optimizer: a keralite optimizer instance (or its name, e.g. `'adam'`). The
            wrapped optimizer shares its variables (`lr`, `iterations`, ...).
        name: accepted for Horovod compatibility.
        device_dense: accepted for Horovod compatibility; must be empty (CPU only).
        device_sparse: accepted for Horovod compatibility; must be empty (CPU only).
        compression: None (gradients travel as float32).
        sparse_as_dense: accepted for Horovod compatibility (keralite gradients are
            always dense).

    # Returns
        An optimizer of the same class, to pass to `model.compile`.

    # Raises
        ValueError: for a device or a compression keralite does not support.
    """
    if device_dense or device_sparse:
        raise ValueError("keralite.distributed runs on CPUs only: device_dense and device_sparse must be empty")
    if compression is not None and getattr(compression, "__name__", type(compression).__name__) not in (
            "none", "NoneCompressor"):
        raise ValueError("keralite.distributed does not support gradient compression: pass compression=None")
    optimizer = optimizers.get(optimizer)
    distributed = copy.copy(optimizer)
    distributed.__class__ = distributed_class(type(optimizer))
    return distributed
