"""The graph an export runs: model.predict's graph, compiled as position-independent object
code for a target, and the plain-data description the C tables are written from."""
import numpy as np

from keralite.backend.execution import build_graph, variable_buffers
from keralite.compiler.driver import compile_graph, resolve_target
from keralite.compiler.passes.freeze import freeze_variables
from keralite.compiler.passes.resolve_dims import fix_input_dims
from keralite.compiler.ir.graph import Graph
from keralite.runtime.executable import storage_dtype

DTYPE_CODES = {"float32": 1, "float64": 2, "int32": 3, "int64": 4, "bool": 5}


class ExportError(ValueError):
    """A model, or an option, that cannot be exported (the message says why)."""


def predict_graph(model):
    """The Graph model.predict compiles: the model's inputs to its outputs, state updates
    kept, the learning phase folded to test mode."""
    inputs = list(model._feed_inputs)
    outputs = list(model.outputs)
    graph, _printed = build_graph(inputs, outputs, getattr(model, "state_updates", None) or [])
    # print_tensor values are extra outputs of K.function; an export does not print them
    return Graph(graph.inputs, graph.outputs[:len(outputs)], graph.updates)


def _unique(names):
    seen, out = {}, []
    for name in names:
        base = name or "tensor"
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.append(base if count == 0 else f"{base}_{count}")
    return out


def _public_shape(spec, what, batch):
    """The shape as the C API shows it: the batch axis -1 (dynamic) or `batch`, the rest ints.
    An export only knows one size symbol, the batch, on axis 0."""
    shape = []
    for axis, d in enumerate(spec["shape"]):
        if isinstance(d, int):
            shape.append(d)
        elif axis == 0 and d[0] == 1 and len(d[1]) == 1:
            shape.append(-1 if batch is None else batch)
        else:
            raise ExportError(f"{what} has a size on axis {axis} that depends on the input sizes in a way an "
                              "export cannot describe; only the batch axis (axis 0) may vary, so give every "
                              "other axis of the model's inputs a fixed size")
    return shape


def _fixed_lengths(graph, seq_len):
    """The graph with the time axis (axis 1) of sequence inputs fixed to `seq_len`: an
    export knows one size that varies, the batch."""
    free = {}
    for k, x in enumerate(graph.inputs):
        if len(x.shape) >= 3 and not isinstance(x.shape[1], int):
            free[(k, 1)] = seq_len
    if not free:
        if seq_len is not None:
            raise ExportError("--seq-len was given, but no input of the model has a time axis of unknown "
                              "length (its length is fixed by the model's input shape)")
        return graph
    if seq_len is None:
        raise ExportError("the model's inputs have a time axis (axis 1) of unknown length; an export runs one "
                          "length: give it with --seq-len N (or build the model with input_length / a fixed "
                          "input shape)")
    return fix_input_dims(graph, free)


def _check_no_derived_sizes(signature):
    """An exported library binds the batch size alone: a size the graph computes from
    the input sizes when it runs (the length after a strided convolution over a time
    axis of unknown length, a share of a run-time batch) is not something its C side
    computes."""
    if signature.get("derived"):
        raise ExportError("the model computes some sizes from the input sizes when it runs (a 'valid' or "
                          "strided convolution or pooling over an axis of unknown length, a batch split by "
                          "multi_gpu_model, a concatenation along such an axis); an export cannot: fix the "
                          "time axis with --seq-len N, and export the template model rather than a "
                          "multi_gpu_model")


