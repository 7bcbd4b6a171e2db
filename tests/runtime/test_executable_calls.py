"""Calls of a compiled function: a call whose inputs have the shapes and dtypes of the
previous one skips binding and solving sizes (through the repeat path in Python, or in
C once built: both are tested); anything else takes the checked path, so conversions and
errors are the same whatever came before."""
import numpy as np
import pytest

from keralite import backend as K
from keralite.runtime import call_path


@pytest.fixture(params=["python", "c"])
def repeat_path(request, monkeypatch):
    """Which repeat path the functions made in the test use."""
    if request.param == "python":
        monkeypatch.setattr(call_path, "repeat_call_type", lambda on_built=None: None)
        return None
    try:
        native = call_path._build_and_load(build=True)
    except RuntimeError as e:      # no C compiler or no Python headers on this machine
        pytest.skip(f"the C call path cannot be built here: {e}")
    monkeypatch.setattr(call_path, "repeat_call_type", lambda on_built=None: native)
    return native


def _uses(f, path):
    """Whether f's repeat path is the one the fixture chose."""
    repeat = f._executable._repeat_call
    return isinstance(repeat, path) if path is not None else callable(repeat) and repeat.__name__ == "repeat"


def _function():
    x = K.placeholder((None, 3))
    y = K.placeholder((None, 3))
    return K.function([x, y], [x * 2.0 + y, K.sum(x, axis=1)])


def test_repeated_and_changing_shapes_give_the_same_numbers(repeat_path):
    f = _function()
    rng = np.random.RandomState(0)
    for rows in (4, 4, 7, 4, 1, 1, 7):
        a, b = rng.randn(rows, 3).astype("float32"), rng.randn(rows, 3).astype("float32")
        out, total = f([a, b])
        np.testing.assert_allclose(out, a * 2 + b, rtol=1e-6)
        np.testing.assert_allclose(total, a.sum(axis=1), rtol=1e-5)
    assert _uses(f, repeat_path)


def test_after_a_repeat_other_inputs_are_still_converted_or_refused(repeat_path):
    f = _function()
    a = np.ones((4, 3), "float32")
    f([a, a])
    f([a, a])
    assert _uses(f, repeat_path)
    wide = np.arange(12, dtype="float64").reshape(4, 3)          # converted, not reinterpreted
    np.testing.assert_allclose(f([wide, a])[0], wide * 2 + 1)
    strided = np.arange(24, dtype="float32").reshape(4, 6)[:, ::2]    # made contiguous
    np.testing.assert_allclose(f([strided, a])[0], strided * 2 + 1)
    np.testing.assert_allclose(f([a.tolist(), a])[0], a * 2 + 1)
    with pytest.raises(ValueError, match="shape"):
        f([np.ones((4, 2), "float32"), a])
    with pytest.raises(ValueError):
        f([np.ones((4, 3), "float32"), np.ones((5, 3), "float32")])
    np.testing.assert_allclose(f([a, a])[0], a * 3)


def test_a_big_arena_is_mapped_and_gives_the_same_numbers():
    from keralite.runtime.executable import POPULATED_ARENA
    x = K.placeholder((None, 1024))
    # the softmax's intermediates live in the arena, past the mapping threshold
    f = K.function([x], [K.sum(K.softmax(x) * x, axis=1)])
    rows = POPULATED_ARENA // (4 * 1024) + 64
    xv = np.random.RandomState(1).randn(rows, 1024).astype("float32")
    e = np.exp(xv - xv.max(axis=1, keepdims=True))
    np.testing.assert_allclose(f([xv])[0], ((e / e.sum(axis=1, keepdims=True)) * xv).sum(axis=1), rtol=1e-4)
    assert f.arena_bytes() >= POPULATED_ARENA
    np.testing.assert_allclose(f([xv[:3]])[0], ((e[:3] / e[:3].sum(axis=1, keepdims=True)) * xv[:3]).sum(axis=1),
                               rtol=1e-4)


def test_a_big_arena_is_aligned_zeroed_and_sized():
    from keralite.runtime.executable import POPULATED_ARENA, _arena
    for size in (POPULATED_ARENA, POPULATED_ARENA + 12345):
        arena = _arena(size)
        assert arena.size == size and arena.ctypes.data % 64 == 0
        assert not arena.any()
        arena[-1] = 7      # writable to its last byte


def test_repeat_path_notes_writes(repeat_path):
    from keralite.runtime.executable import write_counts
    x = K.placeholder((None, 2))
    v = K.variable(np.zeros((2,), "float32"))
    f = K.function([x], [x + v], updates=[(v, v + 1.0)])
    a = np.ones((3, 2), "float32")
    buffer = v.value       # the runtime-owned array the update writes
    before = write_counts([buffer])[0]
    for step in range(3):          # the first call takes the checked path, the rest repeat it
        np.testing.assert_allclose(f([a])[0], a + step)
    assert write_counts([buffer])[0] == before + 3 and _uses(f, repeat_path)
    np.testing.assert_allclose(K.get_value(v), [3.0, 3.0])


def test_repeat_path_returns_bool_outputs_as_bool(repeat_path):
    x = K.placeholder((None, 2))
    f = K.function([x], [K.greater(x, 0.5)])
    a = np.array([[0.0, 1.0]], "float32")
    for _ in range(2):
        out = f([a])[0]
        assert out.dtype == np.bool_
        np.testing.assert_array_equal(out, [[False, True]])
    assert _uses(f, repeat_path)


def test_a_failing_repeated_call_raises_the_graphs_message(repeat_path):
    table = K.variable(np.arange(6, dtype="float32").reshape(3, 2))
    i = K.placeholder((None,), dtype="int32")
    f = K.function([i], [K.gather(table, i)])
    good = np.array([0, 2], "int32")
    np.testing.assert_allclose(f([good])[0], [[0, 1], [4, 5]])
    assert _uses(f, repeat_path)
    with pytest.raises(ValueError, match="index out of range"):
        f([np.array([0, 7], "int32")])
    np.testing.assert_allclose(f([good])[0], [[0, 1], [4, 5]])
