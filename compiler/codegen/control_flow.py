"""The native loop of a scan (ops/control.py), emitted as one kernel.

The body was compiled by the same pipeline into a program and memory plan of its own
(the driver attached them to the kernel); `add_body(name)` emits it as an internal
entry `i32 body(ptr buffers, ptr dims, ptr runtime)` in the same module. The kernel:

1. allocates, once per call, one block for the body's arena, two buffers per state
   (the state a step reads and the one it writes, swapped after every step) and one
   per per-step output; nothing is allocated per step;
2. fills the body's buffer table: captured values point at their outer buffers, once;
   per step, sequence parameters point INTO the outer sequences at the step's position
   (time-major, so a step is a contiguous block), states at the current buffer, outputs
   at the scratch buffers;
3. calls the body once per step, copies the step's outputs into the stacked results
   and the state it started from into `saved_states` (only for results in the graph),
   and stops at the first error the body reports;
4. copies the final states and last outputs into their results and frees the block.
"""
from llvmlite import ir

from ..ir.constant import scalar_value
from .context import I8, I32, I64, PTR
from .scalar import const, declare

ALIGN = 64
OUT_OF_MEMORY = 2       # the error code (driver.ERRORS) when the loop's block cannot be allocated


def _bytes(kx, node):
    return kx.b.mul(kx.numel(node.shape), ir.Constant(I64, node.dtype.itemsize))


def _align(b, value):
    return b.and_(b.add(value, ir.Constant(I64, ALIGN - 1)), ir.Constant(I64, -ALIGN))


def _arena_bytes(kx, plan):
    """The body arena's size, laid out as codegen's memory plan lays it out."""
    b = kx.b
    total = ir.Constant(I64, 0)
    for coef, syms in plan.arena_size:
        term = ir.Constant(I64, coef)
        for s in syms:
            term = b.mul(term, kx.symbol(s))
        total = b.add(total, _align(b, term) if syms else term)
    return total


