"""Winograd F(2x2, 3x3): a 3x3, stride-1 convolution, channels last, with 16 multiplies
per 2x2 output tile and channel pair instead of 36.

`emit_winograd_conv(b, geometry, ...)` computes tile rows [lo, hi) (a tile row is one
(n, th): output rows 2*th and 2*th + 1) of the convolution of x (N, H, W, C) by the
transformed kernel U (16, C, O) = G g G^T (see `G`; built by graph ops before the call),
optionally adding a bias and applying relu as it stores.

Per block of T tiles along a tile row (T as the direct kernel's P, so the multiply tile
is the same T x NV register block):
1. input transform: each tile's 4x4 input patch d becomes V = B^T d B (16 values per
   channel, vectorised over channels), written to a small stack buffer (16 x T x C);
2. multiply: for each of the 16 positions, T x NV accumulators sum V[pos, t, c] *
   U[pos, c, o] over c (broadcast V, load U: the direct kernel's inner loop), written to
   a second stack buffer (16 x T x NV*VL);
3. output transform: Y = A^T M A gives each tile's 2x2 outputs per channel vector.
Both buffers stay in L1; U (16 x C x O) is read from L2 once per block.

Patches reaching past the input (padding, odd sizes) read zeros: rows and, when some tile
reaches past the sides, columns are tested at run time (one body serves every tile:
LLVM's time grows with every copy). Outputs past an odd output size are not stored.

With `pool`, a 2x2 max pool of stride 2 ('valid') follows: a tile's 2x2 outputs are
exactly one pooling window, so the kernel stores their maximum (bias and relu applied
after it: the bias is the same for the four, relu is monotonic) in the pooled output,
and a tile cut by an odd output size, whose window 'valid' pooling drops, stores nothing.
The full-size output is never written.
"""
from . import target as _target  # noqa: F401  (first: selects opaque llvmlite.ir pointers)
from llvmlite import ir  # noqa: E402

from .conv_kernel import MAX_VECTORS, _Emitter, column_blocks, pixels_per_tile  # noqa: E402
from .scalar import select_max  # noqa: E402

I1 = ir.IntType(1)
I64 = ir.IntType(64)

# U = G g G^T turns a 3x3 kernel g into the 4x4 one the multiply stage uses.
G = ((1.0, 0.0, 0.0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0.0, 0.0, 1.0))
# The input transform B^T and the output transform A^T, as (coefficient, index) sums.
B_T = (((1, 0), (-1, 2)), ((1, 1), (1, 2)), ((-1, 1), (1, 2)), ((1, 1), (-1, 3)))
A_T = (((1, 0), (1, 1), (1, 2)), ((1, 1), (-1, 2), (-1, 3)))
# Largest input channel count: the stack buffers grow with it.
MAX_CHANNELS = 256
# At most this many tiles per block, so that the two buffers stay near L1's size.
MAX_TILES = 8


def tiles_per_block(vectors):
    return min(MAX_TILES, pixels_per_tile(vectors))


