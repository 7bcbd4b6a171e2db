"""Settings for the whole test suite: the graph verifier runs between compile passes
(every node's dtype and shape re-checked against its op's rule), as CI requires."""
import os

os.environ.setdefault("KERALITE_VERIFY", "1")
