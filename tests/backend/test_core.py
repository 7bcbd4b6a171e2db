"""K's core: placeholders, variables, constants, values, updates, printing, name scopes
and K.function (inputs, outputs, errors, learning phase, switch), against numpy and
Keras 2.1.6 (TensorFlow backend) behaviour."""
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keralite import backend as K

SETTINGS = settings(max_examples=20, deadline=None)
FLOATS = st.floats(-1e3, 1e3, allow_nan=False, width=32)


@pytest.fixture(autouse=True)
def fresh_session():
    yield
    K.clear_session()


# ------------------------------------------------------------------ placeholders
def test_placeholder_shape_dtype_name():
    x = K.placeholder(shape=(None, 3, 5), dtype="float64", name="images")
    assert K.int_shape(x) == (None, 3, 5)
    assert K.ndim(x) == 3
    assert K.dtype(x) == "float64"
    assert x.name == "images"
    assert K.is_placeholder(x)
    assert K.is_tensor(x)


def test_placeholder_from_ndim_and_default_dtype():
    x = K.placeholder(ndim=3)
    assert K.int_shape(x) == (None, None, None)
    assert K.dtype(x) == K.floatx()
    assert K.placeholder((2, 7), dtype="int32").dtype == "int32"


def test_is_placeholder_false_for_others():
    assert not K.is_placeholder(K.variable(np.zeros((2, 3))))
    assert not K.is_placeholder(K.placeholder((None, 3)) * 2)
    assert not K.is_placeholder(np.zeros(3))


# ------------------------------------------------------------------ variables
def test_variable_from_numpy():
    value = np.arange(6, dtype=np.float64).reshape(2, 3)
    v = K.variable(value, name="w")
    assert v.name == "w"
    assert K.dtype(v) == "float32"          # dtype=None means floatx, as in Keras
    assert K.int_shape(v) == (2, 3)
    out = K.get_value(v)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, value)
    value[0, 0] = 99                         # the variable holds a copy
    assert K.get_value(v)[0, 0] == 0


def test_variable_from_list_scalar_and_ints():
    assert K.int_shape(K.variable([[1, 2, 3], [4, 5, 6]])) == (2, 3)
    assert K.dtype(K.variable(np.arange(3))) == "float32"
    s = K.variable(2.5)
    assert K.int_shape(s) == ()
    assert K.eval(s) == np.float32(2.5)
    assert np.ndim(K.eval(s)) == 0


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_variable_dtype(dtype):
    value = np.array([[0, 1, 2], [3, 0, 5]])
    v = K.variable(value, dtype=dtype)
    assert K.dtype(v) == dtype
    out = K.get_value(v)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, value.astype(dtype))


def test_variable_from_tensor():
    v = K.variable(K.constant([1.0, 2.0]) * 3)
    np.testing.assert_array_equal(K.get_value(v), [3.0, 6.0])


def test_value_outlives_variable_object():
    # a tensor computed from a variable keeps its value alive, as a TF graph does
    t = K.variable(np.arange(6.0).reshape(2, 3)) * 2
    import gc
    gc.collect()
    np.testing.assert_array_equal(K.eval(t), np.arange(6.0).reshape(2, 3) * 2)
    np.testing.assert_array_equal(K.eval(K.shape(K.variable(np.zeros((2, 3))))), [2, 3])


# ------------------------------------------------------------------ constants
def test_constant():
    c = K.constant([[1, 2, 3], [4, 5, 6]])
    assert K.dtype(c) == "float32"
    np.testing.assert_array_equal(K.eval(c), [[1, 2, 3], [4, 5, 6]])
    c = K.constant(7, dtype="int32", shape=(2, 3))
    out = K.eval(c)
    assert out.dtype == np.int32 and out.shape == (2, 3)
    assert (out == 7).all()
    c = K.constant(np.arange(6), shape=(3, 2), dtype="float64")
    np.testing.assert_array_equal(K.eval(c), np.arange(6.0).reshape(3, 2))
    assert K.eval(K.constant(1.5)) == 1.5


