"""The package's imports flow one way (DESIGN.md, "Dependencies flow one way").

Tiers, from the top down; a module may import its own tier and the tiers its tier lists:

    frontend   keralite.* not named below: engine (network, training, saving,
               sequential), models, optimizers, losses, metrics, callbacks,
               preprocessing, utils, export, cli        -> everything below
    layers     keralite.layers.*                        -> keras-core, backend
    keras-core the vocabulary layers are written in, as Keras has it: the base Layer
               (engine.base_layer, engine.node, engine.input_layer), activations,
               initializers, regularizers, constraints, utils.generic_utils,
               utils.conv_utils                        -> backend
    backend    keralite.backend.* (K)                   -> compiler
    compiler   keralite.compiler.*                      -> runtime
    runtime    keralite.runtime.*                       -> nothing of keralite

Why: a layer written only against K runs on whatever K compiles to; K that builds IR
only through the compiler's functions (and never reaches past it into the runtime)
leaves the compiler free to change its IR and how it runs code; a runtime that knows
no compiler runs an exported model with numpy and cffi alone.

Inside compiler/ the order, from the bottom up, is
    ir (and the fingerprint of the compiler's sources)
       < codegen helpers (target, scalar, mathlib, gemm, context, loops, support)
       < ops < autodiff, passes, graph queries, the IR text parser
       < codegen.module < driver, execute
so an op's lowering can use the emission helpers, a pass can use the ops, the module
builder can walk a scheduled graph and the driver can run them all, and none of them
needs to know who sits above it.

Checked on every module (top-level and function-local imports, absolute and relative):
  1. no import against the tiers above or the compiler's internal order;
  2. no import cycle between modules of compiler/ or of frontend/backend;
  3. no `_private` name taken from another package (`from m import _x`, `m._x`);
  4. no module of frontend/ or layers/ reads an IR node's op name (`.op.name`): K asks
     the compiler's public functions instead.
"""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDERS = {"frontend": "keralite", "layers": "keralite.layers",
           "compiler": "keralite.compiler", "runtime": "keralite.runtime"}

TIERS = ["runtime", "compiler", "backend", "keras-core", "layers", "frontend"]
ALLOWED = {
    "runtime": {"runtime"},
    "compiler": {"compiler", "runtime"},
    "backend": {"backend", "compiler"},
    "keras-core": {"keras-core", "backend"},
    "layers": {"layers", "keras-core", "backend"},
    "frontend": set(TIERS),
}
KERAS_CORE = {"keralite.engine.base_layer", "keralite.engine.node", "keralite.engine.input_layer",
              "keralite.activations", "keralite.initializers", "keralite.regularizers",
              "keralite.constraints", "keralite.utils.generic_utils", "keralite.utils.conv_utils"}

# compiler-internal levels, bottom up (prefixes of module names under keralite.compiler)
COMPILER_LEVELS = [
    ("ir", {"keralite.compiler", "keralite.compiler.ir", "keralite.compiler.fingerprint"}),
    ("codegen helpers", {"keralite.compiler.codegen", "keralite.compiler.codegen.target",
                         "keralite.compiler.codegen.scalar", "keralite.compiler.codegen.mathlib",
                         "keralite.compiler.codegen.gemm", "keralite.compiler.codegen.context",
                         "keralite.compiler.codegen.loops", "keralite.compiler.codegen.support"}),
    ("ops", {"keralite.compiler.ops"}),
    ("passes", {"keralite.compiler.autodiff", "keralite.compiler.passes",
                "keralite.compiler.graph_queries", "keralite.compiler.parse"}),
    ("codegen.module", {"keralite.compiler.codegen.module"}),
    ("driver", {"keralite.compiler.driver", "keralite.compiler.execute", "keralite.compiler.collection",
                "keralite.compiler.compile_record"}),
]


def _modules():
    """{module name: (path, is_package)} for every module of the four folders."""
    found = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            found[".".join([package] + parts)] = (path, is_package)
    return found


MODULES = _modules()


def tier_of(module):
    if module.startswith("keralite.runtime"):
        return "runtime"
    if module.startswith("keralite.compiler"):
        return "compiler"
    if module == "keralite.backend" or module.startswith("keralite.backend."):
        return "backend"
    if module == "keralite.layers" or module.startswith("keralite.layers."):
        return "layers"
    if module in KERAS_CORE:
        return "keras-core"
    return "frontend"


