"""Backend configuration, as Keras 2 keeps it: epsilon, floatx, image data format, the
learning phase flag, layer-name uids, and `~/.keras/keras.json`."""
import json
import os
from collections import defaultdict

_EPSILON = 1e-7
_FLOATX = "float32"
_IMAGE_DATA_FORMAT = "channels_last"
_UID_PREFIXES = defaultdict(int)
_MANUAL_VAR_INIT = False


def epsilon():
    """The fuzz factor used in numeric expressions."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def floatx():
    """The default float type, as a string ('float32')."""
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError("Unknown floatx type: " + str(value))
    # float16 is computed in float32 (see backend/narrow_dtypes.py)
    _FLOATX = str(value)


def cast_to_floatx(x):
    """A numpy array (or scalar) cast to floatx."""
    import numpy as np
    return np.asarray(x, dtype=_FLOATX)


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("Unknown data_format:" + str(data_format))
    _IMAGE_DATA_FORMAT = str(data_format)


# Keras 1 names, still used by some code
def image_dim_ordering():
    return "th" if _IMAGE_DATA_FORMAT == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering):
    if dim_ordering not in ("tf", "th"):
        raise ValueError("Unknown dim_ordering:", dim_ordering)
    set_image_data_format("channels_first" if dim_ordering == "th" else "channels_last")


def backend():
    """The name of the backend: always 'keralite' (KERAS_BACKEND is ignored)."""
    return "keralite"


def get_uid(prefix=""):
    """A per-prefix counter, starting at 1, used to make layer names unique."""
    _UID_PREFIXES[prefix] += 1
    return _UID_PREFIXES[prefix]


def reset_uids():
    _UID_PREFIXES.clear()


def manual_variable_initialization(value):
    """Kept for Keras compatibility: keralite variables always hold their value."""
    global _MANUAL_VAR_INIT
    _MANUAL_VAR_INIT = bool(value)


def keras_dir():
    """$KERAS_HOME, else ~/.keras (or /tmp/.keras when the home folder is read-only)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def load_config_file(path=None):
    """Read keras.json as Keras does: known keys with valid values are applied, the
    backend key is ignored, an unreadable or malformed file is ignored. Unlike Keras the
    file is never written (a keras.json naming another backend would break Keras)."""
    path = path or os.path.join(keras_dir(), "keras.json")
    if os.path.exists(path):
        try:
            with open(path) as f:
                config = json.load(f)
        except (ValueError, OSError):
            config = {}
        if not isinstance(config, dict):
            config = {}
        if "floatx" in config and config["floatx"] in ("float16", "float32", "float64"):
            set_floatx(config["floatx"])
        if "epsilon" in config:
            try:
                set_epsilon(float(config["epsilon"]))
            except (TypeError, ValueError):
                pass
        if config.get("image_data_format") in ("channels_last", "channels_first"):
            set_image_data_format(config["image_data_format"])
        return config
    return {}
