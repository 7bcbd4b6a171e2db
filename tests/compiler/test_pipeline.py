"""The compile pipeline's structure: symbolic dims solved per graph, one named pipeline
(every stage dumped and timed), required passes that refuse to be switched off."""
import numpy as np
import pytest

from keralite import backend as K
from keralite.compiler import driver
from keralite.compiler.ir.shapes import Sym, solve, ConflictingDims
from keralite.compiler.passes.pipeline import RequiredPassError
from keralite.compiler.passes.resolve_dims import resolve_dims, graph_equalities

from graph_helpers import graph, run, assert_same_structure


# ------------------------------------------------------------------ per-graph dims
def test_a_broadcast_elsewhere_does_not_constrain_another_function():
    x = K.placeholder((None, 3))
    bound = x + K.ones((5, 3))        # ties x's batch to 5, in graphs that contain it only
    assert K.int_shape(x) == (None, 3)
    assert K.int_shape(bound) == (5, 3)
    doubled = K.function([x], [x * 2])
    np.testing.assert_array_equal(doubled([np.ones((4, 3))])[0], np.full((4, 3), 2.0))
    with_bound = K.function([x], [bound])
    np.testing.assert_array_equal(with_bound([np.zeros((5, 3))])[0], np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"expected \(5, 3\)"):
        with_bound([np.zeros((4, 3))])


def test_two_batch_symbols_are_tied_only_where_they_meet():
    a = K.placeholder((None, 2))
    b = K.placeholder((None, 2))
    total = K.function([a, b], [a - b])
    np.testing.assert_array_equal(total([np.ones((3, 2)), np.ones((3, 2))])[0], np.zeros((3, 2)))
    with pytest.raises(ValueError):
        total([np.ones((3, 2)), np.ones((4, 2))])
    separate = K.function([a, b], [K.sum(a), K.sum(b)])
    out = separate([np.ones((3, 2)), np.ones((4, 2))])
    assert out[0] == 6 and out[1] == 8


def test_node_hashes_never_change():
    x = K.placeholder((None, 3))
    node = x.node
    before = (hash(node.shape), node.shape)
    _ = x + K.ones((7, 3))
    _ = x - K.placeholder((None, 3))
    assert (hash(node.shape), node.shape) == before


def test_conflicting_sizes_in_one_graph_are_refused():
    x = K.placeholder((None, 3))
    five = x + K.ones((5, 3))
    six = x + K.ones((6, 3))
    with pytest.raises(ValueError, match="both 5 and 6"):
        K.function([x], [five, six])


def test_solve_unifies_and_binds():
    assert solve([("a1", Sym(["b2"])), ("b2", 4)]) == {"a1": 4, "b2": 4}
    assert solve([("a1", Sym(["b2"]))]) == {"b2": Sym(["a1"])}
    with pytest.raises(ConflictingDims):
        solve([("a1", 3), ("b2", Sym(["a1"])), ("b2", 4)])


def test_resolve_dims_pass_before_and_expected():
    before = graph("%0:f32[n0,3] = placeholder(dtype=float32, shape=(n0,3), uid=301)\n"
                   "%1:f32[n1,3] = placeholder(dtype=float32, shape=(n1,3), uid=302)\n"
                   "%2:f32[n0,3] = add(%0, %1)\ninputs: %0, %1\noutputs: %2\n")
    assert len(graph_equalities(before)) == 1
    expected = graph("%0:f32[n0,3] = placeholder(dtype=float32, shape=(n0,3), uid=301)\n"
                     "%1:f32[n0,3] = placeholder(dtype=float32, shape=(n0,3), uid=302)\n"
                     "%2:f32[n0,3] = add(%0, %1)\ninputs: %0, %1\noutputs: %2\n")
    assert_same_structure(resolve_dims(before), expected, before)
    x = np.arange(6, dtype="f").reshape(2, 3)
    np.testing.assert_array_equal(run(before, [x, x])[0], 2 * x)


def test_resolve_dims_binds_a_symbol_to_a_known_size():
    before = graph("%0:f32[n0,4] = placeholder(dtype=float32, shape=(n0,4), uid=303)\n"
                   "%1:f32[2,4] = placeholder(dtype=float32, shape=(2,4), uid=304)\n"
                   "%2:f32[2,4] = mul(%0, %1)\ninputs: %0, %1\noutputs: %2\n")
    after = resolve_dims(before)
    assert after.inputs[0].shape == (2, 4)


# ------------------------------------------------------------------ the pipeline
def test_pipeline_names_every_stage_in_order():
    assert driver.PIPELINE.names == ["resolve_dims", "simplify", "prune_loops", "hoist_loops",
                                     "sink_accumulations", "fold_constants", "expand_composites", "fold_expanded",
                                     "fuse_conv_epilogues", "simplify_expanded", "cache_weight_transforms", "schedule", "plan_memory", "codegen",
                                     "optimize", "emit_object"]


def test_every_stage_is_timed_and_dumped(tmp_path, monkeypatch):
    monkeypatch.setenv("KERALITE_DUMP_DIR", str(tmp_path))
    monkeypatch.setenv("KERALITE_DISABLE_DISK_CACHE", "1")
    g = graph("%0:f32[n0,5] = placeholder(dtype=float32, shape=(n0,5), uid=305)\n"
              "%1:f32[n0,5] = exp(%0)\n%2:f32[n0,5] = tanh(%1)\ninputs: %0\noutputs: %2\n")
    compiled = driver.compile_graph(g, name="staged", dump="all")
    assert list(compiled.timings) == driver.PIPELINE.names
    assert all(t >= 0 for t in compiled.timings.values())
    files = sorted(p.name for p in tmp_path.iterdir())
    for stage in driver.PIPELINE.names + ["timings"]:
        assert any(f.endswith(f"-{stage}.txt") for f in files), (stage, files)


def test_one_stage_dumps_by_its_name(tmp_path, monkeypatch):
    monkeypatch.setenv("KERALITE_DUMP_DIR", str(tmp_path))
    g = graph("%0:f32[n0,5] = placeholder(dtype=float32, shape=(n0,5), uid=306)\n"
              "%1:f32[n0,5] = exp(%0)\ninputs: %0\noutputs: %1\n")
    driver.compile_graph(g, name="one", dump="schedule")
    assert [p.name for p in tmp_path.iterdir()] == ["one-01-schedule.txt"]


@pytest.mark.parametrize("name", ["expand_composites", "resolve_dims", "schedule", "codegen"])
def test_required_pass_cannot_be_disabled(monkeypatch, name):
    monkeypatch.setenv("KERALITE_DISABLE_PASSES", name)
    x = K.placeholder((None, 4))
    with pytest.raises(RequiredPassError, match=f"pass '{name}' is required"):
        K.function([x], [K.softmax(x)])


def test_unknown_pass_name_is_refused(monkeypatch):
    monkeypatch.setenv("KERALITE_DISABLE_PASSES", "no_such_pass")
    x = K.placeholder((None, 4))
    with pytest.raises(ValueError, match="no pass is called 'no_such_pass'"):
        K.function([x], [x + 1])


def test_optional_passes_switch_off_with_same_numbers(monkeypatch):
    x = K.placeholder((None, 4))
    y = K.softmax(x * K.exp(K.constant(0.5)))
    data = np.random.RandomState(1).randn(3, 4).astype("f")
    on = K.function([x], [y])([data])[0]
    monkeypatch.setenv("KERALITE_DISABLE_PASSES", "simplify,fold")
    off = K.function([x], [y])([data])[0]
    np.testing.assert_allclose(on, off, rtol=1e-6)