# ------------------------------------------------------------------ predicates
def test_is_keras_tensor():
    x = K.placeholder((None, 3))
    assert K.is_keras_tensor(x) is False
    x._keras_history = (None, 0, 0)
    assert K.is_keras_tensor(x) is True
    for not_a_tensor in (np.zeros(3), [1, 2], 3.0):
        with pytest.raises(ValueError, match="Unexpectedly found an instance of type"):
            K.is_keras_tensor(not_a_tensor)


def test_sparse_and_dense():
    x = K.placeholder((None, 3))
    assert K.is_sparse(x) is False
    assert K.to_dense(x) is x
    v = K.variable(np.ones((2, 3)))
    np.testing.assert_array_equal(K.eval(K.to_dense(v)), np.ones((2, 3)))
    with pytest.raises(NotImplementedError):
        K.placeholder((None, 3), sparse=True)


# ------------------------------------------------------------------ shapes
def test_shape_functions():
    v = K.variable(np.zeros((2, 5, 3)))
    assert K.int_shape(v) == (2, 5, 3)
    assert K.ndim(v) == 3
    assert K.dtype(v) == "float32"
    assert K.get_variable_shape(v) == (2, 5, 3)
    assert K.count_params(v) == 30
    s = K.eval(K.shape(v))
    assert s.dtype == np.int32
    np.testing.assert_array_equal(s, [2, 5, 3])


def test_symbolic_shape_of_placeholder():
    x = K.placeholder((None, 3, 2))
    f = K.function([x], [K.shape(x)])
    np.testing.assert_array_equal(f([np.zeros((4, 3, 2))])[0], [4, 3, 2])


# ------------------------------------------------------------------ constructors
def test_zeros_ones():
    z = K.zeros((2, 3), dtype="int32", name="z")
    assert isinstance(z, K.Variable) and z.name == "z"
    out = K.eval(z)
    assert out.dtype == np.int32 and out.shape == (2, 3) and (out == 0).all()
    o = K.ones((3, 2))
    out = K.eval(o)
    assert out.dtype == np.float32 and out.shape == (3, 2) and (out == 1).all()
    assert K.eval(K.zeros(4)).shape == (4,)


def test_eye():
    np.testing.assert_array_equal(K.eval(K.eye(3)), np.eye(3))
    e = K.eye((2, 4), dtype="float64")
    out = K.eval(e)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.eye(2, 4))
    np.testing.assert_array_equal(K.eval(K.eye((4, 2), dtype="int32")), np.eye(4, 2, dtype=np.int32))


def test_zeros_like_ones_like_identity():
    v = K.variable(np.arange(6.0).reshape(3, 2))
    z = K.eval(K.zeros_like(v))
    assert z.shape == (3, 2) and z.dtype == np.float32 and (z == 0).all()
    o = K.eval(K.ones_like(v, dtype="int64"))
    assert o.shape == (3, 2) and o.dtype == np.int64 and (o == 1).all()
    np.testing.assert_array_equal(K.eval(K.identity(v)), np.arange(6.0).reshape(3, 2))
    x = K.placeholder((None, 3))
    f = K.function([x], [K.zeros_like(x), K.ones_like(x)])
    a, b = f([np.full((2, 3), 5.0)])
    assert a.shape == b.shape == (2, 3) and (a == 0).all() and (b == 1).all()


def test_random_variables():
    u = K.random_uniform_variable((20, 30), -2.0, 3.0, seed=1)
    assert isinstance(u, K.Variable) and K.int_shape(u) == (20, 30)
    value = K.get_value(u)
    assert value.min() >= -2.0 and value.max() < 3.0
    assert value.std() > 0.5
    n = K.random_normal_variable((40, 50), 1.0, 2.0, seed=2, dtype="float64")
    assert K.int_shape(n) == (40, 50) and K.dtype(n) == "float64"
    value = K.get_value(n)
    assert abs(value.mean() - 1.0) < 0.2
    assert abs(value.std() - 2.0) < 0.2


# ------------------------------------------------------------------ cast
CAST_DTYPES = ["float32", "float64", "int32", "int64", "bool"]
CAST_SOURCE = np.array([-7.9, -2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.5, 3.99, 100.7])


