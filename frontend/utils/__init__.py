"""keralite.utils, laid out as keras.utils."""
from . import generic_utils  # noqa: F401
from . import np_utils  # noqa: F401
from . import data_utils  # noqa: F401
from . import io_utils  # noqa: F401
from . import conv_utils  # noqa: F401
from . import layer_utils  # noqa: F401
from . import vis_utils  # noqa: F401

# the names Keras 2.1.6 exports from keras.utils
from .generic_utils import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: F401
                            serialize_keras_object, deserialize_keras_object, Progbar)
from .io_utils import HDF5Matrix  # noqa: F401
from .data_utils import get_file, Sequence, GeneratorEnqueuer, OrderedEnqueuer  # noqa: F401
from .multi_gpu_utils import multi_gpu_model  # noqa: F401
from .layer_utils import convert_all_kernels_in_model, print_summary  # noqa: F401
from .vis_utils import plot_model  # noqa: F401
from .np_utils import to_categorical, normalize  # noqa: F401
