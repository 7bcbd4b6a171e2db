"""Errors from malformed files (issue 11, item 5): each case the issue names fails with
a keralite load error (a subclass of the built-in type Keras raised) whose message
names the file and the part at fault, chained to the original exception; a file
declaring a huge weight is refused before its data is read."""
import json
import pathlib
import re
import shutil
import time
import tracemalloc

import h5py
import numpy as np
import pytest

from keralite.engine.saving_errors import (MalformedModelError, ModelConfigTypeError, ModelLoadError,
                                           UnreadableModelFileError, WeightMismatchError)
from keralite.layers import Dense
from keralite.models import Sequential, load_model, model_from_config, model_from_json, model_from_yaml

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "data" / "keras-h5"


def _copy(tmp_path, name):
    target = tmp_path / ("damaged_" + name + ".h5")
    shutil.copyfile(FIXTURES / (name + ".h5"), target)
    return str(target)


def _edit_config(path, attribute, edit):
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs[attribute])
        edit(config)
        f.attrs[attribute] = json.dumps(config).encode("utf8")


def _layer(config, name):
    return next(layer for layer in config["config"]["layers"] if layer["config"].get("name") == name)


def _raises(error_type, path, *parts):
    """pytest.raises for `error_type` whose message names `path` and every one of `parts`."""
    pattern = re.escape(path) + ".*" + ".*".join(re.escape(p) for p in parts)
    return pytest.raises(error_type, match=pattern)


def test_empty_inbound_nodes_name_the_file_and_the_layers(tmp_path):
    path = _copy(tmp_path, "functional_multi_input_multi_output")
    _edit_config(path, "model_config", lambda c: _layer(c, "dense_2").update(inbound_nodes=[]))
    with _raises(MalformedModelError, path, "attribute 'model_config'", "layer 'reg' waits for node 0 of layer "
                 "'dense_2', which has 0") as info:
        load_model(path)
    assert "list index out of range" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_an_empty_inbound_node_names_the_layer_and_node(tmp_path):
    path = _copy(tmp_path, "functional_multi_input_multi_output")
    _edit_config(path, "model_config", lambda c: _layer(c, "dense_2").update(inbound_nodes=[[]]))
    with _raises(MalformedModelError, path, "layer 'dense_2' (Dense)", "inbound node 0", "non-empty"):
        load_model(path)


def test_padding_of_the_wrong_type_names_the_layer_and_the_argument(tmp_path):
    path = _copy(tmp_path, "conv2d_valid_same_strides_dilation")
    _edit_config(path, "model_config", lambda c: _layer(c, "conv2d_1")["config"].update(padding=1.5))
    with _raises(MalformedModelError, path, "layer 'conv2d_1' (Conv2D)", "`padding`", "1.5") as info:
        load_model(path)
    assert "has no attribute 'lower'" not in str(info.value)


def test_corrupt_training_config_json_is_not_a_bare_json_error(tmp_path):
    path = _copy(tmp_path, "sequential_mlp_dense")
    with h5py.File(path, "r+") as f:
        f.attrs["training_config"] = f.attrs["training_config"][:40]
    with _raises(MalformedModelError, path, "attribute 'training_config'", "not valid JSON") as info:
        load_model(path)
    assert isinstance(info.value.__cause__, json.JSONDecodeError)
    load_model(path, compile=False)       # the training config is only read to compile


def test_a_training_config_key_of_the_wrong_type_names_the_key(tmp_path):
    path = _copy(tmp_path, "sequential_mlp_dense")
    _edit_config(path, "training_config", lambda c: c.update(optimizer_config=[1, 2]))
    with _raises(MalformedModelError, path, "attribute 'training_config'", "config key 'optimizer_config'"):
        load_model(path)


def _declare_huge_bias(path, layer="dense"):
    with h5py.File(path, "r+") as f:
        name = "model_weights/%s/%s/bias:0" % (layer, layer)
        dtype = f[name].dtype
        del f[name]
        f.create_dataset(name, shape=(2 ** 30,), dtype=dtype)     # declared, never written


@pytest.mark.parametrize("how", ["load_model", "load_weights", "load_weights_by_name"])
def test_a_huge_declared_bias_is_refused_before_it_is_read(tmp_path, how):
    path = _copy(tmp_path, "sequential_mlp_dense")
    _declare_huge_bias(path)
    assert pathlib.Path(path).stat().st_size < 100_000
    model = load_model(str(FIXTURES / "sequential_mlp_dense.h5"), compile=False)
    calls = {"load_model": lambda: load_model(path),
             "load_weights": lambda: model.load_weights(path),
             "load_weights_by_name": lambda: model.load_weights(path, by_name=True)}
    tracemalloc.start()
    started = time.monotonic()
    try:
        with _raises(WeightMismatchError, path, "layer 'dense'", "'dense/bias:0'", "(1073741824,)"):
            calls[how]()
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 5.0
    assert peak < 64 * 2 ** 20        # reading the bias would take 4 GiB


def test_a_huge_declared_bias_is_skipped_with_skip_mismatch(tmp_path):
    path = _copy(tmp_path, "sequential_mlp_dense")
    _declare_huge_bias(path)
    model = load_model(str(FIXTURES / "sequential_mlp_dense.h5"), compile=False)
    before = model.layers[0].get_weights()[0].copy()
    with pytest.warns(UserWarning, match="Skipping loading of weights for layer dense"):
        model.load_weights(path, by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], before)


