"""The repeat-call path in C (csrc/python/call_path.c): once built, a call with inputs
like the last ones goes through it and gives what the checked path gives; anything
else falls back. (Errors, variable writes and bool outputs through both repeat paths:
test_executable_calls.py.)"""
import threading

import numpy as np
import pytest

from keralite import backend as K
from keralite.runtime import call_path
from thread_helpers import run_on_threads


@pytest.fixture(scope="module")
def native():
    try:
        built = call_path._build_and_load(build=True)
    except RuntimeError as e:      # no C compiler or no Python headers on this machine
        pytest.skip(f"the C call path cannot be built here: {e}")
    call_path.repeat_call_type()
    call_path.wait_until_built()
    if call_path.repeat_call_type() is None:
        pytest.skip("the C call path is switched off (KERALITE_C_CALL_PATH)")
    return built


def _repeat(f):
    return f._executable._repeat_call


def test_repeated_calls_go_through_c_and_match(native):
    x, y = K.placeholder((None, 3)), K.placeholder((None, 3))
    f = K.function([x, y], [x * 2.0 + y, K.sum(x, axis=1)])
    rng = np.random.RandomState(0)
    a, b = rng.rand(4, 3).astype("float32"), rng.rand(4, 3).astype("float32")
    f([a, b])
    assert isinstance(_repeat(f), native)
    for _ in range(3):
        a, b = rng.rand(4, 3).astype("float32"), rng.rand(4, 3).astype("float32")
        out, total = f([a, b])
        np.testing.assert_allclose(out, a * 2 + b, rtol=1e-6)
        np.testing.assert_allclose(total, a.sum(axis=1), rtol=1e-6)


@pytest.mark.parametrize("other", [
    lambda a: a[:2],                                  # another shape
    lambda a: a.astype("float64"),                    # another dtype (converted)
    lambda a: np.asfortranarray(np.tile(a, (1, 1))),  # not C-contiguous
    lambda a: a.tolist(),                             # not an array
    lambda a: np.ma.masked_array(a),                  # a subclass
])
def test_other_inputs_fall_back_to_the_checked_path(native, other):
    x = K.placeholder((None, 3))
    f = K.function([x], [x + 1.0])
    a = np.arange(12, dtype="float32").reshape(4, 3)
    f([a])
    assert isinstance(_repeat(f), native)
    b = other(a)
    np.testing.assert_allclose(np.asarray(f([b])[0]), np.asarray(b, dtype="float64") + 1.0, rtol=1e-6)
    np.testing.assert_allclose(f([a])[0], a + 1.0)
    with pytest.raises(ValueError, match="shape"):
        f([np.ones((4, 2), "float32")])
    with pytest.raises(ValueError, match="inputs"):
        f([a, a])


def test_threads_calling_one_function(native):
    x = K.placeholder((None, 64))
    w = K.variable(np.random.RandomState(1).rand(64, 64).astype("float32"))
    f = K.function([x], [K.dot(x, w)])
    data = [np.random.RandomState(k).rand(8, 64).astype("float32") for k in range(4)]
    f([data[0]])
    want = [d @ K.get_value(w) for d in data]

    def work(k):
        for _ in range(200):
            np.testing.assert_allclose(f([data[k]])[0], want[k], rtol=1e-5)
    run_on_threads(work, 4)
    assert isinstance(_repeat(f), native)


def test_the_type_refuses_bad_arguments(native):
    with pytest.raises((TypeError, ValueError)):
        native(0, 0, 0, (), (), np.ndarray, np.empty, threading.Lock(), None, False, None)
    with pytest.raises(TypeError):
        native(1, 1, 0, ((1,),), (), np.ndarray, np.empty, threading.Lock(), None, False, None)
