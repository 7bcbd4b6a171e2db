"""Config keys that newer Keras 2 (tf_keras 2.x) writes for a layer although they
change nothing in keralite. Each layer lists its own keys, with the values that are
neutral here; any other value would change what the layer computes, so it is refused
with an error naming the key, never dropped in silence."""

ANY_VALUE = object()    # the key changes nothing whatever it holds


def drop_neutral_keys(layer_name, kwargs, neutral):
    """Remove from `kwargs` the keys of `neutral` (key -> tuple of neutral values, or
    ANY_VALUE) that hold a neutral value.

    # Arguments
        layer_name: the layer's class name, for the error message.
        kwargs: the keyword arguments the layer was given; changed in place.
        neutral: the newer keys this layer accepts and the values that change nothing.

    # Raises
        ValueError: when such a key holds a value that would change the layer.
    """
    for key, values in neutral.items():
        if key not in kwargs:
            continue
        value = kwargs[key]
        if values is not ANY_VALUE and not any(value is v or value == v for v in values):
            raise ValueError("%s: `%s=%r` (written by newer Keras) is not supported by keralite; "
                             "it supports only %s" % (layer_name, key, value,
                                                      " or ".join(repr(v) for v in values)))
        del kwargs[key]
    return kwargs
