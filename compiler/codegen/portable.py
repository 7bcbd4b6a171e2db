"""Kernels that do not know the graph they run in, so one compiled kernel serves many graphs.

A graph kernel emitted by KernelContext reads its buffers through the memory plan (slot
numbers, arena offsets) and its sizes through the graph's symbol numbering, so the same
loop compiled for the predict graph and the train graph (or for two weights of one
optimizer) differs in its IR and is compiled once per graph. A portable kernel instead
receives, in its context, a table of the base pointers it uses and a table of the
symbol values it reads, both in the order it first asked for them; the graph's entry
fills both tables. What is left in the IR is the computation alone, so its text names
it: equal text, equal machine code (codegen/kernel_cache.py compiles each text once).
"""
from llvmlite import ir

from .context import KernelContext, I64, PTR

# The name a kernel is emitted under; the kernel cache renames it to a name derived from
# the text (the text must not depend on which graph or position the kernel came from).
PLACEHOLDER = "__keralite_portable_kernel__"


class PortableKernelContext(KernelContext):
    """A KernelContext whose `ctx` is `{ptr pointers, ptr dims, ptr status}` for this
    kernel alone: `pointer(key)` and `symbol(name)` hand out table positions in the order
    of first use; `arguments` and `symbols_used` say what the entry must put there."""

    def __init__(self, module, function, plan, symbol_index):
        super().__init__(module, function, plan, symbol_index)
        self.arguments = []       # storage keys (resolved through the plan), by table position
        self.symbols_used = []    # symbol names, by table position

    # The graph's buffer table and dims array are not what `ctx` holds here: a lowering
    # that reached for them would read the wrong pointers, so asking is an error.
    @property
    def buffers(self):
        raise RuntimeError("a portable kernel reaches its values through pointer(), not the graph's buffers")

    @buffers.setter
    def buffers(self, table):
        self._pointer_table = table

    @property
    def dims_ptr(self):
        raise RuntimeError("a portable kernel reads its sizes through symbol(), not the graph's dims")

    @dims_ptr.setter
    def dims_ptr(self, table):
        self._size_table = table

    def symbol(self, name):
        v = self._sym_values.get(name)
        if v is None:
            position = len(self.symbols_used)
            self.symbols_used.append(name)
            with self.at_entry():
                slot = self.b.gep(self._size_table, [ir.Constant(I64, position)], source_etype=I64)
                v = self.b.load(slot, typ=I64, name=f"d{position}")
            self._sym_values[name] = v
        return v

    def pointer(self, key):
        resolved = self.plan.resolve(key)
        # one table position per place in memory: a value updated in place is read and
        # written through the same pointer, which the vectoriser then needs no check for
        place = storage_place(self.plan, resolved)
        p = self._pointers.get(place)
        if p is None:
            position = len(self.arguments)
            self.arguments.append(resolved)
            with self.at_entry():
                slot = self.b.gep(self._pointer_table, [ir.Constant(I64, position)], source_etype=PTR)
                p = self.b.load(slot, typ=PTR, name=f"p{position}")
            self._pointers[place] = p
        return p


def storage_place(plan, resolved):
    """Where a resolved key lives: its buffer slot, or its offset in the arena."""
    if resolved in plan.slot:
        return ("slot", plan.slot[resolved])
    if resolved not in plan.arena_offsets:
        raise RuntimeError(f"memory plan has no storage for {resolved!r}")
    return ("arena",) + tuple((coef, tuple(syms)) for coef, syms in plan.arena_offsets[resolved])
