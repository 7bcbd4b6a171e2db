"""A BLIS-style GEMM emitted into an `llvmlite.ir` module.

`emit_gemm(module, dtype)` adds (once per module) the external function

    void keralite_gemm_<f32|f64>(i64 M, i64 N, i64 K,
                                  ptr A, i64 a_rs, i64 a_cs,
                                  ptr B, i64 b_rs, i64 b_cs,
                                  ptr C, i64 ldc, i32 accumulate)

computing  C[i*ldc + j] = (accumulate ? C[i*ldc + j] : 0) + sum_k A[i*a_rs + k*a_cs] * B[k*b_rs + j*b_cs]
for any M, N, K >= 0 and any element strides (transposed operands are handled while packing).
With accumulate == 0, C is only written.  It calls `aligned_alloc`/`free` (libc) and the runtime's
`kl_parallel_for` (csrc/threadpool.c), which must be resolvable when the object is loaded.

Loop nest of one thread (`<name>.serial`):

    jc over N in NC-column blocks
      pc over K in KC-deep blocks       pack B[pc:pc+kc, jc:jc+nc] into NR-wide panels (zero padded)
        ic over M in MC-row blocks      pack A[ic:ic+mc, pc:pc+kc] into MR-row panels (zero padded)
          jr over the NR panels
            ir over the MR panels       MR x NR micro-kernel (`<name>.kernel8x32` for f32)

The micro-kernel holds MR x NV vector accumulators (NR = NV * VL columns, VL lanes per zmm; f32:
8 x 32 in 16 zmm) in registers.  Per k it loads NV vectors of the packed B panel and broadcasts MR
scalars of the packed A panel into MR*NV `llvm.fma` calls.  Full tiles are stored with plain vector
loads/stores; edge tiles run on the zero-padded panels and store through `llvm.masked.store`.  Panels
at most VL wide (e.g. N = 10) use an 8 x VL kernel instead.

Packing has vector paths for the contiguous layouts: row-major B (vector copy), B^T (VL x VL
in-register transposes), row-major A (MR x VL in-register transposes), A^T (vector copy), masked
loads for edge panels; any other strides go element by element.

Thin problems: with row-major B and M <= ROWS_MAX_M (matrix-vector-like) `<name>.rows` keeps a
panel of C (up to 4 rows x 8 vectors) in registers while it streams over all of K (no packing);
with M <= DIRECT_B_MAX_M, row-major B is read in place by the micro-kernel (only the edge panel
is packed) in KC_DIRECT-deep blocks.

Threading: a problem of at least PARALLEL_MIN_WORK multiply-adds is cut along the larger of M and N
(every piece packs all of the other operand) into MR-row / NR-column units, and
`kl_parallel_for(<name>.part, ctx, units, grain)` runs contiguous ranges of units on the pool's
threads (grain keeps every chunk above PARALLEL_MIN_WORK / 2).  Each range runs the serial loop
nest with its own pack buffers.
"""
from contextlib import contextmanager

