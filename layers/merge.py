"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
and their functional forms (add, subtract, ..., dot)."""
from keralite import backend as K
from keralite.engine.base_layer import Layer


class _Merge(Layer):
    """An elementwise merge of two or more inputs.

    Inputs of different ranks are broadcast against each other on their trailing axes:
    the lower-rank ones get size-1 axes inserted after the batch axis.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._reshape_required = False

    def _merge_function(self, inputs):
        raise NotImplementedError

    def _compute_elemwise_op_output_shape(self, shape1, shape2):
        """The broadcast of two shapes (batch axis excluded), aligned on trailing axes;
        None when either is unknown."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return self._compute_elemwise_op_output_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        output_shape = list(shape1[:len(shape1) - len(shape2)])
        for dim1, dim2 in zip(shape1[len(shape1) - len(shape2):], shape2):
            if dim1 is None or dim2 is None:
                output_shape.append(None)
            elif dim1 == 1:
                output_shape.append(dim2)
            elif dim2 == 1 or dim1 == dim2:
                output_shape.append(dim1)
            else:
                raise ValueError("Operands could not be broadcast together with shapes " +
                                 str(shape1) + " " + str(shape2))
        return tuple(output_shape)

    def _merged_shape(self, input_shape):
        """The broadcast of every input's shape without its batch axis."""
        output_shape = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            shape = None if shape is None else tuple(shape[1:])
            output_shape = self._compute_elemwise_op_output_shape(output_shape, shape)
        return output_shape

    def build(self, input_shape):
        # only validates the shapes: merge layers have no weights
        if not isinstance(input_shape, list):
            raise ValueError("A merge layer should be called on a list of inputs.")
        if len(input_shape) < 2:
            raise ValueError("A merge layer should be called on a list of at least 2 inputs. "
                             "Got " + str(len(input_shape)) + " inputs.")
        batch_sizes = {shape[0] for shape in input_shape if shape is not None} - {None}
        if len(batch_sizes) > 1:
            raise ValueError("Can not merge tensors with different batch sizes. "
                             "Got tensors with shapes : " + str(input_shape))
        self._merged_shape(input_shape)
        ranks = {len(shape) for shape in input_shape if shape is not None}
        self._reshape_required = None in input_shape or len(ranks) != 1
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs.")
        if not self._reshape_required:
            return self._merge_function(inputs)
        max_ndim = max(K.ndim(x) for x in inputs)
        broadcastable = []
        for x in inputs:
            for _ in range(max_ndim - K.ndim(x)):
                x = K.expand_dims(x, 1)
            broadcastable.append(x)
        return self._merge_function(broadcastable)

    def compute_output_shape(self, input_shape):
        output_shape = self._merged_shape(input_shape)
        batch_sizes = {shape[0] for shape in input_shape if shape is not None} - {None}
        batch_size = batch_sizes.pop() if len(batch_sizes) == 1 else None
        if output_shape is None:
            return None
        return (batch_size,) + output_shape

    def compute_mask(self, inputs, mask=None):
        """An output step is kept only where every masked input keeps it."""
        if mask is None:
            return None
        if not isinstance(mask, list):
            raise ValueError("`mask` should be a list.")
        if not isinstance(inputs, list):
            raise ValueError("`inputs` should be a list.")
        if len(mask) != len(inputs):
            raise ValueError("The lists `inputs` and `mask` should have the same length.")
        given = [m for m in mask if m is not None]
        if not given:
            return None
        stacked = K.concatenate([K.expand_dims(m, 0) for m in given], axis=0)
        return K.all(stacked, axis=0, keepdims=False)


class Add(_Merge):
    """The sum of its inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(_Merge):
    """inputs[0] - inputs[1]."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """The elementwise product of its inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output


class Average(_Merge):
    """The elementwise mean of its inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


class Maximum(_Merge):
    """The elementwise maximum of its inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = K.maximum(output, x)
        return output


