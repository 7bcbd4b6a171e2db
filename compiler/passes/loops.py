"""Loop passes: they rewrite scans (ops/control.py) in the outer graph.

- `prune_loops`: a scan computes only what the graph reads. Per-step outputs no result
  reads are dropped from the body, and so are carried states that neither a result nor
  a kept value depends on (dead carried values), with the captured values only they
  read; captured values that are just filled tensors move into the body.
- `hoist_loops`: work in the body that depends on the sequences but on no carried state
  is done for every step at once, before the loop. A step's `x_t @ W` becomes one
  `(T*batch, F) @ W` GEMM over the whole sequence, whose rows the loop then reads as a
  new sequence (Keras' `implementation=2` input projection, for every time step at
  once). Only chains that contain a matmul move: an elementwise-only chain costs less
  fused inside the step than as a pass over memory.
- `sink_accumulations`: a carried sum of `a_t^T @ g_t` (or of `g_t` over the batch)
  leaves the loop as one GEMM (one reduction) over all steps, and so does a per-step
  output `g_t @ W` (the gradient of a sequence that was multiplied by a weight).
"""
from ..ir.graph import Graph, topological_order
from ..ops.control import ScanBody, is_filled, scan_result, substitute_outputs
from ..ops.registry import apply
from ..ops import source
from .rewrite import rebuild


def _used_results(graph):
    """scan node -> set of (kind, index) of its results the graph contains."""
    used = {}
    for n in graph.nodes():
        if n.op.name == "scan_result":
            used.setdefault(n.inputs[0], set()).add((n.attr("result"), n.attr("index")))
    return used


def _rewrite_scans(graph, transform):
    """Rebuild the graph, replacing each scan by `transform(scan)` when it returns
    (new scan, remap) with remap(kind, index) -> index in the new scan, or
    ("value", node) for a result now computed outside the loop."""
    mapping, remaps = {}, {}
    for node in graph.nodes():
        inputs = [mapping[i] for i in node.inputs]
        if node.op.name == "scan":
            rebuilt = rebuild(node, inputs)
            out = transform(node, rebuilt)
            if out is not None:
                mapping[node], remaps[node] = out
                continue
            mapping[node] = rebuilt
        elif node.op.name == "scan_result" and node.inputs[0] in remaps:
            kind = node.attr("result")
            where = remaps[node.inputs[0]](kind, node.attr("index"))
            # a result either moves to another index, or becomes an outer value
            mapping[node] = where[1] if isinstance(where, tuple) else scan_result(mapping[node.inputs[0]], kind, where)
        else:
            mapping[node] = rebuild(node, inputs)
    return Graph([mapping[i] for i in graph.inputs], [mapping[o] for o in graph.outputs],
                 [(mapping[v], mapping[x]) for v, x in graph.updates])


def _ancestors(roots):
    return set(topological_order(list(roots)))


def _new_scan(scan, body_inputs, body_outputs, n_sequences, n_states, n_outputs, outer_inputs):
    """A scan over a new body; captured parameters nothing reads any more are dropped."""
    reached = _ancestors(body_outputs)
    n_fixed = n_sequences + n_states
    kept = [k for k in range(n_fixed, len(body_inputs)) if body_inputs[k] in reached]
    body_inputs = body_inputs[:n_fixed] + [body_inputs[k] for k in kept]
    outer_inputs = outer_inputs[:n_fixed] + [outer_inputs[k] for k in kept]
    body = ScanBody(Graph(body_inputs, body_outputs), n_sequences, n_states, n_outputs)
    return apply("scan", outer_inputs, body=body, reverse=scan.attr("reverse"))


# ------------------------------------------------------------------ pruning
def _inline_free_captures(scan):
    """The scan with captured values that are just filled tensors (a dropout mask of ones
    once the learning phase is folded) moved into the body, where the simplifier sees
    them; the scan itself when there are none."""
    body = scan.attr("body")
    n_fixed = body.n_sequences + body.n_states
    captured = list(scan.inputs[n_fixed:])
    free = {p: value for p, value in zip(body.captured_params, captured) if is_filled(value)}
    if not free:
        return scan
    outputs = substitute_outputs(body.graph.outputs, dict(free))
    kept = [k for k, p in enumerate(body.captured_params) if p not in free]
    inputs = list(body.graph.inputs[:n_fixed]) + [body.captured_params[k] for k in kept]
    outer = list(scan.inputs[:n_fixed]) + [captured[k] for k in kept]
    return _new_scan(scan, inputs, outputs, body.n_sequences, body.n_states, body.n_outputs, outer)


