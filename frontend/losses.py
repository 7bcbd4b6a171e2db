"""Keras 2 loss functions: each maps (y_true, y_pred) to one loss value per sample
(the mean, or sum, over the last axis)."""
import numpy as np

from . import backend as K
from .utils.generic_utils import serialize_keras_object, deserialize_keras_object

_LOG_2 = float(np.log(2.0))


def mean_squared_error(y_true, y_pred):
    """Mean of the squared errors over the last axis.

    The standard regression loss; large errors weigh much more than small ones.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean of the absolute errors over the last axis.

    A regression loss less swayed by outliers than the squared error.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """Mean absolute error relative to the target, in percent.

    For targets of very different scales. `|y_true|` is clipped below at
    `K.epsilon()`, so zero targets do not divide by zero.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    diff = K.abs((y_true - y_pred) / K.clip(K.abs(y_true), K.epsilon(), None))
    return 100. * K.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared difference of `log(1 + y)` between prediction and target.

    Weighs relative rather than absolute errors, for positive targets spanning
    several orders of magnitude. Values are clipped below at `K.epsilon()`.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    first_log = K.log(K.clip(y_pred, K.epsilon(), None) + 1.)
    second_log = K.log(K.clip(y_true, K.epsilon(), None) + 1.)
    return K.mean(K.square(first_log - second_log), axis=-1)


def squared_hinge(y_true, y_pred):
    """Mean of `max(1 - y_true * y_pred, 0) ** 2` over the last axis.

    The hinge loss with a smooth square; targets are -1 or 1.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    return K.mean(K.square(K.maximum(1. - y_true * y_pred, 0.)), axis=-1)


def hinge(y_true, y_pred):
    """Mean of `max(1 - y_true * y_pred, 0)` over the last axis.

    The maximum-margin (SVM) loss; targets are -1 or 1.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    return K.mean(K.maximum(1. - y_true * y_pred, 0.), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Multi-class hinge loss: `max(0, 1 + best wrong score - true class score)`.

    For one-hot targets; it asks the true class's score to beat every other by a
    margin of 1.

    # Arguments
        y_true: one-hot targets.
        y_pred: class scores, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    pos = K.sum(y_true * y_pred, axis=-1)
    neg = K.max((1. - y_true) * y_pred, axis=-1)
    return K.maximum(0., neg - pos + 1.)


def logcosh(y_true, y_pred):
    """Mean of `log(cosh(y_pred - y_true))` over the last axis.

    Behaves like the squared error for small errors and like the absolute error
    for large ones. It is written as `x + softplus(-2x) - log(2)` so that large errors
    do not overflow `cosh`.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    x = y_pred - y_true
    return K.mean(x + K.softplus(-2. * x) - _LOG_2, axis=-1)


def categorical_crossentropy(y_true, y_pred):
    """Cross-entropy between one-hot targets and predicted class probabilities.

    The loss of single-label classification with a softmax output. A
    log-of-softmax is computed in the compiler's stable form, so confident wrong
    predictions give large finite losses instead of inf.

    # Arguments
        y_true: one-hot (or probability) targets, `(batch, ..., classes)`.
        y_pred: predicted probabilities, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    return K.categorical_crossentropy(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred):
    """Cross-entropy between integer class targets and predicted class probabilities.

    Like categorical_crossentropy but takes class indices, which saves one-hot
    encoding large vocabularies.

    # Arguments
        y_true: integer class indices, `(batch, ...)` or `(batch, ..., 1)`.
        y_pred: predicted probabilities, `(batch, ..., classes)`.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    return K.sparse_categorical_crossentropy(y_true, y_pred)


def binary_crossentropy(y_true, y_pred):
    """Mean binary cross-entropy over the last axis.

    The loss of binary and multi-label classification with sigmoid outputs.

    # Arguments
        y_true: targets in [0, 1].
        y_pred: predicted probabilities, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    return K.mean(K.binary_crossentropy(y_true, y_pred), axis=-1)


def kullback_leibler_divergence(y_true, y_pred):
    """Kullback-Leibler divergence of the predicted distribution from the target one.

    Measures how much information is lost when `y_pred` stands for `y_true`; both
    are clipped to `[K.epsilon(), 1]` so the logarithm stays finite.

    # Arguments
        y_true: target probability distributions (last axis).
        y_pred: predicted distributions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    y_true = K.clip(y_true, K.epsilon(), 1)
    y_pred = K.clip(y_pred, K.epsilon(), 1)
    return K.sum(y_true * K.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Mean of `y_pred - y_true * log(y_pred)` over the last axis.

    The negative log-likelihood of counts under a Poisson model whose rate is
    `y_pred`, for count targets.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one loss value per sample (the last axis is reduced).
    """
    return K.mean(y_pred - y_true * K.log(y_pred + K.epsilon()), axis=-1)


def cosine_proximity(y_true, y_pred):
    """Negative cosine similarity between target and prediction, over the last axis.

    Depends only on directions, not lengths; minimising it aligns the vectors.

    # Arguments
        y_true: tensor of targets.
        y_pred: tensor of predictions, of the same shape.

    # Returns
        Tensor of one value in [-1, 1] per sample (-1 is best).
    """
    y_true = K.l2_normalize(y_true, axis=-1)
    y_pred = K.l2_normalize(y_pred, axis=-1)
    return -K.sum(y_true * y_pred, axis=-1)


# Aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine = cosine_proximity

# Every name `deserialize` resolves (Keras looks names up in the module's globals;
# this table keeps helpers and imports such as `K` out of reach).
ALL_LOSSES = {fn_name: fn for fn_name, fn in globals().items()
              if callable(fn) and getattr(fn, "__module__", None) == __name__
              and not fn_name.startswith("_")}


def serialize(loss):
    """The name under which a loss function is saved in a model file.

    # Arguments
        loss: the loss function.

    # Returns
        The function's name.
    """
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """The loss function saved under `name`.

    # Arguments
        name: the function's name (or a serialized config).
        custom_objects: optional dict of user loss functions by name.

    # Returns
        The loss function.
    """
    return deserialize_keras_object(name, module_objects=ALL_LOSSES,
                                    custom_objects=custom_objects,
                                    printable_module_name="loss function")


def get(identifier):
    """Finds the loss function an argument names: what `compile(loss=...)` accepts.

    # Arguments
        identifier: a name such as `'mse'`, a serialized config, a callable (returned
            as is), or None.

    # Returns
        The loss function, or None for None.

    # Raises
        ValueError: when `identifier` is none of these.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return deserialize(str(identifier))
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret loss function identifier:", identifier)
