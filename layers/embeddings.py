"""Embedding: integer indices -> rows of a trainable (input_dim, output_dim) matrix."""
import warnings

from keralite import backend as K
from keralite import initializers, regularizers, constraints
from keralite.engine.base_layer import Layer

from .legacy import legacy_support


def _drop_keras1_dropout(args, kwargs):
    """Keras 1's `dropout` argument is gone: it is dropped with a warning."""
    if "dropout" in kwargs:
        kwargs.pop("dropout")
        warnings.warn("The `dropout` argument is no longer support in `Embedding`. You can apply a "
                      "`keras.layers.SpatialDropout1D` layer right after the `Embedding` layer to get "
                      "the same behavior.", stacklevel=3)
    return args, kwargs, []


embedding_support = legacy_support(
    "Embedding",
    [("init", "embeddings_initializer"), ("W_regularizer", "embeddings_regularizer"),
     ("W_constraint", "embeddings_constraint")],
    positional=("input_dim", "output_dim"),
    preprocessor=_drop_keras1_dropout)


class Embedding(Layer):
    """Turns integer indices `(batch, ...)` into dense vectors `(batch, ..., output_dim)`.

    A learned lookup table: the first layer of most text models, where one-hot inputs
    would be too wide. With `mask_zero`, index 0 is padding: the layer's mask is
    `inputs != 0`, so `input_dim` must count it (vocabulary size + 1). Its gradient only
    touches the rows that were looked up (the backend's gather differentiates to a
    scatter-add).

    # Arguments
        input_dim: integer > 0, the vocabulary size (largest index + 1).
        output_dim: integer >= 0, the length of each vector.
        embeddings_initializer: initializer of the `embeddings` table.
        embeddings_regularizer: regularizer of the table.
        activity_regularizer: regularizer of the layer's output.
        embeddings_constraint: constraint applied to the table after each update.
        mask_zero: whether index 0 is padding to be masked downstream (RNNs skip it).
        input_length: the length of the input sequences when it is fixed; needed to
            connect Flatten then Dense after the embedding, because their shapes
            must be known.

    # Input shape
        2D tensor `(batch_size, sequence_length)` of integer indices.

    # Output shape
        3D tensor `(batch_size, sequence_length, output_dim)`.
    """

    @embedding_support
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 **kwargs):
        if "input_shape" not in kwargs:
            if input_length:
                kwargs["input_shape"] = (input_length,)
            else:
                kwargs["input_shape"] = (None,)
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer, name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, dtype=self.dtype)
        self.built = True

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return K.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        if self.input_length is None:
            return tuple(input_shape) + (self.output_dim,)
        # input_length is a tuple for inputs of rank 3 and more
        if isinstance(self.input_length, (list, tuple)):
            lengths = list(self.input_length)
        else:
            lengths = [self.input_length]
        message = '"input_length" is %s, but received input has shape %s' % (self.input_length, input_shape)
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(message)
        for i, (given, actual) in enumerate(zip(lengths, input_shape[1:])):
            if given is not None and actual is not None and given != actual:
                raise ValueError(message)
            if given is None:
                lengths[i] = actual
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def call(self, inputs):
        if K.dtype(inputs) != "int32":
            inputs = K.cast(inputs, "int32")
        return K.gather(self.embeddings, inputs)

    def get_config(self):
        config = {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        }
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


__all__ = ["Embedding"]
