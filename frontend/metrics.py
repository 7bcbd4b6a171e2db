"""Keras 2 metrics: the accuracies, plus every loss function under its own name."""
from . import backend as K
from .losses import (mean_squared_error, mean_absolute_error,  # noqa: F401
                     mean_absolute_percentage_error, mean_squared_logarithmic_error,
                     squared_hinge, hinge, categorical_hinge, logcosh,
                     categorical_crossentropy, sparse_categorical_crossentropy,
                     binary_crossentropy, kullback_leibler_divergence, poisson,
                     cosine_proximity)
from .losses import ALL_LOSSES
from .utils.generic_utils import serialize_keras_object, deserialize_keras_object


def binary_accuracy(y_true, y_pred):
    return K.mean(K.equal(y_true, K.round(y_pred)), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return K.cast(K.equal(K.argmax(y_true, axis=-1), K.argmax(y_pred, axis=-1)), K.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    return K.cast(K.equal(K.max(y_true, axis=-1),
                          K.cast(K.argmax(y_pred, axis=-1), K.floatx())),
                  K.floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return K.mean(K.in_top_k(y_pred, K.argmax(y_true, axis=-1), k), axis=-1)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    return K.mean(K.in_top_k(y_pred, K.cast(K.max(y_true, axis=-1), "int32"), k), axis=-1)


# Aliases (the losses' too, so 'mse' works as a metric name).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
cosine = cosine_proximity
kld = KLD = kullback_leibler_divergence

ALL_METRICS = dict(ALL_LOSSES)
ALL_METRICS.update({fn.__name__: fn for fn in (binary_accuracy, categorical_accuracy,
                                               sparse_categorical_accuracy,
                                               top_k_categorical_accuracy,
                                               sparse_top_k_categorical_accuracy)})


def serialize(metric):
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=ALL_METRICS,
                                    custom_objects=custom_objects,
                                    printable_module_name="metric function")


def get(identifier):
    """A metric function from a name, a serialized config or a callable."""
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize(str(identifier))
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret metric function identifier:", identifier)
