"""Overrides: `--set NAME.PERIOD=VALUE` (or `--set NAME=VALUE` for an input without periods), laid over inputs.

Each override is checked as a value of an inputs file is: the input must be declared, the period one of
its periods, the value one of its type (an amount as plain decimal text, a date as YYYY-MM-DD, true or
false; `null` for pending). Problems are reported at the `--set`: its file is "--set", its line the
override's place among the --set options (1 for the first), its column the place in the text:

    --set:1:10: error: sales.FY3: 'abc' is not an amount
        1 | sales.FY3=abc
          |           ^^^
       hint: write a plain number in USD, e.g. 1250000

`parse_sets` gives the overrides as exact values; `merged` lays them over an inputs file or mapping and
checks the whole exactly as an inputs file (an input reported in order given for FY3 but not FY2 is
refused at the --set), giving a mapping that `Contract.evaluate` takes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import inputs as inputs_
from . import nodes as n
from .checker import Program
from .datafile import Data, load, number_problem
from .errors import Diagnostic, InputError, close_matches

WHERE = "--set"
_FORM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\.([^=]*))?=(.*)", re.DOTALL)
_AMOUNT = re.compile(inputs_._DECIMAL)


@dataclass(frozen=True)
class Override:
    """One --set: the input, its period (None for an input without periods), the value as written and exact."""

    name: str
    period: str | None
    text: str
    value: Any  # Fraction, date, bool, or None (pending)
    line: int  # its place among the --set options, from 1
    column: int  # where its value starts in the text, from 1
    where: str = WHERE  # the option it was given with


def _problem(line: int, column: int, width: int, message: str, hint: str | None, path: str | None = None,
             where: str = WHERE) -> Diagnostic:
    return Diagnostic(message, where, line, column, line, column + max(1, width), hint, path)


def _error(problems: list[Diagnostic], sets: Sequence[str], where: str = WHERE) -> InputError:
    return InputError(problems, sources={where: "\n".join(s.replace("\n", " ") for s in sets)})


def parse(program: Program, sets: Sequence[str], where: str = WHERE) -> list[Override]:
    """The overrides, each checked on its own; InputError at the --set for any that is wrong."""
    problems: list[Diagnostic] = []
    out: list[Override] = []
    declared = {name: sym for name, sym in program.symbols.items() if isinstance(sym.decl, n.InputDecl)}
    for i, text in enumerate(sets, start=1):
        found = parse_one(program, declared, text, i, problems, where)
        if found is not None:
            out.append(found)
    seen: dict[tuple[str, str | None], int] = {}
    for o in out:
        label = o.name if o.period is None else f"{o.name}.{o.period}"
        if (o.name, o.period) in seen:
            problems.append(_problem(o.line, 1, len(label), f"{label} is set twice (also by {where} number "
                                     f"{seen[(o.name, o.period)]})", "give each input and period once", None,
                                     where))
        seen.setdefault((o.name, o.period), o.line)
    if problems:
        raise _error(problems, sets, where)
    return out


def parse_one(program: Program, declared: Mapping[str, Any], text: str, line: int, problems: list[Diagnostic],
              where: str = WHERE) -> Override | None:
    """One NAME.PERIOD=VALUE (or NAME=VALUE), or None with its problem noted."""
    m = _FORM.fullmatch(text)
    if m is None:
        problems.append(_problem(line, 1, len(text), f"'{text}' is not NAME.PERIOD=VALUE",
                                 "e.g. --set sales.FY3=850000, or --set closing=2025-12-10 for an "
                                 "input without periods", None, where))
        return None
    name, period, value = m.group(1), m.group(2), m.group(3)
    sym = declared.get(name)
    if sym is None:
        close = close_matches(name, declared)
        verb = "set" if where == WHERE else "varied"
        what = f"a rule, not an input: only inputs can be {verb}" if name in program.symbols else "not an input"
        problems.append(_problem(line, 1, len(name), f"'{name}' is {what}",
                                 f"did you mean '{close[0]}'?" if close else f"inputs: {', '.join(declared)}",
                                 None, where))
        return None
    decl = sym.decl
    label = name if period is None else f"{name}.{period}"
    if decl.ledger is not None:
        problems.append(_problem(line, 1, len(name), f"'{name}' is a ledger of what happened: it cannot be set "
                                 "to one value", "give its entries in an inputs file (--inputs)", None, where))
        return None
    if decl.period_set is not None and not decl.by_date:
        periods = program.period_sets[decl.period_set].names
        if period is None:
            problems.append(_problem(line, 1, len(name), f"'{name}' has a value per {decl.period_set}: say which",
                                     f"e.g. {where} {name}.{periods[0]}={value if where == WHERE else '...'}",
                                     None, where))
            return None
        if period not in periods:
            close = close_matches(period, periods)
            problems.append(_problem(line, len(name) + 2, len(period), f"unknown period '{period}' of {name}",
                                     f"did you mean '{close[0]}'?" if close else f"one of {', '.join(periods)}",
                                     label, where))
            return None
    elif decl.by_date and period is not None:
        if inputs_._day(period) is None:
            problems.append(_problem(line, len(name) + 2, len(period), f"{period} is not a date",
                                     f"'{name}' is given by date: e.g. --set {name}.2027-01-29={value}, or "
                                     f"--set {name}={value} for every date", label, where))
            return None
    elif period is not None:
        problems.append(_problem(line, len(name) + 1, len(period) + 1,
                                 f"'{name}' has one value, not one per period or date",
                                 f"e.g. --set {name}={value}", label, where))
        return None
    column = len(text) - len(value) + 1
    exact, problem = _value(str(sym.type), sym.type.kind, value)
    if problem is not None:
        problems.append(_problem(line, column, len(value), problem[0], problem[1], label, where))
        return None
    return Override(name, period, value, exact, line, column, where)


def _value(unit: str, kind: str, text: str) -> tuple[Any, tuple[str, str | None] | None]:
    """The exact value of the text for an input of this kind, or (None, (message, hint))."""
    shown = inputs_._shown(text)
    if text.strip() in ("null", ""):
        return None, None
    if kind == "date":
        day = inputs_._day(text)
        return (day, None) if day is not None else (None, (f"{shown} is not a date", "write dates as YYYY-MM-DD"))
    if kind == "bool":
        if text in ("true", "false"):
            return text == "true", None
        return None, (f"{shown} is not true or false", "write true or false")
    if not _AMOUNT.fullmatch(text):
        if any(c.isdigit() and not c.isascii() for c in text):
            return None, (f"{shown} is not an amount", "write the digits as 0-9 (not full-width or other digits)")
        return None, (f"{shown} is not an amount", f"write a plain number in {unit}, e.g. 1250000")
    plain = text.replace(",", "")
    problem = number_problem(plain)
    if problem:
        return None, (problem, "write a plain decimal number, such as 1000000 or 1234.56")
    return Fraction(plain), None


def raw(o: Override) -> Any:
    """The override as an inputs file would hold its value: text for amounts and dates."""
    if o.value is None or isinstance(o.value, bool):
        return o.value
    return o.value.isoformat() if isinstance(o.value, date) else o.text.strip().replace(",", "")


class _Laid(Data):
    """An inputs file with overrides laid over it: problems at an overridden value are reported at its --set."""

    def __init__(self, base: Data, overrides: Sequence[Override], value: Any) -> None:
        super().__init__(base.file, value, base.text, base.places, base.keys, base.root)
        self.overrides = {(o.name, *((o.period,) if o.period is not None else ())): o for o in overrides}

    def where(self, path: tuple[Any, ...], message: str, hint: str | None = None, key: bool = False) -> Diagnostic:
        o = self.overrides.get(tuple(path[:2])) or self.overrides.get(tuple(path[:1]))
        if o is None:
            return super().where(path, message, hint, key)
        label = o.name if o.period is None else f"{o.name}.{o.period}"
        return _problem(o.line, o.column, len(o.text), message, hint, label, o.where)


def lay(base: Any, overrides: Sequence[Override]) -> dict[str, Any]:
    """The raw inputs mapping `base` (as read from a file) with the overrides laid over it."""
    out = dict(base) if isinstance(base, Mapping) else {}
    for o in overrides:
        if o.period is None:
            out[o.name] = raw(o)
            continue
        per = out.get(o.name)
        per = dict(per) if isinstance(per, Mapping) else {} if per is None else per
        if isinstance(per, dict):
            per[o.period] = raw(o)
        out[o.name] = per
    return out


def merged(program: Program, inputs: Mapping[str, Any] | Path | None, sets: Sequence[str],
           parties: Collection[str] | None = None) -> Mapping[str, Any] | Path | None:
    """The inputs (a file, a mapping or none) with the --set overrides laid over them, checked as a whole
    exactly as an inputs file: a mapping for `Contract.evaluate`. Without overrides, `inputs` as it is."""
    if not sets:
        return inputs
    return laid_over(program, inputs, parse(program, sets), {WHERE: sets}, parties)[0]


def laid_over(program: Program, inputs: Mapping[str, Any] | Path | None, overrides: Sequence[Override],
              texts: Mapping[str, Sequence[str]], parties: Collection[str] | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The raw inputs with the overrides laid over them, and their exact values (inputs.validate's), checked as
    one inputs file; `texts`: the options' texts by option name ("--set": [...]), to quote in messages."""
    if isinstance(inputs, Path):
        base = load(inputs, InputError)
    else:
        base = Data("<inputs>", inputs_._as_in_a_file(dict(inputs or {}), (), "<inputs>"), "")
    value = lay(base.value, overrides) if isinstance(base.value, Mapping) or base.value is None else base.value
    laid = _Laid(base, overrides, value)
    try:
        exact = inputs_.validate(program, laid, parties)
    except InputError as exc:
        sources = {**exc.sources, **{k: "\n".join(s.replace("\n", " ") for s in v) for k, v in texts.items()}}
        raise InputError(exc.diagnostics, sources=sources) from None
    return (value if isinstance(value, dict) else {}), exact


