"""Functional models and Sequential: multiple inputs and outputs, shared layers, nested
models, mask propagation, layer access, summary, (de)serialisation to config, JSON and
YAML, custom objects. Predictions are checked against numpy from the layers' weights."""
import json
import re

import numpy as np
import pytest

import keralite as keras
from keralite import backend as K
from keralite.engine import Layer
from keralite.layers import Dense, Input, InputLayer, Activation, Masking, Dropout
from keralite.models import Model, Sequential, model_from_json, model_from_yaml, model_from_config
from keralite.utils import CustomObjectScope

RNG = np.random.RandomState(1234)


def dense_np(layer, x, activation=None):
    kernel, bias = layer.get_weights()
    y = x @ kernel + bias
    return np.maximum(y, 0) if activation == "relu" else y


def randomise(model):
    """Non-zero biases so that a swapped or missing bias shows."""
    model.set_weights([RNG.uniform(-1, 1, size=w.shape).astype("float32") for w in model.get_weights()])


class MaskedSum(Layer):
    """Sums the timesteps that the incoming mask keeps."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return K.sum(inputs, axis=1)
        return K.sum(inputs * K.expand_dims(K.cast(mask, K.floatx()), -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


class Scale(Layer):
    """A custom layer with a config argument, for the custom-object tests."""

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


# ------------------------------------------------------------------ a shared two-branch model
@pytest.fixture(scope="module")
def two_branch():
    """inputs a (3,) and b (5,); `shared` Dense(4) applied to a and to proj(b)."""
    a = Input(shape=(3,), name="a")
    b = Input(shape=(5,), name="b")
    shared = Dense(4, name="shared")
    proj = Dense(3, name="proj")
    out_a = shared(a)
    out_b = shared(proj(b))
    o1 = Dense(2, name="o1")(out_a)
    o2 = Activation("relu", name="o2")(out_b)
    model = Model([a, b], [o1, o2], name="two_branch")
    randomise(model)
    xa = RNG.rand(6, 3).astype("float32")
    xb = RNG.rand(6, 5).astype("float32")
    return model, xa, xb


def two_branch_reference(model, xa, xb):
    shared = model.get_layer("shared")
    y1 = dense_np(model.get_layer("o1"), dense_np(shared, xa))
    y2 = dense_np(shared, dense_np(model.get_layer("proj"), xb), "relu")
    return y1, y2


def test_multi_input_multi_output_predict(two_branch):
    model, xa, xb = two_branch
    y1, y2 = model.predict([xa, xb], batch_size=4)
    ref1, ref2 = two_branch_reference(model, xa, xb)
    np.testing.assert_allclose(y1, ref1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y2, ref2, rtol=1e-5, atol=1e-5)
    # inputs by name
    y1_named, _ = model.predict({"b": xb, "a": xa})
    np.testing.assert_allclose(y1_named, ref1, rtol=1e-5, atol=1e-5)


def test_structure_of_the_graph(two_branch):
    model = two_branch[0]
    assert model.input_names == ["a", "b"] and model.output_names == ["o1", "o2"]
    assert [layer.name for layer in model.layers] == ["b", "a", "proj", "shared", "o1", "o2"]
    assert [K.int_shape(x) for x in model.inputs] == [(None, 3), (None, 5)]
    assert model.input_shape == [(None, 3), (None, 5)]
    assert model.output_shape == [(None, 2), (None, 4)]
    shared = model.get_layer("shared")
    assert len(shared._inbound_nodes) == 2
    assert model.get_layer("o2").input._keras_history == (shared, 1, 0)
    assert model.get_layer("o1").input._keras_history == (shared, 0, 0)
    assert len(model.weights) == 6 and model.count_params() == (3 * 4 + 4) + (5 * 3 + 3) + (4 * 2 + 2)
    assert model.compute_output_shape([(None, 3), (None, 5)]) == [(None, 2), (None, 4)]


def test_get_layer(two_branch):
    model = two_branch[0]
    assert model.get_layer("proj") is model.layers[2]
    assert model.get_layer(index=3).name == "shared"
    with pytest.raises(ValueError, match="No such layer: missing"):
        model.get_layer("missing")
    with pytest.raises(ValueError, match="Was asked to retrieve layer at index 9 but model only has 6 layers."):
        model.get_layer(index=9)


def test_config_round_trip_keeps_shared_nodes(two_branch):
    model, xa, xb = two_branch
    config = model.get_config()
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["o1", 0, 0], ["o2", 0, 0]]
    by_name = {layer["name"]: layer for layer in config["layers"]}
    assert by_name["shared"]["inbound_nodes"] == [[["a", 0, 0, {}]], [["proj", 0, 0, {}]]]
    assert by_name["o2"]["inbound_nodes"] == [[["shared", 1, 0, {}]]]
    json.dumps(config)
    clone = Model.from_config(config)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    clone.set_weights(model.get_weights())
    for got, want in zip(clone.predict([xa, xb]), model.predict([xa, xb])):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_nested_model_called_on_new_tensors(two_branch):
    model, xa, xb = two_branch
    c, d = Input(shape=(3,)), Input(shape=(5,))
    first, second = model([c, d])
    assert K.int_shape(first) == (None, 2) and K.int_shape(second) == (None, 4)
    assert first._keras_history[0] is model and first._keras_history[1] == 1
    head = Dense(3, name="head")(second)
    outer = Model([c, d], [first, head])
    assert model in outer.layers and len(outer.weights) == 8
    ref1, ref2 = two_branch_reference(model, xa, xb)
    got1, got_head = outer.predict([xa, xb])
    np.testing.assert_allclose(got1, ref1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_head, dense_np(outer.get_layer("head"), ref2), rtol=1e-5, atol=1e-5)
    # the nested model survives JSON
    again = model_from_json(outer.to_json())
    assert [type(layer).__name__ for layer in again.layers] == ["InputLayer", "InputLayer", "Model", "Dense"]
    again.set_weights(outer.get_weights())
    for got, want in zip(again.predict([xa, xb]), [got1, got_head]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_graph_errors():
    a = Input(shape=(3,))
    b = Input(shape=(3,))
    c = Dense(2)(b)
    with pytest.raises(RuntimeError, match="Graph disconnected: cannot obtain value for tensor"):
        Model(a, c)
    with pytest.raises(ValueError, match="The list of inputs passed to the model is redundant"):
        Model([a, a], Dense(2)(a))
    with pytest.raises(TypeError, match="Input layers to a `Model` must be `InputLayer` objects"):
        with pytest.warns(UserWarning, match="inputs must come from `keras.layers.Input`"):
            Model(c, Dense(2)(c))


# ------------------------------------------------------------------ masks
def test_mask_from_masking_reaches_a_layer_that_uses_it():
    inputs = Input(shape=(4, 3))
    masked = Masking(mask_value=0.0)(inputs)
    dense = Dense(2, name="masked_dense")
    hidden = dense(masked)                      # Dense supports masking: the mask passes through
    assert hidden._keras_mask is not None
    outputs = MaskedSum()(hidden)
    model = Model(inputs, outputs)
    randomise(model)
    x = RNG.rand(5, 4, 3).astype("float32")
    x[0, 1] = 0.0
    x[3, 0] = 0.0
    x[3, 3] = 0.0
    keep = np.any(x != 0.0, axis=-1).astype("float32")
    reference = np.sum(dense_np(dense, x) * keep[..., None], axis=1)
    np.testing.assert_allclose(model.predict(x), reference, rtol=1e-5, atol=1e-5)
    # the same holds when the model is nested in another one (masks are recomputed inside)
    outer_in = Input(shape=(4, 3))
    outer = Model(outer_in, model(outer_in))
    np.testing.assert_allclose(outer.predict(x), reference, rtol=1e-5, atol=1e-5)
    assert dense.get_output_mask_at(0) is hidden._keras_mask


# ------------------------------------------------------------------ Sequential
def test_sequential_add_pop_and_layers():
    model = Sequential(name="seq_a")
    model.add(Dense(4, input_dim=3, name="s_first"))
    model.add(Activation("relu", name="s_act"))
    model.add(Dense(2, name="s_last"))
    assert [layer.name for layer in model.layers] == ["s_first", "s_act", "s_last"]
    assert (model.input_shape, model.output_shape) == ((None, 3), (None, 2))
    assert model.inputs[0]._keras_history[0].name == "s_first_input"
    model.pop()
    assert [layer.name for layer in model.layers] == ["s_first", "s_act"]
    assert model.output_shape == (None, 4)
    model.add(Dense(5, name="s_new"))
    assert model.output_shape == (None, 5)
    x = RNG.rand(3, 3).astype("float32")
    reference = dense_np(model.layers[2], dense_np(model.layers[0], x, "relu"))
    np.testing.assert_allclose(model.predict(x), reference, rtol=1e-5, atol=1e-5)
    assert model.get_layer(index=0).name == "s_first"
    with pytest.raises(TypeError, match="There are no layers in the model."):
        Sequential().pop()
    with pytest.raises(TypeError, match="The added layer must be an instance of class Layer"):
        Sequential().add("dense")


@pytest.mark.parametrize("first", [
    lambda: Dense(2, input_shape=(3,)),
    lambda: Dense(2, input_dim=3),
    lambda: Dense(2, batch_input_shape=(None, 3)),
])
def test_sequential_first_layer_shape_arguments(first):
    model = Sequential([first()])
    assert model.input_shape == (None, 3) and len(model.layers) == 1


def test_sequential_with_input_layer_and_errors():
    model = Sequential()
    model.add(InputLayer(input_shape=(3,), name="explicit_in"))
    model.add(Dense(2))
    assert len(model.layers) == 1 and model.inputs[0]._keras_history[0].name == "explicit_in"
    with pytest.raises(ValueError, match="The first layer in a Sequential model must get an `input_shape` or "
                                         "`batch_input_shape` argument."):
        Sequential([Dense(2)])
    with pytest.raises(ValueError, match="Cannot add an empty model to a `Sequential` model."):
        Sequential([Sequential()])


def test_sequential_nested_in_sequential_and_in_functional():
    inner = Sequential([Dense(4, input_shape=(3,), activation="relu", name="in_a"), Dense(5, name="in_b")],
                       name="inner")
    outer = Sequential([inner, Dense(2, name="out_c")], name="outer")
    assert [layer.name for layer in outer.layers] == ["inner", "out_c"]
    assert len(inner._inbound_nodes) == 2     # its own graph, then the call in `outer`
    randomise(outer)
    x = RNG.rand(4, 3).astype("float32")
    hidden = dense_np(inner.layers[1], dense_np(inner.layers[0], x, "relu"))
    np.testing.assert_allclose(outer.predict(x), dense_np(outer.layers[1], hidden), rtol=1e-5, atol=1e-5)
    inputs = Input(shape=(3,))
    functional = Model(inputs, Dense(1, name="f_head")(inner(inputs)))
    np.testing.assert_allclose(functional.predict(x), dense_np(functional.get_layer("f_head"), hidden),
                               rtol=1e-5, atol=1e-5)
    # Keras 2.1.6 writes a Sequential config as a list of layers
    config = outer.get_config()
    assert isinstance(config, list) and config[0]["class_name"] == "Sequential"
    again = Sequential.from_config(config)
    again.set_weights(outer.get_weights())
    np.testing.assert_allclose(again.predict(x), outer.predict(x), rtol=1e-6)
    # and newer Keras writes {"name": ..., "layers": [...]}
    named = Sequential.from_config({"name": "dict_form", "layers": config})
    assert named.name == "dict_form" and len(named.layers) == 2


# ------------------------------------------------------------------ summary
def test_sequential_summary_lines():
    model = Sequential([Dense(5, input_shape=(3,), name="hidden"), Activation("relu", name="act"),
                        Dense(2, name="out")])
    lines = []
    model.summary(print_fn=lines.append)
    assert lines == [
        "_" * 65,
        "Layer (type)                 Output Shape              Param #   ",
        "=" * 65,
        "hidden (Dense)               (None, 5)                 20        ",
        "_" * 65,
        "act (Activation)             (None, 5)                 0         ",
        "_" * 65,
        "out (Dense)                  (None, 2)                 12        ",
        "=" * 65,
        "Total params: 32",
        "Trainable params: 32",
        "Non-trainable params: 0",
        "_" * 65,
    ]


def test_functional_summary_lists_connections(two_branch):
    lines = []
    two_branch[0].summary(print_fn=lines.append)
    assert lines[1] == "Layer (type)                    Output Shape         Param #     Connected to" + " " * 21
    assert lines[3].startswith("b (InputLayer)                  (None, 5)            0")
    shared_row = lines.index(next(line for line in lines if line.startswith("shared (Dense)")))
    assert lines[shared_row].rstrip().endswith("a[0][0]")
    assert lines[shared_row + 1].strip() == "proj[0][0]"
    assert "Total params: 44" in lines


# ------------------------------------------------------------------ serialisation
def test_json_yaml_and_config_round_trips():
    inputs = Input(shape=(4,), name="ser_in")
    hidden = Dense(3, activation="tanh", name="ser_hidden")(inputs)
    outputs = Dropout(0.3, name="ser_drop")(hidden)
    model = Model(inputs, outputs, name="ser_model")
    as_json = json.loads(model.to_json())
    assert as_json["class_name"] == "Model" and as_json["keras_version"] == "2.1.6"
    assert as_json["config"]["name"] == "ser_model"
    for rebuilt in (model_from_json(model.to_json()), model_from_yaml(model.to_yaml()),
                    model_from_config({"class_name": "Model", "config": model.get_config()})):
        assert rebuilt.get_config() == model.get_config()
    sequential = Sequential([Dense(2, input_shape=(3,), name="ys_d")])
    assert model_from_yaml(sequential.to_yaml()).get_config() == sequential.get_config()
    with pytest.raises(TypeError, match="`model_from_config` expects a dictionary, not a list"):
        model_from_config(sequential.get_config())


def test_yaml_written_by_keras_2_1_6_with_python_tuples():
    text = ("backend: tensorflow\nclass_name: Sequential\nconfig:\n"
            "- class_name: Dense\n  config:\n    activation: linear\n"
            "    batch_input_shape: !!python/tuple [null, 3]\n    name: yaml_dense\n    units: 2\n"
            "keras_version: 2.1.6\n")
    model = model_from_yaml(text)
    assert model.input_shape == (None, 3) and model.layers[0].name == "yaml_dense"


def test_layer_serialize_and_deserialize():
    layer = Dense(3, activation="relu", name="to_ser")
    data = keras.layers.serialize(layer)
    assert data["class_name"] == "Dense" and data["config"]["units"] == 3
    again = keras.layers.deserialize(data)
    assert isinstance(again, Dense) and again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="Unknown layer: Scale"):
        keras.layers.deserialize({"class_name": "Scale", "config": {"factor": 2.0}})
    assert keras.layers.deserialize({"class_name": "Scale", "config": {"factor": 2.0}},
                                    custom_objects={"Scale": Scale}).factor == 2.0


def test_custom_objects_for_models():
    inputs = Input(shape=(3,))
    model = Model(inputs, Scale(3.0, name="scale")(inputs))
    text = model.to_json()
    with pytest.raises(ValueError, match="Unknown layer: Scale"):
        model_from_json(text)
    with CustomObjectScope({"Scale": Scale}):
        scoped = model_from_json(text)
    assert scoped.get_layer("scale").factor == 3.0
    direct = model_from_json(text, custom_objects={"Scale": Scale})
    x = RNG.rand(2, 3).astype("float32")
    np.testing.assert_allclose(direct.predict(x), 3.0 * x, rtol=1e-6)
    with keras.utils.custom_object_scope({"Scale": Scale}):
        assert isinstance(keras.layers.deserialize({"class_name": "Scale", "config": {"factor": 1.0}}), Scale)


def test_keras1_model_constructor_arguments():
    inputs = Input(shape=(3,))
    outputs = Dense(2)(inputs)
    with pytest.warns(UserWarning, match=re.escape("Update your `Model` call to the Keras 2 API: `Model(inputs=")):
        model = Model(input=inputs, output=outputs)
    assert model.inputs == [inputs] and model.outputs == [outputs]
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        Model(inputs, outputs, bad=1)


def test_clone_model_has_fresh_layers_with_the_same_architecture(two_branch):
    model, xa, xb = two_branch
    clone = keras.models.clone_model(model)
    assert clone.name == model.name
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert not any(layer is model.get_layer(layer.name) for layer in clone.layers)
    clone.set_weights(model.get_weights())
    for got, want in zip(clone.predict([xa, xb]), model.predict([xa, xb])):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    a, b = Input(shape=(3,)), Input(shape=(5,))
    on_tensors = keras.models.clone_model(model, [a, b])
    assert on_tensors.inputs == [a, b]
    sequential = Sequential([Dense(2, input_shape=(3,), name="to_clone")], name="seq_clone")
    copy = keras.models.clone_model(sequential)
    assert copy.name == "seq_clone" and copy.layers[0] is not sequential.layers[0]
    assert keras.models.clone_model(sequential, Input(shape=(3,))).output_shape == (None, 2)
