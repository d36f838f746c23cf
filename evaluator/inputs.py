"""Inputs: a mapping (or a YAML/JSON file) -> exact values for a Run.

The inputs a contract takes are declared in its rules; from them a JSON Schema
is made, every problem is reported with its path, then values are made exact.
A value left out, or given as null, is pending.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from . import ledger, schema_check, trading_days
from . import nodes as n
from .checker import Program
from .datafile import MAX_DIGITS, Data, load, number_problem
from .errors import MAX_SHOWN, Diagnostic, InputError, close_matches
from .knowledge import Given

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    import jsonschema

# ASCII digits only: Python's \d, int() and Decimal() also take other scripts' digits ("６００" as 600)
_DECIMAL = r"^-?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_IS_DATE = re.compile(_DATE)


def _value_schema(program: Program, decl: n.InputDecl) -> dict[str, Any]:
    t = program.symbols[decl.name].type
    if t.kind == "bool":
        plain: dict[str, Any] = {"type": ["boolean", "null"]}
    elif t.kind == "date":
        plain = {"type": ["string", "null"], "pattern": _DATE}
    else:
        plain = {"anyOf": [{"type": ["integer", "number", "null"]}, {"type": "string", "pattern": _DECIMAL}]}
    if decl.known != "when reported":
        return plain
    # the value, or the value with the date it was reported, or its versions (restatements), oldest first
    # a report date that is no date is reported where it is written, by _versions
    reported = {"type": "object", "properties": {"value": plain, "reported": {"type": "string"}},
                "required": ["value", "reported"], "additionalProperties": False}
    return {"anyOf": [plain, reported, {"type": "array", "items": reported, "minItems": 1}]}


def schema(program: Program) -> dict[str, Any]:
    """The JSON Schema of an inputs document for these rules."""
    properties: dict[str, Any] = {}
    for name, sym in program.symbols.items():
        if not isinstance(sym.decl, n.InputDecl):
            continue
        if sym.decl.ledger is not None:
            properties[name] = ledger.schema(program, sym.decl)
            properties[name]["description"] = f"{sym.decl.about.meaning or name} (a ledger of {sym.type}); " \
                                              f"{sym.decl.about.citation}"
            continue
        value = _value_schema(program, sym.decl)
        value["description"] = f"{sym.decl.about.meaning or name} ({sym.type}); {sym.decl.about.citation}"
        if sym.decl.by_date:
            # one value, or dates and values: each entry is checked, at its place, as it is read
            properties[name] = {"anyOf": [value, {"type": "object"}]}
        elif sym.decl.period_set:
            periods = program.period_sets[sym.decl.period_set].names
            properties[name] = {
                "type": ["object", "null"],
                "properties": {p: value for p in periods},
                "additionalProperties": False,
            }
        else:
            properties[name] = value
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def _unknown_keys(data: Data, error: jsonschema.ValidationError) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    schema_ = error.schema if isinstance(error.schema, dict) else {}
    allowed = list(schema_.get("properties", {}))
    what = "period" if path else "input"
    out = []
    given: Any = error.instance
    known = f"known: {', '.join(allowed[:20]) or 'none'}" + (f", ... ({len(allowed)} in all)" if len(allowed) > 20
                                                               else "")
    for i, extra in enumerate(sorted(set(given) - set(allowed))):
        # a suggestion for the first few only: each one compares the key with every name
        close = close_matches(str(extra), allowed) if i < MAX_SHOWN else []
        hint = f"did you mean '{close[0]}'?" if close else known
        out.append(data.where((*path, extra), f"unknown {what} '{extra}'", hint, key=True))
    return out


def _shown(value: Any) -> str:
    """A value as a message quotes it: long ones cut in the middle."""
    text = repr(value)
    return text if len(text) <= 40 else text[:18] + "…" + text[-18:]


def _describe(program: Program, error: jsonschema.ValidationError) -> tuple[str, str | None]:
    path = list(error.absolute_path)
    if not path:
        return "inputs are a mapping of input names to values", "e.g. sales: {FY1: 1250000}"
    sym = program.symbols.get(str(path[0]))
    if sym is None:
        return error.message, None
    if len(path) == 1 and sym.params:
        periods = program.period_sets[sym.params[0]].names
        return f"expected one value per {sym.params[0]}", f"e.g. {path[0]}: {{{periods[0]}: ...}}"
    if isinstance(error.instance, dict | list):
        return f"expected a value in {sym.type}, not a {type(error.instance).__name__}", None
    if sym.type.kind == "date":
        return f"{_shown(error.instance)} is not a date", "write dates as YYYY-MM-DD"
    if sym.type.kind == "bool":
        return f"{_shown(error.instance)} is not true or false", None
    if isinstance(error.instance, str) and any(c.isdigit() and not c.isascii() for c in error.instance):
        return f"{_shown(error.instance)} is not an amount", "write the digits as 0-9 (not full-width or other digits)"
    return f"{_shown(error.instance)} is not an amount", f"write a plain number in {sym.type}, e.g. 1250000"


def _exact(value: Any) -> Fraction:
    text = value.replace(",", "") if isinstance(value, str) else str(value)
    if not text.isascii():
        raise ValueError(f"{_shown(value)} is not an amount")
    problem = number_problem(text) if isinstance(value, str | Decimal) else None
    if problem:
        raise ValueError(problem)
    return Fraction(text) if isinstance(value, str) else Fraction(value)


def validate(program: Program, data: Data, parties: Collection[str] | None = None) -> dict[str, Any]:
    """Check an inputs document against the rules; return exact values per input. `parties`: the ids of the
    contract's parties, that a ledger's entries may name (any name, without)."""
    problems: list[Diagnostic] = []
    for error in _schema_errors(program, data):
        if _in_a_ledger(program, error):
            continue  # entries are checked one by one, with messages of their own (ledger.py)
        if error.validator == "additionalProperties":
            problems.extend(_unknown_keys(data, error))
            continue
        message, hint = _describe(program, error)
        problems.append(data.where(tuple(error.absolute_path), message, hint))
    if problems:
        raise InputError(problems, sources={data.file: data.text} if data.text else None)
    given = data.value if isinstance(data.value, dict) else {}
    values: dict[str, Any] = {}
    reported: dict[tuple[str, tuple[int, ...]], tuple[tuple[date, Any], ...]] = {}
    for name, sym in program.symbols.items():
        if not isinstance(sym.decl, n.InputDecl):
            continue
        raw = given.get(name)
        if sym.decl.ledger is not None:
            values[name] = ledger.read(program, sym.decl, data, raw, parties, _convert, problems)
        elif sym.decl.by_date:
            values[name] = _series(data, sym.type.kind, raw, name, problems)
            for day, message, hint in trading_days.check(program, sym.decl, [d for d, _ in values[name]]):
                problems.append(data.where((name, day.isoformat()), message, hint, key=True))
        elif sym.decl.period_set:
            ps = program.period_sets[sym.decl.period_set]
            per = raw or {}
            row = []
            for i, (p, member) in enumerate(zip(ps.names, ps.members, strict=True)):
                versions = _versions(data, sym.type.kind, per.get(p), (name, p), member, problems)
                if versions is None:
                    row.append(_convert(data, sym.type.kind, per.get(p), (name, p), problems))
                else:
                    if versions:
                        reported[(name, (i,))] = versions
                    row.append(versions[-1][1] if versions else None)
            values[name] = row
            if sym.decl.in_order:
                _in_order(data, name, ps.names, values[name], problems)
        else:
            versions = _versions(data, sym.type.kind, raw, (name,), None, problems)
            if versions:
                reported[(name, ())] = versions
            values[name] = _convert(data, sym.type.kind, raw, (name,), problems) if versions is None else \
                versions[-1][1] if versions else None
    if problems:
        raise InputError(problems, sources={data.file: data.text} if data.text else None)
    return Given(values, reported) if reported else values


def _schema_errors(program: Program, data: Data) -> list[jsonschema.ValidationError]:
    """What jsonschema finds wrong with an inputs document, in the order of their paths; nothing, without
    importing jsonschema (the slowest import of the package), when the document is certainly valid."""
    document = schema(program)
    if schema_check.valid(document, data.value):
        return []
    import jsonschema

    validator = jsonschema.Draft202012Validator(document)
    return sorted(validator.iter_errors(data.value), key=lambda e: list(map(str, e.absolute_path)))


def _in_a_ledger(program: Program, error: jsonschema.ValidationError) -> bool:
    path = list(error.absolute_path)
    sym = program.symbols.get(str(path[0])) if path else None
    return sym is not None and isinstance(sym.decl, n.InputDecl) and sym.decl.ledger is not None


def _versions(data: Data, kind: str, raw: Any, path: tuple[str, ...], period: n.PeriodMember | None,
              problems: list[Diagnostic]) -> tuple[tuple[date, Any], ...] | None:
    """A value given with the date it was reported, or its versions (the schema allows them only for inputs
    'known when reported'): ((reported, value), ...), oldest first; None for a plain value."""
    if not isinstance(raw, dict | list):
        return None
    listed = isinstance(raw, list)
    label = f"{path[0]}[{path[1]}]" if len(path) > 1 else path[0]
    out: list[tuple[date, Any]] = []
    for j, entry in enumerate(raw if listed else [raw]):
        where: tuple[Any, ...] = (*path, j) if listed else path
        day = entry["reported"] if isinstance(entry["reported"], date) else _day(entry["reported"])
        if day is None:
            problems.append(data.where((*where, "reported"), f"{entry['reported']} is not a date",
                                       "write a real calendar date as YYYY-MM-DD"))
            continue
        if period is not None and period.end is not None and day <= period.end:
            problems.append(data.where(
                (*where, "reported"), f"{label} is reported on {day}, before {period.name} ended on "
                f"{period.end}", "a figure for a period is reported after the period ends"))
            continue
        if out and day <= out[-1][0]:
            problems.append(data.where(
                (*where, "reported"), f"{label} is reported on {day}, not after the version before it "
                f"({out[-1][0]})", "list the versions in the order they were reported, oldest first"))
            continue
        value = _convert(data, kind, entry["value"], (*where, "value"), problems)
        if value is None:
            problems.append(data.where((*where, "value"), f"a reported value of {label} cannot be null",
                                       "leave the period out while nothing is reported"))
            continue
        out.append((day, value))
    return tuple(out)


def _series(data: Data, kind: str, raw: Any, name: str, problems: list[Diagnostic]) -> list[tuple[date, Any]]:
    """A value by date, sorted by date; one value alone stands for every date."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [(date.min, _convert(data, kind, raw, (name,), problems))]
    out = []
    for key, value in raw.items():
        day = _day(str(key))
        if day is None:
            problems.append(data.where((name, key), f"{key} is not a date", "write dates as YYYY-MM-DD", key=True))
            continue
        converted = _convert(data, kind, value, (name, str(key)), problems)
        if converted is not None:
            out.append((day, converted))
    return sorted(out, key=lambda entry: entry[0])


