"""compile_graph: Graph -> CompiledGraph (object code + the signature the runtime needs).

The one compile pipeline is declared here, as a list of named stages (PIPELINE): the
graph passes, then scheduling (fusion), memory planning, code generation, LLVM's
optimisation and object emission. Every stage can be dumped and is timed
(passes/pipeline.py). Results are cached in memory and on disk, keyed by a canonical text
of the optimised graph, the CPU and the toolchain versions; the canonical text leaves
out everything the code does not depend on (placeholder and variable identities,
constant array values), so two models with the same structure share their code.

For the JIT, kernels are compiled and cached one text at a time (codegen/kernel_cache.py):
a graph's object is then only its entry, and a kernel another graph (or another size of
the same loop) already compiled is not compiled again; what is new may compile on both
cores (codegen/forked.py; KERALITE_PARALLEL_COMPILE=0 keeps them in one). Exported
libraries and code dumps link the same kernel texts into the entry's module, so an export
runs the code the JIT runs.
"""
import functools
import hashlib
import json
import os
import threading
import time

from . import compile_record
from .collection import collection_paused
from .fingerprint import compiler_fingerprint
from .ir.graph import Graph, format_attr, is_subgraph
from .ir.derived import definition as derived_definition, is_derived, leaves as derived_leaves, text as derived_text
from .ir.shapes import Sym, derived_symbols, shape_str
from .passes.pipeline import (Dumper, Pipeline, Stage, CompileState, graph_pass, checking_from_environment,
                              disabled_from_environment, timings_listing)
from .ops.conv import lowering_settings as conv_lowering_settings
from .passes.resolve_dims import resolve_dims
from .passes.simplify import simplify
from .passes.fold import fold_constants
from .passes.loops import prune_loops, hoist_loops, sink_accumulations
from .passes.composites import expand_composites
from .passes.conv_epilogue import fuse_conv_epilogues
from .passes.weight_cache import hoist_weight_transforms
from .passes.schedule import schedule
from .passes.memory import MemoryPlan
from .codegen import forked, kernel_cache, support, target
from .codegen.module import build_entry_module
from ..runtime import cache, native

FORMAT_VERSION = "4"       # 4: objects say what they call by their undefined symbols

# On a machine where keralite never ran, the C runtime and the float32 GEMM start building
# now, on the other core, while the program goes on importing and building its model.
native.start_background_load()
support.start_background_build()

ERRORS = {1: "gather: index out of range",
          2: "scan: out of memory for a loop's buffers"}   # codegen/control_flow.OUT_OF_MEMORY

_memory_cache = {}
_loaded = {}      # key -> entry address of a JIT-loaded object
_lock = threading.RLock()


class CompiledGraph:
    """Object code of one graph and how to call it.

    `signature` is plain data (JSON) for the runtime: input/output dtypes and shapes in
    terms of the `dims` array, slot layout and arena size. `variables` and `constants`
    list the nodes whose runtime buffers fill the variable and constant slots.
    """

    def __init__(self, graph, obj, signature, variables, constants, key, kernels=()):
        self._graph = graph
        self._passes = None             # what gives the graph when a record skipped the passes
        self.obj = obj
        self.signature = signature
        self.variables = variables
        self.constants = constants
        self.key = key
        self.kernels = list(kernels)    # [symbol, batch id] of the portable kernels it calls
        self.timings = {}
        self.cpu_timings = {}
        self._address = None
        self.prologue = None            # a CompiledGraph computing cached weight values, if any

    @property
    def graph(self):
        """The graph after the passes. A compile read from a record (compile_record.py)
        skipped them; they run here, on first use, for whoever inspects the graph (its
        weight caches are then other nodes than the ones in `variables`)."""
        if self._graph is None:
            self._graph = self._passes()
        return self._graph

    def address(self):
        """Address of the entry point, JIT-loading the object on first use."""
        if self._address is None:
            began, began_cpu = time.perf_counter(), time.process_time()
            with _lock:
                address = _loaded.get(self.key)
                if address is None:
                    kernel_cache.load(self.kernels)
                    name = self.signature["entry"]
                    address = target.load_object(self.obj, [name], provide=support.provide)[name]
                    _loaded[self.key] = address
            self._address = address
            self.timings["load"] = self.timings.get("load", 0.0) + time.perf_counter() - began
            self.cpu_timings["load"] = self.cpu_timings.get("load", 0.0) + time.process_time() - began_cpu
        return self._address