def prune_loops(graph):
    used = _used_results(graph)

    def transform(original, scan):
        inlined = _inline_free_captures(scan)
        out = _prune(original, inlined)
        if out is None and inlined is not scan:
            return inlined, lambda kind, index: index
        return out

    def _prune(original, scan):
        body = scan.attr("body")
        results = used.get(original, set())
        outputs = [k for k in range(body.n_outputs) if ("outputs", k) in results or ("last", k) in results]
        states = {j for j in range(body.n_states) if ("states", j) in results or ("saved_states", j) in results}
        while True:   # a state is live when a live value depends on it
            roots = [body.step_outputs[k] for k in outputs] + [body.new_states[j] for j in states]
            reached = _ancestors(roots)
            grown = states | {j for j, p in enumerate(body.state_params) if p in reached}
            if grown == states:
                break
            states = grown
        states = sorted(states)
        if len(outputs) == body.n_outputs and len(states) == body.n_states:
            return None
        n_seq = body.n_sequences
        inputs = list(body.sequence_params) + [body.state_params[j] for j in states] + list(body.captured_params)
        outer = list(scan.inputs[:n_seq]) + [scan.inputs[n_seq + j] for j in states] + \
            list(scan.inputs[n_seq + body.n_states:])
        new = _new_scan(scan, inputs, [body.step_outputs[k] for k in outputs] + [body.new_states[j] for j in states],
                        n_seq, len(states), len(outputs), outer)

        def remap(kind, index):
            return outputs.index(index) if kind in ("outputs", "last") else states.index(index)
        return new, remap

    return _rewrite_scans(graph, transform)


# ------------------------------------------------------------------ hoisting
def _users(body):
    """body node -> the body nodes that read it (once per distinct reader)."""
    users = {}
    for n in topological_order(list(body.graph.outputs)):
        for i in set(n.inputs):
            users.setdefault(i, []).append(n)
    return users


class _Batching:
    """Which body values depend on the sequences only, and how to compute them for
    every step at once outside the loop."""

    def __init__(self, scan, body):
        self.body = body
        self.length = scan.inputs[0].shape[0]
        n_seq, n_state = body.n_sequences, body.n_states
        self.outer = dict(zip(body.sequence_params, scan.inputs[:n_seq]))
        self.captured = dict(zip(body.captured_params, scan.inputs[n_seq + n_state:]))
        self.batchable = set(body.sequence_params)
        self.has_matmul = {}
        for n in topological_order(list(body.graph.outputs)):
            if n not in self.batchable and self._can_batch(n):
                self.batchable.add(n)
                self.has_matmul[n] = n.op.name == "matmul" or any(self.has_matmul.get(i, False) for i in n.inputs)

    def _can_batch(self, n):
        stepped = [i for i in n.inputs if i in self.batchable]
        if not stepped:
            return False
        others = [i for i in n.inputs if i not in self.batchable]
        if not all(i in self.captured or is_filled(i) for i in others):
            return False
        if n.op.kind == "elementwise":
            return all(i.ndim == n.ndim for i in stepped) and all(i.ndim <= n.ndim for i in others)
        if n.op.name == "matmul":
            a, b = n.inputs
            return (a in self.batchable and b in self.captured and a.ndim == 2 and b.ndim == 2
                    and not n.attr("transpose_a"))
        return False

    def stacked(self, n, memo):
        """The outer value holding n for every step: (T, ...) + n.shape."""
        if n in memo:
            return memo[n]
        if n in self.outer:
            value = self.outer[n]
        elif n.op.name == "matmul":
            a, w = n.inputs
            rows = apply("reshape", [self.stacked(a, memo)], shape=(self.length * a.shape[0], a.shape[1]))
            product = apply("matmul", [rows, self.captured[w]], transpose_a=False,
                            transpose_b=n.attr("transpose_b"))
            value = apply("reshape", [product], shape=(self.length,) + tuple(n.shape))
        else:
            args = [self.stacked(i, memo) if i in self.batchable else self.captured.get(i, i) for i in n.inputs]
            value = apply(n.op.name, args, payload=n.payload, **dict(n.attrs))
        memo[n] = value
        return value


def hoist_loops(graph):
    def transform(original, scan):
        body = scan.attr("body")
        batching = _Batching(scan, body)
        users = _users(body)
        roots = set(body.graph.outputs)
        frontier = [n for n in batching.batchable
                    if batching.has_matmul.get(n) and
                    (n in roots or any(u not in batching.batchable for u in users.get(n, [])))]
        if not frontier:
            return None
        frontier.sort(key=lambda n: n.id)
        memo, mapping = {}, {}
        new_params, new_sequences = [], []
        for n in frontier:
            new_sequences.append(batching.stacked(n, memo))
            param = source.placeholder(f"hoisted{body.id}_{len(new_params)}", n.shape, n.dtype)
            new_params.append(param)
            mapping[n] = param
        outputs = substitute_outputs(body.graph.outputs, mapping)
        n_seq = body.n_sequences
        inputs = list(body.sequence_params) + new_params + list(body.state_params) + list(body.captured_params)
        outer = list(scan.inputs[:n_seq]) + new_sequences + list(scan.inputs[n_seq:])
        new = _new_scan(scan, inputs, outputs, n_seq + len(new_params), body.n_states, body.n_outputs, outer)
        return new, lambda kind, index: index

    return _rewrite_scans(graph, transform)


