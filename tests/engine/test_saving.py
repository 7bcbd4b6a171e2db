"""HDF5 saving and loading: whole models with their optimizer state, weights alone
(topological and by name), broken files, Lambda layers, custom layers, a file laid out
by hand as Keras 2.1.6 writes it, and the Keras 2 fixture files in tests/data/keras-h5
(written by tf_keras), whose expected outputs and losses were computed by Keras."""
import glob
import json
import os
import re

import h5py
import numpy as np
import pytest

import keralite as keras
from keralite import backend as K
from keralite.engine import Layer
from keralite.layers import Dense, Input, Lambda, Activation
from keralite.models import Model, Sequential, load_model

from engine_helpers import MyLayer as DocsLayer

# models saved without compile() load uncompiled, with Keras' warning
pytestmark = pytest.mark.filterwarnings("ignore:No training configuration found in save file")

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "data", "keras-h5")
RNG = np.random.RandomState(5)


class MyLayer(DocsLayer):
    """The custom layer of the Keras 2 docs, with a config so that it can be saved."""

    def get_config(self):
        config = super().get_config()
        config["output_dim"] = self.output_dim
        return config


def double(x):
    return x * 2.0


def decode(value):
    return value.decode("utf8") if isinstance(value, bytes) else value


# ------------------------------------------------------------------ whole models
@pytest.fixture(scope="module")
def trained_functional(tmp_path_factory):
    """A two-input functional model trained 2 steps with Adam, and its saved file."""
    a = Input(shape=(3,), name="in_a")
    b = Input(shape=(2,), name="in_b")
    hidden = Dense(5, activation="tanh", name="hid")(a)
    merged = Dense(4, name="mix")(b)
    out = Dense(2, activation="softmax", name="out")(Activation("relu", name="act")(hidden))
    side = Dense(1, name="side")(merged)
    model = Model([a, b], [out, side], name="saved_model")
    model.compile(keras.optimizers.Adam(lr=0.01), loss=["categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5], metrics={"out": "accuracy"})
    xs = [RNG.rand(6, 3).astype("float32"), RNG.rand(6, 2).astype("float32")]
    ys = [np.eye(2, dtype="float32")[[0, 1, 1, 0, 1, 0]], RNG.rand(6, 1).astype("float32")]
    model.train_on_batch(xs, ys)
    model.train_on_batch(xs, ys)
    path = str(tmp_path_factory.mktemp("saving") / "functional.h5")
    model.save(path)
    saved_predictions = model.predict(xs)      # the model trains on in some tests
    return model, path, xs, ys, saved_predictions


def test_saved_file_layout(trained_functional):
    model, path, _, _, _ = trained_functional
    with h5py.File(path, "r") as f:
        assert decode(f.attrs["keras_version"]) == "2.1.6"
        assert decode(f.attrs["backend"]) == "tensorflow"
        config = json.loads(decode(f.attrs["model_config"]))
        assert config["class_name"] == "Model" and config["config"]["name"] == "saved_model"
        training = json.loads(decode(f.attrs["training_config"]))
        assert training["optimizer_config"]["class_name"] == "Adam"
        assert training["loss"] == ["categorical_crossentropy", "mse"] and training["loss_weights"] == [1.0, 0.5]
        weights = f["model_weights"]
        assert [decode(n) for n in weights.attrs["layer_names"]] == [layer.name for layer in model.layers]
        assert [decode(n) for n in weights["hid"].attrs["weight_names"]] == ["hid/kernel:0", "hid/bias:0"]
        np.testing.assert_array_equal(weights["hid"]["hid/kernel:0"][()], model.get_layer("hid").get_weights()[0])
        assert len(f["optimizer_weights"].attrs["weight_names"]) == len(model.optimizer.weights)


def test_load_model_predicts_and_resumes_training_identically(trained_functional):
    model, path, xs, ys, _ = trained_functional
    loaded = load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.loss == model.loss and loaded.metrics_names == model.metrics_names
    for got, want in zip(loaded.predict(xs), model.predict(xs)):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(got, want)
    resumed = [loaded.train_on_batch(xs, ys) for _ in range(2)]
    continued = [model.train_on_batch(xs, ys) for _ in range(2)]
    np.testing.assert_allclose(resumed, continued, rtol=1e-6)


def test_load_without_compiling_and_without_optimizer(trained_functional, tmp_path):
    model, path, xs, _, saved_predictions = trained_functional
    uncompiled = load_model(path, compile=False)
    assert not hasattr(uncompiled, "optimizer")
    np.testing.assert_array_equal(uncompiled.predict(xs)[1], saved_predictions[1])
    bare = str(tmp_path / "bare.h5")
    model.save(bare, include_optimizer=False)
    with h5py.File(bare, "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    with pytest.warns(UserWarning, match=re.escape("No training configuration found in save file: the model was "
                                                   "*not* compiled. Compile it manually.")):
        load_model(bare)


def test_sequential_round_trip(tmp_path):
    model = Sequential([Dense(4, input_shape=(3,), activation="relu", name="s1"), Dense(2, name="s2")])
    model.compile(keras.optimizers.SGD(lr=0.1, momentum=0.9), "mse", metrics=["mae"])
    x, y = RNG.rand(5, 3).astype("float32"), RNG.rand(5, 2).astype("float32")
    model.train_on_batch(x, y)
    path = str(tmp_path / "sequential.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        config = json.loads(decode(f.attrs["model_config"]))
        assert config["class_name"] == "Sequential" and isinstance(config["config"], list)
        assert [decode(n) for n in f["model_weights"].attrs["layer_names"]] == ["s1", "s2"]
    loaded = load_model(path)
    assert isinstance(loaded, Sequential) and [layer.name for layer in loaded.layers] == ["s1", "s2"]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    np.testing.assert_allclose([loaded.train_on_batch(x, y) for _ in range(2)],
                               [model.train_on_batch(x, y) for _ in range(2)], rtol=1e-6)


def test_custom_layer_needs_custom_objects(tmp_path):
    inputs = Input(shape=(3,))
    model = Model(inputs, MyLayer(2, name="mine")(inputs))
    path = str(tmp_path / "custom.h5")
    model.save(path)
    with pytest.raises(ValueError, match="Unknown layer: MyLayer"):
        load_model(path)
    loaded = load_model(path, custom_objects={"MyLayer": MyLayer})
    x = RNG.rand(4, 3).astype("float32")
    np.testing.assert_allclose(loaded.predict(x), x @ model.get_layer("mine").get_weights()[0], rtol=1e-6)
    with keras.utils.CustomObjectScope({"MyLayer": MyLayer}):
        assert load_model(path).get_layer("mine").output_dim == 2


class Affine(Layer):
    """x * scale + shift, with `shift` not trainable: nested models list trainable
    weights first, which saving and loading must keep apart from layer order."""

    def build(self, input_shape):
        self.shift = self.add_weight("shift", (input_shape[-1],), initializer="ones", trainable=False)
        self.scale = self.add_weight("scale", (input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.scale + self.shift


def test_nested_model_with_non_trainable_weights_round_trip(tmp_path):
    inner = Sequential([Dense(4, input_shape=(3,), name="n1"), Affine(name="aff1"), Dense(2, name="n2"),
                        Affine(name="aff2")], name="inner_seq")
    inputs = Input(shape=(3,))
    model = Model(inputs, Dense(1, name="n_head")(inner(inputs)))
    model.set_weights([RNG.uniform(0.5, 1.5, size=w.shape).astype("float32") for w in model.get_weights()])
    assert [w.name for w in inner.weights][-2:] == ["aff1/shift", "aff2/shift"]
    path = str(tmp_path / "nested.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        assert [decode(n) for n in f["model_weights"]["inner_seq"].attrs["weight_names"]] == [
            "n1/kernel:0", "n1/bias:0", "aff1/scale:0", "n2/kernel:0", "n2/bias:0", "aff2/scale:0",
            "aff1/shift:0", "aff2/shift:0"]
    loaded = load_model(path, custom_objects={"Affine": Affine})
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    x = RNG.rand(3, 3).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


# ------------------------------------------------------------------ weights alone
@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    model = Sequential([Dense(4, input_shape=(3,), name="w1"), Dense(2, name="w2")])
    model.set_weights([RNG.randn(*w.shape).astype("float32") for w in model.get_weights()])
    path = str(tmp_path_factory.mktemp("weights") / "weights.h5")
    model.save_weights(path)
    return model, path


def test_load_weights_topologically(weights_file):
    model, path = weights_file
    with h5py.File(path, "r") as f:
        assert [decode(n) for n in f.attrs["layer_names"]] == ["w1", "w2"]
    other = Sequential([Dense(4, input_shape=(3,), name="t1"), Dense(2, name="t2")])
    other.load_weights(path)
    for got, want in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    three = Sequential([Dense(4, input_shape=(3,)), Dense(2), Dense(2)])
    with pytest.raises(ValueError, match="You are trying to load a weight file containing 2 layers into a model "
                                         "with 3 layers."):
        three.load_weights(path)


def test_load_weights_by_name_and_skip_mismatch(weights_file):
    model, path = weights_file
    partial = Sequential([Dense(4, input_shape=(3,), name="w1"), Dense(2, name="unrelated")])
    untouched = partial.layers[1].get_weights()
    partial.load_weights(path, by_name=True)
    np.testing.assert_array_equal(partial.layers[0].get_weights()[0], model.layers[0].get_weights()[0])
    np.testing.assert_array_equal(partial.layers[1].get_weights()[0], untouched[0])

    reshaped = Sequential([Dense(4, input_shape=(3,), name="w1"), Dense(5, name="w2")])
    with pytest.raises(ValueError, match=re.escape("has shape (4, 5), but the saved weight has shape (4, 2)")):
        reshaped.load_weights(path, by_name=True)
    kept = reshaped.layers[1].get_weights()
    with pytest.warns(UserWarning, match="Skipping loading of weights for layer w2 due to mismatch in shape"):
        reshaped.load_weights(path, by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(reshaped.layers[0].get_weights()[1], model.layers[0].get_weights()[1])
    np.testing.assert_array_equal(reshaped.layers[1].get_weights()[0], kept[0])


def test_load_weights_from_a_whole_model_file(trained_functional):
    model, path, xs, _, saved_predictions = trained_functional
    again = Model.from_config(model.get_config())
    again.load_weights(path)
    np.testing.assert_array_equal(again.predict(xs)[0], saved_predictions[0])


# ------------------------------------------------------------------ broken files
def test_corrupt_and_truncated_files_name_the_file(trained_functional, tmp_path):
    path = trained_functional[1]
    garbage = str(tmp_path / "garbage.h5")
    with open(garbage, "wb") as f:
        f.write(b"\x89HDF not really" + bytes(range(256)) * 8)
    with pytest.raises(IOError, match=re.escape(garbage)):
        load_model(garbage)
    with open(path, "rb") as f:
        data = f.read()
    truncated = str(tmp_path / "truncated.h5")
    with open(truncated, "wb") as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(IOError, match=re.escape(truncated) + ".*truncated"):
        load_model(truncated)
    model = Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(IOError, match=re.escape(truncated)):
        model.load_weights(truncated)
    with pytest.raises(IOError, match="does not exist"):
        load_model(str(tmp_path / "missing.h5"))
    not_a_model = str(tmp_path / "empty.h5")
    with h5py.File(not_a_model, "w") as f:
        f.create_group("something_else")
    with pytest.raises(ValueError, match="No model found in config file"):
        load_model(not_a_model)


# ------------------------------------------------------------------ Lambda layers
@pytest.fixture(scope="module")
def lambda_file(tmp_path_factory):
    inputs = Input(shape=(3,))
    scaled = Lambda(lambda t: t * 3.0 + 1.0, name="affine")(inputs)
    doubled = Lambda(double, output_shape=lambda s: s, name="twice")(scaled)
    path = str(tmp_path_factory.mktemp("lambda") / "lambda.h5")
    Model(inputs, doubled).save(path)
    return path


def test_lambda_model_refuses_bytecode_by_default(lambda_file):
    with pytest.raises(ValueError, match="Lambda layer 'affine' stores Python bytecode.*safe_mode=False"):
        load_model(lambda_file)


def test_lambda_model_loads_with_safe_mode_off_or_custom_objects(lambda_file):
    x = RNG.rand(2, 3).astype("float32")
    expected = (x * 3.0 + 1.0) * 2.0
    np.testing.assert_allclose(load_model(lambda_file, safe_mode=False).predict(x), expected, rtol=1e-6)
    # functions given by layer name ('affine') or by function name ('double')
    loaded = load_model(lambda_file, custom_objects={"affine": lambda t: t * 3.0 + 1.0, "double": double})
    np.testing.assert_allclose(loaded.predict(x), expected, rtol=1e-6)
    from keralite.models import model_from_json
    config = json.dumps({"class_name": "Model", "config": loaded.get_config()})
    with pytest.raises(ValueError, match="stores Python bytecode"):
        model_from_json(config)
    assert model_from_json(config, safe_mode=False).get_layer("twice").function(2.0) == 4.0


# ------------------------------------------------------------------ a Keras 2.1.6 file by hand
def test_file_in_the_keras_2_1_6_layout(tmp_path):
    """Sequential config as a list, VarianceScaling / L1L2 objects, `lr`, and
    optimizer_weights named 'training/SGD/Variable*:0' (iterations, then moments)."""
    kernel = RNG.randn(3, 2).astype("float32")
    bias = np.array([0.5, -0.25], dtype="float32")
    moments = [RNG.randn(3, 2).astype("float32") * 0.1, np.array([0.05, -0.02], dtype="float32")]
    dense = {"name": "dense_1", "trainable": True, "batch_input_shape": [None, 3], "dtype": "float32",
             "units": 2, "activation": "relu", "use_bias": True,
             "kernel_initializer": {"class_name": "VarianceScaling", "config": {
                 "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
             "bias_initializer": {"class_name": "Zeros", "config": {}},
             "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}},
             "bias_regularizer": None, "activity_regularizer": None,
             "kernel_constraint": None, "bias_constraint": None}
    path = str(tmp_path / "keras216.h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.1.6"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential",
                                              "config": [{"class_name": "Dense", "config": dense}]}).encode()
        f.attrs["training_config"] = json.dumps({
            "optimizer_config": {"class_name": "SGD", "config": {"lr": 0.1, "momentum": 0.9, "decay": 0.0,
                                                                 "nesterov": False}},
            "loss": "mse", "metrics": [], "sample_weight_mode": None, "loss_weights": None}).encode()
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [b"dense_1"]
        weights.attrs["backend"] = b"tensorflow"
        weights.attrs["keras_version"] = b"2.1.6"
        layer = weights.create_group("dense_1")
        layer.attrs["weight_names"] = [b"dense_1/kernel:0", b"dense_1/bias:0"]
        layer["dense_1/kernel:0"] = kernel
        layer["dense_1/bias:0"] = bias
        optimizer = f.create_group("optimizer_weights")
        names = [b"training/SGD/Variable:0", b"training/SGD/Variable_1:0", b"training/SGD/Variable_2:0"]
        optimizer.attrs["weight_names"] = names
        optimizer[names[0].decode()] = np.int64(4)
        optimizer[names[1].decode()] = moments[0]
        optimizer[names[2].decode()] = moments[1]
    model = load_model(path)
    assert isinstance(model.layers[0].kernel_regularizer, keras.regularizers.L1L2)
    x = RNG.randn(4, 3).astype("float32")
    y = RNG.randn(4, 2).astype("float32")
    np.testing.assert_allclose(model.predict(x), np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    assert K.get_value(model.optimizer.iterations) == 4
    # one SGD step by hand from the stored momentum, then the loss after it
    params = [kernel.astype("float64"), bias.astype("float64")]
    losses = []
    for _ in range(2):
        pre = x @ params[0] + params[1]
        out = np.maximum(pre, 0)
        losses.append(np.mean((out - y) ** 2) + 0.01 * np.sum(params[0] ** 2))
        d_pre = 2.0 * (out - y) / out.size * (pre > 0)
        grads = [x.T @ d_pre + 0.02 * params[0], d_pre.sum(axis=0)]
        moments = [0.9 * m - 0.1 * g for m, g in zip(moments, grads)]
        params = [p + m for p, m in zip(params, moments)]
    np.testing.assert_allclose([model.train_on_batch(x, y) for _ in range(2)], losses, rtol=1e-5)


def test_optimizer_state_in_the_keras_2_11_layout(trained_functional, tmp_path):
    """Newer optimizers save 'iteration:0' then m and v interleaved per variable."""
    model, path = trained_functional[:2]
    rewritten = str(tmp_path / "new_style.h5")
    with h5py.File(path, "r") as source, h5py.File(rewritten, "w") as f:
        for key, value in source.attrs.items():
            f.attrs[key] = value
        source.copy("model_weights", f)
        weights = model.optimizer.get_weights()
        params = [w.name for w in model._collected_trainable_weights]
        count = len(params)
        ms, vs = weights[1:1 + count], weights[1 + count:1 + 2 * count]
        names = ["iteration:0"]
        group = f.create_group("optimizer_weights")
        group["iteration:0"] = weights[0]
        for name, m, v in zip(params, ms, vs):
            for kind, value in (("m", m), ("v", v)):
                names.append("Adam/%s/%s:0" % (kind, name))
                group[names[-1]] = value
        group.attrs["weight_names"] = [n.encode() for n in names]
    loaded = load_model(rewritten)
    for got, want in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ the Keras 2 fixtures
def _layer_classes(config, found):
    if isinstance(config, dict):
        inner = config.get("config")
        if "class_name" in config and isinstance(inner, dict) and ("name" in inner or "layers" in inner):
            found.add(config["class_name"])
        for value in config.values():
            _layer_classes(value, found)
    elif isinstance(config, list):
        for value in config:
            _layer_classes(value, found)
    return found


def _fixture_files():
    return sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(FIXTURES, "*.h5")))


def _load_fixture(name, **kwargs):
    with h5py.File(os.path.join(FIXTURES, name + ".h5"), "r") as f:
        config = json.loads(decode(f.attrs["model_config"]))
    containers = {"Functional", "Model", "Sequential", "InputLayer"}
    missing = sorted(c for c in _layer_classes(config, set()) - containers if not hasattr(keras.layers, c))
    if missing:
        pytest.skip("layers not in keralite yet: " + ", ".join(missing))
    data = np.load(os.path.join(FIXTURES, name + ".npz"))
    meta = json.loads(str(data["meta"]))
    model = load_model(os.path.join(FIXTURES, name + ".h5"), compile=meta["load_compile"], **kwargs)
    return model, data, meta


def test_fixture_files_are_present():
    assert len(_fixture_files()) == 12


@pytest.mark.parametrize("name", _fixture_files())
def test_keras2_fixture(name):
    model, data, meta = _load_fixture(name)
    inputs = [data["x%d" % i] for i in range(meta["n_inputs"])]
    outputs = model.predict(inputs, batch_size=len(inputs[0]))
    outputs = outputs if isinstance(outputs, list) else [outputs]
    assert len(outputs) == meta["n_outputs"]
    for i, got in enumerate(outputs):
        expected = data["y%d" % i]
        tolerance = meta["pred_atol"] + meta["pred_rtol"] * np.abs(expected)
        assert np.all(np.abs(got - expected) <= tolerance), (meta["output_names"][i], np.abs(got - expected).max())
    if meta["train_check"]:
        xs = [data["train_x%d" % i] for i in range(meta["n_inputs"])]
        ys = [data["train_y%d" % i] for i in range(meta["n_outputs"])]
        losses = []
        for _ in range(2):
            out = model.train_on_batch(xs, ys)
            losses.append(out[0] if isinstance(out, list) else out)
        np.testing.assert_allclose(losses, data["train_losses"], rtol=meta["loss_rtol"])


class Concatenate(Layer):
    """A stand-in merge layer, so that the optimizer state of the two-input fixture is
    checked before keralite.layers has its own Concatenate."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return K.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0][:-1] + (sum(shape[-1] for shape in input_shapes),)


def test_legacy_adam_state_without_vhats_resumes_training():
    path = os.path.join(FIXTURES, "functional_multi_input_multi_output.h5")
    data = np.load(os.path.join(FIXTURES, "functional_multi_input_multi_output.npz"))
    model = load_model(path, custom_objects={"Concatenate": Concatenate})
    assert model.loss == {"reg": "mse", "cls": "binary_crossentropy"}
    xs = [data["train_x0"], data["train_x1"]]
    ys = [data["train_y0"], data["train_y1"]]
    losses = [model.train_on_batch(xs, ys)[0] for _ in range(2)]
    np.testing.assert_allclose(losses, data["train_losses"], rtol=1e-3)


def test_fixture_resaved_by_keralite_loads_the_same(tmp_path):
    model, data, _ = _load_fixture("sequential_mlp_dense")
    path = str(tmp_path / "resaved.h5")
    model.save(path)
    again = load_model(path)
    np.testing.assert_array_equal(again.predict(data["x0"]), model.predict(data["x0"]))
    np.testing.assert_allclose(again.train_on_batch(data["train_x0"], data["train_y0"]),
                               model.train_on_batch(data["train_x0"], data["train_y0"]), rtol=1e-6)
