"""The machinery of the one named compile pipeline: stages, dumps, timings, checks.

The pipeline itself (the list of stages from the traced graph to object code) is
declared once, in driver.py, because its last stages generate code and the driver is
the only layer that sees both passes and codegen. Each stage has a name; the runner

- dumps what the stage produced when `KERALITE_DUMP` names the stage or its kind
  (`graph`, `fused`, `llvm`, `asm`, or `all`), numbered in order (`03-fold_constants`),
  to stderr or as files in `KERALITE_DUMP_DIR`;
- times every stage (`KERALITE_DUMP=timings` prints the table);
- runs the verifier after every graph pass when checking is on (`KERALITE_VERIFY=1`,
  which the test suite sets);
- skips the passes named in `KERALITE_DISABLE_PASSES` (a name, or its first word:
  `simplify` switches off both simplification passes), and refuses to skip a stage a
  correct compile needs.
"""
import os
import sys
import time

from .verify import verify


class Stage:
    """One named step. `run(state)` updates the CompileState; `dump(state)` gives the
    text to show after it; `required` stages cannot be switched off."""

    def __init__(self, name, run, kind, dump=None, required=False):
        self.name = name
        self.run = run
        self.kind = kind
        self.dump = dump
        self.required = required


def graph_pass(name, fn, required=False):
    """A stage that rewrites the graph: `fn(graph) -> graph`."""
    def run(state):
        state.graph = fn(state.graph)
        if state.check:
            verify(state.graph)
    return Stage(name, run, "graph", dump=lambda state: state.graph.listing(), required=required)


class CompileState:
    """What flows through the pipeline: the graph, then the program, the memory plan,
    the LLVM module and the object code, plus the time spent in each stage."""

    def __init__(self, graph, check=False, **options):
        self.graph = graph
        self.check = check
        self.options = options
        self.program = None
        self.plan = None
        self.llvm_text = None
        self.llvm_module = None
        self.obj = None
        self.timings = {}        # stage name -> wall seconds
        self.cpu_timings = {}    # stage name -> process CPU seconds (steadier on a shared machine)


def dump_stages(explicit=None):
    text = explicit if explicit is not None else os.environ.get("KERALITE_DUMP", "")
    if isinstance(text, (list, tuple, set)):
        return set(text)
    return {s.strip() for s in text.split(",") if s.strip()}


class Dumper:
    """Prints or writes numbered dumps of the stages asked for."""

    def __init__(self, stages=None, name="graph"):
        self.stages = dump_stages(stages)
        self.name = name
        self.count = 0
        self.directory = os.environ.get("KERALITE_DUMP_DIR")

    def wants(self, kind, stage=None):
        return kind in self.stages or "all" in self.stages or (stage is not None and stage in self.stages)

    def __call__(self, kind, label, text):
        if not self.wants(kind, label):
            return
        self.count += 1
        title = f"{self.count:02d}-{label}"
        if self.directory:
            os.makedirs(self.directory, exist_ok=True)
            with open(os.path.join(self.directory, f"{self.name}-{title}.txt"), "w") as f:
                f.write(text)
        else:
            sys.stderr.write(f"==== {self.name} {title} ====\n{text}")


class RequiredPassError(ValueError):
    """A pass that every correct compile needs was asked to be switched off."""


class Pipeline:
    """An ordered list of uniquely named stages."""

    def __init__(self, stages):
        names = [s.name for s in stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names repeat in {names}")
        self.stages = list(stages)

    @property
    def names(self):
        return [s.name for s in self.stages]

    def skipped(self, disabled):
        """The names of the stages `disabled` switches off; raises on a required stage
        or on a name that matches no stage."""
        skipped = set()
        for word in disabled:
            hits = [s for s in self.stages if s.name == word or s.name.split("_")[0] == word]
            if not hits:
                raise ValueError(f"KERALITE_DISABLE_PASSES: no pass is called {word!r}; "
                                 f"the passes are {', '.join(self.names)}")
            for s in hits:
                if s.required:
                    raise RequiredPassError(
                        f"KERALITE_DISABLE_PASSES: pass {s.name!r} is required for a correct compile "
                        f"and cannot be switched off")
                skipped.add(s.name)
        return skipped

    def run(self, state, dumper, start=None, stop=None, disabled=()):
        """Run the stages from `start` through `stop` (names; both ends included)."""
        skipped = self.skipped(disabled)
        state.dumper, state.disabled = dumper, disabled
        first = self.names.index(start) if start else 0
        last = self.names.index(stop) if stop else len(self.stages) - 1
        if first == 0:
            dumper("graph", "input", state.graph.listing())
            if state.check:
                verify(state.graph)
        for stage in self.stages[first:last + 1]:
            if stage.name in skipped:
                continue
            began, began_cpu = time.perf_counter(), time.process_time()
            stage.run(state)
            state.timings[stage.name] = state.timings.get(stage.name, 0.0) + time.perf_counter() - began
            state.cpu_timings[stage.name] = (state.cpu_timings.get(stage.name, 0.0)
                                             + time.process_time() - began_cpu)
            if stage.dump is not None and dumper.wants(stage.kind, stage.name):
                dumper(stage.kind, stage.name, stage.dump(state))
        return state


def disabled_from_environment():
    return {s.strip() for s in os.environ.get("KERALITE_DISABLE_PASSES", "").split(",") if s.strip()}


def checking_from_environment():
    return os.environ.get("KERALITE_VERIFY") == "1"


def timings_listing(timings):
    total = sum(timings.values())
    lines = [f"{name:20s} {seconds * 1e3:9.2f} ms" for name, seconds in timings.items()]
    lines.append(f"{'total':20s} {total * 1e3:9.2f} ms")
    return "\n".join(lines) + "\n"
