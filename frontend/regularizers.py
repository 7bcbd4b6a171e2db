"""Keras 2 weight regularizers (`keras.regularizers`): callables from a weight tensor
to a scalar penalty that layers add to the model's loss."""
from . import backend as K
from .utils.generic_utils import serialize_keras_object, deserialize_keras_object


class Regularizer:
    """Base class: a regularizer maps a weight tensor to a scalar loss."""

    def __call__(self, x):
        return 0.

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x ** 2)."""

    def __init__(self, l1=0., l2=0.):
        self.l1 = K.cast_to_floatx(l1)
        self.l2 = K.cast_to_floatx(l2)

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = K.sum(float(self.l1) * K.abs(x))
        if self.l2:
            l2_term = K.sum(float(self.l2) * K.square(x))
            penalty = l2_term if penalty is None else penalty + l2_term
        if penalty is None:
            # both factors zero: still a scalar tensor, so callers can treat every
            # penalty alike
            return K.constant(0., dtype=K.dtype(x) if K.is_tensor(x) else None)
        return penalty

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}


# Aliases, as functions, so `get('l2')` and `{'class_name': 'l2'}` build an L1L2.

def l1(l=0.01):
    return L1L2(l1=l)


def l2(l=0.01):
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


# Class names written by later Keras versions (tf.keras saves `L1`/`L2` objects);
# they load as the equivalent L1L2.
def _l1_class(l1=0.01, **kwargs):
    return L1L2(l1=kwargs.get("l", l1))


def _l2_class(l2=0.01, **kwargs):
    return L1L2(l2=kwargs.get("l", l2))


_LATER_NAMES = {"L1": _l1_class, "L2": _l2_class}


def serialize(regularizer):
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    module_objects = dict(_LATER_NAMES)
    module_objects.update(globals())
    return deserialize_keras_object(config, module_objects=module_objects,
                                    custom_objects=custom_objects,
                                    printable_module_name="regularizer")


def get(identifier):
    """A regularizer from None, a config dict, a name, or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": str(identifier), "config": {}})
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret regularizer identifier:", identifier)
