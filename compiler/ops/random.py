"""Counter-based random numbers (Philox4x32-10) generated inside fused loops.

A random op is elementwise: element i of call c gets Philox(key, counter=(i, c)), so the
numbers are reproducible for a seed, differ from call to call (the runtime-owned call
counter is an input, incremented by the function's own update), and vectorise like any
other elementwise code. Inside a loop body the step is a third input mixed into the
counter, so each iteration draws afresh. The key is a runtime buffer, so graphs that differ only in
their seed share compiled code.
"""
import math

from llvmlite import ir

from ..codegen import mathlib
from ..codegen.scalar import FAST, intrinsic
from ..ir import dtypes
from .registry import Op, register, apply

I32 = ir.IntType(32)
I64 = ir.IntType(64)
M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85


def philox(b, counter, key):
    """Philox4x32-10 on four i32 counter words and two i32 key words."""
    c = list(counter)
    k0, k1 = key
    for _ in range(10):
        p0 = b.mul(b.zext(c[0], I64), ir.Constant(I64, M0))
        p1 = b.mul(b.zext(c[2], I64), ir.Constant(I64, M1))
        hi0, lo0 = b.trunc(b.lshr(p0, ir.Constant(I64, 32)), I32), b.trunc(p0, I32)
        hi1, lo1 = b.trunc(b.lshr(p1, ir.Constant(I64, 32)), I32), b.trunc(p1, I32)
        c = [b.xor(b.xor(hi1, c[1]), k0), lo1, b.xor(b.xor(hi0, c[3]), k1), lo0]
        k0 = b.add(k0, ir.Constant(I32, W0))
        k1 = b.add(k1, ir.Constant(I32, W1))
    return c


def _split(b, v64):
    return b.trunc(v64, I32), b.trunc(b.lshr(v64, ir.Constant(I64, 32)), I32)


def _unit(b, word, t, open_low=False):
    """A uniform float in [0, 1) (or (0, 1] with open_low) from 32 random bits."""
    if t == ir.FloatType():
        bits, scale = b.lshr(word, ir.Constant(I32, 8)), 2.0 ** -24
    else:
        bits, scale = b.lshr(word, ir.Constant(I32, 0)), 2.0 ** -32
    v = b.uitofp(bits, t)
    if open_low:
        v = b.fadd(v, ir.Constant(t, 1.0))
    return b.fmul(v, ir.Constant(t, scale))


@register
class Random(Op):
    """Standard draws: 'uniform' in [0,1), 'normal' N(0,1), 'truncated_normal' (|z| < 2)."""
    name = "random"
    kind = "elementwise"
    pure = False
    differentiable = False

    def infer(self, inputs, attrs):
        if len(inputs) not in (2, 3):
            self.error(f"takes a call counter, a key and optionally a loop step, got {len(inputs)} inputs")
        if attrs["dist"] not in ("uniform", "normal", "truncated_normal"):
            self.error(f"unknown distribution {attrs['dist']!r}")
        dtype = dtypes.from_any(attrs["dtype"])
        if not dtype.is_float:
            self.error(f"needs a float dtype, got {dtype.name}")
        return dtype, tuple(attrs["shape"])

    def operand_dtypes(self, node):
        return [dtypes.int64] * len(node.inputs)

    def grad(self, node, g):
        return [None] * len(node.inputs)

    def emit(self, cx, node, args):
        b = cx.b
        counter, key = args[:2]
        t = node.dtype.llvm()
        i0, i1 = _split(b, cx.flat_index)
        if len(args) == 3:
            # a draw inside a loop body: step s + 1 goes into the counter words the element
            # index and the call counter leave free, so every step draws afresh
            s_lo, s_hi = _split(b, b.add(args[2], ir.Constant(I64, 1)))
            i1 = b.xor(i1, s_lo)
            counter = b.xor(counter, b.shl(b.zext(s_hi, I64), ir.Constant(I64, 32)))
        c_lo, c_hi = _split(b, counter)
        k = _split(b, key)
        dist = node.attr("dist")
        if dist == "uniform":
            w = philox(b, (i0, i1, c_lo, c_hi), k)
            if node.dtype is dtypes.float64:
                hi = b.uitofp(b.lshr(w[0], ir.Constant(I32, 5)), t)   # 27 bits
                lo = b.uitofp(b.lshr(w[1], ir.Constant(I32, 6)), t)   # 26 bits
                return b.fmul(b.fadd(b.fmul(hi, ir.Constant(t, 2.0 ** 26)), lo), ir.Constant(t, 2.0 ** -53))
            return _unit(b, w[0], t)
        rounds = 1 if dist == "normal" else 4
        result = None
        found = None
        for r in range(rounds):
            salt = b.xor(c_hi, ir.Constant(I32, r << 24))
            w = philox(b, (i0, i1, c_lo, salt), k)
            for a, c in ((w[0], w[1]), (w[2], w[3])):
                z = self._box_muller(b, a, c, t)
                if dist == "normal":
                    return z
                absz = b.call(intrinsic(b, "fabs", t), [z])
                ok = b.fcmp_ordered("<", absz, ir.Constant(t, 2.0))
                if result is None:
                    result, found = z, ok
                else:
                    take = b.and_(ok, b.not_(found))
                    result = b.select(take, z, result)
                    found = b.or_(found, ok)
        # after 8 candidates (all outside with probability ~2e-11) clamp the first into
        # range; an accepted draw is never touched (clamping every value would pile up
        # the draws of (1.9999, 2) on 1.9999)
        lo, hi = ir.Constant(t, -1.9999), ir.Constant(t, 1.9999)
        clamped = b.select(b.fcmp_ordered("<", result, lo), lo, result)
        clamped = b.select(b.fcmp_ordered(">", clamped, hi), hi, clamped)
        return b.select(found, result, clamped)

    @staticmethod
    def _box_muller(b, a, c, t):
        u1 = _unit(b, a, t, open_low=True)
        u2 = _unit(b, c, t)
        radius = b.call(intrinsic(b, "sqrt", t), [b.fmul(ir.Constant(t, -2.0), mathlib.emit_log(b, u1), flags=FAST)])
        angle = b.fmul(u2, ir.Constant(t, 2 * math.pi), flags=FAST)
        return b.fmul(radius, mathlib.emit_cos(b, angle), flags=FAST)


def random(counter, key, shape, dist, dtype, step=None):
    """A draw of `shape`; `step` (an int64 scalar) is the iteration of the loop body the
    draw sits in, so each iteration draws new numbers as in a TF while loop."""
    inputs = [counter, key] + ([] if step is None else [step])
    return apply("random", inputs, shape=tuple(shape), dist=dist, dtype=dtypes.from_any(dtype).name)
