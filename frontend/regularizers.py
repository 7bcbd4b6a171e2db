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
        """Creates a regularizer from the dict `get_config` returned.

        # Arguments
            config: dict of the configuration.

        # Returns
            A new regularizer instance.
        """
        return cls(**config)


class L1L2(Regularizer):
    """Penalty `l1 * sum(|x|) + l2 * sum(x ** 2)` on a weight tensor.

    Discourages large weights, which reduces overfitting; the L1 part also drives
    weights to exactly zero (sparse models).

    # Arguments
        l1: float >= 0, the L1 factor.
        l2: float >= 0, the L2 factor (weight decay).
    """

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
        """The two factors, saved in the config of the layer that uses the regularizer.

        # Returns
            Dict `{'l1': ..., 'l2': ...}`.
        """
        return {"l1": float(self.l1), "l2": float(self.l2)}


# Aliases, as functions, so `get('l2')` and `{'class_name': 'l2'}` build an L1L2.

def l1(l=0.01):
    """An L1 penalty `l * sum(|x|)`, the shorthand `kernel_regularizer=l1(0.01)`.

    # Arguments
        l: float >= 0, the factor.

    # Returns
        An L1L2 regularizer.
    """
    return L1L2(l1=l)


def l2(l=0.01):
    """An L2 penalty `l * sum(x ** 2)`, the shorthand `kernel_regularizer=l2(0.01)`.

    # Arguments
        l: float >= 0, the factor.

    # Returns
        An L1L2 regularizer.
    """
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    """The sum of an L1 and an L2 penalty (elastic net).

    # Arguments
        l1: float >= 0, the L1 factor.
        l2: float >= 0, the L2 factor.

    # Returns
        An L1L2 regularizer.
    """
    return L1L2(l1=l1, l2=l2)


# Class names written by later Keras versions (tf.keras saves `L1`/`L2` objects);
# they load as the equivalent L1L2.
def _l1_class(l1=0.01, **kwargs):
    return L1L2(l1=kwargs.get("l", l1))


def _l2_class(l2=0.01, **kwargs):
    return L1L2(l2=kwargs.get("l", l2))


_LATER_NAMES = {"L1": _l1_class, "L2": _l2_class}


def serialize(regularizer):
    """The `{'class_name': ..., 'config': ...}` dict of a regularizer.

    # Arguments
        regularizer: the regularizer instance.

    # Returns
        Dict with the class name and `get_config()` result.
    """
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """Creates a regularizer from its serialized dict.

    The `L1` and `L2` classes later Keras versions save load as the equal L1L2.

    # Arguments
        config: dict with the class name and config.
        custom_objects: optional dict of user regularizers by name.

    # Returns
        A regularizer.
    """
    module_objects = dict(_LATER_NAMES)
    module_objects.update(globals())
    return deserialize_keras_object(config, module_objects=module_objects,
                                    custom_objects=custom_objects,
                                    printable_module_name="regularizer")


def get(identifier):
    """Finds the regularizer an argument names: what a layer's `*_regularizer=` accepts.

    # Arguments
        identifier: None, a serialized config, a name such as `'l2'`, or a callable
            (returned as is).

    # Returns
        A regularizer, or None for None.

    # Raises
        ValueError: when `identifier` is none of these.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": str(identifier), "config": {}})
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret regularizer identifier:", identifier)