# ------------------------------------------------------------------ sinking accumulations
def _accumulated_term(body, j, users):
    """X when the state j is only ever `state + X` (a sum over steps), else None."""
    param, new = body.state_params[j], body.new_states[j]
    if new.op.name != "add" or users.get(param, []) != [new] or new in body.step_outputs:
        return None
    a, b = new.inputs
    term = b if a is param else a if b is param else None
    if term is None or term is param or term.shape != param.shape or term.dtype is not param.dtype:
        return None
    return term


def sink_accumulations(graph):
    """Sums over steps of `a_t^T @ g_t` and of `sum(g_t, axis 0)` (the gradients of
    weights a loop reads, as backpropagation through time builds them) leave the loop:
    the loop emits g_t per step, and ONE GEMM over all steps (or one reduction) after
    it gives the sum, instead of a small GEMM per step."""
    used = _used_results(graph)

    def transform(original, scan):
        body = scan.attr("body")
        results = used.get(original, set())
        batching = _Batching(scan, body)
        users = _users(body)
        sunk = {}      # state index -> (kind, per-step value, stepped operand)
        for j in range(body.n_states):
            if ("saved_states", j) in results:
                continue
            term = _accumulated_term(body, j, users)
            if term is None:
                continue
            if term.op.name == "matmul" and term.attr("transpose_a") and not term.attr("transpose_b") \
                    and term.inputs[0] in batching.batchable and term.inputs[0].ndim == 2 \
                    and term.inputs[1] not in batching.batchable:
                sunk[j] = ("matmul", term.inputs[1], term.inputs[0])
            elif term.op.name == "sum" and tuple(term.attr("axes")) == (0,) and not term.attr("keepdims") \
                    and term.inputs[0] not in batching.batchable:
                sunk[j] = ("sum", term.inputs[0], None)
        # per-step outputs g_t @ W (W captured) are computed after the loop as one GEMM
        projected = {}
        for k, y in enumerate(body.step_outputs):
            if ("outputs", k) in results and ("last", k) not in results and y.op.name == "matmul" \
                    and y.inputs[1] in batching.captured and y.inputs[0] not in batching.batchable \
                    and y.inputs[0].ndim == 2 and not y.attr("transpose_a"):
                projected[k] = y.inputs[0]
        if not sunk and not projected:
            return None
        kept = [j for j in range(body.n_states) if j not in sunk]
        n_seq = body.n_sequences
        kept_outputs = [k for k in range(body.n_outputs) if k not in projected]
        per_step = []      # each distinct g_t once (dW, dU and db all sum the same dz)
        for g in [sunk[j][1] for j in sorted(sunk)] + [projected[k] for k in sorted(projected)]:
            if g not in per_step:
                per_step.append(g)
        n_out = len(kept_outputs)
        inputs = list(body.sequence_params) + [body.state_params[j] for j in kept] + list(body.captured_params)
        outputs = [body.step_outputs[k] for k in kept_outputs] + per_step + [body.new_states[j] for j in kept]
        outer = list(scan.inputs[:n_seq]) + [scan.inputs[n_seq + j] for j in kept] + \
            list(scan.inputs[n_seq + body.n_states:])
        new = _new_scan(scan, inputs, outputs, n_seq, len(kept), n_out + len(per_step), outer)
        length = scan.inputs[0].shape[0]
        totals, memo = {}, {}
        for j in sorted(sunk):
            kind, g, a = sunk[j]
            stacked_g = scan_result(new, "outputs", n_out + per_step.index(g))
            initial = scan.inputs[n_seq + j]
            if kind == "matmul":
                rows_a = apply("reshape", [batching.stacked(a, memo)], shape=(length * a.shape[0], a.shape[1]))
                rows_g = apply("reshape", [stacked_g], shape=(length * g.shape[0], g.shape[1]))
                total = apply("matmul", [rows_a, rows_g], transpose_a=True, transpose_b=False)
            else:
                total = apply("sum", [stacked_g], axes=(0, 1), keepdims=False)
            totals[j] = apply("add", [initial, total])
        projections = {}
        for k, g in projected.items():
            y = body.step_outputs[k]
            stacked_g = scan_result(new, "outputs", n_out + per_step.index(g))
            rows = apply("reshape", [stacked_g], shape=(length * g.shape[0], g.shape[1]))
            product = apply("matmul", [rows, batching.captured[y.inputs[1]]], transpose_a=False,
                            transpose_b=y.attr("transpose_b"))
            projections[k] = apply("reshape", [product], shape=(length,) + tuple(y.shape))

        def remap(kind, index):
            if kind in ("outputs", "last"):
                return ("value", projections[index]) if index in projections else kept_outputs.index(index)
            if index in totals:
                return ("value", totals[index])
            return kept.index(index)
        return new, remap

    return _rewrite_scans(graph, transform)
