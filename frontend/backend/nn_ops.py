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
from . import reduce_ops as RO
from .random_ops import random_uniform


def _t(node):
    return Tensor(node)


# ------------------------------------------------------------------ activations
def _relu(x):
    """max(x, 0) with TF's gradient (0 at x == 0) and nan kept."""
    zero = scalar(0, x.node.dtype)
    return _t(apply("select", [apply("le", [x.node, zero]), zero, x.node]))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """The rectified linear unit, with Keras' leaky, capped and thresholded variants.

    Elements above `threshold` pass unchanged and the others become 0; the result
    is then capped at `max_value`, and `alpha * (x - threshold)` is added where
    `x` is below the threshold. With the defaults this is max(x, 0). The gradient
    at 0 is 0, as in TensorFlow, and a nan input stays nan.

    # Arguments
        x: a tensor.
        alpha: the slope below the threshold (0 for the plain rectifier).
        max_value: the cap, or None for none.
        threshold: where the rectifier bends; Keras 2.1.6 has no such argument
            (it came in Keras 2.2), and the default 0 gives its behaviour.

    # Returns
        A Tensor of the shape of `x`.
    """
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
    """The exponential linear unit: `x` where `x > 0`, else `alpha * (exp(x) - 1)`.

    The negative branch is computed on min(x, 0), so large positive inputs do not
    produce an overflowing exp whose zero gradient would become nan.

    # Arguments
        x: a tensor.
        alpha: the value the negative branch tends to, scaled (1.0 by default).

    # Returns
        A Tensor of the shape of `x`.
    """
    x = to_tensor(x)
    zero = scalar(0, x.node.dtype)
    # expm1 of min(x, 0): the unused branch stays finite for large x, so its zero
    # gradient does not turn into 0 * inf = nan
    neg = _t(apply("expm1", [apply("minimum", [x.node, zero])]))
    if alpha != 1:
        neg = neg * alpha
    return _t(apply("select", [apply("gt", [x.node, zero]), x.node, neg.node]))


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along one axis: each slice becomes a probability vector.

    The maximum of each slice is subtracted first, so large finite inputs (1e4)
    are fine; a slice whose entries are all -inf gives nan, as in TensorFlow.
    `log(softmax(x))` is computed by the compiler as a stable log-softmax.

    # Arguments
        x: a tensor of rank 1 or more.
        axis: the axis to normalise along (the last by default).

    # Returns
        A Tensor of the shape of `x`.

    # Raises
        ValueError: if `x` is a scalar.
    """
    x = to_tensor(x)
    if x.ndim == 0:
        raise ValueError("Cannot apply softmax to a tensor that is 0D")
    return _t(apply("softmax", [x.node], axis=axis % x.ndim))


def log_softmax(x, axis=-1):
    x = to_tensor(x)
    return _t(apply("log_softmax", [x.node], axis=axis % x.ndim))


def softplus(x):
    """`log(1 + exp(x))`, element by element, computed without overflow.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape of `x`.
    """
    return _t(apply("softplus", [to_tensor(x).node]))


def softsign(x):
    """`x / (1 + |x|)`, element by element.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape of `x`.
    """
    return _t(apply("softsign", [to_tensor(x).node]))


def sigmoid(x):
    """The logistic function `1 / (1 + exp(-x))`, element by element.

    A binary cross-entropy of a sigmoid output is computed by the compiler
    from the logits, so saturated outputs keep a finite loss.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape of `x`.
    """
    return _t(apply("sigmoid", [to_tensor(x).node]))


def hard_sigmoid(x):
    """A piecewise-linear approximation of the sigmoid: `clip(0.2 * x + 0.5, 0, 1)`.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape of `x`.
    """
    x = to_tensor(x)
    return M.clip(x * 0.2 + 0.5, 0.0, 1.0)


def tanh(x):
    """The hyperbolic tangent, element by element.

    # Arguments
        x: a tensor or a value `K.constant` accepts.

    # Returns
        A Tensor of the shape of `x`.
    """
    return _t(apply("tanh", [to_tensor(x).node]))


# ------------------------------------------------------------------ cross-entropies
def categorical_crossentropy(target, output, from_logits=False):
    """The cross-entropy between one-hot (or soft) targets and predicted class
    probabilities, along the last axis.

    As Keras does, `output` is rescaled to sum to 1 and clipped to [epsilon(),
    1 - epsilon()] before the log. When `output` is a softmax, the compiler
    rewrites the loss as a log-softmax of the logits, so saturated outputs still
    give finite losses and gradients.

    # Arguments
        target: a tensor of the shape of `output`.
        output: class probabilities (or logits, see `from_logits`), classes last.
        from_logits: whether `output` holds unnormalised logits rather than
            probabilities.

    # Returns
        A Tensor of the shape of `output` without its last axis.
    """
    target, output = to_tensor(target), to_tensor(output)
    axis = output.ndim - 1
    if from_logits:
        return -RO.sum(target * log_softmax(output, axis), axis)
    output = output / RO.sum(output, axis, keepdims=True)
    eps = config.epsilon()
    output = M.clip(output, eps, 1.0 - eps)
    return -RO.sum(target * M.log(output), axis)


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
    """The categorical cross-entropy with integer class indices as targets.

    # Arguments
        target: class indices (int or float), shaped like `output` without its
            last axis, or with a last axis of size 1, or flat with as many
            entries as there are rows.
        output: class probabilities (or logits, see `from_logits`), classes last.
        from_logits: whether `output` holds unnormalised logits rather than
            probabilities.

    # Returns
        A Tensor of the shape of `output` without its last axis.
    """
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
    loss = -RO.sum(hot * log_p, -1)
    if loss.ndim != len(lead):
        loss = _t(S.reshape(loss.node, lead))
    return loss


def binary_crossentropy(target, output, from_logits=False):
    """The cross-entropy of each element: `-(t * log(p) + (1 - t) * log(1 - p))`.

    Probabilities are clipped to [epsilon(), 1 - epsilon()], turned back into
    logits and fed to a stable sigmoid cross-entropy, as Keras on TensorFlow does;
    on a sigmoid output the compiler uses the logits directly.

    # Arguments
        target: a tensor of the shape of `output`, values in [0, 1].
        output: probabilities (or logits, see `from_logits`).
        from_logits: whether `output` holds logits rather than probabilities.

    # Returns
        A Tensor of the shape of `output` (no reduction).
    """
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
    """`x` divided by its L2 norm along `axis`.

    The squared norm is floored at 1e-12, so an all-zero slice stays zero instead
    of becoming nan.

    # Arguments
        x: a tensor.
        axis: the axis (or list of axes) the norm is taken over; None for all.

    # Returns
        A Tensor of the shape of `x`.
    """
    x = to_tensor(x)
    sq = RO.sum(M.square(x), axis, keepdims=True)
    return x / M.sqrt(M.maximum(sq, 1e-12))


def in_top_k(predictions, targets, k):
    """Whether each target class is among the `k` highest predictions of its row.

    Ties with the k-th prediction count as in. A row holding a non-finite
    prediction, or a target outside the classes, gives False, as in TensorFlow.

    # Arguments
        predictions: a 2-D tensor (batch, classes).
        targets: a 1-D tensor of class indices (batch,).
        k: an int.

    # Returns
        A 1-D bool Tensor (batch,).

    # Raises
        ValueError: if `predictions` is not 2-D or `targets` is not 1-D.
    """
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
    above = RO.sum(cast(M.greater(predictions, target_pred), "int32"), -1)
    finite = RO.all(M.equal(predictions - predictions, 0.0), -1)
    in_range = M.logical_and(M.greater_equal(targets, 0), M.less(targets, classes))
    return M.logical_and(M.logical_and(M.less(above, k), finite), in_range)


def bias_add(x, bias, data_format=None):
    """`x` plus a bias broadcast along the channels axis.

    A 1-D bias holds one value per channel. A bias with one axis fewer than `x`
    holds one value per position and channel, laid out channels last (as Keras'
    locally connected layers make it); with 'channels_first' it is reshaped, not
    transposed, to (1, channels) + the other sizes, exactly as Keras on
    TensorFlow does.

    # Arguments
        x: a tensor, batch first.
        bias: a 1-D tensor, or one with one axis fewer than `x`.
        data_format: 'channels_last' or 'channels_first'; None uses
            `image_data_format()`. It only matters for `x` of rank 3 or more.

    # Returns
        A Tensor of the shape of `x`.

    # Raises
        ValueError: for an unknown `data_format`, a bias of another rank, or a
            1-D bias whose length is not the number of channels.
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
    """`x` with a random fraction `level` of its entries set to 0 and the others
    scaled by 1 / (1 - level), so the expected value is unchanged.

    This always drops: the Dropout layer wraps it in `in_train_phase`.

    # Arguments
        x: a float tensor.
        level: the fraction to drop, in [0, 1).
        noise_shape: the shape of the random keep/drop mask, which broadcasts
            along the axes where it is 1 (for example (batch, 1, features) drops
            whole features for every step); entries may be None or items of
            `K.shape(x)` for the sizes of `x`. None draws one value per entry.
        seed: an int making the draws reproducible; None picks one with numpy's
            global generator.

    # Returns
        A Tensor of the shape of `x`.

    # Raises
        ValueError: if `level` is outside [0, 1) or `noise_shape` does not
            broadcast to the shape of `x`.
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
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta`, with given statistics.

    # Arguments
        x: a tensor.
        mean: the mean, broadcastable against `x`.
        var: the variance, broadcastable against `x`.
        beta: the offset, or None for none.
        gamma: the scale, or None for none.
        epsilon: added to the variance to avoid dividing by zero.

    # Returns
        A Tensor of the shape of `x`.
    """
    x = to_tensor(x)
    y = (x - mean) / M.sqrt(to_tensor(var) + epsilon)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """`x` normalised with the mean and variance of the batch, and those statistics.

    The variance is the biased one (divided by the count), which the
    normalisation uses; BatchNormalization folds it into its moving variance.

    # Arguments
        x: a tensor.
        gamma: the scale, shaped as the kept axes (or broadcastable), or None.
        beta: the offset, shaped as the kept axes (or broadcastable), or None.
        reduction_axes: the axes the statistics are taken over (for a Dense
            input (batch, features), [0]).
        epsilon: added to the variance to avoid dividing by zero.

    # Returns
        A tuple `(normalised x, mean, variance)`; the statistics have the shape of
        `x` without the reduction axes.
    """
    x = to_tensor(x)
    axes = sorted(a % x.ndim for a in reduction_axes)
    mean = RO.mean(x, axes, keepdims=True)
    var = RO.mean(M.square(x - mean), axes, keepdims=True)
    kept = [d for i, d in enumerate(x.node.shape) if i not in axes]
    bshape = tuple(1 if i in axes else d for i, d in enumerate(x.node.shape))

    def fit(p):
        if p is None:
            return None
        p = to_tensor(p)
        return _t(S.reshape(p.node, bshape)) if p.node.shape != bshape else p
    normed = batch_normalization(x, mean, var, fit(beta), fit(gamma), epsilon)
    return normed, _t(S.reshape(mean.node, kept)), _t(S.reshape(var.node, kept))
