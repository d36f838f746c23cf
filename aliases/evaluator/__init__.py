"""`evaluator`, the old name of the `clausewise` package, kept as an alias for one release.

Installed beside `clausewise`: `import evaluator` gives the package `clausewise` itself, and
`evaluator.errors` the module `clausewise.errors` (clausewise/old_name.py does it; one copy of each).
"""

import importlib

importlib.import_module("clausewise.old_name").alias(__name__)
