"""The errors of loading a model, its weights or its config.

Every failure of `load_model`, `Network.load_weights` and `model_from_config`/`_json`/
`_yaml` is one of the classes below. Each subclasses the built-in type Keras 2 raised
for that kind of failure, so `except ValueError` or `except IOError` written for Keras
keeps working, and each names where the problem is: the file (or the string) being
loaded and the part of it at fault (layer, weight, attribute, config key).

How the parts get named: the readers wrap each stage in `loading_part(...)`, which
notes the part on any exception passing through (the innermost part first, each
enclosing part after it); one `loading_source(...)` block around a whole load turns the
exception into one of these classes, naming the source, and chains the original.
"""
import contextlib

# The attribute under which `loading_part` records, on an exception in flight, the
# parts it passed through (innermost first).
PARTS_ATTRIBUTE = "keralite_load_parts"

# How many of the outermost and of the innermost parts a message shows.
SHOWN_PARTS = 4


class ModelLoadError(Exception):
    """Base class of the errors of loading models, weights and configs.

    # Arguments
        detail: what is wrong, in a sentence.
        source: the file loaded (a path), or a description of the string or config
            loaded; filled in by `loading_source` when not given.
        parts: the parts of the source at fault, innermost first (e.g.
            `["config key 'padding'", "layer 'conv2d_1' (Conv2D)"]`).
    """

    def __init__(self, detail, source=None, parts=None):
        super().__init__(detail)
        self.detail = detail
        self.source = source
        setattr(self, PARTS_ATTRIBUTE, list(parts or []))

    @property
    def parts(self):
        """The parts at fault, outermost first."""
        return list(reversed(getattr(self, PARTS_ATTRIBUTE)))

    def __str__(self):
        where = self.source if self.source is not None else "the model config"
        parts = self.parts
        if len(parts) > 2 * SHOWN_PARTS:
            # a deeply nested config: its outermost and innermost parts say enough
            hidden = len(parts) - 2 * SHOWN_PARTS
            parts = parts[:SHOWN_PARTS] + ["(%d more)" % hidden] + parts[-SHOWN_PARTS:]
        if parts:
            where += ", " + " > ".join(parts)
        return "Unable to load %s: %s" % (where, self.detail)


class MalformedModelError(ModelLoadError, ValueError):
    """The file, string or config is not a valid Keras model or weights file: a
    missing or ill-typed config key, attribute, group or dataset; an unknown layer; a
    layer argument it refuses; inbound nodes that cannot be connected; a config nested
    too deeply to read. A `ValueError`, as Keras raised for bad configs."""


class WeightMismatchError(MalformedModelError):
    """The stored weights do not fit the model: another number of layers or weights,
    another shape (checked on the declared shape, before any data is read), or a
    dtype that is not numeric. A `ValueError`, as in Keras."""


class UnreadableModelFileError(ModelLoadError, OSError):
    """The file does not exist, cannot be opened as HDF5, or libhdf5 cannot read a part
    of it (truncated or damaged). An `OSError` (`IOError`), as in Keras."""


class ModelConfigTypeError(ModelLoadError, TypeError):
    """The config given is not of the type the function takes (a list given to
    `model_from_config`). A `TypeError`, as in Keras."""


class MissingDependencyError(ModelLoadError, ImportError):
    """A module the load needs is not installed (PyYAML for `model_from_yaml`). An
    `ImportError`, as in Keras."""


@contextlib.contextmanager
def loading_part(description):
    """Note `description` (e.g. "layer 'dense_1' (Dense)") on any exception leaving
    the block, so the error finally raised names the part being read."""
    try:
        yield
    except Exception as exc:
        if getattr(exc, PARTS_ATTRIBUTE, None) is None:
            setattr(exc, PARTS_ATTRIBUTE, [])
        getattr(exc, PARTS_ATTRIBUTE).append(description)
        raise


@contextlib.contextmanager
def loading_source(source):
    """Turns any exception leaving the block into a `ModelLoadError` naming `source`.

    A user loading a broken file gets one kind of error that says which file (and which
    part of it) failed, instead of a KeyError from deep inside h5py. A
    `ModelLoadError` that names no source yet gets this one (a config read from a file
    is then reported against the file); any other exception becomes the class of its
    kind, with the original type and message kept in the detail and chained.
    MemoryError is the machine's limit, not the file's fault: it passes unchanged.

    # Arguments
        source: text naming what is being loaded, such as the file's path or
            "the JSON string".

    # Yields
        Nothing: it is used as `with loading_source(path): ...`.

    # Raises
        ModelLoadError: (a subclass of it) for any exception raised inside the block,
            except MemoryError.
    """
    try:
        yield
    except ModelLoadError as exc:
        if exc.source is None:
            exc.source = source
        raise
    except MemoryError:
        raise
    except Exception as exc:
        raise as_load_error(exc, source) from exc


def as_load_error(exc, source):
    """The `ModelLoadError` reporting `exc` (raised while loading `source`)."""
    parts = getattr(exc, PARTS_ATTRIBUTE, None)
    if isinstance(exc, RecursionError):
        return MalformedModelError("the config is nested too deeply to read (RecursionError: %s)" % exc,
                                   source, parts)
    if isinstance(exc, OSError):
        return UnreadableModelFileError("the file is truncated, corrupt or not HDF5 (%s: %s)"
                                        % (type(exc).__name__, exc), source, parts)
    if isinstance(exc, ImportError):
        return MissingDependencyError(str(exc), source, parts)
    if isinstance(exc, KeyError):
        return MalformedModelError("missing %s (KeyError)" % exc, source, parts)
    if type(exc) is ValueError:
        return MalformedModelError(str(exc), source, parts)
    return MalformedModelError("%s (%s)" % (exc, type(exc).__name__), source, parts)


def describe_layer_config(layer_config, index=None):
    """How a message names the layer a config describes: "layer 'dense_1' (Dense)",
    falling back on its position when the config has no usable name."""
    name = class_name = None
    if isinstance(layer_config, dict):
        class_name = layer_config.get("class_name")
        name = layer_config.get("name")
        inner = layer_config.get("config")
        if name is None and isinstance(inner, dict):
            name = inner.get("name")
    label = "layer %r" % (name,) if isinstance(name, str) else "layer #%s" % index
    if isinstance(class_name, str):
        label += " (%s)" % class_name
    return label
