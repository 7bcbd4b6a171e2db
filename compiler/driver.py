"""compile_graph: Graph -> CompiledGraph (object code + the signature the runtime needs).

Passes (passes/pipeline.py), fusion (passes/schedule.py), memory planning
(passes/memory.py), codegen (codegen/module.py), LLVM O3, object code. Results are cached
in memory and on disk, keyed by a canonical text of the optimised graph, the CPU and the
toolchain versions; the canonical text leaves out everything the code does not depend on
(placeholder and variable identities, constant array values), so two models with the
same structure share their code.
"""
import hashlib
import json
import threading

from .ir.graph import Graph, format_attr
from .ir.shapes import Sym, find, resolve, shape_str
from .passes.pipeline import Dumper, run_graph_passes
from .passes.schedule import schedule
from .passes.memory import MemoryPlan
from .codegen import target
from .codegen.module import build_module

FORMAT_VERSION = "1"
_fingerprint = None


def compiler_fingerprint():
    """A hash of the compiler's own sources: object code cached by another version of
    the code generator (whose memory layout may differ) must never be reused."""
    global _fingerprint
    if _fingerprint is None:
        import os
        root = os.path.dirname(os.path.abspath(__file__))
        h = hashlib.sha256()
        for folder, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    h.update(os.path.relpath(path, root).encode())
                    with open(path, "rb") as f:
                        h.update(f.read())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


ERRORS = {1: "gather: index out of range"}

_memory_cache = {}
_loaded = {}      # key -> entry address of a JIT-loaded object
_lock = threading.RLock()


class CompiledGraph:
    """Object code of one graph and how to call it.

    `signature` is plain data (JSON) for the runtime: input/output dtypes and shapes in
    terms of the `dims` array, slot layout and arena size. `variables` and `constants`
    list the nodes whose runtime buffers fill the variable and constant slots.
    """

    def __init__(self, graph, obj, signature, variables, constants, key):
        self.graph = graph
        self.obj = obj
        self.signature = signature
        self.variables = variables
        self.constants = constants
        self.key = key
        self._address = None

    def address(self):
        """Address of the entry point, JIT-loading the object on first use."""
        if self._address is None:
            with _lock:
                address = _loaded.get(self.key)
                if address is None:
                    _register_runtime_symbols()
                    name = self.signature["entry"]
                    address = target.load_object(self.obj, [name])[name]
                    _loaded[self.key] = address
            self._address = address
        return self._address


def _register_runtime_symbols():
    """The thread pool and the support library (GEMMs) that graph code calls."""
    from .codegen import support
    support.ensure_loaded()


def _symbol_order(graph):
    """Symbols in the order inputs bind them; every symbol must be bound by an input."""
    order = []
    for x in graph.inputs:
        for d in map(resolve, x.shape):
            if isinstance(d, Sym):
                for s in d.syms:
                    if s not in order:
                        order.append(s)
    for n in graph.nodes():
        for d in map(resolve, n.shape):
            if isinstance(d, Sym):
                for s in d.syms:
                    if s not in order:
                        raise ValueError(
                            f"the size {d!r} of a value in this graph is not set by any input; "
                            f"feed the placeholder it comes from (node %{n.id} {n.op.name}{shape_str(n.shape)})")
    return order


def _check_inputs(graph):
    given = set(graph.inputs)
    for n in graph.nodes():
        if n.op.name == "placeholder" and n not in given:
            raise ValueError(f"placeholder {n.attr('name') or n.attr('uid')!r} is needed to compute "
                             "the outputs but is not among the function's inputs")


