"""Shapes whose dims are ints or symbolic monomials (the batch dim is a symbol).

A symbolic dim is `coef * s1 * s2 ...` (a monomial), enough for the batch dim and for
flattening it with known dims (`n*784`). A `Sym` is immutable and compared by its
structure, so a node's hash never changes.

Symbols are never unified globally. When an op's shape rule meets two dims that must be
equal but are not the same expression (`y_true - y_pred` with two independent batch
symbols; a placeholder's None dim meeting a known 10), the rule accepts them and calls
`dims_match`, which reports the equality to whoever is listening: nobody while K builds
nodes, and the `resolve_dims` pass when a graph is compiled. That pass re-runs every
node's rule, collects the equalities of that graph alone, solves them (`solve`) and
substitutes, so two functions built from shared nodes never constrain each other, and
the runtime checks the input sizes that the solution ties together.

A size that is not a monomial (`n - 2`, `n // 4`, `n0 + n1`) is a *derived* symbol
(ir/derived.py) built by `dim_sum`, `dim_floordiv`, `dim_ceildiv`, `dim_max`,
`dim_at_least` and `dim_same`: they fold ints, keep monomials as monomials and simplify
sums (so `3*(n//4) + (n - 3*(n//4))` is `n` again). `solve` keeps a derived symbol as
the representative of its class, so an input tied to it is checked against the
computed value when the graph runs, never trusted; `substitute` computes a derived
symbol again from its solved bases.
"""
import contextlib
import itertools
import re
import threading

from . import derived
from .derived import DerivedSizeError, is_derived

_counter = itertools.count()
_listeners = threading.local()


def new_symbol(prefix="n"):
    """A fresh symbol name."""
    return f"{prefix}{next(_counter)}"


