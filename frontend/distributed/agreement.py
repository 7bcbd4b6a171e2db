"""Ranks agree on what they train before the first step.

Every rank must run the same model: the same layers (class and configuration), the
same weight shapes, the same optimizer with the same state shapes. If one rank built
something else, its gradients would not line up with the others' in the fused
all-reduce, and the replicas would silently drift apart or MPI would wait forever on
sizes that do not match. So before the first exchange every rank describes its model,
the descriptions are gathered, and a difference stops every rank with the same error,
naming the first item that differs.
"""
import json

from .. import backend as K
from .world import communicator, size


class RankDisagreementError(ValueError):
    """Ranks are not training the same model (architecture, weights or optimizer)."""


def _layer_config(layer):
    """A layer's configuration without its name (names depend on how many layers a
    process created before, not on what the layer computes)."""
    try:
        config = dict(layer.get_config())
    except NotImplementedError:
        config = {}
    config.pop("name", None)
    return json.dumps(config, sort_keys=True, default=str)


def model_description(model):
    """What every rank must have in common, as a list of short (what, value) strings.

    # Arguments
        model: a compiled model whose train function exists (so that the optimizer's
            state variables exist).

    # Returns
        A list of `(label, value)` pairs of strings, in a fixed order.
    """
    items = []
    for index, layer in enumerate(model.layers):
        items.append((f"layer {index} ({layer.name})", type(layer).__name__ + " " + _layer_config(layer)))
    for index, weight in enumerate(model.weights):
        items.append((f"weight {index} ({weight.name})", f"{K.int_shape(weight)} {K.dtype(weight)}"))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        config = json.dumps(optimizer.get_config(), sort_keys=True, default=str)
        items.append(("optimizer", type(optimizer).__name__ + " " + config))
        for index, weight in enumerate(getattr(optimizer, "weights", [])):
            items.append((f"optimizer weight {index}", f"{K.int_shape(weight)} {K.dtype(weight)}"))
    items.append(("loss", json.dumps(getattr(model, "loss", None), sort_keys=True, default=_name_of)))
    return items


def _name_of(value):
    return getattr(value, "__name__", type(value).__name__)


def first_difference(mine, reference):
    """The first (label, mine, reference) where two descriptions differ, or None.

    Only the values are compared (labels hold layer names, which may differ between
    ranks); for two configurations of one class, only the keys that differ are kept.
    """
    nothing = ("(nothing)", "(nothing)")
    for index in range(max(len(mine), len(reference))):
        own = mine[index] if index < len(mine) else nothing
        other = reference[index] if index < len(reference) else nothing
        if own[1] != other[1]:
            label = own[0] if own is not nothing else other[0]
            return (label,) + _differing_keys(own[1], other[1])
    return None


def _differing_keys(own, other):
    """'Dense {"units": 25}' and 'Dense {"units": 24}' for two configurations of one
    class that differ only in `units`; anything else as it is."""
    own_class, _, own_config = own.partition(" ")
    other_class, _, other_config = other.partition(" ")
    try:
        own_config, other_config = json.loads(own_config), json.loads(other_config)
    except ValueError:
        return own, other
    if own_class != other_class or not isinstance(own_config, dict) or not isinstance(other_config, dict):
        return own, other
    keys = sorted(k for k in set(own_config) | set(other_config) if own_config.get(k) != other_config.get(k))
    return (own_class + " " + json.dumps({k: own_config.get(k) for k in keys}),
            other_class + " " + json.dumps({k: other_config.get(k) for k in keys}))


def check_ranks_agree(model, root_rank=0):
    """Stops every rank with the same error unless all ranks run the same model.

    A collective: every rank must call it at the same point.

    # Arguments
        model: the compiled model about to train.
        root_rank: the rank whose model is the reference.

    # Raises
        RankDisagreementError: on every rank, when any rank's model differs from the
            root's; the message names the rank and the first item that differs.
    """
    if size() == 1:
        return
    descriptions = communicator().allgather(model_description(model))
    reference = descriptions[root_rank]
    for other_rank, description in enumerate(descriptions):
        difference = first_difference(description, reference)
        if difference is not None:
            label, theirs, roots = difference
            raise RankDisagreementError(
                f"rank {other_rank}'s model differs from rank {root_rank}'s at {label}: "
                f"rank {other_rank} has {theirs!r}, rank {root_rank} has {roots!r}. Every rank "
                "must build and compile the same model (architecture, weight shapes, optimizer)")


def check_steps_agree(params):
    """Stops every rank unless all make the same number of steps per epoch.

    A rank with one step more would wait forever in its extra all-reduce once the
    others have finished. A collective: every rank must call it at the same point.

    # Arguments
        params: the fit loop's parameters (`samples`, `batch_size`, `steps`), as a
            callback's `self.params` holds them.

    # Raises
        RankDisagreementError: on every rank, when the numbers of steps differ.
    """
    if size() == 1:
        return
    steps = params.get("steps")
    if not steps and params.get("samples") is not None and params.get("batch_size"):
        steps = -(-int(params["samples"]) // int(params["batch_size"]))
    every_rank = communicator().allgather(steps)
    if any(other != every_rank[0] for other in every_rank):
        raise RankDisagreementError(
            f"the ranks would make different numbers of steps per epoch ({every_rank}, by rank): each "
            "rank must train on as many batches as the others (hvd.shard gives every rank an equal share "
            "when the number of samples divides evenly, or pass steps_per_epoch)")
