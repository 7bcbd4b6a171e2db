"""A direct 2-D convolution, channels last, emitted into a graph's kernel function.

`emit_direct_conv(b, geometry, ...)` computes output rows [lo, hi) of

    out[n, oh, ow, o] = act(bias[o] + sum_{kh, kw, c} x[n, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, c]
                                                      * w[kh, kw, c, o])

(x: (N, H, W, C), w: (KH, KW, C, O), out: (N, OH, OW, O), a row being one (n, oh)), with
padding read as zeros. No window matrix (im2col) is ever written: the input rows a block
of outputs needs stay in L1 and are read in place.

Register blocking: a tile of P output pixels x NV vectors of output channels (NV * VL
channels, VL lanes per 512-bit vector) lives in P * NV vector registers while the kernel
runs over every tap (kh, kw) and input channel c: per step NV vectors of the kernel are
loaded and P input scalars are broadcast into P * NV fused multiply-adds (the x86 FMA
takes the broadcast straight from memory). P is as large as the 32 AVX-512 registers
allow, chosen so the pixels of a row split into blocks of equal size.

Output channels go in blocks of up to MAX_VECTORS vectors; the last block's last vector
is masked when O is not a multiple of VL. Pixels whose window reaches into the left or
right padding are emitted one by one with their valid taps only (all of it is known when
the graph is compiled); padded rows are skipped by a test per tap row.

Because every size is a constant of the graph, LLVM sees constant trip counts and
strides, and unrolls and schedules the innermost loops itself.
"""
from . import target as _target  # noqa: F401  (first: selects opaque llvmlite.ir pointers)
from llvmlite import ir  # noqa: E402
from .scalar import declare, scalar_loop_id  # noqa: E402

I1 = ir.IntType(1)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
PTR = ir.PointerType()

# Bytes of one vector register (AVX-512) and how many the tile may hold.
VECTOR_BYTES = 64
REGISTERS = 32
# At most this many vectors of output channels per tile (64 float32 channels).
MAX_VECTORS = 4
# At most this many pixels per tile: past it the weight loads are already a small share.
MAX_PIXELS = 14


