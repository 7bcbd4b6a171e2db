"""Neural-network functions: activations, cross-entropies (stable forms chosen from the
graph), normalisation, dropout and bias_add."""
from keralite.compiler.ops import elementwise as E
from keralite.compiler.ops import reduce as R
from keralite.compiler.ops import shape as S
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, cast, in_train_phase  # noqa: F401
from . import config
from . import math_ops as M
from .random_ops import random_uniform


def _t(node):
    return Tensor(node)


def relu(x, alpha=0.0, max_value=None):
    x = to_tensor(x)
    if alpha != 0.0:
        negative = M.maximum(-x, 0.0)
    y = M.maximum(x, 0.0)
    if max_value is not None:
        y = M.clip(y, 0.0, max_value)
    if alpha != 0.0:
        y = y - negative * alpha
    return y


def elu(x, alpha=1.0):
    x = to_tensor(x)
    neg = _t(apply("expm1", [x.node]))
    if alpha != 1:
        neg = neg * alpha
    return _t(apply("select", [apply("gt", [x.node, E.scalar(0, x.node.dtype)]), x.node, neg.node]))


def softmax(x, axis=-1):
    x = to_tensor(x)
    if x.ndim == 0:
        raise ValueError("Cannot apply softmax to a tensor that is 0D")
    return _t(apply("softmax", [x.node], axis=axis % x.ndim))


def log_softmax(x, axis=-1):
    x = to_tensor(x)
    return _t(apply("log_softmax", [x.node], axis=axis % x.ndim))


def softplus(x):
    return _t(apply("softplus", [to_tensor(x).node]))


def softsign(x):
    return _t(apply("softsign", [to_tensor(x).node]))


def sigmoid(x):
    return _t(apply("sigmoid", [to_tensor(x).node]))


def hard_sigmoid(x):
    x = to_tensor(x)
    return M.clip(x * 0.2 + 0.5, 0.0, 1.0)


def tanh(x):
    return _t(apply("tanh", [to_tensor(x).node]))


def _logits_of(output, op_name, axis=None):
    """The input of `output` when it is softmax/sigmoid (along `axis`), else None."""
    n = output.node
    if n.op.name != op_name:
        return None
    if axis is not None and n.attr("axis") != axis % n.ndim:
        return None
    return _t(n.inputs[0])


def categorical_crossentropy(target, output, from_logits=False):
    """-sum(target * log(output)) over the last axis (output a probability vector)."""
    target, output = to_tensor(target), to_tensor(output)
    axis = output.ndim - 1
    logits = output if from_logits else _logits_of(output, "softmax", axis)
    if logits is not None:
        return -M.sum(target * log_softmax(logits, axis), axis)
    output = output / M.sum(output, axis, keepdims=True)
    eps = config.epsilon()
    output = M.clip(output, eps, 1.0 - eps)
    return -M.sum(target * M.log(output), axis)


def sparse_categorical_crossentropy(target, output, from_logits=False):
    """categorical_crossentropy with integer class targets."""
    from .shape_ops import one_hot, reshape
    target, output = to_tensor(target), to_tensor(output)
    axis = output.ndim - 1
    logits = output if from_logits else _logits_of(output, "softmax", axis)
    if logits is None:
        eps = config.epsilon()
        logits = M.log(M.clip(output, eps, 1.0 - eps))
    classes = output.node.shape[-1]
    labels = target
    if labels.node.dtype.is_float:
        labels = cast(labels, "int64")
    lead = output.node.shape[:-1]
    if labels.node.shape != lead:
        labels = reshape(labels, lead)
    hot = one_hot(labels, classes)
    return -M.sum(cast(hot, output.dtype) * log_softmax(logits, axis), axis)


