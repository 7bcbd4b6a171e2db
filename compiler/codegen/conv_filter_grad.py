"""The filter gradient of a 2-D convolution, channels last, emitted into a graph's kernel.

`emit_filter_grad(b, geometry, ...)` computes tiles [lo, hi) of

    dw[kh, kw, c, o] = sum_{n, oh, ow} x[n, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, c] * dy[n, oh, ow, o]

(x: (N, H, W, C), dy: (N, OH, OW, O), dw: (KH, KW, C, O)) without a window matrix.

A tile is one tap (kh, kw), a block of up to `pixels_per_tile` input channels and a block
of up to MAX_VECTORS vectors of output channels: CB x NV accumulators in registers, and
per output pixel NV vectors of dy are loaded and CB scalars of x broadcast into CB * NV
fused multiply-adds (the forward kernel's tile with pixels and input channels swapped).
The sum runs image by image (n outermost): one image's dy and x stay in this core's L2
while every tile of the thread's range reads them, and each tile's accumulators are
loaded from and stored to dw once per image. Threads split the tiles, so no two write
the same part of dw and no reduction is needed. Pixels whose tap reads the padding are
simply not visited: the valid rows and columns of each tap are a range computed per tile,
so one body serves every tap (a body per tap multiplied LLVM's work by the tap count).
"""
from . import target as _target  # noqa: F401  (first: selects opaque llvmlite.ir pointers)
from llvmlite import ir  # noqa: E402

from .conv_kernel import MAX_VECTORS, _Emitter, _Loop, pixels_per_tile  # noqa: E402

I1 = ir.IntType(1)
I64 = ir.IntType(64)


