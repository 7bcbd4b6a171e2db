"""Core layers: Dense, Activation, Dropout and its spatial variants, Flatten, Reshape,
Permute, RepeatVector, Lambda, ActivityRegularization, Masking."""
import copy
import types as python_types

import numpy as np

from keralite import backend as K
from keralite import activations, initializers, regularizers, constraints
from keralite.engine.base_layer import Layer, InputSpec
from keralite.utils.generic_utils import func_dump, func_load, deserialize_keras_object, has_arg

from .legacy import dense_support, dropout_support, legacy_support

# Keras 1 named the rate `p` (and the data format `dim_ordering`) for spatial dropout too
spatial_dropout1d_support = legacy_support("SpatialDropout1D", [("p", "rate")], positional=("rate",))
spatial_dropout_nd_support = legacy_support(
    "SpatialDropout2D", [("p", "rate"), ("dim_ordering", "data_format")],
    value_renames={"data_format": {"tf": "channels_last", "th": "channels_first", "default": None}},
    positional=("rate",))


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`.

    Padded sequences carry filler steps; this layer marks them so that the layers that
    read masks downstream (RNNs, losses through sample weights) skip them instead of
    learning from padding.

    # Arguments
        mask_value: the filler value; a step is masked when every feature equals it.

    # Input shape
        nD tensor `(batch_size, steps, ...)`.

    # Output shape
        Same as the input; the mask travels alongside.
    """

    def __init__(self, mask_value=0., **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return K.any(K.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = K.any(K.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * K.cast(keep, K.dtype(inputs))

    def get_config(self):
        config = {"mask_value": self.mask_value}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 during training and scales the rest by
    `1 / (1 - rate)`.

    The scaling keeps the expected activation unchanged, so the layer is the identity
    at test time and inference needs no correction. Random dropping keeps units from
    relying on each other, which reduces overfitting.

    # Arguments
        rate: float in [0, 1], the fraction of inputs to drop; values outside are
            clipped into that range.
        noise_shape: None or a shape tuple; axes of size 1 share one draw, e.g.
            `(batch_size, 1, features)` drops the same features at every time step.
        seed: integer seed of the random draws, for repeatable runs.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """

    @dropout_support
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = min(1., max(0., rate))
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return self.noise_shape
        symbolic_shape = K.shape(inputs)
        return [symbolic_shape[axis] if shape is None else shape for axis, shape in enumerate(self.noise_shape)]

    def call(self, inputs, training=None):
        if 0. < self.rate < 1.:
            noise_shape = self._get_noise_shape(inputs)

            def dropped_inputs():
                return K.dropout(inputs, self.rate, noise_shape, seed=self.seed)
            return K.in_train_phase(dropped_inputs, inputs, training=training)
        return inputs

    def get_config(self):
        config = {"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class SpatialDropout1D(Dropout):
    """Drops whole feature maps of `(batch, steps, channels)` inputs.

    Neighbouring steps of a convolution's output are strongly correlated, so dropping
    single values regularises little; dropping a channel at every step at once does.

    # Arguments
        rate: float in [0, 1], the fraction of channels to drop.

    # Input shape
        3D tensor `(batch_size, steps, channels)`.

    # Output shape
        Same as the input.
    """

    @spatial_dropout1d_support
    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _get_noise_shape(self, inputs):
        input_shape = K.shape(inputs)
        return (input_shape[0], 1, input_shape[2])


class _SpatialDropout(Dropout):
    """Drops whole feature maps: one draw per channel, shared over the `rank` spatial axes."""
    rank = None

    @spatial_dropout_nd_support
    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        data_format = data_format or K.image_data_format()
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError("`data_format` must be in {`\"channels_last\"`, `\"channels_first\"`}")
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _get_noise_shape(self, inputs):
        s = K.shape(inputs)
        spatial = (1,) * self.rank
        if self.data_format == "channels_first":
            return (s[0], s[1]) + spatial
        return (s[0],) + spatial + (s[self.rank + 1],)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops whole 2D feature maps: one draw per channel, shared over rows and cols.

    The image counterpart of SpatialDropout1D, for the outputs of 2D convolutions.

    # Arguments
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: `"channels_last"` or `"channels_first"`, telling which axis holds
            the channels; None reads `image_data_format` from the Keras config.

    # Raises
        ValueError: when `data_format` is neither of the two layouts.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        Same as the input.
    """
    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole 3D feature maps: one draw per channel, shared over the three spatial axes.

    # Arguments
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `image_data_format` from the Keras config.

    # Raises
        ValueError: when `data_format` is neither of the two layouts.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        Same as the input.
    """
    rank = 3