def _convert(data: Data, kind: str, raw: Any, path: tuple[str, ...], problems: list[Diagnostic]) -> Any:
    if raw is None:
        return None
    if isinstance(raw, float):
        problems.append(data.where(path, f"{raw!r} is a binary floating-point number",
                                   "pass amounts as int, Decimal, Fraction or a decimal string, so they stay exact"))
        return None
    if kind == "date" and isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if kind == "date":
        day = _day(raw)
        if day is None:
            problems.append(data.where(path, f"{raw} is not a date", "write a real calendar date as YYYY-MM-DD"))
        return day
    if kind == "bool":
        if not isinstance(raw, bool):  # the schema checks single values; this, the values of a series too
            problems.append(data.where(path, f"{_shown(raw)} is not true or false"))
            return None
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | Fraction | str):
        problems.append(data.where(path, f"{raw!r} is not an amount"))
        return None
    try:
        return _exact(raw)
    except (ValueError, ZeroDivisionError) as exc:
        problems.append(data.where(path, str(exc) if "digits" in str(exc) else f"{_shown(raw)} is not an amount",
                                   "write a plain decimal number, such as 1000000 or 1234.56"))
        return None


def _day(text: Any) -> date | None:
    """A real calendar date written YYYY-MM-DD in ASCII digits (fromisoformat also takes 20270101), or None."""
    if not isinstance(text, str) or not _IS_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _in_order(data: Data, name: str, periods: tuple[str, ...], values: list[Any], problems: list[Diagnostic]) -> None:
    missing: list[str] = []  # the periods not given so far: one pass, whatever the number of periods
    for period, value in zip(periods, values, strict=True):
        if value is None:
            missing.append(period)
        elif missing:
            problems.append(data.where(
                (name, period), f"{name} for {period} is given but not for {', '.join(missing)}",
                f"{name} is reported in order: give the earlier periods first",
            ))
            return