class CompiledExport:
    """Object code of a model's predict graph and everything the C side needs to run it.

    `inputs`/`outputs`: [{"name", "dtype", "shape"}] (shape as the C API shows it);
    `fixed`: the variable and constant buffers in slot order, as (array, writable) pairs;
    `arena`: [(coef, power)] terms, each coef * batch**power bytes;
    `batch`: the batch size, or None for a dynamic batch.
    """

    def __init__(self, model, name, batch, target, dump=None, seq_len=None):
        if batch is not None and (not isinstance(batch, int) or batch < 1):
            raise ExportError(f"batch size must be a positive integer or 'dynamic', got {batch!r}")
        if seq_len is not None and (not isinstance(seq_len, int) or seq_len < 1):
            raise ExportError(f"sequence length must be a positive integer, got {seq_len!r}")
        self.name = name
        self.target = target or "host"
        self.cpu, self.features = resolve_target(self.target)
        # the weights are part of the library: what is computed from them alone is folded
        self.graph = freeze_variables(_fixed_lengths(predict_graph(model), seq_len))
        self.compiled = compile_graph(self.graph, name, dump=dump, cpu=self.cpu, features=self.features,
                                      jit=False, entry=f"{name}_graph")
        signature = self.compiled.signature
        self.signature = signature
        _check_no_derived_sizes(signature)
        self.entry = signature["entry"]
        self.symbols = signature["symbols"]
        self.batch = batch if self.symbols else self._static_batch(batch)

        input_names = _unique(getattr(model, "_feed_input_names", None) or [i["name"] for i in signature["inputs"]])
        output_names = _unique(getattr(model, "output_names", None) or [f"output_{k}" for k in
                                                                        range(len(signature["outputs"]))])
        self.inputs = [{"name": n, "dtype": spec["dtype"], "shape": _public_shape(spec, f"input {n!r}", self.batch)}
                       for n, spec in zip(input_names, signature["inputs"])]
        self.outputs = [{"name": n, "dtype": spec["dtype"],
                         "shape": _public_shape(spec, f"output {n!r}", self.batch)}
                        for n, spec in zip(output_names, signature["outputs"])]
        for spec in signature["variables"]:
            if not all(isinstance(d, int) for d in spec["shape"]):
                raise ExportError("the model has a variable whose size depends on the batch; it cannot be exported")
        updated = {v for v, _ in self.compiled.graph.updates}
        values = variable_buffers(self.compiled.variables)
        self.fixed = []
        for node, value, spec in zip(self.compiled.variables, values, signature["variables"]):
            array = np.ascontiguousarray(value, dtype=storage_dtype(spec["dtype"]))
            self.fixed.append((array, node in updated))
        for node in self.compiled.constants:
            self.fixed.append((np.ascontiguousarray(node.payload, dtype=node.dtype.np), False))
        self.arena = [(int(coef), len(syms)) for coef, syms in signature["arena"]]
        self.errors = {int(k): v for k, v in signature.get("errors", {}).items()}
        n_slots = len(self.inputs) + len(self.outputs) + len(self.fixed) + 1
        if signature["slots"] != n_slots:
            raise ExportError(f"internal error: the compiled graph has {signature['slots']} buffer slots, "
                              f"the export lays out {n_slots}")

    def _static_batch(self, batch):
        """A model whose inputs all have a fixed size on axis 0 has that batch size."""
        sizes = {spec["shape"][0] for spec in self.signature["inputs"] if spec["shape"]}
        if len(sizes) != 1:
            raise ExportError("the model's inputs have fixed sizes but no common batch size")
        fixed = sizes.pop()
        if batch is not None and batch != fixed:
            raise ExportError(f"the model's inputs have a fixed batch size {fixed}; it cannot be compiled "
                              f"for batch size {batch}")
        return fixed

    @property
    def object_code(self):
        return self.compiled.obj

    def write_weights(self, f):
        """Write the weights blob to file `f`; returns (offset of each fixed buffer, total
        bytes). Each buffer starts on a 64-byte boundary."""
        offsets, position = [], 0
        for array, _ in self.fixed:
            pad = -position % 64
            f.write(b"\0" * pad)
            position += pad
            offsets.append(position)
            f.write(memoryview(array).cast("B") if array.size else b"")
            position += array.nbytes
        return offsets, position

    def metadata(self):
        """The NAME.json description (what load_library reads)."""
        return {
            "format": "keralite-export",
            "format_version": 1,
            "name": self.name,
            "batch": self.batch,
            "target": self.target,
            "cpu": self.cpu,
            "inputs": self.inputs,
            "outputs": self.outputs,
        }
