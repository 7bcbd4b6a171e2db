"""Pass tests: a graph before, the graph expected after, compared structurally."""
import numpy as np
import pytest

from keralite.compiler.ir.graph import Graph
from keralite.compiler.passes.simplify import simplify
from keralite.compiler.passes.fold import fold_constants
from keralite.compiler.driver import evaluate_constants
from keralite.compiler.passes.composites import expand_composites
from keralite.compiler.passes.schedule import schedule
from keralite.compiler.passes.memory import MemoryPlan
from keralite.compiler.passes.verify import verify, VerifyError
from keralite.compiler.ir.node import make_node
from keralite.compiler.ops.registry import OPS

from graph_helpers import graph, run, assert_same_structure

HEAD = "%0:f32[n0,3] = placeholder(dtype=float32, shape=(n0,3), uid=101)\n"


@pytest.mark.parametrize("body, expected", [
    ("%1:f32[] = constant(dtype=float32, shape=(), value=0.0)\n%2:f32[n0,3] = add(%0, %1)", "%0"),  # x + 0
    ("%1:f32[] = constant(dtype=float32, shape=(), value=1.0)\n%2:f32[n0,3] = mul(%1, %0)", "%0"),  # 1 * x
    ("%1:f32[] = constant(dtype=float32, shape=(), value=1.0)\n%2:f32[n0,3] = div(%0, %1)", "%0"),  # x / 1
    ("%1:f32[n0,3] = neg(%0)\n%2:f32[n0,3] = neg(%1)", "%0"),                                        # --x
    ("%1:f32[n0,3] = cast(%0, dtype=float32)\n%2:f32[n0,3] = exp(%1)", "exp"),                      # cast to same dtype
    ("%1:f32[n0,3] = transpose(%0, perm=(0,1))\n%2:f32[n0,3] = exp(%1)", "exp"),                    # identity transpose
])
def test_simplify_rules(body, expected):
    before = graph(HEAD + body + "\ninputs: %0\noutputs: %2\n")
    after = simplify(before)
    if expected == "%0":
        want = graph(HEAD + "inputs: %0\noutputs: %0\n")
    else:
        want = graph(HEAD + "%1:f32[n0,3] = exp(%0)\ninputs: %0\noutputs: %1\n")
    assert_same_structure(after, want, before)


def test_simplify_keeps_broadcasting_add():
    # x[3] + zeros[n0,3] is not x: the shape differs, so the rule must not fire
    before = graph("%0:f32[3] = placeholder(dtype=float32, shape=(3,), uid=102)\n"
                   "%1:f32[] = constant(dtype=float32, shape=(), value=0.0)\n"
                   "%2:f32[4,3] = broadcast_to(%1, shape=(4,3))\n"
                   "%3:f32[4,3] = add(%0, %2)\ninputs: %0\noutputs: %3\n")
    after = simplify(before)
    assert after.outputs[0].shape == (4, 3)


def test_constant_folding_matches_unfolded():
    text = ("%0:f32[2,3] = placeholder(dtype=float32, shape=(2,3), uid=103)\n"
            "%1:f32[] = constant(dtype=float32, shape=(), value=0.5)\n"
            "%2:f32[] = exp(%1)\n%3:f32[] = mul(%2, %2)\n"
            "%4:f32[2,3] = add(%0, %3)\ninputs: %0\noutputs: %4\n")
    g = graph(text)
    folded = fold_constants(g, evaluate_constants)
    ops = [n.op.name for n in folded.nodes()]
    assert "exp" not in ops and "mul" not in ops
    x = np.random.RandomState(0).rand(2, 3).astype("f")
    np.testing.assert_array_equal(run(folded, [x])[0], run(g, [x])[0])


def test_fusion_chain_is_one_loop():
    lines = [HEAD]
    prev = 0
    for i, op in enumerate(["exp", "neg", "tanh", "sigmoid", "abs", "sqrt", "log1p", "sin"], start=1):
        lines.append(f"%{i}:f32[n0,3] = {op}(%{prev})\n")
        prev = i
    g = graph("".join(lines) + f"inputs: %0\noutputs: %{prev}\n")
    program = schedule(g)
    assert len(program.kernels) == 1
    assert len(program.kernels[0].inlined) == 8


def test_reduction_fuses_its_prologue():
    g = graph(HEAD + "%1:f32[n0,3] = exp(%0)\n%2:f32[n0,3] = mul(%1, %0)\n"
              "%3:f32[n0] = sum(%2, axes=(1,), keepdims=False)\ninputs: %0\noutputs: %3\n")
    program = schedule(g)
    assert len(program.kernels) == 1
    assert program.kernels[0].is_reduce


