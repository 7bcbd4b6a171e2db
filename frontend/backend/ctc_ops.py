"""Connectionist temporal classification: ctc_batch_cost, ctc_decode (greedy and beam
search) and ctc_label_dense_to_sparse, as in the Keras 2.1.6 TensorFlow backend.

Everything here is built from K ops, so it runs in the compiled graph; the recursions
over the time axis (axis 1 of `y_pred`) are native loops (`functional_ops._loop`), and
the time axis must be static (the masks of active steps are built from its length). The blank is the last
class (`num_categories - 1`), as in TensorFlow. Log-probabilities of impossible events
are the finite stand-in `LOG_ZERO` rather than -inf, so gradients through masked paths
stay finite; a label that cannot be aligned with its input costs about -LOG_ZERO.
Masks are applied with selects (`_where`), never as `m * x + (1 - m) * LOG_ZERO`: the
generated code may reassociate such sums, which loses x next to a huge constant.
"""
import numpy as np

from . import math_ops as M
from . import reduce_ops as RO
from . import product_ops as PO
from .config import epsilon
from .core import cast, constant, switch, to_tensor, zeros_like
from .functional_ops import _loop
from .nn_ops import log_softmax
from .shape_ops import concatenate, expand_dims, one_hot, permute_dimensions, reshape, stack

LOG_ZERO = -1e30


# ------------------------------------------------------------------ helpers
def _static_dim(x, axis, function_name, what):
    d = x.shape[axis]
    if d is None:
        raise ValueError(f"{function_name}: axis {axis} of `{what}` (shape {x.shape}) must be known when the "
                         "graph is built; keralite unrolls CTC over a static length for now")
    return d


def _check_rank(x, rank, function_name, what):
    if x.ndim != rank:
        raise ValueError(f"{function_name}: `{what}` must be of rank {rank}, got shape {x.shape}")


def _lengths(x, function_name, what):
    """Lengths given as (samples, 1) or (samples,), as an int32 (samples, 1) tensor."""
    x = to_tensor(x)
    if x.ndim == 1:
        x = expand_dims(x, 1)
    if x.ndim != 2 or x.shape[1] != 1:
        raise ValueError(f"{function_name}: `{what}` must have shape (samples, 1) or (samples,), "
                         f"got {x.shape}")
    return cast(x, "int32")


def _lse(*tensors):
    """log(sum(exp(t))) of several tensors of one shape, elementwise."""
    return RO.logsumexp(stack(list(tensors), axis=-1), axis=-1)


def _where(condition, then_values, else_values):
    """then_values where the bool `condition` holds (broadcast), else else_values."""
    return switch(condition, then_values, else_values)


def _filled_columns(like, value, width):
    """A (samples, width) tensor of `value`, with the batch dim and dtype of `like`."""
    column = zeros_like(like[:, :1]) + value
    return column if width == 1 else concatenate([column] * width, axis=1)


def _time_mask(input_length, time_steps):
    """(samples, time) bool: t < input_length."""
    steps = constant(np.arange(time_steps).reshape(1, time_steps), "int32")
    return M.less(steps, input_length)


def _compact(values, keep):
    """Move the kept entries of each row of `values` (samples, time) to the front, in
    order, and fill the rest with -1: a dense stand-in for TF's sparse decoded labels."""
    time_steps = values.shape[1]
    keep = cast(keep, values.dtype)
    slot = RO.cumsum(keep, axis=1) - 1.0
    placed = one_hot(cast(slot, "int32"), time_steps)                 # (samples, t, slot)
    placed = cast(placed, values.dtype) * expand_dims(keep, -1)
    gathered = RO.sum(placed * expand_dims(values, -1), axis=1)         # (samples, slot)
    filled = RO.sum(placed, axis=1)
    return cast(gathered - (1.0 - filled), "int64")


