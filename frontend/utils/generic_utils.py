"""Keras 2 generic utilities: custom objects, (de)serialisation of Keras objects,
function marshalling, the progress bar and small list helpers."""
import binascii
import codecs
import inspect
import marshal
import sys
import time
import types as python_types

import numpy as np

_GLOBAL_CUSTOM_OBJECTS = {}


class CustomObjectScope:
    """`with CustomObjectScope({'MyLayer': MyLayer}):` makes the names visible to
    deserialisation (load_model, model_from_json, layers.deserialize...)."""

    def __init__(self, *args):
        self.custom_objects = args
        self.backup = None

    def __enter__(self):
        self.backup = _GLOBAL_CUSTOM_OBJECTS.copy()
        for objects in self.custom_objects:
            _GLOBAL_CUSTOM_OBJECTS.update(objects)
        return self

    def __exit__(self, *args, **kwargs):
        _GLOBAL_CUSTOM_OBJECTS.clear()
        _GLOBAL_CUSTOM_OBJECTS.update(self.backup)


def custom_object_scope(*args):
    """A `CustomObjectScope`, for `with custom_object_scope({'MyLayer': MyLayer}): ...`.

    Lets code that loads models (`load_model`, `model_from_json`) find custom layers,
    losses or metrics by name without passing `custom_objects` through every call.

    # Arguments
        *args: dicts mapping names to classes or functions.

    # Returns
        A context manager that adds the names for the duration of the block.
    """
    return CustomObjectScope(*args)


def get_custom_objects():
    """The global dict of custom objects, which deserialisation searches by name.

    Writing into it (`get_custom_objects()['swish'] = swish`) registers an object for
    the whole program, e.g. a custom activation referred to by name.

    # Returns
        The dict itself (not a copy).
    """
    return _GLOBAL_CUSTOM_OBJECTS


def serialize_keras_object(instance):
    """The serialised form of a Keras object, as configs store it.

    # Arguments
        instance: an object with `get_config` (layer, optimizer, initializer, ...), a
            function (activation, loss), or None.

    # Returns
        `{'class_name': ..., 'config': ...}` for configurable objects, the function's
        name for functions, None for None.

    # Raises
        ValueError: for an object that is neither.
    """
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": instance.__class__.__name__, "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return instance.__name__
    raise ValueError("Cannot serialize", instance)


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Rebuilds an object from its serialised form, looking its name up.

    Names are searched in `custom_objects`, then in the global custom objects, then in
    `module_objects`, so user classes can replace built-in ones.

    # Arguments
        identifier: a `{'class_name': ..., 'config': ...}` dict, or the name of a
            function.
        module_objects: dict of the built-in names of the module asking.
        custom_objects: optional dict of user classes and functions.
        printable_module_name: what the object is (`"layer"`, `"loss"`, ...), for the
            error message.

    # Returns
        The new instance, or the function named.

    # Raises
        ValueError: for a malformed dict, an unknown name, or an identifier of another
            type.
    """
    if isinstance(identifier, dict):
        config = identifier
        if "class_name" not in config or "config" not in config:
            raise ValueError("Improper config format: " + str(config))
        class_name = config["class_name"]
        cls = _lookup(class_name, module_objects, custom_objects)
        if cls is None:
            raise ValueError("Unknown " + printable_module_name + ": " + class_name)
        if hasattr(cls, "from_config"):
            arg_spec = inspect.signature(cls.from_config)
            custom_objects = custom_objects or {}
            if "custom_objects" in arg_spec.parameters:
                return cls.from_config(config["config"],
                                       custom_objects=dict(list(_GLOBAL_CUSTOM_OBJECTS.items()) +
                                                           list(custom_objects.items())))
            with CustomObjectScope(custom_objects):
                return cls.from_config(config["config"])
        custom_objects = custom_objects or {}
        with CustomObjectScope(custom_objects):
            return cls(**config["config"])
    if isinstance(identifier, str):
        fn = _lookup(identifier, module_objects, custom_objects)
        if fn is None:
            raise ValueError("Unknown " + printable_module_name + ":" + identifier)
        return fn
    raise ValueError("Could not interpret serialized " + printable_module_name + ": " + str(identifier))


def _lookup(name, module_objects, custom_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    module_objects = module_objects or {}
    return module_objects.get(name)


def func_dump(func):
    """A Python function as (code, defaults, closure) that `func_load` can rebuild."""
    raw_code = marshal.dumps(func.__code__)
    code = codecs.encode(raw_code, "base64").decode("ascii")
    defaults = func.__defaults__
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, defaults, closure


def func_load(code, defaults=None, closure=None, globs=None):
    """Rebuild a function from `func_dump` output (this RUNS stored bytecode: callers
    must only do it for trusted files)."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
        if isinstance(defaults, list):
            defaults = tuple(defaults)

    if closure is not None:
        closure = tuple(python_types.CellType(value) for value in closure)
    try:
        raw_code = codecs.decode(code.encode("ascii"), "base64")
        code = marshal.loads(raw_code)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raw_code = code.encode("raw_unicode_escape")
        code = marshal.loads(raw_code)
    if globs is None:
        globs = globals()
    return python_types.FunctionType(code, globs, name=code.co_name, argdefs=defaults, closure=closure)


