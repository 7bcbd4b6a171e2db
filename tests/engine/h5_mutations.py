"""Deterministic mutations of Keras HDF5 files, for the loader fuzz test.

`mutate(source, target, seed)` copies `source` to `target` and damages the copy in one
of the ways listed in KINDS, chosen and parametrised by `seed` alone, so a failing case
is reproduced from its seed. The kinds reach every stage of loading: raw bytes (flips,
overwritten runs, truncation), the HDF5 structure (groups, datasets, attributes deleted,
retyped, reshaped, swapped), and the JSON configs stored in attributes (keys deleted,
values of the wrong type or value, broken inbound nodes, deep nesting, invalid text).
"""
import json
import random
import shutil

import h5py
import numpy as np

# Values a config entry is replaced by: wrong types and wrong values.
WRONG_VALUES = [None, 1.5, -1, 0, 7, "x", "", [], {}, True, [1, 2], {"class_name": "Nope", "config": {}},
                "valid", [None], [-3, 0]]

# Values an HDF5 attribute is replaced by.
WRONG_ATTRIBUTES = [1, 1.5, np.arange(3), b"", b"\xff\xfe not utf-8", "x", np.array([b"nope"]),
                    np.zeros((2, 2)), np.array([1.5]), np.array([b"a", b"a"]), b"{", b"[]", b"null"]

# Shapes a weight dataset is replaced by; the huge ones are declared, never written.
HUGE_SHAPES = [(2 ** 30,), (2 ** 20, 2 ** 20), (2 ** 62,), (1, 2 ** 31)]

# Dtypes a weight dataset is replaced by.
WRONG_DTYPES = ["S8", "complex64", np.dtype([("a", "f4"), ("b", "i4")]), h5py.string_dtype(), "bool", "int64",
                "float16", "float64", "uint8"]

JSON_ATTRIBUTES = ["model_config", "model_config", "model_config", "training_config"]


class NotApplicable(Exception):
    """This mutation does not apply to this file (another one is drawn)."""


# ------------------------------------------------------------------ bytes
def flip_bits(rng, path):
    data = bytearray(open(path, "rb").read())
    count = rng.choice([1, 2, 4, 16, 64])
    for _ in range(count):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    open(path, "wb").write(bytes(data))
    return "flip %d bits" % count


def flip_near_marker(rng, path):
    # many flips land in weight values and change nothing: aim some at the metadata
    data = bytearray(open(path, "rb").read())
    markers = [b"model_config", b"training_config", b"layer_names", b"weight_names", b"class_name",
               b"inbound_nodes", b"kernel", b"HEAP", b"TREE", b"SNOD", b"OHDR", b"\x89HDF"]
    marker = rng.choice(markers)
    positions = [i for i in range(len(data)) if data.startswith(marker, i)]
    if not positions:
        raise NotApplicable(marker)
    centre = rng.choice(positions)
    for _ in range(rng.choice([1, 3, 8])):
        i = min(max(centre + rng.randint(-96, 96), 0), len(data) - 1)
        data[i] = rng.randrange(256)
    open(path, "wb").write(bytes(data))
    return "bytes near %r at %d" % (marker, centre)


def overwrite_run(rng, path):
    data = bytearray(open(path, "rb").read())
    length = rng.choice([8, 32, 256, 1024])
    start = rng.randrange(len(data))
    fill = rng.choice(["zeros", "ones", "random"])
    for i in range(start, min(start + length, len(data))):
        data[i] = 0 if fill == "zeros" else 0xFF if fill == "ones" else rng.randrange(256)
    open(path, "wb").write(bytes(data))
    return "overwrite %d bytes at %d with %s" % (length, start, fill)


def truncate(rng, path):
    data = open(path, "rb").read()
    keep = rng.randrange(len(data))
    open(path, "wb").write(data[:keep])
    return "truncate to %d bytes" % keep


# ------------------------------------------------------------------ HDF5 structure
def _objects(f):
    names = []
    f.visit(names.append)
    return names


def _datasets(f):
    return [n for n in _objects(f) if isinstance(f[n], h5py.Dataset)]


def _attribute_holders(f):
    return [f] + [f[n] for n in _objects(f) if len(f[n].attrs)]


def delete_object(rng, f):
    name = rng.choice(_objects(f))
    del f[name]
    return "delete %s" % name


def delete_attribute(rng, f):
    holder = rng.choice(_attribute_holders(f))
    attribute = rng.choice(list(holder.attrs))
    del holder.attrs[attribute]
    return "delete attribute %s of %s" % (attribute, holder.name)


