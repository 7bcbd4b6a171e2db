"""Every public class and function of keralite's Keras modules has a Keras-style docstring.

Users read the API with `help()`, as Keras 2 users did, so the contract has to be in the
docstring. The rules, applied to each public name a covered module exports (its
`__all__`, or else every name without a leading underscore whose object is defined
inside keralite):

1. A docstring exists: on every public class (its own, not one inherited from a base
   class) and on every public function.
2. Arguments: every named argument (not self/cls, not *args/**kwargs, not a name
   starting with `_`) appears in the docstring's `# Arguments` section. A class
   documents the arguments of the `__init__` it defines itself in the class docstring,
   as Keras does; a class that inherits `__init__` is documented by that base class.
3. Methods: for every public class that is not a layer class (a class defined in a
   `keralite.layers.*` module), every public method, classmethod, staticmethod and
   property the class defines itself is checked by rules 1, 2, 4 and 5. An override
   without a docstring of its own is read through `inspect.getdoc`, i.e. it inherits the
   contract of the method it overrides (Python's `help()` shows that same text), and
   rules 4 and 5 then apply to the body of the documented method. Layer classes are
   checked for their class docstring and `__init__` arguments only, wherever they are
   exported from: their `build`/`call`/`compute_output_shape`/`get_config` implement
   the contract that `keralite.engine.Layer` documents, and that class is checked in
   full.
4. `# Returns`: required when the documented function's own body (not a nested
   function, class or lambda) has a `return <value>` other than `return None`, or
   yields (then `# Yields` is accepted too). Properties are exempt: their docstring
   describes the value itself.
5. `# Raises`: required when the documented function's own body has a `raise` of a
   named exception (a bare `raise` re-raises what a callee raised and is not part of
   this function's contract). For a class, a `raise` in the `__init__` it defines
   needs a `# Raises` section in the class docstring.

Nothing is exempted by name. A module is covered once all of its names follow the
rules.
"""
import ast
import importlib
import inspect
import re
import textwrap

import pytest

MODULES = [
    "keralite.layers",
    "keralite.models",
    "keralite.engine",
    "keralite.backend",
    "keralite.optimizers",
    "keralite.callbacks",
    "keralite.utils",
    "keralite.losses",
    "keralite.metrics",
    "keralite.activations",
    "keralite.initializers",
    "keralite.regularizers",
    "keralite.constraints",
    "keralite.preprocessing",
    "keralite.preprocessing.image",
    "keralite.preprocessing.sequence",
    "keralite.preprocessing.text",
    "keralite.wrappers.scikit_learn",
    "keralite.distributed",
    "keralite.distributed.callbacks",
    "keralite.datasets.boston_housing",
    "keralite.datasets.cifar10",
    "keralite.datasets.cifar100",
    "keralite.datasets.fashion_mnist",
    "keralite.datasets.imdb",
    "keralite.datasets.mnist",
    "keralite.datasets.reuters",
    "keralite.applications",
    "keralite.applications.densenet",
    "keralite.applications.imagenet_utils",
    "keralite.applications.inception_resnet_v2",
    "keralite.applications.inception_v3",
    "keralite.applications.mobilenet",
    "keralite.applications.nasnet",
    "keralite.applications.resnet50",
    "keralite.applications.vgg16",
    "keralite.applications.vgg19",
    "keralite.applications.xception",
    "keralite.legacy.layers",
    "keralite.legacy.models",
    "keralite.legacy.interfaces",
]


_SKIPPED_ARGUMENTS = {"self", "cls"}
_SECTION = re.compile(r"^\s*#\s+(\w[\w ]*)\s*$")


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [name for name in vars(module) if not name.startswith("_")]


def _defined_in_keralite(obj):
    return (getattr(obj, "__module__", None) or "").startswith("keralite")


def _sections(doc):
    """Map of section title (`Arguments`, `Returns`, ...) to the text under it."""
    sections, title, lines = {}, None, []
    for line in (doc or "").splitlines():
        match = _SECTION.match(line)
        if match:
            if title is not None:
                sections[title] = "\n".join(lines)
            title, lines = match.group(1).strip(), []
        elif title is not None:
            lines.append(line)
    if title is not None:
        sections[title] = "\n".join(lines)
    return sections


def _named_arguments(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    return [name for name, parameter in signature.parameters.items()
            if name not in _SKIPPED_ARGUMENTS and not name.startswith("_")
            and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)]


