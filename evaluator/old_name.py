"""The package's old name, `evaluator`, kept as an alias of `clausewise` for one release.

The distribution's package is `clausewise` (its modules are the `evaluator/` folder, mapped by
pyproject.toml). `import evaluator` and `import evaluator.errors` give the very module objects
`clausewise` and `clausewise.errors`: one copy of every module, so that
`evaluator.ContractError is clausewise.ContractError`. The old name is reached two ways, both of
which end here:

- installed, through the small alias package `evaluator` shipped beside `clausewise`
  (aliases/evaluator/__init__.py in the repository);
- from the top of a checkout, where the `evaluator/` folder itself is importable as a plain package:
  its `__init__` hands over to `clausewise` before anything else.

`alias` puts a finder first on `sys.meta_path` that answers every `evaluator.X` with `clausewise.X`
(imported under that name), so a module is never loaded a second time from the folder under the
old name. It is added only when the old name is imported, and at most once.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

OLD = "evaluator"
NEW = "clausewise"


def _real(fullname: str) -> str:
    return NEW + fullname[len(OLD):]


class _Alias:
    """Finds `evaluator.X` as the module `clausewise.X` (a meta path finder and its loader; not derived from
    importlib.abc's classes, whose import costs the command's start more than all of this)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(OLD + "."):
            return None
        real = importlib.util.find_spec(_real(fullname))
        if real is None:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, cast("Loader", self), origin=real.origin,
                                              is_package=real.submodule_search_locations is not None)
        spec.has_location = real.has_location
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(_real(spec.name))  # its name and file stay clausewise's
        spec.loader_state = module.__spec__  # importlib sets the alias's spec on it next: put back in exec_module
        return module

    def exec_module(self, module: ModuleType) -> None:
        spec = module.__spec__  # executed once already, under its real name: only its own spec is put back
        if spec is not None and spec.loader is cast("Loader", self) and spec.loader_state is not None:
            module.__spec__ = spec.loader_state

    def get_code(self, fullname: str) -> CodeType | None:
        """For `python -m evaluator.X`: runpy runs the real module's code as __main__."""
        real = importlib.util.find_spec(_real(fullname))
        loader = real.loader if real is not None else None
        get_code = getattr(loader, "get_code", None)
        return get_code(_real(fullname)) if get_code is not None else None

    def is_package(self, fullname: str) -> bool:
        real = importlib.util.find_spec(_real(fullname))
        return real is not None and real.submodule_search_locations is not None


def alias(name: str = OLD) -> ModuleType:
    """Make `name` (the old name) the package `clausewise`, and its submodules clausewise's; give the package."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
    package = importlib.import_module(NEW)
    sys.modules[name] = package
    return package
