"""DistributedOptimizer: any keralite optimizer, with its gradients averaged across
ranks before every update, so that all replicas stay identical.

As in Horovod, the wrapped optimizer is an instance of a subclass of the original
class made on the fly (an `Adam` stays an `Adam` for isinstance checks, configs and
saved files). The subclass changes two things:

- `get_gradients` returns the averaged gradients: variables over one flat buffer that
  MPI sums (gradient_buffer.py); so the optimizer's own `get_updates` builds an update
  that reads the exchanged gradients in place;
- `build_train_function`, the hook the engine calls when it makes the train
  function, compiles the step as two native calls with the exchange between them
  (see train_step.py).

Each rank computes the gradient of its loss times its share of the global batch
(`samples / total samples`, fed at every step): summed over the ranks, that is the
gradient of the mean loss over all the ranks' samples, the gradient one process
computes on the union of the batches, also when the last batches of an epoch are
unequal (with equal batches it is the plain mean over ranks, as in Horovod). Scaling
the scalar loss instead of every gradient costs nothing: the factor enters the
backward pass at its first, smallest tensor.
"""
import copy

from .. import backend as K
from .. import optimizers
from .gradient_buffer import GradientBuffer
from .train_step import SplitTrainStep

_distributed_classes = {}


class _DistributedOptimizerMixin:
    """What a distributed optimizer adds to its optimizer class (see the module doc)."""

    def get_gradients(self, loss, params):
        """The gradients averaged over all ranks (clipped locally first, as configured).

        The local gradients themselves are made by `build_train_function`, which
        knows the batch they are scaled by; asked again for the same loss and weights
        (TensorBoard's gradient histograms), this returns the same averaged gradients.

        # Arguments
            loss: the scalar loss tensor.
            params: list of weight variables.

        # Returns
            List of gradient variables, one per weight, holding the gradients summed
            over the ranks by the last train step.
        """
        gradient_buffer = getattr(self, "_gradient_buffer", None)
        if (gradient_buffer is None or self._gradient_loss is not loss
                or [id(p) for p in gradient_buffer.params] != [id(p) for p in params]):
            self._gradient_loss, self._gradient_buffer = loss, GradientBuffer(params)
        return list(self._gradient_buffer.variables)

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
            ValueError: when a weight has no gradient.
        """
        gradient_buffer = getattr(self, "_gradient_buffer", None)
        if gradient_buffer is None:
            raise RuntimeError("build_train_function needs get_updates to have run first")
        trained = {id(variable) for variable, _ in _update_pairs(training_updates)}
        for variable, _ in _update_pairs(state_updates):
            if id(variable) in trained:
                raise NotImplementedError(f"variable {variable.name!r} is updated both by the model and by "
                                          "the optimizer; keralite.distributed cannot split such a step")
        share = K.placeholder(shape=(), dtype="float32", name="batch_share")
        gradient_function = compile_function(
            inputs + [share], outputs,
            updates=list(state_updates) + gradient_buffer.updates(self._local_gradients(share)),
            name="gradient_function", learning_phase=1)
        update_function = compile_function([], [], updates=training_updates, name="apply_gradients",
                                           learning_phase=1)
        return SplitTrainStep(model, gradient_function, update_function, gradient_buffer.flat,
                              counts_samples=bool(inputs))

    def _local_gradients(self, share):
        """This rank's gradients times its share of the global batch."""
        loss, params = self._gradient_loss, self._gradient_buffer.params
        base = super(_DistributedOptimizerMixin, self)
        if getattr(self, "clipnorm", 0) > 0 or getattr(self, "clipvalue", 0) > 0:
            # clipping applies to the local gradient itself, so the share multiplies after it
            return [gradient * share for gradient in base.get_gradients(loss, params)]
        return base.get_gradients(loss * share, params)


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
