"""Backend configuration: epsilon, floatx, image data format, keras.json, uids, the
learning phase flag and clear_session, checked against Keras 2.1.6 behaviour."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from keralite import backend as K
from keralite.backend import config


@pytest.fixture(autouse=True)
def restore_config():
    """Every test leaves floatx, epsilon, data format and learning phase as it found them."""
    saved = (K.floatx(), K.epsilon(), K.image_data_format())
    yield
    K.set_floatx(saved[0])
    K.set_epsilon(saved[1])
    K.set_image_data_format(saved[2])
    K.clear_session()


# ------------------------------------------------------------------ epsilon / floatx
def test_epsilon_default_and_set():
    assert K.epsilon() == 1e-7
    K.set_epsilon(1e-5)
    assert K.epsilon() == 1e-5


def test_floatx_default_and_set():
    assert K.floatx() == "float32"
    K.set_floatx("float64")
    assert K.floatx() == "float64"
    assert K.variable(1.0).dtype == "float64"
    assert K.placeholder((None, 3)).dtype == "float64"


def test_set_floatx_rejects_unknown():
    with pytest.raises(ValueError, match="Unknown floatx type"):
        K.set_floatx("float128")
    with pytest.raises(ValueError):
        K.set_floatx("int32")
    assert K.floatx() == "float32"


def test_cast_to_floatx():
    out = K.cast_to_floatx(np.arange(6).reshape(2, 3))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.arange(6).reshape(2, 3))
    assert K.cast_to_floatx(3).dtype == np.float32
    K.set_floatx("float64")
    assert K.cast_to_floatx([1, 2]).dtype == np.float64


# ------------------------------------------------------------------ image data format
def test_image_data_format():
    assert K.image_data_format() == "channels_last"
    K.set_image_data_format("channels_first")
    assert K.image_data_format() == "channels_first"
    assert K.image_dim_ordering() == "th"
    K.set_image_dim_ordering("tf")
    assert K.image_data_format() == "channels_last"


@pytest.mark.parametrize("bad", ["channels_middle", "tf", "", None])
def test_set_image_data_format_rejects_unknown(bad):
    with pytest.raises(ValueError):
        K.set_image_data_format(bad)
    assert K.image_data_format() == "channels_last"


def test_set_image_dim_ordering_rejects_unknown():
    with pytest.raises(ValueError):
        K.set_image_dim_ordering("channels_last")


# ------------------------------------------------------------------ keras.json
def _write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content if isinstance(content, str) else json.dumps(content))
    return path


def test_config_file_applied(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    _write(str(tmp_path / ".keras" / "keras.json"),
           {"floatx": "float64", "epsilon": 1e-4, "image_data_format": "channels_first",
            "backend": "theano"})
    assert config.keras_dir() == str(tmp_path / ".keras")
    loaded = config.load_config_file()
    assert loaded["backend"] == "theano"
    assert K.floatx() == "float64"
    assert K.epsilon() == 1e-4
    assert K.image_data_format() == "channels_first"
    assert K.backend() == "keralite"


def test_config_file_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    _write(str(tmp_path / "kh" / "keras.json"), {"epsilon": 0.5})
    config.load_config_file()
    assert K.epsilon() == 0.5


@pytest.mark.parametrize("content", ["{not json", "", "[1, 2, 3]", "\x00\xff"])
def test_corrupt_config_file_ignored(tmp_path, content):
    path = _write(str(tmp_path / "keras.json"), content)
    assert config.load_config_file(path) == {}
    assert (K.floatx(), K.epsilon(), K.image_data_format()) == ("float32", 1e-7, "channels_last")


def test_config_file_bad_values_ignored(tmp_path):
    path = _write(str(tmp_path / "keras.json"),
                  {"floatx": "float99", "epsilon": "tiny", "image_data_format": "sideways"})
    config.load_config_file(path)
    assert (K.floatx(), K.epsilon(), K.image_data_format()) == ("float32", 1e-7, "channels_last")


def test_missing_config_file(tmp_path):
    assert config.load_config_file(str(tmp_path / "nope.json")) == {}
    assert not os.path.exists(tmp_path / "nope.json")


def test_config_read_at_import_and_backend_env_ignored(tmp_path):
    """A fresh process reads ~/.keras/keras.json at import; KERAS_BACKEND and the
    backend key (naming a backend that is not installed) cause no error."""
    _write(str(tmp_path / ".keras" / "keras.json"),
           {"floatx": "float64", "epsilon": 0.001, "image_data_format": "channels_first",
            "backend": "cntk"})
    env = dict(os.environ, HOME=str(tmp_path), KERAS_BACKEND="theano")
    env.pop("KERAS_HOME", None)
    code = ("from keralite import backend as K;"
            "print(K.floatx(), K.epsilon(), K.image_data_format(), K.backend())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["float64", "0.001", "channels_first", "keralite"]


# ------------------------------------------------------------------ misc state
def test_backend_name():
    assert K.backend() == "keralite"


def test_get_uid_and_reset():
    K.reset_uids()
    assert K.get_uid("dense") == 1
    assert K.get_uid("dense") == 2
    assert K.get_uid("conv") == 1
    assert K.get_uid() == 1
    K.reset_uids()
    assert K.get_uid("dense") == 1


def test_clear_session_resets_uids_and_learning_phase():
    K.get_uid("dense")
    K.set_learning_phase(1)
    K.clear_session()
    assert K.get_uid("dense") == 1
    assert K.is_tensor(K.learning_phase())


def test_manual_variable_initialization():
    K.manual_variable_initialization(True)
    v = K.variable(np.full((2, 3), 4.0))
    np.testing.assert_array_equal(K.get_value(v), np.full((2, 3), 4.0))
    K.manual_variable_initialization(False)


def test_learning_phase_default_is_placeholder():
    lp = K.learning_phase()
    assert K.is_tensor(lp)
    assert lp.dtype == "bool"
    assert K.int_shape(lp) == ()
    assert K.learning_phase() is lp


@pytest.mark.parametrize("value", [0, 1])
def test_set_learning_phase(value):
    K.set_learning_phase(value)
    assert K.learning_phase() == value


@pytest.mark.parametrize("bad", [2, -1, "train", 0.5])
def test_set_learning_phase_rejects(bad):
    with pytest.raises(ValueError, match="0 or 1"):
        K.set_learning_phase(bad)
