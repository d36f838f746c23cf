"""Worked examples kept beside the rules, in YAML (`clausewise test`; schemas/example.schema.json).

An example file names its contract and lists examples; each example has a name,
the clause it illustrates, its inputs (inline or an inputs file), optionally a
reading and an as-of date, and the expected outputs: a value per output, or per
period of an output by period. Only what is listed is checked. The arithmetic
that gives each figure is written beside it as a YAML comment.

    contract: ../../contracts/deal.yaml
    examples:
      - name: a year below the threshold pays nothing
        clause: Clause 4.1
        reading: main
        inputs:
          sales: {FY1: 900_000, FY2: 1_500_000}
        expected:
          payment:
            FY1: 0          # 900,000 < 1,000,000
            FY2: 125_000    # 25% x (1,500,000 - 1,000,000)
            FY3: pending

Figures compare exactly (as fractions): 0.25, "1/3", 125_000 and "125,000"
are numbers; true and false are yes-or-no values; a date is YYYY-MM-DD; pending
(or null) is a figure not known yet. A bad file (not valid YAML, not matching
the schema, a contract or inputs that do not load or evaluate) raises
ContractError; a figure that differs is a `Mismatch`, at the line of the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from .contract import Contract
from .contract_file import load
from .datafile import DATA_SUFFIXES, Data, read_text, validate_schema
from .datafile import load as load_data
from .errors import ContractError, ContractFileError, Diagnostic
from .limits import DEFAULT, Limits

SCHEMA = "example.schema.json"
PENDING = "pending"
_EXAMPLES_KEY = re.compile(r"(?m)^examples[ \t]*:")
_NUMBER = re.compile(r"^[-+]?[0-9][0-9,_]*(\.[0-9]+)?$|^[-+]?[0-9]+/[0-9]+$")


@dataclass(frozen=True)
class Check:
    """One expected figure: an output, or one period of it, at its place in the example file."""

    output: str
    period: str | None
    expected: Any
    path: tuple[Any, ...]  # where the value is in the file's data (for --reset)
    line: int
    column: int

    @property
    def label(self) -> str:
        return f"{self.output}[{self.period}]" if self.period is not None else self.output


@dataclass(frozen=True)
class Example:
    file: str
    name: str
    clause: str
    reading: str | None
    as_of: str | None
    inputs: Mapping[str, Any] | Path
    checks: tuple[Check, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Mismatch:
    check: Check
    actual: Any
    message: str
    resettable: bool  # whether --reset can write the actual figure in place of the expected one


@dataclass
class Outcome:
    example: Example
    mismatches: list[Mismatch] = field(default_factory=list)


@dataclass
class ExampleFile:
    path: Path
    data: Data
    contract: Path
    examples: list[Example]


def find(paths: Sequence[str | Path]) -> list[Path]:
    """The example files named: files as they are; in a folder (default: the current one), every YAML file
    inside a folder named `examples` whose top level has the key `examples`."""
    found: list[Path] = []
    for name in paths or ["."]:
        path = Path(name)
        if not path.is_dir():
            found.append(path)
            continue
        for candidate in sorted(p for p in path.rglob("*") if p.suffix.lower() in (".yaml", ".yml")):
            if "examples" in candidate.relative_to(path).parent.parts or path.resolve().name == "examples":
                try:
                    text = read_text(candidate, ContractFileError)
                except ContractError:
                    found.append(candidate)  # reported when it is loaded
                    continue
                if _EXAMPLES_KEY.search(text):
                    found.append(candidate)
    return found


def load_file(path: Path) -> ExampleFile:
    """Read and check an example file; raise ContractFileError at the place of any problem."""
    data = load_data(path, ContractFileError)
    validate_schema(data, SCHEMA, ContractFileError)
    contract = data.file_at(("contract",), "contract file", DATA_SUFFIXES)
    examples: list[Example] = []
    seen: dict[str, int] = {}
    problems: list[Diagnostic] = []
    for i, raw in enumerate(data.value["examples"]):
        where = data.places.get(("examples", i), (0, 0))
        name = str(raw["name"])
        if name in seen:
            problems.append(data.where(("examples", i, "name"), f"a second example named '{name}'",
                                       f"the first is at line {seen[name]}; give each example its own name"))
        seen.setdefault(name, where[0])
        inputs: Mapping[str, Any] | Path
        if isinstance(raw["inputs"], str):
            try:
                inputs = data.file_at(("examples", i, "inputs"), "inputs file", DATA_SUFFIXES)
            except ContractError as exc:
                problems.extend(exc.diagnostics)
                continue
        else:
            inputs = raw["inputs"]
        examples.append(Example(str(data.file), name, str(raw["clause"]), raw.get("reading"), raw.get("as_of"),
                                inputs, tuple(_checks(data, i, raw["expected"])), where[0], where[1]))
    if problems:
        raise ContractFileError(problems)
    return ExampleFile(path, data, contract, examples)


def _checks(data: Data, index: int, expected: Mapping[str, Any]) -> Iterable[Check]:
    for output, value in expected.items():
        base = ("examples", index, "expected", output)
        if isinstance(value, Mapping):
            for period, figure in value.items():
                line, col = data.places.get((*base, period), (0, 0))
                yield Check(output, str(period), figure, (*base, period), line, col)
        else:
            line, col = data.places.get(base, (0, 0))
            yield Check(output, None, value, base, line, col)


def run(example: Example, contract: Contract) -> Outcome:
    """Evaluate the example and compare; raise ContractError (at the example) if it cannot be evaluated."""
    try:
        result = contract.evaluate(example.inputs, interpretation=example.reading, narrate=False,
                                   as_of=example.as_of)
    except ContractError as exc:
        here = (example.file, example.line, example.column, example.line, example.column + 1)
        if all(not d.line for d in exc.diagnostics):  # nowhere in particular (an unknown reading): at the example
            raise type(exc)([Diagnostic(f"example '{example.name}': {d.message}", *here, d.hint)
                             for d in exc.diagnostics]) from None
        raise type(exc)([Diagnostic(f"example '{example.name}' cannot be evaluated", *here),
                         *exc.diagnostics]) from None
    outcome = Outcome(example)
    for check in example.checks:
        problem = _compare(check, result.outputs)
        if problem is not None and problem.message not in {m.message for m in outcome.mismatches}:
            outcome.mismatches.append(problem)  # an output missing is said once, not once per period
    return outcome


def _compare(check: Check, outputs: Mapping[str, Any]) -> Mismatch | None:
    if check.output not in outputs:
        known = ", ".join(outputs)
        return Mismatch(check, None, f"{check.output}: the contract has no such output (its outputs: {known})",
                        False)
    actual = outputs[check.output]
    if check.period is None:
        if isinstance(actual, Mapping):
            return Mismatch(check, actual, f"{check.output} is given by period ({', '.join(actual)}): "
                                           "list the periods to check", False)
    else:
        if not isinstance(actual, Mapping):
            return Mismatch(check, actual, f"{check.output} is one figure, not one per period: "
                                           f"write {check.output}: <value>", False)
        if check.period not in actual:
            return Mismatch(check, None, f"{check.output} has no period '{check.period}' "
                                         f"(its periods: {', '.join(actual)})", False)
        actual = actual[check.period]
    if same(check.expected, actual):
        return None
    return Mismatch(check, actual, f"{check.label}: expected {show(check.expected)}, actual {show(actual)}", True)


def _number(value: Any) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return Fraction(value.strip().replace(",", "").replace("_", ""))
    return None


def same(expected: Any, actual: Any) -> bool:
    """Whether an expected figure, as written in an example file, is the actual one (numbers exactly)."""
    if expected is None or (isinstance(expected, str) and expected.strip().lower() == PENDING):
        return actual is None
    if actual is None:
        return False
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    number = _number(actual)
    if number is not None:
        return _number(expected) == number
    if isinstance(actual, date):
        return str(expected).strip() == actual.isoformat()
    return isinstance(expected, str) and expected == str(actual)


def show(value: Any) -> str:
    """A figure as a person reads it: 3,153,384; 0.25; 1/3; true; 2026-06-30; pending."""
    if value is None:
        return PENDING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    number = _number(value) if not isinstance(value, str) else None
    if number is None:
        return str(value)
    if number.denominator == 1:
        return f"{number.numerator:,}"
    decimal = decimal_text(number)
    return decimal if decimal is not None else f"{number.numerator}/{number.denominator}"


def decimal_text(number: Fraction) -> str | None:
    """The exact decimal writing of a fraction with a terminating expansion (grouped by commas), or None."""
    d = number.denominator
    twos = fives = 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return None
    places = max(twos, fives)
    scaled = abs(number.numerator) * 10**places // number.denominator
    whole, part = divmod(scaled, 10**places)
    sign = "-" if number < 0 else ""
    return f"{sign}{whole:,}." + str(part).rjust(places, "0")


class Contracts:
    """Contracts loaded once per run, by their resolved path."""

    def __init__(self, limits: Limits = DEFAULT) -> None:
        self.limits = limits
        self._loaded: dict[Path, Contract] = {}

    def get(self, path: Path) -> Contract:
        key = path.resolve()
        if key not in self._loaded:
            self._loaded[key] = load(path, limits=self.limits)
        return self._loaded[key]
