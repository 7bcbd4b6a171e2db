"""The `keralite` command (also `python -m keralite`).

    keralite compile MODEL -o DIR [--name NAME] [--batch N|dynamic] [--seq-len N] [--target T] [--dtype D]
    keralite inspect MODEL [--llvm] [--asm]
    keralite run LIB_OR_MODEL --input x.npy [--input ...] [--output y.npy ...] [--labels y.npy]

MODEL is a Keras .h5 file, a JSON (or YAML) architecture with `--weights FILE.h5`, or
`package.module:function` (or `path/to/file.py:function`) returning a model. Exit code 0
on success; otherwise one line `keralite CMD: error: ...` on stderr and a non-zero code
(set KERALITE_DEBUG=1 for the traceback).
"""
import argparse
import importlib
import importlib.util
import os
import sys

TARGETS = ("host", "x86-64", "x86-64-v3", "x86-64-v4")
MODEL_HELP = ("a Keras .h5 file, a JSON/YAML architecture (with --weights), or "
              "package.module:function (or file.py:function) returning a model")


class CommandError(Exception):
    """An error to report in one line, without a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ---------------------------------------------------------------------------- models
def load_model_spec(spec, weights=None, dtype=None, allow_lambda=False):
    """A Keras model from the MODEL argument of the commands."""
    if dtype:
        from keralite import backend as K
        K.set_floatx(dtype)
    path = os.fspath(spec)
    if ":" in path and not os.path.exists(path):
        model = _model_from_function(path)
    else:
        if not os.path.exists(path):
            raise CommandError(f"no such file: {path}")
        ext = os.path.splitext(path)[1].lower()
        safe = not allow_lambda
        if ext in (".h5", ".hdf5", ".keras"):
            from keralite.models import load_model
            model = load_model(path, compile=False, safe_mode=safe)
            if weights:
                model.load_weights(weights)
        elif ext in (".json", ".yaml", ".yml"):
            from keralite import models
            with open(path) as f:
                text = f.read()
            model = (models.model_from_json(text, safe_mode=safe) if ext == ".json"
                     else models.model_from_yaml(text, safe_mode=safe))
            if not weights:
                raise CommandError(f"{path} holds only the architecture: give its weights with --weights FILE.h5")
            model.load_weights(weights)
        else:
            raise CommandError(f"{path}: unknown model format (use .h5, .json or .yaml, or module:function)")
    if not hasattr(model, "_feed_inputs") or not hasattr(model, "outputs"):
        raise CommandError(f"{spec} did not give a Keras model (got {type(model).__name__})")
    return model


def _model_from_function(spec):
    module_name, _, function_name = spec.rpartition(":")
    if not module_name or not function_name:
        raise CommandError(f"{spec}: expected package.module:function")
    if module_name.endswith(".py"):
        if not os.path.isfile(module_name):
            raise CommandError(f"no such file: {module_name}")
        name = "_keralite_cli_" + os.path.splitext(os.path.basename(module_name))[0]
        loader_spec = importlib.util.spec_from_file_location(name, module_name)
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        loader_spec.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            raise CommandError(f"{spec}: cannot import {module_name} ({exc})") from None
    function = getattr(module, function_name, None)
    if function is None:
        raise CommandError(f"{spec}: {module_name} has no attribute {function_name!r}")
    return function() if callable(function) else function


def _is_export(path):
    """Whether a path names an exported library (directory, libNAME.so or NAME.json)."""
    from keralite.runtime.library import find_metadata
    if not (os.path.isdir(path) or path.endswith((".so", ".json"))):
        return False
    try:
        find_metadata(path)
    except (FileNotFoundError, ValueError):
        return False
    return True


# ---------------------------------------------------------------------------- commands
def cmd_compile(args):
    from keralite.export import export_model, default_name
    model = load_model_spec(args.model, args.weights, args.dtype, args.allow_lambda)
    name = args.name or default_name(args.model.rpartition(":")[2] if ":" in args.model and
                                     not os.path.exists(args.model) else args.model)
    result = export_model(model, args.output, name=name, batch=args.batch, target=args.target,
                          seq_len=args.seq_len)
    size = os.path.getsize(result.library)
    batch = result.metadata["batch"]
    print(f"compiled {args.model} -> {result.library} ({size / 1e6:.1f} MB, batch "
          f"{'dynamic' if batch is None else batch}, target {args.target}) in "
          f"{result.seconds['compile'] + result.seconds['build']:.1f} s")
    print(f"also wrote {result.object}, {result.header}, {result.json}")
    return 0


def cmd_inspect(args):
    path = args.model
    if _is_export(path):
        return _inspect_export(path)
    import contextlib
    import io
    from keralite.compiler.driver import compile_graph, resolve_target
    from keralite.export import predict_graph
    model = load_model_spec(path, args.weights, args.dtype, args.allow_lambda)
    model.summary(print_fn=print)
    cpu, features = resolve_target(args.target)
    stages = {"fused"} | ({"llvm"} if args.llvm else set()) | ({"asm"} if args.asm else set())
    graph = predict_graph(model)
    stages_text = io.StringIO()     # the compiler writes its dumps to stderr
    with contextlib.redirect_stderr(stages_text):
        compiled = compile_graph(graph, "predict", dump=stages, cpu=cpu, features=features, jit=False,
                                 entry="predict_graph")
    print("==== optimised graph ====")
    print(compiled.graph.listing())
    sys.stdout.write(stages_text.getvalue())
    if os.environ.get("KERALITE_DUMP_DIR"):
        print(f"(the fused kernels{', LLVM IR' if args.llvm else ''}{', assembly' if args.asm else ''} "
              f"went to KERALITE_DUMP_DIR={os.environ['KERALITE_DUMP_DIR']})")
    return 0


def _inspect_export(path):
    from keralite.runtime import load_library
    lib = load_library(path)
    print(f"exported model {lib.name!r}: {lib.path}")
    print(f"batch size: {'dynamic' if lib.batch_size is None else lib.batch_size}, target: {lib.meta.get('target')}"
          f" ({lib.meta.get('cpu')})")
    for kind, tensors in (("input", lib.inputs), ("output", lib.outputs)):
        for k, t in enumerate(tensors):
            shape = "(" + ", ".join("batch" if d == -1 else str(d) for d in t["shape"]) + ")"
            print(f"  {kind} {k}: {t['name']}  {t['dtype']} {shape}")
    return 0


def cmd_run(args):
    import numpy as np
    inputs = []
    for path in args.input:
        if not os.path.isfile(path):
            raise CommandError(f"no such file: {path}")
        inputs.append(np.load(path, allow_pickle=False))
    if _is_export(args.model):
        from keralite.runtime import load_library
        lib = load_library(args.model, num_threads=args.threads)
        outputs = lib.predict(inputs)
        names = lib.output_names
    else:
        model = load_model_spec(args.model, args.weights, args.dtype, args.allow_lambda)
        outputs = model.predict(inputs if len(inputs) != 1 else inputs[0], batch_size=args.batch_size)
        names = list(getattr(model, "output_names", []))
    if not isinstance(outputs, list):
        outputs = [outputs]
    names = names if len(names) == len(outputs) else [f"output_{k}" for k in range(len(outputs))]
    if args.labels:
        _print_accuracy(outputs[0], args.labels)
        if not args.output:
            return 0
    _write_outputs(args.output, outputs, names)
    return 0


def _print_accuracy(scores, labels_path):
    import numpy as np
    if not os.path.isfile(labels_path):
        raise CommandError(f"no such file: {labels_path}")
    labels = np.load(labels_path, allow_pickle=False)
    if labels.ndim == 2:             # one-hot
        labels = labels.argmax(axis=1)
    if scores.ndim != 2 or len(labels) != len(scores):
        raise CommandError(f"--labels: {len(labels)} labels for output 0 of shape {scores.shape}")
    right = int((scores.argmax(axis=1) == labels).sum())
    print(f"accuracy: {right / len(labels):.4f} ({right} of {len(labels)})")


def _write_outputs(paths, outputs, names):
    import numpy as np
    if not paths:
        with np.printoptions(threshold=200, linewidth=100):
            for k, (name, y) in enumerate(zip(names, outputs)):
                print(f"output {k} {name}: shape {y.shape} dtype {y.dtype}")
                print(y)
        return
    if len(paths) == 1 and paths[0].endswith(".npz"):
        np.savez(paths[0], **{f"y{k}": y for k, y in enumerate(outputs)})
        print(f"wrote {len(outputs)} outputs to {paths[0]} (y0, y1, ...)")
        return
    if len(paths) != len(outputs):
        raise CommandError(f"the model has {len(outputs)} outputs, {len(paths)} --output files were given "
                           "(give one .npy per output, or one .npz)")
    for path, y in zip(paths, outputs):
        np.save(path, y)
    print(f"wrote {', '.join(paths)}")


# ---------------------------------------------------------------------------- parser
def _model_options(parser):
    parser.add_argument("--weights", metavar="FILE", help="weights (.h5) for a JSON/YAML architecture")
    parser.add_argument("--dtype", choices=("float32", "float64"), default=None,
                        help="float type of the model's computations (keras floatx; default float32)")
    parser.add_argument("--allow-lambda", action="store_true",
                        help="rebuild Lambda layers stored as Python bytecode (only for files you trust)")


def build_parser():
    parser = _Parser(prog="keralite", description="Compile Keras models to native code, inspect them, run them.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("compile", help="compile a model into a shared library with a C API",
                       description="Compile MODEL into DIR: libNAME.so, NAME.o (static linking), NAME.h, "
                                   "NAME.json and keralite_model.h. Weights are embedded.")
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="directory to write the export to")
    p.add_argument("--name", help="C name of the model, prefixing its functions (default: from MODEL)")
    p.add_argument("--batch", default="dynamic", metavar="N|dynamic",
                   help="batch size every call uses, or 'dynamic' for any (default: dynamic)")
    p.add_argument("--seq-len", type=int, default=None, metavar="N",
                   help="time length of a recurrent model whose input shape leaves it unknown")
    p.add_argument("--target", choices=TARGETS, default="host",
                   help="CPU to compile for: host (every feature of this CPU, default), x86-64 (any "
                        "x86-64 CPU), x86-64-v3 (AVX2), x86-64-v4 (AVX-512)")
    _model_options(p)
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("inspect", help="print a model's summary, optimised graph and fused kernels",
                       description="Print MODEL's summary, the optimised graph of its predict function and "
                                   "the fused kernels with their memory plan; --llvm and --asm add the LLVM "
                                   "IR and the assembly. Given an exported library, print its inputs and "
                                   "outputs.")
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP + ", or an export directory")
    p.add_argument("--llvm", action="store_true", help="also print the LLVM IR (before and after optimisation)")
    p.add_argument("--asm", action="store_true", help="also print the assembly")
    p.add_argument("--target", choices=TARGETS, default="host", help="CPU the code is generated for")
    _model_options(p)
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("run", help="run an exported library or a model file on .npy inputs",
                       description="Run LIB_OR_MODEL (an export directory, libNAME.so or NAME.json, or any "
                                   "MODEL) on the inputs and print the outputs or save them.")
    p.add_argument("model", metavar="LIB_OR_MODEL", help="an export (directory, .so or .json) or " + MODEL_HELP)
    p.add_argument("--input", action="append", required=True, metavar="X.npy",
                   help="one .npy per model input, in order (repeat the option)")
    p.add_argument("--output", action="append", metavar="Y.npy",
                   help="where to save the outputs: one .npy per output, or one .npz (default: print them)")
    p.add_argument("--labels", metavar="Y.npy",
                   help="class labels (or one-hot rows): print the accuracy of output 0's arg-max")
    p.add_argument("--batch-size", type=int, default=32, help="batch size for a model file (default 32)")
    p.add_argument("--threads", type=int, default=0, help="threads for an export (default: all CPUs)")
    _model_options(p)
    p.set_defaults(func=cmd_run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"keralite {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure is one line; KERALITE_DEBUG=1 shows the traceback
        if os.environ.get("KERALITE_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"keralite {args.command}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
