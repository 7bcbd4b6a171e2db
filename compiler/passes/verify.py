"""The graph verifier: every node's dtype and shape agree with its op's rule, and every
input comes before its user. Run between passes in tests (KERALITE_VERIFY=1)."""
from ..ir import dtypes
from ..ir.shapes import shape_str


class VerifyError(AssertionError):
    pass


def verify(graph):
    seen = set()
    for node in graph.nodes():
        for i in node.inputs:
            if i.id not in seen:
                raise VerifyError(f"%{node.id} {node.op.name} uses %{i.id} before it is defined")
        if node.op.kind != "source" or node.op.name == "constant":
            dtype, shape = node.op.infer(node.inputs, dict(node.attrs))
            if dtypes.from_any(dtype) is not node.dtype or tuple(shape) != node.shape:
                raise VerifyError(f"%{node.id} {node.op.name}: recorded {node.dtype.short}{shape_str(node.shape)}, "
                                  f"rule gives {dtypes.from_any(dtype).short}{shape_str(tuple(shape))}")
        seen.add(node.id)
    for var, value in graph.updates:
        if var.op.name != "variable":
            raise VerifyError(f"update target %{var.id} is a {var.op.name}, not a variable")
        if var.shape != value.shape:
            raise VerifyError(f"update of %{var.id}: {shape_str(value.shape)} into {shape_str(var.shape)}")
    return graph
