"""Keras 1's `Merge` layer and `merge()` function, as Keras 2.1.6 kept them (deprecated)
for Keras 1 code: one layer that merges a list of tensors by a named mode ('sum',
'mul', 'concat', 'ave', 'cos', 'dot', 'max') or by a function of the user's.

Keras 2 code uses the layers of keras.layers.merge (Add, Concatenate, Dot, ...) instead.
"""
import types as python_types
import warnings

from keralite import backend as K
from keralite.engine.base_layer import Layer
from .core import lambda_safe_mode
from keralite.utils.generic_utils import func_dump, func_load, has_arg, deserialize_keras_object

_MODES = ("sum", "mul", "concat", "ave", "cos", "dot", "max")
_DEPRECATION = ("and will be removed after 08/2017. Use instead layers from `keras.layers.merge`, "
                "e.g. `add`, `concatenate`, etc.")


def _dump_callable(value):
    """(stored value, type) of a mode / output_shape / output_mask for get_config."""
    if isinstance(value, python_types.LambdaType) and value.__name__ == "<lambda>":
        return func_dump(value), "lambda"
    if callable(value):
        return value.__name__, "function"
    return value, "raw"


def _load_callable(value, value_type, custom_objects, what, layer_name):
    """The inverse of _dump_callable. Stored bytecode is run only outside safe mode (the
    rule Lambda layers follow), as it is code read from a file."""
    if value_type == "function":
        return deserialize_keras_object(value, custom_objects=custom_objects,
                                        printable_module_name=what + " of Merge layer")
    if value_type == "lambda":
        if lambda_safe_mode(None).safe_mode:
            raise ValueError("Merge layer %r stores its %s as Python bytecode, and loading it would run code "
                             "from the file. Pass safe_mode=False to load_model / model_from_json / "
                             "model_from_config (only for files you trust)." % (layer_name, what))
        return func_load(value, globs=dict(custom_objects or {}))
    return value


