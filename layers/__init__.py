"""keralite.layers: every Keras 2 layer, written only against the backend K."""
from keralite.engine.base_layer import Layer, InputSpec  # noqa: F401
from keralite.engine.input_layer import Input, InputLayer  # noqa: F401
from .core import (Masking, Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D,  # noqa: F401
                   Activation, Reshape, Permute, Flatten, RepeatVector, Lambda, Dense,
                   ActivityRegularization)


def serialize(layer):
    from keralite.utils.generic_utils import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A layer (or a nested model) from {'class_name': ..., 'config': ...}."""
    from keralite.utils.generic_utils import deserialize_keras_object
    from keralite.engine.training import Model
    from keralite.engine.sequential import Sequential
    objects = {k: v for k, v in globals().items() if isinstance(v, type)}
    objects.update({"Model": Model, "Functional": Model, "Sequential": Sequential})
    return deserialize_keras_object(config, module_objects=objects, custom_objects=custom_objects,
                                    printable_module_name="layer")