def test_cast_all_pairs():
    sources = {d: CAST_SOURCE.astype(d) if d != "bool" else CAST_SOURCE > 0.5 for d in CAST_DTYPES}
    tensors = {d: K.constant(sources[d], dtype=d) for d in CAST_DTYPES}
    pairs = [(a, b) for a in CAST_DTYPES for b in CAST_DTYPES]
    outs = K.function([], [K.cast(tensors[a], b) for a, b in pairs])([])
    for (a, b), out in zip(pairs, outs):
        expected = sources[a].astype(b)     # float -> int truncates toward zero
        assert out.dtype == np.dtype(b), (a, b)
        np.testing.assert_array_equal(out, expected, err_msg=f"cast {a} -> {b}")


def test_cast_placeholder_and_dtype():
    x = K.placeholder((None, 3))
    y = K.cast(x, "int32")
    assert K.dtype(y) == "int32"
    out = K.function([x], [y])([np.array([[1.7, -1.7, 2.0]])])[0]
    np.testing.assert_array_equal(out, [[1, -1, 2]])


# ------------------------------------------------------------------ updates
def test_update_ops_after_one_and_three_calls():
    a = K.variable(np.arange(6.0).reshape(2, 3))
    b = K.variable(np.ones((2, 3)))
    c = K.variable(np.full((2, 3), 10.0))
    m = K.variable(np.zeros((2, 3)))
    x = K.placeholder((2, 3))
    f = K.function([x], [], updates=[K.update(a, x * 2), K.update_add(b, x),
                                     K.update_sub(c, x), K.moving_average_update(m, x, 0.9)])
    feed = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    ref_m = np.zeros((2, 3))
    f([feed])
    ref_m = ref_m * 0.9 + feed * 0.1
    np.testing.assert_allclose(K.get_value(a), feed * 2)
    np.testing.assert_allclose(K.get_value(b), 1 + feed)
    np.testing.assert_allclose(K.get_value(c), 10 - feed)
    np.testing.assert_allclose(K.get_value(m), ref_m, rtol=1e-6)
    f([feed])
    f([feed])
    for _ in range(2):
        ref_m = ref_m * 0.9 + feed * 0.1
    np.testing.assert_allclose(K.get_value(a), feed * 2)
    np.testing.assert_allclose(K.get_value(b), 1 + 3 * feed)
    np.testing.assert_allclose(K.get_value(c), 10 - 3 * feed)
    np.testing.assert_allclose(K.get_value(m), ref_m, rtol=1e-6)


def test_updates_read_old_values():
    a = K.variable([1.0, 2.0])
    b = K.variable([10.0, 20.0])
    swap = K.function([], [], updates=[(a, b), (b, a)])
    swap([])
    np.testing.assert_array_equal(K.get_value(a), [10.0, 20.0])
    np.testing.assert_array_equal(K.get_value(b), [1.0, 2.0])
    # outputs also see the values from before the call's updates
    f = K.function([], [a, b, a + b], updates=[K.update_add(a, b), K.update(b, a)])
    out = f([])
    np.testing.assert_array_equal(out[0], [10.0, 20.0])
    np.testing.assert_array_equal(out[2], [11.0, 22.0])
    np.testing.assert_array_equal(K.get_value(a), [11.0, 22.0])
    np.testing.assert_array_equal(K.get_value(b), [10.0, 20.0])
    out = f([])
    np.testing.assert_array_equal(out[0], [11.0, 22.0])
    np.testing.assert_array_equal(K.get_value(a), [21.0, 42.0])
    np.testing.assert_array_equal(K.get_value(b), [11.0, 22.0])


def test_update_of_int_counter():
    it = K.variable(0, dtype="int64")
    f = K.function([], [it], updates=[K.update_add(it, 1)])
    assert [int(f([])[0]) for _ in range(3)] == [0, 1, 2]
    assert K.get_value(it) == 3