# ------------------------------------------------------------------ labels
def ctc_label_dense_to_sparse(labels, label_lengths):
    """CTC label rows cut to their lengths, in the form TensorFlow's sparse labels take.

    Keralite has no sparse tensors, so the result is a dense stand-in: an int32
    tensor of the shape of `labels` whose row `i` keeps its first
    `label_lengths[i]` labels and holds -1 after them, which is what TensorFlow's
    sparse result densifies to with -1 as the default value.

    # Arguments
        labels: a 2-D tensor (samples, max_label_length) of class indices.
        label_lengths: how many labels of each row are real, shaped (samples,)
            or (samples, 1).

    # Returns
        An int32 Tensor of the shape of `labels`.
    """
    labels = cast(to_tensor(labels), "int32")
    _check_rank(labels, 2, "ctc_label_dense_to_sparse", "labels")
    max_length = _static_dim(labels, 1, "ctc_label_dense_to_sparse", "labels")
    inside = _time_mask(_lengths(label_lengths, "ctc_label_dense_to_sparse", "label_lengths"), max_length)
    return _where(inside, labels, -1)


def _extended_labels(labels, blank):
    """(samples, L) labels -> (samples, 2L+1): a blank before, between and after them."""
    blanks = zeros_like(labels) + blank
    interleaved = reshape(stack([blanks, labels], axis=2), (-1, 2 * labels.shape[1]))
    return concatenate([interleaved, blanks[:, :1]], axis=1)


# ------------------------------------------------------------------ loss
def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """The connectionist temporal classification (CTC) loss of each sample.

    The loss is minus the log of the total probability of every alignment of the
    label sequence with the input steps (blanks and repeats collapsed), computed by
    the forward recursion in a native loop over time. As in Keras, `y_pred` holds
    probabilities: `log(y_pred + epsilon())` serves as logits. The blank is the
    last class. A label sequence that cannot be aligned with its input costs about
    1e30 rather than inf, so gradients stay finite.

    # Arguments
        y_true: a 2-D tensor (samples, max_label_length) of label indices; only
            the first `label_length` of each row are read.
        y_pred: a 3-D tensor (samples, time_steps, num_categories) of class
            probabilities, e.g. a softmax output; the time and class sizes must
            be known when the graph is built.
        input_length: how many steps of `y_pred` each sample uses, shaped
            (samples, 1) or (samples,).
        label_length: how many labels of `y_true` each sample has, shaped
            (samples, 1) or (samples,).

    # Returns
        A Tensor (samples, 1) of losses.

    # Raises
        ValueError: if a tensor has the wrong rank, the time or class size of
            `y_pred` is unknown, `y_true` has no column, or a length tensor has
            the wrong shape.
    """
    y_pred = to_tensor(y_pred)
    _check_rank(y_pred, 3, "ctc_batch_cost", "y_pred")
    time_steps = _static_dim(y_pred, 1, "ctc_batch_cost", "y_pred")
    num_classes = _static_dim(y_pred, 2, "ctc_batch_cost", "y_pred")
    labels = cast(to_tensor(y_true), "int32")
    _check_rank(labels, 2, "ctc_batch_cost", "y_true")
    max_label_length = _static_dim(labels, 1, "ctc_batch_cost", "y_true")
    if max_label_length < 1:
        raise ValueError("ctc_batch_cost: `y_true` must have at least one label column")
    input_length = _lengths(input_length, "ctc_batch_cost", "input_length")
    label_length = _lengths(label_length, "ctc_batch_cost", "label_length")
    dtype = y_pred.dtype
    blank = num_classes - 1

    # As Keras: log(y_pred + epsilon) are the logits of TF's ctc_loss, which normalises them.
    log_probs = log_softmax(M.log(y_pred + epsilon()))
    extended = _extended_labels(labels, blank)                          # (samples, S)
    states = 2 * max_label_length + 1
    emitted = PO.batch_dot(log_probs, cast(one_hot(extended, num_classes), dtype), axes=(2, 2))  # (samples, T, S)
    # A state may be entered from two states back when it is a label that differs from
    # the label before the blank between them.
    two_back = concatenate([_filled_columns(extended, blank, 2), extended[:, :-2]], axis=1)
    skip = M.not_equal(extended, blank) & M.not_equal(extended, two_back)

    def step(alpha, emitted_t, active_t):
        from_previous = concatenate([_filled_columns(alpha, LOG_ZERO, 1), alpha[:, :-1]], axis=1)
        from_two_back = concatenate([_filled_columns(alpha, LOG_ZERO, 2), alpha[:, :-2]], axis=1)
        advanced = _lse(alpha, from_previous, _where(skip, from_two_back, LOG_ZERO)) + emitted_t
        return _where(active_t, advanced, alpha), None

    start = np.full((states,), LOG_ZERO)
    start[:2] = 0.0
    alpha = emitted[:, 0, :] + constant(start, dtype)
    active = expand_dims(_time_mask(input_length, time_steps), -1)            # (samples, T, 1)
    alpha, _ = _loop(step, alpha, [permute_dimensions(emitted, (1, 0, 2)), permute_dimensions(active, (1, 0, 2))],
                     start=1)

    # The path ends in the last label or in the blank after it.
    state_index = constant(np.arange(states).reshape(1, states), "int32")
    last = 2 * label_length
    final = M.equal(state_index, last) | M.equal(state_index, last - 1)
    log_likelihood = RO.logsumexp(_where(final, alpha, LOG_ZERO), axis=1, keepdims=True)
    return -log_likelihood