class Activation(Layer):
    """Applies an activation function to its input.

    Useful when the activation has to sit apart from the layer that computes the
    pre-activation, e.g. after a BatchNormalization.

    # Arguments
        activation: name of a function of `keralite.activations` (`"relu"`, ...) or any
            callable taking and returning a tensor.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = {"activation": activations.serialize(self.activation)}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class Reshape(Layer):
    """Reshapes the non-batch axes to `target_shape`.

    One entry of `target_shape` may be -1: its size is whatever makes the element
    count match, so the layer works whatever the input's spatial size.

    # Arguments
        target_shape: tuple of integers, the output shape without the batch axis.

    # Raises
        ValueError: (when the layer is called) for more than one -1, or when the
            element counts of input and target cannot match.

    # Input shape
        Any, with a known element count per sample.

    # Output shape
        `(batch_size,) + target_shape`.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _fix_unknown_dimension(self, input_shape, output_shape):
        output_shape = list(output_shape)
        msg = "total size of new array must be unchanged"
        known, unknown = 1, None
        for index, dim in enumerate(output_shape):
            if dim < 0:
                if unknown is None:
                    unknown = index
                else:
                    raise ValueError("Can only specify one unknown dimension.")
            else:
                known *= dim
        original = int(np.prod(input_shape, dtype=int))
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(msg)
            output_shape[unknown] = original // known
        elif original != known:
            raise ValueError(msg)
        return tuple(output_shape)

    def compute_output_shape(self, input_shape):
        if None in input_shape[1:]:
            # an input size known only at run time leaves the -1 unknown too
            return (input_shape[0],) + tuple(None if dim == -1 else dim for dim in self.target_shape)
        return (input_shape[0],) + self._fix_unknown_dimension(input_shape[1:], self.target_shape)

    def call(self, inputs):
        return K.reshape(inputs, (K.shape(inputs)[0],) + self.target_shape)

    def get_config(self):
        config = {"target_shape": self.target_shape}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class Permute(Layer):
    """Permutes the non-batch axes of its input.

    `dims` counts from 1, because axis 0 is the batch, which never moves:
    `Permute((2, 1))` swaps steps and features of a sequence.

    # Arguments
        dims: tuple of integers, a permutation of `1..ndim-1`.

    # Raises
        ValueError: when `dims` is not a permutation of consecutive indices from 1.

    # Input shape
        Any, of rank `len(dims) + 1`.

    # Output shape
        The input's shape with the non-batch axes reordered by `dims`.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation `dims` for Permute Layer: %s. The set of indices in `dims` "
                             "must be consecutive and start from 1." % (dims,))
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        input_shape = list(input_shape)
        output_shape = copy.copy(input_shape)
        for i, dim in enumerate(self.dims):
            output_shape[i + 1] = input_shape[dim]
        return tuple(output_shape)

    def call(self, inputs):
        return K.permute_dimensions(inputs, (0,) + self.dims)

    def get_config(self):
        config = {"dims": self.dims}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class Flatten(Layer):
    """Flattens each sample to one axis; the batch axis stays.

    The step between convolutional feature maps and Dense layers. With
    `channels_first` the input is first moved to channels_last order, so weights
    trained in either layout see the same feature order.

    # Arguments
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `image_data_format` from the Keras config.

    # Raises
        ValueError: (when called) if a non-batch axis of the input has unknown size.

    # Input shape
        nD tensor, n >= 3.

    # Output shape
        2D tensor `(batch_size, product of the other axes)`.
    """
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = InputSpec(min_ndim=3)
        self.data_format = data_format or K.image_data_format()

    def compute_output_shape(self, input_shape):
        if not all(input_shape[1:]):
            raise ValueError("The shape of the input to \"Flatten\" is not fully defined (got " +
                             str(input_shape[1:]) + ". Make sure to pass a complete \"input_shape\" or "
                             "\"batch_input_shape\" argument to the first layer in your model.")
        return (input_shape[0], int(np.prod(input_shape[1:])))

    def call(self, inputs):
        if self.data_format == "channels_first":
            permutation = [0] + list(range(2, K.ndim(inputs))) + [1]
            inputs = K.permute_dimensions(inputs, permutation)
        return K.batch_flatten(inputs)

    def get_config(self):
        config = {"data_format": self.data_format}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class RepeatVector(Layer):
    """Repeats a vector `n` times along a new time axis.

    Feeds one encoding to every step of a decoder RNN in sequence-to-sequence models.

    # Arguments
        n: integer, the number of repetitions.

    # Input shape
        2D tensor `(batch_size, features)`.

    # Output shape
        3D tensor `(batch_size, n, features)`.
    """
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return K.repeat(inputs, self.n)

    def get_config(self):
        config = {"n": self.n}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class Lambda(Layer):
    """Wraps an expression written with K as a layer.

    For a computation without weights that has no layer of its own. Saving stores the
    function's bytecode (as Keras does); loading it back runs that code, so
    `from_config` only does so with `safe_mode=False` or when the function's name is
    given in `custom_objects`.

    # Arguments
        function: callable taking the input tensor (or list of tensors) as its first
            argument and returning a tensor.
        output_shape: the output's shape without the batch axis, as a tuple, or a
            function from the input shape (batch axis included) to the output shape;
            None means the output shape is inferred by calling the function.
        mask: None, or a tensor or a function `(inputs, mask) -> mask` giving the
            output's mask.
        arguments: optional dict of keyword arguments passed to `function`.

    # Raises
        TypeError: when `output_shape` is neither a tuple, a list nor a callable.

    # Input shape
        Any.

    # Output shape
        Given by `output_shape`, or inferred.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments if arguments else {}
        if mask is not None:
            self.supports_masking = True
        self.mask = mask
        if output_shape is None:
            self._output_shape = None
        elif isinstance(output_shape, (tuple, list)):
            self._output_shape = tuple(output_shape)
        else:
            if not callable(output_shape):
                raise TypeError("In Lambda, `output_shape` must be a list, a tuple, or a function.")
            self._output_shape = output_shape

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            # infer by applying the function to placeholders of that shape
            if isinstance(input_shape, list):
                xs = [K.placeholder(shape=s) for s in input_shape]
                x = self.call(xs)
            else:
                x = self.call(K.placeholder(shape=input_shape))
            if isinstance(x, list):
                return [K.int_shape(t) for t in x]
            return K.int_shape(x)
        if isinstance(self._output_shape, (tuple, list)):
            if isinstance(input_shape, list):
                num_samples = input_shape[0][0]
            else:
                num_samples = input_shape[0] if input_shape else None
            return (num_samples,) + tuple(self._output_shape)
        shape = self._output_shape(input_shape)
        if not isinstance(shape, (list, tuple)):
            raise ValueError("`output_shape` function must return a tuple or a list of tuples.")
        if isinstance(shape, list) and shape and (isinstance(shape[0], int) or shape[0] is None):
            shape = tuple(shape)
        return shape

    def call(self, inputs, mask=None):
        arguments = dict(self.arguments)
        if has_arg(self.function, "mask"):
            arguments["mask"] = mask
        return self.function(inputs, **arguments)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        # Python functions (lambdas or not) are stored as bytecode, as Keras 2 does
        if isinstance(self.function, python_types.LambdaType):
            function = func_dump(self.function)
            function_type = "lambda"
        else:
            function = self.function.__name__
            function_type = "function"
        if isinstance(self._output_shape, python_types.LambdaType):
            output_shape = func_dump(self._output_shape)
            output_shape_type = "lambda"
        elif callable(self._output_shape):
            output_shape = self._output_shape.__name__
            output_shape_type = "function"
        else:
            output_shape = self._output_shape
            output_shape_type = "raw"
        config = {"function": function, "function_type": function_type, "output_shape": output_shape,
                  "output_shape_type": output_shape_type, "arguments": self.arguments}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from keralite.utils.generic_utils import get_custom_objects
        config = dict(config)
        if safe_mode is None:
            safe_mode = _LAMBDA_SAFE_MODE[-1]
        custom = dict(get_custom_objects())
        custom.update(custom_objects or {})
        globs = dict(globals())
        globs.update(custom)
        layer_name = config.get("name")
        function_type = config.pop("function_type", None)
        function_config = config["function"]
        if function_type == "function":
            function = deserialize_keras_object(function_config, custom_objects=custom,
                                                printable_module_name="function in Lambda layer")
        elif function_type == "lambda":
            stored_name = _stored_function_name(function_config)
            function = _custom_function(custom, layer_name, stored_name)
            if function is None:
                if safe_mode:
                    alias = (" (or under its function name %r)" % stored_name
                             if stored_name and stored_name != "<lambda>" else "")
                    raise ValueError("Lambda layer %r stores Python bytecode, and loading it would run code "
                                     "from the file. Pass safe_mode=False to load_model / model_from_json / "
                                     "model_from_yaml / model_from_config (only for files you trust), or "
                                     "give the function in custom_objects "
                                     "as {%r: function}%s." % (layer_name, layer_name, alias))
                function = _load_bytecode(function_config, globs, layer_name)
        else:
            raise TypeError("Unknown function type:", function_type)
        output_shape_type = config.pop("output_shape_type", None)
        if output_shape_type == "function":
            output_shape = deserialize_keras_object(config["output_shape"], custom_objects=custom,
                                                    printable_module_name="output_shape function in Lambda layer")
        elif output_shape_type == "lambda":
            stored_name = _stored_function_name(config["output_shape"])
            output_shape = _custom_function(custom, None, stored_name)
            if output_shape is None and not safe_mode:
                output_shape = _load_bytecode(config["output_shape"], globs, layer_name)
            # in safe mode, an output_shape given only as bytecode is inferred from the function
        else:
            output_shape = config.get("output_shape")
        if "arguments" in config:
            for key in config["arguments"]:
                if isinstance(config["arguments"][key], dict):
                    arg_dict = config["arguments"][key]
                    if "type" in arg_dict and arg_dict["type"] == "ndarray":
                        config["arguments"][key] = np.array(arg_dict["value"])
        config["function"] = function
        config["output_shape"] = output_shape
        return cls(**config)


