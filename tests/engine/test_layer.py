"""The Keras 2 Layer contract: build/call/compute_output_shape/compute_mask/config,
weights (add_weight with initializer, regularizer, constraint, trainable), losses and
updates, node accessors with Keras' errors, InputSpec checks, names, dtypes and the
input-shape arguments. References are numpy, or Keras 2.1.6's documented messages."""
import re

import numpy as np
import pytest

import keralite as keras
from keralite import backend as K
from keralite.engine import InputSpec, Layer
from keralite.layers import Dense, Input, Masking, Activation
from keralite.models import Model, Sequential

from engine_helpers import MyLayer


class CountingLayer(Layer):
    """Identity layer with a non-trainable counter bumped by an update on each training
    call, and an activity loss of 0.5 * sum(x) registered for its inputs."""

    def build(self, input_shape):
        self.counter = self.add_weight(name="counter", shape=(), initializer="zeros", trainable=False)
        super().build(input_shape)

    def call(self, inputs):
        self.add_update([K.update_add(self.counter, 1.0)], inputs)
        self.add_loss(0.5 * K.sum(inputs), inputs)
        return inputs * 1.0


def test_custom_layer_from_the_docs_predicts_x_dot_kernel():
    inputs = Input(shape=(3,))
    layer = MyLayer(4)
    outputs = layer(inputs)
    assert K.int_shape(outputs) == (None, 4)
    assert layer.built and len(layer.weights) == 1 and layer.trainable_weights == layer.weights
    assert layer.weights[0].name.split(":")[0] == layer.name + "/kernel"
    assert (layer.input_shape, layer.output_shape) == ((None, 3), (None, 4))
    model = Model(inputs, outputs)
    x = np.random.RandomState(0).rand(5, 3).astype("float32")
    kernel = layer.get_weights()[0]
    assert kernel.shape == (3, 4) and np.all(np.abs(kernel) <= 0.05)   # 'uniform' is U(-0.05, 0.05)
    np.testing.assert_allclose(model.predict(x), x @ kernel, rtol=1e-5, atol=1e-6)


def test_weight_named_under_layer_scope_when_built_by_hand():
    layer = Dense(2, name="by_hand")
    layer.build((None, 3))
    assert [w.name.split(":")[0] for w in layer.weights] == ["by_hand/kernel", "by_hand/bias"]


def test_add_weight_initializer_regularizer_constraint_and_trainable():
    class Weighted(Layer):
        def build(self, input_shape):
            self.scale = self.add_weight("scale", (input_shape[-1],), initializer=keras.initializers.Constant(-2.0),
                                         regularizer=keras.regularizers.l2(0.25),
                                         constraint=keras.constraints.non_neg())
            self.offset = self.add_weight("offset", (2, input_shape[-1]), initializer="ones", trainable=False)
            super().build(input_shape)

        def call(self, x):
            return x * self.scale + self.offset[0]

    layer = Weighted()
    layer.build((None, 3))
    np.testing.assert_array_equal(K.get_value(layer.scale), [-2.0] * 3)
    assert layer.trainable_weights == [layer.scale]
    assert layer.non_trainable_weights == [layer.offset]
    assert layer.weights == [layer.scale, layer.offset]
    # the regulariser is a loss of 0.25 * sum(scale ** 2)
    assert len(layer.losses) == 1
    np.testing.assert_allclose(K.eval(layer.losses[0]), 0.25 * 3 * 4.0, rtol=1e-6)
    # the constraint is applied by the optimizer after its step
    inputs = Input(shape=(3,))
    model = Model(inputs, layer(inputs))
    model.compile(keras.optimizers.SGD(lr=0.01), "mse")
    model.train_on_batch(np.ones((2, 3)), np.ones((2, 3)))
    np.testing.assert_array_equal(K.get_value(layer.scale), [0.0] * 3)
    np.testing.assert_array_equal(K.get_value(layer.offset), np.ones((2, 3)))


def test_updates_run_in_training_only_and_input_losses_reach_the_model():
    inputs = Input(shape=(3,))
    layer = CountingLayer()
    model = Model(inputs, layer(inputs))
    assert len(model.updates) == 1 and len(model.losses) == 1
    model.compile("sgd", "mse")
    x = np.full((4, 3), 0.5, dtype="float32")
    # total loss = mse (0 here: identity targets) + 0.5 * sum(x)
    loss = model.train_on_batch(x, x)
    np.testing.assert_allclose(loss, 0.5 * x.sum(), rtol=1e-6)
    model.train_on_batch(x, x)
    assert K.get_value(layer.counter) == 2.0
    model.predict(x)
    model.test_on_batch(x, x)
    assert K.get_value(layer.counter) == 2.0
    assert layer.get_updates_for(None) == [] and layer.get_losses_for(None) == []


