"""keralite.backend: the Keras 2 backend API (`from keralite import backend as K`).

Every function builds compiler IR; `function` compiles a graph into one native entry
point and `gradients` differentiates it. See DESIGN.md for the life of `K.function`.
"""
from .config import (epsilon, set_epsilon, floatx, set_floatx, cast_to_floatx,  # noqa: F401
                     image_data_format, set_image_data_format, image_dim_ordering,
                     set_image_dim_ordering, backend, get_uid, reset_uids,
                     manual_variable_initialization, load_config_file)
from .tensor import Tensor, Variable, name_scope  # noqa: F401
from .core import (placeholder, is_placeholder, constant, is_keras_tensor,  # noqa: F401
                   is_sparse, to_dense, is_tensor, int_shape, ndim, dtype, get_variable_shape,
                   count_params, shape, cast, zeros_like, ones_like, identity, learning_phase,
                   set_learning_phase, gradients, stop_gradient, switch, in_train_phase,
                   in_test_phase)
from .execution import (eval, get_value, batch_get_value, clear_session, print_tensor,  # noqa: F401
                        function, Function)
from .variables import (variable, set_value, batch_set_value, zeros, ones, eye, update,  # noqa: F401
                        update_add, update_sub, moving_average_update)
from .math_ops import (square, abs, sqrt, exp, log, round, sign, pow, clip, equal,  # noqa: F401
                       not_equal, greater, greater_equal, less, less_equal, maximum, minimum, sin,
                       cos, erf)
from .reduce_ops import (max, min, sum, prod, mean, std, var, any, all, cumsum, cumprod,  # noqa: F401
                         argmax, argmin, logsumexp)
from .product_ops import dot, batch_dot, transpose, gather  # noqa: F401
from .shape_ops import (concatenate, reshape, permute_dimensions, repeat_elements,  # noqa: F401
                        repeat, arange, tile, flatten, batch_flatten, expand_dims, squeeze,
                        temporal_padding, spatial_2d_padding, spatial_3d_padding,
                        resize_images, resize_volumes, stack, one_hot, reverse)
from .nn_ops import (relu, elu, softmax, softplus, softsign, sigmoid, hard_sigmoid, tanh,  # noqa: F401
                     categorical_crossentropy, sparse_categorical_crossentropy,
                     binary_crossentropy, l2_normalize, in_top_k, bias_add, dropout,
                     batch_normalization, normalize_batch_in_training)
from .random_ops import (random_normal, random_uniform, random_binomial, truncated_normal,  # noqa: F401
                         random_uniform_variable, random_normal_variable)
from .conv_ops import (conv1d, conv2d, conv3d, conv2d_transpose, conv3d_transpose,  # noqa: F401
                       separable_conv1d, separable_conv2d, depthwise_conv2d, local_conv1d,
                       local_conv2d, pool2d, pool3d)
from .rnn_ops import rnn  # noqa: F401

# Tensor's operators call the math above: they are set on the class once it exists.
from . import tensor_operators  # noqa: F401,E402

from .functional_ops import map_fn, foldl, foldr  # noqa: F401
from .ctc_ops import ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse  # noqa: F401

load_config_file()