class _BodyScan(ast.NodeVisitor):
    """What a function's own body does: returns a value, yields, raises by name."""

    def __init__(self):
        self.returns = self.yields = self.raises = False
        self.depth = 0

    def _nested(self, node):
        if self.depth == 0:
            self.depth += 1
            self.generic_visit(node)
            self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _nested

    def visit_Return(self, node):
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self.returns = True
        self.generic_visit(node)

    def visit_Yield(self, node):
        self.yields = True

    visit_YieldFrom = visit_Yield

    def visit_Raise(self, node):
        if node.exc is not None:
            self.raises = True
        self.generic_visit(node)


def _scan_body(function):
    function = inspect.unwrap(function)
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None
    tree = ast.parse(source)
    node = tree.body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    scan = _BodyScan()
    scan.visit(node)
    return scan


def _documented_function(owner, name):
    """The function whose docstring `help(owner.name)` shows: itself or what it overrides."""
    for klass in owner.__mro__:
        member = klass.__dict__.get(name)
        if member is None:
            continue
        function = getattr(member, "__func__", member)
        if isinstance(member, property):
            function = member.fget
        if getattr(function, "__doc__", None):
            return function
    return None


def _check_function(label, function, documented, problems, is_property=False, arguments_doc=None):
    doc = inspect.getdoc(documented) if documented is not None else None
    if not doc:
        problems.append(f"{label}: no docstring")
        return
    sections = _sections(doc)
    arguments = _named_arguments(function)
    if arguments:
        text = sections.get("Arguments") if arguments_doc is None else arguments_doc
        if text is None:
            problems.append(f"{label}: no '# Arguments' section for {arguments}")
        else:
            missing = [name for name in arguments if not re.search(r"\b%s\b" % re.escape(name), text)]
            if missing:
                problems.append(f"{label}: arguments not documented: {missing}")
    scan = None if is_property else _scan_body(documented)
    if scan is None:
        return
    if (scan.returns and "Returns" not in sections) or (
            scan.yields and "Returns" not in sections and "Yields" not in sections):
        problems.append(f"{label}: returns a value but has no '# Returns' section")
    if scan.raises and "Raises" not in sections:
        problems.append(f"{label}: raises but has no '# Raises' section")


def _check_class(label, klass, with_methods, problems):
    doc = klass.__dict__.get("__doc__")
    if not doc or not doc.strip():
        problems.append(f"{label}: no class docstring")
        return
    init = klass.__dict__.get("__init__")
    if init is not None and inspect.isfunction(init):
        arguments = _named_arguments(init)
        text = _sections(inspect.cleandoc(doc)).get("Arguments")
        if arguments and text is None:
            problems.append(f"{label}: no '# Arguments' section for __init__ arguments {arguments}")
        elif arguments:
            missing = [name for name in arguments if not re.search(r"\b%s\b" % re.escape(name), text)]
            if missing:
                problems.append(f"{label}: __init__ arguments not documented: {missing}")
        scan = _scan_body(init)
        if scan is not None and scan.raises and "Raises" not in _sections(inspect.cleandoc(doc)):
            problems.append(f"{label}: __init__ raises but the class docstring has no '# Raises' section")
    if not with_methods:
        return
    for name, member in vars(klass).items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            if member.fget is None:
                continue
            _check_function(f"{label}.{name}", member.fget, _documented_function(klass, name), problems,
                            is_property=True)
            continue
        function = getattr(member, "__func__", member)
        if not inspect.isfunction(function) or not _defined_in_keralite(function):
            continue
        _check_function(f"{label}.{name}()", function, _documented_function(klass, name), problems)


def _is_layer_class(klass):
    return (klass.__module__ or "").startswith("keralite.layers.")


def _module_problems(module_name):
    module = importlib.import_module(module_name)
    problems = []
    for name in _public_names(module):
        member = getattr(module, name)
        if not _defined_in_keralite(member):
            continue
        label = f"{module_name}.{name}"
        if inspect.isclass(member):
            _check_class(label, member, not _is_layer_class(member), problems)
        elif inspect.isfunction(member):
            _check_function(label, member, member, problems)
    return problems


@pytest.mark.parametrize("module_name", MODULES)
def test_module_docstrings(module_name):
    problems = _module_problems(module_name)
    assert not problems, "\n".join(problems)


def test_checker_catches_undocumented_names():
    """The rules above fail on a function that breaks them (so the test can fail)."""
    def undocumented(units, activation=None):
        if units < 0:
            raise ValueError("units")
        return units

    def documented_without_returns(units):
        """Scales `units`.

        # Arguments
            units: how many.
        """
        return units * 2

    problems = []
    _check_function("undocumented", undocumented, undocumented, problems)
    _check_function("no_returns", documented_without_returns, documented_without_returns, problems)
    assert problems == ["undocumented: no docstring", "no_returns: returns a value but has no '# Returns' section"]