def test_trainable_flag_moves_weights_between_lists():
    layer = Dense(2)
    layer.build((None, 3))
    assert len(layer.trainable_weights) == 2 and layer.non_trainable_weights == []
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert layer.weights == [layer.kernel, layer.bias]
    frozen = Dense(2, trainable=False)
    assert frozen.get_config()["trainable"] is False


def test_get_and_set_weights_with_keras_errors():
    layer = Dense(3)
    layer.build((None, 2))
    kernel = np.arange(6, dtype="float32").reshape(2, 3)
    layer.set_weights([kernel, np.array([1.0, 2.0, 3.0])])
    got = layer.get_weights()
    np.testing.assert_array_equal(got[0], kernel)
    np.testing.assert_array_equal(got[1], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r'You called `set_weights\(weights\)` on layer "' + layer.name +
                       r'" with a  weight list of length 1, but the layer was expecting 2 weights'):
        layer.set_weights([kernel])
    with pytest.raises(ValueError, match=re.escape("Layer weight shape (2, 3) not compatible with provided "
                                                   "weight shape (3, 2)")):
        layer.set_weights([kernel.T, np.zeros(3)])


def test_initial_weights_argument_is_loaded_at_build():
    kernel = np.array([[1.0, -1.0]], dtype="float32")
    layer = Dense(2, weights=[kernel, np.array([0.5, 0.25])])
    layer(Input(shape=(1,)))
    np.testing.assert_array_equal(layer.get_weights()[0], kernel)


def test_node_accessors_and_their_errors():
    fresh = Dense(2, name="fresh")
    with pytest.raises(AttributeError, match="Layer fresh is not connected, no input to return."):
        fresh.input
    with pytest.raises(AttributeError, match="Layer fresh has no inbound nodes."):
        fresh.output
    with pytest.raises(AttributeError, match="The layer has never been called and thus has no defined "
                                             "input shape."):
        fresh.input_shape
    with pytest.raises(AttributeError, match="The layer has never been called and thus has no defined "
                                             "output shape."):
        fresh.output_shape
    with pytest.raises(RuntimeError, match="The layer has never been called and thus has no defined input."):
        fresh.get_input_at(0)

    a, b = Input(shape=(3,)), Input(shape=(3,))
    shared = Dense(4, name="shared_acc")
    out_a, out_b = shared(a), shared(b)
    assert shared.get_input_at(0) is a and shared.get_input_at(1) is b
    assert shared.get_output_at(1) is out_b and shared.get_output_at(0) is out_a
    assert shared.get_input_shape_at(1) == (None, 3) and shared.get_output_shape_at(0) == (None, 4)
    assert shared.input_shape == (None, 3) and shared.output_shape == (None, 4)
    assert shared.get_input_mask_at(0) is None and shared.get_output_mask_at(1) is None
    with pytest.raises(AttributeError, match='Layer shared_acc has multiple inbound nodes, hence the notion of '
                                             '"layer input" is ill-defined. Use `get_input_at'):
        shared.input
    with pytest.raises(AttributeError, match='"layer output" is ill-defined. Use `get_output_at'):
        shared.output
    with pytest.raises(AttributeError, match='"layer input mask" is ill-defined'):
        shared.input_mask
    with pytest.raises(ValueError, match="Asked to get output shape at node 2, but the layer has only 2 "
                                         "inbound nodes."):
        shared.get_output_shape_at(2)

    varied = Dense(4, name="varied")
    varied(Input(shape=(3,)))
    varied(Input(shape=(5, 3)))
    with pytest.raises(AttributeError, match='The layer "varied has multiple inbound nodes, with different '
                                             'input shapes'):
        varied.input_shape
    with pytest.raises(AttributeError, match='The layer "varied" has multiple inbound nodes, with different '
                                             'output shapes'):
        varied.output_shape


