"""keralite.utils, laid out as keras.utils."""
from . import generic_utils  # noqa: F401
from .generic_utils import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: F401
                            serialize_keras_object, deserialize_keras_object, Progbar)