def _symbol_order(graph):
    """Symbols in the order inputs bind them, then the derived ones (ir/derived.py), each
    after those its value is computed from; every other symbol must be bound by an input."""
    order = []
    for x in graph.inputs:
        for d in x.shape:
            if isinstance(d, Sym):
                for s in d.syms:
                    if s not in order and not is_derived(s):
                        order.append(s)
    computed = []
    outer = set(graph.nodes())
    for n, d in _graph_dims(graph):
        for s in d.syms:
            if s not in order and not is_derived(s) and n in outer and d in n.shape:
                raise ValueError(
                    f"the size {d!r} of a value in this graph is not set by any input; "
                    f"feed the placeholder it comes from (node %{n.id} {n.op.name}{shape_str(n.shape)})")
        for s in derived_symbols(d):
            if s in computed:
                continue
            for leaf in derived_leaves(derived_definition(s)):
                missing = [b for b in leaf.syms if b not in order and not is_derived(b)]
                if missing:
                    raise ValueError(f"the size {d!r} of node %{n.id} {n.op.name}{shape_str(n.shape)} is computed "
                                     f"from {missing[0]}, which no input of this graph sets")
            computed.append(s)
    return order + computed


def _graph_dims(graph):
    """(node, Sym) for every symbolic dim of a node's shape or attributes, loop bodies
    included: what the code reads from `dims`."""
    for n in graph.nodes():
        for d in n.shape:
            if isinstance(d, Sym):
                yield n, d
        for _, value in n.attrs:
            if is_subgraph(value):
                yield from _graph_dims(value.graph)
            else:
                for d in _flat(value):
                    if isinstance(d, Sym):
                        yield n, d


def _flat(value):
    if isinstance(value, tuple):
        for v in value:
            yield from _flat(v)
    else:
        yield value


def _derived_spec(expr, sym_index):
    """A derived symbol's expression as JSON for the runtime, with symbols as indices."""
    if isinstance(expr, int):
        return expr
    if isinstance(expr, Sym):
        return ["dim", expr.coef, [sym_index[s] for s in expr.syms]]
    op = expr[0]
    if op == "sum":
        return ["sum", expr[1], [[coef, _derived_spec(e, sym_index)] for coef, e in expr[2]]]
    if op == "floordiv":
        return ["floordiv", _derived_spec(expr[1], sym_index), expr[2]]
    if op == "atleast":
        return ["atleast", _derived_spec(expr[1], sym_index), expr[2], expr[3]]
    return [op] + [_derived_spec(e, sym_index) for e in expr[1:]]


def _derived_signature(graph, sym_order, sym_index):
    """[index, expression, is a size] of every derived symbol, in the order the runtime
    computes them; a size (a dim of some value, not only a step of another's
    computation) must not come out negative."""
    sizes = {s for _, d in _graph_dims(graph) for s in d.syms}
    return [[sym_index[s], _derived_spec(derived_definition(s), sym_index), s in sizes]
            for s in sym_order if is_derived(s)]


def _check_inputs(graph):
    given = set(graph.inputs)
    for n in graph.nodes():
        if n.op.name == "placeholder" and n not in given:
            raise ValueError(f"placeholder {n.attr('name') or n.attr('uid')!r} is needed to compute "
                             "the outputs but is not among the function's inputs")


