"""Matrix products: `matmul` of (..., M, K) by (..., K, N) with optional transposes.

Batch dims must match (or b is 2-D and shared). Lowering calls the BLIS-style GEMM of
codegen/gemm.py once per batch item; transposes are strides, never copies.
"""
from llvmlite import ir

from ..codegen.support import declare_gemm
from ..ir import dtypes
from ..ir.shapes import dims_match
from .registry import Op, register, apply
from .shape import reshape

I64 = ir.IntType(64)
I32 = ir.IntType(32)


def _mk(shape, transposed):
    m, k = shape[-2], shape[-1]
    return (k, m) if transposed else (m, k)


@register
class MatMul(Op):
    name = "matmul"
    kind = "opaque"

    def infer(self, inputs, attrs):
        a, b = inputs
        if a.dtype is not b.dtype or not (a.dtype.is_float):
            self.error(f"needs two float operands of one dtype, got {a.dtype.name} and {b.dtype.name}")
        if a.ndim < 2 or b.ndim < 2:
            self.error("needs operands of rank >= 2", a.shape, b.shape)
        m, k = _mk(a.shape, attrs.get("transpose_a", False))
        k2, n = _mk(b.shape, attrs.get("transpose_b", False))
        if not dims_match(k, k2):
            self.error("cannot contract", a.shape, b.shape)
        if b.ndim > 2 and (a.ndim != b.ndim or not all(map(dims_match, a.shape[:-2], b.shape[:-2]))):
            self.error("batch dims differ", a.shape, b.shape)
        return a.dtype, tuple(a.shape[:-2]) + (m, n)

    def grad(self, node, g):
        a, b = node.inputs
        ta, tb = node.attr("transpose_a", False), node.attr("transpose_b", False)
        # C = A B  ->  dA = dC B^T, dB = A^T dC  (with the operands' own transposes)
        if ta:
            ga = matmul(b, g, transpose_a=tb, transpose_b=True)
        else:
            ga = matmul(g, b, transpose_b=not tb)
        if b.ndim == 2 and a.ndim > 2:
            # b is shared across the batch: fold the batch into rows
            a2 = reshape(a, (-1, a.shape[-1]))
            g2 = reshape(g, (-1, g.shape[-1]))
            if ta:
                raise NotImplementedError("gradient of a transposed batched matmul with a shared operand")
            gb = matmul(g2, a2, transpose_a=True) if tb else matmul(a2, g2, transpose_a=True)
        elif tb:
            gb = matmul(g, a, transpose_a=True, transpose_b=ta)
        else:
            gb = matmul(a, g, transpose_a=not ta)
        return [ga, gb]

    def lower(self, kx, node):
        a, b = node.inputs
        ta, tb = node.attr("transpose_a", False), node.attr("transpose_b", False)
        gemm = declare_gemm(kx.module, node.dtype.name)
        bld = kx.b
        m, n = (kx.dim(d) for d in node.shape[-2:])
        k = kx.dim(a.shape[-1] if not ta else a.shape[-2])
        a_rows, a_cols = (kx.dim(d) for d in a.shape[-2:])
        b_rows, b_cols = (kx.dim(d) for d in b.shape[-2:])
        one = ir.Constant(I64, 1)
        a_rs, a_cs = (one, a_cols) if ta else (a_cols, one)
        b_rs, b_cs = (one, b_cols) if tb else (b_cols, one)
        batch = ir.Constant(I64, 1)
        for d in node.shape[:-2]:
            batch = bld.mul(batch, kx.dim(d))
        a_step = bld.mul(a_rows, a_cols)
        b_step = bld.mul(b_rows, b_cols) if b.ndim > 2 else ir.Constant(I64, 0)
        c_step = bld.mul(m, n)
        pa, pb, pc = kx.pointer(a), kx.pointer(b), kx.pointer(node)
        with kx.loop(batch) as i:
            bld.call(gemm, [m, n, k,
                            kx.gep(pa, bld.mul(i, a_step), a.dtype), a_rs, a_cs,
                            kx.gep(pb, bld.mul(i, b_step), b.dtype), b_rs, b_cs,
                            kx.gep(pc, bld.mul(i, c_step), node.dtype), n, ir.Constant(I32, 0)])


def matmul(a, b, transpose_a=False, transpose_b=False):
    return apply("matmul", [a, b], transpose_a=bool(transpose_a), transpose_b=bool(transpose_b))