def canonical_text(graph):
    """The graph as text with process-specific names replaced by positions."""
    nodes = graph.nodes()
    names = {n.id: k for k, n in enumerate(nodes)}
    syms = {}

    def dim(d):
        d = resolve(d)
        if isinstance(d, Sym):
            parts = [syms.setdefault(s, f"s{len(syms)}") for s in d.syms]
            return "*".join([str(d.coef)] + parts)
        return str(d)

    def attr(v):
        if isinstance(v, Sym):
            return dim(v)
        if isinstance(v, tuple):
            return "(" + ",".join(attr(x) for x in v) + ")"
        return format_attr(v)

    lines = []
    for n in nodes:
        attrs = [(k, v) for k, v in n.attrs if k not in ("uid", "name", "digest")]
        if n.op.kind == "source" and n.op.name != "constant":
            attrs = [(k, v) for k, v in attrs if k not in ("shape",)]
        args = ",".join(f"%{names[i.id]}" for i in n.inputs)
        attr_text = ",".join(f"{k}={attr(v)}" for k, v in attrs)
        lines.append(f"%{names[n.id]}:{n.dtype.short}[{','.join(dim(d) for d in n.shape)}]"
                     f"={n.op.name}({args};{attr_text})")
    lines.append("in:" + ",".join(f"%{names[i.id]}" for i in graph.inputs))
    lines.append("out:" + ",".join(f"%{names[o.id]}" for o in graph.outputs))
    lines.append("upd:" + ",".join(f"%{names[v.id]}<-%{names[x.id]}" for v, x in graph.updates))
    return "\n".join(lines)


def _dims_spec(shape, sym_index):
    out = []
    for d in map(resolve, shape):
        if isinstance(d, Sym):
            out.append([d.coef, [sym_index[find(s)] for s in d.syms]])
        else:
            out.append(int(d))
    return out


def _signature(graph, plan, sym_order, entry):
    sym_index = {s: i for i, s in enumerate(sym_order)}
    return {
        "entry": entry,
        "symbols": len(sym_order),
        "inputs": [{"dtype": x.dtype.name, "shape": _dims_spec(x.shape, sym_index),
                    "name": x.attr("name") or ""} for x in graph.inputs],
        "outputs": [{"dtype": o.dtype.name, "shape": _dims_spec(o.shape, sym_index)} for o in graph.outputs],
        "variables": [{"dtype": v.dtype.name, "shape": _dims_spec(v.shape, sym_index)} for v in plan.variables],
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


def compile_graph(graph, name="graph", dump=None, cpu=None, features=None, jit=True, entry=None):
    """Compile a Graph; returns a CompiledGraph (cached).

    By default the code is for this CPU and loaded into the JIT. `jit=False` gives
    position-independent object code (small code model) for a shared library, for the
    CPU named by `cpu`/`features` (see resolve_target); `entry` names its entry point.
    """
    dumper = Dumper(dump, name)
    _check_inputs(graph)
    optimised = run_graph_passes(graph, dumper)
    text = canonical_text(optimised)
    if cpu is None:
        cpu, features = target.host_cpu()
    features = features or ""
    key = hashlib.sha256("\n".join([FORMAT_VERSION, cpu, features, "jit" if jit else "pic", entry or "",
                                    target.versions(), compiler_fingerprint(), text]).encode()).hexdigest()
    program = schedule(optimised)
    dumper("fused", "kernels", program.listing())
    plan = MemoryPlan(program)
    dumper("fused", "memory", plan.listing())
    sym_order = _symbol_order(optimised)
    entry = entry or f"kl_{key[:16]}"
    signature = _signature(optimised, plan, sym_order, entry)
    with _lock:
        cached = _memory_cache.get(key)
    if cached is not None and not dumper.wants("llvm") and not dumper.wants("asm"):
        obj = cached
    else:
        obj = _disk_get(key) if not (dumper.wants("llvm") or dumper.wants("asm")) else None
        if obj is None:
            sym_index = {s: i for i, s in enumerate(sym_order)}
            module = build_module(program, plan, sym_index, entry)
            ir_text = str(module)
            dumper("llvm", "llvm", ir_text)
            tm = target.target_machine(cpu, features, jit=jit)
            llmod = target.parse_and_optimize(ir_text, tm)
            if not jit:
                # only the entry point is visible outside the shared library
                llmod.get_function(entry).visibility = "hidden"
            dumper("llvm", "llvm-optimised", str(llmod))
            if dumper.wants("asm"):
                dumper("asm", "asm", target.emit_assembly(llmod, tm))
            obj = target.emit_object(llmod, tm)
            _disk_put(key, obj, signature)
        with _lock:
            _memory_cache[key] = obj
    return CompiledGraph(optimised, obj, signature, plan.variables, plan.constants, key)


def _disk_get(key):
    try:
        from ..runtime import cache
    except ImportError:
        return None
    return cache.get("object", key)


def _disk_put(key, obj, signature):
    try:
        from ..runtime import cache
    except ImportError:
        return
    cache.put("object", key, obj)


def signature_json(compiled):
    return json.dumps(compiled.signature, sort_keys=True)