_HUGE = 10**MAX_DIGITS


def quick(program: Program, inputs: Any) -> dict[str, Any] | None:
    """The values `from_mapping` gives, for a plain, well-formed mapping (ints, Decimals, Fractions, dates,
    bools, None), without building a JSON Schema validator; None for anything else, which `from_mapping` then
    checks and reports in full. Evaluating many scenarios from Python spends most of its time here otherwise."""
    if type(inputs) is not dict:
        return None
    declared = _inputs_of(program)
    values: dict[str, Any] = {}
    for key in inputs:
        if key not in declared:
            return None
    for name, (kind, periods, known, in_order, by_date) in declared.items():
        raw = inputs.get(name)
        if kind == "ledger":
            if raw is not None:
                return None  # entries: checked one by one in full
            values[name] = None
        elif by_date:
            if raw is not None:
                return None  # values by date: checked entry by entry in full
            values[name] = []
        elif periods is not None:
            if raw is None:
                raw = {}
            if type(raw) is not dict or any(p not in known for p in raw):
                return None
            row = []
            for p in periods:
                v = _quick_value(kind, raw.get(p))
                if v is _NO:
                    return None
                row.append(v)
            if in_order and None in row and any(v is not None for v in row[row.index(None):]):
                return None
            values[name] = row
        else:
            v = _quick_value(kind, raw)
            if v is _NO:
                return None
            values[name] = v
    return values


