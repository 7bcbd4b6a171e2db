"""A BLIS-style GEMM emitted into an `llvmlite.ir` module.

`emit_gemm(module, dtype)` adds (once per module) the external function

    void keralite_gemm_<f32|f64>(i64 M, i64 N, i64 K,
                                  ptr A, i64 a_rs, i64 a_cs,
                                  ptr B, i64 b_rs, i64 b_cs,
                                  ptr C, i64 ldc, i32 accumulate)

computing  C[i*ldc + j] = (accumulate ? C[i*ldc + j] : 0) + sum_k A[i*a_rs + k*a_cs] * B[k*b_rs + j*b_cs]
for any M, N, K >= 0 and any element strides (transposed operands are handled while packing).
With accumulate == 0, C is never read.

Loop nest of one thread (`.serial`):

    jc over N in NC-column blocks
      pc over K in KC-deep blocks       pack B[pc:pc+kc, jc:jc+nc] into NR-wide panels (zero padded)
        ic over M in MC-row blocks      pack A[ic:ic+mc, pc:pc+kc] into MR-row panels (zero padded)
          jr over the NR panels
            ir over the MR panels       MR x NR micro-kernel (`.kernel`)

The micro-kernel holds MR x NV vector accumulators (NR = NV * VL columns, VL lanes per zmm) in
registers.  Per k it loads NV vectors of the packed B panel and broadcasts MR scalars of the packed A
panel into MR*NV `llvm.fma` calls.  Full tiles are stored with plain vector loads/stores; edge tiles
run the same kernel over the zero-padded panels and store with `llvm.masked.store`.

Packing has vector fast paths for every contiguous layout: row-major B (vector copy), B^T (16x16
in-register transposes), row-major A (8x16 in-register transposes), A^T (vector copy), masked loads
for the edge panels; other strides use scalar loops.

Threading: when the problem is large enough it is cut into `PARALLEL_PARTS` pieces along M or N
(the split whose duplicated packing is the smaller operand) and the pieces run through the C
runtime's `kl_parallel_for(body, ctx, n, grain)`.  Each piece runs the serial loop nest with its own
pack buffers (`aligned_alloc`/`free`).
"""
from contextlib import contextmanager

from llvmlite import ir
from llvmlite.ir import values as ir_values

I1 = ir.IntType(1)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
PTR = ir.PointerType()
VOID = ir.VoidType()

# Per dtype: VL lanes per vector; micro-kernel of MR rows x NV vectors (NR = NV*VL columns);
# cache blocks KC (depth), MC (rows of packed A), NC (columns of packed B).
CONFIGS = {
    "float32": dict(vl=16, mr=8, nv=2, kc=256, mc=128, nc=2048),
    "float64": dict(vl=8, mr=8, nv=2, kc=256, mc=128, nc=1024),
}

# Problems with fewer multiply-adds than this run on the calling thread only.
PARALLEL_MIN_WORK = 1 << 18
# Extra micro-kernels for thin tiles: (rows, vectors, k-unroll).
KERNELS = ((1, 2, 4), (4, 2, 1), (8, 1, 1))
# Row-major B with at most this many rows of A: row-streaming matrix-vector-like path.
ROWS_MAX_M = 4
# Rows of B per pass of that path.
ROWS_UNROLL = 4
# Row-major B is used in place (not packed) when M is at most this.
DIRECT_B_MAX_M = 8
# Alignment of the pack buffers, bytes.
ALIGN = 64

_SUFFIX = {"float32": "f32", "float64": "f64"}


def _dtype_name(dtype):
    name = str(getattr(dtype, "name", dtype))
    if name not in _SUFFIX:
        raise ValueError(f"emit_gemm: unsupported dtype {dtype!r} (float32 or float64)")
    return name


def gemm_name(dtype):
    """Symbol name of the gemm for `dtype` ('float32'/'float64' or a numpy dtype)."""
    return "keralite_gemm_" + _SUFFIX[_dtype_name(dtype)]


def emit_gemm(module, dtype, **overrides):
    """Add keralite_gemm_<f32|f64> to `module` (once per module) and return its ir.Function.

    `overrides` (mr, nv, kc, mc, nc, parallel_min_work) exist for tuning experiments.
    """
    dtype = _dtype_name(dtype)
    name = gemm_name(dtype)
    existing = module.globals.get(name)
    if existing is not None:
        return existing
    cfg = dict(CONFIGS[dtype])
    cfg.update(overrides)
    return _GemmEmitter(module, dtype, name, cfg).emit()


# ---------------------------------------------------------------------- small IR helpers
def _c(v, ty=I64):
    return ir.Constant(ty, v)


def _i64(v):
    return _c(v) if isinstance(v, int) else v


def _declare(module, name, fnty):
    fn = module.globals.get(name)
    if fn is None:
        fn = ir.Function(module, fnty, name)
    return fn


