"""K.map_fn / foldl / foldr and the CTC functions against numpy references.

The CTC references enumerate every alignment of a tiny input (classes ** time paths),
collapse each one (repeats merged, blanks dropped; the blank is the last class) and sum
the probabilities per labelling, so they share nothing with the forward recursion and
the beam search under test.
"""
import itertools

import numpy as np
import pytest

from keralite import backend as K

EPS = 1e-7


# ------------------------------------------------------------------ helpers
def numeric_gradient(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


# ------------------------------------------------------------------ map_fn, foldl, foldr
def test_map_fn_matches_numpy():
    x = np.random.RandomState(0).randn(4, 3, 2).astype("float32")
    holder = K.placeholder((4, None, 2))
    out = K.map_fn(lambda row: K.sum(row * row, axis=1) + 1.0, holder)
    got = K.function([holder], [out])([x])[0]
    np.testing.assert_allclose(got, (x * x).sum(axis=2) + 1.0, rtol=1e-6)


def test_map_fn_casts_to_dtype_and_takes_arrays():
    out = K.map_fn(lambda v: v * 3.0, np.arange(5, dtype="float32"), dtype="float64")
    assert K.dtype(out) == "float64"
    np.testing.assert_allclose(K.eval(out), np.arange(5) * 3.0)


def test_foldl_and_foldr_order():
    x = np.random.RandomState(1).randn(5, 3)
    holder = K.placeholder((5, 3), dtype="float64")

    def combine(acc, v):
        return acc * 0.5 + v

    left = K.foldl(combine, holder)
    right = K.foldr(combine, holder)
    left_init = K.foldl(combine, holder, initializer=K.constant(np.ones(3), "float64"))
    right_init = K.foldr(combine, holder, initializer=K.constant(np.ones(3), "float64"))
    got = K.function([holder], [left, right, left_init, right_init])([x])

    def reference(rows, acc):
        for v in rows:
            acc = acc * 0.5 + v
        return acc

    np.testing.assert_allclose(got[0], reference(x[1:], x[0]), rtol=1e-12)
    np.testing.assert_allclose(got[1], reference(x[::-1][1:], x[-1]), rtol=1e-12)
    np.testing.assert_allclose(got[2], reference(x, np.ones(3)), rtol=1e-12)
    np.testing.assert_allclose(got[3], reference(x[::-1], np.ones(3)), rtol=1e-12)


def test_foldl_gradient_by_finite_differences():
    x = np.random.RandomState(2).uniform(0.5, 1.5, (4, 3))
    holder = K.placeholder((4, 3), dtype="float64")
    out = K.foldl(lambda acc, v: acc * v + K.sin(v), holder)
    weights = np.array([0.7, 1.3, -0.4])
    loss = K.sum(out * K.constant(weights, "float64"))
    f = K.function([holder], [loss, K.gradients(loss, [holder])[0]])

    def reference(a):
        acc = a[0]
        for v in a[1:]:
            acc = acc * v + np.sin(v)
        return (acc * weights).sum()

    np.testing.assert_allclose(f([x])[0], reference(x), rtol=1e-12)
    np.testing.assert_allclose(f([x])[1], numeric_gradient(reference, x), rtol=1e-6, atol=1e-8)


def test_a_first_dim_known_only_at_run_time_is_one_loop_for_any_length():
    holder = K.placeholder((None, 3))
    mapped = K.map_fn(lambda v: v * 2.0 + 1.0, holder)
    left = K.foldl(lambda a, v: a * 0.5 + v, holder, initializer=K.zeros((3,)))
    right = K.foldr(lambda a, v: a * 0.5 + v, holder, initializer=K.zeros((3,)))
    f = K.function([holder], [mapped, left, right])
    for n in (4, 1, 0):
        x = np.random.RandomState(n).randn(n, 3).astype("float32")
        got_map, got_left, got_right = f([x])
        want_left, want_right = np.zeros(3), np.zeros(3)
        for row in x:
            want_left = want_left * 0.5 + row
        for row in x[::-1]:
            want_right = want_right * 0.5 + row
        np.testing.assert_allclose(got_map, x * 2 + 1, rtol=1e-6)
        np.testing.assert_allclose(got_left, want_left, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_right, want_right, rtol=1e-5, atol=1e-6)


def test_fold_without_initializer_needs_a_known_first_dim():
    holder = K.placeholder((None, 3))
    for call in (lambda: K.foldl(lambda a, v: a + v, holder), lambda: K.foldr(lambda a, v: a + v, holder)):
        with pytest.raises(ValueError, match="first dimension of `elems`.*must be known"):
            call()


# ------------------------------------------------------------------ CTC references
def collapse(path, blank):
    out = []
    previous = None
    for c in path:
        if c != previous and c != blank:
            out.append(c)
        previous = c
    return tuple(out)


def labelling_probabilities(probs):
    """{labelling: probability} over every alignment of probs (time, classes)."""
    time_steps, classes = probs.shape
    totals = {}
    for path in itertools.product(range(classes), repeat=time_steps):
        p = np.prod([probs[t, c] for t, c in enumerate(path)])
        key = collapse(path, classes - 1)
        totals[key] = totals.get(key, 0.0) + p
    return totals


def normalised(y):
    """What TF's CTC ops see: softmax(log(y + epsilon))."""
    z = y + EPS
    return z / z.sum(axis=-1, keepdims=True)


def reference_ctc_loss(y_pred, labels, input_length, label_length):
    out = []
    for b in range(len(y_pred)):
        probs = normalised(y_pred[b, :input_length[b]])
        target = tuple(int(v) for v in labels[b, :label_length[b]])
        out.append([-np.log(labelling_probabilities(probs).get(target, 0.0))])
    return np.array(out)


def random_softmax(rng, shape):
    z = np.exp(rng.randn(*shape) * 1.5)
    return z / z.sum(axis=-1, keepdims=True)


def ctc_case(dtype="float32"):
    rng = np.random.RandomState(3)
    y_pred = random_softmax(rng, (3, 5, 4)).astype(dtype)
    labels = np.array([[0, 1, 1], [2, 2, -1], [1, -1, -1]], dtype="float32")
    input_length = np.array([[5], [4], [5]], dtype="float32")
    label_length = np.array([[3], [2], [1]], dtype="float32")
    return y_pred, labels, input_length, label_length


# ------------------------------------------------------------------ ctc_batch_cost
def test_ctc_batch_cost_matches_brute_force():
    y_pred, labels, input_length, label_length = ctc_case()
    holders = [K.placeholder((None, 3)), K.placeholder((None, 5, 4)), K.placeholder((None, 1)),
               K.placeholder((None, 1))]
    loss = K.ctc_batch_cost(*holders)
    assert K.int_shape(loss) == (None, 1)
    got = K.function(holders, [loss])([labels, y_pred, input_length, label_length])[0]
    expected = reference_ctc_loss(y_pred.astype("float64"), labels, input_length[:, 0].astype(int),
                                  label_length[:, 0].astype(int))
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_ctc_batch_cost_gradient_by_finite_differences():
    y_pred, labels, input_length, label_length = ctc_case("float64")
    y_pred, labels = y_pred[:2, :4, :3], np.array([[0, 1], [1, 1]], "float64")
    input_length, label_length = np.array([[4], [4]]), np.array([[2], [2]])
    holder = K.placeholder((2, 4, 3), dtype="float64")
    loss = K.sum(K.ctc_batch_cost(K.constant(labels, "float64"), holder, K.constant(input_length, "int32"),
                                  K.constant(label_length, "int32")))
    f = K.function([holder], [loss, K.gradients(loss, [holder])[0]])

    def reference(y):
        return reference_ctc_loss(y, labels, [4, 4], [2, 2]).sum()

    value, grad = f([y_pred])
    np.testing.assert_allclose(value, reference(y_pred), rtol=1e-10)
    np.testing.assert_allclose(grad, numeric_gradient(reference, y_pred), rtol=1e-5, atol=1e-7)


def test_ctc_batch_cost_needs_a_static_time_axis():
    with pytest.raises(ValueError, match="axis 1 of `y_pred`"):
        K.ctc_batch_cost(K.placeholder((None, 2)), K.placeholder((None, None, 4)),
                         K.placeholder((None, 1)), K.placeholder((None, 1)))


def test_ctc_label_dense_to_sparse_is_a_dense_stand_in():
    labels = np.array([[3, 1, 2], [4, 4, 0]], "int32")
    out = K.eval(K.ctc_label_dense_to_sparse(K.constant(labels, "int32"), K.constant([2, 3], "int32")))
    np.testing.assert_array_equal(out, [[3, 1, -1], [4, 4, 0]])


# ------------------------------------------------------------------ ctc_decode
def reference_greedy(y_pred, input_length):
    decoded, log_probs = [], []
    blank = y_pred.shape[2] - 1
    for b in range(len(y_pred)):
        logits = np.log(y_pred[b, :input_length[b]] + EPS)
        best = logits.argmax(axis=1)
        decoded.append(collapse(best, blank))
        log_probs.append([-logits.max(axis=1).sum()])
    return decoded, np.array(log_probs)


def padded(sequences, width):
    out = -np.ones((len(sequences), width), np.int64)
    for i, s in enumerate(sequences):
        out[i, :len(s)] = s
    return out


def test_ctc_decode_greedy():
    rng = np.random.RandomState(4)
    y_pred = random_softmax(rng, (3, 6, 4)).astype("float32")
    y_pred[0, 1:3, 2] = 5.0      # a repeated best class, merged
    y_pred[1, :, 3] = 5.0        # all blanks: an empty decoding
    input_length = np.array([6, 6, 4], "int32")
    holder, lengths = K.placeholder((None, 6, 4)), K.placeholder((None,), dtype="int32")
    decoded, log_prob = K.ctc_decode(holder, lengths)
    assert len(decoded) == 1
    got = K.function([holder, lengths], [decoded[0], log_prob])([y_pred, input_length])
    sequences, expected_log_prob = reference_greedy(y_pred.astype("float64"), input_length)
    assert got[0].dtype == np.int64
    np.testing.assert_array_equal(got[0], padded(sequences, 6))
    np.testing.assert_allclose(got[1], expected_log_prob, rtol=1e-5)


def test_ctc_decode_beam_search_with_a_wide_beam_is_exact():
    # 2 labels and 4 steps make at most 31 prefixes: a beam of 32 keeps them all, so the
    # beam search must find the most probable labellings of the brute force.
    rng = np.random.RandomState(5)
    y_pred = random_softmax(rng, (2, 4, 3))
    input_length = np.array([4, 3], "int32")
    holder, lengths = K.placeholder((None, 4, 3), dtype="float64"), K.placeholder((None,), dtype="int32")
    decoded, log_prob = K.ctc_decode(holder, lengths, greedy=False, beam_width=32, top_paths=3)
    got = K.function([holder, lengths], decoded + [log_prob])([y_pred, input_length])
    for b in range(2):
        totals = labelling_probabilities(normalised(y_pred[b, :input_length[b]]))
        best = sorted(totals.items(), key=lambda item: -item[1])[:3]
        np.testing.assert_allclose(got[3][b], [np.log(p) for _, p in best], rtol=1e-9)
        for path, (labelling, _) in enumerate(best):
            # Keras 2.1.6's beam search (TF's merge_repeated=True) merges repeated labels
            merged = collapse(labelling, -1)
            np.testing.assert_array_equal(got[path][b], padded([merged], 4)[0])


def test_ctc_decode_narrow_beam_finds_a_clear_best_path():
    y_pred = np.full((1, 5, 4), 0.05)
    for t, c in enumerate([0, 3, 1, 1, 3]):
        y_pred[0, t, c] = 0.85
    decoded, log_prob = K.ctc_decode(K.constant(y_pred, "float64"), K.constant([5], "int32"),
                                     greedy=False, beam_width=2)
    np.testing.assert_array_equal(K.eval(decoded[0]), [[0, 1, -1, -1, -1]])
    exact = labelling_probabilities(normalised(y_pred[0]))[(0, 1)]
    assert K.eval(log_prob)[0, 0] <= np.log(exact) + 1e-9


def test_ctc_decode_checks_top_paths():
    with pytest.raises(ValueError, match="top_paths"):
        K.ctc_decode(K.placeholder((None, 3, 2)), K.placeholder((None,)), greedy=False, beam_width=2,
                     top_paths=3)


def test_ctc_batch_cost_trains_a_model():
    # image_ocr style: the loss is computed by a Lambda layer and the model's loss passes it on
    from keralite.layers import Dense, Input, Lambda, TimeDistributed
    from keralite.models import Model
    rng = np.random.RandomState(6)
    features = rng.randn(4, 6, 3).astype("float32")
    labels = np.array([[0, 1], [1, 1], [2, 0], [0, -1]], "float32")
    label_length = np.array([[2], [2], [2], [1]], "float32")
    input_length = np.full((4, 1), 6, "float32")
    inputs = Input((6, 3))
    probs = TimeDistributed(Dense(4, activation="softmax"))(inputs)
    y_true, in_len, lab_len = Input((2,)), Input((1,)), Input((1,))
    loss = Lambda(lambda args: K.ctc_batch_cost(*args), output_shape=(1,))([y_true, probs, in_len, lab_len])
    model = Model([inputs, y_true, in_len, lab_len], loss)
    model.compile("adam", loss=lambda _, y_pred: y_pred)
    batch = [features, labels, input_length, label_length]
    first = model.train_on_batch(batch, np.zeros((4, 1)))
    for _ in range(30):
        last = model.train_on_batch(batch, np.zeros((4, 1)))
    assert np.isfinite(last) and last < first
