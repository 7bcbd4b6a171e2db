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
    """The fraction of predictions that equal the targets once rounded to 0 or 1.

    The accuracy of binary and multi-label classification with sigmoid outputs.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions.

    # Returns
        Tensor of one accuracy per sample (the mean over the last axis).
    """
    return K.mean(K.equal(y_true, K.round(y_pred)), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """Whether the predicted class (argmax) is the target class, per sample.

    # Arguments
        y_true: one-hot targets.
        y_pred: class scores or probabilities.

    # Returns
        Tensor of 1.0 (right) or 0.0 (wrong) per sample.
    """
    return K.cast(K.equal(K.argmax(y_true, axis=-1), K.argmax(y_pred, axis=-1)), K.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """Whether the predicted class (argmax) equals an integer target class, per sample.

    # Arguments
        y_true: integer class indices, `(batch, 1)`.
        y_pred: class scores or probabilities.

    # Returns
        Tensor of 1.0 (right) or 0.0 (wrong) per sample.
    """
    return K.cast(K.equal(K.max(y_true, axis=-1),
                          K.cast(K.argmax(y_pred, axis=-1), K.floatx())),
                  K.floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the target class is among the `k` highest-scored classes.

    Used for tasks with many similar classes (ImageNet reports top-5 accuracy).

    # Arguments
        y_true: one-hot targets.
        y_pred: class scores or probabilities.
        k: the number of top classes that count as right.

    # Returns
        Tensor of 1.0 or 0.0 per sample.
    """
    return K.mean(K.in_top_k(y_pred, K.argmax(y_true, axis=-1), k), axis=-1)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether an integer target class is among the `k` highest-scored classes.

    # Arguments
        y_true: integer class indices, `(batch, 1)`.
        y_pred: class scores or probabilities.
        k: the number of top classes that count as right.

    # Returns
        Tensor of 1.0 or 0.0 per sample.
    """
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
    """The name under which a metric function is saved.

    # Arguments
        metric: the metric function.

    # Returns
        The function's name.
    """
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """The metric function saved under a name (any loss name works too).

    # Arguments
        config: the function's name or a serialized config.
        custom_objects: optional dict of user metric functions by name.

    # Returns
        The metric function.
    """
    return deserialize_keras_object(config, module_objects=ALL_METRICS,
                                    custom_objects=custom_objects,
                                    printable_module_name="metric function")


def get(identifier):
    """Finds the metric function an argument names.

    # Arguments
        identifier: a name such as `'mae'`, a serialized config, or a callable
            (returned as is).

    # Returns
        The metric function.

    # Raises
        ValueError: when `identifier` is none of these.
    """
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize(str(identifier))
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret metric function identifier:", identifier)
