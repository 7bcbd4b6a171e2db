"""The Keras 2 `Layer` and `InputSpec`.

A layer owns weights (backend variables) and a `call` written with K. Calling a layer
on Keras tensors records a `Node` (engine/node.py) so models can be rebuilt, saved and
called again; the tensors it returns carry `_keras_shape` and `_keras_history`.
"""
import functools
import re
import warnings

import numpy as np

from .. import backend as K
from ..backend.tensor import current_name_scope
from ..utils.generic_utils import to_list, unpack_singleton, object_list_uid, is_all_none, has_arg
from .node import Node


class InputSpec:
    """What a layer accepts: dtype, shape, rank bounds and given axis sizes.

    Layers set `self.input_spec` so that a wrong input fails when the layer is called,
    with a message naming the layer, rather than inside the computation.

    # Arguments
        dtype: the expected dtype, or None for any.
        shape: the expected shape tuple (None entries match any size), or None.
        ndim: the expected rank, or None.
        max_ndim: the highest rank accepted, or None.
        min_ndim: the lowest rank accepted, or None.
        axes: dict `{axis: size}` of axes whose sizes are fixed (e.g. the channels a
            built convolution expects).
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}

    def __repr__(self):
        spec = [("dtype=" + str(self.dtype)) if self.dtype else "",
                ("shape=" + str(self.shape)) if self.shape else "",
                ("ndim=" + str(self.ndim)) if self.ndim else "",
                ("max_ndim=" + str(self.max_ndim)) if self.max_ndim else "",
                ("min_ndim=" + str(self.min_ndim)) if self.min_ndim else "",
                ("axes=" + str(self.axes)) if self.axes else ""]
        return "InputSpec(%s)" % ", ".join(x for x in spec if x)


# Classes that layers.deserialize knows besides the layers: the models. They sit above
# the layers (a model is built of layers), so the layers cannot import them; each model
# class registers itself here, below both, when it is defined.
_model_classes = {}


def register_model_class(*names):
    """Class decorator: layers.deserialize builds the class from each of `names`."""
    def register(cls):
        for name in names:
            _model_classes[name] = cls
        return cls
    return register


def model_classes():
    """The registered model classes, for deserializing models nested inside models.

    The layers cannot import the engine's models (imports go one way), so the engine
    registers Model and Sequential here and `keralite.layers.deserialize` reads them.

    # Returns
        Dict `{class name: class}`.
    """
    return dict(_model_classes)


_KERAS20_ADD_WEIGHT_ORDER = ("shape", "initializer", "name", "trainable", "regularizer", "constraint")


def _keras20_add_weight_support(add_weight):
    """Map `add_weight(shape, initializer, name, ...)` (Keras 2.0: the shape first)
    onto the Keras 2 keywords, with a warning."""
    @functools.wraps(add_weight)
    def wrapper(self, *args, **kwargs):
        if args and isinstance(args[0], (tuple, list)):
            if len(args) > len(_KERAS20_ADD_WEIGHT_ORDER):
                raise TypeError("add_weight() takes at most %d positional arguments"
                                % len(_KERAS20_ADD_WEIGHT_ORDER))
            for key, value in zip(_KERAS20_ADD_WEIGHT_ORDER, args):
                if key in kwargs:
                    raise TypeError("add_weight() got multiple values for argument %r" % key)
                kwargs[key] = value
            kwargs.setdefault("name", None)
            shown = ", ".join("%s=%r" % item for item in kwargs.items())
            warnings.warn("Update your `add_weight` call to the Keras 2 API: `add_weight(%s)`" % shown,
                          stacklevel=2)
            args = ()
        return add_weight(self, *args, **kwargs)
    return wrapper


def to_snake_case(name):
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def _collect_previous_mask(input_tensors):
    masks = [getattr(x, "_keras_mask", None) for x in to_list(input_tensors)]
    return unpack_singleton(masks)


def _collect_input_shape(input_tensors):
    shapes = []
    for x in to_list(input_tensors):
        try:
            shapes.append(K.int_shape(x))
        except TypeError:
            shapes.append(None)
    return unpack_singleton(shapes)


class Layer:
    """The base class of every layer: the Keras 2 contract of `build`, `call`,
    `compute_output_shape`, `compute_mask`, `get_config` and `from_config`.

    A subclass creates its weights in `build` (once the input shape is known, so the
    user never states it twice), computes with K in `call`, and states its output shape
    in `compute_output_shape` so models can be summarised and connected before any data
    flows. Calling a layer on Keras tensors records a Node, which is how functional
    models find their graph.

    # Arguments
        **kwargs: the arguments every layer takes: `input_shape` (tuple without the
            batch axis; on a first layer it creates the model's input), `batch_size`,
            `batch_input_shape` (with the batch axis), `dtype`, `name` (unique within
            a model; derived from the class name when omitted), `trainable` (False
            freezes the weights) and `weights` (initial values, set on build).
            `input_dtype` is the Keras 1 name of `dtype`.

    # Raises
        TypeError: for a keyword argument not in that list, so a misspelt argument
            does not pass silently.
    """

    def __init__(self, **kwargs):
        self.input_spec = None
        self.supports_masking = False
        self.stateful = False
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []
        self._updates = []
        self._per_input_losses = {}
        self._per_input_updates = {}
        self._built = False
        self._inbound_nodes = []
        self._outbound_nodes = []
        allowed_kwargs = {"input_shape", "batch_input_shape", "batch_size", "dtype", "name",
                          "trainable", "weights", "input_dtype"}
        for kwarg in kwargs:
            if kwarg not in allowed_kwargs:
                raise TypeError("Keyword argument not understood:", kwarg)
        name = kwargs.get("name")
        if not name:
            prefix = self.__class__.__name__
            name = to_snake_case(prefix) + "_" + str(K.get_uid(to_snake_case(prefix)))
        self.name = name
        self.trainable = kwargs.get("trainable", True)
        if "input_shape" in kwargs or "batch_input_shape" in kwargs:
            if "batch_input_shape" in kwargs:
                batch_input_shape = tuple(kwargs["batch_input_shape"])
            else:
                batch_size = kwargs.get("batch_size")
                batch_input_shape = (batch_size,) + tuple(kwargs["input_shape"])
            self.batch_input_shape = batch_input_shape
        dtype = kwargs.get("dtype") or kwargs.get("input_dtype") or K.floatx()
        self.dtype = dtype
        self._initial_weights = kwargs.get("weights")

    # ---------------------------------------------------------------- weights
    @property
    def built(self):
        """Whether `build` has run; layers build themselves on their first call."""
        return self._built

    @built.setter
    def built(self, value):
        self._built = value

    @property
    def trainable_weights(self):
        """The weights that training updates: empty when the layer is frozen (`trainable=False`)."""
        trainable = getattr(self, "trainable", True)
        return list(self._trainable_weights) if trainable else []

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = weights

    @property
    def non_trainable_weights(self):
        """The weights that training leaves alone (such as BatchNormalization's moving statistics),
        plus every weight when the layer is frozen.
        """
        if getattr(self, "trainable", True):
            return list(self._non_trainable_weights)
        return list(self._trainable_weights) + list(self._non_trainable_weights)

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = weights

    @property
    def weights(self):
        """All the layer's weight variables: trainable ones first, as weight files store them."""
        return self.trainable_weights + self.non_trainable_weights

    @_keras20_add_weight_support
    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None):
        """Creates a weight variable and registers it with the layer (and its regularisation loss).

        Called from `build`. Registration is what puts the weight into `trainable_weights`
        (so optimizers update it), into saved files and into `model.losses` when it is
        regularised. The Keras 2.0 order `add_weight(shape, initializer, name, ...)` is
        accepted with a warning.

        # Arguments
            name: string, the weight's name (it is prefixed with the layer's name).
            shape: tuple of integers, the weight's shape.
            dtype: the weight's dtype; None means `K.floatx()`.
            initializer: initializer (name, instance or callable) giving the first value.
            regularizer: optional regularizer; its penalty is added to the layer's losses.
            trainable: whether training updates the weight.
            constraint: optional constraint, applied to the weight after each update.

        # Returns
            The weight variable.
        """
        from .. import initializers, regularizers, constraints
        initializer = initializers.get(initializer)
        if dtype is None:
            dtype = K.floatx()
        value = initializer(tuple(shape))
        constraint = constraints.get(constraint)
        if current_name_scope()[-1:] == [self.name]:
            # inside __call__: the layer's name scope already prefixes the name
            weight = K.variable(value, dtype=dtype, name=name, constraint=constraint)
        else:
            with K.name_scope(self.name):
                weight = K.variable(value, dtype=dtype, name=name, constraint=constraint)
        weight.trainable = trainable
        if regularizer is not None:
            reg = regularizers.get(regularizer)
            self.add_loss(reg(weight))
        if trainable:
            self._trainable_weights.append(weight)
        else:
            self._non_trainable_weights.append(weight)
        return weight

    def get_weights(self):
        """The current values of the layer's weights.

        # Returns
            List of Numpy arrays, in the order of `weights`.
        """
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        """Sets the layer's weights from Numpy arrays.

        # Arguments
            weights: list of Numpy arrays, one per weight in the order of `weights`
                (as `get_weights` returns them), each of the weight's shape.

        # Raises
            ValueError: when the number of arrays or one of their shapes does not match.
        """
        params = self.weights
        if len(params) != len(weights):
            raise ValueError("You called `set_weights(weights)` on layer \"" + self.name +
                             "\" with a  weight list of length " + str(len(weights)) +
                             ", but the layer was expecting " + str(len(params)) +
                             " weights. Provided weights: " + str(weights)[:50] + "...")
        if not params:
            return
        tuples = []
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if K.int_shape(p) != w.shape:
                raise ValueError("Layer weight shape " + str(K.int_shape(p)) +
                                 " not compatible with provided weight shape " + str(w.shape))
            tuples.append((p, w))
        K.batch_set_value(tuples)

    # ---------------------------------------------------------------- input checks
    def assert_input_compatibility(self, inputs):
        """Checks that the layer can take `inputs`, with Keras' error messages.

        Called before building and before each call, so a wrong input fails at model
        definition with a message naming the layer, instead of deep inside the graph.

        # Arguments
            inputs: a tensor or a list of tensors.

        # Raises
            ValueError: when an input is not a symbolic tensor, or does not meet the
                layer's `input_spec` (number of inputs, rank, dtype, or an axis size).
        """
        inputs = to_list(inputs)
        for x in inputs:
            try:
                K.is_keras_tensor(x)
            except ValueError:
                raise ValueError("Layer " + self.name + " was called with an input that isn't a symbolic "
                                 "tensor. Received type: " + str(type(x)) + ". Full input: " + str(inputs) +
                                 ". All inputs to the layer should be tensors.") from None
        if not self.input_spec:
            return
        if not isinstance(self.input_spec, (list, tuple)):
            input_spec = to_list(self.input_spec)
        else:
            input_spec = self.input_spec
        if len(inputs) != len(input_spec):
            raise ValueError("Layer " + self.name + " expects " + str(len(input_spec)) +
                             " inputs, but it received " + str(len(inputs)) + " input tensors. "
                             "Input received: " + str(inputs))
        for input_index, (x, spec) in enumerate(zip(inputs, input_spec)):
            if spec is None:
                continue
            if spec.ndim is not None and K.ndim(x) != spec.ndim:
                raise ValueError("Input " + str(input_index) + " is incompatible with layer " +
                                 self.name + ": expected ndim=" + str(spec.ndim) + ", found ndim=" +
                                 str(K.ndim(x)))
            if spec.max_ndim is not None and K.ndim(x) > spec.max_ndim:
                raise ValueError("Input " + str(input_index) + " is incompatible with layer " +
                                 self.name + ": expected max_ndim=" + str(spec.max_ndim) +
                                 ", found ndim=" + str(K.ndim(x)))
            if spec.min_ndim is not None and K.ndim(x) < spec.min_ndim:
                raise ValueError("Input " + str(input_index) + " is incompatible with layer " +
                                 self.name + ": expected min_ndim=" + str(spec.min_ndim) +
                                 ", found ndim=" + str(K.ndim(x)))
            if spec.dtype is not None and K.dtype(x) != spec.dtype:
                raise ValueError("Input " + str(input_index) + " is incompatible with layer " +
                                 self.name + ": expected dtype=" + str(spec.dtype) + ", found dtype=" +
                                 str(K.dtype(x)))
            if spec.axes:
                x_shape = K.int_shape(x)
                for axis, value in spec.axes.items():
                    if value is not None and x_shape[int(axis)] not in {value, None}:
                        raise ValueError("Input " + str(input_index) + " is incompatible with layer " +
                                         self.name + ": expected axis " + str(axis) +
                                         " of input shape to have value " + str(value) +
                                         " but got shape " + str(x_shape))
            if spec.shape is not None:
                x_shape = K.int_shape(x)
                for spec_dim, dim in zip(spec.shape, x_shape):
                    if spec_dim is not None and dim is not None and spec_dim != dim:
                        raise ValueError("Input " + str(input_index) + " is incompatible with layer " +
                                         self.name + ": expected shape=" + str(spec.shape) +
                                         ", found shape=" + str(x_shape))

    # ---------------------------------------------------------------- calling
    def call(self, inputs, **kwargs):
        """The layer's computation, written with K; subclasses override it.

        The base layer passes its input through unchanged.

        # Arguments
            inputs: a tensor or a list of tensors.
            **kwargs: extra call arguments a subclass accepts, such as `mask`,
                `training` or `initial_state`.

        # Returns
            A tensor or a list of tensors.
        """
        return inputs

    def __call__(self, inputs, **kwargs):
        """Apply the layer to Keras tensors, building it on first use."""
        if isinstance(inputs, list):
            inputs = inputs[:]
        with K.name_scope(self.name):
            if not self.built:
                self.assert_input_compatibility(inputs)
                input_shapes = []
                for x in to_list(inputs):
                    if hasattr(x, "_keras_shape"):
                        input_shapes.append(x._keras_shape)
                    elif hasattr(K, "int_shape"):
                        input_shapes.append(K.int_shape(x))
                    else:
                        raise ValueError("You tried to call layer \"" + self.name +
                                         "\". This layer has no information about its expected input shape, "
                                         "and thus cannot be built. You can build it manually via: "
                                         "`layer.build(batch_input_shape)`")
                self.build(unpack_singleton(input_shapes))
                self.built = True
                if self._initial_weights is not None:
                    self.set_weights(self._initial_weights)
            self.assert_input_compatibility(inputs)
            previous_mask = _collect_previous_mask(inputs)
            user_kwargs = dict(kwargs)
            if not is_all_none(previous_mask) and has_arg(self.call, "mask") and "mask" not in kwargs:
                kwargs["mask"] = previous_mask
            output = self.call(inputs, **kwargs)
            output_mask = self.compute_mask(inputs, previous_mask)
            output_ls = to_list(output)
            inputs_ls = to_list(inputs)
            output_ls_copy = []
            for x in output_ls:
                if any(x is i for i in inputs_ls):
                    x = K.identity(x)
                output_ls_copy.append(x)
            output = unpack_singleton(output_ls_copy)
            input_shape = _collect_input_shape(inputs)
            if all(shape is not None for shape in to_list(input_shape)):
                output_shape = self.compute_output_shape(input_shape)
            elif isinstance(input_shape, list):
                output_shape = [None for _ in input_shape]
            else:
                output_shape = None
            if not isinstance(output_mask, (list, tuple)) and len(output_ls) > 1:
                output_mask = [output_mask] * len(output_ls)
            self._add_inbound_node(input_tensors=inputs, output_tensors=output,
                                   input_masks=previous_mask, output_masks=output_mask,
                                   input_shapes=input_shape, output_shapes=output_shape,
                                   arguments=user_kwargs)
            if hasattr(self, "activity_regularizer") and self.activity_regularizer is not None:
                regularization_losses = [self.activity_regularizer(x) for x in to_list(output)]
                self.add_loss(regularization_losses, to_list(inputs))
        return output

    def _add_inbound_node(self, input_tensors, output_tensors, input_masks, output_masks,
                          input_shapes, output_shapes, arguments=None):
        """Record this call as a Node; stamp the outputs with shape, history and mask.
        Inputs that are not Keras tensors get a None inbound layer."""
        input_tensors = to_list(input_tensors)
        output_tensors = to_list(output_tensors)
        input_masks = to_list(input_masks)
        output_masks = to_list(output_masks)
        input_shapes = to_list(input_shapes)
        output_shapes = to_list(output_shapes)
        inbound_layers, node_indices, tensor_indices = [], [], []
        for x in input_tensors:
            history = getattr(x, "_keras_history", (None, None, None))
            inbound_layers.append(history[0])
            node_indices.append(history[1])
            tensor_indices.append(history[2])
        Node(self, inbound_layers=inbound_layers, node_indices=node_indices,
             tensor_indices=tensor_indices, input_tensors=input_tensors, output_tensors=output_tensors,
             input_masks=input_masks, output_masks=output_masks, input_shapes=input_shapes,
             output_shapes=output_shapes, arguments=arguments)
        uses_lp = any(getattr(t, "_uses_learning_phase", False) for t in input_tensors)
        uses_lp = getattr(self, "uses_learning_phase", False) or uses_lp
        for i, x in enumerate(output_tensors):
            x._keras_shape = output_shapes[i] if i < len(output_shapes) else None
            x._uses_learning_phase = getattr(x, "_uses_learning_phase", False) or uses_lp
            x._keras_history = (self, len(self._inbound_nodes) - 1, i)
            x._keras_mask = output_masks[i] if i < len(output_masks) else None

    def compute_output_shape(self, input_shape):
        """The output's shape for a given input shape, without running the layer.

        Lets models compute every layer's shape at definition time (for `summary`, for
        connecting the next layer, for checking targets). The base layer returns the input
        shape: right for layers that keep the shape.

        # Arguments
            input_shape: shape tuple (batch axis included, possibly None), or a list of
                them for layers with several inputs.

        # Returns
            The output's shape tuple, or a list of them.
        """
        if hasattr(self, "get_output_shape_for"):
            warnings.warn("Class `%s.%s` defines `get_output_shape_for` but does not override "
                          "`compute_output_shape`. If this is a Keras 1 layer, please implement "
                          "`compute_output_shape` to support Keras 2."
                          % (type(self).__module__, type(self).__name__), stacklevel=2)
        return input_shape

    def compute_mask(self, inputs, mask=None):
        """The mask of the layer's output, from its inputs and their mask.

        The base layer passes the mask through when `supports_masking` is set and refuses
        a mask otherwise, so a mask is never dropped silently.

        # Arguments
            inputs: a tensor or a list of tensors.
            mask: a tensor, a list of tensors (one per input) or None.

        # Returns
            The output's mask (a tensor, list of tensors or None).

        # Raises
            TypeError: when a mask reaches a layer that does not support masking.
        """
        if not self.supports_masking:
            if mask is not None:
                if isinstance(mask, list):
                    if any(m is not None for m in mask):
                        raise TypeError("Layer " + self.name + " does not support masking, but was passed "
                                        "an input_mask: " + str(mask))
                else:
                    raise TypeError("Layer " + self.name + " does not support masking, but was passed "
                                    "an input_mask: " + str(mask))
            return None
        return mask

    def build(self, input_shape):
        """Creates the layer's weights once its input shape is known; subclasses override it.

        # Arguments
            input_shape: shape tuple (batch axis included), or a list of them.
        """
        self.built = True

    # ---------------------------------------------------------------- node accessors
    def _get_node_attribute_at_index(self, node_index, attr, attr_name):
        if not self._inbound_nodes:
            raise RuntimeError("The layer has never been called and thus has no defined " + attr_name + ".")
        if not len(self._inbound_nodes) > node_index:
            raise ValueError("Asked to get " + attr_name + " at node " + str(node_index) +
                             ", but the layer has only " + str(len(self._inbound_nodes)) + " inbound nodes.")
        values = getattr(self._inbound_nodes[node_index], attr)
        return unpack_singleton(values)

    def get_input_shape_at(self, node_index):
        """The input shape of the layer's `node_index`-th call.

        A layer used several times has one node per call; this picks one.

        # Arguments
            node_index: integer, the call's index (0 for the first).

        # Returns
            A shape tuple, or a list of them for several inputs.
        """
        return self._get_node_attribute_at_index(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index):
        """The output shape of the layer's `node_index`-th call.

        # Arguments
            node_index: integer, the call's index (0 for the first).

        # Returns
            A shape tuple, or a list of them for several outputs.
        """
        return self._get_node_attribute_at_index(node_index, "output_shapes", "output shape")

    def get_input_at(self, node_index):
        """The input tensor(s) of the layer's `node_index`-th call.

        # Arguments
            node_index: integer, the call's index (0 for the first).

        # Returns
            A tensor, or a list of tensors for several inputs.
        """
        return self._get_node_attribute_at_index(node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        """The output tensor(s) of the layer's `node_index`-th call.

        Used to build a feature extractor from an intermediate layer of a shared model.

        # Arguments
            node_index: integer, the call's index (0 for the first).

        # Returns
            A tensor, or a list of tensors for several outputs.
        """
        return self._get_node_attribute_at_index(node_index, "output_tensors", "output")

    def get_input_mask_at(self, node_index):
        """The input mask(s) of the layer's `node_index`-th call.

        # Arguments
            node_index: integer, the call's index (0 for the first).

        # Returns
            A mask tensor, None, or a list of them.
        """
        return self._get_node_attribute_at_index(node_index, "input_masks", "input mask")

    def get_output_mask_at(self, node_index):
        """The output mask(s) of the layer's `node_index`-th call.

        # Arguments
            node_index: integer, the call's index (0 for the first).

        # Returns
            A mask tensor, None, or a list of them.
        """
        return self._get_node_attribute_at_index(node_index, "output_masks", "output mask")

    def _single_node_value(self, attr, what, accessor):
        """The value of node 0 when the layer has exactly one inbound node."""
        if len(self._inbound_nodes) != 1:
            raise AttributeError("Layer " + self.name + " has multiple inbound nodes, hence the notion of "
                                 "\"layer " + what + "\" is ill-defined. Use `" + accessor + "(node_index)` "
                                 "instead.")
        return self._get_node_attribute_at_index(0, attr, what)

    @property
    def input(self):
        """The layer's input tensor(s); only defined when the layer has been called once
        (otherwise use `get_input_at`), and an AttributeError says so.
        """
        if not self._inbound_nodes:
            raise AttributeError("Layer " + self.name + " is not connected, no input to return.")
        return self._single_node_value("input_tensors", "input", "get_input_at")

    @property
    def output(self):
        """The layer's output tensor(s); only defined when the layer has been called once
        (otherwise use `get_output_at`), and an AttributeError says so.
        """
        if not self._inbound_nodes:
            raise AttributeError("Layer " + self.name + " has no inbound nodes.")
        return self._single_node_value("output_tensors", "output", "get_output_at")

    @property
    def input_mask(self):
        """The mask of the layer's input, for a layer called exactly once (else AttributeError)."""
        return self._single_node_value("input_masks", "input mask", "get_input_mask_at")

    @property
    def output_mask(self):
        """The mask of the layer's output, for a layer called exactly once (else AttributeError)."""
        return self._single_node_value("output_masks", "output mask", "get_output_mask_at")

    @property
    def input_shape(self):
        """The layer's input shape, when all its calls agree on it (else AttributeError)."""
        if not self._inbound_nodes:
            raise AttributeError("The layer has never been called and thus has no defined input shape.")
        all_input_shapes = {str(node.input_shapes) for node in self._inbound_nodes}
        if len(all_input_shapes) == 1:
            return unpack_singleton(self._inbound_nodes[0].input_shapes)
        raise AttributeError("The layer \"" + str(self.name) + " has multiple inbound nodes, with different "
                             "input shapes. Hence the notion of \"input shape\" is ill-defined for the layer. "
                             "Use `get_input_shape_at(node_index)` instead.")

    @property
    def output_shape(self):
        """The layer's output shape, when all its calls agree on it (else AttributeError)."""
        if not self._inbound_nodes:
            raise AttributeError("The layer has never been called and thus has no defined output shape.")
        all_output_shapes = {str(node.output_shapes) for node in self._inbound_nodes}
        if len(all_output_shapes) == 1:
            return unpack_singleton(self._inbound_nodes[0].output_shapes)
        raise AttributeError("The layer \"" + str(self.name) + "\" has multiple inbound nodes, with different "
                             "output shapes. Hence the notion of \"output shape\" is ill-defined for the layer. "
                             "Use `get_output_shape_at(node_index)` instead.")

    # ---------------------------------------------------------------- losses and updates
    def add_loss(self, losses, inputs=None):
        """Registers loss tensors (regularisation penalties) that training adds to the model's loss.

        # Arguments
            losses: a loss tensor or a list of them.
            inputs: the inputs the losses depend on, or None for losses that depend only
                on weights; `get_losses_for` uses it to tell which losses belong to which call.
        """
        if losses is None or losses == []:
            return
        losses = to_list(losses)
        self._losses += losses
        if isinstance(inputs, list) and not inputs:
            inputs = None
        uid = object_list_uid(inputs) if inputs is not None else None
        self._per_input_losses.setdefault(uid, [])
        self._per_input_losses[uid] += losses

    def add_update(self, updates, inputs=None):
        """Registers updates (such as moving averages) that run with every training step.

        # Arguments
            updates: an update op or a `(variable, new_value)` pair, or a list of them.
            inputs: the inputs the updates depend on, or None; `get_updates_for` uses it so
                a shared layer's updates run only for the calls a model contains.
        """
        if updates is None or updates == []:
            return
        updates = to_list(updates)
        self._updates += updates
        if isinstance(inputs, list) and not inputs:
            inputs = None
        uid = object_list_uid(inputs) if inputs is not None else None
        self._per_input_updates.setdefault(uid, [])
        self._per_input_updates[uid] += updates

    def get_updates_for(self, inputs):
        """The updates registered for the call on `inputs`.

        # Arguments
            inputs: the input tensor(s) given to `add_update`, or None for the updates that
                depend on no input.

        # Returns
            List of updates; empty when the layer is frozen and not stateful.
        """
        if not self.trainable and not self.stateful:
            return []
        uid = object_list_uid(inputs) if inputs is not None else None
        return self._per_input_updates.get(uid, [])

    def get_losses_for(self, inputs):
        """The losses registered for the call on `inputs`.

        # Arguments
            inputs: the input tensor(s) given to `add_loss`, or None for the losses that
                depend only on weights.

        # Returns
            List of loss tensors.
        """
        uid = object_list_uid(inputs) if inputs is not None else None
        return self._per_input_losses.get(uid, [])

    @property
    def losses(self):
        """Every loss tensor the layer registered (weight and activity regularisation)."""
        return self._losses

    @property
    def updates(self):
        """Every update the layer registered; empty when the layer is frozen and not stateful."""
        if not self.trainable and not self.stateful:
            return []
        return self._updates

    # ---------------------------------------------------------------- config
    def get_config(self):
        """The layer's constructor arguments, as a JSON-serialisable dict.

        Saving writes it into the model's config; `from_config` rebuilds the layer from
        it. Subclasses add their own arguments to the base dict.

        # Returns
            Dict of the layer's configuration.
        """
        config = {"name": self.name, "trainable": self.trainable}
        if hasattr(self, "batch_input_shape"):
            config["batch_input_shape"] = self.batch_input_shape
        if hasattr(self, "dtype"):
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        """Creates a layer from the dict `get_config` returned.

        # Arguments
            config: dict, the layer's configuration.

        # Returns
            A new layer instance (without weights: those come from the weight file).
        """
        return cls(**config)

    def count_params(self):
        """The number of scalars in the layer's weights, as `summary` reports them.

        # Returns
            Integer.

        # Raises
            RuntimeError: when the layer is not built yet, since its weights do not exist.
        """
        if not self.built:
            if self.__class__.__name__ == "Sequential":
                self.build()
            else:
                raise RuntimeError("You tried to call `count_params` on " + self.name + ", but the layer "
                                   "isn't built. You can build it manually via: `" + self.name +
                                   ".build(batch_input_shape)`.")
        return int(sum(K.count_params(p) for p in self.weights))
