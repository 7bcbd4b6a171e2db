"""keras.engine.topology, as Keras 2.1.6 laid it out: the layer, node and network
classes (kept in their own modules here) under their old import path."""
from .base_layer import Layer, InputSpec  # noqa: F401
from .node import Node  # noqa: F401
from .input_layer import InputLayer, Input  # noqa: F401
from .network import Network  # noqa: F401
from .sequential import get_source_inputs  # noqa: F401
from .saving import (save_weights_to_hdf5_group, load_weights_from_hdf5_group,  # noqa: F401
                     load_weights_from_hdf5_group_by_name, preprocess_weights_for_loading)

Container = Network