def tile_plan(geometry, lanes):
    """(channel block, channel blocks, channel remainder, vector blocks): the tiles of one
    tap are every (channel block, vector block) pair."""
    g = geometry
    vectors = -(-g.O // lanes)
    vector_blocks = -(-vectors // MAX_VECTORS)
    first_vectors = min(vectors, MAX_VECTORS)
    block = min(g.C, pixels_per_tile(first_vectors))
    return block, g.C // block, g.C % block, vector_blocks


def tile_count(geometry, lanes):
    block, full, remainder, vector_blocks = tile_plan(geometry, lanes)
    return geometry.KH * geometry.KW * (full + (1 if remainder else 0)) * vector_blocks


class _FilterGrad(_Emitter):
    def __init__(self, b, g, element, x, dy, dw, batch):
        super().__init__(b, g, element, x, dw, dy, None, None)
        self.dy, self.dw, self.batch = dy, dw, batch

    def emit(self, lo, hi, slots):
        g, b = self.g, self.b
        block, full, remainder, vector_blocks = tile_plan(g, self.vl)
        channel_blocks = full + (1 if remainder else 0)
        per_tap = channel_blocks * vector_blocks
        vectors = -(-g.O // self.vl)
        with self.loop(self.c(0), self.batch, "n") as n:
            with self.loop(lo, hi, "t") as t:
                tap = b.sdiv(t, self.c(per_tap))
                within = b.srem(t, self.c(per_tap))
                cb = b.sdiv(within, self.c(vector_blocks))
                vb = b.srem(within, self.c(vector_blocks))
                kh = b.sdiv(tap, self.c(g.KW))
                kw = b.srem(tap, self.c(g.KW))
                self.tap_tiles(n, kh, kw, cb, vb, block, full, remainder, vectors, vector_blocks, slots)

    def tap_tiles(self, n, kh, kw, cb, vb, block, full, remainder, vectors, vector_blocks, slots):
        b = self.b
        variants = []
        last_vectors = vectors - (vector_blocks - 1) * MAX_VECTORS
        for channels, is_remainder in ((block, False), (remainder, True)):
            if channels == 0 or (not is_remainder and full == 0):
                continue
            for vcount, is_last in ((MAX_VECTORS, False), (last_vectors, True)):
                if not is_last and vector_blocks == 1:
                    continue
                variants.append((channels, is_remainder, vcount, is_last))
        for channels, is_remainder, vcount, is_last in variants:
            in_channels = b.icmp_signed("==" if is_remainder else "<", cb, self.c(full))
            in_vectors = b.icmp_signed("==" if is_last else "<", vb, self.c(vector_blocks - 1))
            with b.if_then(b.and_(in_channels, in_vectors)):
                c0 = b.mul(cb, self.c(block))
                o0 = b.mul(vb, self.c(MAX_VECTORS * self.vl))
                mask = None
                if is_last and self.g.O % self.vl:
                    tail = self.g.O % self.vl
                    mask = ir.Constant(ir.VectorType(I1, self.vl), [i < tail for i in range(self.vl)])
                self.tile(n, kh, kw, c0, o0, channels, vcount, mask, slots)

    def tile(self, n, kh, kw, c0, o0, channels, vectors, mask, slots):
        g, b = self.g, self.b
        masks = [mask if v == vectors - 1 else None for v in range(vectors)]
        accs = [[slots[ci * MAX_VECTORS + v] for v in range(vectors)] for ci in range(channels)]
        tap = b.add(b.mul(kh, self.c(g.KW)), kw)
        tap_base = b.add(b.mul(tap, self.c(g.C * g.O)), b.add(b.mul(c0, self.c(g.O)), o0))
        first_image = b.icmp_signed("==", n, self.c(0))
        for ci, row in enumerate(accs):
            for v, slot in enumerate(row):
                where = self.ep(self.dw, b.add(tap_base, self.c(ci * g.O + v * self.vl)))
                # dw is the output buffer: reading it before the first image is harmless
                b.store(b.select(first_image, self.zero, self.load_vector(where, masks[v])), slot)
        # the output positions whose input position for this tap is inside, per axis
        oh_first, oh_stop = self.tap_bounds(kh, g.H, g.OH, g.sh, g.dh, g.pt)
        ow_first, ow_stop = self.tap_bounds(kw, g.W, g.OW, g.sw, g.dw, g.pl)
        x_image = b.mul(n, self.c(g.H * g.W * g.C))
        dy_image = b.mul(n, self.c(g.OH * g.OW * g.O))
        with self.loop(oh_first, oh_stop, "oh") as oh:
            ih = b.add(b.mul(oh, self.c(g.sh)), b.sub(b.mul(kh, self.c(g.dh)), self.c(g.pt)))
            x_row = b.add(b.add(x_image, b.mul(ih, self.c(g.W * g.C))), c0)
            dy_row = b.add(b.add(dy_image, b.mul(oh, self.c(g.OW * g.O))), o0)
            with self.loop(ow_first, ow_stop, "ow", unroll=True) as ow:
                iw = b.add(b.mul(ow, self.c(g.sw)), b.sub(b.mul(kw, self.c(g.dw)), self.c(g.pl)))
                x_at = self.ep(self.x, b.add(x_row, b.mul(iw, self.c(g.C))))
                dy_at = self.ep(self.dy, b.add(dy_row, b.mul(ow, self.c(g.O))))
                grads = [self.load_vector(self.ep(dy_at, v * self.vl), m) for v, m in enumerate(masks)]
                for ci, row in enumerate(accs):
                    spread = self.splat(b.load(self.ep(x_at, ci), typ=self.T))
                    for v, slot in enumerate(row):
                        b.store(b.call(self.fma, [spread, grads[v], b.load(slot, typ=self.VT)]), slot)
        for ci, row in enumerate(accs):
            for v, slot in enumerate(row):
                where = self.ep(self.dw, b.add(tap_base, self.c(ci * g.O + v * self.vl)))
                self.store_vector(b.load(slot, typ=self.VT), where, masks[v])

    def tap_bounds(self, tap, size, out_count, stride, dilation, pad):
        """[first, stop) of the output positions whose input position for `tap` (an i64
        value) is inside an axis of `size`."""
        b = self.b
        offset = b.sub(b.mul(tap, self.c(dilation)), self.c(pad))             # input position of output 0
        # first = max(0, ceil(-offset / stride)); stop = min(count, floor((size - 1 - offset) / stride) + 1)
        negative = b.sub(self.c(0), offset)
        first = b.sdiv(b.add(negative, self.c(stride - 1)), self.c(stride))
        first = b.select(b.icmp_signed("<", first, self.c(0)), self.c(0), first)
        room = b.sub(self.c(size - 1), offset)
        stop = b.add(b.sdiv(room, self.c(stride)), self.c(1))
        stop = b.select(b.icmp_signed("<", room, self.c(0)), self.c(0), stop)
        stop = b.select(b.icmp_signed(">", stop, self.c(out_count)), self.c(out_count), stop)
        return first, stop


def emit_filter_grad(b, geometry, element, x, dy, dw, batch, lo, hi, slots):
    """Emit, at the builder's position, the loops computing tiles [lo, hi) (i64 values;
    `tile_count` tiles in all) of the filter gradient of the convolution `geometry`:
    x, dy, dw are element pointers, `batch` the i64 batch size, `slots` the vector
    allocas of `conv_kernel.accumulator_count`."""
    _FilterGrad(b, geometry, element, x, dy, dw, batch).emit(lo, hi, slots)