def compiler_level(module):
    """(index, name) of the compiler level whose longest prefix matches the module (the
    package keralite.compiler itself matches only itself)."""
    best = None
    for index, (name, prefixes) in enumerate(COMPILER_LEVELS):
        for prefix in prefixes:
            if module == prefix or (module.startswith(prefix + ".") and prefix != "keralite.compiler"):
                if best is None or len(prefix) > best[2]:
                    best = (index, name, len(prefix))
    return None if best is None else best[:2]


def _package_of(module):
    path, is_package = MODULES.get(module, (None, False))
    return module if is_package else module.rpartition(".")[0]


def _existing(name):
    """The longest prefix of a dotted name that is one of our modules."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


class Import:
    def __init__(self, importer, imported, name, line):
        self.importer, self.imported, self.name, self.line = importer, imported, name, line

    def where(self):
        return f"{self.importer}:{self.line}"


def _imports(module):
    """Every keralite import of a module (anywhere in it), and the private attributes it
    reads from modules it imported, as Import records."""
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    records, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _existing(alias.name)
                if target:
                    records.append(Import(module, target, None, node.lineno))
                    if alias.asname and target == alias.name:
                        aliases[alias.asname] = target
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            if not source or not source.startswith("keralite"):
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if full in MODULES:
                    records.append(Import(module, full, None, node.lineno))
                    aliases[alias.asname or alias.name] = full
                else:
                    records.append(Import(module, _existing(source), alias.name, node.lineno))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and _is_private(node.attr)):
            records.append(Import(module, aliases[node.value.id], node.attr, node.lineno))
    return tree, records


def _is_private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


IMPORTS = {module: _imports(module) for module in MODULES}


def _all_records():
    return [record for _, records in IMPORTS.values() for record in records]


def _fail(problems, title):
    problems = sorted(set(problems))
    assert not problems, f"{len(problems)} {title}:\n  " + "\n  ".join(problems)


def test_every_compiler_module_has_a_level():
    unplaced = [m for m in MODULES if tier_of(m) == "compiler" and compiler_level(m) is None]
    _fail(unplaced, "compiler modules not placed in COMPILER_LEVELS")


def test_imports_follow_the_tiers():
    problems = []
    for record in _all_records():
        source, target = tier_of(record.importer), tier_of(record.imported)
        if target not in ALLOWED[source]:
            problems.append(f"{record.where()} imports {record.imported}: {source} may import only "
                            f"{', '.join(t for t in TIERS if t in ALLOWED[source])}")
    _fail(problems, "imports against the tiers")


def test_compiler_imports_follow_its_order():
    problems = []
    for record in _all_records():
        if tier_of(record.importer) != "compiler" or tier_of(record.imported) != "compiler":
            continue
        low, high = compiler_level(record.importer), compiler_level(record.imported)
        if low and high and high[0] > low[0]:
            problems.append(f"{record.where()} imports {record.imported}: {low[1]} sits below {high[1]}")
    _fail(problems, "compiler imports against its internal order")


def _cycles(prefix):
    """The strongly connected components (of more than one module) of the import graph
    of the modules whose names start with prefix (Tarjan's algorithm)."""
    graph = {m: sorted({r.imported for r in IMPORTS[m][1] if r.imported.startswith(prefix)} - {m})
             for m in MODULES if m.startswith(prefix)}
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return components


def _cycle_report(prefix):
    problems = []
    for component in _cycles(prefix):
        members = set(component)
        edges = [f"{r.where()} -> {r.imported}" for m in component for r in IMPORTS[m][1]
                 if r.imported in members and r.imported != m]
        problems.append("cycle between " + ", ".join(component) + "\n    " + "\n    ".join(sorted(set(edges))))
    return problems


def test_no_cycles_inside_compiler():
    _fail(_cycle_report("keralite.compiler"), "import cycles inside compiler/")


def test_no_cycles_inside_backend():
    _fail(_cycle_report("keralite.backend"), "import cycles inside frontend/backend")


def test_no_private_names_from_other_packages():
    problems = []
    for record in _all_records():
        if record.name and _is_private(record.name) and \
                _package_of(record.importer) != _package_of(record.imported):
            problems.append(f"{record.where()} takes {record.imported}.{record.name}, "
                            "private to another package")
    _fail(problems, "private names used across packages")


def test_keras_side_reads_no_op_names():
    problems = []
    for module, (tree, _) in IMPORTS.items():
        if tier_of(module) in ("runtime", "compiler"):
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr == "name"
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "op"):
                problems.append(f"{module}:{node.lineno} reads an IR node's op name; "
                                "ask a public compiler function instead")
    _fail(problems, "IR op names read outside the compiler")