def has_arg(fn, name, accept_all=False):
    """Whether a callable takes an argument of the given name.

    Lets callers pass optional arguments (`mask`, `training`, `custom_objects`) only
    to functions that accept them, so user code written without them still works.

    # Arguments
        fn: the callable.
        name: the argument's name.
        accept_all: whether a `**kwargs` parameter counts as accepting any name.

    # Returns
        Boolean (False when the signature cannot be read).
    """
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if accept_all and any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return True
    p = params.get(name)
    return p is not None and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def to_list(x):
    return x if isinstance(x, list) else [x]


def unpack_singleton(x):
    return x[0] if isinstance(x, list) and len(x) == 1 else x


def object_list_uid(object_list):
    return ", ".join(str(abs(id(x))) for x in to_list(object_list))


def is_all_none(iterable_or_element):
    return all(e is None for e in to_list(iterable_or_element))


def slice_arrays(arrays, start=None, stop=None):
    """Slice a list of arrays (or one array) by [start:stop] or by an index array."""
    if arrays is None:
        return [None]
    if isinstance(arrays, list):
        if hasattr(start, "__len__"):
            if hasattr(start, "shape"):
                start = start.tolist()
            return [None if x is None else x[start] for x in arrays]
        return [None if x is None else x[start:stop] for x in arrays]
    if hasattr(start, "__len__"):
        if hasattr(start, "shape"):
            start = start.tolist()
        return arrays[start]
    return arrays[start:stop]


class Progbar:
    """The Keras progress bar printed by `fit` and the generator methods.

    With verbose 1 it redraws one line (on a terminal) with the running averages of the
    metrics and the estimated time left; with verbose 2 it prints once, at the end.

    # Arguments
        target: the total number of steps expected (None if unknown).
        width: the bar's width in characters.
        verbose: 0 (silent), 1 (bar) or 2 (one line at the end).
        interval: the least time in seconds between two redraws, so fast loops do
            not spend their time printing.
        stateful_metrics: names of values shown as given rather than averaged over
            steps.
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or [])
        self._dynamic_display = ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
                                 or "ipykernel" in sys.modules)
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0

    def update(self, current, values=None):
        """Moves the bar to step `current` and records the given values.

        # Arguments
            current: the index of the current step.
            values: list of `(name, value)` pairs; values are averaged over the steps
                since the start, weighted by the step count, unless named in
                `stateful_metrics`.
        """
        values = values or []
        for k, v in values:
            if k not in self._values_order:
                self._values_order.append(k)
            if k not in self.stateful_metrics:
                if k not in self._values:
                    self._values[k] = [v * (current - self._seen_so_far), current - self._seen_so_far]
                else:
                    self._values[k][0] += v * (current - self._seen_so_far)
                    self._values[k][1] += current - self._seen_so_far
            else:
                self._values[k] = v
        self._seen_so_far = current
        now = time.time()
        info = " - %.0fs" % (now - self._start)
        if self.verbose == 1:
            if (now - self._last_update < self.interval and self.target is not None
                    and current < self.target):
                return
            prev_total_width = self._total_width
            if self._dynamic_display:
                sys.stdout.write("\b" * prev_total_width)
                sys.stdout.write("\r")
            else:
                sys.stdout.write("\n")
            if self.target is not None:
                numdigits = int(np.floor(np.log10(self.target))) + 1 if self.target > 0 else 1
                barstr = "%%%dd/%d [" % (numdigits, self.target)
                bar = barstr % current
                prog = float(current) / self.target if self.target else 1.0
                prog_width = int(self.width * prog)
                if prog_width > 0:
                    bar += "=" * (prog_width - 1)
                    bar += ">" if current < self.target else "="
                bar += "." * (self.width - prog_width)
                bar += "]"
            else:
                bar = "%7d/Unknown" % current
            self._total_width = len(bar)
            sys.stdout.write(bar)
            time_per_unit = (now - self._start) / current if current else 0
            if self.target is not None and current < self.target:
                eta = time_per_unit * (self.target - current)
                if eta > 3600:
                    eta_format = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
                elif eta > 60:
                    eta_format = "%d:%02d" % (eta // 60, eta % 60)
                else:
                    eta_format = "%ds" % eta
                info = " - ETA: %s" % eta_format
            elif time_per_unit >= 1:
                info += " %.0fs/step" % time_per_unit
            elif time_per_unit >= 1e-3:
                info += " %.0fms/step" % (time_per_unit * 1e3)
            else:
                info += " %.0fus/step" % (time_per_unit * 1e6)
            info += self._format_values()
            self._total_width += len(info)
            if prev_total_width > self._total_width:
                info += " " * (prev_total_width - self._total_width)
            if self.target is not None and current >= self.target:
                info += "\n"
            sys.stdout.write(info)
            sys.stdout.flush()
        elif self.verbose == 2:
            if self.target is None or current >= self.target:
                sys.stdout.write(info + self._format_values() + "\n")
                sys.stdout.flush()
        self._last_update = now

    def _format_values(self):
        out = ""
        for k in self._values_order:
            out += " - %s:" % k
            if isinstance(self._values[k], list):
                avg = np.mean(self._values[k][0] / max(1, self._values[k][1]))
                out += (" %.4f" % avg) if abs(avg) > 1e-3 else (" %.4e" % avg)
            else:
                out += " %s" % self._values[k]
        return out

    def add(self, n, values=None):
        """Advances the bar by `n` steps.

        # Arguments
            n: the number of steps done since the last update.
            values: list of `(name, value)` pairs, as in `update`.
        """
        self.update(self._seen_so_far + n, values)