def emit_scan_kernel(kx, kernel, body_name, add_body):
    node = kernel.node
    body = node.attr("body")
    program, plan = kernel.body_program, kernel.body_plan
    if plan.constants or plan.variables:
        raise NotImplementedError("scan: a loop body that holds array constants or variables of its own "
                                  "(they should have been captured)")
    body_entry = add_body(body_name)
    module, b = kx.module, kx.b
    memcpy = declare(module, "llvm.memcpy.p0.p0.i64", ir.FunctionType(ir.VoidType(), [PTR, PTR, I64, ir.IntType(1)]))
    memset = declare(module, "llvm.memset.p0.i64", ir.FunctionType(ir.VoidType(), [PTR, I8, I64, ir.IntType(1)]))
    alloc = declare(module, "aligned_alloc", ir.FunctionType(PTR, [I64, I64]))
    free = declare(module, "free", ir.FunctionType(ir.VoidType(), [PTR]))
    false = ir.Constant(ir.IntType(1), 0)

    n_seq, n_state, n_out = body.n_sequences, body.n_states, body.n_outputs
    # the body was compiled with each per-step output that is also a new state (an LSTM's
    # h) or an earlier output written once: body_outputs maps an output of the ScanBody to
    # the compiled body's output; such an output is read from the state's buffer
    landing = kernel.body_outputs
    state_of = {k: j for k in range(n_out) for j in range(n_state) if landing[k] == landing[n_out + j]}
    sequences = node.inputs[:n_seq]
    initial = node.inputs[n_seq:n_seq + n_state]
    captured = node.inputs[n_seq + n_state:]
    results = {(r.attr("result"), r.attr("index")): r for r, _ in kernel.extras}

    length = kx.dim(sequences[0].shape[0])
    state_bytes = [_bytes(kx, p) for p in body.state_params]
    out_bytes = [_bytes(kx, y) for y in body.step_outputs]
    step_elements = [kx.numel(x.shape[1:]) for x in sequences]

    # one block: arena, then two buffers per state, then one per output
    arena_size = _align(b, _arena_bytes(kx, plan))
    offsets, total = [], arena_size
    for size in state_bytes + state_bytes + out_bytes:
        offsets.append(total)
        total = b.add(total, _align(b, size))
    block = b.call(alloc, [ir.Constant(I64, ALIGN), b.add(total, ir.Constant(I64, ALIGN))])
    with b.if_then(b.icmp_unsigned("==", block, ir.Constant(PTR, None)), likely=False):
        b.store(ir.Constant(I32, OUT_OF_MEMORY), kx.status_ptr)
        b.ret_void()
    parts = [b.gep(block, [off], source_etype=I8) for off in offsets]
    buf_a, buf_b = parts[:n_state], parts[n_state:2 * n_state]
    out_scratch = parts[2 * n_state:]

    table = b.alloca(PTR, size=plan.arena_slot + 1, name="body_buffers")

    def slot(index):
        return b.gep(table, [ir.Constant(I64, index)], source_etype=PTR)

    b.store(block, slot(plan.arena_slot))
    n_in = len(body.graph.inputs)
    for m, value in enumerate(captured):
        b.store(kx.pointer(value), slot(n_seq + n_state + m))
    scratch = {}            # compiled output index -> its scratch buffer
    for k in range(n_out):
        if k not in state_of and landing[k] not in scratch:
            scratch[landing[k]] = out_scratch[k]
            b.store(out_scratch[k], slot(n_in + landing[k]))
    current = []
    for j in range(n_state):
        cell = b.alloca(PTR, name=f"state{j}")
        value = scalar_value(initial[j])
        if value is None:
            b.store(kx.pointer(initial[j]), cell)
        else:
            # a scalar held in the code (a loop's step counter starting at 0) has no
            # buffer: it starts in the state buffer the first step does not write
            b.store(const(initial[j].dtype, value), buf_b[j])
            b.store(buf_b[j], cell)
        current.append(cell)
    failed = b.alloca(I32, name="body_status")
    b.store(ir.Constant(I32, 0), failed)

    reverse = node.attr("reverse")
    loop_fn = kx.function
    stop = loop_fn.append_basic_block("scan.stop")
    with kx.loop(length, name="t") as i:
        position = b.sub(b.sub(length, ir.Constant(I64, 1)), i) if reverse else i
        for s, x in enumerate(sequences):
            start = b.mul(position, step_elements[s])
            b.store(b.gep(kx.pointer(x), [start], source_etype=x.dtype.llvm()), slot(s))
        nexts = []
        for j in range(n_state):
            cur = b.load(current[j], typ=PTR)
            b.store(cur, slot(n_seq + j))
            saved = results.get(("saved_states", j))
            if saved is not None:
                dst = b.gep(kx.pointer(saved), [b.mul(position, state_bytes[j])], source_etype=I8)
                b.call(memcpy, [dst, cur, state_bytes[j], false])
            # write into whichever buffer this step does not read
            nxt = b.select(b.icmp_unsigned("==", cur, buf_a[j]), buf_b[j], buf_a[j])
            b.store(nxt, slot(n_in + landing[n_out + j]))
            nexts.append(nxt)
        status = b.call(body_entry, [table, kx.dims_ptr, ir.Constant(PTR, None)])
        went_wrong = b.icmp_signed("!=", status, ir.Constant(I32, 0))
        with b.if_then(went_wrong, likely=False):
            b.store(status, failed)
            b.branch(stop)
        for k in range(n_out):
            stacked = results.get(("outputs", k))
            if stacked is not None:
                dst = b.gep(kx.pointer(stacked), [b.mul(position, out_bytes[k])], source_etype=I8)
                src = nexts[state_of[k]] if k in state_of else scratch[landing[k]]
                b.call(memcpy, [dst, src, out_bytes[k], false])
        for j in range(n_state):
            b.store(nexts[j], current[j])
    b.branch(stop)
    b.position_at_end(stop)
    for j in range(n_state):
        final = results.get(("states", j))
        if final is not None:
            b.call(memcpy, [kx.pointer(final), b.load(current[j], typ=PTR), state_bytes[j], false])
    empty = b.icmp_signed("==", length, ir.Constant(I64, 0))
    for k in range(n_out):
        last = results.get(("last", k))
        if last is not None:
            with b.if_else(empty) as (then, otherwise):
                with then:
                    b.call(memset, [kx.pointer(last), ir.Constant(I8, 0), out_bytes[k], false])
                with otherwise:
                    src = b.load(current[state_of[k]], typ=PTR) if k in state_of else scratch[landing[k]]
                    b.call(memcpy, [kx.pointer(last), src, out_bytes[k], false])
    b.call(free, [block])
    code = b.load(failed, typ=I32)
    with b.if_then(b.icmp_signed("!=", code, ir.Constant(I32, 0)), likely=False):
        b.store(code, kx.status_ptr)
    return (1, 0)
