"""Parse the graph listing back into a Graph, so tests and bug reports can state a
graph in a few lines:

    %0:f32[n0,3] = placeholder(dtype=float32, shape=(n0,3), uid=1)
    %1:f32[] = constant(dtype=float32, shape=(), value=2.0)
    %2:f32[n0,3] = mul(%0, %1)
    inputs: %0
    outputs: %2

Array constants carry no data in a listing and cannot be parsed back. It sits above
the ops (it builds every node through the op registry), so it is not part of `ir`.
"""
import re

from .ir.graph import Graph
from .ir.shapes import Sym, new_symbol
from .ops.registry import apply, OPS
from .ops.control import ScanBody

_LINE = re.compile(r"^%(\w+):(\w+)\[([^\]]*)\]\s*=\s*(\w+)\((.*)\)\s*$")
_SYM = re.compile(r"^(?:(\d+)\*)?([a-z]\w*(?:\*[a-z]\w*)*)$")


class ParseError(ValueError):
    pass


class _Values:
    """A tiny recursive-descent reader for attribute values."""

    def __init__(self, text, symbols):
        self.text = text
        self.pos = 0
        self.symbols = symbols

    def peek(self):
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def value(self):
        if self.peek() == "(":
            self.pos += 1
            items = []
            while self.peek() != ")":
                items.append(self.value())
                if self.peek() == ",":
                    self.pos += 1
            self.pos += 1
            return tuple(items)
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",)":
            self.pos += 1
        return self.atom(self.text[start:self.pos].strip())

    def atom(self, word):
        if word in ("True", "False"):
            return word == "True"
        if word == "None":
            return None
        for cast in (int, float):
            try:
                return cast(word)
            except ValueError:
                pass
        if word in ("inf", "-inf"):
            return float(word)
        m = _SYM.match(word)
        if m and all(s in self.symbols or re.match(r"^[a-z]\d+$", s) for s in m.group(2).split("*")):
            syms = [self.symbols.setdefault(s, new_symbol()) for s in m.group(2).split("*")]
            return Sym(syms, int(m.group(1) or 1))
        return word


def _split_args(text):
    """Split the argument text on top-level commas."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


_BODY = re.compile(r"^body @(\w+) \(sequences=(\d+), states=(\d+), outputs=(\d+)\) \{$")


def parse_graph(text):
    """A Graph from a listing (the inverse of Graph.listing for graphs without array
    constants), loop bodies (`body @k (...) { ... }` blocks) included."""
    graph, _ = _parse_block(text.strip().splitlines(), 0, {}, {})
    return graph


def _parse_block(lines, start, symbols, bodies):
    """Parse lines from `start` up to a closing `}` (or the end); returns the graph and
    the index after the block."""
    nodes = {}
    inputs, outputs, updates = [], [], []
    position = start
    while position < len(lines):
        raw = lines[position]
        position += 1
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "}":
            break
        block = _BODY.match(line)
        if block:
            name, n_seq, n_state, n_out = block.groups()
            body_graph, position = _parse_block(lines, position, symbols, bodies)
            bodies[f"@{name}"] = ScanBody(body_graph, int(n_seq), int(n_state), int(n_out))
            continue
        if line.startswith("inputs:"):
            inputs = [nodes[r.strip().lstrip("%")] for r in line[7:].split(",") if r.strip()]
            continue
        if line.startswith("outputs:"):
            outputs = [nodes[r.strip().lstrip("%")] for r in line[8:].split(",") if r.strip()]
            continue
        if line.startswith("updates:"):
            for pair in line[8:].split(","):
                if pair.strip():
                    var, value = (p.strip().lstrip("%") for p in pair.split("<-"))
                    updates.append((nodes[var], nodes[value]))
            continue
        m = _LINE.match(line)
        if not m:
            raise ParseError(f"cannot parse line: {raw!r}")
        name, _, _, op_name, arg_text = m.groups()
        if op_name not in OPS:
            raise ParseError(f"unknown op {op_name!r} in line: {raw!r}")
        args, attrs = [], {}
        for part in _split_args(arg_text):
            if part.startswith("%"):
                ref = part[1:]
                if ref not in nodes:
                    raise ParseError(f"%{ref} is used before it is defined: {raw!r}")
                args.append(nodes[ref])
            else:
                key, _, value = part.partition("=")
                value = value.strip()
                attrs[key.strip()] = bodies[value] if value in bodies else _Values(value, symbols).value()
        if op_name == "constant" and "value" not in attrs:
            raise ParseError("array constants carry no data in a listing and cannot be parsed back")
        nodes[name] = apply(op_name, args, **attrs)
    return Graph(inputs, outputs, updates), position