# Whether Lambda.from_config refuses stored bytecode. Every path from a config to layers
# fails closed (as Keras 3 does): a config may have been read from a file, and running
# its bytecode would run code from that file. Callers that hold the live layer the config
# came from (clone_model) or that the user told to trust it (safe_mode=False) push False.
_LAMBDA_SAFE_MODE = [True]


class lambda_safe_mode:
    """`with lambda_safe_mode(True):` makes Lambda.from_config refuse stored bytecode
    (None keeps the setting in force)."""

    def __init__(self, safe_mode):
        self.safe_mode = _LAMBDA_SAFE_MODE[-1] if safe_mode is None else bool(safe_mode)

    def __enter__(self):
        _LAMBDA_SAFE_MODE.append(self.safe_mode)
        return self

    def __exit__(self, *exc_info):
        _LAMBDA_SAFE_MODE.pop()


def _stored_function_name(function_config):
    """The name of a function stored as func_dump bytecode, read without running it."""
    import codecs
    import marshal
    code = function_config[0] if isinstance(function_config, (list, tuple)) else function_config
    try:
        return marshal.loads(codecs.decode(code.encode("ascii"), "base64")).co_name
    except Exception:   # another Python's bytecode, or not bytecode at all
        return None


def _custom_function(custom_objects, layer_name, function_name):
    """A function the user supplied for a stored Lambda: by layer name, else by the
    stored function's own name."""
    for key in (layer_name, function_name):
        if key and key != "<lambda>" and callable(custom_objects.get(key)):
            return custom_objects[key]
    return None


