"""Variables frozen into constants (what an export does with its weights): the same
numbers, what is computed from weights alone folded at build time, updated variables
kept."""
import numpy as np

from keralite import backend as K
from keralite.backend.execution import build_graph, variable_buffers
from keralite.compiler import driver
from keralite.compiler.passes.freeze import freeze_variables
from keralite.runtime.executable import Executable

RNG = np.random.RandomState(7)


def run(graph, inputs):
    compiled = driver.compile_graph(graph, name="frozen")
    exe = Executable(compiled.address(), compiled.signature, variable_buffers(compiled.variables),
                     [c.payload for c in compiled.constants])
    return exe(inputs)


def _ops(graph):
    return [n.op.name for n in graph.nodes()]


def test_frozen_graph_computes_the_same_and_folds_weight_only_work():
    w = K.variable(RNG.randn(5, 3).astype("float32"))
    x = K.placeholder((None, 3))
    # exp(w) * 2 depends on the weights alone: frozen, it becomes one constant
    y = K.dot(x, K.transpose(K.exp(w) * 2.0))
    graph, _ = build_graph([x], [y])
    frozen = freeze_variables(graph)
    assert "variable" in _ops(graph) and "variable" not in _ops(frozen)
    xv = RNG.randn(4, 3).astype("float32")
    expected = xv @ (np.exp(K.get_value(w)) * 2.0).T
    np.testing.assert_allclose(run(frozen, [xv])[0], expected, rtol=1e-5)
    compiled = driver.compile_graph(frozen, name="frozen")
    assert "exp" not in _ops(compiled.graph) and "variable" not in _ops(compiled.graph)


def test_freezing_copies_the_value_and_keeps_updated_variables():
    w = K.variable(np.ones((2, 2), "float32"))
    counter = K.variable(np.zeros((), "float32"))
    x = K.placeholder((None, 2))
    graph, _ = build_graph([x], [K.dot(x, w)], [K.update_add(counter, 1.0)])
    frozen = freeze_variables(graph)
    K.set_value(w, np.full((2, 2), 5.0, "float32"))     # after freezing: not seen
    assert [v for v, _ in frozen.updates] == [v for v, _ in graph.updates]
    assert _ops(frozen).count("variable") == 1
    np.testing.assert_array_equal(run(frozen, [np.ones((1, 2), "float32")])[0], [[2.0, 2.0]])
    assert K.get_value(counter) == 1.0


def test_an_exported_cnn_folds_its_winograd_filter_transform():
    from keralite.export.graph import predict_graph
    from keralite.models import Sequential
    from keralite.layers import Conv2D
    model = Sequential([Conv2D(32, 3, input_shape=(12, 12, 1)), Conv2D(32, 3)])
    frozen = freeze_variables(predict_graph(model))
    compiled = driver.compile_graph(frozen, name="cnn", jit=False)
    ops = _ops(compiled.graph)
    assert "conv_winograd" in ops and "matmul" not in ops and "variable" not in ops
