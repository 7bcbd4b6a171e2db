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
"""
import contextlib
import itertools
import re
import threading

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


# ------------------------------------------------------------------ solving
def _age(symbol):
    """Older symbols (smaller counters) represent their class, so listings stay stable."""
    m = re.search(r"(\d+)$", symbol)
    return (int(m.group(1)) if m else -1, symbol)


class ConflictingDims(ValueError):
    """The equalities of one graph give a symbol two different sizes."""


def solve(equalities):
    """{symbol: int or Sym} from (symbol, int or plain Sym) equalities; raises
    ConflictingDims naming the sizes when a symbol would need two of them."""
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
    solution = {}
    for s in parent:
        root = find(s)
        if root in size:
            solution[s] = size[root]
        elif root != s:
            solution[s] = Sym([root])
    return solution


def substitute(d, solution):
    """A dim with solved symbols replaced."""
    if not isinstance(d, Sym) or not solution:
        return d
    coef, rest = d.coef, []
    for s in d.syms:
        v = solution.get(s)
        if v is None:
            rest.append(s)
        elif isinstance(v, Sym):
            coef *= v.coef
            rest.extend(v.syms)
        else:
            coef *= v
    return Sym(rest, coef) if rest and coef else coef