# ------------------------------------------------------------------ decoding
def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """The most likely label sequences for a softmax output, by CTC decoding.

    The greedy decoder takes the best class at each step, merges repeats and drops
    blanks (the blank is the last class); the beam search keeps the `beam_width`
    best prefixes at each step, which can find a likelier sequence at a higher
    cost. Both run inside the compiled graph.

    Unlike TensorFlow, whose decoded sequences are sparse and as wide as the
    longest one, keralite returns dense rows of a fixed width `time_steps`, with
    -1 after the end of each sequence.

    # Arguments
        y_pred: a 3-D tensor (samples, time_steps, num_categories) of class
            probabilities; the time and class sizes must be known when the graph
            is built.
        input_length: how many steps of `y_pred` each sample uses, shaped
            (samples,) or (samples, 1).
        greedy: True for the greedy (best path) decoder, False for beam search.
        beam_width: how many prefixes the beam search keeps (beam search only).
        top_paths: how many sequences the beam search returns, from 1 to
            `beam_width` (beam search only).

    # Returns
        A tuple `(decoded, log_probabilities)`: `decoded` is a list of integer
        tensors (samples, time_steps), one per path (a single one when greedy),
        the likeliest first; `log_probabilities` is a Tensor (samples, paths)
        scoring each path.

    # Raises
        ValueError: if `y_pred` is not 3-D or its time or class size is unknown,
            `input_length` has the wrong shape, `beam_width` is below 1, or
            `top_paths` is not between 1 and `beam_width`.
    """
    y_pred = to_tensor(y_pred)
    _check_rank(y_pred, 3, "ctc_decode", "y_pred")
    time_steps = _static_dim(y_pred, 1, "ctc_decode", "y_pred")
    _static_dim(y_pred, 2, "ctc_decode", "y_pred")
    input_length = _lengths(input_length, "ctc_decode", "input_length")
    log_inputs = M.log(y_pred + epsilon())
    if greedy:
        return _greedy_decode(log_inputs, input_length, time_steps)
    beam_width, top_paths = int(beam_width), int(top_paths)
    if beam_width < 1:
        raise ValueError("ctc_decode: beam_width must be >= 1, got %d" % beam_width)
    if not 1 <= top_paths <= beam_width:
        raise ValueError("ctc_decode: top_paths must be between 1 and beam_width (%d), got %d"
                         % (beam_width, top_paths))
    return _beam_search_decode(log_softmax(log_inputs), input_length, time_steps, beam_width, top_paths)