class WinogradGeometry:
    """The constant sizes of a 3x3 stride-1 convolution run as 2x2 tiles."""

    def __init__(self, in_size, channels, out_channels, pads, pool=False):
        self.pool = pool
        self.H, self.W = in_size
        self.C, self.O = channels, out_channels
        (self.pt, self.pb), (self.pl, self.pr) = pads
        self.OH = self.H + self.pt + self.pb - 2
        self.OW = self.W + self.pl + self.pr - 2
        if min(self.OH, self.OW) < 1:
            raise ValueError(f"winograd conv: a 3x3 window does not fit the padded input ({self.H}x{self.W})")
        self.TH, self.TW = -(-self.OH // 2), -(-self.OW // 2)
        # the pooled output: whole tiles only
        self.PH, self.PW = self.OH // 2, self.OW // 2

    def column_ok(self, tw, j):
        return 0 <= 2 * tw - self.pl + j < self.W

    def interior_tiles(self):
        """[first, stop) of the tile columns whose patches and outputs are all in range."""
        inside = [tw for tw in range(self.TW)
                  if all(self.column_ok(tw, j) for j in range(4)) and 2 * tw + 1 < self.OW]
        if not inside:
            return 0, 0
        return inside[0], inside[-1] + 1

    def macs_per_tile_row(self):
        return self.TW * 16 * self.C * self.O


class _Winograd(_Emitter):
    def __init__(self, b, g, element, x, u, out, bias, activation, v_buffer, m_buffer):
        super().__init__(b, g, element, x, u, out, bias, activation)
        self.v_buffer, self.m_buffer = v_buffer, m_buffer
        self.cvecs = -(-g.C // self.vl)
        self.cpad = self.cvecs * self.vl
        tail = g.C % self.vl
        self.c_mask = None if not tail else ir.Constant(ir.VectorType(I1, self.vl), [i < tail for i in range(self.vl)])

    def emit(self, lo, hi, slots):
        g, b = self.g, self.b
        with self.loop(lo, hi, "trow") as trow:
            n = b.sdiv(trow, self.c(g.TH))
            th = b.srem(trow, self.c(g.TH))
            rows = self.patch_rows(n, th)
            first, stop = g.interior_tiles()
            # with edge tiles (padding, odd sizes) every tile checks its columns at run time:
            # one body for all of them costs LLVM far less than a body per edge tile
            checked = (first, stop) != (0, g.TW)
            size, full, remainder = column_blocks(0, g.TW, self.tiles)
            if full:
                with self.loop(self.c(0), self.c(full), "tb") as block:
                    self.block(b.mul(block, self.c(size)), size, rows, n, th, slots, checked)
            if remainder:
                self.block(self.c(full * size), remainder, rows, n, th, slots, checked)

    def patch_rows(self, n, th):
        """Per patch row i: (element offset of the input row, i1 'inside', or None when
        every tile row has it inside)."""
        g, b = self.g, self.b
        rows = []
        for i in range(4):
            ih = b.add(b.mul(th, self.c(2)), self.c(i - g.pt))
            always = i - g.pt >= 0 and 2 * (g.TH - 1) + i - g.pt < g.H
            inside = None
            if not always:
                inside = b.and_(b.icmp_signed(">=", ih, self.c(0)), b.icmp_signed("<", ih, self.c(g.H)))
                ih = b.select(inside, ih, self.c(0))      # a row that is read, but not used
            rows.append((b.mul(b.add(b.mul(n, self.c(g.H)), ih), self.c(g.W * g.C)), inside))
        return rows

    def block(self, tw0, tiles, rows, n, th, slots, checked):
        """Tiles tw0 + t for t < `tiles`; `checked`: test each patch column and output
        column against the input and output widths."""
        g = self.g
        # the transforms loop over the tiles at run time (one copy of their code each);
        # the multiply keeps its tiles in registers, so there they are unrolled
        with self.loop(self.c(0), self.c(tiles), "ti") as t:
            self.input_transform(tw0, t, rows, checked)
        vectors_total = -(-g.O // self.vl)
        for first_vector in range(0, vectors_total, MAX_VECTORS):
            vectors = min(MAX_VECTORS, vectors_total - first_vector)
            o0 = first_vector * self.vl
            tail = g.O % self.vl
            mask = None
            if tail and first_vector + vectors == vectors_total:
                mask = ir.Constant(ir.VectorType(I1, self.vl), [i < tail for i in range(self.vl)])
            masks = [mask if v == vectors - 1 else None for v in range(vectors)]
            self.multiply(tiles, o0, vectors, masks, slots)
            with self.loop(self.c(0), self.c(tiles), "to") as t:
                self.output_transform(tw0, t, checked, th, n, o0, vectors, masks)

    # -------------------------------------------------------------- stage 1
    def input_transform(self, tw0, t, rows, checked):
        g, b = self.g, self.b
        with self.loop(self.c(0), self.c(self.cvecs), "cv") as cv:
            c0 = b.mul(cv, self.c(self.vl))
            mask = None
            if self.c_mask is not None:
                last = b.icmp_signed("==", cv, self.c(self.cvecs - 1))
                mask = b.select(last, self.c_mask, ir.Constant(ir.VectorType(I1, self.vl), [1] * self.vl))
            col0 = b.sub(b.mul(b.add(tw0, t), self.c(2)), self.c(g.pl))
            d = [[None] * 4 for _ in range(4)]
            columns = []
            for j in range(4):
                col = b.add(col0, self.c(j))
                ok = None
                if checked:
                    ok = b.and_(b.icmp_signed(">=", col, self.c(0)), b.icmp_signed("<", col, self.c(g.W)))
                    col = b.select(ok, col, self.c(0))       # a column that is read, but not used
                columns.append((b.mul(col, self.c(g.C)), ok))
            for i, (row_base, inside) in enumerate(rows):
                for j, (col_offset, ok) in enumerate(columns):
                    at = b.add(b.add(row_base, col_offset), c0)
                    value = self.load_vector(self.ep(self.x, at), mask)
                    use = inside if ok is None else ok if inside is None else b.and_(inside, ok)
                    if use is not None:
                        value = b.select(use, value, self.zero)
                    d[i][j] = value
            rows_t = [[self.combine(B_T[xi], [d[i][j] for i in range(4)]) for j in range(4)] for xi in range(4)]
            for xi in range(4):
                for nu in range(4):
                    v = self.combine(B_T[nu], rows_t[xi])
                    at = b.add(b.mul(b.add(self.c((xi * 4 + nu) * self.tiles), t), self.c(self.cpad)), c0)
                    self.store_vector(v, self.ep(self.v_buffer, at), None)

    def combine(self, terms, values):
        """sum of coefficient * values[index] over (coefficient, index) terms (+-1 only)."""
        b = self.b
        total = None
        for coefficient, index in terms:
            value = values[index]
            if total is None:
                total = value if coefficient == 1 else b.fsub(self.zero, value)
            else:
                total = b.fadd(total, value) if coefficient == 1 else b.fsub(total, value)
        return total

    # -------------------------------------------------------------- stage 2
    def multiply(self, tiles, o0, vectors, masks, slots):
        g, b = self.g, self.b
        width = MAX_VECTORS * self.vl
        with self.loop(self.c(0), self.c(16), "pos") as pos:
            accs = [[slots[t * MAX_VECTORS + v] for v in range(vectors)] for t in range(tiles)]
            for row in accs:
                for slot in row:
                    b.store(self.zero, slot)
            v_base = b.mul(pos, self.c(self.tiles * self.cpad))
            u_base = b.add(b.mul(pos, self.c(g.C * g.O)), self.c(o0))
            with self.loop(self.c(0), self.c(g.C), "c", unroll=True) as c:
                u_row = self.ep(self.w, b.add(u_base, b.mul(c, self.c(g.O))))
                kernel = [self.load_vector(self.ep(u_row, v * self.vl), m) for v, m in enumerate(masks)]
                v_at = self.ep(self.v_buffer, b.add(v_base, c))
                for t, row in enumerate(accs):
                    spread = self.splat(b.load(self.ep(v_at, t * self.cpad), typ=self.T))
                    for v, slot in enumerate(row):
                        b.store(b.call(self.fma, [spread, kernel[v], b.load(slot, typ=self.VT)]), slot)
            m_base = b.mul(pos, self.c(self.tiles * width))
            for t, row in enumerate(accs):
                for v, slot in enumerate(row):
                    at = b.add(m_base, self.c(t * width + v * self.vl))
                    self.store_vector(b.load(slot, typ=self.VT), self.ep(self.m_buffer, at), None)

    # -------------------------------------------------------------- stage 3
    def output_transform(self, tw0, t, checked, th, n, o0, vectors, masks):
        g, b = self.g, self.b
        width = MAX_VECTORS * self.vl
        for v in range(vectors):
            tile_at = b.add(b.mul(t, self.c(width)), self.c(v * self.vl))
            m = [[self.load_vector(self.ep(self.m_buffer, b.add(tile_at, self.c((xi * 4 + nu) * self.tiles * width))),
                                   None) for nu in range(4)] for xi in range(4)]
            rows = [[self.combine(A_T[r], [m[xi][nu] for xi in range(4)]) for nu in range(4)] for r in range(2)]
            bias = None
            if self.bias is not None:
                bias = self.load_vector(self.ep(self.bias, self.c(o0 + v * self.vl)), masks[v])
            if g.pool:
                self.store_pooled(rows, tw0, t, th, n, o0 + v * self.vl, bias, masks[v])
                continue
            for r in range(2):
                oh = b.add(b.mul(th, self.c(2)), self.c(r))
                check_row = r == 1 and g.OH % 2 == 1
                row_ok = b.icmp_signed("<", oh, self.c(g.OH)) if check_row else None
                for s in range(2):
                    value = self.epilogue(self.combine(A_T[s], rows[r]), bias)
                    ow = b.add(b.mul(b.add(tw0, t), self.c(2)), self.c(s))
                    at = b.add(b.mul(b.add(b.mul(b.add(b.mul(n, self.c(g.OH)), oh), self.c(g.OW)), ow),
                                     self.c(g.O)), self.c(o0 + v * self.vl))
                    ok = row_ok
                    if checked and s == 1 and g.OW % 2 == 1:
                        col_ok = b.icmp_signed("<", ow, self.c(g.OW))
                        ok = col_ok if ok is None else b.and_(ok, col_ok)
                    self.store_where(ok, value, at, masks[v])

    def epilogue(self, value, bias):
        b = self.b
        if bias is not None:
            value = b.fadd(value, bias)
        if self.activation == "relu":
            value = b.select(b.fcmp_ordered("<=", value, self.zero), self.zero, value)
        return value

    def store_pooled(self, rows, tw0, t, th, n, o, bias, mask):
        """The tile's maximum (a nan anywhere wins, as the max_pool op has it), then the
        bias and relu, at (n, th, tw) of the pooled output; nothing for a cut tile."""
        g, b = self.g, self.b
        best = None
        for r in range(2):
            for s in range(2):
                value = self.combine(A_T[s], rows[r])
                best = value if best is None else select_max(b, value, best, True, True)
        value = self.epilogue(best, bias)
        tw = b.add(tw0, t)
        at = b.add(b.mul(b.add(b.mul(b.add(b.mul(n, self.c(g.PH)), th), self.c(g.PW)), tw), self.c(g.O)),
                   self.c(o))
        ok = None
        if g.OH % 2 == 1:
            ok = b.icmp_signed("<", th, self.c(g.PH))
        if g.OW % 2 == 1:
            col_ok = b.icmp_signed("<", tw, self.c(g.PW))
            ok = col_ok if ok is None else b.and_(ok, col_ok)
        self.store_where(ok, value, at, mask)

    def store_where(self, ok, value, at, mask):
        """Store `value` at element `at` of the output; only when `ok` (an i1), if given."""
        if ok is None:
            self.store_vector(value, self.ep(self.out, at), mask)
        else:
            with self.b.if_then(ok):
                self.store_vector(value, self.ep(self.out, at), mask)


def buffer_sizes(geometry, element):
    """(elements of the transformed-input buffer, of the product buffer) per thread."""
    lanes = 64 // (4 if isinstance(element, ir.FloatType) else 8)
    tiles = tiles_per_block(min(MAX_VECTORS, -(-geometry.O // lanes)))
    cpad = -(-geometry.C // lanes) * lanes
    return 16 * tiles * cpad, 16 * tiles * MAX_VECTORS * lanes


def emit_winograd_conv(b, geometry, element, x, u, out, lo, hi, slots, v_buffer, m_buffer, bias=None,
                       activation=None):
    """Emit the loops computing tile rows [lo, hi) of the convolution `geometry` of x by
    the transformed kernel u into out. `v_buffer`, `m_buffer`: element pointers to stack
    buffers of `buffer_sizes` elements, 64-byte aligned; `slots` as for the direct kernel."""
    if activation not in (None, "relu"):
        raise ValueError(f"winograd conv: unsupported fused activation {activation!r} (None or 'relu')")
    if geometry.C > MAX_CHANNELS:
        raise ValueError(f"winograd conv: at most {MAX_CHANNELS} input channels, got {geometry.C}")
    emitter = _Winograd(b, geometry, element, x, u, out, bias, activation, v_buffer, m_buffer)
    emitter.tiles = tiles_per_block(min(MAX_VECTORS, -(-geometry.O // emitter.vl)))
    emitter.emit(lo, hi, slots)