class Minimum(_Merge):
    """The elementwise minimum of its inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = K.minimum(output, x)
        return output


class Concatenate(_Merge):
    """Joins its inputs along `axis`; every other axis must match.

    The usual way to merge the branches of an Inception block or the features of two
    input streams.

    # Arguments
        axis: the axis to join along (default: the last one).
        **kwargs: standard layer arguments.

    # Input shape
        A list of at least 2 tensors, equal except along `axis`.

    # Output shape
        The common shape, with the sizes along `axis` summed.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError("A `Concatenate` layer should be called on a list of at least 2 inputs")
        if all(shape is None for shape in input_shape):
            return
        others = set()
        for shape in input_shape:
            shape = list(shape)
            del shape[self.axis]
            others.add(tuple(shape))
        if len(others) > 1:
            raise ValueError("A `Concatenate` layer requires inputs with matching shapes except for the "
                             "concat axis. Got inputs shapes: %s" % (input_shape,))
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, list):
            raise ValueError("A `Concatenate` layer should be called on a list of inputs.")
        return K.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError("A `Concatenate` layer should be called on a list of inputs.")
        output_shape = list(input_shape[0])
        for shape in input_shape[1:]:
            if output_shape[self.axis] is None or shape[self.axis] is None:
                output_shape[self.axis] = None
                break
            output_shape[self.axis] += shape[self.axis]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        """The inputs' masks (all-true for unmasked inputs) joined along `axis`, then kept
        where every feature is kept."""
        if mask is None:
            return None
        if not isinstance(mask, list):
            raise ValueError("`mask` should be a list.")
        if not isinstance(inputs, list):
            raise ValueError("`inputs` should be a list.")
        if len(mask) != len(inputs):
            raise ValueError("The lists `inputs` and `mask` should have the same length.")
        if all(m is None for m in mask):
            return None
        full_masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                full_masks.append(K.ones_like(x, dtype="bool"))
            elif K.ndim(m) < K.ndim(x):
                full_masks.append(K.expand_dims(m))
            else:
                full_masks.append(m)
        joined = K.concatenate(full_masks, axis=self.axis)
        return K.all(joined, axis=-1, keepdims=False)

    def get_config(self):
        config = {"axis": self.axis}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class Dot(_Merge):
    """The per-sample dot product of two inputs over the given axes.

    With `normalize=True` the inputs are L2-normalised first, so the output is their
    cosine similarity, as siamese and word2vec-style models use.

    # Arguments
        axes: integer or tuple of 2 integers, the axis (or one axis per input) to
            contract over.
        normalize: whether to L2-normalise the inputs along `axes` before the product.
        **kwargs: standard layer arguments.

    # Raises
        TypeError: when `axes` is neither an integer, a list nor a tuple.
        ValueError: when `axes` is a sequence of other than 2 integers.

    # Input shape
        A list of 2 tensors.

    # Output shape
        The remaining axes of both inputs, concatenated; `(batch_size, 1)` when both
        inputs are 2D.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError("Invalid type for `axes` - should be a list or an int.")
            if len(axes) != 2:
                raise ValueError("Invalid format for `axes` - should contain two elements.")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError('Invalid format for `axes` - list elements should be "int".')
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _axes_for(self, rank1, rank2):
        """Non-negative axes of both inputs."""
        if isinstance(self.axes, int):
            axes = [self.axes, self.axes]
        else:
            axes = list(self.axes)
        return [axis % rank if axis < 0 else axis for axis, rank in zip(axes, (rank1, rank2))]

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs.")
        shape1, shape2 = input_shape
        if shape1 is None or shape2 is None:
            return
        axes = self._axes_for(len(shape1), len(shape2))
        if shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError("Dimension incompatibility %s != %s. " % (shape1[axes[0]], shape2[axes[1]]) +
                             "Layer shapes: %s, %s" % (shape1, shape2))
        self.built = True

    def call(self, inputs):
        x1, x2 = inputs[0], inputs[1]
        axes = self._axes_for(K.ndim(x1), K.ndim(x2))
        if self.normalize:
            x1 = K.l2_normalize(x1, axis=axes[0])
            x2 = K.l2_normalize(x2, axis=axes[1])
        return K.batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs.")
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._axes_for(len(shape1), len(shape2))
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = {"axes": self.axes, "normalize": self.normalize}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


def add(inputs, **kwargs):
    """Functional shortcut for `Add()(inputs)`: the element-wise sum of a list of tensors.

    Saves building the layer by hand in functional models; the layer still appears in
    the model (and in its saved config) like any other.

    # Arguments
        inputs: list of at least 2 tensors of the same shape (batch axes may differ
            only by broadcasting, as in Keras).
        **kwargs: layer arguments such as `name`.

    # Returns
        A tensor, the element-wise sum of the inputs.
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional shortcut for `Subtract()(inputs)`: the first tensor minus the second.

    # Arguments
        inputs: list of exactly 2 tensors of the same shape.
        **kwargs: layer arguments such as `name`.

    # Returns
        A tensor, `inputs[0] - inputs[1]`.
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional shortcut for `Multiply()(inputs)`: the element-wise product of a list of tensors.

    Saves building the layer by hand in functional models; the layer still appears in
    the model (and in its saved config) like any other.

    # Arguments
        inputs: list of at least 2 tensors of the same shape (batch axes may differ
            only by broadcasting, as in Keras).
        **kwargs: layer arguments such as `name`.

    # Returns
        A tensor, the element-wise product of the inputs.
    """
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional shortcut for `Average()(inputs)`: the element-wise mean of a list of tensors.

    Saves building the layer by hand in functional models; the layer still appears in
    the model (and in its saved config) like any other.

    # Arguments
        inputs: list of at least 2 tensors of the same shape (batch axes may differ
            only by broadcasting, as in Keras).
        **kwargs: layer arguments such as `name`.

    # Returns
        A tensor, the element-wise mean of the inputs.
    """
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional shortcut for `Maximum()(inputs)`: the element-wise maximum of a list of tensors.

    Saves building the layer by hand in functional models; the layer still appears in
    the model (and in its saved config) like any other.

    # Arguments
        inputs: list of at least 2 tensors of the same shape (batch axes may differ
            only by broadcasting, as in Keras).
        **kwargs: layer arguments such as `name`.

    # Returns
        A tensor, the element-wise maximum of the inputs.
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional shortcut for `Minimum()(inputs)`: the element-wise minimum of a list of tensors.

    Saves building the layer by hand in functional models; the layer still appears in
    the model (and in its saved config) like any other.

    # Arguments
        inputs: list of at least 2 tensors of the same shape (batch axes may differ
            only by broadcasting, as in Keras).
        **kwargs: layer arguments such as `name`.

    # Returns
        A tensor, the element-wise minimum of the inputs.
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional shortcut for `Concatenate(axis)(inputs)`.

    # Arguments
        inputs: list of at least 2 tensors whose shapes match except along `axis`.
        axis: the axis to join along (default: the last one).
        **kwargs: layer arguments such as `name`.

    # Returns
        A tensor, the inputs joined along `axis`.
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional shortcut for `Dot(axes, normalize)(inputs)`.

    # Arguments
        inputs: list of 2 tensors.
        axes: integer or tuple of 2 integers, the axis (or one axis per input) to
            contract over.
        normalize: whether to L2-normalise both inputs along `axes` first, which turns
            the dot product into a cosine similarity.
        **kwargs: layer arguments such as `name`.

    # Returns
        A tensor, the per-sample dot product.
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]
