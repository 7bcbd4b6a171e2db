"""Drawing a model as a graph with pydot and Graphviz (keras.utils.vis_utils)."""
import os

try:
    import pydot
except ImportError:
    try:
        import pydot_ng as pydot
    except ImportError:
        pydot = None

_MISSING_PYDOT = ("Failed to import pydot. You must install pydot and graphviz for `pydotprint` to work "
                  "(pip install pydot, and Graphviz's `dot` program, e.g. apt-get install graphviz).")


def _check_pydot():
    """Raise ImportError unless pydot imports and can run Graphviz."""
    if pydot is None:
        raise ImportError(_MISSING_PYDOT)
    try:
        # rendering an empty graph runs `dot`: this finds a missing Graphviz install
        pydot.Dot.create(pydot.Dot())
    except Exception:
        raise ImportError(_MISSING_PYDOT)


def _graph_layers(model):
    """The layers to draw: a Sequential's generated input layer is drawn too."""
    return list(getattr(model, "_network_layers", None) or model.layers)


def _is_wrapper(layer):
    try:
        from ..layers.wrappers import Wrapper
    except ImportError:
        return False
    return isinstance(layer, Wrapper)


def _layer_label(layer, show_shapes, show_layer_names):
    layer_name = layer.name
    class_name = layer.__class__.__name__
    if _is_wrapper(layer):  # TimeDistributed, Bidirectional: name the wrapped layer too
        inner = layer.layer
        layer_name = "{}({})".format(layer_name, inner.name)
        class_name = "{}({})".format(class_name, inner.__class__.__name__)
    label = "{}: {}".format(layer_name, class_name) if show_layer_names else class_name
    if not show_shapes:
        return label
    try:
        output_labels = str(layer.output_shape)
    except AttributeError:
        output_labels = "multiple"
    try:
        input_labels = str(layer.input_shape)
    except AttributeError:
        input_labels = "multiple"
    return "%s\n|{input:|output:}|{{%s}|{%s}}" % (label, input_labels, output_labels)


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB"):
    """The model as a `pydot.Dot`: one record node per layer, one edge per connection.
    `rankdir` is Graphviz's: 'TB' draws top to bottom, 'LR' left to right."""
    _check_pydot()
    if model.__class__.__name__ == "Sequential" and not model.built:
        model.build()
    dot = pydot.Dot()
    dot.set("rankdir", rankdir)
    dot.set("concentrate", True)
    dot.set_node_defaults(shape="record")

    layers = _graph_layers(model)
    for layer in layers:
        dot.add_node(pydot.Node(str(id(layer)), label=_layer_label(layer, show_shapes, show_layer_names)))

    container_nodes = getattr(model, "_container_nodes", None)
    for layer in layers:
        for node_index, node in enumerate(layer._inbound_nodes):
            node_key = layer.name + "_ib-" + str(node_index)
            if container_nodes is not None and node_key not in container_nodes:
                continue  # a call of the layer outside this model
            for inbound_layer in node.inbound_layers:
                dot.add_edge(pydot.Edge(str(id(inbound_layer)), str(id(layer))))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True, rankdir="TB"):
    """Draws the model's graph of layers into an image file (needs pydot and graphviz).

    # Arguments
        model: the model.
        to_file: path of the file; its extension picks the format (png when there is
            none).
        show_shapes: whether to show each layer's input and output shapes.
        show_layer_names: whether to show the layers' names.
        rankdir: `'TB'` for a top-down graph, `'LR'` for a left-to-right one.
    """
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
