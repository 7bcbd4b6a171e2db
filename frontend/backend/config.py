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
    """The small constant added to denominators and logs to keep them finite.

    Losses, normalisation layers and optimizers read it at graph-build time, so a
    change made with `set_epsilon` applies to graphs built afterwards.

    # Returns
        A Python float (1e-7 unless changed by `set_epsilon` or keras.json).
    """
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor that `epsilon()` returns.

    # Arguments
        value: the new fuzz factor; anything `float()` accepts.
    """
    global _EPSILON
    _EPSILON = float(value)


def floatx():
    """The float type that new variables, placeholders and constants get by default.

    # Returns
        A string: 'float16', 'float32' (the default) or 'float64'.
    """
    return _FLOATX


def set_floatx(value):
    """Sets the default float type returned by `floatx()`.

    Keralite has no half-precision kernels: with 'float16' tensors keep the float16
    dtype at the API but are computed in float32 and rounded where they are stored
    (see backend/narrow_dtypes.py).

    # Arguments
        value: 'float16', 'float32' or 'float64'.

    # Raises
        ValueError: for any other type name.
    """
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError("Unknown floatx type: " + str(value))
    # float16 is computed in float32 (see backend/narrow_dtypes.py)
    _FLOATX = str(value)


def cast_to_floatx(x):
    """Casts a numpy array or Python number to the default float type.

    This is a numpy helper for preparing data, not a graph operation: use `cast`
    on tensors.

    # Arguments
        x: a numpy array, a nested list or a Python number.

    # Returns
        A numpy array of dtype `floatx()` (0-d for a scalar).
    """
    import numpy as np
    return np.asarray(x, dtype=_FLOATX)


def image_data_format():
    """The default layout of image tensors for convolution, pooling and image layers.

    # Returns
        'channels_last' (batch, ..., channels), the default, or 'channels_first'
        (batch, channels, ...).
    """
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the layout that `image_data_format()` returns.

    Layers read it when they are constructed without an explicit `data_format`.

    # Arguments
        data_format: 'channels_last' or 'channels_first'.

    # Raises
        ValueError: for any other value.
    """
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("Unknown data_format:" + str(data_format))
    _IMAGE_DATA_FORMAT = str(data_format)


# Keras 1 names, still used by some code
def image_dim_ordering():
    """The Keras 1 name of the image layout, kept for code written against Keras 1.

    # Returns
        'th' when the data format is 'channels_first', else 'tf'.
    """
    return "th" if _IMAGE_DATA_FORMAT == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering):
    """Sets the image layout using its Keras 1 name.

    # Arguments
        dim_ordering: 'th' (channels_first) or 'tf' (channels_last).

    # Raises
        ValueError: for any other value.
    """
    if dim_ordering not in ("tf", "th"):
        raise ValueError("Unknown dim_ordering:", dim_ordering)
    set_image_data_format("channels_first" if dim_ordering == "th" else "channels_last")


def backend():
    """The name of the backend in use.

    Keralite has one backend of its own, so the KERAS_BACKEND variable and the
    'backend' key of keras.json are ignored.

    # Returns
        The string 'keralite'.
    """
    return "keralite"


def get_uid(prefix=""):
    """Increments and returns a counter kept per prefix.

    Layers use it to give themselves unique default names ('dense_1', 'dense_2').

    # Arguments
        prefix: the string the counter belongs to (usually a layer's snake-case
            class name).

    # Returns
        An int: 1 on the first call for `prefix`, then 2, 3, ...
    """
    _UID_PREFIXES[prefix] += 1
    return _UID_PREFIXES[prefix]


def reset_uids():
    """Restarts every counter of `get_uid`, so that layer names begin at 1 again."""
    _UID_PREFIXES.clear()


def manual_variable_initialization(value):
    """Records the Keras flag that lets a user initialise variables by hand.

    Keralite variables hold their value from the moment they are created, so there
    is no separate initialisation step to skip; the flag is stored only so that code
    setting it keeps working.

    # Arguments
        value: a bool.
    """
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
    """Applies the settings of a keras.json file, as Keras does at import.

    Known keys with valid values ('floatx', 'epsilon', 'image_data_format') are
    applied; the 'backend' key is ignored, and an unreadable or malformed file is
    treated as empty. Unlike Keras the file is never written: a keras.json naming
    keralite would break a Keras installation sharing the same folder.

    # Arguments
        path: the file to read; None reads keras.json in $KERAS_HOME, else in
            ~/.keras.

    # Returns
        The dict read from the file ({} when it is absent or unreadable).
    """
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
