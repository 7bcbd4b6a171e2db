"""Saving and loading models in the Keras 2 HDF5 layout.

A file holds `model_config` (JSON architecture), `training_config` (optimizer, loss,
metrics), `model_weights/<layer>/<weight name>` datasets listed by the `layer_names`
and `weight_names` attributes, and `optimizer_weights`. Weights are positional: the
order of `weight_names` is the order of `layer.weights`, never sorted. Files written by
Keras 2.1.6 and by newer Keras 2 (tf_keras legacy .h5) load; files written here load in
Keras 2.
"""
import json
import os
import warnings

import numpy as np

from .. import backend as K
from .. import optimizers
from ..utils.io_utils import atomic_path
from .saving_errors import (MalformedModelError, ModelLoadError, UnreadableModelFileError,
                            WeightMismatchError, loading_part, loading_source)
from .hdf5_probe import probe_metadata, probe_timeout
from .weight_datasets import (check_declared_sizes, checked_datasets, layer_weight_values, read_values,
                              weight_count)

KERAS_VERSION = "2.1.6"
# Kernels are stored with TensorFlow's conventions (cross-correlation, channels_last
# layouts as configured), so files say so for Keras 2 loaders.
SAVED_BACKEND = "tensorflow"


def _h5py():
    import h5py
    return h5py


def _json_default(obj):
    if hasattr(obj, "get_config"):
        return {"class_name": obj.__class__.__name__, "config": obj.get_config()}
    if type(obj).__module__ == np.__name__:
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        return obj.item()
    if callable(obj):
        return obj.__name__
    if type(obj).__name__ == type.__name__:
        return obj.__name__
    raise TypeError("Not JSON Serializable:", obj)


def _decode(value):
    return value.decode("utf8") if isinstance(value, bytes) else value


# ------------------------------------------------------------------ attributes
HDF5_OBJECT_HEADER_LIMIT = 64512


def save_attributes_to_hdf5_group(group, name, data):
    """Store a list attribute, split into name0, name1, ... when it is too large."""
    bad = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if bad:
        raise RuntimeError("The following attributes cannot be saved to HDF5 file because they are larger "
                           "than %d bytes: %s" % (HDF5_OBJECT_HEADER_LIMIT, bad))
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunked):
        num_chunks += 1
        chunked = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunked):
            group.attrs["%s%d" % (name, i)] = chunk
    else:
        group.attrs[name] = data


def load_attributes_from_hdf5_group(group, name):
    """A list attribute of strings, joined from its name0, name1, ... chunks if split."""
    with loading_part("attribute %r of %s" % (name, group.name)):
        if name in group.attrs:
            return _string_list(group.attrs[name])
        data, i = [], 0
        while "%s%d" % (name, i) in group.attrs:
            data.extend(_string_list(group.attrs["%s%d" % (name, i)]))
            i += 1
        return data


def _string_list(value):
    if isinstance(value, (str, bytes)) or np.ndim(value) != 1:
        raise MalformedModelError("the attribute holds %r, not a list of names" % (value,))
    names = [_decode(n) for n in value]
    if not all(isinstance(n, str) for n in names):
        raise MalformedModelError("the attribute holds %r, not a list of names" % (names,))
    return names


# ------------------------------------------------------------------ weights
def _weight_name(w, i):
    name = getattr(w, "name", None) or "param_%d" % i
    return name if name.endswith(":0") else name + ":0"


def _write_datasets(group, names, values):
    """The `weight_names` attribute of `group` and one dataset per (name, value)."""
    save_attributes_to_hdf5_group(group, "weight_names", names)
    for name, val in zip(names, values):
        dataset = group.create_dataset(name.decode("utf8"), val.shape, dtype=val.dtype)
        if not val.shape:
            dataset[()] = val
        else:
            dataset[:] = val


def save_weights_to_hdf5_group(group, layers):
    save_attributes_to_hdf5_group(group, "layer_names", [layer.name.encode("utf8") for layer in layers])
    group.attrs["backend"] = SAVED_BACKEND.encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in layers:
        g = group.create_group(layer.name)
        symbolic_weights = layer.weights
        weight_values = K.batch_get_value(symbolic_weights)
        weight_names = [_weight_name(w, i).encode("utf8") for i, w in enumerate(symbolic_weights)]
        _write_datasets(g, weight_names, weight_values)