def canonical_text(graph, syms=None, values=None):
    """The graph as text with process-specific names replaced by positions; a loop's
    body is spelled out inside its node (its symbols named with the outer graph's).
    The expressions of derived symbols end the text, so graphs that differ only in how
    a size is computed never share code. `values`: the constant nodes whose arrays'
    digests are part of the text (those of loop bodies all are), or None for none."""
    nodes = graph.nodes()
    names = {n.id: k for k, n in enumerate(nodes)}
    outermost = syms is None
    syms = {} if syms is None else syms

    def dim(d):
        if isinstance(d, Sym):
            parts = [syms.setdefault(s, f"s{len(syms)}") for s in d.syms]
            return "*".join([str(d.coef)] + parts)
        return str(d)

    def attr(v):
        if isinstance(v, Sym):
            return dim(v)
        if isinstance(v, tuple):
            return "(" + ",".join(attr(x) for x in v) + ")"
        if is_subgraph(v):
            inner = None if values is None else set(v.graph.nodes())
            return "{" + v.header() + "\n" + canonical_text(v.graph, syms, inner) + "}"
        return format_attr(v)

    lines = []
    for n in nodes:
        hidden = ("uid", "name") if values is not None and n in values else ("uid", "name", "digest")
        attrs = [(k, v) for k, v in n.attrs if k not in hidden]
        if n.op.kind == "source" and n.op.name != "constant":
            attrs = [(k, v) for k, v in attrs if k not in ("shape",)]
        args = ",".join(f"%{names[i.id]}" for i in n.inputs)
        attr_text = ",".join(f"{k}={attr(v)}" for k, v in attrs)
        lines.append(f"%{names[n.id]}:{n.dtype.short}[{','.join(dim(d) for d in n.shape)}]"
                     f"={n.op.name}({args};{attr_text})")
    lines.append("in:" + ",".join(f"%{names[i.id]}" for i in graph.inputs))
    lines.append("out:" + ",".join(f"%{names[o.id]}" for o in graph.outputs))
    lines.append("upd:" + ",".join(f"%{names[v.id]}<-%{names[x.id]}" for v, x in graph.updates))
    if outermost:
        # naming a definition's leaves may name more derived symbols: go on until none is new
        written = set()
        while True:
            pending = [s for s in syms if is_derived(s) and s not in written]
            if not pending:
                break
            for s in pending:
                written.add(s)
                lines.append(f"sym {syms[s]}=" + derived_text(derived_definition(s), dim))
    return "\n".join(lines)


def _dims_spec(shape, sym_index):
    out = []
    for d in shape:
        if isinstance(d, Sym):
            out.append([d.coef, [sym_index[s] for s in d.syms]])
        else:
            out.append(int(d))
    return out


def _signature(graph, plan, sym_order, entry):
    sym_index = {s: i for i, s in enumerate(sym_order)}
    return {
        "entry": entry,
        "symbols": len(sym_order),
        "derived": _derived_signature(graph, sym_order, sym_index),
        "inputs": [{"dtype": x.dtype.name, "shape": _dims_spec(x.shape, sym_index),
                    "name": x.attr("name") or ""} for x in graph.inputs],
        "outputs": [{"dtype": o.dtype.name, "shape": _dims_spec(o.shape, sym_index)} for o in graph.outputs],
        "variables": [{"dtype": v.dtype.name, "shape": _dims_spec(v.shape, sym_index)} for v in plan.variables],
        "updated": [k for k, v in enumerate(plan.variables) if v in {target for target, _ in graph.updates}],
        "constants": len(plan.constants),
        "arena": [[coef, [sym_index[s] for s in syms]] for coef, syms in plan.arena_size],
        "slots": plan.arena_slot + 1,
        "errors": {str(k): v for k, v in ERRORS.items()},
    }


# Targets for ahead-of-time exports: (LLVM cpu name, extra features).
AOT_TARGETS = {
    "x86-64": ("x86-64", ""),            # any x86-64 CPU (SSE2)
    "x86-64-v3": ("x86-64-v3", ""),      # AVX2 + FMA
    "x86-64-v4": ("x86-64-v4", "-prefer-256-bit"),   # AVX-512 with 512-bit vectors
}


def resolve_target(name):
    """(cpu, features) for 'host' or one of AOT_TARGETS."""
    if name in (None, "host"):
        return target.host_cpu()
    if name not in AOT_TARGETS:
        raise ValueError(f"unknown target {name!r}: use host or one of {sorted(AOT_TARGETS)}")
    return AOT_TARGETS[name]