def test_shared_value_is_materialized_once():
    g = graph(HEAD + "%1:f32[n0,3] = exp(%0)\n%2:f32[n0,3] = sin(%1)\n%3:f32[n0,3] = cos(%1)\n"
              "%4:f32[n0,3] = add(%2, %3)\ninputs: %0\noutputs: %4\n")
    program = schedule(g)
    # exp is computed once per element inside the one loop that uses it twice
    assert len(program.kernels) == 1
    assert [n.op.name for n, _ in program.kernels[0].stores()] == ["add"]


def test_multi_output_loop_stores_values_read_later():
    # the relu input is needed again after the loop that computes relu: one loop stores both
    g = graph(HEAD + "%1:f32[] = constant(dtype=float32, shape=(), value=0.0)\n"
              "%2:f32[n0,3] = exp(%0)\n%3:f32[n0,3] = maximum(%2, %1)\n"
              "%4:f32[n0] = sum(%3, axes=(1,), keepdims=False)\n"
              "%5:f32[n0,1] = reshape(%4, shape=(n0,1))\n%6:f32[n0,3] = mul(%2, %5)\n"
              "%7:f32[n0,3] = mul(%6, %3)\ninputs: %0\noutputs: %7\n")
    program = schedule(g)
    stores = [[n.op.name for n, _ in k.stores()] for k in program.kernels]
    assert ["maximum", "exp"] in stores
    x = np.random.RandomState(3).randn(4, 3).astype("f")
    e = np.exp(x)
    r = np.maximum(e, 0)
    np.testing.assert_allclose(run(g, [x])[0], e * r.sum(1, keepdims=True) * r, rtol=1e-6)


def test_memory_plan_reuses_arena_slots():
    # a chain of reductions: each intermediate dies after the next kernel reads it
    lines = [HEAD]
    prev = 0
    k = 1
    for _ in range(6):
        lines.append(f"%{k}:f32[n0,1] = max(%{prev}, axes=(1,), keepdims=True)\n")
        lines.append(f"%{k + 1}:f32[n0,3] = sub(%{prev}, %{k})\n")
        prev, k = k + 1, k + 2
    g = graph("".join(lines) + f"inputs: %0\noutputs: %{prev}\n")
    plan = MemoryPlan(schedule(g))
    assert len(plan.arena_offsets) == 11       # every intermediate has a place
    assert len(plan.arena_slots) <= 4          # ... but only a few slots are live at once
    x = np.random.RandomState(1).rand(5, 3).astype("f")
    ref = x.copy()
    for _ in range(6):
        ref = ref - ref.max(1, keepdims=True)
    np.testing.assert_allclose(run(g, [x])[0], ref, rtol=1e-6)


def test_composites_expand_to_primitives():
    g = graph(HEAD + "%1:f32[n0,3] = softmax(%0, axis=1)\ninputs: %0\noutputs: %1\n")
    names = {n.op.name for n in expand_composites(g).nodes()}
    assert "softmax" not in names and {"max", "exp", "sum", "div"} <= names


def test_verifier_rejects_a_wrong_shape():
    g = graph(HEAD + "%1:f32[n0,3] = exp(%0)\ninputs: %0\noutputs: %1\n")
    verify(g)
    x = g.inputs[0]
    bad = make_node(OPS["exp"], [x], {}, "float32", (7, 3), intern=False)
    with pytest.raises(VerifyError, match="exp"):
        verify(Graph([x], [bad]))


def test_listing_parses_back():
    text = (HEAD + "%1:f32[] = constant(dtype=float32, shape=(), value=2.0)\n%2:f32[n0,3] = mul(%0, %1)\n"
            "%3:f32[n0] = sum(%2, axes=(1,), keepdims=False)\ninputs: %0\noutputs: %3\n")
    g = graph(text)
    assert_same_structure(graph(g.listing()), g)


def test_dot_export_names_every_node():
    g = graph(HEAD + "%1:f32[n0,3] = exp(%0)\ninputs: %0\noutputs: %1\n")
    dot = g.to_dot()
    assert dot.startswith("digraph") and "placeholder" in dot and "exp" in dot and "->" in dot


