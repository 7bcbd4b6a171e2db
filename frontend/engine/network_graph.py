"""Walking a network's layer graph: ordering its layers and nodes by depth, applying
them to new inputs, and computing output shapes (the engine of engine/network.py).

A node is keyed by its layer's name and its index among the layer's inbound nodes;
depth 0 holds the nodes that produce the network's outputs.
"""
from ..utils.generic_utils import to_list, unpack_singleton, has_arg


def node_key(layer, node_index):
    """The key of a layer's node_index-th inbound node in a network's `_container_nodes`."""
    return layer.name + "_ib-" + str(node_index)


def build_graph_map(network):
    """Set the network's layers and nodes by depth (outputs at depth 0) from its outputs
    back to its inputs, checking the graph is connected and its layer names unique."""
    container_nodes = set()
    nodes_depths = {}
    layers_depths = {}
    layer_indices = {}
    nodes_in_decreasing_depth = []

    def visit(tensor, finished, in_progress, layer=None, node_index=None, tensor_index=None):
        if not layer or node_index is None or tensor_index is None:
            layer, node_index, tensor_index = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if node in in_progress:
            raise ValueError("The tensor " + str(tensor) + " at layer \"" + layer.name + "\" is part of a cycle.")
        if node in finished:
            return
        container_nodes.add(node_key(layer, node_index))
        if layer not in layer_indices:
            layer_indices[layer] = len(layer_indices)
        in_progress.add(node)
        for i in range(len(node.inbound_layers)):
            x = node.input_tensors[i]
            visit(x, finished, in_progress, node.inbound_layers[i], node.node_indices[i], node.tensor_indices[i])
        finished.add(node)
        in_progress.remove(node)
        nodes_in_decreasing_depth.append(node)

    finished, in_progress = set(), set()
    for x in network.outputs:
        visit(x, finished, in_progress)
    for node in reversed(nodes_in_decreasing_depth):
        depth = nodes_depths.setdefault(node, 0)
        previous = layers_depths.get(node.outbound_layer)
        depth = max(depth, previous) if previous is not None else depth
        layers_depths[node.outbound_layer] = depth
        nodes_depths[node] = depth
        for i in range(len(node.inbound_layers)):
            inbound_layer = node.inbound_layers[i]
            inbound_node = inbound_layer._inbound_nodes[node.node_indices[i]]
            nodes_depths[inbound_node] = max(depth + 1, nodes_depths.get(inbound_node, 0))

    nodes_by_depth = {}
    for node, depth in nodes_depths.items():
        nodes_by_depth.setdefault(depth, []).append(node)
    layers_by_depth = {}
    for layer, depth in layers_depths.items():
        layers_by_depth.setdefault(depth, []).append(layer)
    depth_keys = sorted(layers_by_depth.keys(), reverse=True)
    layers = []
    for depth in depth_keys:
        group = layers_by_depth[depth]
        group.sort(key=lambda x: layer_indices[x])
        layers.extend(group)
    network._network_layers = layers
    network._layers_by_depth = layers_by_depth
    network._nodes_by_depth = nodes_by_depth
    network._container_nodes = container_nodes

    computable = {id(x) for x in network.inputs}
    layers_with_complete_input = []
    for depth in sorted(nodes_by_depth.keys(), reverse=True):
        for node in nodes_by_depth[depth]:
            layer = node.outbound_layer
            if layer:
                for x in node.input_tensors:
                    if id(x) not in computable:
                        raise RuntimeError("Graph disconnected: cannot obtain value for tensor " + str(x) +
                                           " at layer \"" + layer.name + "\". The following previous "
                                           "layers were accessed without issue: " +
                                           str(layers_with_complete_input))
                for x in node.output_tensors:
                    computable.add(id(x))
                layers_with_complete_input.append(layer.name)
    all_names = [layer.name for layer in network.layers]
    for name in all_names:
        if all_names.count(name) != 1:
            raise RuntimeError("The name \"" + name + "\" is used " + str(all_names.count(name)) +
                               " times in the model. All layer names should be unique. Layer names: " +
                               str(all_names))