def _schedule(state):
    state.program = schedule(state.graph)
    for kernel in state.program.kernels:
        if kernel.kind == "control":
            # a loop's body goes through the same stages, up to its memory plan
            graph, kernel.body_outputs = _body_graph(kernel.node.attr("body"))
            body = CompileState(graph, check=state.check, **state.options)
            PIPELINE.run(body, state.dumper, stop="plan_memory", disabled=state.disabled)
            kernel.body_program, kernel.body_plan = body.program, body.plan


def _body_graph(body):
    """The graph a loop body compiles to, and where each of its outputs lands in it: a
    per-step output that is also a new state, or repeats an earlier output, is written
    once (the loop reads it from the state's buffer), not copied every step."""
    outputs = list(body.graph.outputs)
    n_out = body.n_outputs
    states = outputs[n_out:]
    kept = []
    for k, y in enumerate(outputs[:n_out]):
        if y not in states and y not in kept:
            kept.append(y)
    compiled = kept + states
    landing = []
    for k, y in enumerate(outputs[:n_out]):
        landing.append(len(kept) + states.index(y) if y in states else kept.index(y))
    landing += [len(kept) + j for j in range(len(states))]
    return Graph(body.graph.inputs, compiled), landing


def _cache_weight_transforms(state):
    """For a caller that runs prologues (K.function): GEMM and layout work on weights the
    graph does not update moves into a prologue graph (passes/weight_cache.py)."""
    state.prologue = []
    if state.options.get("prologue"):
        state.graph, state.prologue = hoist_weight_transforms(state.graph)


def _plan_memory(state):
    state.plan = MemoryPlan(state.program)
    state.symbol_order = _symbol_order(state.graph)


def _generate_code(state):
    sym_index = {s: i for i, s in enumerate(state.symbol_order)}
    options = state.options
    module, state.portable_kernels = build_entry_module(
        state.program, state.plan, sym_index, options["entry"],
        lambda text, light: kernel_cache.symbol_of(text, options["cpu"], options["features"], light))
    state.llvm_text = str(module)


def _code_listing(state):
    """The entry's IR, then each distinct kernel's (what `codegen` dumps)."""
    return "\n".join([state.llvm_text] + [kernel_cache.named_text(k) for k in _distinct(state.portable_kernels)])


def _distinct(kernels):
    seen = set()
    return [k for k in kernels if not (k.symbol in seen or seen.add(k.symbol))]


# Fewer tiny kernels than this compile with the others: a pipeline and an object of their
# own would cost more than vectorising them does.
MIN_LIGHT_BATCH = 4
# The entry's IR (straight-line calls) and the tiny kernels' (not vectorised) cost about this
# many times less to compile per character than a vectorised kernel's (measured roughly).
ENTRY_COST_RATIO = 6


