"""Derived symbols: sizes computed from other sizes when the graph runs.

A dim stays a monomial (`coef * s1 * s2`, ir/shapes.py), so `n - 2` or `n // 2` cannot be
written as one. Such a size gets a symbol of its own, a *derived* symbol, whose value
is an integer expression of other symbols: the output length of a 'valid' convolution
over an axis of unknown length, a share of a run-time batch, the length of two
run-time batches joined. Codegen reads it from `dims` like any symbol; the runtime
computes it from the symbols the inputs bind.

This module keeps the table from expression to symbol and back. It is interned: the
same expression always gives the same symbol, so two branches that convolve one input
alike get the same dims and can be added. Expressions are nested tuples:

- an int, or a leaf (a `Sym` monomial: the table does not look inside it);
- `("sum", const, ((coef, expr), ...))`: const + sum of coef * expr;
- `("floordiv", expr, k)`: floor division by an int k > 0;
- `("max", expr, expr)`;
- `("atleast", expr, minimum, message)`: expr, or an error naming `message` below minimum;
- `("same", expr, expr, ...)`: the common value of sizes that must agree, or an error.

Building expressions (and simplifying them, folding ints) is ir/shapes.py's job; the
runtime computes them from the `derived` list of a compiled graph's signature
(runtime/executable.py), with Python's floor division.
"""
import itertools
import threading

_counter = itertools.count()
_lock = threading.Lock()
_by_expr = {}      # expression -> symbol name
_by_name = {}      # symbol name -> expression


class DerivedSizeError(ValueError):
    """A computed size is out of range, or sizes that must agree do not."""


def intern(expr):
    """The symbol name of an expression (the same name for the same expression)."""
    with _lock:
        name = _by_expr.get(expr)
        if name is None:
            # 'd' then a counter of its own: derived names never clash with input symbols
            name = f"d{next(_counter)}"
            _by_expr[expr] = name
            _by_name[name] = expr
        return name


def is_derived(name):
    return name in _by_name


def definition(name):
    """The expression of a derived symbol."""
    return _by_name[name]


def leaves(expr):
    """The leaves (Sym monomials) of an expression, in order."""
    if isinstance(expr, int):
        return []
    if not isinstance(expr, tuple):
        return [expr]
    op = expr[0]
    if op == "sum":
        return [leaf for _, e in expr[2] for leaf in leaves(e)]
    if op in ("floordiv", "atleast"):
        return leaves(expr[1])
    return [leaf for e in expr[1:] for leaf in leaves(e)]


def rebuild(expr, leaf, **build):
    """An expression with every leaf replaced by `leaf(leaf)` and every node built
    again by `build[op]` (the simplifying constructors of ir/shapes.py)."""
    if isinstance(expr, int):
        return expr
    if not isinstance(expr, tuple):
        return leaf(expr)
    op = expr[0]
    if op == "sum":
        return build["sum"](expr[1], [(coef, rebuild(e, leaf, **build)) for coef, e in expr[2]])
    if op == "floordiv":
        return build["floordiv"](rebuild(expr[1], leaf, **build), expr[2])
    if op == "atleast":
        return build["atleast"](rebuild(expr[1], leaf, **build), expr[2], expr[3])
    return build[op](*[rebuild(e, leaf, **build) for e in expr[1:]])


def text(expr, leaf_text):
    """An expression as readable text (the compile cache key and listings use it)."""
    if isinstance(expr, int):
        return str(expr)
    if not isinstance(expr, tuple):
        return leaf_text(expr)
    op = expr[0]
    if op == "sum":
        terms = [str(expr[1])] + [f"{coef}*{text(e, leaf_text)}" for coef, e in expr[2]]
        return "(" + " + ".join(terms) + ")"
    if op == "floordiv":
        return f"({text(expr[1], leaf_text)} // {expr[2]})"
    if op == "atleast":
        return f"atleast({text(expr[1], leaf_text)}, {expr[2]}, {expr[3]!r})"
    return f"{op}(" + ", ".join(text(e, leaf_text) for e in expr[1:]) + ")"
