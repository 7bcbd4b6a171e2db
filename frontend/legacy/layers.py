"""keras.legacy.layers: the deprecated Keras 1 layers Keras 2.1.6 still shipped. They
are written against K like every layer, so they live in the layers package
(layers/legacy_layers.py, layers/legacy_merge.py); this module keeps Keras' import path."""
from keralite.layers.legacy_layers import MaxoutDense, Highway, AtrousConvolution1D, AtrousConvolution2D  # noqa: F401
from keralite.layers.legacy_merge import Merge, merge  # noqa: F401

__all__ = ["Merge", "merge", "MaxoutDense", "Highway", "AtrousConvolution1D", "AtrousConvolution2D"]