_NO = object()


def _quick_value(kind: str, raw: Any) -> Any:
    if raw is None:
        return None
    t = type(raw)
    if kind == "quantity":
        if t is int:
            return raw if -_HUGE < raw < _HUGE else _NO
        if t is Decimal:
            return Fraction(raw) if raw.is_finite() and number_problem(str(raw)) is None else _NO
        if t is Fraction:
            size = abs(raw)
            return raw if size < _HUGE and (not size or size >= Fraction(1, _HUGE)) else _NO
        return _NO
    if kind == "date":
        return raw if t is date else _NO
    if kind == "bool":
        return raw if t is bool else _NO
    return _NO


def _inputs_of(program: Program) -> dict[str, tuple[str, tuple[str, ...] | None, frozenset[str], bool, bool]]:
    """Each input: its kind, its periods (if per period) as a tuple and a set, reported in order, given by
    date. Worked out once per program."""
    found: dict[str, tuple[str, tuple[str, ...] | None, frozenset[str], bool, bool]] | None = \
        program.derived.get("inputs")
    if found is None:
        found = {}
        for name, sym in program.symbols.items():
            decl = sym.decl
            if isinstance(decl, n.InputDecl):
                periods = program.period_sets[decl.period_set].names if decl.period_set else None
                kind = "ledger" if decl.ledger is not None else sym.type.kind
                found[name] = (kind, periods, frozenset(periods or ()), decl.in_order, decl.by_date)
        program.derived["inputs"] = found
    return found


def from_mapping(program: Program, inputs: Mapping[str, Any], file: str = "<inputs>",
                 parties: Collection[str] | None = None) -> dict[str, Any]:
    if not isinstance(inputs, Mapping):
        raise InputError(Diagnostic("inputs are a mapping of input names to values", file,
                                    hint="e.g. {'sales': {'FY1': 1250000}}"))
    return validate(program, Data(file, _as_in_a_file(dict(inputs), (), file), ""), parties)


def _as_in_a_file(value: Any, path: tuple[str, ...], file: str) -> Any:
    """A caller's values as an inputs file would hold them: dates as YYYY-MM-DD, numbers of sensible size."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = k.isoformat() if isinstance(k, date) and not isinstance(k, datetime) else k
            if not isinstance(key, str):
                raise InputError(Data(file, {}, "").where(
                    (*path, str(k)), f"{k!r} is not a name, a period or a date",
                    "keys are text, such as 'sales' or 'Y1', or dates (datetime.date)"))
            if key in out:
                raise InputError(Data(file, {}, "").where(
                    (*path, key), f"{key} is given twice, as a date and as text", "give each date once"))
            out[key] = _as_in_a_file(v, (*path, key), file)
        return out
    if isinstance(value, list | tuple):  # the versions of a value, each with the date it was reported
        return [_as_in_a_file(v, (*path, str(i)), file) for i, v in enumerate(value)]
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | Decimal | Fraction) and not isinstance(value, bool):
        size = abs(Fraction(value)) if not isinstance(value, Decimal) or value.is_finite() else None
        if size is None or size >= 10**MAX_DIGITS or (size and size < Fraction(1, 10**MAX_DIGITS)):
            raise InputError(Data(file, {}, "").where(path, "not an amount that can be used (infinite, or more "
                                                            f"digits than an amount can have: at most {MAX_DIGITS})"))
    return value


def from_file(program: Program, path: str | Path, parties: Collection[str] | None = None) -> dict[str, Any]:
    return validate(program, load(Path(path), InputError), parties)

