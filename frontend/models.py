"""keralite.models: Sequential, Model, saving/loading and (de)serialising models.

model_from_json, model_from_yaml, model_from_config and load_model take `safe_mode`
(default True): Lambda layers stored as Python bytecode are then only rebuilt with
safe_mode=False, or from a function given in custom_objects. Every other path from a
config to layers (Model.from_config, Sequential.from_config, layers.deserialize) fails
closed in the same way; clone_model, which copies live layers, is trusted.

Their failures are the `ModelLoadError` family of keralite.engine.saving_errors, each a
subclass of the built-in type Keras raised (ValueError, IOError, TypeError,
ImportError) whose message names the file or string and the part at fault.
"""
import json

from .engine.training import Model  # noqa: F401
from .engine.sequential import Sequential  # noqa: F401
from .engine.saving import save_model, load_model  # noqa: F401
from .engine.saving_errors import (ModelLoadError, MalformedModelError, WeightMismatchError,  # noqa: F401
                                   UnreadableModelFileError, ModelConfigTypeError, MissingDependencyError,
                                   loading_source)


def model_from_config(config, custom_objects=None, safe_mode=None):
    """A model (or layer) from its {'class_name', 'config'} dict.

    # Arguments
        config: the dict, as `{"class_name": model.__class__.__name__,
            "config": model.get_config()}`.
        custom_objects: classes and functions the config names that are not Keras'.
        safe_mode: None or True refuse Lambda layers stored as Python bytecode (their
            rebuilding would run code from the config); False allows them.

    # Returns
        The model (or layer), with fresh weights.

    # Raises
        ModelConfigTypeError (a TypeError): `config` is a list (a Sequential's layer
            list is read by `Sequential.from_config`).
        MalformedModelError (a ValueError): anything wrong inside the config: missing
            or ill-typed keys, unknown layers, layer arguments refused, inbound nodes
            that cannot be connected, nesting too deep, bytecode refused by safe_mode.
            The message names the layer and config key at fault.
    """
    if isinstance(config, list):
        raise ModelConfigTypeError("`model_from_config` expects a dictionary, not a list. Maybe you meant to use "
                                   "`Sequential.from_config(config)`?")
    from .layers import deserialize
    from .layers.core import lambda_safe_mode
    with loading_source(None):
        if not isinstance(config, dict):
            raise MalformedModelError("expected a dict with 'class_name' and 'config' keys, got %s"
                                      % type(config).__name__)
        with lambda_safe_mode(safe_mode):
            return deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Builds a model from the JSON string written by `model.to_json()`.

    The JSON holds the architecture only; the weights come from `load_weights`.

    # Arguments
        json_string: the JSON text.
        custom_objects: optional dict mapping names to custom classes or functions
            the config refers to.
        safe_mode: whether Lambda layers may run the Python bytecode stored in the
            config; True refuses it, since loading it runs code from the string.

    # Returns
        A new model (Model or Sequential).

    # Raises
        ModelConfigTypeError (a TypeError): `json_string` is not a string.
        MalformedModelError (a ValueError): invalid JSON, or any failure listed by
            `model_from_config`; the message names "the JSON string" and the part.
    """
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise ModelConfigTypeError("`model_from_json` expects a JSON string, got %s" % type(json_string).__name__,
                                   source="the JSON string")
    with loading_source("the JSON string"):
        try:
            config = json.loads(json_string)
        except ValueError as exc:
            raise MalformedModelError("not valid JSON (%s)" % exc) from exc
        return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=True):
    """Builds a model from the YAML string written by `model.to_yaml()` (needs PyYAML).

    Reads the YAML Keras 2.1.6 writes, including its Python tuple tags, with a safe
    loader that builds nothing else.

    # Arguments
        yaml_string: the YAML text.
        custom_objects: optional dict mapping names to custom classes or functions
            the config refers to.
        safe_mode: whether Lambda layers may run the Python bytecode stored in the
            config; True refuses it.

    # Returns
        A new model (Model or Sequential).

    # Raises
        MissingDependencyError (an ImportError): PyYAML is not installed.
        MalformedModelError (a ValueError): invalid YAML, or any failure listed by
            `model_from_config`; the message names "the YAML string" and the part.
    """
    try:
        import yaml
    except ImportError as exc:
        raise MissingDependencyError("Requires yaml module installed (`pip install pyyaml`).",
                                     source="the YAML string") from exc
    with loading_source("the YAML string"):
        try:
            config = yaml.load(yaml_string, Loader=_yaml_loader(yaml))
        except yaml.YAMLError as exc:
            raise MalformedModelError("not valid YAML (%s)" % exc) from exc
        return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def _yaml_loader(yaml):
    """A safe YAML loader that also reads the `!!python/tuple` tags of the YAML that
    Keras 2.1.6 writes (its configs hold tuples); nothing else Python-specific."""
    class KerasYAMLLoader(yaml.SafeLoader):
        pass

    def construct_tuple(loader, node):
        return tuple(loader.construct_sequence(node, deep=True))
    KerasYAMLLoader.add_constructor("tag:yaml.org,2002:python/tuple", construct_tuple)
    return KerasYAMLLoader


def clone_model(model, input_tensors=None):
    """Makes a new model with the same architecture and layer names but fresh weights.

    Every layer is rebuilt from its config, so nothing is shared with the original;
    copy the weights with `set_weights(model.get_weights())` when needed.

    # Arguments
        model: the Model or Sequential to copy.
        input_tensors: optional tensors (or a list of them) to build the copy on, e.g.
            to run it on a different input pipeline; new Input layers by default.

    # Returns
        The new model, of the same class.

    # Raises
        ValueError: when `model` is not a Model instance.
    """
    if isinstance(model, Sequential):
        return _clone_sequential_model(model, input_tensors)
    return _clone_functional_model(model, input_tensors)


def _fresh_copy(layer):
    from .layers.core import lambda_safe_mode
    with lambda_safe_mode(False):       # the config comes from a live layer, not a file
        return layer.__class__.from_config(layer.get_config())


def _clone_functional_model(model, input_tensors=None):
    from . import backend as K
    from .engine.input_layer import Input, InputLayer
    from .utils.generic_utils import to_list, unpack_singleton
    if not isinstance(model, Model):
        raise ValueError("Expected `model` argument to be a `Model` instance, got ", model)
    tensor_map = {}         # id(tensor of `model`) -> the tensor that replaces it
    if input_tensors is None:
        for layer, x in zip(model.input_layers, model.inputs):
            tensor_map[id(x)] = Input(batch_shape=layer.batch_input_shape, dtype=layer.dtype,
                                      sparse=layer.sparse, name=layer.name)
    else:
        input_tensors = to_list(input_tensors)
        if len(input_tensors) != len(model.inputs):
            raise ValueError("The model has %d inputs, but %d input_tensors were given."
                             % (len(model.inputs), len(input_tensors)))
        for i, (x, layer) in enumerate(zip(input_tensors, model.input_layers)):
            if not K.is_keras_tensor(x):
                x = Input(tensor=x, name="input_wrapper_for_" + layer.name)
                input_tensors[i] = x
            tensor_map[id(model.inputs[i])] = x
    new_layers = {}
    for depth in sorted(model._nodes_by_depth.keys(), reverse=True):
        for node in model._nodes_by_depth[depth]:
            layer = node.outbound_layer
            if isinstance(layer, InputLayer):
                continue
            if any(id(x) not in tensor_map for x in node.input_tensors):
                continue
            if layer not in new_layers:
                new_layers[layer] = _fresh_copy(layer)
            computed = [tensor_map[id(x)] for x in node.input_tensors]
            outputs = to_list(new_layers[layer](unpack_singleton(computed), **(node.arguments or {})))
            for old, new in zip(node.output_tensors, outputs):
                tensor_map[id(old)] = new
    inputs = [tensor_map[id(x)] for x in model.inputs]
    outputs = [tensor_map[id(x)] for x in model.outputs]
    return Model(inputs, outputs, name=model.name)


def _clone_sequential_model(model, input_tensors=None):
    from . import backend as K
    from .engine.input_layer import InputLayer
    from .utils.generic_utils import to_list
    layers = [_fresh_copy(layer) for layer in model.layers]
    if input_tensors is None:
        return Sequential(layers=layers, name=model.name)
    input_tensors = to_list(input_tensors)
    if len(input_tensors) != 1:
        raise ValueError("To clone a `Sequential` model, we expect at most one tensor as part of "
                         "`input_tensors`.")
    x = input_tensors[0]
    if K.is_keras_tensor(x):
        origin_layer = x._keras_history[0]
        if not isinstance(origin_layer, InputLayer):
            raise ValueError("Cannot clone a `Sequential` model on top of a tensor that comes from a Keras "
                             "layer other than an `InputLayer`. Use the functional API instead.")
        return Sequential(layers=[origin_layer] + layers, name=model.name)
    input_layer = InputLayer(input_tensor=x, name="input_wrapper_for_" + str(x.name))
    return Sequential(layers=[input_layer] + layers, name=model.name)