def _layer_group(group, name):
    """The group of layer `name`, which `layer_names` lists."""
    if name not in group:
        raise MalformedModelError("layer_names lists %r, but the file has no group of that name" % name)
    layer_group = group[name]
    if not isinstance(layer_group, _h5py().Group):
        raise MalformedModelError("%r is a %s, not a group of weights" % (name, type(layer_group).__name__))
    return layer_group


def _names(names, shown=12):
    """A list of names for a message, cut after `shown` of them."""
    names = list(names)
    if len(names) > shown:
        return ", ".join(names[:shown]) + ", ... (%d in all)" % len(names)
    return ", ".join(names)


def _source_of(group):
    """The file a group belongs to, as error messages name it."""
    return getattr(group.file, "filename", None) or repr(group)


# Theano convolves (flipping the kernel) where TensorFlow and keralite correlate, so
# Keras 2.1.6 flips the spatial axes of these layers' kernels in files written by Theano:
# the first `count` weights, matched by exact class name (subclasses such as
# DepthwiseConv2D, and SeparableConv*/Conv3DTranspose, are left as Keras 2.1.6 left them).
THEANO_FLIPPED_KERNELS = {"Conv1D": 1, "Conv2D": 1, "Conv3D": 1, "Conv2DTranspose": 1, "ConvLSTM2D": 2}


def _convert_theano_kernels(layer, weights, original_backend):
    count = THEANO_FLIPPED_KERNELS.get(layer.__class__.__name__, 0)
    if original_backend != "theano" or not count:
        return weights
    from ..utils.conv_utils import convert_kernel
    weights = list(weights)
    for i in range(min(count, len(weights))):
        weights[i] = convert_kernel(weights[i])
    return weights


def preprocess_weights_for_loading(layer, weights, original_keras_version=None, original_backend=None):
    """Adapt stored weights to this layer (layer families add their conversions here:
    Theano conv kernels, fused RNN kernels...). Layers may define
    `_convert_loaded_weights(weights, original_keras_version, original_backend)`."""
    convert = getattr(layer, "_convert_loaded_weights", None)
    if convert is not None:
        weights = convert(weights, original_keras_version, original_backend)
    weights = _convert_theano_kernels(layer, weights, original_backend)
    # wrappers hold their inner layers' weights: convert those layer by layer
    if layer.__class__.__name__ == "Bidirectional":
        half = len(weights) // 2
        weights = (preprocess_weights_for_loading(layer.forward_layer, weights[:half],
                                                  original_keras_version, original_backend) +
                   preprocess_weights_for_loading(layer.backward_layer, weights[half:],
                                                  original_keras_version, original_backend))
    elif layer.__class__.__name__ == "TimeDistributed":
        weights = preprocess_weights_for_loading(layer.layer, weights, original_keras_version, original_backend)
    from .network import Network
    if isinstance(layer, Network):
        # a nested model lists all its trainable weights first, then the others
        new_weights = []
        for kind in ("trainable", "non_trainable"):
            for sublayer in layer.layers:
                if kind == "trainable":
                    n = len(sublayer.trainable_weights)
                else:
                    n = len(sublayer.weights) - len(sublayer.trainable_weights)
                if n:
                    new_weights.extend(preprocess_weights_for_loading(sublayer, weights[:n],
                                                                      original_keras_version, original_backend))
                    weights = weights[n:]
        weights = new_weights + list(weights)
    return weights


def _saved_backend(group):
    """The backend that wrote the weights: the group's attribute, else the file's."""
    for attrs in (group.attrs, group.file.attrs):
        if "backend" in attrs:
            return _decode(attrs["backend"])
    return None


def load_weights_from_hdf5_group(group, layers, reshape=False):
    """Set the weights of `layers` from `group`, layer by layer in order.

    # Raises
        WeightMismatchError: another number of layers or weights, or another shape
            (a declared shape too large for the layer is refused before it is read).
        MalformedModelError, UnreadableModelFileError: see `load_model`.
    """
    with loading_source(_source_of(group)):
        _load_weights_in_order(group, layers, reshape)


