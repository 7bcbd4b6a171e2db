"""Ops about gradients and control: stop_gradient, and `scan`, the loop op.

`scan` iterates a body subgraph over the leading (time) axis of its sequences,
carrying states from step to step:

    for i in 0 .. T-1:               (position p = i, or T-1-i when `reverse`)
        outputs[p], states = body(sequences[p], states, captured)

Its inputs are the sequences (time-major, `(T, ...)`), the initial states and the
captured values: everything the body reads that does not change from step to step
(weights, masks drawn once, constants). `make_scan` finds those by walking the body, so
loop-invariant work is computed once, outside the loop. T may be a symbol.

A scan has several results, so the scan node itself is a token and each result is a
`scan_result` node that names what it reads: the stacked per-step outputs, the last
per-step output, the final states, or the states every step started from (what the
gradient, a reverse scan over the same body, needs). The module builder
(codegen/control_flow.py) compiles the body as a function of its own in the same
module and emits the loop; only the results present in the graph are written.
"""
import itertools

from ..ir import dtypes
from ..ir.constant import scalar_value
from ..ir.graph import Graph, topological_order
from ..ir.shapes import dims_match, shape_str
from .registry import Op, register, apply
from .elementwise import Elementwise
from .source import scalar
from . import source

_body_ids = itertools.count()


@register
class StopGradient(Elementwise):
    """The identity, with no gradient flowing through it."""
    name = "stop_gradient"
    differentiable = False

    def operand_dtypes(self, node):
        return [node.dtype]

    def emit(self, cx, node, args):
        return args[0]

    def grad(self, node, g):
        return [None]


class ScanBody:
    """The body of a scan: `graph` maps [sequence steps, states, captured] (its inputs,
    in that order) to [per-step outputs, new states] (its outputs, in that order).
    Compared by identity: two scans share a body only when built from one."""

    def __init__(self, graph, n_sequences, n_states, n_outputs):
        self.graph = graph
        self.n_sequences = n_sequences
        self.n_states = n_states
        self.n_outputs = n_outputs
        self.id = next(_body_ids)

    @property
    def sequence_params(self):
        return self.graph.inputs[:self.n_sequences]

    @property
    def state_params(self):
        return self.graph.inputs[self.n_sequences:self.n_sequences + self.n_states]

    @property
    def captured_params(self):
        return self.graph.inputs[self.n_sequences + self.n_states:]

    @property
    def step_outputs(self):
        return self.graph.outputs[:self.n_outputs]

    @property
    def new_states(self):
        return self.graph.outputs[self.n_outputs:]

    def with_graph(self, graph):
        return ScanBody(graph, self.n_sequences, self.n_states, self.n_outputs)

    def header(self):
        """The counts that split the body's inputs and outputs, as the listing prints them."""
        return f"sequences={self.n_sequences}, states={self.n_states}, outputs={self.n_outputs}"

    def __repr__(self):
        return f"body{self.id}"


@register
class Scan(Op):
    name = "scan"
    kind = "control"
    multi_result = True
    may_fail = True       # the body's errors, and allocation failure, stop the call

    def infer(self, inputs, attrs):
        body = attrs["body"]
        n_seq, n_state = body.n_sequences, body.n_states
        sequences, states, captured = inputs[:n_seq], inputs[n_seq:n_seq + n_state], inputs[n_seq + n_state:]
        if len(captured) != len(body.captured_params):
            self.error(f"body reads {len(body.captured_params)} captured values, {len(captured)} given")
        if not sequences:
            self.error("needs at least one sequence")
        length = sequences[0].shape[0] if sequences[0].ndim else None
        for x, p in zip(sequences, body.sequence_params):
            if x.ndim != p.ndim + 1 or not dims_match(x.shape[0], length) or \
                    not all(map(dims_match, x.shape[1:], p.shape)) or x.dtype is not p.dtype:
                self.error(f"sequence {x.dtype.name}{shape_str(x.shape)} does not fit the body's step "
                           f"{p.dtype.name}{shape_str(p.shape)}")
        for label, given, params in (("initial state", states, body.state_params),
                                     ("captured value", captured, body.captured_params)):
            for x, p in zip(given, params):
                if x.ndim != p.ndim or not all(map(dims_match, x.shape, p.shape)) or x.dtype is not p.dtype:
                    self.error(f"{label} {x.dtype.name}{shape_str(x.shape)} does not fit the body's "
                               f"{p.dtype.name}{shape_str(p.shape)}")
        for s, new in zip(body.state_params, body.new_states):
            if new.ndim != s.ndim or not all(map(dims_match, new.shape, s.shape)) or new.dtype is not s.dtype:
                self.error(f"the body turns a state {s.dtype.name}{shape_str(s.shape)} into "
                           f"{new.dtype.name}{shape_str(new.shape)}")
        return dtypes.bool_, ()

    def result_shape(self, node, kind, index):
        body = node.attr("body")
        length = node.inputs[0].shape[0]
        if kind == "outputs":
            y = body.step_outputs[index]
            return y.dtype, (length,) + tuple(y.shape)
        if kind == "last":
            y = body.step_outputs[index]
            return y.dtype, tuple(y.shape)
        s = body.state_params[index]
        if kind == "states":
            return s.dtype, tuple(s.shape)
        if kind == "saved_states":
            return s.dtype, (length,) + tuple(s.shape)
        raise ValueError(f"scan has no result {kind!r}")

    def grad_results(self, node, result_grads, vjp):
        """Gradients of the scan's inputs from those of its results: a reverse scan
        over a body that recomputes each step from the state it started from and
        pulls the cotangents back through it (backpropagation through time, below)."""
        return scan_gradient(node, result_grads, vjp)


