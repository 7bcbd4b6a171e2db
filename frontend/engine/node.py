"""A Node: one call of a layer on some tensors. Layers keep their inbound nodes
(calls that made their outputs) and outbound nodes (calls that used their outputs),
so a model's graph of layers can be walked, copied and serialised."""


class Node:
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
        return {"outbound_layer": self.outbound_layer.name,
                "inbound_layers": [layer.name if layer else None for layer in self.inbound_layers],
                "node_indices": self.node_indices,
                "tensor_indices": self.tensor_indices}
