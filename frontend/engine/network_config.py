"""A network's config, both ways: `network_config` writes what Network.get_config
returns, `network_from_config` rebuilds a network from it (and from the node layout
newer Keras versions write).
"""
import copy
import json
import warnings

from ..utils.generic_utils import unpack_singleton
from .network_graph import node_key
from .saving_errors import MalformedModelError, describe_layer_config, loading_part


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
    """A network of class `cls` rebuilt from get_config() output (Keras 2 functional layout).

    # Raises
        MalformedModelError: a key missing or of the wrong type, a layer that cannot be
            built, inbound nodes naming layers, nodes or tensors that do not exist;
            the message names the layer and inbound node at fault.
    """
    # keralite.layers loads the engine's base Layer, and so this package: import it late
    from ..layers import deserialize as deserialize_layer
    layer_configs = _config_value(config, "layers", list)
    created_layers = {}
    unprocessed_nodes = {}
    waits = {}      # layer name -> the node reference it last waited for


    def add_unprocessed_node(layer, node_data):
        unprocessed_nodes.setdefault(layer, []).append(node_data)

    def process_node(layer, node_data):
        node_index, inputs = node_data
        input_tensors = []
        kwargs = {}
        with loading_part("inbound node %d" % node_index):
            for inbound_layer_name, inbound_node_index, inbound_tensor_index, kwargs in inputs:
                if inbound_layer_name not in created_layers:
                    raise MalformedModelError("it names layer %r, which the config does not define"
                                              % inbound_layer_name)
                inbound_layer = created_layers[inbound_layer_name]
                if len(inbound_layer._inbound_nodes) <= inbound_node_index:
                    waits[layer.name] = "layer %r waits for node %d of layer %r, which has %d" % (
                        layer.name, inbound_node_index, inbound_layer_name, len(inbound_layer._inbound_nodes))
                    add_unprocessed_node(layer, node_data)
                    return
                output_tensors = inbound_layer._inbound_nodes[inbound_node_index].output_tensors
                if inbound_tensor_index >= len(output_tensors):
                    raise MalformedModelError("it takes tensor %d of node %d of layer %r, which has %d"
                                              % (inbound_tensor_index, inbound_node_index, inbound_layer_name,
                                                 len(output_tensors)))
                input_tensors.append(output_tensors[inbound_tensor_index])
            layer(unpack_singleton(input_tensors), **kwargs)

    def process_layer(layer_data):
        layer_name = _config_value(layer_data, "name", str)
        if layer_name in created_layers:
            raise MalformedModelError("two layers of the config are named %r" % layer_name)
        inbound_nodes = _config_value(layer_data, "inbound_nodes", list)
        layer = deserialize_layer(layer_data, custom_objects=custom_objects)
        created_layers[layer_name] = layer
        for node_index, node_data in enumerate(inbound_nodes):
            with loading_part("inbound node %d" % node_index):
                # newer Keras writes {"args": ..., "kwargs": ...} node dicts
                inputs = _checked_node_inputs(_normalize_node_data(node_data))
            add_unprocessed_node(layer, (node_index, inputs))

    for index, layer_data in enumerate(layer_configs):
        with loading_part(describe_layer_config(layer_data, index)):
            if not isinstance(layer_data, dict):
                raise MalformedModelError("the layer config is a %s, not a dict" % type(layer_data).__name__)
            process_layer(layer_data)
    while unprocessed_nodes:
        pending = sum(len(nodes) for nodes in unprocessed_nodes.values())
        for index, layer_data in enumerate(layer_configs):
            layer = created_layers[layer_data["name"]]
            if layer in unprocessed_nodes:
                with loading_part(describe_layer_config(layer_data, index)):
                    for node_data in unprocessed_nodes.pop(layer):
                        process_node(layer, node_data)
        if sum(len(nodes) for nodes in unprocessed_nodes.values()) >= pending:
            stuck = sorted(layer.name for layer in unprocessed_nodes)
            raise MalformedModelError("Improperly formatted model config: the inbound nodes of layers %s refer "
                                      "to nodes that are never created (%s; are inbound_nodes empty?)."
                                      % (stuck, "; ".join(waits[name] for name in stuck if name in waits)))
    name = config.get("name")
    input_tensors = _referenced_tensors(config, "input_layers", created_layers)
    output_tensors = _referenced_tensors(config, "output_layers", created_layers)
    with loading_part("the network's inputs and outputs"):
        return cls(inputs=input_tensors, outputs=output_tensors, name=name)


def _config_value(config, key, kind):
    """config[key], checked to be there and of type `kind`."""
    if not isinstance(config, dict):
        raise MalformedModelError("the config is a %s, not a dict" % type(config).__name__)
    with loading_part("config key %r" % key):
        if key not in config:
            raise MalformedModelError("the key is missing")
        value = config[key]
        if not isinstance(value, kind):
            raise MalformedModelError("expected a %s, got %r" % (kind.__name__, value))
        return value


def _is_index(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _checked_node_inputs(node_data):
    """An inbound node's inputs as (layer name, node index, tensor index, kwargs)
    tuples, each checked."""
    if not isinstance(node_data, (list, tuple)) or not node_data:
        raise MalformedModelError("an inbound node must be a non-empty list of [layer name, node index, "
                                  "tensor index, kwargs] entries, got %r" % (node_data,))
    inputs = []
    for input_data in node_data:
        if not isinstance(input_data, (list, tuple)) or len(input_data) not in (3, 4):
            raise MalformedModelError("Improperly formatted model config: inbound node entry %r is not "
                                      "[layer name, node index, tensor index(, kwargs)]" % (input_data,))
        kwargs = input_data[3] if len(input_data) == 4 else {}
        if not (isinstance(input_data[0], str) and _is_index(input_data[1]) and _is_index(input_data[2])
                and isinstance(kwargs, dict) and all(isinstance(k, str) for k in kwargs)):
            raise MalformedModelError("Improperly formatted model config: inbound node entry %r is not "
                                      "[layer name, node index, tensor index(, kwargs)]" % (input_data,))
        inputs.append((input_data[0], input_data[1], input_data[2], kwargs))
    return inputs


def _referenced_tensors(config, key, created_layers):
    """The tensors config[key] (input_layers or output_layers) refers to."""
    refs = _layer_refs(_config_value(config, key, list))
    tensors = []
    with loading_part("config key %r" % key):
        for ref in refs:
            if not (isinstance(ref, (list, tuple)) and len(ref) == 3 and isinstance(ref[0], str)
                    and _is_index(ref[1]) and _is_index(ref[2])):
                raise MalformedModelError("entry %r is not [layer name, node index, tensor index]" % (ref,))
            layer_name, node_index, tensor_index = ref
            if layer_name not in created_layers:
                raise MalformedModelError("it names layer %r, which the config does not define" % layer_name)
            nodes = created_layers[layer_name]._inbound_nodes
            if node_index >= len(nodes):
                raise MalformedModelError("it names node %d of layer %r, which has %d node(s) (are its "
                                          "inbound_nodes empty?)" % (node_index, layer_name, len(nodes)))
            output_tensors = nodes[node_index].output_tensors
            if tensor_index >= len(output_tensors):
                raise MalformedModelError("it names tensor %d of node %d of layer %r, which has %d"
                                          % (tensor_index, node_index, layer_name, len(output_tensors)))
            tensors.append(output_tensors[tensor_index])
    return tensors


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
