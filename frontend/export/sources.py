"""The generated sources of an export: NAME.h (the C API), NAME_model.c (the model's
tables, then csrc/export/model_api.c, written once for every model) and NAME_weights.S
(the weights, embedded with .incbin)."""
import json

from .graph import DTYPE_CODES


def c_string(text):
    """A C string literal (JSON escapes are valid C escapes for these characters)."""
    out = json.dumps(text, ensure_ascii=True)
    return out.replace("?", "\\?")  # no trigraphs


def _shape_text(shape):
    return "(" + ", ".join("batch" if d == -1 else str(d) for d in shape) + ")"


def _item_size(shape):
    """Elements per batch item: every axis but the first (the batch)."""
    size = 1
    for d in shape[1:]:
        size *= d
    return size


def header(export):
    """NAME.h: the functions of model NAME, documented, and its shapes as constants."""
    name = export.name
    guard = f"KERALITE_MODEL_{name.upper()}_H"
    batch = ("any batch size (compiled with --batch dynamic): call "
             f"{name}_run_batch" if export.batch is None else f"{export.batch}")
    lines = [
        "/*",
        f" * {name}.h -- the C API of the keralite model \"{name}\" (written by keralite compile).",
        " *",
        f" * Batch size: {batch}.",
        f" * Target CPU: {export.target} ({export.cpu}).",
        " * Inputs:",
    ]
    for k, t in enumerate(export.inputs):
        lines.append(f" *   {k}: {t['name']}  {t['dtype']} {_shape_text(t['shape'])}")
    lines.append(" * Outputs:")
    for k, t in enumerate(export.outputs):
        lines.append(f" *   {k}: {t['name']}  {t['dtype']} {_shape_text(t['shape'])}")
    lines += [
        " *",
        " * Arrays are dense and in C order. A context holds the scratch memory of one call at a",
        " * time: give each thread its own context. The functions that can fail return KL_OK (0)",
        " * or a kl_status code (keralite_model.h), and record a message that",
        f" * {name}_last_error() returns.",
        " *",
        " * Link with the shared library:  cc prog.c -I DIR -L DIR -l" + name + " -Wl,-rpath,DIR",
        " * or statically, with the object:  cc prog.c -I DIR DIR/" + name + ".o -lm -pthread",
        " */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <stdint.h>",
        "",
        '#include "keralite_model.h"',
        "",
        f"#define {name}_NUM_INPUTS {len(export.inputs)}",
        f"#define {name}_NUM_OUTPUTS {len(export.outputs)}",
        f"/* The batch size every call uses, or -1: any batch size ({name}_run_batch). */",
        f"#define {name}_BATCH_SIZE {-1 if export.batch is None else export.batch}",
        "/* Elements of each input and output per batch item. */",
    ]
    for k, t in enumerate(export.inputs):
        lines.append(f"#define {name}_INPUT{k}_ITEM_SIZE {_item_size(t['shape'])} /* {t['name']} */")
    for k, t in enumerate(export.outputs):
        lines.append(f"#define {name}_OUTPUT{k}_ITEM_SIZE {_item_size(t['shape'])} /* {t['name']} */")
    lines += [
        "",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
        "/* KL_CDEF_BEGIN */",
        "",
        f"typedef struct {name}_context {name}_context;",
        "",
        "/* A new context in *context: the weights are shared (read-only, in the library), the",
        "   scratch memory is the context's own. num_threads: at most that many threads run the",
        "   context's parallel loops (the caller and the library's worker threads); 0 uses the",
        "   default, KERALITE_NUM_THREADS or else every CPU the process may use. */",
        f"int {name}_create({name}_context **context, int num_threads);",
        "",
        "/* Free a context (NULL is accepted). */",
        f"void {name}_destroy({name}_context *context);",
        "",
        f"/* Run the model: inputs[i] points to input i ({name}_NUM_INPUTS of them), outputs[i] to",
        f"   room for output i, for the compiled batch size ({name}_BATCH_SIZE). */",
        f"int {name}_run({name}_context *context, const void *const *inputs, void *const *outputs);",
        "",
        "/* Run the model on `batch` items: any batch size >= 1 for a dynamic-batch export (the",
        "   context's scratch memory grows to the largest batch seen), else the compiled one. */",
        f"int {name}_run_batch({name}_context *context, int64_t batch, const void *const *inputs,",
        "              void *const *outputs);",
        "",
        "/* The message of the last failed call on this thread (\"\" if none failed). */",
        f"const char *{name}_last_error(void);",
        "",
        "/* Introspection: counts, the batch size (-1: dynamic), and each input's and output's",
        "   name, dtype and shape (NULL for an index out of range). */",
        f"int {name}_num_inputs(void);",
        f"int {name}_num_outputs(void);",
        f"int64_t {name}_batch_size(void);",
        f"const kl_tensor_info *{name}_input_info(int index);",
        f"const kl_tensor_info *{name}_output_info(int index);",
        "",
        "/* The index of the input / output called `name` (KL_ERROR_UNKNOWN_NAME if none is). */",
        f"int {name}_find_input(const char *name, int *index);",
        f"int {name}_find_output(const char *name, int *index);",
        "",
        "/* KL_CDEF_END */",
        "",
        "#ifdef __cplusplus",
        "}",
        "#endif",
        "",
        f"#endif /* {guard} */",
        "",
    ]
    return "\n".join(lines)


