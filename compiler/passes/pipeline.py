"""The named pass pipeline, with a dump after every stage.

Stages, in order: shape and dtype inference happens as each node is built (and the
verifier re-runs it between passes); common subexpressions are shared from the start by
node interning (ir/node.py); then the graph passes below (algebraic simplification,
constant folding, expansion of composites); dead code never reaches the later stages
because they walk the graph from its outputs and updates; then fusion
(passes/schedule.py) and memory planning (passes/memory.py) turn the graph into kernels.

`KERALITE_DUMP=graph,fused,llvm,asm` prints the stages to stderr (or writes numbered
files into `KERALITE_DUMP_DIR`); `KERALITE_DISABLE_PASSES=simplify,...` switches passes
off by name.
"""
import os
import sys

from .composites import expand_composites
from .fold import fold_constants
from .simplify import simplify
from .verify import verify

GRAPH_PASSES = [
    ("simplify", simplify),
    ("fold_constants", fold_constants),
    ("expand_composites", expand_composites),
    ("simplify_expanded", simplify),
]


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

    def wants(self, kind):
        return kind in self.stages or "all" in self.stages

    def __call__(self, kind, label, text):
        if not self.wants(kind):
            return
        self.count += 1
        title = f"{self.count:02d}-{label}"
        if self.directory:
            os.makedirs(self.directory, exist_ok=True)
            with open(os.path.join(self.directory, f"{self.name}-{title}.txt"), "w") as f:
                f.write(text)
        else:
            sys.stderr.write(f"==== {self.name} {title} ====\n{text}")


def run_graph_passes(graph, dumper, check=None):
    """Run the pipeline; with `check` (or KERALITE_VERIFY=1) verify after every pass."""
    disabled = {s.strip() for s in os.environ.get("KERALITE_DISABLE_PASSES", "").split(",") if s.strip()}
    check = check if check is not None else os.environ.get("KERALITE_VERIFY") == "1"
    dumper("graph", "input", graph.listing())
    if check:
        verify(graph)
    for name, fn in GRAPH_PASSES:
        if name in disabled or name.split("_")[0] in disabled:
            continue
        graph = fn(graph)
        dumper("graph", name, graph.listing())
        if check:
            verify(graph)
    return graph
