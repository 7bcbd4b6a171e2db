"""Passes over graphs with a loop: pruning dead carried values, hoisting the input
projection out of the loop, constant folding that leaves loops alone, fusion and memory
planning inside the body; each also checked for the numbers it gives."""
import numpy as np

from keralite import backend as K
from keralite.backend.scan_ops import scan
from keralite.compiler.ir.graph import Graph
from keralite.compiler.passes.loops import prune_loops, hoist_loops
from keralite.compiler.passes.fold import fold_constants
from keralite.compiler.passes.schedule import schedule
from keralite.compiler.passes.memory import MemoryPlan
from keralite.compiler.driver import evaluate_constants

T, B, F, U = 4, 3, 5, 2


def _scans(graph):
    return [n for n in graph.nodes() if n.op.name == "scan"]


def _body(scan_node):
    return scan_node.attr("body")


def _two_state_loop():
    """State 0 is an RNN; state 1 counts steps and feeds nothing but its own result."""
    rng = np.random.RandomState(0)
    w, u = K.variable(rng.randn(F, U)), K.variable(rng.randn(U, U))
    x = K.placeholder((None, None, F))
    h0, c0 = K.placeholder((None, U)), K.placeholder((None, U))

    def step(values, states):
        h = K.tanh(K.dot(values[0], w) + K.dot(states[0], u))
        return [h], [h, states[1] + 1.0]

    stacked, last, final = scan(step, [x], [h0, c0])
    return x, h0, c0, stacked, last, final, (w, u)


def test_prune_drops_a_dead_carried_state():
    x, h0, c0, stacked, last, final, _ = _two_state_loop()
    before = Graph([x.node, h0.node, c0.node], [final[0].node])
    after = prune_loops(before)
    (loop,) = _scans(after)
    assert _body(_scans(before)[0]).n_states == 2 and _body(loop).n_states == 1
    assert _body(loop).n_outputs == 0
    # a state whose result is read stays
    kept = prune_loops(Graph([x.node, h0.node, c0.node], [final[1].node]))
    assert _body(_scans(kept)[0]).n_states == 1
    assert _body(_scans(kept)[0]).state_params[0].shape == c0.node.shape


def test_hoist_moves_the_input_projection_out_of_the_loop():
    x, h0, c0, stacked, last, final, (w, u) = _two_state_loop()
    before = prune_loops(Graph([x.node, h0.node, c0.node], [stacked[0].node]))
    after = hoist_loops(before)
    (loop,) = _scans(after)
    body = _body(loop)
    inner_matmuls = [n for n in body.graph.nodes() if n.op.name == "matmul"]
    assert len(inner_matmuls) == 1                     # only the recurrent h @ U stays
    outer_matmuls = [n for n in after.nodes() if n.op.name == "matmul"]
    assert len(outer_matmuls) == 1 and outer_matmuls[0].inputs[1] is w.node
    assert body.n_sequences == 2                       # x and the projected x @ W


def test_hoisted_and_pruned_loops_give_the_same_numbers(monkeypatch):
    x, h0, c0, stacked, last, final, _ = _two_state_loop()
    rng = np.random.RandomState(1)
    feed = [rng.randn(T, B, F).astype("f"), rng.randn(B, U).astype("f"), rng.randn(B, U).astype("f")]
    outs = [stacked[0], last[0], final[0], final[1]]
    on = K.function([x, h0, c0], outs)(feed)
    monkeypatch.setenv("KERALITE_DISABLE_PASSES", "prune_loops,hoist_loops")
    off = K.function([x, h0, c0], outs)(feed)
    for a, b in zip(on, off):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_constant_folding_never_runs_a_loop():
    seq = K.constant(np.ones((T, B, U), "f"))
    h0 = K.constant(np.zeros((B, U), "f"))

    def step(values, states):
        s = states[0] + values[0]
        return [s], [s]

    _, _, final = scan(step, [seq], [h0])
    folded = fold_constants(Graph([], [final[0].node]), evaluate_constants)
    assert len(_scans(folded)) == 1
    np.testing.assert_array_equal(K.function([], [final[0]])([])[0], np.full((B, U), T))