def test_a_string_weight_is_refused_naming_the_weight(tmp_path):
    path = _copy(tmp_path, "sequential_mlp_dense")
    with h5py.File(path, "r+") as f:
        name = "model_weights/dense_1/dense_1/kernel:0"
        shape = f[name].shape
        del f[name]
        f.create_dataset(name, shape=shape, dtype="S4")
    with _raises(WeightMismatchError, path, "layer 'dense_1'", "'dense_1/kernel:0'", "not numeric"):
        load_model(path)


def test_a_listed_weight_without_its_dataset_names_it(tmp_path):
    path = _copy(tmp_path, "sequential_mlp_dense")
    with h5py.File(path, "r+") as f:
        del f["model_weights/dense_2/dense_2/bias:0"]
    with _raises(MalformedModelError, path, "layer 'dense_2'", "'dense_2/bias:0'", "missing"):
        load_model(path)


def test_an_attribute_of_the_wrong_type_names_it(tmp_path):
    path = _copy(tmp_path, "sequential_mlp_dense")
    with h5py.File(path, "r+") as f:
        f["model_weights"].attrs["layer_names"] = 7
    with _raises(MalformedModelError, path, "attribute 'layer_names' of /model_weights"):
        load_model(path)


def test_deeply_nested_configs_are_a_clear_error(tmp_path):
    path = _copy(tmp_path, "sequential_mlp_dense")
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = ("[" * 100000 + "]" * 100000).encode("utf8")
    with _raises(MalformedModelError, path, "attribute 'model_config'", "nested too deeply"):
        load_model(path)
    layer = {"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [None, 3]}}
    for depth in range(2000):
        layer = {"class_name": "Sequential", "config": [layer]}
    with pytest.raises(MalformedModelError, match="the model config, layer #0 \\(Sequential\\).*"
                                                  "more.*nested too deeply") as info:
        model_from_config(layer)
    assert isinstance(info.value.__cause__, RecursionError)
    assert len(str(info.value)) < 1000


def test_model_from_json_and_yaml_name_their_source_and_the_layer():
    model = Sequential([Dense(2, input_shape=(3,), name="first")])
    config = json.loads(model.to_json())
    config["config"][-1]["config"]["units"] = "two"      # Keras 2.1.6: a Sequential's config is its layer list
    with pytest.raises(MalformedModelError, match="the JSON string, layer 'first' \\(Dense\\)"):
        model_from_json(json.dumps(config))
    with pytest.raises(MalformedModelError, match="the JSON string.*not valid JSON"):
        model_from_json(model.to_json()[:-3])
    with pytest.raises(MalformedModelError, match="the YAML string, layer 'first' \\(Dense\\)"):
        model_from_yaml(model.to_yaml().replace("units: 2", "units: two"))
    with pytest.raises(MalformedModelError, match="the model config, layer 'first' \\(Dense\\)"):
        model_from_config(config)
    with pytest.raises(TypeError, match="expects a dictionary, not a list") as info:
        model_from_config(config["config"])
    assert isinstance(info.value, ModelConfigTypeError)


def test_the_errors_keep_the_builtin_types_keras_raised(tmp_path):
    missing = str(tmp_path / "missing.h5")
    with pytest.raises(IOError, match=re.escape(missing) + ".*does not exist") as info:
        load_model(missing)
    assert isinstance(info.value, UnreadableModelFileError) and isinstance(info.value, ModelLoadError)
    path = _copy(tmp_path, "sequential_mlp_dense")
    _edit_config(path, "model_config", lambda c: c["config"]["layers"][1].update(class_name="NoSuchLayer"))
    try:
        load_model(path)
    except ValueError as exc:           # Keras code catching ValueError keeps working
        assert isinstance(exc, MalformedModelError)
        assert exc.source == path and "Unknown layer: NoSuchLayer" in str(exc)
    else:
        raise AssertionError("an unknown layer loaded")


# Damage found by the fuzz test that libhdf5 itself cannot survive (plain h5py too):
# 32 bytes over an object header of merge_layers.h5 (seed 115235) make it loop forever
# reading the attributes of /model_weights; one byte in the weight_names attribute of
# sequential_mlp_dense.h5 (seed 116799) makes it segfault reading them.
LIBHDF5_FAILURES = {
    "loops": ("merge_layers.h5", 13034, "3adfb526075e334b19566457e3413ec7f7d6aa0bbb5f6c12b27f894fa533270c",
              "libhdf5 did not finish"),
    "crashes": ("sequential_mlp_dense.h5", 7697, "52", "libhdf5 crashed (signal 11)"),
}


@pytest.mark.parametrize("failure", sorted(LIBHDF5_FAILURES))
def test_a_file_libhdf5_cannot_read_is_refused_with_the_probe(tmp_path, monkeypatch, failure):
    # with the probe on, a child process meets the loop or the crash and the loader
    # refuses the file in time, without opening it
    fixture, offset, damage, message = LIBHDF5_FAILURES[failure]
    data = bytearray((FIXTURES / fixture).read_bytes())
    damage = bytes.fromhex(damage)
    data[offset:offset + len(damage)] = damage
    path = tmp_path / ("%s.h5" % failure)
    path.write_bytes(bytes(data))
    path = str(path)
    monkeypatch.setenv("KERALITE_H5_PROBE_TIMEOUT", "3")
    started = time.monotonic()
    with _raises(UnreadableModelFileError, path, message, "it was not opened"):
        load_model(path)
    assert time.monotonic() - started < 20
    model = load_model(str(FIXTURES / fixture))      # the undamaged file passes the probe
    assert model.count_params() > 0
