"""The result of an evaluation, and its JSON form.

Output values are exact and plain: `int` for whole amounts, `Decimal` for
other amounts (always a finite decimal: an amount that has none must be
rounded in the rules), `bool`, `date`, and `None` for pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from .records import field, record

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .narrative import Sentence
    from .reasons import Found
    from .trace import Step

RESULT_SCHEMA = "clausewise/result/3"  # bump with evaluator/schemas/result.schema.json
EXPLANATION_SCHEMA = "clausewise/explanation/3"

OutputValue = int | Decimal | bool | date | None
Output = OutputValue | dict[str, OutputValue]


def decimal_places(value: Fraction) -> int | None:
    """The decimal places an exact value needs (0 for a whole one); None if it has no finite decimal form."""
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else None


def exact_decimal(value: Fraction) -> int | Decimal | None:
    """`value` as an int or an exact Decimal; None if it has no finite decimal form."""
    if value.denominator == 1:
        return int(value)
    places = decimal_places(value)
    if places is None:
        return None
    scaled = value.numerator * 10**places // value.denominator
    # built from its digits, never by arithmetic: exact at any size, whatever the caller's decimal context
    return Decimal((int(scaled < 0), Decimal(abs(scaled)).as_tuple().digits, -places))


_SAFE_BITS = 2_000  # ints this short have fewer digits than the lowest limit Python may put on str(int) (640)


def number_text(value: int | Decimal, grouped: bool = False) -> str:
    """An exact amount in digits (1234567.5, or 1,234,567.5 `grouped`), never an exponent, at any size.

    str() of an int past Python's limit on digits (sys.int_info) raises; a Decimal has no such limit,
    and formatting one without a precision never rounds, so neither depends on process-wide settings.
    """
    if isinstance(value, int) and value.bit_length() <= _SAFE_BITS:
        return f"{value:,}" if grouped else str(value)
    return format(Decimal(value) if isinstance(value, int) else value, ",f" if grouped else "f")


def fraction_text(value: Fraction, most: int = 60) -> str:
    """A fraction as a message quotes it, numerator/denominator at any size, cut in the middle past `most`."""
    text = f"{number_text(value.numerator)}/{number_text(value.denominator)}"
    return text if len(text) <= most else f"{text[:most // 2]}…{text[-(most // 2):]} ({len(text) - 1} digits)"


@record
class Invariant:
    """One check of an `invariant` of the rules, for one period (or the only one): whether it holds (None:
    pending), the clause it cites, its formula as written, and the values it read (by label, exact)."""

    name: str
    period: str | None
    label: str
    holds: bool | None
    citation: str
    formula: str
    values: dict[str, OutputValue] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """"name[Y1]", or the name of an invariant with one value."""
        return f"{self.name}[{self.period}]" if self.period else self.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "period": self.period, "label": self.label, "holds": self.holds,
                "cites": self.citation, "formula": self.formula, "values": jsonable(self.values)}


@record
class Result:
    contract: str
    interpretation: str | None
    outputs: dict[str, Output]
    units: dict[str, str]
    periods: dict[str, str]  # output -> its set of periods, for outputs with one value per period
    citations: dict[str, str]  # output -> the clause its rule cites
    trace: dict[str, Step] | None = None  # with evaluate(trace=True): every step behind every output
    narrative: list[Sentence] = field(default_factory=list)  # from the contract's sentence templates
    amendments: list[dict[str, Any]] = field(default_factory=list)  # those applied, in order
    as_of: date | None = None  # the date amendments were applied as of (None: all of them)
    # why each pending output is pending, worked out when first asked (reasons.py: it costs a second look at
    # the pending values, which many evaluations in a row never need)
    why: Callable[[], dict[str, tuple[str, ...]]] | None = field(default=None, compare=False, repr=False)
    # inputs given but not known yet on the as-of date, set aside (knowledge.py): why, by label
    set_aside: dict[str, str] = field(default_factory=dict)
    meanings: dict[str, str] = field(default_factory=dict)  # output -> what its rule says it `means`
    labels: dict[str, str] = field(default_factory=dict)  # output -> its `label` in the rules, else its name
    currencies: dict[str, int] = field(default_factory=dict)  # currency -> decimal places shown (formatting.py)
    # every invariant checked, per period, with the values each read (invariants.py): the checking is done with
    # the evaluation (a failing invariant is an error); the values read are worked out when first asked
    checks: Callable[[], list[Invariant]] | None = field(default=None, compare=False, repr=False)
    # the provenance block (provenance.py), made when first asked: it hashes the files the result came from
    make_provenance: Callable[[], dict[str, Any]] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def provenance(self) -> dict[str, Any]:
        """Tool and version, contract, every file behind this result with its SHA-256, the inputs, reading,
        as-of date and time of generation (provenance.py); {} for a result made by hand."""
        return self.make_provenance() if self.make_provenance is not None else {}

    @cached_property
    def invariants(self) -> list[Invariant]:
        """Every invariant checked, per period: whether it holds, and the values it read."""
        return self.checks() if self.checks is not None else []

    @cached_property
    def reasons(self) -> dict[str, tuple[str, ...]]:
        """Each pending output's reasons, one at a time, by label ("payment[Y3]")."""
        return self.why() if self.why is not None else {}

    @cached_property
    def notes(self) -> dict[str, str]:
        """Each pending output's reasons, "; "-joined, by label; then each input set aside, with why."""
        return {**{label: "; ".join(texts) for label, texts in self.reasons.items()}, **self.set_aside}

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data: amounts as int or Decimal, dates as text."""
        return {
            "schema": RESULT_SCHEMA,
            "contract": self.contract,
            "interpretation": self.interpretation,
            "outputs": {name: jsonable(value) for name, value in self.outputs.items()},
            "units": dict(self.units),
            "citations": dict(self.citations),
            "narrative": [s.to_dict() for s in self.narrative],
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "amendments": list(self.amendments),
            "notes": dict(self.notes),
            "labels": dict(self.labels),
            "invariants": [i.to_dict() for i in self.invariants],
            "provenance": self.provenance,
            **({"trace": [step.to_dict() for step in self.trace.values()]} if self.trace is not None else {}),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent)


def result_schema() -> dict[str, Any]:
    """The published JSON Schema of result, explanation and comparison documents."""
    from .datafile import schema

    return schema("result.schema.json")


@record
class Explanation:
    """The derivation of one value: `steps[root]` and, through `inputs`, everything behind it."""

    contract: str
    interpretation: str | None
    root: str
    steps: dict[str, Step]
    amendments: list[dict[str, Any]] = field(default_factory=list)
    why: Found | None = None  # for a pending value: its reasons, and the steps on the way to them
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)  # as a result's (provenance.py)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": EXPLANATION_SCHEMA,
            "contract": self.contract,
            "interpretation": self.interpretation,
            "amendments": list(self.amendments),
            "root": self.root,
            **({"reasons": [{"reason": r.text, "fix": r.fix} for r in self.why.reasons]} if self.why else {}),
            "steps": [step.to_dict() for step in self.steps.values()],
            "provenance": self.provenance,
        }


def jsonable(value: Any) -> Any:
    """A value as JSON-ready data: dates as text, the rest as they are."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


def dumps(data: Any, indent: int | None = 2) -> str:
    """JSON with Decimals written as the exact numbers they are; same data, same bytes."""
    return _write(data, indent, 0)


def _write(value: Any, indent: int | None, depth: int) -> str:
    if isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
        return number_text(value)
    if isinstance(value, Fraction):
        raise TypeError("convert fractions with exact_decimal first")
    if isinstance(value, dict | list) and value:
        items = (
            [f"{json.dumps(str(k), ensure_ascii=False)}: {_write(v, indent, depth + 1)}" for k, v in value.items()]
            if isinstance(value, dict)
            else [_write(v, indent, depth + 1) for v in value]
        )
        open_, close = ("{", "}") if isinstance(value, dict) else ("[", "]")
        if indent is None:
            return open_ + ", ".join(items) + close
        pad = "\n" + " " * (indent * (depth + 1))
        return open_ + pad + ("," + pad).join(items) + "\n" + " " * (indent * depth) + close
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