def _alloca(b, ty, name):
    """alloca with an opaque `ptr` result (llvmlite.ir types allocas as typed pointers, and
    then refuses stores of other types through GEPs of them)."""
    slot = b.alloca(ty, name=name)
    slot.type = PTR
    return slot


def _min(b, x, y):
    return b.select(b.icmp_signed("<", x, y), x, y)


def _ceil_div(b, x, d):
    d = _i64(d)
    return b.sdiv(b.add(x, b.sub(d, _c(1))), d)


def _round_up(b, x, m):
    return b.mul(_ceil_div(b, x, m), _c(m))


class _GemmEmitter:
    def __init__(self, module, dtype, name, cfg):
        self.m = module
        self.name = name
        self.T = ir.FloatType() if dtype == "float32" else ir.DoubleType()
        self.es = 4 if dtype == "float32" else 8
        self.vl = cfg["vl"]
        self.mr = cfg["mr"]
        self.nv = cfg["nv"]
        self.nr = self.nv * self.vl
        self.kc = cfg["kc"]
        self.mc = cfg["mc"]
        self.nc = cfg["nc"]
        for v in (self.vl, self.mr):
            assert v & (v - 1) == 0, "VL and MR must be powers of two"
        assert self.mr <= self.vl and self.mc % self.mr == 0 and self.nc % self.nr == 0
        self.parallel_min_work = int(cfg.get("parallel_min_work", PARALLEL_MIN_WORK))
        self.direct_b_max_m = int(cfg.get("direct_b_max_m", DIRECT_B_MAX_M))
        self.kc_direct = int(cfg.get("kc_direct", self.kc))
        self.rows_max_m = int(cfg.get("rows_max_m", ROWS_MAX_M))
        # micro-kernels (rows, vectors, k-unroll), smallest tile first; the last is the main
        # MR x NR kernel.  Small ones serve thin problems (M = 1: matrix-vector, N <= VL).
        self.kernel_shapes = [tuple(k) for k in cfg.get("kernels", KERNELS)] + [(self.mr, self.nv, 1)]
        self.VT = ir.VectorType(self.T, self.vl)
        sfx = _SUFFIX[dtype]
        d = lambda n, r, a: _declare(module, n, ir.FunctionType(r, a))  # noqa: E731
        self.fma = d(f"llvm.fma.v{self.vl}{sfx}", self.VT, [self.VT] * 3)
        self.aligned_alloc = d("aligned_alloc", PTR, [I64, I64])
        self.free = d("free", VOID, [PTR])
        self.parallel_for = d("kl_parallel_for", VOID, [PTR, PTR, I64, I64])
        self._masked = {}
        self._novec_md = None

    # ------------------------------------------------------------------ helpers
    def _fn(self, suffix, argtys, names, external=False):
        fn = ir.Function(self.m, ir.FunctionType(VOID, argtys), self.name + suffix)
        if not external:
            fn.linkage = "internal"
            # Separate functions keep the optimiser's work (and compile time) small.
            fn.attributes.add("noinline")
        fn.attributes.add("nounwind")
        for a, n in zip(fn.args, names):
            a.name = n
        return fn, ir.IRBuilder(fn.append_basic_block("entry"))

    def _ep(self, b, base, idx):
        """Address of element `idx` of a T array at `base`."""
        return b.gep(base, [_i64(idx)], source_etype=self.T, inbounds=True)

    def _load(self, b, p, ty=None, align=None):
        return b.load(p, typ=ty or self.T, align=align or self.es)

    def _splat(self, b, x, n):
        vt = ir.VectorType(x.type, n)
        v = b.insert_element(ir.Constant(vt, ir.Undefined), x, _c(0, I32))
        return b.shuffle_vector(v, ir.Constant(vt, ir.Undefined),
                                ir.Constant(ir.VectorType(I32, n), [0] * n))

    def _lane_mask(self, b, first, count, n):
        """<n x i1>: lane l is on when first + l < count (first: python int, count: i64)."""
        lanes = ir.Constant(ir.VectorType(I64, n), [first + i for i in range(n)])
        return b.icmp_signed("<", lanes, self._splat(b, count, n))

    def _masked_op(self, kind, n):
        key = (kind, n)
        if key not in self._masked:
            vt = ir.VectorType(self.T, n)
            mt = ir.VectorType(I1, n)
            sfx = f"v{n}{_SUFFIX['float32' if self.es == 4 else 'float64']}.p0"
            if kind == "load":
                fnty = ir.FunctionType(vt, [PTR, I32, mt, vt])
            else:
                fnty = ir.FunctionType(VOID, [vt, PTR, I32, mt])
            self._masked[key] = _declare(self.m, f"llvm.masked.{kind}.{sfx}", fnty)
        return self._masked[key]

    def _masked_load(self, b, p, mask, n):
        vt = ir.VectorType(self.T, n)
        return b.call(self._masked_op("load", n), [p, _c(self.es, I32), mask, ir.Constant(vt, None)])

    def _masked_store(self, b, v, p, mask, n):
        b.call(self._masked_op("store", n), [v, p, _c(self.es, I32), mask])

    def _novec(self):
        """Fresh `!llvm.loop` metadata that keeps a (cold, scalar) loop as it is: no
        vectorisation, no unrolling -- vectorised cold loops only cost compile time."""
        if self._novec_md is None:
            self._novec_md = [
                self.m.add_metadata([ir.MetaDataString(self.m, "llvm.loop.vectorize.enable"),
                                     ir.Constant(I1, 0)]),
                self.m.add_metadata([ir.MetaDataString(self.m, "llvm.loop.unroll.disable")]),
            ]
        # A loop id must be a distinct self-referential node; built by hand, because the
        # module's metadata cache hashes operands (a self-reference would recurse).
        md = ir_values.MDValue(self.m, [], name=str(len(self.m.metadata)))
        md.operands = (md, *self._novec_md)
        return md

    @contextmanager
    def _for(self, b, start, stop, step=1, name="i", novec=False):
        """for (i = start; i < stop; i += step); afterwards the builder is past the loop."""
        start, stop, step = _i64(start), _i64(stop), _i64(step)
        pre = b.block
        hdr = b.append_basic_block(name + ".hdr")
        body = b.append_basic_block(name + ".body")
        end = b.append_basic_block(name + ".end")
        b.branch(hdr)
        b.position_at_end(hdr)
        i = b.phi(I64, name=name)
        i.add_incoming(start, pre)
        b.cbranch(b.icmp_signed("<", i, stop), body, end)
        b.position_at_end(body)
        yield i
        nxt = b.add(i, step, name=name + ".next", flags=["nsw"])
        i.add_incoming(nxt, b.block)
        br = b.branch(hdr)
        if novec:
            br.set_metadata("llvm.loop", self._novec())
        b.position_at_end(end)

    def _transpose(self, b, rows, W):
        """rows: R vectors of W lanes (R <= W, both powers of two), rows[r][k] = X[r][k].
        Returns R vectors of W lanes whose concatenation is O[k*R + r] = X[r][k], using
        log2(R) stages of two-source shuffles (each stage trades one vector-index bit for
        one lane bit)."""
        R = len(rows)
        shift = (W // R).bit_length() - 1  # final vector q holds k in [q << shift, (q+1) << shift)
        vecs = list(rows)
        content = [[(r, k) for k in range(W)] for r in range(R)]
        nstages = R.bit_length() - 1
        for s in range(nstages):
            last = s == nstages - 1
            p = s + shift  # the lane bit that currently holds k bit (s + shift)
            new_vecs, new_content = list(vecs), [None] * R
            for v0 in range(R):
                if v0 & (1 << s):
                    continue
                v1 = v0 | (1 << s)
                where = {}
                for src, v in enumerate((v0, v1)):
                    for lane, item in enumerate(content[v]):
                        where[item] = src * W + lane
                for x, v in enumerate((v0, v1)):
                    if last:
                        want = [divmod(v * W + lane, R)[::-1] for lane in range(W)]
                    else:
                        want = []
                        for lane in range(W):
                            src = (lane >> p) & 1
                            src_lane = (lane & ~(1 << p)) | (x << p)
                            want.append(content[(v0, v1)[src]][src_lane])
                    mask = ir.Constant(ir.VectorType(I32, W), [where[item] for item in want])
                    new_vecs[v] = b.shuffle_vector(vecs[v0], vecs[v1], mask)
                    new_content[v] = want
            vecs, content = new_vecs, new_content
        if nstages == 0:
            return vecs
        return vecs

    # ------------------------------------------------------------------ micro-kernel
    def emit_kernel(self, mr, nv, unroll=1):
        """kernel(kc, Ap, Bp, ldb, C, ldc, m, n, beta): C[:m, :n] (+)= Ap-panel x Bp-panel for
        m <= mr, n <= nv*VL.

        Ap: element (r, k) at Ap[k*MR + r] (MR: the packing's panel height, >= mr);
        Bp: element (k, j) at Bp[k*ldb + j] (ldb = NR for a packed panel, B's row stride
        when B is used in place).  beta != 0 adds to C, beta == 0 overwrites it without
        reading it.  `unroll` > 1 keeps that many independent accumulator sets (for k,
        k+1, ...), so that small tiles still have enough independent FMA chains.
        """
        T, VT, VL, MR = self.T, self.VT, self.vl, self.mr
        nr = nv * VL
        fn, b = self._fn(f".kernel{mr}x{nr}", [I64, PTR, PTR, I64, PTR, I64, I64, I64, I32],
                         ["kc", "Ap", "Bp", "ldb", "C", "ldc", "m", "n", "beta"])
        kc, Ap, Bp, ldb, C, ldc, m, n, beta = fn.args
        for a in (Ap, Bp, C):
            a.add_attribute("noalias")
        zero = ir.Constant(VT, None)

        def step(b, k, acc):
            brow = self._ep(b, Bp, b.mul(k, ldb))
            bv = [self._load(b, self._ep(b, brow, v * VL), VT) for v in range(nv)]
            arow = self._ep(b, Ap, b.mul(k, _c(MR)))
            out = []
            for r in range(mr):
                s = self._splat(b, self._load(b, self._ep(b, arow, r)), VL)
                out.append([b.call(self.fma, [s, bv[v], acc[r][v]]) for v in range(nv)])
            return out

        sets = [[[zero] * nv for _ in range(mr)] for _ in range(unroll)]
        kmain = kc if unroll == 1 else b.sub(kc, b.srem(kc, _c(unroll)))

        def main_body(b, k, flat):
            out = []
            for u in range(unroll):
                acc = [flat[(u * mr + r) * nv:(u * mr + r + 1) * nv] for r in range(mr)]
                kk = k if u == 0 else b.add(k, _c(u))
                out += [x for row in step(b, kk, acc) for x in row]
            return out

        flat = self._carry_loop(b, 0, kmain, unroll, [x for st in sets for row in st for x in row],
                                main_body, "k")
        acc = [flat[r * nv:(r + 1) * nv] for r in range(mr)]
        if unroll > 1:
            def tail_body(b, k, flat):
                return [x for row in step(b, k, [flat[r * nv:(r + 1) * nv] for r in range(mr)]) for x in row]
            acc = [x for row in acc for x in row]
            acc = self._carry_loop(b, kmain, kc, 1, acc, tail_body, "kt")
            acc = [acc[r * nv:(r + 1) * nv] for r in range(mr)]
            for u in range(1, unroll):
                base = u * mr * nv
                acc = [[b.fadd(acc[r][v], flat[base + r * nv + v]) for v in range(nv)]
                       for r in range(mr)]

        full = b.and_(b.icmp_signed("==", m, _c(mr)), b.icmp_signed("==", n, _c(nr)))
        add = b.icmp_signed("!=", beta, _c(0, I32))
        rows = [self._ep(b, C, b.mul(ldc, _c(r))) for r in range(mr)]
        with b.if_else(full, likely=True) as (t_full, t_edge):
            with t_full:
                with b.if_else(add) as (t_add, t_set):
                    with t_add:
                        for r in range(mr):
                            for v in range(nv):
                                p = self._ep(b, rows[r], v * VL)
                                b.store(b.fadd(self._load(b, p, VT), acc[r][v]), p, align=self.es)
                    with t_set:
                        for r in range(mr):
                            for v in range(nv):
                                b.store(acc[r][v], self._ep(b, rows[r], v * VL), align=self.es)
            with t_edge:
                masks = [self._lane_mask(b, v * VL, n, VL) for v in range(nv)]
                for r in range(mr):
                    with b.if_then(b.icmp_signed("<", _c(r), m)):
                        for v in range(nv):
                            p = self._ep(b, rows[r], v * VL)
                            old = self._masked_load(b, p, b.and_(masks[v], self._splat(b, add, VL)), VL)
                            val = b.select(add, b.fadd(old, acc[r][v]), acc[r][v])
                            self._masked_store(b, val, p, masks[v], VL)
        b.ret_void()
        return fn

    def _carry_loop(self, b, start, stop, step, init, body, name):
        """for (k = start; k < stop; k += step) vals = body(b, k, vals); returns the final vals."""
        start, stop = _i64(start), _i64(stop)
        pre = b.block
        hdr = b.append_basic_block(name + ".hdr")
        blk = b.append_basic_block(name + ".body")
        end = b.append_basic_block(name + ".end")
        b.branch(hdr)
        b.position_at_end(hdr)
        k = b.phi(I64, name=name)
        k.add_incoming(start, pre)
        phis = []
        for i, v in enumerate(init):
            p = b.phi(v.type, name=f"{name}.acc{i}")
            p.add_incoming(v, pre)
            phis.append(p)
        b.cbranch(b.icmp_signed("<", k, stop), blk, end)
        b.position_at_end(blk)
        new = body(b, k, phis)
        k.add_incoming(b.add(k, _c(step), flags=["nsw"]), b.block)
        for p, v in zip(phis, new):
            p.add_incoming(v, b.block)
        b.branch(hdr)
        b.position_at_end(end)
        return phis

    # ------------------------------------------------------------------ packing
    def emit_pack_b(self):
        """pack_b(kc, nc, B, b_rs, b_cs, Bp): NR-wide panels, panel p at Bp + p*kc*NR with
        element (k, j) at [k*NR + j]; columns past nc are zero."""
        T, NR, VL = self.T, self.nr, self.vl
        PT = ir.VectorType(T, NR)
        fn, b = self._fn(".pack_b", [I64, I64, PTR, I64, I64, PTR],
                         ["kc", "nc", "B", "b_rs", "b_cs", "Bp"])
        kc, nc, B, b_rs, b_cs, Bp = fn.args
        Bp.add_attribute("noalias")
        row_contig = b.icmp_signed("==", b_cs, _c(1))
        col_contig = b.icmp_signed("==", b_rs, _c(1))
        kv = b.sub(kc, b.srem(kc, _c(VL)))
        with self._for(b, 0, nc, NR, name="jp") as jp:
            nr = _min(b, _c(NR), b.sub(nc, jp))
            dst = self._ep(b, Bp, b.mul(jp, kc))
            src = self._ep(b, B, b.mul(jp, b_cs))
            with b.if_else(row_contig) as (t_row, t_other):
                with t_row:
                    # rows of B are contiguous: copy NR (masked: nr) elements per k
                    full = b.icmp_signed("==", nr, _c(NR))
                    with b.if_else(full, likely=True) as (t_full, t_edge):
                        with t_full:
                            with self._for(b, 0, kc, name="k") as k:
                                v = self._load(b, self._ep(b, src, b.mul(k, b_rs)), PT)
                                b.store(v, self._ep(b, dst, b.mul(k, _c(NR))), align=ALIGN)
                        with t_edge:
                            mask = self._lane_mask(b, 0, nr, NR)
                            with self._for(b, 0, kc, name="k", novec=True) as k:
                                v = self._masked_load(b, self._ep(b, src, b.mul(k, b_rs)), mask, NR)
                                b.store(v, self._ep(b, dst, b.mul(k, _c(NR))), align=ALIGN)
                with t_other:
                    full_t = b.and_(col_contig, b.icmp_signed("==", nr, _c(NR)))
                    with b.if_then(full_t):
                        # B^T: columns of B contiguous along k; VL x VL transposes
                        with self._for(b, 0, kv, VL, name="kt") as k0:
                            for h in range(NR // VL):
                                rows = [self._load(b, self._ep(b, src, b.add(b.mul(_c(h * VL + j), b_cs), k0)), self.VT)
                                        for j in range(VL)]
                                outs = self._transpose(b, rows, VL)
                                for kk in range(VL):
                                    d = self._ep(b, dst, b.add(b.mul(b.add(k0, _c(kk)), _c(NR)), _c(h * VL)))
                                    b.store(outs[kk], d, align=ALIGN)
                    # scalar: the leftover k of the transposed case, or everything otherwise
                    k_start = b.select(full_t, kv, _c(0))
                    with self._for(b, k_start, kc, name="kg", novec=True) as k:
                        s = self._ep(b, src, b.mul(k, b_rs))
                        d = self._ep(b, dst, b.mul(k, _c(NR)))
                        with self._for(b, 0, nr, name="j", novec=True) as j:
                            b.store(self._load(b, self._ep(b, s, b.mul(j, b_cs))), self._ep(b, d, j))
                        with self._for(b, nr, NR, name="jz", novec=True) as j:
                            b.store(ir.Constant(T, 0.0), self._ep(b, d, j))
        b.ret_void()
        return fn

    def emit_pack_a(self):
        """pack_a(mc, kc, A, a_rs, a_cs, Ap): MR-row panels, panel p at Ap + p*kc*MR with
        element (r, k) at [k*MR + r]; rows past mc are zero."""
        T, MR, VL = self.T, self.mr, self.vl
        PT = ir.VectorType(T, MR)
        fn, b = self._fn(".pack_a", [I64, I64, PTR, I64, I64, PTR],
                         ["mc", "kc", "A", "a_rs", "a_cs", "Ap"])
        mc, kc, A, a_rs, a_cs, Ap = fn.args
        Ap.add_attribute("noalias")
        row_contig = b.icmp_signed("==", a_cs, _c(1))
        col_contig = b.icmp_signed("==", a_rs, _c(1))
        kv = b.sub(kc, b.srem(kc, _c(VL)))
        with b.if_then(col_contig):
            # Columns of A contiguous (A^T row-major): walk k outermost so that each step
            # reads one contiguous run of mc elements; copy MR of them (masked at the
            # edge) into each panel.
            mfull = b.sub(mc, b.srem(mc, _c(MR)))
            edge_mask = self._lane_mask(b, 0, b.sub(mc, mfull), MR)
            PT = ir.VectorType(T, MR)
            with self._for(b, 0, kc, name="kt") as k:
                src = self._ep(b, A, b.mul(k, a_cs))
                dst = self._ep(b, Ap, b.mul(k, _c(MR)))
                with self._for(b, 0, mfull, MR, name="ipt", novec=True) as ip:
                    v = self._load(b, self._ep(b, src, ip), PT)
                    b.store(v, self._ep(b, dst, b.mul(ip, kc)), align=self.es)
                with b.if_then(b.icmp_signed("<", mfull, mc)):
                    v = self._masked_load(b, self._ep(b, src, mfull), edge_mask, MR)
                    b.store(v, self._ep(b, dst, b.mul(mfull, kc)), align=self.es)
            b.ret_void()
        with self._for(b, 0, mc, MR, name="ip") as ip:
            mr = _min(b, _c(MR), b.sub(mc, ip))
            dst = self._ep(b, Ap, b.mul(ip, kc))
            src = self._ep(b, A, b.mul(ip, a_rs))
            full_t = b.and_(row_contig, b.icmp_signed("==", mr, _c(MR)))
            with b.if_then(full_t, likely=True):
                # row-major A: MR x VL blocks transposed in registers
                with self._for(b, 0, kv, VL, name="kt") as k0:
                    rows = [self._load(b, self._ep(b, src, b.add(b.mul(_c(r), a_rs), k0)), self.VT)
                            for r in range(MR)]
                    outs = self._transpose(b, rows, VL)
                    base = self._ep(b, dst, b.mul(k0, _c(MR)))
                    for q, o in enumerate(outs):
                        b.store(o, self._ep(b, base, q * VL), align=self.es)
            k_start = b.select(full_t, kv, _c(0))
            with self._for(b, k_start, kc, name="kg", novec=True) as k:
                s = self._ep(b, src, b.mul(k, a_cs))
                d = self._ep(b, dst, b.mul(k, _c(MR)))
                with self._for(b, 0, mr, name="r", novec=True) as r:
                    b.store(self._load(b, self._ep(b, s, b.mul(r, a_rs))), self._ep(b, d, r))
                with self._for(b, mr, MR, name="rz", novec=True) as r:
                    b.store(ir.Constant(T, 0.0), self._ep(b, d, r))
        b.ret_void()
        return fn

    # ------------------------------------------------------------------ one thread
    def _dispatch(self, b, kernels, m, n, args):
        """Call the first kernel (mr, nr, fn) of `kernels` whose tile holds m x n (the last
        one holds every tile)."""
        (mr, nr, kfn), rest = kernels[0], kernels[1:]
        if not rest:
            b.call(kfn, args)
            return
        fits = b.and_(b.icmp_signed("<=", m, _c(mr)), b.icmp_signed("<=", n, _c(nr)))
        with b.if_else(fits) as (t_yes, t_no):
            with t_yes:
                b.call(kfn, args)
            with t_no:
                self._dispatch(b, rest, m, n, args)

    def emit_rows(self):
        """rows(M, N, K, A, a_rs, a_cs, B, b_rs, C, ldc, accumulate), for row-major B (b_cs = 1)
        and a few rows of A (matrix-vector-like products): C[i, :] (+)= sum_k A[i, k] B[k, :]
        streaming over contiguous rows of B, ROWS_UNROLL of them at a time, with the rows of C
        as accumulators (they stay in L1); no packing."""
        T, VT, VL, U = self.T, self.VT, self.vl, ROWS_UNROLL
        fn, b = self._fn(".rows", [I64, I64, I64, PTR, I64, I64, PTR, I64, PTR, I64, I32],
                         ["M", "N", "K", "A", "a_rs", "a_cs", "B", "b_rs", "C", "ldc", "accumulate"])
        M, N, K, A, a_rs, a_cs, B, b_rs, C, ldc, accumulate = fn.args
        for a in (A, B, C):
            a.add_attribute("noalias")
        nv = b.sub(N, b.srem(N, _c(VL)))
        tail = b.icmp_signed("<", nv, N)
        mask = self._lane_mask(b, 0, b.sub(N, nv), VL)
        zero = ir.Constant(VT, None)
        with b.if_then(b.icmp_signed("==", accumulate, _c(0, I32))):
            with self._for(b, 0, M, name="zi", novec=True) as i:
                crow = self._ep(b, C, b.mul(i, ldc))
                with self._for(b, 0, nv, VL, name="zj") as j:
                    b.store(zero, self._ep(b, crow, j), align=self.es)
                with b.if_then(tail):
                    self._masked_store(b, zero, self._ep(b, crow, nv), mask, VL)

        def update(k0, nk):
            with self._for(b, 0, M, name=f"i{nk}", novec=True) as i:
                crow = self._ep(b, C, b.mul(i, ldc))
                arow = self._ep(b, A, b.mul(i, a_rs))
                kk = [k0 if u == 0 else b.add(k0, _c(u)) for u in range(nk)]
                av = [self._splat(b, self._load(b, self._ep(b, arow, b.mul(k, a_cs))), VL) for k in kk]
                brows = [self._ep(b, B, b.mul(k, b_rs)) for k in kk]

                def fmas(j, load_b, c):
                    for u in range(nk):
                        c = b.call(self.fma, [av[u], load_b(self._ep(b, brows[u], j)), c])
                    return c

                with self._for(b, 0, nv, VL, name=f"j{nk}") as j:
                    p = self._ep(b, crow, j)
                    c = fmas(j, lambda q: self._load(b, q, VT), self._load(b, p, VT))
                    b.store(c, p, align=self.es)
                with b.if_then(tail):
                    p = self._ep(b, crow, nv)
                    c = fmas(nv, lambda q: self._masked_load(b, q, mask, VL),
                             self._masked_load(b, p, mask, VL))
                    self._masked_store(b, c, p, mask, VL)

        kmain = b.sub(K, b.srem(K, _c(U)))
        with self._for(b, 0, kmain, U, name="k", novec=True) as k0:
            update(k0, U)
        with self._for(b, kmain, K, name="kt", novec=True) as k:
            update(k, 1)
        b.ret_void()
        return fn

    def emit_serial(self, kernels, pack_a, pack_b, rows):
        MR, NR = self.mr, self.nr
        fn, b = self._fn(".serial", [I64, I64, I64, PTR, I64, I64, PTR, I64, I64, PTR, I64, I32],
                         ["M", "N", "K", "A", "a_rs", "a_cs", "B", "b_rs", "b_cs", "C", "ldc",
                          "accumulate"])
        M, N, K, A, a_rs, a_cs, B, b_rs, b_cs, C, ldc, accumulate = fn.args
        use_rows = b.and_(b.icmp_signed("==", b_cs, _c(1)),
                          b.icmp_signed("<=", M, _c(self.rows_max_m)))
        with b.if_then(use_rows):
            b.call(rows, [M, N, K, A, a_rs, a_cs, B, b_rs, C, ldc, accumulate])
            b.ret_void()
        # Block sizes: as few blocks as the maxima allow, split as evenly as possible.
        kc_blk = _ceil_div(b, K, _ceil_div(b, K, self.kc))
        mc_blk = _round_up(b, _ceil_div(b, M, _ceil_div(b, M, self.mc)), MR)
        nc_blk = _round_up(b, _ceil_div(b, N, _ceil_div(b, N, self.nc)), NR)
        # With few rows of A each B panel is used by one or two micro-kernel calls only:
        # then the kernel reads row-major B in place and only the edge panel is packed.
        direct = b.and_(b.icmp_signed("==", b_cs, _c(1)),
                        b.icmp_signed("<=", M, _c(self.direct_b_max_m)))
        kc_blk = b.select(direct, _ceil_div(b, K, _ceil_div(b, K, self.kc_direct)), kc_blk)
        size_b = b.mul(b.mul(kc_blk, b.select(direct, _c(NR), nc_blk)), _c(self.es))
        size_a = b.mul(b.mul(kc_blk, mc_blk), _c(self.es))
        Bp = b.call(self.aligned_alloc, [_c(ALIGN), _round_up(b, size_b, ALIGN)], name="Bp")
        Ap = b.call(self.aligned_alloc, [_c(ALIGN), _round_up(b, size_a, ALIGN)], name="Ap")
        with self._for(b, 0, N, nc_blk, name="jc") as jc:
            nc = _min(b, nc_blk, b.sub(N, jc))
            nfull = b.sub(nc, b.srem(nc, _c(NR)))
            first = b.select(direct, nfull, _c(0))  # first column to pack
            with self._for(b, 0, K, kc_blk, name="pc") as pc:
                kc = _min(b, kc_blk, b.sub(K, pc))
                beta = b.select(b.icmp_signed(">", pc, _c(0)), _c(1, I32), accumulate)
                srcb = self._ep(b, B, b.add(b.mul(pc, b_rs), b.mul(jc, b_cs)))
                with b.if_then(b.icmp_signed("<", first, nc)):
                    b.call(pack_b, [kc, b.sub(nc, first), self._ep(b, srcb, b.mul(first, b_cs)),
                                    b_rs, b_cs, b.select(direct, Bp, self._ep(b, Bp, b.mul(first, kc)))])
                with self._for(b, 0, M, mc_blk, name="ic") as ic:
                    mc = _min(b, mc_blk, b.sub(M, ic))
                    srca = self._ep(b, A, b.add(b.mul(ic, a_rs), b.mul(pc, a_cs)))
                    b.call(pack_a, [mc, kc, srca, a_rs, a_cs, Ap])
                    with self._for(b, 0, nc, NR, name="jr") as jr:
                        nr = _min(b, _c(NR), b.sub(nc, jr))
                        in_place = b.icmp_signed("<", jr, first)
                        bpan = b.select(in_place, self._ep(b, srcb, jr),
                                        self._ep(b, Bp, b.mul(b.sub(jr, first), kc)))
                        ldb = b.select(in_place, b_rs, _c(NR))
                        ccol = b.add(jc, jr)
                        with self._for(b, 0, mc, MR, name="ir") as ir_:
                            mr = _min(b, _c(MR), b.sub(mc, ir_))
                            apan = self._ep(b, Ap, b.mul(ir_, kc))
                            cp = self._ep(b, C, b.add(b.mul(b.add(ic, ir_), ldc), ccol))
                            args = [kc, apan, bpan, ldb, cp, ldc, mr, nr, beta]
                            self._dispatch(b, kernels, mr, nr, args)
        b.call(self.free, [Ap])
        b.call(self.free, [Bp])
        b.ret_void()
        return fn

    # ------------------------------------------------------------------ threads + entry
    def emit(self):
        kernels = [(mr, nv * self.vl, self.emit_kernel(mr, nv, unroll))
                   for mr, nv, unroll in self.kernel_shapes]
        serial = self.emit_serial(kernels, self.emit_pack_a(), self.emit_pack_b(), self.emit_rows())
        argtys = [I64, I64, I64, PTR, I64, I64, PTR, I64, I64, PTR, I64, I32]
        names = ["M", "N", "K", "A", "a_rs", "a_cs", "B", "b_rs", "b_cs", "C", "ldc", "accumulate"]
        # thread context: the 12 arguments, then by_rows (split M, else N) and unit (rows
        # or columns per parallel-for index)
        ctx_ty = ir.LiteralStructType(argtys + [I64, I64])

        def field(b, cx, i):
            return b.gep(cx, [_c(0, I32), _c(i, I32)], source_etype=ctx_ty, inbounds=True)

        part, b = self._fn(".part", [PTR, I64, I64], ["ctx", "lo", "hi"])
        cx, lo, hi = part.args
        vals = [b.load(field(b, cx, i), typ=t) for i, t in enumerate(argtys + [I64, I64])]
        M, N, K, A, a_rs, a_cs, B, b_rs, b_cs, C, ldc, accumulate, by_rows, unit = vals
        by_rows = b.icmp_signed("!=", by_rows, _c(0))
        extent = b.select(by_rows, M, N)
        p0 = _min(b, b.mul(lo, unit), extent)
        cnt = b.sub(_min(b, b.mul(hi, unit), extent), p0)
        with b.if_then(b.icmp_signed(">", cnt, _c(0))):
            with b.if_else(by_rows) as (t_rows, t_cols):
                with t_rows:
                    b.call(serial, [cnt, N, K, self._ep(b, A, b.mul(p0, a_rs)), a_rs, a_cs,
                                    B, b_rs, b_cs, self._ep(b, C, b.mul(p0, ldc)), ldc, accumulate])
                with t_cols:
                    b.call(serial, [M, cnt, K, A, a_rs, a_cs, self._ep(b, B, b.mul(p0, b_cs)),
                                    b_rs, b_cs, self._ep(b, C, p0), ldc, accumulate])
        b.ret_void()

        fn, b = self._fn("", argtys, names, external=True)
        M, N, K, A, a_rs, a_cs, B, b_rs, b_cs, C, ldc, accumulate = fn.args
        empty = b.or_(b.icmp_signed("<=", M, _c(0)), b.icmp_signed("<=", N, _c(0)))
        with b.if_then(empty, likely=False):
            b.ret_void()
        with b.if_then(b.icmp_signed("<=", K, _c(0)), likely=False):
            # empty sum: C = accumulate ? C : 0
            with b.if_then(b.icmp_signed("==", accumulate, _c(0, I32))):
                with self._for(b, 0, M, name="zi", novec=True) as i:
                    row = self._ep(b, C, b.mul(i, ldc))
                    with self._for(b, 0, N, name="zj", novec=True) as j:
                        b.store(ir.Constant(self.T, 0.0), self._ep(b, row, j))
            b.ret_void()
        # Cut the larger of M and N (every piece packs all of the other operand) into
        # MR-row / NR-column units; the pool splits the units into contiguous chunks of at
        # least `grain` units, one per thread.
        MR, NR = self.mr, self.nr
        by_rows = b.and_(b.icmp_signed(">=", M, _c(2 * MR)),
                         b.or_(b.icmp_signed(">=", M, N), b.icmp_signed("<", N, _c(2 * NR))))
        unit = b.select(by_rows, _c(MR), _c(NR))
        units = _ceil_div(b, b.select(by_rows, M, N), unit)
        unit_work = b.mul(b.mul(unit, b.select(by_rows, N, M)), K)
        grain = _ceil_div(b, _c(self.parallel_min_work // 2), unit_work)
        parallel = b.icmp_signed(">=", units, b.mul(grain, _c(2)))
        with b.if_else(parallel) as (t_par, t_ser):
            with t_par:
                cx = _alloca(b, ctx_ty, "ctx")
                for i, v in enumerate([*fn.args, b.zext(by_rows, I64), unit]):
                    b.store(v, field(b, cx, i))
                b.call(self.parallel_for, [part, cx, units, grain])
            with t_ser:
                b.call(serial, list(fn.args))
        b.ret_void()
        return fn