def test_slice_gradients_that_tile_an_axis_become_one_concatenate():
    g = graph("%0:f32[n0,2] = placeholder(dtype=float32, shape=(n0,2), uid=120)\n"
              "%1:f32[n0,3] = placeholder(dtype=float32, shape=(n0,3), uid=121)\n"
              "%2:f32[] = constant(dtype=float32, shape=(), value=0.0)\n"
              "%3:f32[n0,5] = broadcast_to(%2, shape=(n0,5))\n"
              "%4:f32[n0,5] = slice_update(%3, %1, starts=(0,2), steps=(1,1))\n"
              "%5:f32[n0,5] = slice_update(%3, %0, starts=(0,0), steps=(1,1))\n"
              "%6:f32[n0,5] = add(%4, %5)\ninputs: %0, %1\noutputs: %6\n")
    want = graph("%0:f32[n0,2] = placeholder(dtype=float32, shape=(n0,2), uid=120)\n"
                 "%1:f32[n0,3] = placeholder(dtype=float32, shape=(n0,3), uid=121)\n"
                 "%2:f32[n0,5] = concatenate(%0, %1, axis=1)\ninputs: %0, %1\noutputs: %2\n")
    after = simplify(g)
    assert_same_structure(after, want, g)
    a, b = np.ones((4, 2), "f"), np.full((4, 3), 2.0, "f")
    np.testing.assert_array_equal(run(g, [a, b])[0], np.concatenate([a, b], axis=1))
    # a box that leaves a gap is not a concatenation
    gap = graph("%0:f32[n0,2] = placeholder(dtype=float32, shape=(n0,2), uid=122)\n"
                "%1:f32[] = constant(dtype=float32, shape=(), value=0.0)\n"
                "%2:f32[n0,5] = broadcast_to(%1, shape=(n0,5))\n"
                "%3:f32[n0,5] = slice_update(%2, %0, starts=(0,0), steps=(1,1))\n"
                "%4:f32[n0,5] = slice_update(%2, %0, starts=(0,3), steps=(1,1))\n"
                "%5:f32[n0,5] = add(%3, %4)\ninputs: %0\noutputs: %5\n")
    assert not any(n.op.name == "concatenate" for n in simplify(gap).nodes())


def test_an_update_reading_another_updates_new_value_shares_its_loop():
    # RMSprop's shape: the weight's update reads the accumulator's new value, element for
    # element; one loop stores both (one pass over the gradient and the state)
    from keralite import backend as K
    rng = np.random.RandomState(5)
    grad = K.placeholder((4, 6))
    acc = K.variable(rng.rand(4, 6).astype("f"))
    weight = K.variable(rng.rand(4, 6).astype("f"))
    new_acc = 0.9 * acc + 0.1 * K.square(grad)
    new_weight = weight - 0.01 * grad / (K.sqrt(new_acc) + 1e-7)
    updates = [(acc, new_acc), (weight, new_weight)]
    g, _ = K.execution.build_graph([grad], [], updates)
    loops = [sorted(str(t) for _, t in k.stores()) for k in schedule(g).kernels]
    assert ["('update', 0)", "('update', 1)"] in loops
    a0, w0, gv = K.get_value(acc), K.get_value(weight), rng.randn(4, 6).astype("f")
    K.function([grad], [], updates=updates)([gv])
    a1 = 0.9 * a0 + 0.1 * gv * gv
    np.testing.assert_allclose(K.get_value(acc), a1, rtol=1e-6)
    np.testing.assert_allclose(K.get_value(weight), w0 - 0.01 * gv / (np.sqrt(a1) + 1e-7), rtol=1e-5)


def test_three_chained_updates_are_one_loop_and_their_shared_value_is_not_stored():
    # Adadelta's shape: the weight's update and the delta accumulator's both read a delta
    # computed from the new accumulator; one loop stores the three updates and the delta
    # itself is computed in it, not stored
    from keralite import backend as K
    rng = np.random.RandomState(6)
    grad = K.placeholder((3, 5))
    acc, dacc, weight = (K.variable(rng.rand(3, 5).astype("f")) for _ in range(3))
    new_acc = 0.95 * acc + 0.05 * K.square(grad)
    delta = grad * K.sqrt(dacc + 1e-6) / K.sqrt(new_acc + 1e-6)
    updates = [(acc, new_acc), (weight, weight - delta), (dacc, 0.95 * dacc + 0.05 * K.square(delta))]
    g, _ = K.execution.build_graph([grad], [], updates)
    kernels = schedule(g).kernels
    stores = [sorted(str(t) for _, t in k.stores()) for k in kernels]
    assert ["('update', 0)", "('update', 1)", "('update', 2)"] in stores
    assert len(kernels) == 1
    a0, d0, w0, gv = K.get_value(acc), K.get_value(dacc), K.get_value(weight), rng.randn(3, 5).astype("f")
    K.function([grad], [], updates=updates)([gv])
    a1 = 0.95 * a0 + 0.05 * gv * gv
    dv = gv * np.sqrt(d0 + 1e-6) / np.sqrt(a1 + 1e-6)
    np.testing.assert_allclose(K.get_value(acc), a1, rtol=1e-6)
    np.testing.assert_allclose(K.get_value(weight), w0 - dv, rtol=1e-5)
    np.testing.assert_allclose(K.get_value(dacc), 0.95 * d0 + 0.05 * dv * dv, rtol=1e-5)