def _optimize(state):
    options = state.options
    tm = target.target_machine(options["cpu"], options["features"], jit=options["jit"])
    state.target_machine = tm
    state.kernel_modules, state.forked = [], None
    if state.options.get("split"):
        # kernels this process or the disk cache already has are not compiled again; of
        # the others, the tiny ones compile without vectorisation, and (when asked for) a
        # share of the rest compiles in a forked child on the other core
        missing = kernel_cache.find(state.portable_kernels)
        light = [k for k in missing if k.light]
        if len(light) < MIN_LIGHT_BATCH:
            light = []
        heavy = [k for k in missing if k not in light]
        texts = [kernel_cache.named_text(k) for k in heavy]
        local = list(range(len(heavy)))
        if len(heavy) > 1 and sum(map(len, texts)) >= forked.MIN_TEXT:
            # this process also compiles the tiny kernels and the entry
            extra = (sum(len(k.text) for k in light) + len(state.llvm_text)) // ENTRY_COST_RATIO
            local, other = forked.partition(texts, parent_extra=extra)
            job = forked.compile_later([texts[i] for i in other], tm)
            if job is not None:
                state.forked = (job, [heavy[i] for i in other], [texts[i] for i in other])
            else:
                local = list(range(len(heavy)))
        if local:
            module = target.link_and_optimize([texts[i] for i in local], tm)
            state.kernel_modules.append(([heavy[i] for i in local], module))
        if light:
            module = target.link_and_optimize([kernel_cache.named_text(k) for k in light], tm, vectorize=False)
            state.kernel_modules.append((light, module))
        if any(k.kind == "control" for k in state.program.kernels):
            # a loop over a subgraph keeps its body's kernels in the entry's module
            state.llvm_module = target.parse_and_optimize(state.llvm_text, tm)
        else:
            # the entry only computes addresses and calls kernels: nothing to vectorise
            state.llvm_module = target.link_and_optimize([state.llvm_text], tm, speed=1, vectorize=False)
    else:
        # an export (or a code dump): the same kernels, linked into the entry's module
        kernels = _distinct(state.portable_kernels)
        state.llvm_module = target.link_and_optimize(
            [state.llvm_text] + [kernel_cache.named_text(k) for k in kernels], tm,
            private=[k.symbol for k in kernels])
    if not state.options["jit"]:
        # only the entry point is visible outside the shared library
        state.llvm_module.get_function(state.options["entry"]).visibility = "hidden"


def _emit_object(state):
    tm = state.target_machine
    for kernels, module in state.kernel_modules:
        kernel_cache.add_batch(kernels, target.emit_object(module, tm))
    state.obj = target.emit_object(state.llvm_module, tm)
    if state.forked is not None:
        job, kernels, texts = state.forked
        obj = job.result()
        if obj is None:       # the child failed: compile its share here
            obj = target.emit_object(target.link_and_optimize(texts, tm), tm)
        kernel_cache.add_batch(kernels, obj)


def evaluate_constants(nodes):
    """Values of constant nodes, computed by compiling them as a graph of their own
    (with folding off) and running it once: the evaluator constant folding uses."""
    from ..runtime.executable import Executable
    compiled = compile_graph(Graph([], list(nodes)), name="fold", disabled=("fold_constants", "fold_expanded"))
    exe = Executable(compiled.address(), compiled.signature, [], [c.payload for c in compiled.constants])
    return exe([])


# The whole compile, in order. Graph passes rewrite the graph; `schedule` fuses it into
# kernels; `plan_memory` lays out the arena; the last three turn kernels into object code.
PIPELINE = Pipeline([
    graph_pass("resolve_dims", resolve_dims, required=True),
    graph_pass("simplify", simplify),
    graph_pass("prune_loops", prune_loops),
    graph_pass("hoist_loops", hoist_loops),
    graph_pass("sink_accumulations", sink_accumulations),
    graph_pass("fold_constants", functools.partial(fold_constants, evaluate=evaluate_constants)),
    graph_pass("expand_composites", expand_composites, required=True),
    # what the expansion computes from constants alone (a frozen kernel's Winograd transform)
    graph_pass("fold_expanded", functools.partial(fold_constants, evaluate=evaluate_constants)),
    graph_pass("fuse_conv_epilogues", fuse_conv_epilogues),
    graph_pass("simplify_expanded", simplify),
    Stage("cache_weight_transforms", _cache_weight_transforms, "graph", dump=lambda st: st.graph.listing()),
    Stage("schedule", _schedule, "fused", dump=lambda st: st.program.listing(), required=True),
    Stage("plan_memory", _plan_memory, "fused", dump=lambda st: st.plan.listing(), required=True),
    Stage("codegen", _generate_code, "llvm", dump=_code_listing, required=True),
    Stage("optimize", _optimize, "llvm", dump=lambda st: str(st.llvm_module), required=True),
    Stage("emit_object", _emit_object, "asm",
          dump=lambda st: target.emit_assembly(st.llvm_module, st.target_machine), required=True),
])


