"""A Node: one call of a layer on some tensors. Layers keep their inbound nodes
(calls that made their outputs) and outbound nodes (calls that used their outputs),
so a model's graph of layers can be walked, copied and serialised."""


class Node:
    """One call of a layer on some tensors: the edge of a model's graph of layers.

    Layers keep their inbound nodes (calls that made their outputs) and outbound nodes
    (calls that used their outputs), so a model's graph can be walked, copied and
    serialised. Creating a node registers it with the layers it connects.

    # Arguments
        outbound_layer: the layer that was called.
        inbound_layers: the layers that made each input tensor (None for a tensor that
            no layer made).
        node_indices: for each input, the index of the inbound layer's node that made it.
        tensor_indices: for each input, its index among that node's outputs.
        input_tensors: list of the input tensors.
        output_tensors: list of the output tensors.
        input_masks: list of the input masks (None entries allowed).
        output_masks: list of the output masks.
        input_shapes: list of the input shape tuples.
        output_shapes: list of the output shape tuples.
        arguments: dict of the keyword arguments the call received, or None; saved
            in the model config so the call is repeated on load.
    """
    def __init__(self, outbound_layer, inbound_layers, node_indices, tensor_indices,
                 input_tensors, output_tensors, input_masks, output_masks,
                 input_shapes, output_shapes, arguments=None):
        self.outbound_layer = outbound_layer
        self.inbound_layers = inbound_layers
        self.node_indices = node_indices
        self.tensor_indices = tensor_indices
        self.input_tensors = input_tensors
        self.output_tensors = output_tensors
        self.input_masks = input_masks
        self.output_masks = output_masks
        self.input_shapes = input_shapes
        self.output_shapes = output_shapes
        self.arguments = arguments
        for layer in inbound_layers:
            if layer is not None:
                layer._outbound_nodes.append(self)
        outbound_layer._inbound_nodes.append(self)

    def get_config(self):
        """The node as it is written into a model config: layer names and indices.

        # Returns
            Dict with the outbound layer's name and the inbound layers, node indices and
            tensor indices.
        """
        return {"outbound_layer": self.outbound_layer.name,
                "inbound_layers": [layer.name if layer else None for layer in self.inbound_layers],
                "node_indices": self.node_indices,
                "tensor_indices": self.tensor_indices}
