"""clausewise: a rules-as-data contract evaluator.

    import evaluator
    contract = evaluator.load("path/to/contract.yaml")
    result = contract.evaluate({"revenue": {"Y1": 600000000}}, interpretation=None)
    result.outputs["released_shares"]["Y1"]   # an output named by the rules

Every error caused by bad rules, contract files or inputs is an
`evaluator.ContractError` carrying file, line and column.
"""

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