@register
class ScanResult(Op):
    """One result of a scan (see the module docstring); stored by the scan's kernel."""
    name = "scan_result"
    kind = "result"

    def infer(self, inputs, attrs):
        (scan,) = inputs
        if scan.op.name != "scan":
            self.error(f"reads a scan, not a {scan.op.name}")
        return scan.op.result_shape(scan, attrs["result"], attrs["index"])

    def grad(self, node, g):
        raise RuntimeError("scan results are differentiated with their scan (autodiff.py)")


def scan_result(scan, kind, index):
    return apply("scan_result", [scan], result=kind, index=int(index))


def _depends_on(nodes, params):
    """The nodes (of a topological order) computed from any of `params`."""
    inside = set(params)
    for n in nodes:
        if n not in inside and any(i in inside for i in n.inputs):
            inside.add(n)
    return inside


def _is_immediate(node):
    return scalar_value(node) is not None


def is_filled(node):
    """An immediate, or a tensor filled with one: the same value at every step, free inside
    a fused loop, so loops keep it in their body rather than capture it."""
    return _is_immediate(node) or (node.op.name == "broadcast_to" and _is_immediate(node.inputs[0]))


def make_scan(sequences, initial_states, step_params, state_params, step_outputs, new_states, reverse=False):
    """Build a scan from a traced step.

    `step_params`/`state_params` are the placeholders the step was traced on (one per
    sequence, one per state); `step_outputs`/`new_states` what it computed. Every value
    the step reads that depends on no parameter (weights, masks, constants, work on
    them) is captured: computed once outside the loop and passed in. Returns the scan
    node (use `scan_result` to read it).
    """
    if len(sequences) != len(step_params) or len(initial_states) != len(state_params) or \
            len(new_states) != len(state_params):
        raise ValueError("scan: sequences/states and their parameters do not pair up")
    params = list(step_params) + list(state_params)
    roots = list(step_outputs) + list(new_states)
    order = topological_order(roots)
    inside = _depends_on(order, params)
    captured, mapping = [], {p: p for p in params}
    # a tensor filled with an immediate costs nothing inside a fused loop, and inside the
    # body the simplifier sees its value (x * ones -> x): it goes in, it is not captured
    for n in order:
        if n not in inside and not _is_immediate(n) and is_filled(n):
            inside.add(n)
    # frontier: values outside the loop that an inside node reads (or a root itself)
    frontier = []
    for n in order:
        if n in inside:
            for i in n.inputs:
                if i not in inside and not _is_immediate(i) and i not in frontier:
                    frontier.append(i)
    for r in roots:
        if r not in inside and not _is_immediate(r) and r not in frontier:
            frontier.append(r)
    for value in frontier:
        holder = source.placeholder(f"scan_captured{next(_body_ids)}", value.shape, value.dtype)
        mapping[value] = holder
        captured.append((value, holder))
    for n in order:
        if n in mapping:
            continue
        if n in inside:
            mapping[n] = apply(n.op.name, [mapping[i] for i in n.inputs], payload=n.payload, **dict(n.attrs))
        elif _is_immediate(n):
            mapping[n] = n
    body_graph = Graph(params + [h for _, h in captured], [mapping[r] for r in roots])
    body = ScanBody(body_graph, len(step_params), len(state_params), len(step_outputs))
    inputs = list(sequences) + list(initial_states) + [v for v, _ in captured]
    return apply("scan", inputs, body=body, reverse=bool(reverse))


# ------------------------------------------------------------------ the gradient: a reverse scan
# The forward scan saves the state every step started from (its `saved_states` result).
# The backward scan runs over the same positions in the opposite order; each step
# recomputes the forward step from its saved state and pulls the cotangents back through
# it with the autodiff's `vjp`. It carries g_state (the cotangent of the state after the
# step), g_last (the cotangent of the last output, added at the first backward step,
# then zero) and one running sum per float captured value; per step it emits the
# cotangent of that step's sequence elements. Recomputing costs one forward step per
# step and keeps memory at one state per step; the loop passes (passes/loops.py) then
# move the recomputed input projection and the weight-gradient sums out of the loop.

