"""Model summaries, parameter counts and kernel conversions (keras.utils.layer_utils)."""
import warnings

from .. import backend as K
from .conv_utils import convert_kernel


def get_source_inputs(tensor, layer=None, node_index=None):
    """The input tensors that `tensor` was computed from (keras.engine.topology's,
    also exposed here as in Keras)."""
    # imported here: the engine imports keralite.utils, so utils cannot import it first
    from ..engine.sequential import get_source_inputs as engine_get_source_inputs
    return engine_get_source_inputs(tensor, layer, node_index)


def count_params(weights):
    """Total number of scalars in a list of weights, each distinct weight counted once."""
    unique = {id(w): w for w in weights}
    return int(sum(K.count_params(w) for w in unique.values()))


def _is_sequential_like(model):
    """A chain: every depth holds one node, and no node has several inbound layers."""
    if model.__class__.__name__ == "Sequential":
        return True
    for nodes in model._nodes_by_depth.values():
        if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].inbound_layers) > 1):
            return False
    return True


def _format_row(fields, positions):
    """Each field left-aligned in its column; a field that reaches the next column is
    cut one character short so that a space always separates two columns."""
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return line


def _output_shape_or_multiple(layer):
    try:
        return layer.output_shape
    except AttributeError:
        return "multiple"


def _layer_connections(layer, relevant_nodes):
    """'name[node_index][tensor_index]' for each inbound tensor of the layer's nodes
    that belong to the summarised model."""
    connections = []
    for node in layer._inbound_nodes:
        if relevant_nodes and not any(node is n for n in relevant_nodes):
            continue
        for inbound_layer, node_index, tensor_index in zip(node.inbound_layers, node.node_indices,
                                                          node.tensor_indices):
            connections.append("%s[%d][%d]" % (inbound_layer.name, node_index, tensor_index))
    return connections


def _warn_if_trainable_weights_changed(model):
    collected = getattr(model, "_collected_trainable_weights", None)
    if collected is None:
        return
    if {id(w) for w in collected} != {id(w) for w in model.trainable_weights}:
        warnings.warn("Discrepancy between trainable weights and collected trainable weights, did you set "
                      "`model.trainable` without calling `model.compile` after ?", stacklevel=3)


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Prints the Keras summary table of a model.

    One row per layer with its output shape and parameter count (and, for
    non-sequential graphs, the layers it is connected to), then the total, trainable
    and non-trainable parameter counts.

    # Arguments
        model: the model.
        line_length: the table's width in characters.
        positions: the right edges of the columns, as fractions of `line_length` or
            as absolute character counts.
        print_fn: the function that receives one line at a time (default `print`).
    """
    if print_fn is None:
        print_fn = print
    sequential_like = _is_sequential_like(model)
    relevant_nodes = []
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [.45, .85, 1.]
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [.33, .55, .67, 1.]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        for nodes in model._nodes_by_depth.values():
            relevant_nodes.extend(nodes)
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    print_fn("_" * line_length)
    print_fn(_format_row(headers, positions))
    print_fn("=" * line_length)

    layers = model.layers
    for i, layer in enumerate(layers):
        name_and_type = layer.name + " (" + layer.__class__.__name__ + ")"
        row = [name_and_type, _output_shape_or_multiple(layer), layer.count_params()]
        if sequential_like:
            print_fn(_format_row(row, positions))
        else:
            connections = _layer_connections(layer, relevant_nodes)
            print_fn(_format_row(row + [connections[0] if connections else ""], positions))
            for connection in connections[1:]:
                print_fn(_format_row(["", "", "", connection], positions))
        print_fn(("=" if i == len(layers) - 1 else "_") * line_length)

    _warn_if_trainable_weights_changed(model)
    if hasattr(model, "_collected_trainable_weights"):
        trainable_count = count_params(model._collected_trainable_weights)
    else:
        trainable_count = count_params(model.trainable_weights)
    non_trainable_count = count_params(model.non_trainable_weights)

    print_fn("Total params: {:,}".format(trainable_count + non_trainable_count))
    print_fn("Trainable params: {:,}".format(trainable_count))
    print_fn("Non-trainable params: {:,}".format(non_trainable_count))
    print_fn("_" * line_length)


def convert_all_kernels_in_model(model):
    """Flips the kernels of every convolution layer of a model, in place.

    Theano and TensorFlow disagree on whether a convolution flips its kernel; this
    converts weights trained with one for use with the other.

    # Arguments
        model: the model whose Conv1D/2D/3D and Conv2DTranspose kernels are converted.
    """
    conv_classes = {"Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose"}
    to_assign = []
    for layer in model.layers:
        if layer.__class__.__name__ in conv_classes:
            kernel = K.get_value(layer.kernel)
            to_assign.append((layer.kernel, convert_kernel(kernel)))
    K.batch_set_value(to_assign)


def convert_dense_weights_data_format(dense, previous_feature_map_shape, target_data_format="channels_first"):
    """Reorder the input rows of a Dense layer that follows a Flatten, for a change of
    the data format of the feature map before the Flatten.

    `previous_feature_map_shape` is that feature map's shape without the batch axis, in
    the target format."""
    if target_data_format not in {"channels_last", "channels_first"}:
        raise ValueError("target_data_format must be 'channels_last' or 'channels_first', got " +
                         str(target_data_format))
    kernel, bias = dense.get_weights()
    units = kernel.shape[1]
    if target_data_format == "channels_first":
        c, h, w = previous_feature_map_shape
        # rows were laid out (h, w, c); lay them out (c, h, w)
        kernel = kernel.reshape((h, w, c, units)).transpose(2, 0, 1, 3)
    else:
        h, w, c = previous_feature_map_shape
        kernel = kernel.reshape((c, h, w, units)).transpose(1, 2, 0, 3)
    dense.set_weights([kernel.reshape((-1, units)), bias])