def compile_graph(graph, name="graph", dump=None, cpu=None, features=None, jit=True, entry=None, disabled=(),
                  prologue=False):
    """Compile a Graph; returns a CompiledGraph (cached).

    By default the code is for this CPU and loaded into the JIT. `jit=False` gives
    position-independent object code (small code model) for a shared library, for the
    CPU named by `cpu`/`features` (see resolve_target); `entry` names its entry point.
    `disabled` names passes to skip on top of those KERALITE_DISABLE_PASSES names.
    With `prologue` (a caller that runs one, as K.function does), work on weights the
    graph does not update moves into `compiled.prologue`, a CompiledGraph that writes
    its results into variables the graph reads (passes/weight_cache.py); the caller runs
    it before a call whenever a weight it reads was written (runtime `write_counts`).
    """
    with collection_paused():
        return _compile_graph(graph, name, dump, cpu, features, jit, entry, disabled, prologue)


def _compile_graph(graph, name, dump, cpu, features, jit, entry, disabled, prologue):
    dumper = Dumper(dump, name)
    _check_inputs(graph)
    if cpu is None:
        cpu, features = target.host_cpu()
    features = features or ""
    disabled = disabled_from_environment() | set(disabled)
    # the JIT compiles kernels one text at a time (codegen/kernel_cache.py); a dump of the
    # code, and an exported library, link them into the entry's module
    wants_code = dumper.wants("llvm") or dumper.wants("asm") or any(
        dumper.wants(None, s) for s in ("codegen", "optimize", "emit_object"))
    split = jit and not wants_code and kernel_cache_enabled()
    front = None
    if split and not dumper.stages:
        began, began_cpu = time.perf_counter(), time.process_time()
        front = _record_key(graph, cpu, features, entry, disabled, prologue)
        compiled = _from_record(front, graph, name, cpu, features, disabled, prologue)
        if compiled is not None:
            compiled.timings["record"] = time.perf_counter() - began
            compiled.cpu_timings["record"] = time.process_time() - began_cpu
            return compiled
    state = CompileState(graph, check=checking_from_environment(), cpu=cpu, features=features, jit=jit,
                         prologue=prologue and jit)
    PIPELINE.run(state, dumper, stop="plan_memory", disabled=disabled)
    state.options["split"] = split
    mode = "split" if split else "linked"
    text = canonical_text(state.graph)
    key = hashlib.sha256("\n".join([FORMAT_VERSION, cpu, features, "jit" if jit else "pic", entry or "", mode,
                                    target.versions(), compiler_fingerprint(), text]).encode()).hexdigest()
    state.options["entry"] = entry = entry or f"kl_{key[:16]}"
    signature = _signature(state.graph, state.plan, state.symbol_order, entry)
    cached = None if wants_code else _cached_code(key, split)
    if cached is None:
        PIPELINE.run(state, dumper, start="codegen", disabled=disabled)
        kernels = kernel_cache.placement(state.portable_kernels) if split else []
        cached = (state.obj, kernels)
        _disk_put(key, cached, split)
        with _lock:
            _memory_cache[key] = cached
    dumper("timings", "timings", timings_listing(state.timings))
    obj, kernels = cached
    compiled = CompiledGraph(state.graph, obj, signature, state.plan.variables, state.plan.constants, key,
                             kernels)
    compiled.timings = state.timings
    compiled.cpu_timings = state.cpu_timings
    pairs = getattr(state, "prologue", None)
    if pairs:
        compiled.prologue = compile_graph(Graph([], [], list(pairs)), name=f"{name}_prologue", dump=dump,
                                          disabled=disabled)
    if front is not None:
        _store_record(front, graph, compiled)
    return compiled


_records = {}     # record key -> (meta, arrays) of compile_record, for this process