class Spec(Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec


@pytest.mark.parametrize("spec, shape, dtype, message", [
    (InputSpec(ndim=3), (4,), "float32", "Input 0 is incompatible with layer spec_l: expected ndim=3, found ndim=2"),
    (InputSpec(min_ndim=3), (4,), "float32", "expected min_ndim=3, found ndim=2"),
    (InputSpec(max_ndim=2), (4, 2, 5), "float32", "expected max_ndim=2, found ndim=4"),
    (InputSpec(axes={-1: 5}), (4, 2), "float32",
     "expected axis -1 of input shape to have value 5 but got shape (None, 4, 2)"),
    (InputSpec(shape=(None, 4, 3)), (4, 2), "float32",
     "expected shape=(None, 4, 3), found shape=(None, 4, 2)"),
    (InputSpec(dtype="int32"), (4, 2), "float32", "expected dtype=int32, found dtype=float32"),
])
def test_input_spec_errors(spec, shape, dtype, message):
    x = Input(shape=shape, dtype=dtype)
    with pytest.raises(ValueError, match=re.escape(message)):
        Spec(spec, name="spec_l")(x)


def test_input_spec_passes_and_counts_inputs():
    Spec(InputSpec(ndim=3, axes={2: 2}))(Input(shape=(4, 2)))
    two = Spec([InputSpec(ndim=2), InputSpec(ndim=2)], name="two_in")
    with pytest.raises(ValueError, match="Layer two_in expects 2 inputs, but it received 1 input tensors."):
        two(Input(shape=(3,)))


def test_calling_a_layer_on_a_numpy_array_is_an_error():
    with pytest.raises(ValueError, match="Layer numpy_in was called with an input that isn't a symbolic tensor. "
                                         "Received type: <class 'numpy.ndarray'>"):
        Dense(2, name="numpy_in")(np.ones((2, 3)))


def test_masking_support():
    inputs = Input(shape=(4, 3))
    masked = Masking(0.0)(inputs)
    assert masked._keras_mask is not None
    assert Activation("relu")(masked)._keras_mask is not None   # supports_masking passes it on
    with pytest.raises(TypeError, match="Layer no_mask does not support masking, but was passed an input_mask"):
        Spec(None, name="no_mask")(masked)
    assert Layer().compute_mask(inputs, None) is None


def test_unique_names_and_name_argument():
    first, second = Dense(2), Dense(2)
    number = int(first.name.split("_")[-1])
    assert first.name == "dense_%d" % number and second.name == "dense_%d" % (number + 1)
    assert MyLayer(2).name.startswith("my_layer_")
    assert Dense(2, name="given").name == "given"
    inputs = Input(shape=(3,))
    with pytest.raises(RuntimeError, match='The name "twice" is used 2 times in the model'):
        Model(inputs, Dense(2, name="twice")(Dense(3, name="twice")(inputs)))


def test_unknown_keyword_argument():
    with pytest.raises(TypeError, match="Keyword argument not understood:.*not_an_arg"):
        Dense(2, not_an_arg=1)


def test_input_shape_arguments_and_dtype():
    assert Dense(2, input_shape=(3,)).batch_input_shape == (None, 3)
    assert Dense(2, input_dim=5).batch_input_shape == (None, 5)
    assert Dense(2, input_shape=(3,), batch_size=7).batch_input_shape == (7, 3)
    assert Dense(2, batch_input_shape=(4, 6)).batch_input_shape == (4, 6)
    assert not hasattr(Dense(2), "batch_input_shape")
    assert Dense(2).dtype == K.floatx() and Dense(2, dtype="float64").dtype == "float64"
    model = Sequential([Dense(2, input_shape=(3,), batch_size=7, dtype="float32")])
    assert model.layers[0].input_shape == (7, 3)
    assert K.dtype(model.inputs[0]) == "float32"
    assert K.int_shape(Input(batch_shape=(5, 2), dtype="int32")) == (5, 2)
    assert K.dtype(Input(shape=(2,), dtype="int32")) == "int32"


def test_config_round_trip_and_count_params():
    layer = MyLayer(3, name="mine", trainable=False)
    config = layer.get_config()
    assert config == {"name": "mine", "trainable": False, "dtype": K.floatx()}
    dense = Dense(4, input_shape=(2,), activation="relu", name="d_conf")
    clone = Dense.from_config(dense.get_config())
    assert clone.get_config() == dense.get_config()
    assert clone.batch_input_shape == (None, 2)
    with pytest.raises(RuntimeError, match="You tried to call `count_params` on d_conf, but the layer isn't "
                                           "built"):
        dense.count_params()
    dense.build((None, 2))
    assert dense.count_params() == 2 * 4 + 4


def test_build_from_keras_history_shapes_and_compute_output_shape():
    inputs = Input(shape=(6, 2))
    layer = Dense(5)
    outputs = layer(inputs)
    assert layer.compute_output_shape((None, 6, 2)) == (None, 6, 5)
    assert outputs._keras_shape == (None, 6, 5)
    assert outputs._keras_history == (layer, 0, 0)
    assert layer.input is inputs and layer.output is outputs
    assert Layer().compute_output_shape((3, 4)) == (3, 4)


def test_keras20_add_weight_order_and_keras1_output_shape_method_warn():
    class Keras20(Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1], 2), "ones", "w")
            super().build(input_shape)

        def call(self, x):
            return K.dot(x, self.w)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], 2)

    layer = Keras20(name="k20")
    with pytest.warns(UserWarning, match=re.escape("Update your `add_weight` call to the Keras 2 API: "
                                                   "`add_weight(shape=(3, 2), initializer='ones', name='w')`")):
        layer.build((None, 3))
    assert layer.w.name.split(":")[0] == "k20/w"
    np.testing.assert_array_equal(K.get_value(layer.w), np.ones((3, 2)))

    class Keras1(Layer):
        def get_output_shape_for(self, input_shape):
            return input_shape

    with pytest.warns(UserWarning, match="defines `get_output_shape_for` but does not override "
                                         "`compute_output_shape`"):
        Keras1()(Input(shape=(2,)))
