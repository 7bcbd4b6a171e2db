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


_bound = {}   # root symbol -> the int size broadcasting proved it has


def unify(a, b):
    """Record that symbols a and b are the same size; False if their bound sizes differ."""
    ra, rb = find(a), find(b)
    if ra == rb:
        return True
    va, vb = _bound.get(ra), _bound.get(rb)
    if va is not None and vb is not None and va != vb:
        return False
    # Keep the older symbol as the root so listings stay stable.
    if int(ra.lstrip("n") or 0) <= int(rb.lstrip("n") or 0):
        _parent[rb] = ra
        root = ra
    else:
        _parent[ra] = rb
        root = rb
    value = va if va is not None else vb
    if value is not None:
        _bound[root] = value
    return True


def bind(sym, value):
    """Record that symbol `sym` has the size `value` (a placeholder dim met a known
    size); the runtime then checks the input that carries it. False on a conflict."""
    root = find(sym)
    if root in _bound:
        return _bound[root] == value
    _bound[root] = int(value)
    return True


def resolve(d):
    """A dim with every bound symbol replaced by its size (an int when all are)."""
    if not isinstance(d, Sym):
        return d
    coef, rest = d.coef, []
    for s in d.syms:
        v = _bound.get(s)
        if v is None:
            rest.append(s)
        else:
            coef *= v
    return Sym(rest, coef) if rest else coef


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
        """An int when every symbol is bound to a size, else (coef, root symbols)."""
        r = resolve(self)
        return r if not isinstance(r, Sym) else (r.coef, r.syms)

    def __eq__(self, other):
        if isinstance(other, Sym):
            return self._key() == other._key()
        if isinstance(other, int):
            return self._key() == other
        return NotImplemented

    def __hash__(self):
        return hash(self._key())

    def __mul__(self, other):
        this = resolve(self)
        if not isinstance(this, Sym):
            return other * this
        if isinstance(other, Sym):
            other = resolve(other)
            if not isinstance(other, Sym):
                return this * other
            return Sym(this.syms + other.syms, this.coef * other.coef)
        if other == 0:
            return 0
        return Sym(this.syms, this.coef * int(other))

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
        d = resolve(d)
        total = d * total if isinstance(d, Sym) else total * d
    return total


def dims_equal(a, b):
    return a == b


def _plain(d):
    return isinstance(d, Sym) and d.coef == 1 and len(d.syms) == 1


def broadcast_dims(a, b):
    """The broadcast of two dims, or None if they cannot broadcast.

    Two plain symbols are unified (proved equal); a plain symbol meeting a known size
    n > 1 is bound to n (the runtime checks the input it comes from), as Keras relies on
    when y_true placeholders of unknown shape meet model outputs.
    """
    a, b = resolve(a), resolve(b)
    if a == b:
        return a
    if a == 1:
        return b
    if b == 1:
        return a
    if _plain(a) and _plain(b):
        return a if unify(a.syms[0], b.syms[0]) else None
    if _plain(a) and not isinstance(b, Sym):
        return b if bind(a.syms[0], b) else None
    if _plain(b) and not isinstance(a, Sym):
        return a if bind(b.syms[0], a) else None
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
