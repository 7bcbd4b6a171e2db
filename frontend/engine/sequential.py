"""Sequential: a linear stack of layers, built as a functional network of one chain."""
import copy
import warnings

from .. import backend as K
from .base_layer import Layer, register_model_class
from .input_layer import Input, InputLayer
from .saving_errors import describe_layer_config, loading_part
from .training import Model


def get_source_inputs(tensor, layer=None, node_index=None):
    """The input tensors a tensor was computed from (following _keras_history)."""
    if not hasattr(tensor, "_keras_history"):
        return tensor
    if layer is None or node_index:
        layer, node_index, _ = tensor._keras_history
    if not layer._inbound_nodes:
        return [tensor]
    node = layer._inbound_nodes[node_index]
    if not node.inbound_layers:
        return node.input_tensors
    source_tensors = []
    for i, x in enumerate(node.input_tensors):
        previous = get_source_inputs(x, node.inbound_layers[i], node.node_indices[i])
        for x2 in previous:
            if all(x2 is not t for t in source_tensors):
                source_tensors.append(x2)
    return source_tensors


def _first_layer_input(layer):
    """(batch_shape, dtype) of the Input a Sequential creates for its first layer: a
    model added first is called on a new input of its own input's shape."""
    from .network import Network
    if isinstance(layer, Network):
        if not layer.layers:
            raise ValueError("Cannot add an empty model to a `Sequential` model.")
        first_input = layer.inputs[0]
        return tuple(first_input._keras_shape), K.dtype(first_input)
    if not hasattr(layer, "batch_input_shape"):
        raise ValueError("The first layer in a Sequential model must get an `input_shape` or "
                         "`batch_input_shape` argument.")
    return layer.batch_input_shape, layer.dtype


@register_model_class("Sequential")
class Sequential(Model):
    """`model = Sequential(); model.add(Dense(32, input_shape=(16,)))`."""

    def __init__(self, layers=None, name=None):
        self._init_base(name)
        self._added_layers = []
        self.built = False
        if layers:
            for layer in layers:
                self.add(layer)

    @property
    def layers(self):
        """The added layers (the generated InputLayer is not listed, as in Keras)."""
        return list(self._added_layers)

    def add(self, layer):
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. Found: " + str(layer))
        if not self.outputs:
            if isinstance(layer, InputLayer):
                self.inputs = layer._inbound_nodes[-1].output_tensors
                self.outputs = list(self.inputs)
                self._input_layer = layer
                self.built = False
                return
            from keralite.layers.legacy_merge import Merge
            if not (isinstance(layer, Merge) and layer._inbound_nodes):   # Keras 1's Merge([model_a, model_b])
                batch_shape, dtype = _first_layer_input(layer)
                x = Input(batch_shape=batch_shape, dtype=dtype, name=layer.name + "_input")
                layer(x)
            if len(layer._inbound_nodes[-1].output_tensors) != 1:
                raise ValueError("All layers in a Sequential model should have a single output tensor. "
                                 "For multi-output layers, use the functional API.")
            self.outputs = [layer._inbound_nodes[-1].output_tensors[0]]
            self.inputs = get_source_inputs(self.outputs[0])
        else:
            output_tensor = layer(self.outputs[0])
            if isinstance(output_tensor, list):
                raise TypeError("All layers in a Sequential model should have a single output tensor. "
                                "For multi-output layers, use the functional API.")
            self.outputs = [output_tensor]
        self._added_layers.append(layer)
        self.built = False
        self._init_graph_network(self.inputs, self.outputs)

    def pop(self):
        if not self._added_layers:
            raise TypeError("There are no layers in the model.")
        self._added_layers.pop()
        if not self._added_layers:
            self.outputs = []
            self.inputs = []
            self._inbound_nodes = []
            self.built = False
            return
        last = self._added_layers[-1]
        self.outputs = [last._inbound_nodes[-1].output_tensors[0]]
        # the popped layer no longer consumes the new last output
        last._outbound_nodes = []
        self._init_graph_network(self.inputs, self.outputs)

    def build(self, input_shape=None):
        if input_shape and not self.inputs:
            x = Input(batch_shape=input_shape, name=self.name + "_input")
            layers = self._added_layers
            self._added_layers = []
            self.outputs = [x]
            self.inputs = [x]
            for layer in layers:
                self.add(layer)
        if not self.inputs or not self.outputs:
            raise TypeError("Sequential model cannot be built: model is empty. Add some layers first.")
        self._init_graph_network(self.inputs, self.outputs)
        self.built = True

    @property
    def model(self):
        """Keras 2.1.6 kept an inner Model here; the Sequential is its own model now."""
        return self

    def _init_graph_network(self, inputs, outputs):
        super()._init_graph_network(inputs, outputs)
        self.built = True

    def get_config(self):
        return [{"class_name": layer.__class__.__name__, "config": copy.deepcopy(layer.get_config())}
                for layer in self.layers]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..layers import deserialize as deserialize_layer
        name = None
        if isinstance(config, dict):
            name = config.get("name")
            layer_configs = config["layers"]
        else:
            layer_configs = config
        model = cls(name=name)
        for index, conf in enumerate(layer_configs):
            with loading_part(describe_layer_config(conf, index)):     # names the layer in load errors
                if conf["class_name"] == "InputLayer":
                    c = conf["config"]
                    shape = c.get("batch_input_shape") or c.get("batch_shape")
                    model.add(InputLayer(batch_input_shape=tuple(shape), dtype=c.get("dtype"), name=c.get("name"),
                                         sparse=bool(c.get("sparse", False))))
                    continue
                model.add(deserialize_layer(conf, custom_objects=custom_objects))
        return model

    # Keras 2.1.6 Sequential conveniences
    def predict_proba(self, x, batch_size=32, verbose=0):
        preds = self.predict(x, batch_size, verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn("Network returning invalid probability values. The last layer might not normalize "
                          "predictions into probabilities (like softmax or sigmoid would).")
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")
