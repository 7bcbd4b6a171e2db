"""Memory planning: where every value of a Program lives.

Inputs, outputs, variables and array constants are runtime-owned buffers (slots of the
entry's `buffers` table). Every other materialized value gets an offset in ONE arena per
call, reused by liveness: a value's space is freed after its last reader runs. Sizes may
depend on symbols (the batch dim), so arena slots are grouped by their symbols and an
offset is a sum of monomials the entry evaluates from `dims`.
"""
from llvmlite import ir

from ..ir.shapes import Sym

ALIGN = 64
I64 = ir.IntType(64)


def _size(node):
    """(bytes coefficient, symbols) of a node's storage. The coefficient is rounded up to
    a multiple of ALIGN (for a symbolic size: the bytes per unit of the symbols' product),
    so every slot starts aligned whatever the symbols' values, and an offset is a sum with
    one term per distinct product of symbols rather than one per earlier slot."""
    coef, syms = node.dtype.itemsize, []
    for d in node.shape:
        if isinstance(d, Sym):
            coef *= d.coef
            syms.extend(d.syms)
        else:
            coef *= int(d)
    coef = max(ALIGN, -(-coef // ALIGN) * ALIGN)
    return coef, tuple(sorted(syms))


class MemoryPlan:
    def __init__(self, program):
        self.program = program
        graph = program.graph
        nodes = graph.nodes()
        self.inputs = list(graph.inputs)
        self.variables = []
        self.constants = []
        for n in nodes:
            if n.op.name == "variable" and n not in self.variables:
                self.variables.append(n)
            elif n.op.name == "constant" and n.attr("value") is None and n in program.materialized:
                self.constants.append(n)
        for var, _ in graph.updates:
            if var not in self.variables:
                self.variables.append(var)
        n_in, n_out = len(self.inputs), len(graph.outputs)
        self.slot = {}
        for i, n in enumerate(self.inputs):
            self.slot[n] = i
        for i in range(n_out):
            self.slot[("output", i)] = n_in + i
        base = n_in + n_out
        for i, v in enumerate(self.variables):
            self.slot[v] = base + i
        for i, (var, _) in enumerate(graph.updates):
            self.slot[("update", i)] = self.slot[var]
        base += len(self.variables)
        for i, c in enumerate(self.constants):
            self.slot[c] = base + i
        self.arena_slot = base + len(self.constants)
        self.arena_offsets = {}    # key -> list of (coef, syms) monomials
        self.arena_slots = []      # [coef, syms] per arena slot
        self._plan()

    # ---------------------------------------------------------------- keys
    def resolve(self, key):
        """Follow aliases (reshape) and relocations to the key that owns the storage."""
        while not isinstance(key, tuple):
            if key.op.kind == "alias":
                key = key.inputs[0]
                continue
            loc = self.program.location(key)
            if loc is key:
                break
            key = loc
        return key

    def _value_of(self, key):
        if isinstance(key, tuple):
            kind, i = key
            if kind == "output":
                return self.program.graph.outputs[i]
            return self.program.graph.updates[i][0]
        return key

    def _plan(self):
        kernels = self.program.kernels
        last_use = {}
        for i, k in enumerate(kernels):
            for r in k.reads:
                key = self.resolve(k.overrides.get(r, r)) if not isinstance(r, tuple) else r
                last_use[key] = i
        free = {}          # syms -> list of arena slot numbers
        busy = []          # (last_use, key, slot number)
        for i, k in enumerate(kernels):
            still = []
            for end, key, s in busy:
                if end < i:
                    free.setdefault(self.arena_slots[s][1], []).append(s)
                else:
                    still.append((end, key, s))
            busy = still
            for _, target in k.stores():
                self._allocate(target, i, free, busy, last_use)
        self._finish_offsets()

    def _allocate(self, target, i, free, busy, last_use):
        """An arena slot for a value written by kernel i: a free slot of the same symbols
        (grown if needed) or a new one; it stays busy until the value's last reader."""
        key = self.resolve(target) if not isinstance(target, tuple) else target
        if key in self.slot or key in self.arena_offsets:
            return
        coef, syms = _size(self._value_of(key))
        candidates = free.get(syms, [])
        if candidates:
            s = max(candidates, key=lambda j: self.arena_slots[j][0])
            candidates.remove(s)
            self.arena_slots[s][0] = max(self.arena_slots[s][0], coef)
        else:
            s = len(self.arena_slots)
            self.arena_slots.append([coef, syms])
        self.arena_offsets[key] = s
        busy.append((last_use.get(key, i), key, s))

    def _finish_offsets(self):
        """slot number -> offset monomials (the sum of the slots laid out before it)."""
        starts, acc = [], []
        for coef, syms in self.arena_slots:
            starts.append(list(acc))
            acc.append((coef, syms))
        self.arena_size = acc
        self.arena_offsets = {k: starts[s] for k, s in self.arena_offsets.items()}

    # ---------------------------------------------------------------- codegen
    def emit_pointer(self, kx, key):
        key = self.resolve(key)
        b = kx.b
        if key in self.slot:
            slot = b.gep(kx.buffers, [ir.Constant(I64, self.slot[key])], source_etype=ir.PointerType())
            return b.load(slot, typ=ir.PointerType())
        if key not in self.arena_offsets:
            raise RuntimeError(f"memory plan has no storage for {key!r}")
        slot = b.gep(kx.buffers, [ir.Constant(I64, self.arena_slot)], source_etype=ir.PointerType())
        base = b.load(slot, typ=ir.PointerType(), name="arena")
        grouped = {}
        for coef, syms in self.arena_offsets[key]:
            grouped[syms] = grouped.get(syms, 0) + coef
        offset = ir.Constant(I64, 0)
        for syms, coef in grouped.items():
            term = ir.Constant(I64, coef)
            for s in syms:
                term = b.mul(term, kx.symbol(s))
            offset = b.add(offset, term)
        return b.gep(base, [offset], source_etype=ir.IntType(8))

    def listing(self):
        lines = [f"arena: {len(self.arena_slots)} slots, "
                 f"{' + '.join(f'{c}' + ''.join('*' + s for s in syms) for c, syms in self.arena_size) or '0'} bytes"]
        return "\n".join(lines) + "\n"
