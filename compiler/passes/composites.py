"""Expand composite ops (softmax, log_softmax, logsumexp, ...) into primitives.

Runs after autodiff has used their own stable gradients, and before fusion, which then
turns each expansion into a few fused loops.
"""
from .rewrite import rewrite


def expand_composites(graph):
    def rule(node):
        if node.op.kind == "composite":
            return node.op.expand(node)
        return None
    return rewrite(graph, rule)
