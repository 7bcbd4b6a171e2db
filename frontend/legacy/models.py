"""keras.legacy.models: Keras 2.1.6's helpers for a Sequential model whose first layer
is a legacy `Merge` of other models (Keras 1's way to build a multi-input Sequential)."""
from keralite.layers.legacy_merge import Merge


def needs_legacy_support(model):
    """Whether `model` (a Sequential) starts with a legacy Merge layer.

    # Arguments
        model: a Sequential model.

    # Returns
        bool.
    """
    return bool(model.layers) and isinstance(model.layers[0], Merge)


def legacy_sequential_layers(model):
    """The layers of `model` in Keras 1's weight order: the layers of the merged
    branches first (each once), then the model's own layers after the Merge.

    # Arguments
        model: a Sequential model.

    # Returns
        A list of layers.
    """
    ordered = []

    def add(layer):
        if layer not in ordered:
            ordered.append(layer)

    if not model.layers:
        return ordered
    first = model.layers[0]
    if isinstance(first, Merge):
        for branch in first.layers or []:
            for layer in getattr(branch, "layers", [branch]):
                add(layer)
    else:
        add(first)
    for layer in model.layers[1:]:
        add(layer)
    return ordered
