"""Keras 2 weight constraints (`keras.constraints`): maps applied to a weight after
each optimizer update (projections onto a norm ball, the non-negative orthant...)."""
from . import backend as K
from .utils.generic_utils import serialize_keras_object, deserialize_keras_object


class Constraint:
    """Base class: the identity constraint."""

    def __call__(self, w):
        return w

    def get_config(self):
        """The constraint's arguments, saved in the config of the layer that uses it.

        # Returns
            Dict of the configuration (empty for the base constraint).
        """
        return {}


def _norms(w, axis):
    """The L2 norm of w along `axis`, keeping the reduced dims for broadcasting."""
    return K.sqrt(K.sum(K.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescales each slice whose L2 norm exceeds `max_value` down to it.

    Caps the incoming weights of each unit, a regulariser that works well with
    Dropout (as in the original Dropout paper).

    # Arguments
        max_value: the largest norm allowed.
        axis: the axis (or axes) the norm is computed over: 0 for a Dense kernel
            `(input_dim, units)` constrains each unit's incoming weights; `[0, 1, 2]`
            does so for a channels_last Conv2D kernel.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = K.clip(norms, 0, self.max_value)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero the negative entries."""

    def __call__(self, w):
        # the mask takes w's own dtype (Keras uses floatx, the same for float32 weights)
        return w * K.cast(K.greater_equal(w, 0.), K.dtype(w))


class UnitNorm(Constraint):
    """Scales each slice along `axis` to unit L2 norm.

    # Arguments
        axis: the axis (or axes) the norm is computed over (see MaxNorm).
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (K.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each slice's L2 norm towards `[min_value, max_value]`.

    With `rate=1` the norm is projected onto the interval; a smaller rate takes only
    that fraction of the step, so the constraint acts gradually.

    # Arguments
        min_value: the smallest norm allowed.
        max_value: the largest norm allowed.
        rate: float in (0, 1], the fraction of the correction applied per update.
        axis: the axis (or axes) the norm is computed over (see MaxNorm).
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = (self.rate * K.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


# Aliases, and the Keras 1 spellings Keras 2 still accepts.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
maxnorm = max_norm
nonneg = non_neg
unitnorm = unit_norm


def serialize(constraint):
    """The `{'class_name': ..., 'config': ...}` dict of a constraint.

    # Arguments
        constraint: the constraint instance.

    # Returns
        Dict with the class name and `get_config()` result.
    """
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """Creates a constraint from its serialized dict (or its name).

    # Arguments
        config: dict with the class name and config.
        custom_objects: optional dict of user constraints by name.

    # Returns
        A constraint.
    """
    return deserialize_keras_object(config, module_objects=globals(),
                                    custom_objects=custom_objects,
                                    printable_module_name="constraint")


def get(identifier):
    """Finds the constraint an argument names: what a layer's `*_constraint=` accepts.

    # Arguments
        identifier: None, a serialized config, a name such as `'max_norm'`, or a
            callable (returned as is).

    # Returns
        A constraint, or None for None.

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
    raise ValueError("Could not interpret constraint identifier: " + str(identifier))
