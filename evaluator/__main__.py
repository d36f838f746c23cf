"""`python -m clausewise` (and, for one release, `python -m evaluator`) is the `clausewise` command."""

import sys

from .cli import main

sys.exit(main())
