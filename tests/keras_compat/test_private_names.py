"""Names Keras 2.1.6's own tests and third-party Keras code import although the docs
never list them: they exist at Keras' paths and behave as Keras' do."""
import numpy as np
import pytest

from keralite import backend as K
from keralite import losses
from keralite.layers import Dense, Input


def test_engine_level_names():
    from keralite.engine import get_source_inputs
    from keralite.engine.topology import (get_source_inputs as topology_get_source_inputs,
                                          preprocess_weights_for_loading, load_weights_from_hdf5_group,
                                          load_weights_from_hdf5_group_by_name)
    assert get_source_inputs is topology_get_source_inputs
    assert callable(preprocess_weights_for_loading)
    assert callable(load_weights_from_hdf5_group) and callable(load_weights_from_hdf5_group_by_name)
    a = Input((3,))
    b = Input((2,))
    hidden = Dense(4)(a)
    out = Dense(1)(hidden)
    assert get_source_inputs(out) == [a]
    assert get_source_inputs(hidden) == [a]
    from keralite.layers import Concatenate
    both = Concatenate()([Dense(2)(a), b])
    sources = get_source_inputs(both)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b


def test_make_batches_and_slice_arrays():
    from keralite.engine.training import _make_batches, _slice_arrays
    assert _make_batches(10, 3) == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert _make_batches(6, 3) == [(0, 3), (3, 6)]
    x = np.arange(30).reshape(10, 3)
    np.testing.assert_array_equal(_slice_arrays(x, 2, 5), x[2:5])
    np.testing.assert_array_equal(_slice_arrays(x, stop=2), x[:2])
    sliced = _slice_arrays([x, None, x], np.array([4, 1]))
    assert sliced[1] is None
    np.testing.assert_array_equal(sliced[0], x[[4, 1]])
    assert _slice_arrays(None) == [None]
    assert _slice_arrays([None], 0, 1) == [None]


def test_check_array_lengths_counts_missing_arrays_as_empty():
    from keralite.engine.training import _check_array_lengths
    a_np = np.random.random((4, 3, 3))
    b_np = np.random.random((3, 4))
    _check_array_lengths(None, None, None)
    _check_array_lengths(a_np, a_np, a_np)
    _check_array_lengths([a_np, a_np], [a_np, a_np], [a_np, a_np])
    _check_array_lengths([None], [None], [None])
    for inputs, targets, weights in [(a_np, None, None), (a_np, a_np, None), ([a_np], [None], None),
                                     ([a_np], [b_np], None), ([a_np], None, [b_np])]:
        with pytest.raises(ValueError):
            _check_array_lengths(inputs, targets, weights)


def test_check_loss_and_target_compatibility():
    from keralite.engine.training import _check_loss_and_target_compatibility
    a = np.random.random((2, 3))
    _check_loss_and_target_compatibility([a], [losses.categorical_crossentropy], [a.shape])
    with pytest.raises(ValueError, match="expects targets to be binary matrices"):
        b = np.random.random((2, 1))
        _check_loss_and_target_compatibility([b], [losses.categorical_crossentropy], [b.shape])
    with pytest.raises(ValueError, match="expects targets to have the same shape"):
        _check_loss_and_target_compatibility([a], [losses.mean_squared_error], [(2, 4)])
    # a loss outside the key losses is not checked
    _check_loss_and_target_compatibility([a], [losses.mean_absolute_error], [(2, 4)])


def test_weighted_masked_objective_applies_weights_and_mask():
    from keralite.engine.training import _weighted_masked_objective
    weighted = _weighted_masked_objective(losses.mean_absolute_error)
    y_true = K.placeholder((None, 2))
    y_pred = K.placeholder((None, 2))
    weights = K.placeholder((None,))
    mask = K.placeholder((None,))
    fn = K.function([y_true, y_pred, weights, mask], [weighted(y_true, y_pred, weights, mask)])
    t = np.array([[0, 0], [1, 1], [2, 2]], dtype="float32")
    p = np.array([[1, 1], [1, 3], [0, 2]], dtype="float32")
    w = np.array([1, 2, 0], dtype="float32")
    m = np.array([1, 1, 0], dtype="float32")
    per_sample = np.abs(t - p).mean(axis=1) * m / m.mean() * w / (w != 0).mean()
    np.testing.assert_allclose(fn([t, p, w, m])[0], per_sample.mean(), rtol=1e-6)
    assert _weighted_masked_objective(None) is None


def test_standardize_input_data_and_check_num_samples():
    from keralite.engine.training import _standardize_input_data, _check_num_samples
    data = _standardize_input_data(np.zeros((5,)), ["x"], [(None, 1)])
    assert data[0].shape == (5, 1)
    with pytest.raises(ValueError, match="expected x to have shape"):
        _standardize_input_data(np.zeros((5, 3)), ["x"], [(None, 4)], exception_prefix="input")
    with pytest.raises(ValueError, match='No data provided for "y"'):
        _standardize_input_data({"x": np.zeros((5, 3))}, ["x", "y"])
    assert _check_num_samples([np.zeros((7, 2))]) == 7
    assert _check_num_samples([np.zeros((7, 2))], steps=3) is None
    with pytest.raises(ValueError, match="the `batch_size` must be None"):
        _check_num_samples([np.zeros((7, 2))], batch_size=2, steps=3)
    with pytest.raises(ValueError, match="should be specified"):
        _check_num_samples([None])


def test_standardize_weights_helpers():
    from keralite.engine.training import (_standardize_weights, _standardize_sample_weights,
                                          _standardize_class_weights, _collect_metrics, _batch_shuffle)
    y = np.array([[0, 1], [1, 0], [0, 1]])
    np.testing.assert_array_equal(_standardize_weights(y, class_weight={0: 2.0, 1: 0.5}), [0.5, 2.0, 0.5])
    assert _standardize_sample_weights(None, ["a", "b"]) == [None, None]
    assert _standardize_class_weights({"b": {0: 1}}, ["a", "b"]) == [None, {0: 1}]
    assert _collect_metrics(["acc"], ["a", "b"]) == [["acc"], ["acc"]]
    shuffled = _batch_shuffle(np.arange(10), 4)
    assert sorted(shuffled.tolist()) == list(range(10))
    assert shuffled[8:].tolist() == [8, 9]


def test_test_utils_and_keras_shape():
    from keralite.utils.test_utils import layer_test, keras_test, get_test_data
    (x_train, y_train), (x_test, y_test) = get_test_data(num_train=6, num_test=4, input_shape=(3,))
    assert x_train.shape == (6, 3) and x_test.shape == (4, 3) and y_train.shape == (6,)
    out = keras_test(lambda: layer_test(Dense, kwargs={"units": 2}, input_shape=(3, 4)))()
    assert out.shape == (3, 2)
    assert K.placeholder((None, 4))._keras_shape == (None, 4)
    assert Dense(5)(Input((3,)))._keras_shape == (None, 5)