def _load_bytecode(function_config, globs, layer_name):
    try:
        return func_load(function_config, globs=globs)
    except (ValueError, TypeError, EOFError) as exc:
        raise ValueError("Could not rebuild the function of Lambda layer %r from its stored bytecode (%s); "
                         "it may have been written by another Python version. Give the function in "
                         "custom_objects as {%r: function}." % (layer_name, exc, layer_name)) from None


class Dense(Layer):
    """A fully connected layer: `output = activation(dot(input, kernel) + bias)`.

    On inputs of rank above 2 the product runs over the last axis, so the same kernel
    is applied at every position of the other axes.

    # Arguments
        units: positive integer, the size of the output's last axis.
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the `kernel` weight matrix.
        bias_initializer: initializer of the bias vector.
        kernel_regularizer: regularizer applied to the kernel.
        bias_regularizer: regularizer applied to the bias.
        activity_regularizer: regularizer applied to the layer's output.
        kernel_constraint: constraint applied to the kernel after each update.
        bias_constraint: constraint applied to the bias after each update.

    # Input shape
        nD tensor `(batch_size, ..., input_dim)`; `input_dim=...` is accepted as a
        shorthand for `input_shape=(input_dim,)`, as in Keras.

    # Output shape
        nD tensor `(batch_size, ..., units)`.
    """

    @dense_support
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        if "input_shape" not in kwargs and "input_dim" in kwargs:
            kwargs["input_shape"] = (kwargs.pop("input_dim"),)
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        assert len(input_shape) >= 2
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        output = K.dot(inputs, self.kernel)
        if self.use_bias:
            output = K.bias_add(output, self.bias)
        if self.activation is not None:
            output = self.activation(output)
        return output

    def compute_output_shape(self, input_shape):
        assert input_shape and len(input_shape) >= 2
        assert input_shape[-1]
        output_shape = list(input_shape)
        output_shape[-1] = self.units
        return tuple(output_shape)

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


class ActivityRegularization(Layer):
    """Adds an L1/L2 penalty on its input to the model's loss and passes the input on.

    Encourages sparse or small activations at a chosen point of the network without
    changing the values that flow through it.

    # Arguments
        l1: float >= 0, the L1 factor.
        l2: float >= 0, the L2 factor.

    # Input shape
        Any.

    # Output shape
        Same as the input.
    """
    def __init__(self, l1=0., l2=0., **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)

    def get_config(self):
        config = {"l1": self.l1, "l2": self.l2}
        base = super().get_config()
        return dict(list(base.items()) + list(config.items()))


__all__ = ["Masking", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "Activation",
           "Reshape", "Permute", "Flatten", "RepeatVector", "Lambda", "Dense", "ActivityRegularization"]