def binary_crossentropy(target, output, from_logits=False):
    target, output = to_tensor(target), to_tensor(output)
    logits = output if from_logits else _logits_of(output, "sigmoid")
    if logits is None:
        eps = config.epsilon()
        p = M.clip(output, eps, 1.0 - eps)
        logits = M.log(p / (1.0 - p))
    target = cast(target, logits.dtype) if target.dtype != logits.dtype else target
    return _t(apply("sigmoid_xent", [logits.node, target.node]))


def l2_normalize(x, axis=None):
    x = to_tensor(x)
    sq = M.sum(M.square(x), axis, keepdims=True)
    return x / M.sqrt(M.maximum(sq, 1e-12))


def in_top_k(predictions, targets, k):
    """True where the target's prediction is among the k largest (ties count as in)."""
    from .shape_ops import one_hot
    predictions, targets = to_tensor(predictions), to_tensor(targets)
    hot = cast(one_hot(targets, predictions.node.shape[-1]), "bool")
    zero = E.scalar(0, predictions.node.dtype)
    target_pred = _t(R.reduce("sum", apply("select", [hot.node, predictions.node, zero]), [-1], keepdims=True))
    above = M.sum(cast(M.greater(predictions, target_pred), "int32"), -1)
    finite = M.all(M.equal(predictions - predictions, 0.0), -1)
    return M.logical_and(M.less(above, k), finite)


def bias_add(x, bias, data_format=None):
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Unknown data_format " + str(data_format))
    x, bias = to_tensor(x), to_tensor(bias)
    if bias.ndim != 1 and bias.ndim != x.ndim - 1:
        raise ValueError("Unexpected bias dimensions %d, expect to be 1 or %d dimensions"
                         % (bias.ndim, x.ndim - 1))
    if data_format == "channels_last" or x.ndim <= 2:
        if bias.ndim == 1 and bias.node.shape[0] != x.node.shape[-1] and x.ndim > 1:
            raise ValueError(f"bias_add: bias of shape {bias.shape} does not match the channels of {x.shape}")
        return x + bias
    channels = bias.node.shape[0]
    if bias.ndim == 1:
        b = _t(S.reshape(bias.node, (1, channels) + (1,) * (x.ndim - 2)))
    else:
        perm = (bias.ndim - 1,) + tuple(range(bias.ndim - 1))
        b = _t(S.reshape(apply("transpose", [bias.node], perm=perm), (1,) + bias.node.shape[-1:] + bias.node.shape[:-1]))
    return x + b


def dropout(x, level, noise_shape=None, seed=None):
    """x with a fraction `level` of entries zeroed and the rest scaled by 1/(1-level)."""
    if level < 0.0 or level >= 1:
        raise ValueError("Dropout level must be in interval [0, 1[.")
    x = to_tensor(x)
    retain = 1.0 - level
    shape = x.node.shape if noise_shape is None else tuple(
        x.node.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    u = random_uniform(shape, dtype=x.dtype, seed=seed)
    keep = cast(M.less(u, retain), x.dtype)
    return x * keep * (1.0 / retain)


def batch_normalization(x, mean, var, beta, gamma, epsilon=1e-3):
    x = to_tensor(x)
    y = (x - mean) / M.sqrt(to_tensor(var) + epsilon)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """(normalized x, mean, variance) with statistics over reduction_axes."""
    x = to_tensor(x)
    axes = sorted(a % x.ndim for a in reduction_axes)
    mean = M.mean(x, axes, keepdims=True)
    var = M.mean(M.square(x - mean), axes, keepdims=True)
    kept = [d for i, d in enumerate(x.node.shape) if i not in axes]
    bshape = tuple(1 if i in axes else d for i, d in enumerate(x.node.shape))

    def fit(p):
        if p is None:
            return None
        p = to_tensor(p)
        return _t(S.reshape(p.node, bshape)) if p.node.shape != bshape else p
    normed = batch_normalization(x, mean, var, fit(beta), fit(gamma), epsilon)
    return normed, _t(S.reshape(mean.node, kept)), _t(S.reshape(var.node, kept))
