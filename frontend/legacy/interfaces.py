"""keras.legacy.interfaces: the decorators that let layers (and the generator methods of
Model) accept Keras 1 argument names, under the names Keras 2.1.6 code imports.

Each is the decorator the corresponding keralite layer family already uses, so a
third-party layer decorated with, say, `legacy_dense_support` converts and warns
exactly as `Dense` does. `generate_legacy_interface` builds a new one from Keras 2.1.6's
arguments.
"""
from keralite.layers.legacy import legacy_support, dense_support, dropout_support
from keralite.layers.core import spatial_dropout1d_support, spatial_dropout_nd_support
from keralite.layers.advanced_activations import prelu_support
from keralite.layers.embeddings import embedding_support
from keralite.layers.noise import gaussian_noise_support, gaussian_dropout_support
from keralite.layers.normalization import batchnorm_support
from keralite.layers.pooling import (legacy_pooling1d_support, legacy_pooling_nd_support,
                                     legacy_global_pooling_support)
from keralite.layers.recurrent import recurrent_support
from keralite.layers.convolutional_legacy import (legacy_conv1d_support, legacy_conv2d_support,
                                                  legacy_conv3d_support, legacy_deconv2d_support,
                                                  legacy_separable_conv2d_support, legacy_upsampling1d_support,
                                                  legacy_upsampling_nd_support, legacy_zeropadding2d_support,
                                                  legacy_zeropadding3d_support, legacy_cropping_support)

from .method_interfaces import legacy_generator_methods_support  # noqa: F401


def generate_legacy_interface(allowed_positional_args=None, conversions=None, preprocessor=None,
                              value_conversions=None, object_type="class"):
    """A decorator of `__init__` converting Keras 1 keyword arguments, as Keras 2.1.6's.

    # Arguments
        allowed_positional_args: names of the arguments that may be positional.
        conversions: list of (Keras 1 name, Keras 2 name) pairs.
        preprocessor: function (args, kwargs) -> (args, kwargs, converted) for
            conversions that are not renames; `args` exclude `self`.
        value_conversions: {Keras 2 name: {Keras 1 value: Keras 2 value}}; Keras
            2.1.6 keys these by the Keras 1 name, so both are accepted.
        object_type: only "class" (methods use `legacy_generator_methods_support`).

    # Returns
        The decorator.

    # Raises
        ValueError: for another `object_type`.
    """
    if object_type != "class":
        raise ValueError("generate_legacy_interface here decorates layer classes only (object_type='class'); "
                         "got object_type=" + repr(object_type))
    conversions = list(conversions or [])
    renamed = dict(conversions)
    values = {renamed.get(name, name): mapping for name, mapping in (value_conversions or {}).items()}
    return legacy_support(None, conversions, value_renames=values,
                          positional=tuple(allowed_positional_args) if allowed_positional_args else None,
                          preprocessor=preprocessor)


legacy_dense_support = dense_support
legacy_dropout_support = dropout_support
legacy_spatialdropout1d_support = spatial_dropout1d_support
legacy_spatialdropoutNd_support = spatial_dropout_nd_support
legacy_prelu_support = prelu_support
legacy_embedding_support = embedding_support
legacy_gaussiannoise_support = gaussian_noise_support
legacy_gaussiandropout_support = gaussian_dropout_support
legacy_batchnorm_support = batchnorm_support
legacy_pooling1d_support = legacy_pooling1d_support
legacy_pooling2d_support = legacy_pooling_nd_support
legacy_pooling3d_support = legacy_pooling_nd_support
legacy_global_pooling_support = legacy_global_pooling_support
legacy_recurrent_support = recurrent_support
legacy_conv1d_support = legacy_conv1d_support
legacy_conv2d_support = legacy_conv2d_support
legacy_conv3d_support = legacy_conv3d_support
legacy_deconv2d_support = legacy_deconv2d_support
legacy_separable_conv2d_support = legacy_separable_conv2d_support
legacy_upsampling1d_support = legacy_upsampling1d_support
legacy_upsampling2d_support = legacy_upsampling_nd_support
legacy_upsampling3d_support = legacy_upsampling_nd_support
legacy_zeropadding2d_support = legacy_zeropadding2d_support
legacy_zeropadding3d_support = legacy_zeropadding3d_support
legacy_cropping2d_support = legacy_cropping_support
legacy_cropping3d_support = legacy_cropping_support
