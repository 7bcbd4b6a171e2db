"""Compile part of a batch of kernels on the other core, in a forked child.

llvmlite serialises every LLVM call of a process behind one lock, so threads cannot
compile in parallel; a child process can. A fork costs ~15 ms of CPU (its copy-on-write
faults included) and shares everything the parent has built (the target machine, the
loaded code generator), where a fresh interpreter, or a compile server started for the
purpose, spends 0.35-0.45 s of CPU importing keralite and llvmlite first. The child optimises
and emits its share, writes the object to a pipe and exits; the parent compiles the other
share meanwhile. Anything that goes wrong on the child's side (fork refused, a crash, a
timeout, a short write) only means the parent compiles that share itself: the child is
always reaped (no zombie) and the parent never waits longer than TIMEOUT.
"""
import contextlib
import os
import select
import signal
import struct
import time
import warnings

from . import support, target

TIMEOUT = 120.0         # seconds the parent waits for the child before compiling itself
# Below this much IR a fork costs about what it saves (measured: a fork, and the child's
# copy-on-write faults and exit, cost ~15 ms CPU and ~30 ms wall on a loaded machine).
MIN_TEXT = 40000
_LENGTH = struct.Struct("<Q")
# children started, and shares the parent compiled itself after a child failed
stats = {"forked": 0, "fell_back": 0}


def enabled():
    """Whether to fork: on by default where fork exists and this process may run on two
    or more CPUs; KERALITE_PARALLEL_COMPILE=0 (or false/no/off) turns it off. Measured on
    the 2-core machine once LLVM's unroller was off (bench_compile, new process, new
    graph): the MLP train step's first result 0.37 -> 0.22 s, the CNN's 0.99 -> 0.68 s."""
    setting = os.environ.get("KERALITE_PARALLEL_COMPILE", "").strip().lower()
    if not hasattr(os, "fork") or setting in ("0", "false", "no", "off"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2


def partition(texts, parent_extra=0):
    """Two groups of texts of about equal cost (text length stands for it), as lists of
    indices: the first for this process, which also has `parent_extra` worth of other
    code to compile, the second for the child."""
    groups, sizes = ([], []), [parent_extra, 0]
    for i in sorted(range(len(texts)), key=lambda i: -len(texts[i])):
        g = 0 if sizes[0] < sizes[1] else 1
        groups[g].append(i)
        sizes[g] += len(texts[i])
    return groups


def _compile_in_child(texts, tm):
    """What the child does: the object code of `texts`."""
    return target.emit_object(target.link_and_optimize(texts, tm), tm)


class ForkedCompile:
    """The object code of `texts`, compiled in a forked child. `result()` gives the bytes,
    or None when the child failed (the caller then compiles them itself)."""

    def __init__(self, texts, tm):
        self.pid = None
        self.fd = None
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return
        # the support library's build thread must not be waiting for the lock we take,
        # or the fork's own wait for that thread (support.py) would never end
        support.wait_for_background_build()
        try:
            # no other thread may be inside LLVM (or hold its lock) at the fork: the child
            # would inherit a lock that nobody in it can release
            with target.exclusive(), warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:
            self._child(read_end, write_end, texts, tm)
        os.close(write_end)
        self.pid, self.fd = pid, read_end
        stats["forked"] += 1

    @staticmethod
    def _child(read_end, write_end, texts, tm):
        code = 1
        try:
            os.close(read_end)
            obj = _compile_in_child(texts, tm)
            data = _LENGTH.pack(len(obj)) + obj
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
            code = 0
        except BaseException:       # any failure is reported by the exit status alone
            code = 1
        finally:
            os._exit(code)

    def result(self, timeout=TIMEOUT):
        if self.pid is None:
            return None
        chunks, deadline, complete = [], time.monotonic() + timeout, False
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                    break
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    complete = True
                    break
                chunks.append(chunk)
        except OSError:
            complete = False
        finally:
            os.close(self.fd)
            status = self._reap(kill=not complete)
        data = b"".join(chunks)
        obj = None
        if complete and status == 0 and len(data) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(data, 0)
            if length > 0 and len(data) - _LENGTH.size == length:
                obj = data[_LENGTH.size:]
        if obj is None:
            stats["fell_back"] += 1
        return obj

    def _reap(self, kill):
        """Wait for the child (killing it first when it is late); its exit status."""
        pid, self.pid = self.pid, None
        if kill:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
            except InterruptedError:
                continue
            except ChildProcessError:
                return -1
            return os.waitstatus_to_exitcode(status)


def compile_later(texts, tm):
    """Start compiling `texts` in a child; None when that is not worth it or possible."""
    if not texts or not enabled() or sum(len(t) for t in texts) < MIN_TEXT // 2:
        return None
    job = ForkedCompile(texts, tm)
    return job if job.pid is not None else None