def retype_attribute(rng, f):
    holder = rng.choice(_attribute_holders(f))
    attribute = rng.choice(list(holder.attrs))
    value = rng.choice(WRONG_ATTRIBUTES)
    holder.attrs[attribute] = value
    return "attribute %s of %s = %r" % (attribute, holder.name, value)


def edit_name_list(rng, f):
    holders = [(h, a) for h in _attribute_holders(f) for a in h.attrs if a in ("layer_names", "weight_names")]
    holder, attribute = rng.choice(holders)
    names = list(holder.attrs[attribute])
    how = rng.choice(["shuffle", "drop", "duplicate", "bogus", "empty"])
    if how == "shuffle":
        rng.shuffle(names)
    elif how == "drop" and names:
        names.pop(rng.randrange(len(names)))
    elif how == "duplicate" and names:
        names.append(rng.choice(names))
    elif how == "bogus":
        names.insert(rng.randrange(len(names) + 1), b"no_such_thing:0")
    else:
        names = []
    holder.attrs[attribute] = np.array(names, dtype="S") if names else np.array([], dtype="S1")
    return "%s %s of %s" % (how, attribute, holder.name)


def _replace_dataset(f, name, shape, dtype, rng):
    del f[name]
    dataset = f.create_dataset(name, shape=shape, dtype=dtype)
    if int(np.prod(shape, dtype=object)) <= 4096 and np.dtype(dtype).kind in "biuf":
        dataset[...] = np.asarray(rng.random(), dtype=dtype)


def reshape_dataset(rng, f):
    name = rng.choice(_datasets(f))
    dataset = f[name]
    shape, dtype = dataset.shape, dataset.dtype
    how = rng.choice(["huge", "extra dim", "drop dim", "resize dim", "scalar", "empty"])
    if how == "huge":
        new_shape = rng.choice(HUGE_SHAPES)
    elif how == "extra dim":
        new_shape = shape + (rng.choice([1, 2]),)
    elif how == "drop dim" and shape:
        new_shape = shape[1:]
    elif how == "resize dim" and shape:
        axis = rng.randrange(len(shape))
        new_shape = shape[:axis] + (max(shape[axis] + rng.choice([-1, 1, 5]), 0),) + shape[axis + 1:]
    elif how == "scalar":
        new_shape = ()
    else:
        new_shape = (0,)
    _replace_dataset(f, name, new_shape, dtype, rng)
    return "%s: %s shape %s -> %s" % (how, name, shape, new_shape)


def retype_dataset(rng, f):
    name = rng.choice(_datasets(f))
    shape = f[name].shape
    dtype = rng.choice(WRONG_DTYPES)
    _replace_dataset(f, name, shape, dtype, rng)
    return "%s dtype -> %s" % (name, dtype)


def swap_group_and_dataset(rng, f):
    name = rng.choice(_objects(f))
    was_dataset = isinstance(f[name], h5py.Dataset)
    del f[name]
    if was_dataset:
        f.create_group(name)
    else:
        f.create_dataset(name, data=np.arange(rng.choice([1, 3, 12]), dtype="float32"))
    return "%s: %s -> %s" % (name, "dataset" if was_dataset else "group", "group" if was_dataset else "dataset")