def _array(ctype, name, values):
    """A C array definition with one spare element, so it is never empty."""
    items = [str(v) for v in values] + ["0"]
    body = ",\n    ".join(", ".join(items[i:i + 8]) for i in range(0, len(items), 8))
    return f"static const {ctype} {name}[] = {{\n    {body}\n}};\n"


def _tensor_table(name, tensors, prefix):
    out = []
    for k, t in enumerate(tensors):
        out.append(_array("int64_t", f"{prefix}{k}_shape", t["shape"]))
    rows = []
    for k, t in enumerate(tensors):
        itemsize = 1 if t["dtype"] == "bool" else int(t["dtype"][-2:]) // 8
        rows.append(f"    {{{c_string(t['name'])}, {DTYPE_CODES[t['dtype']]}, {itemsize}, {len(t['shape'])}, "
                    f"{prefix}{k}_shape}},")
    rows.append("    {0, 0, 0, 0, 0},")
    out.append(f"static const kl_tensor_info {name}[] = {{\n" + "\n".join(rows) + "\n};\n")
    return "\n".join(out)


def model_source(export, offsets):
    """NAME_model.c: the tables of the model, then the shared implementation."""
    name = export.name
    errors = sorted(export.errors.items())
    parts = [
        f"/* {name}_model.c -- the tables of the keralite model \"{name}\" (written by keralite compile),",
        "   then the C API every export shares (csrc/export/model_api.c). */",
        f'#include "{name}.h"',
        "",
        f"#define KL_MODEL {name}",
        f"#define KL_ENTRY {export.entry}",
        f"#define KL_WEIGHTS {name}_weights",
        f"#define KL_NUM_INPUTS {len(export.inputs)}",
        f"#define KL_NUM_OUTPUTS {len(export.outputs)}",
        f"#define KL_NUM_FIXED {len(export.fixed)}",
        f"#define KL_NUM_SYMBOLS {export.symbols}",
        f"#define KL_NUM_ARENA_TERMS {len(export.arena)}",
        f"#define KL_NUM_ERRORS {len(errors)}",
        f"#define KL_BATCH {-1 if export.batch is None else export.batch}",
        "",
        "/* The compiled graph (object code from LLVM) and the weights (NAME_weights.S). */",
        "__attribute__((visibility(\"hidden\"))) int32_t KL_ENTRY(void **buffers, const int64_t *dims, void *rt);",
        "__attribute__((visibility(\"hidden\"))) extern const unsigned char KL_WEIGHTS[];",
        "",
        _tensor_table("kl_inputs", export.inputs, "kl_input"),
        _tensor_table("kl_outputs", export.outputs, "kl_output"),
        "/* Variables and constants, in slot order: where each starts in the weights, its size,",
        "   and whether the graph updates it (then every context gets its own copy). */",
        _array("int64_t", "kl_fixed_offset", offsets),
        _array("int64_t", "kl_fixed_bytes", [a.nbytes for a, _ in export.fixed]),
        _array("unsigned char", "kl_fixed_writable", [int(w) for _, w in export.fixed]),
        "/* The arena: the sum of coef * batch^power bytes, each term rounded up to 64. */",
        _array("int64_t", "kl_arena_coef", [c for c, _ in export.arena]),
        _array("int", "kl_arena_power", [p for _, p in export.arena]),
        "/* Codes the graph returns on failure. */",
        _array("int32_t", "kl_error_codes", [code for code, _ in errors]),
        "static const char *const kl_error_messages[] = {\n    "
        + "".join(f"{c_string(m)}, " for _, m in errors) + "0\n};\n",
        '#include "model_api.c"',
        "",
    ]
    return "\n".join(parts)


def weights_assembly(name, blob_path):
    """NAME_weights.S: the blob as read-only data, 64-byte aligned, under a hidden symbol."""
    path = str(blob_path).replace("\\", "\\\\").replace('"', '\\"')
    symbol = f"{name}_weights"
    return "\n".join([
        f"/* {name}_weights.S -- the weights of the keralite model \"{name}\" (written by keralite compile). */",
        '    .section .rodata.keralite_weights,"a",@progbits',
        "    .p2align 6",
        f"    .globl {symbol}",
        f"    .hidden {symbol}",
        f"    .type {symbol}, @object",
        f"{symbol}:",
        f'    .incbin "{path}"',
        "    .byte 0",   # never empty
        f"    .size {symbol}, . - {symbol}",
        '    .section .note.GNU-stack,"",@progbits',
        "",
    ])