class ConvGeometry:
    """The constant sizes of one 2-D convolution (the batch may be a runtime value)."""

    def __init__(self, in_size, channels, window, out_channels, strides, dilation, pads):
        self.H, self.W = in_size
        self.C = channels
        self.KH, self.KW = window
        self.O = out_channels
        self.sh, self.sw = strides
        self.dh, self.dw = dilation
        (self.pt, self.pb), (self.pl, self.pr) = pads
        self.OH = (self.H + self.pt + self.pb - (self.KH - 1) * self.dh - 1) // self.sh + 1
        self.OW = (self.W + self.pl + self.pr - (self.KW - 1) * self.dw - 1) // self.sw + 1
        if min(self.OH, self.OW) < 1:
            raise ValueError(f"direct conv: the window does not fit the padded input ({self.H}x{self.W})")

    def interior_columns(self):
        """[first, stop) of the output columns whose whole window lies inside the input."""
        first = -(-self.pl // self.sw)
        last = (self.W - 1 + self.pl - (self.KW - 1) * self.dw) // self.sw
        stop = max(min(last + 1, self.OW), 0)
        first = min(first, stop)
        return first, stop

    def valid_taps(self, ow):
        """The kw taps of output column `ow` that read inside the input."""
        return [kw for kw in range(self.KW) if 0 <= ow * self.sw + kw * self.dw - self.pl < self.W]

    def macs_per_row(self):
        return self.OW * self.O * self.KH * self.KW * self.C


def pixels_per_tile(vectors):
    """P for a tile of `vectors` channel vectors: P * NV accumulators, NV kernel vectors
    and one broadcast fit the register file."""
    return max(1, min(MAX_PIXELS, (REGISTERS - 1 - vectors) // vectors))


def column_blocks(first, stop, pixels):
    """Equal blocks of at most `pixels` columns over [first, stop): (block size, count,
    remainder block size)."""
    width = stop - first
    if width <= 0:
        return 0, 0, 0
    count = -(-width // pixels)
    size = -(-width // count)
    full = width // size
    return size, full, width - full * size


class _Emitter:
    def __init__(self, b, g, element, x, w, out, bias, activation):
        self.b, self.g, self.T = b, g, element
        self.x, self.w, self.out, self.bias = x, w, out, bias
        self.activation = activation
        self.es = 4 if isinstance(element, ir.FloatType) else 8
        self.vl = VECTOR_BYTES // self.es
        self.VT = ir.VectorType(element, self.vl)
        module = b.module
        sfx = f"v{self.vl}{'f32' if self.es == 4 else 'f64'}"
        self.fma = declare(module, f"llvm.fmuladd.{sfx}", ir.FunctionType(self.VT, [self.VT] * 3))
        mask_t = ir.VectorType(I1, self.vl)
        self.masked_load = declare(module, f"llvm.masked.load.{sfx}.p0",
                                    ir.FunctionType(self.VT, [PTR, I32, mask_t, self.VT]))
        self.masked_store = declare(module, f"llvm.masked.store.{sfx}.p0",
                                     ir.FunctionType(ir.VoidType(), [self.VT, PTR, I32, mask_t]))
        self.zero = ir.Constant(self.VT, [0.0] * self.vl)

    # -------------------------------------------------------------- small helpers
    def c(self, v):
        return ir.Constant(I64, v)

    def ep(self, base, offset):
        return self.b.gep(base, [offset if isinstance(offset, ir.Value) else self.c(offset)],
                          source_etype=self.T, inbounds=True)

    def load_vector(self, p, mask):
        if mask is None:
            return self.b.load(p, typ=self.VT, align=self.es)
        return self.b.call(self.masked_load, [p, ir.Constant(I32, self.es), mask, self.zero])

    def store_vector(self, value, p, mask):
        if mask is None:
            self.b.store(value, p, align=self.es)
        else:
            self.b.call(self.masked_store, [value, p, ir.Constant(I32, self.es), mask])

    def splat(self, scalar):
        b = self.b
        v = b.insert_element(ir.Constant(self.VT, ir.Undefined), scalar, ir.Constant(I32, 0))
        return b.shuffle_vector(v, ir.Constant(self.VT, ir.Undefined),
                                ir.Constant(ir.VectorType(I32, self.vl), [0] * self.vl))

    def loop(self, start, stop, name, unroll=False):
        return _Loop(self.b, start, stop, name, unroll)

    # -------------------------------------------------------------- the kernel
    def emit(self, lo, hi, slots):
        g, b = self.g, self.b
        with self.loop(lo, hi, "row") as row:
            n = b.sdiv(row, self.c(g.OH))
            oh = b.srem(row, self.c(g.OH))
            ih0 = b.sub(b.mul(oh, self.c(g.sh)), self.c(g.pt))
            image = b.mul(n, self.c(g.H * g.W * g.C))
            out_row = b.mul(row, self.c(g.OW * g.O))
            vectors_total = -(-g.O // self.vl)
            full_blocks = g.O // (MAX_VECTORS * self.vl)
            if full_blocks:
                with self.loop(self.c(0), self.c(full_blocks), "ob") as ob:
                    o0 = b.mul(ob, self.c(MAX_VECTORS * self.vl))
                    self.channel_block(o0, MAX_VECTORS, None, ih0, image, out_row, slots)
            rest = vectors_total - full_blocks * MAX_VECTORS
            if rest:
                tail = g.O % self.vl
                mask = None
                if tail:
                    mask = ir.Constant(ir.VectorType(I1, self.vl), [i < tail for i in range(self.vl)])
                o0 = self.c(full_blocks * MAX_VECTORS * self.vl)
                self.channel_block(o0, rest, mask, ih0, image, out_row, slots)

    def channel_block(self, o0, vectors, mask, ih0, image, out_row, slots):
        """Every output pixel of one row for the channels [o0, o0 + vectors * VL)."""
        g, b = self.g, self.b
        first, stop = g.interior_columns()
        size, full, remainder = column_blocks(first, stop, pixels_per_tile(vectors))
        for ow in range(first):
            self.tile(self.c(ow), [0], vectors, mask, ih0, image, out_row, o0, g.valid_taps(ow), slots)
        if full:
            with self.loop(self.c(0), self.c(full), "pb") as block:
                ow0 = b.add(self.c(first), b.mul(block, self.c(size)))
                self.tile(ow0, list(range(size)), vectors, mask, ih0, image, out_row, o0,
                          list(range(g.KW)), slots)
        if remainder:
            self.tile(self.c(first + full * size), list(range(remainder)), vectors, mask, ih0, image, out_row,
                      o0, list(range(g.KW)), slots)
        for ow in range(stop, g.OW):
            self.tile(self.c(ow), [0], vectors, mask, ih0, image, out_row, o0, g.valid_taps(ow), slots)

    def tile(self, ow0, pixels, vectors, mask, ih0, image, out_row, o0, taps, slots):
        """P = len(pixels) output pixels (columns ow0 + p) x `vectors` channel vectors,
        accumulated in registers over the kw taps listed and every kh and c."""
        g, b = self.g, self.b
        masks = [mask if v == vectors - 1 else None for v in range(vectors)]
        accs = [[slots[p * MAX_VECTORS + v] for v in range(vectors)] for p in range(len(pixels))]
        for row in accs:
            for slot in row:
                b.store(self.zero, slot)
        # column of pixel p, tap 0, as an element offset within an input row
        col0 = b.sub(b.mul(ow0, self.c(g.sw)), self.c(g.pl))
        if taps:
            with self.loop(self.c(0), self.c(g.KH), "kh") as kh:
                ih = b.add(ih0, b.mul(kh, self.c(g.dh)))
                inside = b.and_(b.icmp_signed(">=", ih, self.c(0)), b.icmp_signed("<", ih, self.c(g.H)))
                padded_rows = g.pt > 0 or g.pb > 0
                with (b.if_then(inside) if padded_rows else _nothing()):
                    row_base = b.add(image, b.mul(ih, self.c(g.W * g.C)))
                    for kw in taps:
                        w_tap = b.mul(b.add(b.mul(kh, self.c(g.KW)), self.c(kw)), self.c(g.C * g.O))
                        x_tap = b.add(row_base, b.mul(b.add(col0, self.c(kw * g.dw)), self.c(g.C)))
                        self.channel_loop(x_tap, b.add(w_tap, o0), pixels, masks, accs)
        for p, row in zip(pixels, accs):
            where = b.add(b.add(out_row, b.mul(b.add(ow0, self.c(p)), self.c(g.O))), o0)
            for v, slot in enumerate(row):
                value = b.load(slot, typ=self.VT)
                if self.bias is not None:
                    value = b.fadd(value, self.load_vector(self.ep(self.bias, b.add(o0, self.c(v * self.vl))),
                                                           masks[v]))
                if self.activation == "relu":
                    # x <= 0 ? 0 : x, so a nan stays nan (as the unfused relu does)
                    value = b.select(b.fcmp_ordered("<=", value, self.zero), self.zero, value)
                self.store_vector(value, self.ep(self.out, b.add(where, self.c(v * self.vl))), masks[v])

    def channel_loop(self, x_tap, w_tap, pixels, masks, accs):
        """acc[p][v] += x[x_tap + p * sw * C + c] * w[w_tap + c * O + v * VL] over c."""
        g, b = self.g, self.b
        with self.loop(self.c(0), self.c(g.C), "c", unroll=True) as c:
            w_row = self.ep(self.w, b.add(w_tap, b.mul(c, self.c(g.O))))
            kernel = [self.load_vector(self.ep(w_row, v * self.vl), m) for v, m in enumerate(masks)]
            x_at = self.ep(self.x, b.add(x_tap, c))
            for p, row in zip(pixels, accs):
                scalar = b.load(self.ep(x_at, p * g.sw * g.C), typ=self.T)
                spread = self.splat(scalar)
                for v, slot in enumerate(row):
                    b.store(b.call(self.fma, [spread, kernel[v], b.load(slot, typ=self.VT)]), slot)


class _Loop:
    """for (i = start; i < stop; ++i) as a context manager yielding i; only a loop made
    with `unroll=True` may be unrolled by LLVM, none is vectorised by it."""

    def __init__(self, b, start, stop, name, unroll=False):
        self.b, self.start, self.stop, self.name, self.unroll = b, start, stop, name, unroll

    def __enter__(self):
        b = self.b
        self.pre = b.block
        self.head = b.append_basic_block(self.name + ".head")
        self.body = b.append_basic_block(self.name + ".body")
        self.done = b.append_basic_block(self.name + ".done")
        b.branch(self.head)
        b.position_at_end(self.head)
        self.i = b.phi(I64, name=self.name)
        self.i.add_incoming(self.start, self.pre)
        b.cbranch(b.icmp_signed("<", self.i, self.stop), self.body, self.done)
        b.position_at_end(self.body)
        return self.i

    def __exit__(self, *exc):
        if exc[0] is not None:
            return False
        b = self.b
        nxt = b.add(self.i, ir.Constant(I64, 1), flags=("nsw",))
        self.i.add_incoming(nxt, b.block)
        back = b.branch(self.head)
        back.set_metadata("llvm.loop", scalar_loop_id(b.module, self.unroll))
        b.position_at_end(self.done)
        return False


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def emit_direct_conv(b, geometry, element, x, w, out, lo, hi, slots, bias=None, activation=None):
    """Emit, at the builder's position, the loops computing output rows [lo, hi) (i64
    values; a row is one (n, oh)) of the convolution `geometry` of x by w into out.

    `element` is the LLVM float type; x, w, out (and bias, O values, or None) are element
    pointers; `activation` is None or 'relu'. `slots` are P * MAX_VECTORS vector allocas
    (see `accumulator_count`) placed in the function's entry block, which LLVM keeps in
    registers.
    """
    if activation not in (None, "relu"):
        raise ValueError(f"direct conv: unsupported fused activation {activation!r} (None or 'relu')")
    _Emitter(b, geometry, element, x, w, out, bias, activation).emit(lo, hi, slots)


def accumulator_count():
    """How many vector slots `emit_direct_conv` needs."""
    return MAX_PIXELS * MAX_VECTORS


def vector_type(element):
    """The vector type of the accumulators for an LLVM float type."""
    lanes = VECTOR_BYTES // (4 if isinstance(element, ir.FloatType) else 8)
    return ir.VectorType(element, lanes)