def _load_weights_in_order(group, layers, reshape):
    original_keras_version = _decode(group.attrs.get("keras_version", b"1"))
    original_backend = _saved_backend(group)
    filtered_layers = [layer for layer in layers if layer.weights]
    layer_names = load_attributes_from_hdf5_group(group, "layer_names")
    filtered_layer_names = []
    for name in layer_names:
        with loading_part("layer %r" % name):
            if load_attributes_from_hdf5_group(_layer_group(group, name), "weight_names"):
                filtered_layer_names.append(name)
    if len(filtered_layer_names) != len(filtered_layers):
        raise WeightMismatchError("You are trying to load a weight file containing " + str(len(filtered_layer_names)) +
                                  " layers into a model with " + str(len(filtered_layers)) + " layers. (Layers with "
                                  "weights in the file: %s; in the model: %s.)"
                                  % (_names(filtered_layer_names), _names(layer.name for layer in filtered_layers)))
    weight_value_tuples = []
    for k, name in enumerate(filtered_layer_names):
        layer = filtered_layers[k]
        with loading_part("layer %r" % name):
            layer_group = _layer_group(group, name)
            weight_names = load_attributes_from_hdf5_group(layer_group, "weight_names")
            weight_values = layer_weight_values(layer_group, weight_names, layer)
            weight_values = preprocess_weights_for_loading(layer, weight_values, original_keras_version,
                                                           original_backend)
            symbolic_weights = layer.weights
            if len(weight_values) != len(symbolic_weights):
                raise WeightMismatchError("Layer #" + str(k) + " (named \"" + layer.name + "\" in the current model) "
                                          "was found to correspond to layer " + name + " in the save file. However "
                                          "the new layer " + layer.name + " expects " + str(len(symbolic_weights)) +
                                          " weights, but the saved weights have " + str(len(weight_values)) +
                                          " elements.")
            for w, v in zip(symbolic_weights, weight_values):
                if K.int_shape(w) != v.shape:
                    if reshape and np.prod(v.shape) == np.prod(K.int_shape(w)):
                        v = np.reshape(v, K.int_shape(w))
                    else:
                        raise WeightMismatchError("Layer #" + str(k) + " (named \"" + layer.name + "\"), weight " +
                                                  str(w.name) + " has shape " + str(K.int_shape(w)) + ", but the "
                                                  "saved weight has shape " + str(v.shape) + ".")
                weight_value_tuples.append((w, v))
    K.batch_set_value(weight_value_tuples)


def load_weights_from_hdf5_group_by_name(group, layers, skip_mismatch=False, reshape=False):
    """Set the weights of the `layers` named like a layer of `group`.

    # Raises
        WeightMismatchError: a named layer whose stored weights differ in number or
            shape (unless skip_mismatch, which warns and skips that layer instead).
        MalformedModelError, UnreadableModelFileError: see `load_model`.
    """
    with loading_source(_source_of(group)):
        _load_weights_by_name(group, layers, skip_mismatch, reshape)


def _load_weights_by_name(group, layers, skip_mismatch, reshape):
    original_keras_version = _decode(group.attrs.get("keras_version", b"1"))
    original_backend = _saved_backend(group)
    layer_names = load_attributes_from_hdf5_group(group, "layer_names")
    index = {}
    for layer in layers:
        if layer.name:
            index.setdefault(layer.name, []).append(layer)
    weight_value_tuples = []
    for k, name in enumerate(layer_names):
        # only the layers the model has are read: the others may hold anything
        for layer in index.get(name, []):
            with loading_part("layer %r" % name):
                layer_group = _layer_group(group, name)
                weight_names = load_attributes_from_hdf5_group(layer_group, "weight_names")
                try:
                    weight_values = layer_weight_values(layer_group, weight_names, layer)
                except WeightMismatchError as exc:
                    if not skip_mismatch:
                        raise
                    warnings.warn("Skipping loading of weights for layer {} due to mismatch: {}"
                                  .format(layer.name, exc.detail))
                    continue
                symbolic_weights = layer.weights
                values = preprocess_weights_for_loading(layer, weight_values, original_keras_version,
                                                        original_backend)
                if len(values) != len(symbolic_weights):
                    if skip_mismatch:
                        warnings.warn("Skipping loading of weights for layer {} due to mismatch in number of "
                                      "weights ({} vs {}).".format(layer.name, len(symbolic_weights), len(values)))
                        continue
                    raise WeightMismatchError("Layer #" + str(k) + " (named \"" + layer.name + "\") expects " +
                                              str(len(symbolic_weights)) + " weight(s), but the saved weights have " +
                                              str(len(values)) + " element(s).")
                for i, (w, v) in enumerate(zip(symbolic_weights, values)):
                    if K.int_shape(w) != v.shape:
                        if skip_mismatch:
                            warnings.warn("Skipping loading of weights for layer {} due to mismatch in shape "
                                          "({} vs {}).".format(layer.name, w.shape, v.shape))
                            break
                        raise WeightMismatchError("Layer #" + str(k) + " (named \"" + layer.name + "\"), weight " +
                                                  str(w.name) + " has shape {}, but the saved weight has shape "
                                                  .format(K.int_shape(w)) + str(v.shape) + ".")
                    weight_value_tuples.append((w, v))
    K.batch_set_value(weight_value_tuples)


