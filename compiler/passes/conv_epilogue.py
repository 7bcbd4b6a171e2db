"""Fuse a convolution's bias add and relu into the direct convolution kernel's store.

A Keras Conv2D layer computes relu(conv(x, W) + b). After expansion that is
`conv_direct` -> `add` (a bias of one value per channel) -> `select(le(y, 0), 0, y)`, and
each of the last two would be a pass over the whole output in memory. Here they move
into the kernel, which adds the bias and clamps each tile while it is still in registers:

- `add(conv_direct(x, W), b)` with b of shape (O,)  ->  conv_direct(x, W, b)
- `select(le(y, 0), 0, y)` with y = conv_direct(...) ->  conv_direct(..., relu)

Only a convolution that nothing else reads is rewritten. A training graph also reads
`le(y, 0)` for the relu's gradient; that mask reads the fused output instead, which is
the same mask (y <= 0 exactly where relu(y) <= 0, and a nan is neither).

The relu's gradient after a max pool (Conv2D -> MaxPooling2D in training) is then one
more pass over the convolution's whole output; it moves onto the pooled gradient, a
quarter of the size for 2x2 pooling, which the loop computing that gradient absorbs:

- `select(le(y, 0), 0, max_pool_grad(y, g))` -> max_pool_grad(y, select(le(max_pool(y), 0), 0, g))

(a window's gradient goes to its maximum, whose value is the pooled one: it is masked
exactly when that value is <= 0).

In inference, where nothing else reads the convolution, a 2x2 max pool of stride 2 after
a Winograd convolution moves into it too (a Winograd tile is one pooling window):

- `max_pool(conv_winograd(...))` -> conv_winograd(..., pool=True)
"""
from ..ir.constant import scalar_value
from ..ops.registry import apply
from .rewrite import rebuild, replace_nodes


def _is_zero(node):
    return scalar_value(node) == 0.0


CONV_KERNELS = ("conv_direct", "conv_winograd")


def _direct_conv(node, activation="linear"):
    return node.op.name in CONV_KERNELS and node.attr("activation") == activation


def _bias_of(add, conv):
    """The (O,) bias `add` adds to `conv`, or None."""
    if add.op.name != "add" or add.shape != conv.shape or add.dtype is not conv.dtype:
        return None
    a, b = add.inputs
    other = b if a is conv else a if b is conv else None
    if other is None or other is conv or other.shape != (conv.shape[-1],) or other.dtype is not conv.dtype:
        return None
    return other


def _relu_parts(conv, users):
    """(masks, selects) when every reader of `conv` is le(conv, 0) or
    select(le(conv, 0), 0, conv) with such a mask, and there is one select; else None."""
    masks = [u for u in users if u.op.name == "le" and u.inputs[0] is conv and _is_zero(u.inputs[1])]
    selects = [u for u in users if u.op.name == "select" and u.inputs[0] in masks
               and _is_zero(u.inputs[1]) and u.inputs[2] is conv]
    if not selects or len(masks) + len(selects) != len(users) or len(set(selects)) != 1:
        return None
    return masks, selects


def _pinned(graph):
    """Values the graph hands out (outputs, update values): they keep their own node."""
    return set(graph.outputs) | {v for _, v in graph.updates}


def fuse_conv_epilogues(graph):
    users = graph.consumers()
    pinned = _pinned(graph)

    def with_bias(node, inputs):
        for conv in node.inputs:
            if _direct_conv(conv) and len(conv.inputs) == 2 and conv not in pinned \
                    and users.get(conv) == [node]:
                bias = _bias_of(node, conv)
                if bias is not None:
                    fused = inputs[node.inputs.index(conv)]
                    return apply(fused.op.name, list(fused.inputs) + [inputs[node.inputs.index(bias)]],
                                 **dict(fused.attrs))
        return None

    graph = replace_nodes(graph, with_bias)
    users = graph.consumers()
    pinned = _pinned(graph)
    replaced = {}       # original select / le node -> what replaces it, once the conv is rebuilt

    for conv in graph.nodes():
        if not _direct_conv(conv) or conv in pinned:
            continue
        parts = _relu_parts(conv, users.get(conv, []))
        if parts is not None:
            replaced[parts[1][0]] = ("relu", conv)
            for mask in parts[0]:
                replaced[mask] = ("mask", conv)

    rebuilt = {}        # linear conv of the graph -> its rebuilt node

    def with_relu(node, inputs):
        if _direct_conv(node):
            rebuilt[node] = rebuild(node, inputs)
        if node not in replaced:
            return None
        kind, conv = replaced[node]
        linear = rebuilt[conv]
        relu = apply(linear.op.name, list(linear.inputs), **dict(linear.attrs, activation="relu"))
        if kind == "relu":
            return relu
        return apply("le", [relu, inputs[1]], payload=node.payload, **dict(node.attrs))

    return _pool_into_winograd(_mask_before_pool_gradient(replace_nodes(graph, with_relu)))


def _pool_into_winograd(graph):
    users = graph.consumers()
    pinned = _pinned(graph)

    def rule(node, inputs):
        if node.op.name != "max_pool" or node.attr("window") != (2, 2) or node.attr("strides") != (2, 2) \
                or node.attr("pads") != ((0, 0), (0, 0)):
            return None
        conv = node.inputs[0]
        if conv.op.name != "conv_winograd" or conv.attr("pool", False) or conv in pinned \
                or users.get(conv) != [node] or not all(isinstance(d, int) for d in conv.shape[1:3]):
            return None
        fused = inputs[0]
        return apply(fused.op.name, list(fused.inputs), **dict(fused.attrs, pool=True))
    return replace_nodes(graph, rule)


def _mask_before_pool_gradient(graph):
    def rule(node, inputs):
        if node.op.name != "select" or not _is_zero(node.inputs[1]):
            return None
        mask, routed = node.inputs[0], node.inputs[2]
        if mask.op.name != "le" or not _is_zero(mask.inputs[1]) or routed.op.name != "max_pool_grad":
            return None
        y, g = routed.inputs
        if mask.inputs[0] is not y:
            return None
        attrs = dict(routed.attrs)
        pooled = apply("max_pool", [y], **attrs)
        zero = mask.inputs[1]
        masked = apply("select", [apply("le", [pooled, zero]), node.inputs[1], g])
        return apply("max_pool_grad", [y, masked], **attrs)
    return replace_nodes(graph, rule)