def _zeros(like):
    return apply("broadcast_to", [scalar(0, like.dtype)], shape=like.shape)


def _step_like(node, uid):
    return source.placeholder(uid, node.shape, node.dtype)


def substitute_outputs(outputs, mapping):
    """`outputs` recomputed with the nodes `mapping` names replaced (mapping is extended
    with every node on the way)."""
    for n in topological_order(list(outputs)):
        if n in mapping:
            continue
        if not n.inputs:
            mapping[n] = n
            continue
        mapping[n] = apply(n.op.name, [mapping[i] for i in n.inputs], payload=n.payload, **dict(n.attrs))
    return [mapping[o] for o in outputs]


def scan_gradient(node, result_grads, vjp):
    body = node.attr("body")
    reverse = node.attr("reverse")
    n_seq, n_state = body.n_sequences, body.n_states
    sequences = list(node.inputs[:n_seq])
    initial = list(node.inputs[n_seq:n_seq + n_state])
    captured = list(node.inputs[n_seq + n_state:])
    g_outputs = [None] * body.n_outputs
    g_last = [None] * body.n_outputs
    g_states = [None] * n_state
    for result, g in result_grads.items():
        kind, index = result.attr("result"), result.attr("index")
        if kind == "outputs":
            g_outputs[index] = g
        elif kind == "last":
            g_last[index] = g
        elif kind == "states":
            g_states[index] = g
        else:
            raise NotImplementedError(f"scan: gradients through the {kind!r} result (second derivatives "
                                      "of a loop) are not supported")
    tag = f"scan{body.id}_grad"
    xs = [_step_like(p, f"{tag}_x{i}") for i, p in enumerate(body.sequence_params)]
    ss = [_step_like(p, f"{tag}_s{j}") for j, p in enumerate(body.state_params)]
    # the forward step, recomputed from the saved state; the forward body's captured
    # parameters become the outer captured values again (make_scan captures them)
    mapping = dict(zip(body.sequence_params, xs))
    mapping.update(zip(body.state_params, ss))
    mapping.update(zip(body.captured_params, captured))
    recomputed = substitute_outputs(body.graph.outputs, mapping)
    ys, new_ss = recomputed[:body.n_outputs], recomputed[body.n_outputs:]

    gy_params, gy_sequences, gl_params, gl_initial, gy_step = [], [], [], [], []
    for k, y in enumerate(ys):
        g = None
        if g_outputs[k] is not None:
            p = _step_like(y, f"{tag}_gy{k}")
            gy_params.append(p)
            gy_sequences.append(g_outputs[k])
            g = p
        if g_last[k] is not None:
            p = _step_like(y, f"{tag}_gl{k}")
            gl_params.append((k, p))
            gl_initial.append(g_last[k])
            g = p if g is None else apply("add", [g, p])
        gy_step.append(g)
    gs_params = [_step_like(s, f"{tag}_gs{j}") for j, s in enumerate(body.state_params)]
    gs_initial = [g if g is not None else _zeros(s) for g, s in zip(g_states, initial)]
    float_captured = [c for c in captured if c.dtype.is_float]
    acc_params = [_step_like(c, f"{tag}_acc{m}") for m, c in enumerate(float_captured)]

    wrt = xs + ss + float_captured
    pulled = vjp(ys + new_ss, gy_step + gs_params, wrt)
    g_xs, g_ss, g_caps = pulled[:n_seq], pulled[n_seq:n_seq + n_state], pulled[n_seq + n_state:]

    seq_out = [(i, g) for i, g in enumerate(g_xs) if g is not None and sequences[i].dtype.is_float]
    new_gs = [g if g is not None else _zeros(p) for g, p in zip(g_ss, gs_params)]
    new_gl = [_zeros(p) for _, p in gl_params]
    new_acc = [acc if g is None else apply("add", [acc, g]) for acc, g in zip(acc_params, g_caps)]

    state_params = gs_params + [p for _, p in gl_params] + acc_params
    initial_states = gs_initial + gl_initial + [_zeros(c) for c in float_captured]
    backward = make_scan(sequences + [scan_result(node, "saved_states", j) for j in range(n_state)] + gy_sequences,
                         initial_states,
                         xs + ss + gy_params, state_params,
                         [g for _, g in seq_out], new_gs + new_gl + new_acc,
                         reverse=not reverse)
    grads = [None] * len(node.inputs)
    for out_index, (i, _) in enumerate(seq_out):
        grads[i] = scan_result(backward, "outputs", out_index)
    for j in range(n_state):
        if initial[j].dtype.is_float:
            grads[n_seq + j] = scan_result(backward, "states", j)
    acc_base = n_state + len(gl_params)
    for m, c in enumerate(float_captured):
        grads[n_seq + n_state + captured.index(c)] = scan_result(backward, "states", acc_base + m)
    return grads
