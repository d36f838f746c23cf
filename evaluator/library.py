"""The library's front door: one function per task, as the command line has one command per task.

    from clausewise import library
    contract = library.load("contracts/deal.yaml")
    result = library.evaluate(contract, "inputs.yaml", as_of="2027-03-01")
    print(library.render(result, "markdown", contract))
    print(library.render(library.diff(contract, "contracts/deal-amendment-1.yaml", "inputs.yaml")))
    library.schedule(contract, "events.yaml", as_of="2027-03-01").entries

The same tasks are methods of a Contract (`contract.evaluate`, `.schedule`, `.diff`, `.history`,
`.render`): the package's own names `evaluate`, `schedule` and `render` are modules.

Every function takes a contract as a loaded `Contract` or as the path of its file (str or Path),
inputs as a mapping ({"sales": {"FY1": 600000}}), the path of an inputs file (str or Path) or None
(every input pending), and `as_of` as a `datetime.date` or text YYYY-MM-DD. Bad input of any kind
raises a `ContractError` subclass; nothing here prints or changes the interpreter's settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

__all__ = ["load", "evaluate", "schedule", "diff", "history", "render", "Inputs"]

from .contract_file import load
from .errors import ContractError, Diagnostic

if TYPE_CHECKING:
    from .compare import Comparison
    from .contract import Contract
    from .result import Result
    from .schedule import Schedule

# Inputs as the library takes them: a mapping ({"sales": {"FY1": 600000}}), the path of an inputs file
# (a str or any os.PathLike), or None (every input pending).
Inputs = Mapping[str, Any] | str | os.PathLike[str] | None


def _contract(contract: Contract | str | os.PathLike[str]) -> Contract:
    from .contract import Contract

    return contract if isinstance(contract, Contract) else load(Path(contract))


def evaluate(contract: Contract | str | os.PathLike[str], inputs: Inputs = None, interpretation: str | None = None,
             *, as_of: date | str | None = None, trace: bool = False, narrate: bool = True) -> Result:
    """Every output of the contract for `inputs`, under a reading (default: the contract's) and as of a date.

    `trace` keeps every figure's derivation (`Result.trace`); `narrate=False` leaves out the sentences,
    for speed over many scenarios. Same as `clausewise evaluate`.
    """
    return _contract(contract).evaluate(inputs, interpretation, trace=trace, narrate=narrate, as_of=as_of)


def schedule(contract: Contract | str | os.PathLike[str], inputs: Inputs = None, as_of: date | str | None = None,
             interpretation: str | None = None) -> Schedule:
    """Every obligation with its clause, due date, status and penalty as of `as_of` (default: today where the
    agreement is: the contract's time zone, else UTC). Same as `clausewise schedule`."""
    from . import schedule as schedule_

    return schedule_.schedule(_contract(contract), inputs, as_of, interpretation)


def diff(a: Contract | str | os.PathLike[str], b: Contract | str | os.PathLike[str] | None = None,
         inputs: Inputs = None, *, interpretation: str | None = None, against: str | None = None,
         as_of: date | str | None = None, against_as_of: date | str | None = None) -> Comparison:
    """Every output that differs between two contracts, two dates or two readings (`Comparison.rows`).

    B defaults to A; `against` is B's reading (default: A's), `against_as_of` B's date (default: A's).
    When B is an amendment file of A, A is the agreement just before that amendment, so the comparison
    shows exactly what the amendment changes. Same as `clausewise diff`.
    """
    from .compare import before_amendment, compare
    from .contract import checked

    left_contract = _contract(a)
    right_contract = _contract(b) if b is not None else left_contract
    day = checked(as_of, interpretation)
    against_day = checked(against_as_of, against) or day
    names = (_name(a), _name(b if b is not None else a))
    before = before_amendment(left_contract, right_contract, day)  # A just before amendment file B
    left = (right_contract if before else left_contract).evaluate(inputs, interpretation, narrate=False, as_of=day,
                                                                  version=before)
    right = right_contract.evaluate(inputs, against or interpretation, narrate=False, as_of=against_day)
    labels = diff_labels(names, (left_contract, right_contract), (left, right), before is not None)
    return compare("diff", labels, [left, right], only_differences=True)


def diff_labels(names: tuple[str, str], contracts: tuple[Contract, Contract], results: tuple[Result, Result],
                before: bool) -> list[str]:
    """The two sides of a diff as headed: each file's stem, reading and as-of date; A as "A before B" when B
    is an amendment file of A and A lists later amendments; "A" and "B" when both would read the same."""
    labels = [_label(names[0], results[0]), _label(names[1], results[1])]
    amendment = contracts[1].as_amended_by
    if amendment and before and [x.name for x in contracts[0].amendments] != \
            [x["amendment"] for x in results[0].amendments]:
        stem = Path(names[0]).stem  # A lists later amendments: say its side is not all of A
        labels[0] = f"{stem} before {amendment.name}" + labels[0][len(stem):]
    return ["A", "B"] if labels[0] == labels[1] else labels


def history(contract: Contract | str | os.PathLike[str], inputs: Inputs = None,
            interpretation: str | None = None) -> Comparison:
    """Each output as signed and after each amendment in turn (`Comparison.labels` names the stages).
    Same as `clausewise history`."""
    from .compare import compare

    c = _contract(contract)
    stages = c.stages()
    results = [c.evaluate(inputs, interpretation, narrate=False, as_of=None, version=v) for _, v in stages]
    return compare("history", [label for label, _ in stages], results, only_differences=False)


def render(what: Result | Comparison | Schedule, format: str = "table", contract: Contract | None = None) -> str:
    """A result, comparison or schedule as text, in the formats of the command line's --format:
    a Result as table, json, csv, markdown or html (html needs the contract, for its rules and clauses);
    a Comparison as table or json; a Schedule as table, json or ics."""
    from . import compare as compare_
    from . import render as render_
    from . import schedule as schedule_
    from .result import Result, dumps

    formats: tuple[str, ...]
    if isinstance(what, Result):
        formats = ("table", "json", "csv", "markdown", "html")
        title = contract.title if contract is not None else None
        if format == "html":
            if contract is None:
                raise ContractError(Diagnostic("an html report needs the contract", "",
                                               hint="render(result, 'html', contract)"))
            from . import render_html

            return render_html.report(what, contract)
        text = {"table": lambda: render_.table(what, title), "json": lambda: render_.json_text(what),
                "csv": lambda: render_.csv_text(what), "markdown": lambda: render_.markdown(what, title)}
    elif isinstance(what, compare_.Comparison):
        formats = ("table", "json")
        text = {"table": lambda: compare_.table(what), "json": lambda: dumps(what.to_dict()) + "\n"}
    elif isinstance(what, schedule_.Schedule):
        formats = ("table", "json", "ics")
        text = {"table": lambda: schedule_.table(what), "json": lambda: dumps(what.to_dict()) + "\n",
                "ics": lambda: schedule_.ics(what)}
    else:
        raise ContractError(Diagnostic(f"cannot render a {type(what).__name__}", "",
                                       hint="give a Result, a Comparison or a Schedule"))
    if format not in text:
        raise ContractError(Diagnostic(f"format {format!r} is not one of a {type(what).__name__}'s: "
                                       + ", ".join(formats), "", hint=f"give one of {', '.join(formats)}"))
    return text[format]()


def _name(contract: Contract | str | os.PathLike[str]) -> str:
    """The contract as the caller named it: its path as given, or the path it was loaded from."""
    from .contract import Contract

    return str(contract.path) if isinstance(contract, Contract) else os.fspath(contract)


def _label(path: str, result: Result) -> str:
    parts = [Path(path).stem]
    if result.interpretation:
        parts.append(result.interpretation)
    if result.as_of:
        parts.append(f"as of {result.as_of.isoformat()}")
    return ", ".join(parts)
