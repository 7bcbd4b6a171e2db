"""The cyclic garbage collector is off while a graph compiles and back as it was after,
also when the compile fails, and when compiles nest or run on two threads."""
import gc

import numpy as np
import pytest

from keralite import backend as K
from keralite.compiler import collection
from thread_helpers import run_on_threads


def test_collection_is_paused_inside_and_restored_after():
    assert gc.isenabled()
    with collection.collection_paused():
        assert not gc.isenabled()
        with collection.collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_program_stays_off():
    gc.disable()
    try:
        with collection.collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failed_compile_restores_the_collector():
    x = K.placeholder((None, 3))
    with pytest.raises(Exception):
        K.function([x], [K.dot(x, K.placeholder((4, 2)))])
    assert gc.isenabled()


def test_compiles_on_two_threads_leave_the_collector_on():
    def compile_one(k):
        x = K.placeholder((None, 3))
        f = K.function([x], [x * float(k + 2)])
        np.testing.assert_allclose(f([np.ones((2, 3), "float32")])[0], k + 2)
    run_on_threads(compile_one, 2)
    assert gc.isenabled()