# ------------------------------------------------------------------ get / set value
def test_get_set_value():
    v = K.variable(np.zeros((2, 3)))
    w = K.variable(np.zeros(4), dtype="int32")
    K.set_value(v, np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(K.get_value(v), np.arange(6).reshape(2, 3))
    got = K.get_value(v)
    got[0, 0] = 50                          # a copy, not the buffer
    assert K.get_value(v)[0, 0] == 0
    K.batch_set_value([(v, np.ones((2, 3))), (w, [1, 2, 3, 4])])
    a, b = K.batch_get_value([v, w])
    np.testing.assert_array_equal(a, np.ones((2, 3)))
    assert b.dtype == np.int32
    np.testing.assert_array_equal(b, [1, 2, 3, 4])
    assert K.batch_get_value([]) == []
    # compiled functions see the new value
    f = K.function([], [v * 2])
    K.set_value(v, np.full((2, 3), 3.0))
    np.testing.assert_array_equal(f([])[0], np.full((2, 3), 6.0))


def test_set_value_wrong_shape():
    v = K.variable(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        K.set_value(v, np.zeros((3, 2)))
    with pytest.raises(ValueError):
        K.batch_set_value([(v, np.zeros(6))])
    np.testing.assert_array_equal(K.get_value(v), np.zeros((2, 3)))


# ------------------------------------------------------------------ print_tensor, name_scope
def test_print_tensor(capsys):
    x = K.placeholder((None, 3))
    p = K.print_tensor(x, message="x is: ")
    assert K.int_shape(p) == (None, 3)
    f = K.function([x], [p * 2])
    out = f([np.array([[1.0, 2.0, 3.0]])])[0]
    np.testing.assert_array_equal(out, [[2.0, 4.0, 6.0]])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "x is: " in text and "1. 2. 3." in text
    f([np.array([[7.0, 8.0, 9.0]])])
    captured = capsys.readouterr()
    assert "x is: " in captured.out + captured.err and "7. 8. 9." in captured.out + captured.err
    # a function that does not go through the print node prints nothing
    K.function([x], [x * 2])([np.ones((1, 3))])
    captured = capsys.readouterr()
    assert "x is" not in captured.out + captured.err


def test_print_tensor_gradient_passes():
    v = K.variable(np.array([1.0, 2.0, 3.0]))
    loss = K.sum(K.print_tensor(v, "v=") * 3)
    g = K.gradients(loss, [v])[0]
    np.testing.assert_array_equal(K.eval(g), [3.0, 3.0, 3.0])


def test_name_scope():
    with K.name_scope("block1"):
        v = K.variable(1.0, name="kernel")
        x = K.placeholder((None, 2), name="inp")
        with K.name_scope("inner"):
            w = K.variable(1.0, name="bias")
    assert v.name.startswith("block1/") and "kernel" in v.name
    assert x.name.startswith("block1/")
    assert w.name.startswith("block1/inner/") and "bias" in w.name
    assert not K.variable(1.0, name="free").name.startswith("block1")


# ------------------------------------------------------------------ K.function
SHAPES = [(2, 3), (5, 3), (1, 3), (4, 3)]


@SETTINGS
@given(st.sampled_from(SHAPES), st.data())
def test_function_outputs(shape, data):
    x = K.placeholder((None, 3))
    y = K.placeholder((None, 3))
    f = _passthrough_function(x, y)
    xv = data.draw(hnp.arrays(np.float32, shape, elements=FLOATS))
    yv = data.draw(hnp.arrays(np.float32, shape, elements=FLOATS))
    out = f([xv, yv])
    assert isinstance(out, list) and len(out) == 5
    np.testing.assert_array_equal(out[0], xv - yv)
    np.testing.assert_array_equal(out[1], xv - yv)
    np.testing.assert_array_equal(out[2], xv)           # an input passed straight through
    assert np.isscalar(out[3]) and out[3].dtype == np.float32
    np.testing.assert_allclose(out[3], np.sum(xv, dtype=np.float64), rtol=1e-4, atol=1e-2)
    np.testing.assert_array_equal(out[4], np.ones((2, 3), np.float32))


def _passthrough_function(x, y):
    v = K.variable(np.ones((2, 3)))
    d = x - y
    return K.function([x, y], [d, d, x, K.sum(x), v])


def test_function_no_inputs_and_tuple_io():
    v = K.variable(np.arange(3.0))
    f = K.function((), (v * 2, K.sum(v)))
    out = f(())
    np.testing.assert_array_equal(out[0], [0.0, 2.0, 4.0])
    assert out[1] == 3.0 and np.ndim(out[1]) == 0


def test_function_dict_feed():
    x = K.placeholder((None, 2))
    y = K.placeholder((None, 2))
    f = K.function([x, y], [x * 10 + y])
    out = f({y: np.ones((1, 2)), x: np.full((1, 2), 2.0)})[0]
    np.testing.assert_array_equal(out, [[21.0, 21.0]])


def test_feeding_non_placeholder_tensor():
    x = K.placeholder((None, 3))
    hidden = x * 2 + 1
    out = hidden * 3
    f = K.function([hidden], [out])
    np.testing.assert_array_equal(f([np.full((2, 3), 5.0)])[0], np.full((2, 3), 15.0))
    v = K.variable(np.ones(3))
    g = K.function([v], [v * 2])
    np.testing.assert_array_equal(g([np.array([1.0, 2.0, 3.0])])[0], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(K.get_value(v), np.ones(3))


def test_function_input_errors():
    x = K.placeholder((None, 3))
    y = K.placeholder((None, 3))
    f = K.function([x, y], [x - y])
    with pytest.raises(ValueError):
        f([np.ones((2, 3))])
    with pytest.raises(ValueError):
        f([np.ones((2, 3))] * 3)
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(None, 3\)"):
        f([np.ones((2, 4)), np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"\(2,\).*\(None, 3\)"):
        f([np.ones(2), np.ones((2, 3))])
    with pytest.raises(ValueError):
        f([np.array([["a", "b", "c"]]), np.ones((1, 3))])
    with pytest.raises(ValueError, match="agree"):
        f([np.ones((2, 3)), np.ones((4, 3))])
    with pytest.raises(TypeError):
        f(np.ones((2, 3)))
    with pytest.raises(TypeError):
        K.function(x, [x])
    with pytest.raises(TypeError):
        K.function([x], x)
    with pytest.raises(ValueError):
        K.function([x], [x], bogus_argument=1)


def test_function_missing_placeholder_raises():
    x = K.placeholder((None, 3))
    y = K.placeholder((None, 3))
    with pytest.raises(ValueError, match="placeholder"):
        K.function([x], [x + y])


def test_function_input_dtypes():
    x = K.placeholder((None, 3))
    f = K.function([x], [x * 1])
    out = f([np.array([[1.0, 2.0, 1e-40]], dtype=np.float64)])[0]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([[1.0, 2.0, 1e-40]], dtype=np.float32))
    np.testing.assert_array_equal(f([[[1, 2, 3]]])[0], [[1.0, 2.0, 3.0]])
    # non-contiguous and read-only arrays
    base = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(f([base[:, ::-1][:, :3]])[0], base[:, ::-1][:, :3])
    np.testing.assert_array_equal(f([np.broadcast_to(np.arange(3.0), (2, 3))])[0],
                                  np.broadcast_to(np.arange(3.0), (2, 3)))


def test_nan_inf_propagate_like_numpy():
    x = K.placeholder((None, 4))
    y = K.placeholder((None, 4))
    f = K.function([x, y], [x - y, x * y, K.maximum(x, y), K.exp(x)])
    xv = np.array([[np.nan, np.inf, -np.inf, 1.0]], np.float32)
    yv = np.array([[1.0, np.inf, 2.0, np.nan]], np.float32)
    out = f([xv, yv])
    with np.errstate(all="ignore"):
        expected = [xv - yv, xv * yv, np.maximum(xv, yv), np.exp(xv)]
    for o, e in zip(out, expected):
        np.testing.assert_allclose(o, e, rtol=1e-6)      # nan where numpy has nan, same infs


def test_empty_batch():
    x = K.placeholder((None, 3))
    w = K.variable(np.ones((3, 2)))
    f = K.function([x], [K.dot(x, w), K.sum(x, axis=1), K.sum(x)])
    a, b, c = f([np.zeros((0, 3))])
    assert a.shape == (0, 2) and b.shape == (0,) and c == 0


def test_reshaped_input_sets_batch():
    x = K.placeholder((None, 3))
    flat = K.reshape(x, (-1,))
    f = K.function([flat], [flat * 2])
    np.testing.assert_array_equal(f([np.arange(6.0)])[0], np.arange(6.0) * 2)
    with pytest.raises(ValueError, match="multiple of 3"):
        f([np.arange(7.0)])


def test_eval_reuses_compiled_function():
    t = K.variable(np.arange(6.0).reshape(2, 3)) * 3 + 1
    first = time.perf_counter()
    expected = K.eval(t)
    compile_time = time.perf_counter() - first
    start = time.perf_counter()
    again = K.eval(t)
    elapsed = time.perf_counter() - start
    np.testing.assert_array_equal(again, expected)
    assert elapsed < 0.05, (elapsed, compile_time)


# ------------------------------------------------------------------ learning phase
def test_learning_phase_as_input():
    x = K.placeholder((None, 2))
    y = K.in_train_phase(x * 2, x * 3)
    assert getattr(y, "_uses_learning_phase", False)
    f = K.function([x, K.learning_phase()], [y])
    feed = np.ones((1, 2))
    np.testing.assert_array_equal(f([feed, 1])[0], [[2.0, 2.0]])
    np.testing.assert_array_equal(f([feed, 0])[0], [[3.0, 3.0]])
    np.testing.assert_array_equal(f([feed, True])[0], [[2.0, 2.0]])


def test_learning_phase_unfed_means_test():
    x = K.placeholder((None, 2))
    f = K.function([x], [K.in_train_phase(x * 2, x * 3), K.in_test_phase(x * 4, x * 5)])
    a, b = f([np.ones((1, 2))])
    np.testing.assert_array_equal(a, [[3.0, 3.0]])
    np.testing.assert_array_equal(b, [[4.0, 4.0]])


def test_set_learning_phase_folds():
    K.set_learning_phase(1)
    x = K.placeholder((None, 2))
    y = K.in_train_phase(x * 2, x * 3)
    f = K.function([x], [y])
    np.testing.assert_array_equal(f([np.ones((1, 2))])[0], [[2.0, 2.0]])
    K.set_learning_phase(0)
    z = K.in_train_phase(lambda: x * 2, lambda: x * 3)
    np.testing.assert_array_equal(K.function([x], [z])([np.ones((1, 2))])[0], [[3.0, 3.0]])


def test_in_train_phase_python_and_tensor_flags():
    x = K.placeholder((None, 2))
    assert K.in_train_phase(x * 2, x * 3, training=1) is not None
    a = K.in_train_phase(lambda: x * 2, lambda: x * 3, training=True)
    b = K.in_train_phase(x * 2, x * 3, training=0)
    c = K.in_test_phase(x * 2, x * 3, training=0)
    flag = K.placeholder((), dtype="bool")
    d = K.in_train_phase(x * 2, x * 3, training=flag)
    f = K.function([x, flag], [a, b, c, d])
    feed = np.ones((1, 2))
    out = f([feed, True])
    np.testing.assert_array_equal(np.stack(out), np.array([2.0, 3.0, 2.0, 2.0])[:, None, None] * feed)
    out = f([feed, False])
    np.testing.assert_array_equal(out[3], 3 * feed)


def test_switch():
    x = K.placeholder((None, 3))
    assert K.switch(True, x, x * 2) is x
    assert K.switch(0, lambda: x, lambda: x * 5) is not x
    cond = K.greater(K.sum(x), 0.0)                       # scalar tensor condition
    rows = K.greater(K.sum(x, axis=1), 0.0)               # rank-1: picks rows
    elems = K.greater(x, 0.0)                             # elementwise
    as_int = K.cast(elems, "int32")                       # non-bool condition is cast
    f = K.function([x], [K.switch(cond, x, -x), K.switch(rows, x, x * 10),
                         K.switch(elems, lambda: x, lambda: x * 0), K.switch(as_int, K.ones_like(x), x * 2)])
    xv = np.array([[1.0, -2.0, 3.0], [-4.0, -1.0, 2.0]], np.float32)
    out = f([xv])
    assert xv.sum() < 0
    np.testing.assert_array_equal(out[0], -xv)
    np.testing.assert_array_equal(out[1], np.where(xv.sum(1, keepdims=True) > 0, xv, xv * 10))
    np.testing.assert_array_equal(out[2], np.where(xv > 0, xv, 0))
    np.testing.assert_array_equal(out[3], np.where(xv > 0, 1.0, xv * 2))
    np.testing.assert_array_equal(f([-xv])[0], -xv)
    with pytest.raises(ValueError, match="Rank of `condition`"):
        K.switch(elems, K.sum(x, axis=1), K.sum(x, axis=1))


def test_unused_input_and_many_batch_sizes():
    x = K.placeholder((None, 3))
    unused = K.placeholder((None, 2))
    w = K.variable(np.arange(12.0).reshape(3, 4))
    f = K.function([x, unused], [K.tanh(K.dot(x, w)) * 2])
    rng = np.random.default_rng(0)
    # more distinct batch sizes than the executable keeps prepared, then earlier ones again
    for n in list(range(1, 21)) + [3, 1]:
        xv = rng.standard_normal((n, 3)).astype(np.float32)
        out = f([xv, np.zeros((n + 1, 2))])[0]
        assert out.shape == (n, 4)
        np.testing.assert_allclose(out, np.tanh(xv @ np.arange(12.0).reshape(3, 4)) * 2, rtol=2e-5, atol=1e-6)


def test_function_called_from_threads():
    from thread_helpers import run_on_threads
    x = K.placeholder((None, 20))
    w = K.variable(np.random.default_rng(1).standard_normal((20, 7)))
    f = K.function([x], [K.sigmoid(K.dot(x, w))])
    feeds = [np.random.default_rng(k).standard_normal((k + 2, 20)) for k in range(4)]
    expected = [f([a])[0] for a in feeds]

    def run(k):
        for _ in range(30):
            np.testing.assert_array_equal(f([feeds[k]])[0], expected[k])
    run_on_threads(run, 4)


def test_print_tensor_under_eval(capsys):
    v = K.variable(np.array([4.0, 5.0]))
    K.eval(K.print_tensor(v * 2, message="doubled: "))
    captured = capsys.readouterr()
    assert "doubled: [ 8. 10.]" in captured.out + captured.err


def test_function_reports_its_arena():
    """arena_bytes: 0 before a call, then the arena of the largest batch called with,
    which grows with the batch (it holds at least the (n,) partial sums)."""
    x = K.placeholder((None, 300))
    f = K.function([x], [K.sum(K.exp(x) * K.sin(x), axis=1) + K.sum(K.square(x) * K.cos(x), axis=1)])
    assert f.arena_bytes() == 0
    f([np.ones((4, 300), "float32")])
    small = f.arena_bytes()
    f([np.ones((400, 300), "float32")])
    assert f.arena_bytes() > small and f.arena_bytes() >= 400 * 4


def test_variable_over_a_callers_buffer():
    from keralite.backend.variables import variable_over
    flat = np.zeros(10, "float32")
    first, second = variable_over(flat[:4].reshape(2, 2)), variable_over(flat[4:], name="tail")
    assert second.name == "tail" and K.int_shape(first) == (2, 2)
    K.function([], [], updates=[(first, first + 1.0), (second, second + 2.0)])([])
    np.testing.assert_array_equal(flat, [1, 1, 1, 1, 2, 2, 2, 2, 2, 2])   # written in place
    flat[:] = 5.0
    np.testing.assert_array_equal(K.eval(first), [[5, 5], [5, 5]])
    with pytest.raises(ValueError, match="C-contiguous"):
        variable_over(np.zeros((4, 4), "float32")[:, :2])
    with pytest.raises(ValueError, match="bool"):
        variable_over(np.zeros(3, bool))