class Sym:
    """A symbolic dim: coef * product(syms)."""

    __slots__ = ("coef", "syms")

    def __init__(self, syms, coef=1):
        self.coef = int(coef)
        self.syms = tuple(sorted(syms))

    def _key(self):
        return (self.coef, self.syms)

    def __eq__(self, other):
        if isinstance(other, Sym):
            return self._key() == other._key()
        return False if isinstance(other, int) else NotImplemented

    def __hash__(self):
        return hash(self._key())

    def __mul__(self, other):
        if isinstance(other, Sym):
            return Sym(self.syms + other.syms, self.coef * other.coef)
        if other == 0:
            return 0
        return Sym(self.syms, self.coef * int(other))

    __rmul__ = __mul__

    def divide(self, other):
        """Exact division by an int or a Sym; None when it does not divide."""
        if isinstance(other, Sym):
            syms = list(self.syms)
            for s in other.syms:
                if s not in syms:
                    return None
                syms.remove(s)
            coef = other.coef
        else:
            coef = int(other)
            syms = list(self.syms)
        if coef == 0 or self.coef % coef:
            return None
        if not syms:
            return self.coef // coef
        return Sym(syms, self.coef // coef)

    def __repr__(self):
        text = "*".join(self.syms)
        return text if self.coef == 1 else f"{self.coef}*{text}"


def is_sym(d):
    return isinstance(d, Sym)


def sym_dim():
    """A fresh batch-like symbolic dim."""
    return Sym([new_symbol()])


def dim_str(d):
    return repr(d) if isinstance(d, Sym) else str(d)


def shape_str(shape):
    return "[" + ",".join(dim_str(d) for d in shape) + "]"


def numel(shape):
    """The element count: an int or a Sym."""
    total = 1
    for d in shape:
        total = d * total if isinstance(d, Sym) else total * d
    return total


# ------------------------------------------------------------------ equalities
@contextlib.contextmanager
def recording_equalities():
    """Collect the (symbol, dim) equalities that shape rules assume inside the block."""
    stack = getattr(_listeners, "stack", None)
    if stack is None:
        stack = _listeners.stack = []
    found = []
    stack.append(found)
    try:
        yield found
    finally:
        stack.pop()


def _assume(symbol, value):
    stack = getattr(_listeners, "stack", None)
    if stack:
        stack[-1].append((symbol, value))


def _parts(d):
    return (d.coef, list(d.syms)) if isinstance(d, Sym) else (int(d), [])


def dims_match(a, b):
    """Whether dims a and b can be equal; an equality that needs symbols to take values
    (`n0 == n1`, `n0 == 10`, `784*n0 == 784*n1`) is accepted and reported."""
    if a == b:
        return True
    if not (isinstance(a, Sym) or isinstance(b, Sym)):
        return False
    ca, sa = _parts(a)
    cb, sb = _parts(b)
    for s in list(sa):
        if s in sb:
            sa.remove(s)
            sb.remove(s)
    if not sa and not sb:
        return ca == cb
    if sb and not sa:
        ca, sa, cb, sb = cb, sb, ca, sa
    if len(sa) == 1 and not sb:
        # ca * s == cb  ->  s = cb / ca
        if ca == 0 or cb % ca or cb < 0:
            return False
        _assume(sa[0], cb // ca)
        return True
    if len(sa) == 1 and len(sb) == 1 and ca == cb:
        _assume(sa[0], Sym(sb))
        return True
    return False


def broadcast_dims(a, b):
    """The broadcast of two dims, or None if they cannot broadcast.

    A symbol meeting a known size n > 1 takes that size and two symbols are the same
    size (both reported through `dims_match`; the runtime checks the inputs they come
    from), as Keras relies on when y_true placeholders of unknown shape meet model outputs.
    """
    if a == b:
        return a
    if a == 1:
        return b
    if b == 1:
        return a
    if not dims_match(a, b):
        return None
    return b if isinstance(a, Sym) and not isinstance(b, Sym) else a


def broadcast_shapes(a, b):
    """numpy broadcasting of two shapes; None if they do not broadcast."""
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        d = broadcast_dims(x, y)
        if d is None:
            return None
        out.append(d)
    return tuple(out)


def normalize_axis(axis, ndim, what="axis"):
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"{what} {axis} is out of range for a tensor of rank {ndim}")
    return axis % ndim if ndim else 0


# ------------------------------------------------------------------ derived sizes
def _expr_key(expr):
    return repr(expr)


def _add_linear(terms, coef, expr):
    """Add coef * expr into `terms` ({atom: coef}); returns the constant part. Sums,
    and derived symbols defined as sums, are opened up so their terms can cancel."""
    if isinstance(expr, int):
        return coef * expr
    if isinstance(expr, Sym):
        if len(expr.syms) == 1 and is_derived(expr.syms[0]):
            inner = derived.definition(expr.syms[0])
            if inner[0] == "sum":
                return _add_linear(terms, coef * expr.coef, inner)
        atom = Sym(expr.syms)
        terms[atom] = terms.get(atom, 0) + coef * expr.coef
        return 0
    if expr[0] == "sum":
        const = coef * expr[1]
        for c, e in expr[2]:
            const += _add_linear(terms, coef * c, e)
        return const
    atom = _as_dim(expr)    # any other expression enters a sum as its symbol
    terms[atom] = terms.get(atom, 0) + coef
    return 0


def _sum(const, terms):
    """const + sum of coef * expr, simplified: ints fold, like terms merge."""
    merged = {}
    for coef, expr in terms:
        const += _add_linear(merged, coef, expr)
    kept = sorted(((c, e) for e, c in merged.items() if c), key=lambda t: _expr_key(t[1]))
    if not kept:
        return const
    if const == 0 and len(kept) == 1 and kept[0][0] > 0 and isinstance(kept[0][1], Sym):
        return kept[0][0] * kept[0][1]
    return ("sum", const, tuple(kept))


def _floordiv(expr, k):
    """expr // k for an int k > 0."""
    if k == 1:
        return expr
    if isinstance(expr, int):
        return expr // k
    if isinstance(expr, Sym) and expr.coef % k == 0:
        return expr.divide(k)
    if isinstance(expr, tuple) and expr[0] == "sum" and expr[1] % k == 0 and all(c % k == 0 for c, _ in expr[2]):
        return _sum(expr[1] // k, [(c // k, e) for c, e in expr[2]])
    return ("floordiv", expr, k)


def _max(*exprs):
    unique = sorted(set(exprs), key=_expr_key)
    if all(isinstance(e, int) for e in unique):
        return max(unique)
    return unique[0] if len(unique) == 1 else ("max",) + tuple(unique)


def _at_least(expr, minimum, message):
    """expr, checked to be >= minimum when it is computed (now, if it is an int)."""
    if isinstance(expr, int):
        if expr < minimum:
            raise DerivedSizeError(f"{message} (it would be {expr})")
        return expr
    if isinstance(expr, Sym) and minimum <= 0:
        return expr     # a monomial of sizes is never negative
    return ("atleast", expr, minimum, message)


def _same(*exprs):
    """The one value of sizes that must agree (checked when computed)."""
    unique = sorted(set(exprs), key=_expr_key)
    ints = [e for e in unique if isinstance(e, int)]
    if len(ints) > 1:
        raise ConflictingDims(f"sizes that must be equal differ: {ints[0]} vs {ints[1]}")
    return unique[0] if len(unique) == 1 else ("same",) + tuple(unique)


_BUILD = dict(sum=_sum, floordiv=_floordiv, max=_max, atleast=_at_least, same=_same)


def _as_dim(expr):
    """An expression as a dim: an int, a monomial, or the derived symbol standing for it."""
    if isinstance(expr, (int, Sym)):
        return expr
    return Sym([derived.intern(expr)])


def _as_expr(d):
    """A dim as an expression (a derived symbol by its definition)."""
    if isinstance(d, Sym) and d.coef == 1 and len(d.syms) == 1 and is_derived(d.syms[0]):
        return derived.definition(d.syms[0])
    return int(d) if not isinstance(d, Sym) else d


def dim_sum(const, terms):
    """The dim const + sum of coef * dim over `terms` [(coef, dim)]."""
    return _as_dim(_sum(int(const), [(int(c), _as_expr(d)) for c, d in terms]))


def dim_add(*dims):
    return dim_sum(0, [(1, d) for d in dims])


def dim_floordiv(d, k):
    """d // k for an int k > 0."""
    return _as_dim(_floordiv(_as_expr(d), int(k)))


def dim_ceildiv(d, k):
    """ceil(d / k) for an int k > 0."""
    return _as_dim(_floordiv(_sum(int(k) - 1, [(1, _as_expr(d))]), int(k)))


def dim_max(*dims):
    return _as_dim(_max(*[_as_expr(d) for d in dims]))


def dim_at_least(d, minimum, message):
    """d, checked to be >= minimum (now for an int, when the graph runs otherwise; the
    error is a ValueError carrying `message`)."""
    return _as_dim(_at_least(_as_expr(d), int(minimum), message))


def dim_same(*dims):
    """The one value of dims that must agree, checked when the graph runs."""
    return _as_dim(_same(*[_as_expr(d) for d in dims]))


def derived_symbols(d):
    """The derived symbols a dim depends on, bases before the symbols built on them."""
    order = []

    def visit(name):
        if name in order or not is_derived(name):
            return
        for leaf in derived.leaves(derived.definition(name)):
            for s in leaf.syms:
                visit(s)
        order.append(name)

    if isinstance(d, Sym):
        for s in d.syms:
            visit(s)
    return order


# ------------------------------------------------------------------ solving
def _age(symbol):
    """Older symbols (smaller counters) represent their class, so listings stay stable."""
    m = re.search(r"(\d+)$", symbol)
    return (int(m.group(1)) if m else -1, symbol)


class ConflictingDims(ValueError):
    """The equalities of one graph give a symbol two different sizes."""


def _classes(equalities):
    """Union-find over the equalities: ({symbol: root}, {root: int size})."""
    parent, size = {}, {}

    def find(s):
        parent.setdefault(s, s)
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    def bind(root, value, why):
        old = size.get(root)
        if old is not None and old != value:
            raise ConflictingDims(f"{why}: the same dim would be both {old} and {value}")
        size[root] = value

    for symbol, value in equalities:
        ra = find(symbol)
        if isinstance(value, Sym):
            rb = find(value.syms[0])
            if ra == rb:
                continue
            keep, drop = sorted((ra, rb), key=_age)
            parent[drop] = keep
            if drop in size:
                bind(keep, size.pop(drop), f"{symbol} == {value!r}")
        else:
            bind(ra, int(value), f"{symbol} == {value}")
    return {s: find(s) for s in list(parent)}, size


def solve(equalities):
    """{symbol: int or Sym} from (symbol, int or plain Sym) equalities; raises
    ConflictingDims naming the sizes when a symbol would need two of them.

    In a class with a derived symbol the computed value represents the class: an input
    symbol tied to it takes it (and the runtime checks that input's size), and several
    derived symbols, or one and an int, become a `dim_same` of them, checked when the
    graph runs."""
    roots, size = _classes(equalities)
    members = {}
    for s, root in roots.items():
        members.setdefault(root, []).append(s)
    raw = {}
    for root, group in members.items():
        computed = sorted((s for s in group if is_derived(s)), key=_age)
        known = size.get(root)
        if not computed:
            for s in group:
                if known is not None:
                    raw[s] = known
                elif s != root:
                    raw[s] = Sym([root])
            continue
        parts = [derived.definition(s) for s in computed] + ([known] if known is not None else [])
        representative = Sym([computed[0]]) if len(parts) == 1 else _as_dim(_same(*parts))
        for s in group:
            raw[s] = known if known is not None and not is_derived(s) else representative
    return _close(raw)


def _close(raw):
    """The solution with every value in terms of free symbols only (derived symbols
    rebuilt over solved bases); a size tied to one computed from itself is an error."""
    done, visiting = {}, []

    def value_of(s):
        if s in done:
            return done[s]
        if s in visiting:
            chain = " -> ".join(visiting[visiting.index(s):] + [s])
            raise ConflictingDims(f"a size would have to equal a size computed from itself ({chain})")
        visiting.append(s)
        given = raw.get(s)
        if isinstance(given, int):
            v = given
        elif given is not None and given != Sym([s]):
            v = monomial(given)
        elif is_derived(s):
            v = _as_dim(derived.rebuild(derived.definition(s), lambda leaf: _as_expr(monomial(leaf)), **_BUILD))
        else:
            v = Sym([s])
        visiting.pop()
        done[s] = v
        return v

    def monomial(d):
        value = d.coef
        for s in d.syms:
            value = value * value_of(s)
        return value

    solution = {}
    for s in raw:
        v = value_of(s)
        if v != Sym([s]):
            solution[s] = v
    return solution


def substitute(d, solution, _memo=None):
    """A dim with solved symbols replaced; a derived symbol whose bases are solved is
    computed again (an int once they all are)."""
    if not isinstance(d, Sym) or not solution:
        return d
    memo = {} if _memo is None else _memo
    value = d.coef
    for s in d.syms:
        value = value * _symbol_value(s, solution, memo)
    return value


def _symbol_value(s, solution, memo):
    if s in solution:
        return solution[s]
    if not is_derived(s):
        return Sym([s])
    if s not in memo:
        expr = derived.rebuild(derived.definition(s), lambda leaf: _as_expr(substitute(leaf, solution, memo)),
                               **_BUILD)
        memo[s] = _as_dim(expr)
    return memo[s]
