"""The op registry: every op is an `Op` subclass registered by name.

An op keeps its rules side by side:
- `infer(inputs, attrs)` -> (dtype, shape); raises ShapeError naming the op and shapes;
- `grad(node, g)` -> one gradient node (or None) per input, built from other ops;
- its lowering, by kind:
  * 'elementwise': `emit(cx, node, args)` builds the scalar result from scalar args
    (codegen owns loops, broadcasting, vectorisation and fusion);
  * 'view': `input_index(node, index)` maps an output index to an input index
    (transpose, broadcast, slice), so views fuse into loops as address arithmetic;
  * 'alias': the output shares the input's storage (reshape of a contiguous buffer);
  * 'reduce': `combiner` and `identity` (codegen/loops.py emits the loop nest);
  * 'composite': `expand(node)` rewrites the op into other ops after autodiff;
  * 'opaque': `lower(kx, node)` emits its own kernel body;
  * 'source': placeholders, variables and constants (bound by the runtime).
"""
from ..ir.node import make_node
from ..ir.shapes import shape_str

OPS = {}


class ShapeError(ValueError):
    """A shape or dtype that an op cannot take, raised when the node is built."""


class Op:
    name = None
    kind = "opaque"
    pure = True          # False for ops whose value changes from call to call
    differentiable = True

    def infer(self, inputs, attrs):
        raise NotImplementedError(self.name)

    def grad(self, node, g):
        if not self.differentiable:
            return [None] * len(node.inputs)
        raise NotImplementedError(f"no gradient rule for op {self.name!r}")

    def error(self, message, *shapes):
        text = " and ".join(shape_str(s) for s in shapes)
        raise ShapeError(f"{self.name}: {message}" + (f" ({text})" if shapes else ""))


def register(cls):
    op = cls()
    if op.name in OPS:
        raise ValueError(f"op {op.name!r} registered twice")
    OPS[op.name] = op
    return cls


def apply(op_name, inputs, payload=None, intern=True, **attrs):
    """Build (or reuse) the node op_name(inputs, attrs), checking shapes and dtypes now."""
    op = OPS[op_name]
    inputs = tuple(inputs)
    dtype, shape = op.infer(inputs, attrs)
    return make_node(op, inputs, attrs, dtype, shape, payload=payload, intern=intern)
