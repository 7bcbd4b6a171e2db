"""multi_gpu_model: Keras' data-parallel replication of a model, on keralite's CPU.

Keras places one replica of the template model on each GPU, gives each a slice of
the batch and concatenates their outputs on the batch axis on the CPU. keralite has
no GPUs: the replicas become parts of one compiled CPU graph, each computing its own
slice with the template's (shared) weights, and the thread pool spreads every kernel
over the cores. The result is the same model Keras builds, layer for layer (a
`Lambda(get_slice)` per input and replica, the template called on each slice, one
`concatenate(axis=0)` per output named as the template's output), so it trains,
saves and reloads as Keras' does; it is not faster than the template here.

A batch size known only at run time is split when the graph runs: each slice's size is
a size the compiled graph computes (compiler/ir/derived.py), and the outputs joined
again have the batch's size.
"""
from .. import backend as K
from ..backend.shape_ops import split_part


def get_slice(data, i, parts):
    """Slice `i` of `parts` of a batch: `batch_size // parts` samples, the last slice
    taking the remainder as well, as Keras splits a batch between GPUs.

    # Arguments
        data: a tensor; its batch size may be known only at run time.
        i: the index of the slice, in [0, parts).
        parts: how many slices the batch is cut into.

    # Returns
        The tensor's slice along the batch axis.
    """
    return split_part(data, i, parts, axis=0)


def _replica_count(gpus):
    """The number of replicas `gpus` asks for, checked with Keras' errors."""
    if gpus is None:
        # Keras takes every visible GPU; keralite sees none
        gpus = 0
    if isinstance(gpus, (list, tuple)):
        if len(gpus) <= 1:
            raise ValueError("For multi-gpu usage to be effective, call `multi_gpu_model` with "
                             "`len(gpus) >= 2`. Received: `gpus=%s`" % (gpus,))
        return len(gpus)
    if gpus <= 1:
        raise ValueError("For multi-gpu usage to be effective, call `multi_gpu_model` with `gpus >= 2`. "
                         "Received: `gpus=%d`" % gpus)
    return int(gpus)


def _check_batch_sizes(model, parts):
    """A batch size fixed when the model was built must give every replica a sample
    (a run-time batch is split as it comes, as Keras does)."""
    for x in model.inputs:
        shape = K.int_shape(x)
        name = getattr(x, "name", "an input")
        if shape and shape[0] is not None and shape[0] < parts:
            raise ValueError("multi_gpu_model: input %r of model %r has a batch of %d samples, fewer than "
                             "the %d replicas: some replicas would get no sample." % (name, model.name,
                                                                                     shape[0], parts))


def multi_gpu_model(model, gpus=None):
    """Replicates a model on several devices (here: in one CPU graph).

    Each replica runs the template `model` on a slice of the batch: with a batch of
    64 and `gpus=2`, each replica gets 32 samples. The outputs are concatenated
    on the batch axis, so the result predicts what the template predicts, and
    training it trains the template's weights, which all replicas share.

    On keralite there are no GPUs: the replicas are computed on the CPU, in one
    compiled graph. The batch size may be fixed or known only at run time. To reload a saved replicated model, pass
    `custom_objects={'get_slice': get_slice}` (or `safe_mode=False`): its `Lambda`
    layers hold that function. As in Keras, saving the template instead is simpler.

    # Arguments
        model: a Keras model instance, the template.
        gpus: an integer >= 2 (the number of replicas) or a list of at least two
            device ids (one replica each). None, which in Keras means every
            visible GPU, finds none here.

    # Returns
        A Keras `Model` instance with the template's inputs, and one output per
        template output, named as the template's.

    # Raises
        ValueError: fewer than 2 replicas asked for (with Keras' message), or a
            fixed batch smaller than the number of replicas.
    """
    # imported here: keralite.utils is imported by the engine and the layers themselves
    from ..layers import Lambda, concatenate
    from ..models import Model

    parts = _replica_count(gpus)
    _check_batch_sizes(model, parts)

    outputs_by_position = [[] for _ in model.outputs]
    for i in range(parts):
        slices = [Lambda(get_slice, arguments={"i": i, "parts": parts})(x) for x in model.inputs]
        outputs = model(slices[0] if len(slices) == 1 else slices)
        if not isinstance(outputs, list):
            outputs = [outputs]
        for position, output in enumerate(outputs):
            outputs_by_position[position].append(output)

    merged = [concatenate(outputs, axis=0, name=name)
              for name, outputs in zip(model.output_names, outputs_by_position)]
    return Model(model.inputs, merged)