def output_shapes(network, input_shape):
    """The network's output shape(s) for input_shape, from each layer's compute_output_shape."""
    input_shapes = input_shape if isinstance(input_shape, list) else [input_shape]
    if len(input_shapes) != len(network.input_layers):
        raise ValueError("Invalid input_shape argument " + str(input_shape) + ": model has " +
                         str(len(network.input_layers)) + " tensor inputs.")
    layers_to_output_shapes = {}
    for i, layer in enumerate(network.input_layers):
        key = layer.name + "_%s_%s" % (network.input_layers_node_indices[i], network.input_layers_tensor_indices[i])
        layers_to_output_shapes[key] = input_shapes[i]
    for depth in sorted(network._nodes_by_depth.keys(), reverse=True):
        for node in network._nodes_by_depth[depth]:
            layer = node.outbound_layer
            if layer in network.input_layers:
                continue
            shapes = []
            for j in range(len(node.inbound_layers)):
                inbound = node.inbound_layers[j]
                key = inbound.name + "_%s_%s" % (node.node_indices[j], node.tensor_indices[j])
                shapes.append(layers_to_output_shapes[key])
            output_shape = layer.compute_output_shape(unpack_singleton(shapes))
            output_shapes = output_shape if isinstance(output_shape, list) else [output_shape]
            node_index = layer._inbound_nodes.index(node)
            for j, s in enumerate(output_shapes):
                layers_to_output_shapes[layer.name + "_%s_%s" % (node_index, j)] = s
    out = []
    for i, layer in enumerate(network.output_layers):
        key = layer.name + "_%s_%s" % (network.output_layers_node_indices[i], network.output_layers_tensor_indices[i])
        out.append(layers_to_output_shapes[key])
    return unpack_singleton(out)


def run_graph(network, inputs, masks=None):
    """Apply the network's layers to new inputs, node by node in depth order: (output
    tensors, output masks, output shapes)."""
    if masks is None:
        masks = [None] * len(inputs)
    tensor_map = {}
    for x, y, mask in zip(network.inputs, inputs, masks):
        tensor_map[id(x)] = (y, mask)
    for depth in sorted(network._nodes_by_depth.keys(), reverse=True):
        for node in network._nodes_by_depth[depth]:
            layer = node.outbound_layer
            reference_input_tensors = node.input_tensors
            reference_output_tensors = node.output_tensors
            computed_data = [tensor_map[id(x)] for x in reference_input_tensors if id(x) in tensor_map]
            if len(computed_data) != len(reference_input_tensors):
                continue
            kwargs = dict(node.arguments) if node.arguments else {}
            if len(computed_data) == 1:
                computed_tensor, computed_mask = computed_data[0]
                if has_arg(layer.call, "mask") and "mask" not in kwargs:
                    kwargs["mask"] = computed_mask
                output_tensors = to_list(layer.call(computed_tensor, **kwargs))
                output_masks = to_list(layer.compute_mask(computed_tensor, computed_mask))
                computed_tensors, computed_masks = [computed_tensor], [computed_mask]
            else:
                computed_tensors = [x[0] for x in computed_data]
                computed_masks = [x[1] for x in computed_data]
                if has_arg(layer.call, "mask") and "mask" not in kwargs:
                    kwargs["mask"] = computed_masks
                output_tensors = to_list(layer.call(computed_tensors, **kwargs))
                output_masks = to_list(layer.compute_mask(computed_tensors, computed_masks))
            if hasattr(layer, "activity_regularizer") and layer.activity_regularizer is not None:
                regularization_losses = [layer.activity_regularizer(x) for x in output_tensors]
                layer.add_loss(regularization_losses, computed_tensors)
            if not all(a is b for a, b in zip(computed_tensors, reference_input_tensors)):
                # the layer registered updates/losses for these new tensors in its call:
                # the network makes them its own for its new inputs
                network.add_update(layer.get_updates_for(computed_tensors), inputs)
                network.add_loss(layer.get_losses_for(computed_tensors), inputs)
            shapes_in = [getattr(x, "_keras_shape", None) for x in computed_tensors]
            if all(s is not None for s in shapes_in):
                shapes = to_list(layer.compute_output_shape(unpack_singleton(shapes_in))) \
                    if len(shapes_in) > 1 else \
                    layer.compute_output_shape(shapes_in[0])
                shapes = shapes if isinstance(shapes, list) else [shapes]
                uses_lp = any(getattr(x, "_uses_learning_phase", False) for x in computed_tensors)
                for x, s in zip(output_tensors, shapes):
                    x._keras_shape = s
                    x._uses_learning_phase = getattr(x, "_uses_learning_phase", False) or uses_lp
            for x, y, mask in zip(reference_output_tensors, output_tensors, output_masks + [None] * len(output_tensors)):
                tensor_map[id(x)] = (y, mask)
    output_tensors, output_masks, output_shapes = [], [], []
    for x in network.outputs:
        tensor, mask = tensor_map[id(x)]
        output_tensors.append(tensor)
        output_masks.append(mask)
        output_shapes.append(getattr(tensor, "_keras_shape", None))
    return output_tensors, output_masks, output_shapes
