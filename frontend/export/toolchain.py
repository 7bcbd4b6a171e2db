"""The system tools an export is built with: the C compiler (cc) and binutils' objcopy.

    cc -c        the C runtime (csrc/*.c), the API (NAME_model.c), the weights (NAME_weights.S)
    cc -r        one relocatable object: those + the graph and GEMM objects from LLVM
    objcopy      every global symbol but the API made local  -> NAME.o (static linking)
    cc -shared   NAME.o -> libNAME.so
"""
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from keralite.runtime import native

CFLAGS = ["-O2", "-fPIC", "-fvisibility=hidden", "-pthread", "-std=gnu11"]
TIMEOUT = 600


class ToolchainError(RuntimeError):
    """A build step failed (the message holds the command and its output)."""


def _require_linux():
    if not sys.platform.startswith("linux"):
        raise ToolchainError(f"keralite compile builds ELF shared libraries on Linux; this is {sys.platform}")


def c_compiler():
    """argv prefix of the C compiler ($CC, else cc, gcc or clang)."""
    return native.find_compiler()


def objcopy():
    for candidate in (os.environ.get("OBJCOPY"), "objcopy"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    raise ToolchainError("keralite compile needs objcopy (GNU binutils, e.g. `apt-get install binutils`) "
                         "to build the object file for static linking; none was found on PATH")


def run(cmd, cwd=None):
    try:
        proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=TIMEOUT)
    except FileNotFoundError:
        raise ToolchainError(f"cannot run {cmd[0]!r}") from None
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"timed out after {TIMEOUT}s: {shlex.join(cmd)}") from None
    if proc.returncode != 0:
        output = ((proc.stderr or "") + (proc.stdout or "")).strip()
        raise ToolchainError(f"build step failed (exit code {proc.returncode}): {shlex.join(cmd)}\n{output}")
    return proc


def build(build_dir, name, model_c, weights_s, llvm_objects, object_out, library_out):
    """Compile and link an export. `llvm_objects` are paths of object files from LLVM."""
    _require_linux()
    cc = c_compiler()
    csrc = native.include_dir()
    c_files, _ = native.source_files(csrc)
    include = ["-I", str(build_dir), "-I", str(csrc), "-I", str(csrc / "export")]
    jobs = []
    objects = list(llvm_objects)
    for src in c_files:
        out = os.path.join(build_dir, f"runtime_{src.stem}.o")
        jobs.append([*cc, *CFLAGS, *include, "-c", str(src), "-o", out])
        objects.append(out)
    api_o = os.path.join(build_dir, f"{name}_model.o")
    jobs.append([*cc, *CFLAGS, *include, "-c", str(model_c), "-o", api_o])
    weights_o = os.path.join(build_dir, f"{name}_weights.o")
    jobs.append([*cc, "-c", str(weights_s), "-o", weights_o])
    objects += [api_o, weights_o]
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        for result in [pool.submit(run, cmd) for cmd in jobs]:
            result.result()

    combined = os.path.join(build_dir, f"{name}_combined.o")
    run([*cc, "-r", "-nostdlib", "-o", combined, *objects])
    # Only the API stays global: the runtime, the GEMMs and the weights of two exports
    # linked into one program must not clash.
    keep = os.path.join(build_dir, f"{name}.symbols")
    with open(keep, "w") as f:
        f.write("\n".join(api_symbols(name)) + "\n")
    run([objcopy(), f"--keep-global-symbols={keep}", combined, str(object_out)])
    run([*cc, "-shared", "-o", str(library_out), str(object_out), "-pthread", "-lm",
         f"-Wl,-soname,lib{name}.so", "-Wl,-z,noexecstack", "-Wl,-z,relro", "-Wl,-z,now"])


API_FUNCTIONS = ("create", "destroy", "run", "run_batch", "last_error", "num_inputs", "num_outputs",
                 "batch_size", "input_info", "output_info", "find_input", "find_output")


def api_symbols(name):
    return [f"{name}_{fn}" for fn in API_FUNCTIONS]