# ------------------------------------------------------------------ whole models
def _source_name(filepath):
    """The file being loaded, as error messages name it."""
    if isinstance(filepath, _h5py().Group):
        return _source_of(filepath)
    try:
        return os.fspath(filepath)
    except TypeError:
        return repr(filepath)


def _open_for_reading(filepath):
    h5py = _h5py()
    if isinstance(filepath, h5py.Group):
        return filepath, False
    if not isinstance(filepath, (str, bytes, os.PathLike)):
        raise MalformedModelError("expected the path of an HDF5 file or an open h5py group, got %r" % (filepath,))
    if not os.path.exists(filepath):
        raise UnreadableModelFileError("the file does not exist")
    timeout = probe_timeout()
    if timeout is not None:
        probe_metadata(filepath, timeout)
    try:
        return h5py.File(filepath, mode="r"), True
    except OSError as exc:
        raise UnreadableModelFileError("the file is truncated, corrupt or not HDF5 (%s)" % exc) from exc


def _json_attribute(attrs, name):
    """The value of the JSON attribute `name`, parsed."""
    with loading_part("attribute %r" % name):
        text = _decode(attrs[name])
        if not isinstance(text, str):
            raise MalformedModelError("the attribute holds %s, not a JSON string" % type(text).__name__)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise MalformedModelError("the attribute is not valid JSON (%s)" % exc) from exc


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Saves a model to one HDF5 file: architecture, weights and optimizer state.

    The file has Keras 2's layout (the same groups and attributes), so Keras can load
    it, and it is written to a temporary name first and moved into place, so an
    interrupted save never leaves a half-written model behind.

    # Arguments
        model: the model to save.
        filepath: path of the `.h5` file, or an open `h5py.Group` to write into.
        overwrite: whether to replace an existing file silently; False asks on the
            terminal first.
        include_optimizer: whether to store the optimizer's config and state, needed
            to resume training.
    """
    h5py = _h5py()
    if not overwrite and os.path.isfile(filepath):
        from ..utils.io_utils import ask_to_proceed_with_overwrite
        if not ask_to_proceed_with_overwrite(filepath):
            return
    if isinstance(filepath, h5py.Group):
        _write_model(model, filepath, include_optimizer)
        return
    with atomic_path(filepath) as temporary:
        with h5py.File(temporary, mode="w") as f:
            _write_model(model, f, include_optimizer)


def _write_model(model, f, include_optimizer):
    """The model's architecture, weights and optimizer state into the open file `f`."""
    f.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    f.attrs["backend"] = SAVED_BACKEND.encode("utf8")
    f.attrs["model_config"] = json.dumps({"class_name": model.__class__.__name__,
                                          "config": model.get_config()},
                                         default=_json_default).encode("utf8")
    model_weights_group = f.create_group("model_weights")
    save_weights_to_hdf5_group(model_weights_group, _weight_layers(model))
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None:
        f.attrs["training_config"] = json.dumps({
            "optimizer_config": {"class_name": optimizer.__class__.__name__, "config": optimizer.get_config()},
            "loss": model.loss, "metrics": model.metrics, "sample_weight_mode": model.sample_weight_mode,
            "loss_weights": model.loss_weights}, default=_json_default).encode("utf8")
        symbolic_weights = getattr(optimizer, "weights", [])
        if symbolic_weights:
            group = f.create_group("optimizer_weights")
            values = K.batch_get_value(symbolic_weights)
            names = [("training/" + optimizer.__class__.__name__ + "/" +
                      _weight_name(w, i)).encode("utf8") for i, w in enumerate(symbolic_weights)]
            # names must be unique inside the group
            seen = {}
            unique = []
            for n in names:
                count = seen.get(n, 0)
                seen[n] = count + 1
                unique.append(n if not count else n.replace(b":0", b"_%d:0" % count))
            _write_datasets(group, unique, values)
    f.flush()


