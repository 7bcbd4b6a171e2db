"""Sequential: a linear stack of layers, built as a functional network of one chain."""
import copy
import warnings

from .. import backend as K
from .base_layer import Layer, register_model_class
from .input_layer import Input, InputLayer
from .saving_errors import describe_layer_config, loading_part
from .training import Model


def get_source_inputs(tensor, layer=None, node_index=None):
    """The input tensors a tensor was ultimately computed from.

    Follows the layers' call history back to tensors that no layer made (the model's
    inputs), which is how a model finds its inputs from its outputs.

    # Arguments
        tensor: the tensor to start from.
        layer: the layer whose node made `tensor`; read from the tensor's history when
            None.
        node_index: the index of that node within the layer.

    # Returns
        List of the source tensors (or `tensor` itself when it is not a Keras tensor).
    """
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
    """A linear stack of layers: `model = Sequential(); model.add(Dense(32, input_shape=(16,)))`.

    The simplest way to build a model whose every layer has one input and one output.
    The first layer states the input shape (`input_shape=...`), from which an
    InputLayer is made; without it the model is built later, by `build` or on first
    use.

    # Arguments
        layers: optional list of layers to add in order.
        name: the model's name.
    """

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
        """Adds a layer on top of the stack and connects it to the current output.

        # Arguments
            layer: a Layer instance (an InputLayer sets the model's input instead).

        # Raises
            TypeError: when `layer` is not a Layer, or returns several outputs.
            ValueError: when the first layer has several outputs.
        """
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
        """Removes the last layer of the stack.

        # Raises
            TypeError: when the model has no layers.
        """
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
        """Builds the model's graph, creating its input from `input_shape` when the first
        layer did not state one.

        # Arguments
            input_shape: shape tuple with the batch axis, or None to build from the layers
                already connected.

        # Raises
            TypeError: when the model has no layers.
        """
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
        """The model's configuration: the list of its layers' class names and configs.

        # Returns
            List of dicts `{'class_name': ..., 'config': ...}`, one per layer.
        """
        return [{"class_name": layer.__class__.__name__, "config": copy.deepcopy(layer.get_config())}
                for layer in self.layers]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a Sequential model from the config `get_config` returned.

        Accepts both the Keras 2.1.6 form (a list of layer configs) and the later form (a
        dict with `name` and `layers`), so configs of either version load.

        # Arguments
            config: list of layer configs, or a dict holding them under `layers`.
            custom_objects: optional dict mapping names to custom classes or functions
                used by the layers.

        # Returns
            A Sequential model (without trained weights).
        """
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
        """Predicts class probabilities for the input samples.

        Warns when the values are not within [0, 1], which means the last layer does not
        output probabilities (no softmax or sigmoid).

        # Arguments
            x: Numpy array of input data.
            batch_size: integer, samples per batch.
            verbose: 0 or 1 (progress bar).

        # Returns
            Numpy array of probabilities.
        """
        preds = self.predict(x, batch_size, verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn("Network returning invalid probability values. The last layer might not normalize "
                          "predictions into probabilities (like softmax or sigmoid would).")
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Predicts the class index of each input sample.

        The argmax of the outputs for a softmax output, or outputs above 0.5 for one
        sigmoid unit.

        # Arguments
            x: Numpy array of input data.
            batch_size: integer, samples per batch.
            verbose: 0 or 1 (progress bar).

        # Returns
            Numpy array of class indices.
        """
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")