def test_the_body_is_fused_and_memory_planned():
    x, h0, c0, stacked, last, final, _ = _two_state_loop()
    g = hoist_loops(prune_loops(Graph([x.node, h0.node, c0.node], [stacked[0].node])))
    (loop,) = _scans(g)
    program = schedule(_body(loop).graph)
    # the recurrent matmul, then ONE loop: add of the projected input + tanh, fused
    kinds = [(k.kind, [n.op.name for n in k.inlined]) for k in program.kernels]
    assert kinds[0][0] == "opaque"
    fused = [ops for kind, ops in kinds if kind == "loop" and "tanh" in ops]
    assert fused and "add" in fused[0]
    plan = MemoryPlan(program)
    assert len(plan.arena_slots) <= 2


def test_sinking_moves_weight_gradient_sums_out_of_the_backward_loop(monkeypatch):
    x, h0, c0, stacked, last, final, (w, u) = _two_state_loop()
    loss = K.sum(K.square(stacked[0]))
    grads = K.gradients(loss, [w, u, x])
    from keralite.compiler.passes.loops import sink_accumulations
    g = Graph([x.node, h0.node, c0.node], [gr.node for gr in grads])
    after = sink_accumulations(hoist_loops(prune_loops(g)))
    backward = [s for s in _scans(after) if _body(s).n_sequences > 1 and _body(s).n_outputs > 1]
    assert backward
    body_matmuls = [n for n in _body(backward[0]).graph.nodes() if n.op.name == "matmul"]
    assert len(body_matmuls) == 1                 # only dz @ U^T stays in the loop (dx = dz @ W^T leaves)
    rng = np.random.RandomState(5)
    feed = [rng.randn(T, B, F).astype("f"), rng.randn(B, U).astype("f"), rng.randn(B, U).astype("f")]
    on = K.function([x, h0, c0], grads)(feed)
    monkeypatch.setenv("KERALITE_DISABLE_PASSES", "prune_loops,hoist_loops,sink_accumulations")
    off = K.function([x, h0, c0], grads)(feed)
    for a, b in zip(on, off):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-5)


def test_a_loop_listing_parses_back_and_keys_its_body():
    from graph_helpers import graph as parse, run
    from keralite.compiler.driver import canonical_text
    x, h0, c0, stacked, last, final, _ = _two_state_loop()
    g = Graph([x.node, h0.node, c0.node], [stacked[0].node, final[1].node])
    text = g.listing()
    assert text.startswith("body @0 (sequences=1, states=2, outputs=1) {")
    parsed = parse(text)
    assert canonical_text(parsed) == canonical_text(g)
    # the body is part of the compile-cache key: another step gives another key
    x2, h2, c2, stacked2, _, final2, _ = _two_state_loop()

    def other_step(values, states):
        return [states[0] * 2.0], [states[0] * 2.0, states[1]]

    other, _, other_final = scan(other_step, [x2], [h2, c2])
    g2 = Graph([x2.node, h2.node, c2.node], [other[0].node, other_final[1].node])
    assert canonical_text(g2) != canonical_text(g)


def test_a_loop_exports_to_dot_with_its_body_as_a_cluster():
    x, h0, c0, stacked, last, final, _ = _two_state_loop()
    dot = Graph([x.node, h0.node, c0.node], [stacked[0].node]).to_dot()
    assert "subgraph cluster_" in dot and "body of %" in dot and "style=dashed" in dot


def test_a_captured_tensor_of_ones_moves_into_the_body_and_vanishes():
    from keralite.compiler.passes.simplify import simplify
    x = K.placeholder((None, None, F))
    h0 = K.placeholder((None, U))
    u = K.variable(np.random.RandomState(0).randn(U, U))
    ones = K.ones_like(h0)           # a recurrent dropout mask once the learning phase is folded

    def step(values, states):
        h = K.tanh(values[0][:, :U] + K.dot(states[0] * ones, u))
        return [h], [h]

    stacked, _, _ = scan(step, [x], [h0])
    g = Graph([x.node, h0.node], [stacked[0].node])
    before_body = _body(_scans(g)[0])
    assert any(n.op.name == "mul" for n in before_body.graph.nodes()) or len(before_body.captured_params) >= 1
    after = prune_loops(g)
    body = _body(_scans(after)[0])
    assert all(p.shape != h0.node.shape or p in body.state_params for p in body.captured_params)
    assert not any(n.op.name == "mul" for n in simplify(body.graph).nodes())
