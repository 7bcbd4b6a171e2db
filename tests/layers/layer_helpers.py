"""Helpers shared by the layer tests: a kernel initializer whose entries all differ (so a
transposed or flipped kernel shows) and `layer_test` run with it registered."""
import numpy as np

import keralite as keras
from keralite.utils import CustomObjectScope
from keralite.utils.test_utils import layer_test


def fixed_kernel(shape):
    """A kernel whose entries all differ, so a transposed or flipped kernel would show."""
    size = int(np.prod(shape))
    return (np.arange(size, dtype="float32").reshape(shape) - size / 2.0) / size


class FixedKernel(keras.initializers.Initializer):
    def __call__(self, shape, dtype=None):
        return fixed_kernel(shape)


def run_layer_test(layer_cls, kwargs, input_data, expected):
    """`layer_test` with FixedKernel known to the config round trip."""
    with CustomObjectScope({"FixedKernel": FixedKernel}):
        return layer_test(layer_cls, kwargs=kwargs, input_data=input_data, expected_output=expected)
