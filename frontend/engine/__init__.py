"""keralite.engine: layers, the functional network and training (keras.engine)."""
from .base_layer import Layer, InputSpec  # noqa: F401
from .input_layer import InputLayer, Input  # noqa: F401
from .node import Node  # noqa: F401
from .network import Network  # noqa: F401
from .training import Model  # noqa: F401
# defining Sequential registers it with layers.deserialize (base_layer.register_model_class)
from .sequential import Sequential, get_source_inputs  # noqa: F401
