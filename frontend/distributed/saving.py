"""Loading a checkpoint to resume distributed training."""
from .. import models
from .. import optimizers
from .optimizer import distributed_class


def _optimizer_classes():
    """Every optimizer class keralite knows, by name (subclasses of subclasses too)."""
    found, pending = {}, [optimizers.Optimizer]
    while pending:
        cls = pending.pop()
        for subclass in cls.__subclasses__():
            if subclass.__name__ not in found and subclass is not optimizers.TFOptimizer:
                found[subclass.__name__] = subclass
                pending.append(subclass)
    return found


def load_model(filepath, custom_optimizers=None, custom_objects=None):
    """Loads a saved model with its optimizer wrapped in `DistributedOptimizer`, and the
    optimizer state (moments, step counter) restored: what resuming needs.

    Every rank loads the same file (usually rank 0's checkpoint on a shared disk); a
    `BroadcastGlobalVariablesCallback` then makes sure all ranks start equal.

    # Arguments
        filepath: path of the HDF5 file `model.save` wrote.
        custom_optimizers: optional list of custom optimizer classes the file names.
        custom_objects: optional dict of other custom classes and functions.

    # Returns
        The compiled model, training with a distributed optimizer.
    """
    distributed = {name: distributed_class(cls) for name, cls in _optimizer_classes().items()
                   if not name.startswith("_")}
    for cls in custom_optimizers or []:
        distributed[cls.__name__] = distributed_class(cls)
    distributed.update(custom_objects or {})
    return models.load_model(filepath, custom_objects=distributed)
