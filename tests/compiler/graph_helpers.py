"""Helpers for compiler tests: state graphs as text, compile and run them."""
from keralite.compiler.driver import compile_graph, canonical_text
from keralite.compiler.parse import parse_graph
from keralite.runtime.executable import Executable


def graph(text):
    return parse_graph(text)


def run(g, inputs, name="test"):
    compiled = compile_graph(g, name=name)
    exe = Executable(compiled.address(), compiled.signature, [],
                     [c.payload for c in compiled.constants])
    return exe(inputs)


def same_structure(a, b):
    """Structural equality of two graphs (names of symbols and uids aside)."""
    return canonical_text(a) == canonical_text(b)


def assert_same_structure(got, expected, before=None):
    if not same_structure(got, expected):
        parts = []
        if before is not None:
            parts.append("before:\n" + before.listing())
        parts.append("got:\n" + got.listing())
        parts.append("expected:\n" + expected.listing())
        raise AssertionError("\n".join(parts))