# ------------------------------------------------------------------ JSON configs
def _walk(node):
    """Every (container, key) in a JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from _walk(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield node, i
            yield from _walk(value)


def _layers(config):
    found = []
    for container, key in _walk(config):
        value = container[key]
        if isinstance(value, dict) and "class_name" in value and "config" in value:
            found.append(value)
    return found


def delete_key(rng, config):
    keys = [(c, k) for c, k in _walk(config) if isinstance(c, dict)]
    container, key = rng.choice(keys)
    del container[key]
    return "delete key %r" % key


def wrong_value(rng, config):
    container, key = rng.choice(list(_walk(config)))
    value = rng.choice(WRONG_VALUES)
    container[key] = value
    return "%r = %r" % (key, value)


def padding_float(rng, config):
    targets = [(c, k) for c, k in _walk(config) if k in ("padding", "data_format", "activation", "units",
                                                            "strides", "pool_size", "axis", "target_shape")]
    if not targets:
        raise NotApplicable("no such key")
    container, key = rng.choice(targets)
    container[key] = rng.choice([1.5, -2, "nope", [1.5], None])
    return "%s = %r" % (key, container[key])


def empty_inbound_nodes(rng, config):
    layers = [layer for layer in _layers(config) if "inbound_nodes" in layer]
    if not layers:
        raise NotApplicable("not a functional config")
    layer = rng.choice(layers)
    how = rng.choice(["empty list", "empty node", "bad index", "unknown layer"])
    if how == "empty list":
        layer["inbound_nodes"] = []
    elif how == "empty node":
        layer["inbound_nodes"] = [[]]
    elif how == "bad index":
        layer["inbound_nodes"] = [[["%s" % layer["name"], 7, 0, {}]]]
    else:
        layer["inbound_nodes"] = [[["no_such_layer", 0, 0, {}]]]
    return "inbound_nodes of %s: %s" % (layer.get("name"), how)


def unknown_class(rng, config):
    layer = rng.choice(_layers(config))
    layer["class_name"] = rng.choice(["NoSuchLayer", "Model", "Sequential", "Lambda", "InputLayer"])
    return "class_name -> %s" % layer["class_name"]


def rename_layer(rng, config):
    layers = [layer for layer in _layers(config) if isinstance(layer["config"], dict) and "name" in layer["config"]]
    if not layers:
        raise NotApplicable("no named layer")
    layer = rng.choice(layers)
    other = rng.choice(layers)
    layer["config"]["name"] = other["config"]["name"] if rng.random() < 0.5 else "renamed"
    if "name" in layer:
        layer["name"] = layer["config"]["name"]
    return "rename a layer to %s" % layer["config"]["name"]


JSON_EDITS = [delete_key, wrong_value, wrong_value, padding_float, empty_inbound_nodes, unknown_class, rename_layer]


def _deep_list(depth):
    return "[" * depth + "]" * depth


def _deep_sequential(inner, depth):
    opening = '{"class_name": "Sequential", "config": {"name": "n%d", "layers": ['
    text = inner
    for level in range(depth):
        text = (opening % level) + text + "]}}"
    return text


def edit_json(rng, f):
    attribute = rng.choice(JSON_ATTRIBUTES)
    if attribute not in f.attrs:
        raise NotApplicable(attribute)
    raw = f.attrs[attribute]
    text = raw.decode("utf8") if isinstance(raw, bytes) else str(raw)
    how = rng.choice(["edit", "edit", "edit", "edit", "deep list", "deep models", "text"])
    if how == "edit":
        config = json.loads(text)
        edit = rng.choice(JSON_EDITS)
        description = edit(rng, config)
        new_text = json.dumps(config).encode("utf8")
    elif how == "deep list":
        depth = rng.choice([2000, 20000])
        config = json.loads(text)
        container, key = rng.choice(list(_walk(config)))
        container[key] = "@DEEP@"
        new_text = json.dumps(config).replace('"@DEEP@"', _deep_list(depth)).encode("utf8")
        description = "%r = a list nested %d deep" % (key, depth)
    elif how == "deep models":
        depth = rng.choice([50, 300])
        layers = json.loads(text)["config"]
        inner = json.dumps(layers["layers"][-1] if isinstance(layers, dict) else layers[-1])
        new_text = _deep_sequential(inner, depth).encode("utf8")
        description = "model nested %d deep" % depth
    else:
        choice = rng.choice(["cut", "bad utf-8", "garbage", "empty"])
        data = text.encode("utf8")
        new_text = {"cut": data[:rng.randrange(len(data))], "bad utf-8": data[:50] + b"\xff\xfe" + data[50:],
                    "garbage": b"<html>not json</html>", "empty": b""}[choice]
        description = "text: %s" % choice
    f.attrs[attribute] = new_text
    return "%s: %s" % (attribute, description)


STRUCTURED = [delete_object, delete_attribute, retype_attribute, edit_name_list, reshape_dataset, reshape_dataset,
              retype_dataset, swap_group_and_dataset, edit_json, edit_json, edit_json, edit_json]
RAW = [flip_bits, flip_near_marker, flip_near_marker, overwrite_run, truncate]


def mutate(source, target, seed):
    """Copy `source` to `target` and damage the copy as `seed` decides; returns a
    description of the damage."""
    rng = random.Random(seed)
    last = None
    for _ in range(20):
        shutil.copyfile(source, target)
        raw = rng.random() < 0.3
        kind = rng.choice(RAW if raw else STRUCTURED)
        try:
            if raw:
                return kind(rng, target)
            with h5py.File(target, "r+") as f:
                return kind(rng, f)
        except NotApplicable as exc:
            last = exc
            continue
        except (ValueError, OSError, RuntimeError, KeyError, TypeError) as exc:
            # h5py refused the edit itself (an attribute too large for its header...)
            last = exc
            continue
    raise RuntimeError("no mutation applied for seed %d (%s)" % (seed, last))
