"""`python -m keralite`: the keralite command line (see keralite.cli)."""
import sys

from .cli import main

sys.exit(main())
