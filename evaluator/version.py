"""The version of clausewise: the one place it is written (pyproject.toml reads it from here, `dynamic`).

Read by `clausewise --version`, every result's provenance, the language server and the service, without
importlib.metadata (whose import costs more than the rest of `clausewise --help`).
"""

VERSION = "0.1.0"