def _weight_layers(model):
    """The layers whose weights a file lists, in order: `model.layers` (a functional
    model's InputLayers included, a Sequential's generated InputLayer not)."""
    return model.layers


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a Keras 2 HDF5 file, compiled with its stored training config.

    # Arguments
        filepath: the path of the file, or an open h5py group holding the model.
        custom_objects: classes and functions the config names that are not Keras'.
        compile: whether to compile the model with its stored training config.
        safe_mode: Lambda layers holding Python bytecode are only rebuilt with
            safe_mode=False (or when their function is in custom_objects), since
            rebuilding runs code stored in the file.

    # Returns
        The model, its weights (and optimizer state) set from the file.

    # Raises
        UnreadableModelFileError (an IOError): the file does not exist or is not
            readable HDF5 (truncated, damaged).
        WeightMismatchError (a ValueError): the stored weights do not fit the model
            the config describes (counts, shapes, non-numeric dtypes); shapes are
            compared before any data is read.
        MalformedModelError (a ValueError): anything else wrong with the file: no
            model_config, invalid JSON, missing or ill-typed keys and attributes,
            unknown layers, layer arguments refused, unconnectable inbound nodes,
            configs nested too deeply, Lambda bytecode refused by safe_mode.
        Each is a ModelLoadError whose message names the file and the part at fault
        (attribute, layer, weight, config key), chained to the original exception.
        A damaged optimizer state only warns, as in Keras: the model then starts with
        a fresh optimizer.
    """
    source = _source_name(filepath)
    with loading_source(source):
        f, opened = _open_for_reading(filepath)
        try:
            return _read_model(f, source, custom_objects, compile, safe_mode)
        finally:
            if opened:
                f.close()


def _read_model(f, source, custom_objects, compile, safe_mode):
    from ..models import model_from_config
    if "model_config" not in f.attrs:
        raise MalformedModelError("No model found in config file: %s" % source)
    model_config = _json_attribute(f.attrs, "model_config")
    with loading_part("attribute 'model_config'"):
        model = model_from_config(model_config, custom_objects=custom_objects, safe_mode=safe_mode)
    with loading_part("group 'model_weights'"):
        if "model_weights" not in f:
            raise MalformedModelError("the file has no model_weights group")
        _load_weights_in_order(f["model_weights"], _weight_layers(model), reshape=False)
    if "training_config" not in f.attrs:
        if compile:
            warnings.warn("No training configuration found in save file: the model was *not* compiled. "
                          "Compile it manually.")
        return model
    if not compile:
        return model
    training_config = _json_attribute(f.attrs, "training_config")
    with loading_part("attribute 'training_config'"):
        _compile_from_training_config(model, training_config, custom_objects)
    if "optimizer_weights" in f:
        with loading_part("group 'optimizer_weights'"):
            _load_optimizer_weights(model, f["optimizer_weights"], source)
    return model


def _compile_from_training_config(model, training_config, custom_objects):
    if not isinstance(training_config, dict):
        raise MalformedModelError("the training config is a %s, not a JSON object"
                                  % type(training_config).__name__)
    with loading_part("config key 'optimizer_config'"):
        if "optimizer_config" not in training_config:
            raise MalformedModelError("the key is missing")
        optimizer = optimizers.deserialize(training_config["optimizer_config"], custom_objects=custom_objects)
    with loading_part("config key 'loss'"):
        if "loss" not in training_config:
            raise MalformedModelError("the key is missing")
        loss = _convert_custom_objects(training_config["loss"], custom_objects)
    with loading_part("config key 'metrics'"):
        metrics = _plain_metrics(_convert_custom_objects(training_config.get("metrics"), custom_objects))
    with loading_part("config keys 'loss', 'metrics', 'loss_weights', 'sample_weight_mode' (compiling)"):
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics,
                      loss_weights=training_config.get("loss_weights"),
                      sample_weight_mode=training_config.get("sample_weight_mode"))


def _load_optimizer_weights(model, group, source):
    """Set the optimizer's state from `group`; a state that does not fit warns (as in
    Keras) and leaves the optimizer fresh."""
    model._make_train_function()
    optimizer = model.optimizer
    names = load_attributes_from_hdf5_group(group, "weight_names")
    try:
        datasets = checked_datasets(group, names)
        sizes = [weight_count([w]) for w in optimizer.weights]
        check_declared_sizes(datasets, max(sizes, default=1),
                             "any weight of the %s optimizer (the largest holds %d values)"
                             % (optimizer.__class__.__name__, max(sizes, default=1)))
        values = read_values(datasets)
        set_optimizer_weights(optimizer, names, values)
    except ValueError as exc:
        if isinstance(exc, ModelLoadError):
            exc.source = source
        warnings.warn("Error in loading the saved optimizer state. As a result, your model is starting with "
                      "a freshly initialized optimizer. (%s: %s)" % (source, exc))


# ------------------------------------------------------------------ optimizer state
def set_optimizer_weights(optimizer, names, values):
    """Load saved optimizer weights, in whichever Keras 2 layout they were written.

    Keras 2.1.6 (and the legacy optimizers of newer Keras) list the iteration counter,
    then one kind of slot for every variable, then the next kind. The optimizers of
    Keras >= 2.11 interleave the kinds per variable ('Adam/m/dense/kernel',
    'Adam/v/dense/kernel', ...): those are regrouped by kind here, from their names.
    Newer files also omit Adam's unused `vhats` (kept at their current value) and
    store Nadam's momentum schedule as a slot (`momentum_cache`).
    """
    names, values = list(names), list(values)
    if names and names[0].split(":")[0] == "iteration":
        # Keras >= 2.11: 'iteration:0', then '<optimizer>/<slot kind>/<variable path>:0'
        kinds = [None] + [name.split("/")[1] if name.count("/") >= 2 else None for name in names[1:]]
    else:
        kinds = [None] * len(names)
    if any(kind is not None for kind in kinds):
        order = []
        for kind in dict.fromkeys(k for k in kinds if k is not None):
            order += [i for i, k in enumerate(kinds) if k == kind]
        leading = [i for i, k in enumerate(kinds) if k is None]
        names = [names[i] for i in leading + order]
        values = [values[i] for i in leading + order]
    for i, name in enumerate(names):
        if _base_name(name) == "momentum_cache" and np.ndim(values[i]) == 0:
            schedule = values.pop(i)
            names.pop(i)
            if hasattr(optimizer, "m_schedule"):
                K.set_value(optimizer.m_schedule, schedule)
            break
    expected = optimizer.weights
    if len(values) < len(expected):
        current = K.batch_get_value(expected)
        if all(np.shape(v) == c.shape for v, c in zip(values, current)):
            # slots the file does not hold (Adam's vhats without amsgrad) keep their value
            values = values + current[len(values):]
    optimizer.set_weights(values)


def _base_name(name):
    return name.rsplit("/", 1)[-1].split(":")[0]


def _plain_metrics(metrics):
    """Newer files may store metrics per output as nested lists: keep what compile takes."""
    if isinstance(metrics, list) and metrics and all(isinstance(m, list) for m in metrics):
        flat = []
        for m in metrics:
            flat.extend(x for x in m if x not in flat)
        return flat
    return metrics


def _convert_custom_objects(obj, custom_objects):
    custom_objects = custom_objects or {}
    if isinstance(obj, list):
        return [_convert_custom_objects(o, custom_objects) for o in obj]
    if isinstance(obj, dict):
        if "class_name" in obj and "config" in obj:
            # newer files store losses as serialized objects
            return obj["config"].get("name", obj["class_name"]) if obj["class_name"] not in custom_objects \
                else custom_objects[obj["class_name"]]
        return {k: _convert_custom_objects(v, custom_objects) for k, v in obj.items()}
    if obj in custom_objects:
        return custom_objects[obj]
    return obj


def save_weights(model, filepath, overwrite=True):
    h5py = _h5py()
    if not overwrite and os.path.isfile(filepath):
        from ..utils.io_utils import ask_to_proceed_with_overwrite
        if not ask_to_proceed_with_overwrite(filepath):
            return
    with atomic_path(filepath) as temporary:
        with h5py.File(temporary, "w") as f:
            save_weights_to_hdf5_group(f, _weight_layers(model))
            f.flush()


def load_weights(model, filepath, by_name=False, skip_mismatch=False, reshape=False):
    """Set `model`'s weights from a weights file (or a whole-model file).

    # Raises
        UnreadableModelFileError (an IOError), WeightMismatchError and
        MalformedModelError (ValueErrors), as for `load_model`, naming the file and the
        layer or weight at fault.
    """
    source = _source_name(filepath)
    with loading_source(source):
        f, opened = _open_for_reading(filepath)
        try:
            if "layer_names" not in f.attrs and "model_weights" in f:
                f_group = f["model_weights"]
            else:
                f_group = f
            if by_name:
                _load_weights_by_name(f_group, _weight_layers(model), skip_mismatch, reshape)
            else:
                _load_weights_in_order(f_group, _weight_layers(model), reshape)
        finally:
            if opened:
                f.close()
