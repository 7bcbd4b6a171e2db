"""Shapes whose dims are ints or symbolic monomials (the batch dim is a symbol).

A symbolic dim is `coef * s1 * s2 ...` (a monomial), enough for the batch dim and for
flattening it with known dims (`n*784`). Symbols that broadcasting proves equal are
unified (union-find), so `y_true - y_pred` with two independent batch symbols works and
the runtime checks the two input sizes agree.
"""
import itertools

_counter = itertools.count()
_parent = {}


def new_symbol(prefix="n"):
    """A fresh symbol name."""
    name = f"{prefix}{next(_counter)}"
    _parent[name] = name
    return name


def find(sym):
    root = sym
    while _parent.get(root, root) != root:
        root = _parent[root]
    while sym != root:  # path compression
        sym, _parent[sym] = _parent[sym], root
    return root


def unify(a, b):
    """Record that symbols a and b are the same size."""
    ra, rb = find(a), find(b)
    if ra != rb:
        # Keep the older symbol as the root so listings stay stable.
        if int(ra.lstrip("n") or 0) <= int(rb.lstrip("n") or 0):
            _parent[rb] = ra
        else:
            _parent[ra] = rb


class Sym:
    """A symbolic dim: coef * product(syms)."""

    __slots__ = ("coef", "_syms")

    def __init__(self, syms, coef=1):
        self.coef = int(coef)
        self._syms = tuple(sorted(syms))

    @property
    def syms(self):
        return tuple(sorted(find(s) for s in self._syms))

    def _key(self):
        return (self.coef, self.syms)

    def __eq__(self, other):
        return isinstance(other, Sym) and self._key() == other._key()

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


def dims_equal(a, b):
    return a == b


def broadcast_dims(a, b):
    """The broadcast of two dims, or None if they cannot broadcast."""
    if a == b:
        return a
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, Sym) and isinstance(b, Sym):
        if a.coef == b.coef and len(a.syms) == 1 and len(b.syms) == 1:
            unify(a.syms[0], b.syms[0])
            return a
        return None
    # A symbol against a known size: the symbol must take that size at run time.
    # We keep the known size; the runtime cannot check it, so only allow it for
    # plain single symbols (a batch dim meeting a fixed batch).
    if isinstance(a, Sym) or isinstance(b, Sym):
        return None
    return None


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
