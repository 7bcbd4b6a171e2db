"""Neural-network functions: activations, cross-entropies, normalisation, dropout and
bias_add.

Conventions worth knowing (Keras 2.1.6 with TensorFlow is the reference):
- softmax: a row whose entries are all -inf gives nan, as tf.nn.softmax does (there is
  no probability vector to give); large finite entries (1e4) are fine (max-shifted).
- cross-entropies are written as Keras writes them (probabilities clipped to
  [epsilon(), 1 - epsilon()]); on a softmax / sigmoid output the compiler's stable-form
  rules (compiler/passes/simplify.py) turn them into the log-softmax / sigmoid
  cross-entropy of the logits, so saturated outputs give finite losses and gradients.
"""
from keralite.compiler.ir.shapes import Sym
from keralite.compiler.ops.source import scalar
from keralite.compiler.ops import reduce as R
from keralite.compiler.ops import shape as S
from keralite.compiler.ops.registry import apply

from .core import Tensor, to_tensor, cast, in_train_phase  # noqa: F401
from . import config
from . import math_ops as M
from .random_ops import random_uniform


def _t(node):
    return Tensor(node)


# ------------------------------------------------------------------ activations
def _relu(x):
    """max(x, 0) with TF's gradient (0 at x == 0) and nan kept."""
    zero = scalar(0, x.node.dtype)
    return _t(apply("select", [apply("le", [x.node, zero]), zero, x.node]))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """x above `threshold` (else 0), clipped at max_value, plus alpha * min(x - threshold, 0)
    (Keras 2.2's threshold; 0 gives the plain rectifier)."""
    x = to_tensor(x)
    if alpha != 0.0:
        negative = _relu(threshold - x) if threshold != 0.0 else _relu(-x)
    if threshold != 0.0:
        y = x * cast(M.greater(x, threshold), x.node.dtype)
    else:
        y = _relu(x)
    if max_value is not None:
        y = M.clip(y, 0.0, max_value)
    if alpha != 0.0:
        y = y - negative * alpha
    return y


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    x = to_tensor(x)
    zero = scalar(0, x.node.dtype)
    # expm1 of min(x, 0): the unused branch stays finite for large x, so its zero
    # gradient does not turn into 0 * inf = nan
    neg = _t(apply("expm1", [apply("minimum", [x.node, zero])]))
    if alpha != 1:
        neg = neg * alpha
    return _t(apply("select", [apply("gt", [x.node, zero]), x.node, neg.node]))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (max-shifted; an all -inf row gives nan)."""
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
    """clip(0.2 * x + 0.5, 0, 1)."""
    x = to_tensor(x)
    return M.clip(x * 0.2 + 0.5, 0.0, 1.0)


def tanh(x):
    return _t(apply("tanh", [to_tensor(x).node]))


# ------------------------------------------------------------------ cross-entropies
def categorical_crossentropy(target, output, from_logits=False):
    """-sum(target * log(output)) over the last axis (output a probability vector)."""
    target, output = to_tensor(target), to_tensor(output)
    axis = output.ndim - 1
    if from_logits:
        return -M.sum(target * log_softmax(output, axis), axis)
    output = output / M.sum(output, axis, keepdims=True)
    eps = config.epsilon()
    output = M.clip(output, eps, 1.0 - eps)
    return -M.sum(target * M.log(output), axis)


def _sparse_labels(target, lead):
    """Integer class labels shaped like `lead` (the output's shape without classes).

    Targets may be float or int, shaped `lead`, `lead + (1,)`, or anything holding
    numel(lead) labels (Keras flattens them). A trailing dim that is only known at run
    time (Keras' (None, None) target placeholders) is taken to be 1.
    """
    from .shape_ops import reshape
    labels = target
    if labels.node.dtype.is_float or labels.node.dtype.is_bool:
        labels = cast(labels, "int64")
    shape = labels.node.shape
    if len(shape) == len(lead) + 1:
        if shape[-1] == 1:
            labels = _t(S.reshape(labels.node, shape[:-1]))
        elif isinstance(shape[-1], Sym):
            # the max over a dim of size 1 is its only label
            labels = _t(R.reduce("max", labels.node, [len(shape) - 1], keepdims=False))
    if len(labels.node.shape) != len(lead):
        labels = reshape(labels, (-1,))
    return labels


def sparse_categorical_crossentropy(target, output, from_logits=False):
    """categorical_crossentropy with integer class targets."""
    from .shape_ops import one_hot, reshape
    target, output = to_tensor(target), to_tensor(output)
    axis = output.ndim - 1
    logits = output
    if not from_logits:
        eps = config.epsilon()
        logits = M.log(M.clip(output, eps, 1.0 - eps))
    classes = output.node.shape[-1]
    lead = output.node.shape[:-1]
    labels = _sparse_labels(target, lead)
    log_p = log_softmax(logits, axis)
    if labels.ndim != len(lead):
        # flat labels for a >2-D output: work on (rows, classes) and shape back
        log_p = reshape(log_p, (-1, classes))
    hot = cast(one_hot(labels, classes), output.dtype)
    loss = -M.sum(hot * log_p, -1)
    if loss.ndim != len(lead):
        loss = _t(S.reshape(loss.node, lead))
    return loss


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise -(t * log(p) + (1 - t) * log(1 - p)), as the sigmoid cross-entropy
    of logits log(p / (1 - p)) (p clipped to [epsilon, 1 - epsilon])."""
    target, output = to_tensor(target), to_tensor(output)
    logits = output
    if not from_logits:
        eps = config.epsilon()
        p = M.clip(output, eps, 1.0 - eps)
        logits = M.log(p / (1.0 - p))
    target = cast(target, logits.dtype) if target.dtype != logits.dtype else target
    return _t(apply("sigmoid_xent", [logits.node, target.node]))


# ------------------------------------------------------------------ misc
def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x**2, axis), 1e-12)), as tf.nn.l2_normalize."""
    x = to_tensor(x)
    sq = M.sum(M.square(x), axis, keepdims=True)
    return x / M.sqrt(M.maximum(sq, 1e-12))


def in_top_k(predictions, targets, k):
    """True where the target's prediction is among the k largest (ties count as in);
    False for a row with a non-finite prediction or a target out of range (as TF)."""
    from .shape_ops import one_hot
    predictions, targets = to_tensor(predictions), to_tensor(targets)
    if predictions.ndim != 2:
        raise ValueError(f"in_top_k: predictions must be 2-D, got shape {predictions.shape}")
    if targets.ndim != 1:
        raise ValueError(f"in_top_k: targets must be 1-D, got shape {targets.shape}")
    classes = predictions.node.shape[-1]
    if targets.node.dtype.is_float:
        targets = cast(targets, "int64")
    hot = cast(one_hot(targets, classes), "bool")
    zero = scalar(0, predictions.node.dtype)
    target_pred = _t(R.reduce("sum", apply("select", [hot.node, predictions.node, zero]), [-1], keepdims=True))
    above = M.sum(cast(M.greater(predictions, target_pred), "int32"), -1)
    finite = M.all(M.equal(predictions - predictions, 0.0), -1)
    in_range = M.logical_and(M.greater_equal(targets, 0), M.less(targets, classes))
    return M.logical_and(M.logical_and(M.less(above, k), finite), in_range)


def bias_add(x, bias, data_format=None):
    """x + bias along the channels axis.

    A 1-D bias has one value per channel. An (ndim(x)-1)-D bias holds one value per
    position and channel, laid out channels last (as Keras' locally connected layers
    make it); with channels_first it is reshaped, not transposed, into
    (1, channels) + other dims, exactly as the Keras TensorFlow backend does.
    """
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Unknown data_format " + str(data_format))
    x, bias = to_tensor(x), to_tensor(bias)
    if bias.ndim != 1 and bias.ndim != x.ndim - 1:
        raise ValueError("Unexpected bias dimensions %d, expect to be 1 or %d dimensions"
                         % (bias.ndim, x.ndim))
    bshape = bias.node.shape
    channels_first = data_format == "channels_first" and x.ndim > 2
    if bias.ndim == 1:
        if x.ndim == 0:
            raise ValueError("bias_add: x must have at least one dimension")
        channel_dim = x.node.shape[1] if channels_first else x.node.shape[-1]
        if bshape[0] != channel_dim and not isinstance(channel_dim, Sym):
            raise ValueError(f"bias_add: a bias of shape {bias.shape} does not match the "
                             f"{channel_dim} channels of a tensor of shape {x.shape}")
        if channels_first:
            return x + _t(S.reshape(bias.node, (1, bshape[0]) + (1,) * (x.ndim - 2)))
        return x + bias
    if channels_first:
        return x + _t(S.reshape(bias.node, (1, bshape[-1]) + tuple(bshape[:-1])))
    return x + _t(S.reshape(bias.node, (1,) + tuple(bshape)))


def dropout(x, level, noise_shape=None, seed=None):
    """x with a fraction `level` of entries zeroed and the rest scaled by 1/(1-level).

    noise_shape (entries None or items of K.shape(x) for x's own dims) sets the shape
    of the random mask, which broadcasts along the axes where it is 1.
    """
    if level < 0.0 or level >= 1:
        raise ValueError("Dropout level must be in interval [0, 1[.")
    x = to_tensor(x)
    retain = 1.0 - level
    shape = x.node.shape
    if noise_shape is not None:
        from .random_ops import _shape
        if isinstance(noise_shape, Tensor):
            dims = _shape(noise_shape)
        else:
            dims = _shape([shape[i] if d is None else d for i, d in enumerate(noise_shape)])
        if len(dims) != x.ndim or any(d != 1 and d != s for d, s in zip(dims, shape)):
            raise ValueError(f"dropout: noise_shape {tuple(noise_shape) if not isinstance(noise_shape, Tensor) else dims} "
                             f"does not broadcast to the shape {x.shape} of x")
        shape = dims
    u = random_uniform(shape, dtype=x.dtype, seed=seed)
    keep = cast(M.less(u, retain), x.dtype)
    return x * keep * (1.0 / retain)


def batch_normalization(x, mean, var, beta, gamma, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta (gamma, beta may be None)."""
    x = to_tensor(x)
    y = (x - mean) / M.sqrt(to_tensor(var) + epsilon)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """(normalized x, mean, variance) with statistics over reduction_axes; the variance
    is the biased one (divided by the count), the one the normalisation uses."""
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
