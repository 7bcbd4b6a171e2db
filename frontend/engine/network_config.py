"""A network's config, both ways: `network_config` writes what Network.get_config
returns, `network_from_config` rebuilds a network from it (and from the node layout
newer Keras versions write).
"""
import copy
import json
import warnings

from ..utils.generic_utils import unpack_singleton
from .network_graph import node_key


def is_network(layer):
    """Whether a layer is itself a network (whose own node counts as its first)."""
    return hasattr(layer, "_container_nodes")


def network_config(network):
    """The Keras 2 functional config of a network: its layers with their inbound nodes,
    and its input and output layers."""
    config = {"name": network.name}
    node_conversion_map = {}
    for layer in network.layers:
        kept_nodes = 1 if is_network(layer) else 0
        for original_node_index, node in enumerate(layer._inbound_nodes):
            key = node_key(layer, original_node_index)
            if key in network._container_nodes:
                node_conversion_map[key] = kept_nodes
                kept_nodes += 1
    layer_configs = []
    for layer in network.layers:
        layer_config = layer.get_config()
        filtered_inbound_nodes = []
        for original_node_index, node in enumerate(layer._inbound_nodes):
            key = node_key(layer, original_node_index)
            if key not in network._container_nodes:
                continue
            kwargs = {}
            if node.arguments:
                try:
                    json.dumps(node.arguments)
                    kwargs = node.arguments
                except TypeError:
                    warnings.warn("Layer " + layer.name + " was passed non-serializable keyword "
                                  "arguments: " + str(node.arguments) + ". They will not be included "
                                  "in the serialized model (and thus will be missing at deserialization time).")
            if node.inbound_layers:
                node_data = []
                for i, inbound_layer in enumerate(node.inbound_layers):
                    new_index = node_conversion_map.get(node_key(inbound_layer, node.node_indices[i]), 0)
                    node_data.append([inbound_layer.name, new_index, node.tensor_indices[i], kwargs])
                filtered_inbound_nodes.append(node_data)
        layer_configs.append({"name": layer.name, "class_name": layer.__class__.__name__,
                              "config": layer_config, "inbound_nodes": filtered_inbound_nodes})
    config["layers"] = layer_configs
    model_inputs = []
    for i, layer in enumerate(network.input_layers):
        new_index = node_conversion_map.get(node_key(layer, network.input_layers_node_indices[i]), 0)
        model_inputs.append([layer.name, new_index, network.input_layers_tensor_indices[i]])
    config["input_layers"] = model_inputs
    model_outputs = []
    for i, layer in enumerate(network.output_layers):
        new_index = node_conversion_map.get(node_key(layer, network.output_layers_node_indices[i]), 0)
        model_outputs.append([layer.name, new_index, network.output_layers_tensor_indices[i]])
    config["output_layers"] = model_outputs
    return copy.deepcopy(config)


def network_from_config(cls, config, custom_objects=None):
    """A network of class `cls` rebuilt from get_config() output (Keras 2 functional layout)."""
    # keralite.layers loads the engine's base Layer, and so this package: import it late
    from ..layers import deserialize as deserialize_layer
    created_layers = {}
    unprocessed_nodes = {}

    def add_unprocessed_node(layer, node_data):
        unprocessed_nodes.setdefault(layer, []).append(node_data)

    def process_node(layer, node_data):
        input_tensors = []
        kwargs = {}
        for input_data in node_data:
            inbound_layer_name = input_data[0]
            inbound_node_index = input_data[1]
            inbound_tensor_index = input_data[2]
            if len(input_data) == 3:
                kwargs = {}
            elif len(input_data) == 4:
                kwargs = input_data[3]
            else:
                raise ValueError("Improperly formatted model config.")
            inbound_layer = created_layers[inbound_layer_name]
            if len(inbound_layer._inbound_nodes) <= inbound_node_index:
                add_unprocessed_node(layer, node_data)
                return
            inbound_node = inbound_layer._inbound_nodes[inbound_node_index]
            input_tensors.append(inbound_node.output_tensors[inbound_tensor_index])
        if input_tensors:
            layer(unpack_singleton(input_tensors), **kwargs)

    def process_layer(layer_data):
        layer_name = layer_data["name"]
        layer = deserialize_layer(layer_data, custom_objects=custom_objects)
        created_layers[layer_name] = layer
        for node_data in layer_data["inbound_nodes"]:
            # newer Keras writes {"args": ..., "kwargs": ...} node dicts
            node_data = _normalize_node_data(node_data)
            add_unprocessed_node(layer, node_data)

    for layer_data in config["layers"]:
        process_layer(layer_data)
    while unprocessed_nodes:
        pending = sum(len(nodes) for nodes in unprocessed_nodes.values())
        for layer_data in config["layers"]:
            layer = created_layers[layer_data["name"]]
            if layer in unprocessed_nodes:
                for node_data in unprocessed_nodes.pop(layer):
                    process_node(layer, node_data)
        if sum(len(nodes) for nodes in unprocessed_nodes.values()) >= pending:
            stuck = sorted(layer.name for layer in unprocessed_nodes)
            raise ValueError("Improperly formatted model config: the inbound nodes of layers %s refer "
                             "to nodes that are never created." % stuck)
    name = config.get("name")
    input_tensors = []
    output_tensors = []
    for layer_data in _layer_refs(config["input_layers"]):
        layer_name, node_index, tensor_index = layer_data
        layer = created_layers[layer_name]
        input_tensors.append(layer._inbound_nodes[node_index].output_tensors[tensor_index])
    for layer_data in _layer_refs(config["output_layers"]):
        layer_name, node_index, tensor_index = layer_data
        layer = created_layers[layer_name]
        output_tensors.append(layer._inbound_nodes[node_index].output_tensors[tensor_index])
    return cls(inputs=input_tensors, outputs=output_tensors, name=name)


def _layer_refs(refs):
    """input_layers/output_layers: a list of [name, node, tensor] (or one such triple)."""
    if refs and not isinstance(refs[0], (list, tuple)):
        return [refs]
    return refs


def _normalize_node_data(node_data):
    if isinstance(node_data, dict):
        # tf.keras 2.x style: {"args": [...keras tensors...], "kwargs": {...}}
        args = node_data.get("args", [])
        kwargs = node_data.get("kwargs", {})
        refs = []

        def collect(obj):
            if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
                history = obj["config"]["keras_history"]
                refs.append([history[0], history[1], history[2], kwargs])
            elif isinstance(obj, (list, tuple)):
                for o in obj:
                    collect(o)
        collect(args)
        return refs
    return node_data


def json_default(obj):
    """JSON for the numpy numbers and classes a config may hold."""
    import numpy as np
    if type(obj).__name__ == type.__name__:
        return obj.__name__
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError("Not JSON Serializable:", obj)
