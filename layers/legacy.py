"""Keras 1 argument names, accepted with a warning: one decorator per layer family."""
import functools
import warnings

import numpy as np


def _shown_value(value):
    """A value as Keras' 'Update your call' warning writes it."""
    if isinstance(value, str):
        return '"' + value + '"'
    text = "array" if isinstance(value, np.ndarray) else str(value)
    return text[:10] + "..." if len(text) > 10 else text


def keras2_signature(class_name, args, kwargs):
    """`Class(arg, name=value)` as Keras' update-your-call warnings show a call."""
    shown = [_shown_value(a) for a in args]
    shown += [name + "=" + _shown_value(value) for name, value in kwargs.items()]
    return "`" + class_name + "(" + ", ".join(shown) + ")`"


def legacy_support(layer_name, renames, value_renames=None, positional=None, preprocessor=None):
    """Builds the decorator that lets a layer family's `__init__` take Keras 1 argument names.

    Keras 1 code (`Dense(output_dim=10, init='normal')`) keeps working: the names and
    values are mapped onto the Keras 2 ones, with Keras' "Update your call" warning so
    the user learns the new spelling. The warning shows the class actually built, as
    Keras does.

    # Arguments
        layer_name: the family's name, for documentation only.
        renames: list of `(Keras 1 name, Keras 2 name)` pairs.
        value_renames: dict `{Keras 2 name: {Keras 1 value: Keras 2 value}}`, e.g.
            `border_mode='same'` values that changed spelling.
        positional: the Keras 2 names that may be passed positionally; more positional
            arguments raise TypeError. None allows any number.
        preprocessor: optional function `(args, kwargs) -> (args, kwargs, converted)`
            for conversions that are not plain renames.

    # Returns
        A decorator of `__init__` methods.
    """
    value_renames = value_renames or {}

    def decorator(init):
        """Wraps a layer's `__init__` so that Keras 1 argument names are converted, with a warning.

        # Arguments
            init: the `__init__` method written with Keras 2 names.

        # Returns
            The wrapped `__init__`; it raises TypeError for too many positional arguments
            or for one argument given under both its Keras 1 and Keras 2 name.
        """
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            class_name = self.__class__.__name__
            converted = []
            if preprocessor is not None:
                args, kwargs, converted = preprocessor(args, kwargs)
                converted = list(converted)
            if positional is not None and len(args) > len(positional):
                raise TypeError("`" + class_name + "` can accept only " + str(len(positional)) +
                                " positional arguments " + str(tuple(positional)) + ", but you passed the "
                                "following positional arguments: " + str(list(args)))
            for old, new in renames:
                if old in kwargs:
                    value = kwargs.pop(old)
                    if new in kwargs:
                        raise TypeError("For the `" + new + "` argument, the layer received both the legacy "
                                        "keyword argument `" + old + "` and the Keras 2 keyword argument `" +
                                        new + "`. Stick to the latter!")
                    kwargs[new] = value_renames.get(new, {}).get(value, value) \
                        if isinstance(value, (str, int, float, type(None))) else value
                    converted.append(new)
            for new, mapping in value_renames.items():
                value = kwargs.get(new)
                if new not in converted and isinstance(value, (str, int, float)) and value in mapping:
                    kwargs[new] = mapping[value]
                    converted.append(new)
            if converted:
                warnings.warn("Update your `" + class_name + "` call to the Keras 2 API: " +
                              keras2_signature(class_name, args, kwargs), stacklevel=2)
            return init(self, *args, **kwargs)
        return wrapper
    return decorator


dense_support = legacy_support(
    "Dense",
    [("output_dim", "units"), ("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
     ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
     ("b_constraint", "bias_constraint"), ("bias", "use_bias")],
    positional=("units",))

dropout_support = legacy_support("Dropout", [("p", "rate")], positional=("rate", "noise_shape", "seed"))