def _record_key(graph, cpu, features, entry, disabled, prologue):
    """The key of a compile's record: the graph as given (input names included) and
    every option the passes and code depend on. The values of its array constants are
    part of it where folding may read them: a constant read only by ops that are not
    pure (a random draw's seed) is never folded, and its value, like the code, does
    not depend on the number (so a model whose dropout seeds differ from run to run
    still finds its record)."""
    consumers = graph.consumers()
    folded = {n for n in graph.nodes()
              if n.op.name == "constant" and any(u.op.pure for u in consumers.get(n, []))}
    names = ",".join(x.attr("name") or "" for x in graph.inputs)
    # every environment setting a pass reads is part of the key
    return hashlib.sha256("\n".join([
        "record", FORMAT_VERSION, cpu, features, entry or "", ",".join(sorted(disabled)), str(bool(prologue)),
        conv_lowering_settings(), target.versions(), compiler_fingerprint(), names,
        canonical_text(graph, values=folded)]).encode()).hexdigest()


def _from_record(front, graph, name, cpu, features, disabled, prologue):
    """The CompiledGraph a record gives for `graph` (its code from the caches), or None."""
    with _lock:
        found = _records.get(front)
    if found is None:
        payload = cache.get(compile_record.KIND, front)
        found = compile_record.unpack(payload) if payload is not None else None
        if found is None:
            return None
    fitted = compile_record.slots(*found, graph)
    if fitted is None:
        return None
    parts = []
    for part, variables, constants in fitted:
        if part is None:
            parts.append(None)
            continue
        cached = _cached_code(part["key"], True)
        if cached is None:
            return None
        parts.append(CompiledGraph(None, cached[0], part["signature"], variables, constants, part["key"],
                                   cached[1]))
    with _lock:
        _records[front] = found
    compiled, compiled.prologue = parts
    again = functools.lru_cache(maxsize=1)(lambda: _passes_again(graph, name, cpu, features, disabled, prologue))
    compiled._passes = lambda: again()[0]
    if compiled.prologue is not None:
        compiled.prologue._passes = lambda: again()[1]
    return compiled


def _passes_again(graph, name, cpu, features, disabled, prologue):
    """(graph, prologue graph) after the passes, for a compile read from a record."""
    state = CompileState(graph, cpu=cpu, features=features, jit=True, prologue=prologue)
    PIPELINE.run(state, Dumper(None, name), stop="plan_memory", disabled=disabled)
    pairs = getattr(state, "prologue", None)
    if not pairs:
        return state.graph, None
    body = CompileState(Graph([], [], list(pairs)), cpu=cpu, features=features, jit=True)
    PIPELINE.run(body, Dumper(None, name), stop="plan_memory", disabled=disabled)
    return state.graph, body.graph


def _store_record(front, graph, compiled):
    described = compile_record.describe(graph, compiled)
    if described is None:
        return
    with _lock:
        _records[front] = described
    cache.put(compile_record.KIND, front, compile_record.pack(*described))


def kernel_cache_enabled():
    """Kernels are compiled and cached one text at a time unless KERALITE_KERNEL_CACHE=0
    (then each graph's kernels are linked into its one module, as an exported library's are)."""
    return os.environ.get("KERALITE_KERNEL_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def _cached_code(key, split):
    """(object, kernels) compiled for `key`, from this process's memory or the disk
    cache (then remembered in memory), or None."""
    with _lock:
        cached = _memory_cache.get(key)
    if cached is None:
        cached = _disk_get(key, split)
        if cached is not None:
            with _lock:
                _memory_cache[key] = cached
    return cached


def _disk_get(key, split):
    """(object, kernels) of a graph from the disk cache, or None; a split graph is only
    a hit when the kernels it calls are still cached too."""
    payload = cache.get("object", key)
    if payload is None:
        return None
    if not split:
        return payload, []
    unpacked = kernel_cache.unpack(payload)
    if unpacked is None:
        return None
    meta, obj = unpacked
    kernels = meta.get("kernels") if isinstance(meta, dict) else None
    well_formed = isinstance(kernels, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in kernels)
    if not well_formed or not obj or not kernel_cache.available(kernels):
        return None
    return obj, kernels


def _disk_put(key, cached, split):
    obj, kernels = cached
    cache.put("object", key, kernel_cache.pack({"kernels": kernels}, obj) if split else obj)


def signature_json(compiled):
    return json.dumps(compiled.signature, sort_keys=True)
