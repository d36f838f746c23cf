"""clausewise: a rules-as-data contract evaluator.

    import clausewise
    contract = clausewise.load("path/to/contract.yaml")
    result = contract.evaluate({"sales": {"FY1": 600000}}, as_of="2027-03-01")   # or an inputs file's path
    result.outputs["payment"]["FY1"]   # an output named by the rules
    print(contract.render(result, "markdown"))
    contract.schedule("events.yaml", as_of="2027-03-01"), contract.diff("amendment-1.yaml"), contract.history()

Every error caused by bad rules, contract files or inputs is a
`clausewise.ContractError` carrying file, line and column, and its hint in `str(e)`.
The old name, `import evaluator`, is an alias of this package for one release (old_name.py).
"""

import importlib as _importlib

if __name__ != "clausewise":  # this folder imported as `evaluator` (from a checkout's top): hand over, one copy
    _importlib.import_module("clausewise.old_name").alias(__name__)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, which mypy knows by its name: typing is not imported for --help

if TYPE_CHECKING:
    from typing import Any

    from .amendments import Amendment
    from .contract import Contract, Party, Version
    from .contract_file import load, load_rules
    from .errors import (
        CheckError,
        ContractError,
        ContractFileError,
        Diagnostic,
        EvaluationError,
        InputError,
        RuleSyntaxError,
    )
    from .limits import Limits
    from .result import Result

# Each public name and the module that defines it, imported on first use: `import clausewise` (and the
# command's start) costs only what is used.
_HOME = {
    "Amendment": "amendments", "Contract": "contract", "Party": "contract", "Version": "contract",
    "load": "contract_file", "load_rules": "contract_file",
    "CheckError": "errors", "ContractError": "errors", "ContractFileError": "errors", "Diagnostic": "errors",
    "EvaluationError": "errors", "InputError": "errors", "RuleSyntaxError": "errors",
    "Limits": "limits", "Result": "result",
}

__all__ = [
    "Amendment",
    "Version",
    "CheckError",
    "Contract",
    "ContractError",
    "ContractFileError",
    "Diagnostic",
    "EvaluationError",
    "InputError",
    "Limits",
    "Party",
    "Result",
    "RuleSyntaxError",
    "load",
    "load_rules",
]


def __getattr__(name: str) -> "Any":
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