from . import target as _target  # noqa: F401  (first: selects opaque llvmlite.ir pointers)
from llvmlite import ir  # noqa: E402
from .scalar import declare, scalar_loop_id  # noqa: E402

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
# Extra micro-kernels for thin tiles, (rows, vectors): 8 x VL for panels at most VL wide.
KERNELS = ((8, 1),)
# Row-major B with at most this many rows of A: register-blocked matrix-vector-like path.
ROWS_MAX_M = 4
# Its row blocks, (rows of A, vectors of columns): R x nv accumulators, nv B vectors and R
# broadcasts stay within the 32 vector registers of AVX-512 (16 of AVX2 spill a little).
ROW_BLOCKS = ((4, 4), (2, 8), (1, 8))
# That path runs on several threads from this many multiply-adds.
ROWS_PARALLEL_MIN_WORK = 1 << 15
# Row-major B is used in place (not packed) when M is at most this.
DIRECT_B_MAX_M = 32
# ... with K blocks of at most this depth (C is re-read once per block).
KC_DIRECT = 64
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
        self.kc_direct = int(cfg.get("kc_direct", KC_DIRECT))
        self.rows_max_m = int(cfg.get("rows_max_m", ROWS_MAX_M))
        self.rows_parallel_min_work = int(cfg.get("rows_parallel_min_work", ROWS_PARALLEL_MIN_WORK))
        # micro-kernels (rows, vectors), smallest tile first; the last is the main MR x NR one
        self.kernel_shapes = [tuple(k) for k in cfg.get("kernels", KERNELS)] + [(self.mr, self.nv)]
        self.VT = ir.VectorType(self.T, self.vl)
        sfx = _SUFFIX[dtype]
        d = lambda n, r, a: declare(module, n, ir.FunctionType(r, a))  # noqa: E731
        # fmuladd: one fused instruction where the CPU has FMA, else a multiply and an add
        # (llvm.fma would become a libm call per lane on CPUs without FMA, e.g. --target x86-64)
        self.fma = d(f"llvm.fmuladd.v{self.vl}{sfx}", self.VT, [self.VT] * 3)
        self.aligned_alloc = d("aligned_alloc", PTR, [I64, I64])
        self.free = d("free", VOID, [PTR])
        self.parallel_for = d("kl_parallel_for", VOID, [PTR, PTR, I64, I64])
        self._masked = {}

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
            self._masked[key] = declare(self.m, f"llvm.masked.{kind}.{sfx}", fnty)
        return self._masked[key]

    def _masked_load(self, b, p, mask, n):
        vt = ir.VectorType(self.T, n)
        return b.call(self._masked_op("load", n),
                      [p, _c(self.es, I32), mask, ir.Constant(vt, None)])

    def _masked_store(self, b, v, p, mask, n):
        b.call(self._masked_op("store", n), [v, p, _c(self.es, I32), mask])

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
            br.set_metadata("llvm.loop", scalar_loop_id(self.m))
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
        return vecs

    # ------------------------------------------------------------------ micro-kernel
    def emit_kernel(self, mr, nv):
        """kernel(kc, Ap, Bp, ldb, C, ldc, m, n, beta): C[:m, :n] (+)= Ap-panel x Bp-panel for
        m <= mr, n <= nv*VL.

        Ap: element (r, k) at Ap[k*MR + r] (MR: the packing's panel height, >= mr);
        Bp: element (k, j) at Bp[k*ldb + j] (ldb = NR for a packed panel, B's row stride
        when B is used in place).  beta != 0 adds to C, beta == 0 overwrites it without
        reading it.
        """
        VT, VL, MR = self.VT, self.vl, self.mr
        nr = nv * VL
        fn, b = self._fn(f".kernel{mr}x{nr}", [I64, PTR, PTR, I64, PTR, I64, I64, I64, I32],
                         ["kc", "Ap", "Bp", "ldb", "C", "ldc", "m", "n", "beta"])
        kc, Ap, Bp, ldb, C, ldc, m, n, beta = fn.args
        for a in (Ap, Bp, C):
            a.add_attribute("noalias")

        def step(b, k, flat):
            brow = self._ep(b, Bp, b.mul(k, ldb))
            bv = [self._load(b, self._ep(b, brow, v * VL), VT) for v in range(nv)]
            arow = self._ep(b, Ap, b.mul(k, _c(MR)))
            out = []
            for r in range(mr):
                s = self._splat(b, self._load(b, self._ep(b, arow, r)), VL)
                out += [b.call(self.fma, [s, bv[v], flat[r * nv + v]]) for v in range(nv)]
            return out

        flat = self._carry_loop(b, 0, kc, [ir.Constant(VT, None)] * (mr * nv), step, "k")
        acc = [flat[r * nv:(r + 1) * nv] for r in range(mr)]

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
                            rd = b.and_(masks[v], self._splat(b, add, VL))
                            old = self._masked_load(b, p, rd, VL)
                            val = b.select(add, b.fadd(old, acc[r][v]), acc[r][v])
                            self._masked_store(b, val, p, masks[v], VL)
        b.ret_void()
        return fn

    def _carry_loop(self, b, start, stop, init, body, name):
        """for (k = start; k < stop; k++) vals = body(b, k, vals); returns the final vals."""
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
        k.add_incoming(b.add(k, _c(1), flags=["nsw"]), b.block)
        for p, v in zip(phis, new):
            p.add_incoming(v, b.block)
        b.branch(hdr)
        b.position_at_end(end)
        return phis

    # ------------------------------------------------------------------ packing
    # Packing.  Branches on the layout sit outside the loops: a loop-invariant branch inside
    # a loop gets unswitched by the optimiser, which multiplies the code (and compile time).
    def emit_pack_b(self):
        """pack_b(kc, nc, B, b_rs, b_cs, Bp): NR-wide panels, panel p at Bp + p*kc*NR with
        element (k, j) at [k*NR + j]; columns past nc are zero."""
        T, NR, VL = self.T, self.nr, self.vl
        fn, b = self._fn(".pack_b", [I64, I64, PTR, I64, I64, PTR],
                         ["kc", "nc", "B", "b_rs", "b_cs", "Bp"])
        kc, nc, B, b_rs, b_cs, Bp = fn.args
        Bp.add_attribute("noalias")
        nfull = b.sub(nc, b.srem(nc, _c(NR)))
        kv = b.sub(kc, b.srem(kc, _c(VL)))

        def panel(b, jp):
            return self._ep(b, B, b.mul(jp, b_cs)), self._ep(b, Bp, b.mul(jp, kc))

        with b.if_then(b.icmp_signed("==", b_cs, _c(1))):
            # rows of B contiguous: copy NR elements per k, masked for the edge panel
            PT = ir.VectorType(T, NR)
            with self._for(b, 0, nfull, NR, name="jp", novec=True) as jp:
                src, dst = panel(b, jp)
                with self._for(b, 0, kc, name="k") as k:
                    v = self._load(b, self._ep(b, src, b.mul(k, b_rs)), PT)
                    b.store(v, self._ep(b, dst, b.mul(k, _c(NR))), align=ALIGN)
            with b.if_then(b.icmp_signed("<", nfull, nc)):
                src, dst = panel(b, nfull)
                mask = self._lane_mask(b, 0, b.sub(nc, nfull), NR)
                with self._for(b, 0, kc, name="ke", novec=True) as k:
                    v = self._masked_load(b, self._ep(b, src, b.mul(k, b_rs)), mask, NR)
                    b.store(v, self._ep(b, dst, b.mul(k, _c(NR))), align=ALIGN)
            b.ret_void()
        col_contig = b.icmp_signed("==", b_rs, _c(1))
        with b.if_then(col_contig):
            # B^T: columns of B contiguous along k.  Full panels: VL x VL blocks transposed
            # in registers (one block per iteration: the shuffles cost compile time).
            with self._for(b, 0, nfull, NR, name="jp", novec=True) as jp:
                src, dst = panel(b, jp)
                with self._for(b, 0, NR // VL, name="h", novec=True) as h:
                    hs = self._ep(b, src, b.mul(b.mul(h, _c(VL)), b_cs))
                    hd = self._ep(b, dst, b.mul(h, _c(VL)))
                    with self._for(b, 0, kv, VL, name="kt", novec=True) as k0:
                        rows = [self._load(b, self._ep(b, hs, b.add(b.mul(_c(j), b_cs), k0)),
                                           self.VT) for j in range(VL)]
                        outs = self._transpose(b, rows, VL)
                        for kk, o in enumerate(outs):
                            d = self._ep(b, hd, b.mul(b.add(k0, _c(kk)), _c(NR)))
                            b.store(o, d, align=ALIGN)
        # Element by element: all of other layouts, the k % VL leftover rows of the full
        # panels of B^T and its edge panel.
        with self._for(b, 0, nc, NR, name="jg", novec=True) as jp:
            src, dst = panel(b, jp)
            nr = _min(b, _c(NR), b.sub(nc, jp))
            done = b.and_(col_contig, b.icmp_signed("<", jp, nfull))
            with self._for(b, b.select(done, kv, _c(0)), kc, name="kg", novec=True) as k:
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
        mfull = b.sub(mc, b.srem(mc, _c(MR)))
        kv = b.sub(kc, b.srem(kc, _c(VL)))
        with b.if_then(b.icmp_signed("==", a_rs, _c(1))):
            # Columns of A contiguous (A^T row-major): walk k outermost so that each step
            # reads one contiguous run of mc elements, MR of them into each panel (masked
            # at the edge).
            edge_mask = self._lane_mask(b, 0, b.sub(mc, mfull), MR)
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
        row_contig = b.icmp_signed("==", a_cs, _c(1))
        with b.if_then(row_contig):
            # row-major A: MR x VL blocks transposed in registers
            with self._for(b, 0, mfull, MR, name="ip", novec=True) as ip:
                src = self._ep(b, A, b.mul(ip, a_rs))
                dst = self._ep(b, Ap, b.mul(ip, kc))
                with self._for(b, 0, kv, VL, name="kt", novec=True) as k0:
                    rows = [self._load(b, self._ep(b, src, b.add(b.mul(_c(r), a_rs), k0)), self.VT)
                            for r in range(MR)]
                    base = self._ep(b, dst, b.mul(k0, _c(MR)))
                    for q, o in enumerate(self._transpose(b, rows, VL)):
                        b.store(o, self._ep(b, base, q * VL), align=self.es)
        # Element by element: all of other layouts, the k % VL leftover columns of the full
        # panels of row-major A and its edge panel.
        with self._for(b, 0, mc, MR, name="ig", novec=True) as ip:
            src = self._ep(b, A, b.mul(ip, a_rs))
            dst = self._ep(b, Ap, b.mul(ip, kc))
            mr = _min(b, _c(MR), b.sub(mc, ip))
            done = b.and_(row_contig, b.icmp_signed("<", ip, mfull))
            with self._for(b, b.select(done, kv, _c(0)), kc, name="kg", novec=True) as k:
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

    def emit_row_block(self, rows, nv):
        """rows<R>(N, K, A, a_rs, a_cs, B, b_rs, C, ldc, accumulate): C[:R, :N] (+)= A[:R, :K] B
        for R = `rows` rows of A and row-major B.  Column panels of `nv` vectors, then of
        nv/2, ..., 1 vectors, then one masked vector for the tail: each panel keeps its R x nv
        accumulators in registers while k runs over all of K, so B is read once and C is
        touched once (a matrix-vector product is bound by reading B, not by C's traffic)."""
        VT, VL = self.VT, self.vl
        fn, b = self._fn(f".rows{rows}", [I64, I64, PTR, I64, I64, PTR, I64, PTR, I64, I32],
                         ["N", "K", "A", "a_rs", "a_cs", "B", "b_rs", "C", "ldc", "accumulate"])
        N, K, A, a_rs, a_cs, B, b_rs, C, ldc, accumulate = fn.args
        for a in (A, B, C):
            a.add_attribute("noalias")
        add = b.icmp_signed("!=", accumulate, _c(0, I32))
        arows = [self._ep(b, A, b.mul(_c(r), a_rs)) for r in range(rows)]
        crows = [self._ep(b, C, b.mul(_c(r), ldc)) for r in range(rows)]

        def panel(j, width, mask=None):
            def step(b, k, flat):
                brow = self._ep(b, self._ep(b, B, b.mul(k, b_rs)), j)
                if mask is None:
                    bv = [self._load(b, self._ep(b, brow, v * VL), VT) for v in range(width)]
                else:
                    bv = [self._masked_load(b, brow, mask, VL)]
                out = []
                for r in range(rows):
                    s = self._splat(b, self._load(b, self._ep(b, arows[r], b.mul(k, a_cs))), VL)
                    out += [b.call(self.fma, [s, bv[v], flat[r * width + v]]) for v in range(width)]
                return out

            acc = self._carry_loop(b, 0, K, [ir.Constant(VT, None)] * (rows * width), step, f"k{width}")
            for r in range(rows):
                for v in range(width):
                    p = self._ep(b, self._ep(b, crows[r], j), v * VL)
                    if mask is None:
                        old = self._load(b, p, VT)
                        b.store(b.select(add, b.fadd(old, acc[r * width + v]), acc[r * width + v]), p,
                                align=self.es)
                    else:
                        old = self._masked_load(b, p, b.and_(mask, self._splat(b, add, VL)), VL)
                        val = b.select(add, b.fadd(old, acc[r * width + v]), acc[r * width + v])
                        self._masked_store(b, val, p, mask, VL)

        block = nv * VL
        nblocks = b.sub(N, b.srem(N, _c(block)))
        nvecs = b.sub(N, b.srem(N, _c(VL)))
        with self._for(b, 0, nblocks, block, name="jb", novec=True) as j:
            panel(j, nv)
        # the fewer than nv whole vectors left: panels of nv/2, nv/4, ..., 1 vectors, each
        # used at most once, so a narrow N (a thread's share of 128 columns) still keeps
        # several accumulators busy instead of one latency-bound chain per vector
        j = nblocks
        width = nv // 2
        while width >= 1:
            past = b.add(j, _c(width * VL))
            fits = b.icmp_signed("<=", past, nvecs)
            with b.if_then(fits):
                panel(j, width)
            j = b.select(fits, past, j)
            width //= 2
        if nv == 1:
            with self._for(b, nblocks, nvecs, VL, name="jv", novec=True) as j:
                panel(j, 1)
        with b.if_then(b.icmp_signed("<", nvecs, N)):
            panel(nvecs, 1, self._lane_mask(b, 0, b.sub(N, nvecs), VL))
        b.ret_void()
        return fn

    def emit_rows(self):
        """rows(M, N, K, A, a_rs, a_cs, B, b_rs, C, ldc, accumulate), for row-major B (b_cs = 1)
        and a few rows of A (matrix-vector-like products): groups of 4, 2 and 1 rows of A,
        each through its register-blocked row block; no packing."""
        fn, b = self._fn(".rows", [I64, I64, I64, PTR, I64, I64, PTR, I64, PTR, I64, I32],
                         ["M", "N", "K", "A", "a_rs", "a_cs", "B", "b_rs", "C", "ldc", "accumulate"])
        M, N, K, A, a_rs, a_cs, B, b_rs, C, ldc, accumulate = fn.args
        blocks = {rows: self.emit_row_block(rows, nv) for rows, nv in ROW_BLOCKS}

        def call(rows, i):
            b.call(blocks[rows], [N, K, self._ep(b, A, b.mul(i, a_rs)), a_rs, a_cs, B, b_rs,
                                  self._ep(b, C, b.mul(i, ldc)), ldc, accumulate])

        first = max(blocks)
        whole = b.sub(M, b.srem(M, _c(first)))
        with self._for(b, 0, whole, first, name="ig", novec=True) as i:
            call(first, i)
        done = whole
        for rows in sorted(blocks, reverse=True)[1:]:
            fits = b.icmp_signed(">=", b.sub(M, done), _c(rows))
            with b.if_then(fits):
                call(rows, done)
            done = b.add(done, b.select(fits, _c(rows), _c(0)))
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
                                    b_rs, b_cs,
                                    b.select(direct, Bp, self._ep(b, Bp, b.mul(first, kc)))])
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
        kernels = [(mr, nv * self.vl, self.emit_kernel(mr, nv)) for mr, nv in self.kernel_shapes]
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
        # A matrix-vector-like product is bound by reading B from cache, not by arithmetic:
        # split across threads, each core streams its own half of B (which stays in its own
        # L2 when the product repeats, as a recurrent step's does), so it pays off earlier.
        rows_path = b.and_(b.icmp_signed("==", b_cs, _c(1)), b.icmp_signed("<=", M, _c(self.rows_max_m)))
        min_work = b.select(rows_path, _c(self.rows_parallel_min_work // 2), _c(self.parallel_min_work // 2))
        grain = _ceil_div(b, min_work, unit_work)
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