class Merge(Layer):
    """Merges a list of tensors (or the outputs of a list of layers / models) into one.

    Deprecated since Keras 2: use the layers of `keras.layers.merge`. Given `layers`,
    the Merge is applied at once to their outputs, so
    `Sequential().add(Merge([model_a, model_b], mode='concat'))` builds a two-input
    model as Keras 1 did.

    # Arguments
        layers: None, or a list of at least two layers or models whose outputs are merged.
        mode: one of 'sum', 'mul', 'concat', 'ave', 'cos', 'dot', 'max', or a function
            of a list of tensors returning one tensor.
        concat_axis: the axis of mode 'concat'.
        dot_axes: int or pair of ints, the axes of modes 'dot' and 'cos'.
        output_shape: for a callable mode, the output shape without the batch axis, or a
            function of the list of input shapes returning the full output shape.
        output_mask: for a callable mode, the output mask, or a function of the list of
            input masks returning it.
        arguments: dict of keyword arguments passed to a callable mode.
        node_indices: with `layers`, the output node of each layer to take (default 0).
        tensor_indices: with `layers`, the output tensor of each node to take (default 0).
        name: the layer name.

    # Raises
        ValueError: for an unknown mode, shapes the mode cannot merge, or a callable
            mode without `output_shape`.
        TypeError: for fewer than two layers or tensors.
    """

    def __init__(self, layers=None, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None,
                 output_mask=None, arguments=None, node_indices=None, tensor_indices=None, name=None, **kwargs):
        warnings.warn("The `Merge` layer is deprecated " + _DEPRECATION, stacklevel=2)
        super().__init__(name=name, **kwargs)
        self.layers = layers
        self.mode = mode
        self.concat_axis = concat_axis
        self.dot_axes = dot_axes
        self._output_shape = output_shape
        self._output_mask = output_mask
        self.arguments = arguments if arguments else {}
        self.node_indices = node_indices
        self.supports_masking = True
        self.input_spec = None
        if not callable(mode) and mode not in _MODES:
            raise ValueError("Invalid merge mode: " + str(mode))
        if layers:
            node_indices = node_indices or [0] * len(layers)
            tensor_indices = tensor_indices or [0] * len(layers)
            self._validate(layers, node_indices, tensor_indices)
            inputs = [layer._inbound_nodes[node].output_tensors[tensor]
                      for layer, node, tensor in zip(layers, node_indices, tensor_indices)]
            self.built = True
            self(inputs)

    def _validate(self, layers, node_indices, tensor_indices):
        if not isinstance(layers, (list, tuple)) or len(layers) < 2:
            raise TypeError("A Merge should only be applied to a list of layers with at least 2 elements. "
                            "Found: " + str(layers))
        shapes = []
        for layer, node, tensor in zip(layers, node_indices, tensor_indices):
            shape = layer.get_output_shape_at(node)
            shapes.append(tuple(shape[tensor]) if isinstance(shape, list) else tuple(shape))
        self._check_shapes(shapes)

    def _check_shapes(self, shapes):
        """Keras 1's checks of the merged shapes; normalises dot_axes to a pair."""
        mode = self.mode
        if callable(mode):
            return
        if mode in ("sum", "mul", "ave", "cos", "max") and len(set(shapes)) > 1:
            raise ValueError("Only layers of same output shape can be merged using " + mode + " mode. " +
                             "Layer shapes: %s" % shapes)
        if mode in ("cos", "dot"):
            if len(shapes) > 2:
                raise ValueError(mode + " merge takes exactly 2 layers")
            first, second = shapes
            if isinstance(self.dot_axes, int):
                self.dot_axes = ([self.dot_axes % len(first), self.dot_axes % len(second)] if self.dot_axes < 0
                                 else [self.dot_axes] * 2)
            if not isinstance(self.dot_axes, (list, tuple)):
                raise TypeError("Invalid type for dot_axes - should be a list.")
            if len(self.dot_axes) != 2:
                raise ValueError("Invalid format for dot_axes - should contain two elements.")
            if not all(isinstance(axis, int) for axis in self.dot_axes):
                raise ValueError('Invalid format for dot_axes - list elements should be "int".')
            self.dot_axes = list(self.dot_axes)
            if first[self.dot_axes[0]] != second[self.dot_axes[1]]:
                raise ValueError("Dimension incompatibility using dot mode: %s != %s. "
                                 % (first[self.dot_axes[0]], second[self.dot_axes[1]]) +
                                 "Layer shapes: %s, %s" % (first, second))
        elif mode == "concat":
            rest = set()
            for shape in shapes:
                reduced = list(shape)
                del reduced[self.concat_axis]
                rest.add(tuple(reduced))
            if len(rest) > 1:
                raise ValueError('"concat" mode can only merge layers with matching output shapes except '
                                 "for the concat axis. Layer shapes: %s" % (shapes,))

    def build(self, input_shape):
        self._check_shapes([tuple(shape) for shape in input_shape])
        self.built = True

    def call(self, inputs, mask=None):
        if not isinstance(inputs, list) or len(inputs) <= 1:
            raise TypeError("Merge must be called on a list of tensors (at least 2). Got: " + str(inputs))
        if callable(self.mode):
            arguments = dict(self.arguments)
            if has_arg(self.mode, "mask"):
                arguments["mask"] = mask
            return self.mode(inputs, **arguments)
        if self.mode in ("sum", "ave"):
            total = inputs[0]
            for x in inputs[1:]:
                total = total + x
            return total / len(inputs) if self.mode == "ave" else total
        if self.mode == "mul":
            product = inputs[0]
            for x in inputs[1:]:
                product = product * x
            return product
        if self.mode == "max":
            largest = inputs[0]
            for x in inputs[1:]:
                largest = K.maximum(largest, x)
            return largest
        if self.mode == "concat":
            return K.concatenate(inputs, axis=self.concat_axis)
        first, second = inputs
        if self.mode == "dot":
            return K.batch_dot(first, second, self.dot_axes)
        # cos: the dot product over the norms, the norms floored at epsilon
        norms = K.sqrt(K.batch_dot(first, first, self.dot_axes) * K.batch_dot(second, second, self.dot_axes))
        cosine = K.batch_dot(first, second, self.dot_axes) / K.maximum(norms, K.epsilon())
        expected_ndim = len(self.compute_output_shape([K.int_shape(first), K.int_shape(second)]))
        return K.expand_dims(cosine, 1) if K.ndim(cosine) < expected_ndim else cosine

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError("A Merge layer takes a list of input shapes, got " + str(input_shape))
        if callable(self.mode):
            if callable(self._output_shape):
                return self._output_shape(input_shape)
            if self._output_shape is not None:
                return (input_shape[0][0],) + tuple(self._output_shape)
            raise ValueError("The Merge layer " + self.name + " has a callable `mode` argument, and we cannot "
                             "infer its output shape because no `output_shape` argument was provided. Make "
                             "sure to pass a shape tuple (or callable) `output_shape` to Merge.")
        if self.mode in ("sum", "mul", "ave", "max"):
            return tuple(input_shape[0])
        if self.mode == "concat":
            output_shape = list(input_shape[0])
            for shape in input_shape[1:]:
                if output_shape[self.concat_axis] is None or shape[self.concat_axis] is None:
                    output_shape[self.concat_axis] = None
                    break
                output_shape[self.concat_axis] += shape[self.concat_axis]
            return tuple(output_shape)
        first, second = list(input_shape[0]), list(input_shape[1])
        first.pop(self.dot_axes[0])
        second.pop(self.dot_axes[1])
        second.pop(0)
        output_shape = first + second
        if len(output_shape) == 1:
            output_shape.append(1)
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        if callable(self.mode):
            return self._output_mask(mask) if callable(self._output_mask) else self._output_mask
        if self.mode in ("sum", "mul", "ave", "max"):
            masks = [K.expand_dims(m, 0) for m in mask if m is not None]
            return K.all(K.concatenate(masks, axis=0), axis=0, keepdims=False)
        if self.mode == "concat":
            masks = []
            for x, m in zip(inputs, mask):
                if m is None:
                    masks.append(K.cast(K.ones_like(x), "bool"))
                elif K.ndim(m) < K.ndim(x):
                    masks.append(K.expand_dims(m))
                else:
                    masks.append(m)
            return K.all(K.concatenate(masks, axis=self.concat_axis), axis=-1, keepdims=False)
        return None

    def get_config(self):
        mode, mode_type = _dump_callable(self.mode)
        output_shape, output_shape_type = _dump_callable(self._output_shape)
        output_mask, output_mask_type = _dump_callable(self._output_mask)
        return {"name": self.name, "mode": mode, "mode_type": mode_type, "concat_axis": self.concat_axis,
                "dot_axes": self.dot_axes, "output_shape": output_shape, "output_shape_type": output_shape_type,
                "output_mask": output_mask, "output_mask_type": output_mask_type, "arguments": self.arguments}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a Merge layer from its config.

        A `mode`, `output_shape` or `output_mask` saved as a function is rebuilt from the
        stored bytecode or looked up by name, the same way Lambda layers load.

        # Arguments
            config: dict of the configuration.
            custom_objects: optional dict of user functions by name, searched for saved
                function names.

        # Returns
            A new Merge layer.
        """
        config = dict(config)
        name = config.get("name")
        for key, what in (("mode", "mode"), ("output_shape", "output_shape"), ("output_mask", "output_mask")):
            value_type = config.pop(key + "_type", "raw")
            config[key] = _load_callable(config.get(key), value_type, custom_objects, what, name)
        return cls(**config)


def merge(inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None, arguments=None,
          name=None):
    """Keras 1's functional merge of a list of Keras tensors (deprecated).

    # Arguments
        inputs: list of at least two Keras tensors.
        mode, concat_axis, dot_axes, output_shape, output_mask, arguments, name: as
            for `Merge`.

    # Returns
        The merged Keras tensor.

    # Raises
        As `Merge`.
    """
    warnings.warn("The `merge` function is deprecated " + _DEPRECATION, stacklevel=2)
    options = dict(mode=mode, concat_axis=concat_axis, dot_axes=dot_axes, output_shape=output_shape,
                   output_mask=output_mask, arguments=arguments, name=name)
    with warnings.catch_warnings():
        # one deprecation warning per call, as Keras gives
        warnings.simplefilter("ignore")
        if all(hasattr(x, "_keras_history") for x in inputs):
            histories = [x._keras_history for x in inputs]
            layer = Merge([h[0] for h in histories], node_indices=[h[1] for h in histories],
                          tensor_indices=[h[2] for h in histories], **options)
            return layer._inbound_nodes[0].output_tensors[0]
        return Merge(**options)(inputs)


__all__ = ["Merge", "merge"]
