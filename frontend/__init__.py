"""keralite: the Keras 2 API on a native graph compiler.

`import keralite as keras` gives the Keras 2.1.6 module layout: keras.backend,
keras.layers, keras.models, keras.optimizers, keras.losses, keras.metrics, ...
Submodules load on first use, so `keralite.runtime` (which runs exported models) can be
imported without the compiler or llvmlite.
"""
import importlib

__version__ = "0.1.0"

_SUBMODULES = {"activations", "applications", "backend", "callbacks", "constraints", "datasets", "engine",
               "export", "initializers", "layers", "legacy", "losses", "metrics", "models", "optimizers",
               "preprocessing", "regularizers", "utils", "wrappers"}
_NAMES = {"Input": "layers", "Model": "models", "Sequential": "models"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module("." + name, __name__)
    if name in _NAMES:
        return getattr(importlib.import_module("." + _NAMES[name], __name__), name)
    raise AttributeError(f"module 'keralite' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_NAMES))
