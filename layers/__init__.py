"""keralite.layers: every Keras 2 layer, written only against the backend K.

The Keras 2.1.6 layer modules are imported when present, and their public names
(their `__all__`, or else what they define without a leading underscore) are
exported here, as `keras.layers` exports them.
"""
import importlib

from keralite.engine.base_layer import Layer, InputSpec, model_classes  # noqa: F401
from keralite.engine.input_layer import Input, InputLayer  # noqa: F401
from .core import (Masking, Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D,  # noqa: F401
                   Activation, Reshape, Permute, Flatten, RepeatVector, Lambda, Dense,
                   ActivityRegularization)

_LAYER_MODULES = ("advanced_activations", "convolutional", "convolutional_recurrent", "cudnn_recurrent",
                  "embeddings", "local", "merge", "noise", "normalization", "pooling", "recurrent",
                  "wrappers", "legacy_layers", "legacy_merge")


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [name for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__]


for _module_name in _LAYER_MODULES:
    try:
        _module = importlib.import_module("." + _module_name, __name__)
    except ModuleNotFoundError as _exc:
        if _exc.name != __name__ + "." + _module_name:
            raise
        continue
    for _name in _public_names(_module):
        globals()[_name] = getattr(_module, _name)


def serialize(layer):
    """The `{'class_name': ..., 'config': ...}` dict of a layer, as model configs store it.

    # Arguments
        layer: the layer instance.

    # Returns
        Dict with the layer's class name and `get_config()` result.
    """
    from keralite.utils.generic_utils import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Rebuilds a layer (or a nested model) from `{'class_name': ..., 'config': ...}`.

    Models are found among the classes registered with the base Layer module (the
    engine registers Model and Sequential), as the layers do not import the models.

    # Arguments
        config: dict with the class name and the config, as `serialize` writes it.
        custom_objects: optional dict mapping names to custom layer classes or
            functions the config refers to.

    # Returns
        A new layer (or model) instance.
    """
    from keralite.utils.generic_utils import deserialize_keras_object
    objects = {k: v for k, v in globals().items() if isinstance(v, type)}
    objects.update(model_classes())
    return deserialize_keras_object(config, module_objects=objects, custom_objects=custom_objects,
                                    printable_module_name="layer")
