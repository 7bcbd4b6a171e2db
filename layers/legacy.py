"""Keras 1 argument names, accepted with a warning: one decorator per layer family."""
import functools
import warnings


def legacy_support(layer_name, renames, value_renames=None, positional=()):
    """Wrap __init__ so Keras 1 keyword names (and values) map onto Keras 2 ones.

    renames: [(old_name, new_name)]; value_renames: {new_name: {old_value: new_value}};
    positional: Keras 2 names of leading positional arguments, for the message.
    """
    value_renames = value_renames or {}

    def decorator(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            converted = []
            for old, new in renames:
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError("The `%s` layer received both the legacy keyword argument `%s` "
                                        "and the Keras 2 keyword argument `%s`. Stick to the latter!"
                                        % (layer_name, old, new))
                    value = kwargs.pop(old)
                    kwargs[new] = value_renames.get(new, {}).get(value, value)
                    converted.append(new)
            for new, mapping in value_renames.items():
                if new in kwargs and kwargs[new] in mapping and new not in converted:
                    kwargs[new] = mapping[kwargs[new]]
                    converted.append(new)
            if converted:
                shown = ["%s=%r" % (name, value) for name, value in zip(positional, args)]
                shown += ["%s=%r" % (k, kwargs[k]) for k in converted]
                warnings.warn("Update your `%s` call to the Keras 2 API: `%s(%s)`"
                              % (layer_name, layer_name, ", ".join(shown)), stacklevel=2)
            return init(self, *args, **kwargs)
        return wrapper
    return decorator


dense_support = legacy_support(
    "Dense",
    [("output_dim", "units"), ("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
     ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
     ("b_constraint", "bias_constraint"), ("bias", "use_bias")],
    positional=("units",))

dropout_support = legacy_support("Dropout", [("p", "rate")], positional=("rate",))
