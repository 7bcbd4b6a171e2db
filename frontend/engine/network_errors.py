"""Errors of a network's compiled functions, said in terms of the network's layers:
the compiler only knows placeholders, a user knows layers and models."""


def explain_missing_input(network, error):
    """The message of `error` with where its unfed tensor comes from: an Input of the
    network, the input of a nested model that the network called on other tensors, or
    a tensor from outside the network.

    # Arguments
        network: the Network whose function failed to compile.
        error: the MissingInputError K.function raised.

    # Returns
        The message, naming the network, the tensor and its layer.
    """
    message = str(error)
    tensor = error.tensor
    owner_path = _owner_of_input(network, tensor, []) if tensor is not None else None
    if owner_path is None:
        where = ("It is not an input of model '" + network.name + "': the model's outputs (or a loss, "
                 "metric or update added to it) were computed from a tensor outside the model. "
                 "Pass that tensor's Input in the model's `inputs`.")
    elif not owner_path:
        where = ("It is an input of model '" + network.name + "' that this function does not feed.")
    else:
        nested = " > ".join(layer.name for layer in owner_path)
        where = ("It is the input of the nested model '" + nested + "' inside model '" + network.name +
                 "': that model was called on other tensors, yet some tensor of the outer model "
                 "(an output, a loss or an update of a layer such as BatchNormalization) still "
                 "depends on the nested model's own input.")
    return "Model '" + network.name + "': " + message + ". " + where


def _owner_of_input(network, tensor, path):
    """The chain of nested networks (outermost first) whose inputs include `tensor`,
    [] when it is an input of `network` itself, None when no network owns it."""
    if any(x is tensor for x in getattr(network, "inputs", [])):
        return path
    for layer in getattr(network, "layers", []):
        if hasattr(layer, "layers") and hasattr(layer, "inputs"):
            found = _owner_of_input(layer, tensor, path + [layer])
            if found is not None:
                return found
    return None
