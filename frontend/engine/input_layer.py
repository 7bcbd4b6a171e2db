"""InputLayer and Input(): the entry points of a functional model."""
from .. import backend as K
from .base_layer import Layer
from .node import Node


class InputLayer(Layer):
    """The layer at the start of a functional model: it holds a placeholder (or wraps an
    existing tensor) that data is fed into.

    Users rarely create it directly: `Input()` does, and a Sequential model creates
    one from its first layer's `input_shape`.

    # Arguments
        input_shape: shape tuple without the batch axis.
        batch_size: optional fixed batch size (stateful RNNs need one).
        batch_input_shape: shape tuple with the batch axis; give it or `input_shape`,
            not both.
        dtype: the placeholder's dtype; None means `K.floatx()` (or the dtype of
            `input_tensor`).
        input_tensor: an existing tensor to start the model from instead of a new
            placeholder.
        sparse: whether the placeholder is meant for sparse data.
        name: the layer's name; derived from "input" when omitted.
        **kwargs: config keys written by other Keras versions (`input_dtype`,
            `batch_shape`, `ragged`, `optional`).

    # Raises
        ValueError: when neither or both of `input_shape` and `batch_input_shape` are
            given, or when the shape of `input_tensor` cannot be read.
        NotImplementedError: for `ragged=True` or `optional=True`, which keralite
            has no tensors for.
        TypeError: for another unknown keyword argument.
    """

    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None,
                 dtype=None, input_tensor=None, sparse=False, name=None, **kwargs):
        batch_input_shape, dtype = _newer_config_arguments(kwargs, batch_input_shape, dtype)
        if not name:
            prefix = "input"
            name = prefix + "_" + str(K.get_uid(prefix))
        super().__init__(dtype=dtype, name=name)
        self.trainable = False
        self.built = True
        self.sparse = sparse
        if input_shape and batch_input_shape:
            raise ValueError("Only provide the input_shape OR batch_input_shape argument to "
                             "InputLayer, not both at the same time.")
        if input_tensor is not None and batch_input_shape is None:
            try:
                batch_input_shape = K.int_shape(input_tensor)
            except TypeError:
                if not input_shape and not batch_input_shape:
                    raise ValueError("InputLayer was provided an input_tensor argument, but its input "
                                     "shape cannot be automatically inferred. You should pass an "
                                     "input_shape or batch_input_shape argument.")
        if not batch_input_shape:
            if not input_shape:
                raise ValueError("An Input layer should be passed either a `batch_input_shape` or an "
                                 "`input_shape`.")
            batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            batch_input_shape = tuple(batch_input_shape)
        if not dtype:
            dtype = K.floatx() if input_tensor is None else K.dtype(input_tensor)
        self.batch_input_shape = batch_input_shape
        self.dtype = dtype
        if input_tensor is None:
            self.is_placeholder = True
            input_tensor = K.placeholder(shape=batch_input_shape, dtype=dtype, sparse=self.sparse, name=self.name)
        else:
            self.is_placeholder = False
            input_tensor._keras_shape = batch_input_shape
        input_tensor._uses_learning_phase = False
        input_tensor._keras_history = (self, 0, 0)
        Node(self, inbound_layers=[], node_indices=[], tensor_indices=[],
             input_tensors=[input_tensor], output_tensors=[input_tensor],
             input_masks=[None], output_masks=[None],
             input_shapes=[batch_input_shape], output_shapes=[batch_input_shape])

    def get_config(self):
        """The layer's configuration: its batch input shape, dtype, sparsity and name.

        # Returns
            Dict of the configuration.
        """
        return {"batch_input_shape": self.batch_input_shape, "dtype": self.dtype,
                "sparse": self.sparse, "name": self.name}


def _newer_config_arguments(kwargs, batch_input_shape, dtype):
    """Accept the InputLayer config keys of other Keras 2 versions: `input_dtype`
    (Keras 1), `batch_shape`, `ragged` and `optional` (newer Keras)."""
    kwargs = dict(kwargs)
    if "input_dtype" in kwargs:
        dtype = dtype or kwargs.pop("input_dtype")
        kwargs.pop("input_dtype", None)
    if "batch_shape" in kwargs:
        batch_shape = kwargs.pop("batch_shape")
        batch_input_shape = batch_input_shape or (tuple(batch_shape) if batch_shape is not None else None)
    if kwargs.pop("ragged", False):
        raise NotImplementedError("keralite has no ragged tensors: InputLayer(ragged=True) is not supported")
    if kwargs.pop("optional", False):
        raise NotImplementedError("keralite does not support optional inputs (InputLayer(optional=True))")
    for kwarg in kwargs:
        raise TypeError("Keyword argument not understood:", kwarg)
    return batch_input_shape, dtype


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None):
    """Creates a Keras tensor to start a functional model from: `x = Input(shape=(32,))`.

    A Keras tensor carries its shape and the layer that made it, which is what lets
    `Model(inputs, outputs)` find the graph between them.

    # Arguments
        shape: shape tuple without the batch axis; `(32,)` means batches of
            32-vectors. Entries may be None for sizes that vary.
        batch_shape: shape tuple with the batch axis, for a fixed batch size.
        name: optional name of the input layer (unique within the model).
        dtype: the data's dtype; None means `K.floatx()`.
        sparse: whether the placeholder is meant for sparse data.
        tensor: an existing tensor to wrap instead of a new placeholder.

    # Returns
        A tensor (a list of tensors if the wrapped input has several).

    # Raises
        ValueError: when neither `shape`, `batch_shape` nor `tensor` is given.
    """
    if not batch_shape and tensor is None:
        if shape is None:
            raise ValueError("Please provide to Input either a `shape` or a `batch_shape` argument. "
                             "Note that `shape` does not include the batch dimension.")
    if shape is not None and not batch_shape:
        batch_shape = (None,) + tuple(shape)
    if not dtype:
        dtype = K.floatx()
    input_layer = InputLayer(batch_input_shape=batch_shape, name=name, dtype=dtype,
                             sparse=sparse, input_tensor=tensor)
    outputs = input_layer._inbound_nodes[0].output_tensors
    return outputs[0] if len(outputs) == 1 else outputs
