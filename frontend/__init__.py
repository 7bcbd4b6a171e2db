"""keralite: the Keras 2 API on a native graph compiler."""
__version__ = "0.1.0"