def values(program: Program, sets: Sequence[str]) -> dict[str, Any]:
    """The overrides as a mapping of exact values, {name: {period: value}} or {name: value}, to merge into
    inputs: e.g. {"sales": {"FY3": Fraction(850000)}}."""
    out: dict[str, Any] = {}
    for o in parse(program, sets):
        if o.period is None:
            out[o.name] = o.value
        else:
            out.setdefault(o.name, {})[o.period] = o.value
    return out


parse_sets = values


def into_columns(program: Program, columns: Mapping[str, Any], sets: Sequence[str]) -> dict[str, Any]:
    """The columns of a batch with each --set as a column of its value in every row, in place of the
    file's column for that input and period (flat, "sales.FY3", or nested, {"sales": {"FY3": ...}})."""
    overrides = parse(program, sets)
    out: dict[str, Any] = dict(columns)
    rows = _rows(out)
    for o in overrides:
        flat = o.name if o.period is None else f"{o.name}.{o.period}"
        out.pop(flat, None)
        nested = out.get(o.name)
        if o.period is not None and isinstance(nested, Mapping):
            nested = {k: v for k, v in nested.items() if str(k) != o.period}
            if nested:
                out[o.name] = nested
            else:
                out.pop(o.name)
        out[flat] = [raw(o)] * rows
    return out


def _rows(columns: Mapping[str, Any]) -> int:
    """The number of rows of a batch's columns (1 if it has none)."""
    for value in columns.values():
        if isinstance(value, Mapping):
            if value:
                return _rows(value)
            continue
        return len(value)
    return 1
