"""keralite: the Keras 2 API on a native graph compiler.

`import keralite as keras` gives the Keras 2.1.6 module layout: keras.backend,
keras.layers, keras.models, keras.optimizers, keras.losses, keras.metrics, ...
"""
__version__ = "0.1.0"

from . import backend  # noqa: F401,E402