def _greedy_decode(log_inputs, input_length, time_steps):
    """TF's greedy decoder: the best class at each step, repeats merged, blanks dropped;
    its log probability is TF's: minus the sum of the best logits."""
    dtype = log_inputs.dtype
    blank = log_inputs.shape[2] - 1
    best = cast(RO.argmax(log_inputs, axis=-1), "int32")                  # (samples, T)
    active = _time_mask(input_length, time_steps)
    previous = concatenate([_filled_columns(best, -1, 1), best[:, :-1]], axis=1)
    keep = M.not_equal(best, blank) & M.not_equal(best, previous) & active
    decoded = _compact(cast(best, dtype), keep)
    log_prob = -RO.sum(_where(active, RO.max(log_inputs, axis=-1), 0.0), axis=1, keepdims=True)
    return [decoded], log_prob


def _beam_search_decode(log_probs, input_length, time_steps, beam_width, top_paths):
    """CTC prefix beam search with fixed-size tensors.

    The state holds `beam_width` prefixes (labels padded with -1, length, last label)
    with the log-probabilities of ending in a blank (`p_blank`) and in a label
    (`p_label`); a beam scored LOG_ZERO is empty. Each step makes the candidates (every
    beam kept as it is, every beam extended by every label), folds an extension that
    equals an existing prefix into that prefix, and keeps the best `beam_width`
    candidates by ranking every candidate against every other (there is no top_k op):
    the work per step grows as (beam_width * num_categories) ** 2. The beams stay
    sorted, best first. As TF's decoder did in Keras 2.1.6 (merge_repeated=True),
    repeated labels in a decoded path are merged.
    """
    dtype = log_probs.dtype
    num_classes = log_probs.shape[2]
    blank = num_classes - 1
    labels_count = num_classes - 1
    width = beam_width
    candidates = width + width * labels_count
    batch_zero = expand_dims(zeros_like(log_probs[:, 0, :1]), -1)         # (samples, 1, 1)

    positions = constant(np.arange(time_steps), dtype)                   # (T,)
    label_ids = constant(np.arange(labels_count), dtype)                 # (K,)
    earlier = constant(np.tril(np.ones((candidates, candidates)), -1), "bool")   # [i, j]: j < i
    start_scores = np.full((1, width), LOG_ZERO)
    start_scores[0, 0] = 0.0
    state = {
        "labels": batch_zero + constant(-np.ones((width, time_steps)), dtype),
        "length": batch_zero[:, 0] + constant(np.zeros((1, width)), dtype),
        "last": batch_zero[:, 0] + constant(-np.ones((1, width)), dtype),
        "p_blank": batch_zero[:, 0] + constant(start_scores, dtype),
        "p_label": batch_zero[:, 0] + constant(np.full((1, width), LOG_ZERO), dtype),
    }

    def step(state, log_probs_t, active_t):
        labels, length, last = state["labels"], state["length"], state["last"]
        p_blank, p_label = state["p_blank"], state["p_label"]
        total = _lse(p_blank, p_label)
        valid = M.greater(total, LOG_ZERO / 2)                                       # (samples, W)
        lp_blank = log_probs_t[:, blank:blank + 1]
        lp_labels = log_probs_t[:, :blank]                                           # (samples, K)
        lp_last = RO.sum(cast(one_hot(cast(last, "int32"), num_classes), dtype) * expand_dims(log_probs_t, 1), -1)

        # every beam, unchanged: a blank after it, or its last label repeated
        same_blank = total + lp_blank
        same_label = p_label + lp_last
        # every beam extended by label k (after a blank when k repeats its last label)
        repeats = M.equal(expand_dims(last, -1), label_ids)                          # (samples, W, K)
        extended = (_where(repeats, expand_dims(p_blank, -1), expand_dims(total, -1))
                    + expand_dims(lp_labels, 1))

        # extension (w, k) == prefix of beam v: v is one longer, starts as w and ends in k
        within = M.less(positions, expand_dims(expand_dims(length, 1), -1))        # (samples, 1, W, T)
        agree = RO.all(M.equal(expand_dims(labels, 2), expand_dims(labels, 1)) | ~within, axis=-1)
        one_longer = M.equal(expand_dims(length, 2), expand_dims(length, 1) + 1.0)  # (samples, V, W)
        prefix_match = agree & one_longer & expand_dims(valid, 2) & expand_dims(valid, 1)
        match = expand_dims(prefix_match, -1) & expand_dims(M.equal(expand_dims(last, -1), label_ids), 2)
        extended_v = expand_dims(extended, 1) + zeros_like(cast(match, dtype))     # (samples, V, W, K)
        folded = RO.logsumexp(_where(match, extended_v, LOG_ZERO), axis=(2, 3))
        same_label = _lse(same_label, folded)
        extension_valid = expand_dims(valid, -1) & ~RO.any(match, axis=1)

        flat = width * labels_count
        cand_blank = concatenate([_where(valid, same_blank, LOG_ZERO), _filled_columns(total, LOG_ZERO, flat)],
                                 axis=1)
        cand_label = concatenate([_where(valid, same_label, LOG_ZERO),
                                  reshape(_where(extension_valid, extended, LOG_ZERO), (-1, flat))], axis=1)
        ones_k = zeros_like(extended) + 1.0
        cand_length = concatenate([length, reshape(expand_dims(length, -1) * ones_k + 1.0, (-1, flat))], axis=1)
        cand_last = concatenate([last, reshape(ones_k * label_ids, (-1, flat))], axis=1)
        at_end = cast(M.equal(positions, expand_dims(expand_dims(length, -1), -1)), dtype)   # (samples, W, 1, T)
        grown = expand_dims(labels, 2) + at_end * expand_dims(expand_dims(label_ids + 1.0, -1), 0)
        cand_labels = concatenate([labels, reshape(grown, (-1, flat, time_steps))], axis=1)

        # keep the best `width` candidates, ordered by score (ties: the earlier first)
        score = _lse(cand_blank, cand_label)                                         # (samples, N)
        score_i, score_j = expand_dims(score, 2), expand_dims(score, 1)
        beaten_by = M.greater(score_j, score_i) | (M.equal(score_j, score_i) & earlier)
        rank = RO.sum(cast(beaten_by, "int32"), axis=2)
        select = cast(one_hot(rank, width), dtype)                                   # (samples, N, W)

        def pick(values):
            return RO.sum(select * expand_dims(values, -1), axis=1)

        new_state = {"labels": PO.batch_dot(select, cand_labels, axes=(1, 1)),
                     "length": pick(cand_length), "last": pick(cand_last),
                     "p_blank": pick(cand_blank), "p_label": pick(cand_label)}
        kept = {}
        for key, new in new_state.items():
            on = expand_dims(active_t, -1) if key == "labels" else active_t
            kept[key] = _where(on, new, state[key])
        return kept, None

    active = expand_dims(_time_mask(input_length, time_steps), -1)
    state, _ = _loop(step, state, [permute_dimensions(log_probs, (1, 0, 2)), permute_dimensions(active, (1, 0, 2))])
    decoded = []
    for path in range(top_paths):
        labels = state["labels"][:, path, :]
        previous = concatenate([_filled_columns(labels, -1.0, 1), labels[:, :-1]], axis=1)
        decoded.append(_compact(labels, M.greater_equal(labels, 0.0) & M.not_equal(labels, previous)))
    log_prob = _lse(state["p_blank"], state["p_label"])[:, :top_paths]
    return decoded, log_prob
