"""The inputs of a batch: one column per input (per period), checked cell by cell, made exact columns.

`columns` maps an input to its values, one per scenario (row):

- an input given per period: `{"sales": {"Y1": [...], "Y2": [...]}}`, or flat, `{"sales.Y1": [...]}`;
- an input with one value: `{"closing_date": [...]}`;
- an input given by date: `{"price": {"2027-01-29": [...], ...}}`: the same dates in every row.

A column is a sequence or a NumPy array. Amounts are ints, Decimals, Fractions
or decimal strings (as in an inputs file); None (or an empty string, as a CSV
cell) is pending. NumPy integer arrays are taken as they are; binary floating
point columns are refused, never rounded. A cell that is not a value of its
input makes its row fail, with the row number and column, and the other rows
go on. Amounts that do not fit in 64 bits are kept exactly for the scalar engine.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from . import nodes as n
from . import trading_days
from .columns import Col
from .datafile import number_problem
from .errors import Diagnostic, InputError, close_matches
from .program import Program

_I64 = 2**63


@dataclass
class Given:
    """One input column as the batch holds it: exact values where they fit, the rest kept by row."""

    col: Col
    exact: dict[int, Any] = field(default_factory=dict)  # row -> the exact value where it does not fit int64


@dataclass
class BatchInputs:
    rows: int
    values: dict[tuple[str, str | None], Given]  # (input, period or None) -> its column
    series: dict[str, list[tuple[date, Given]]]  # by-date inputs: their dates, each with a column
    errors: dict[int, Diagnostic]  # row -> the first problem of its inputs

    def slice(self, start: int, stop: int) -> BatchInputs:
        """Rows start to stop (not included), numbered from 0."""
        def part(g: Given) -> Given:
            col = g.col
            cut = {name: getattr(col, name)[start:stop] if isinstance(getattr(col, name), np.ndarray)
                   else getattr(col, name) for name in ("n", "d", "pending", "bad")}
            exact = {i - start: v for i, v in g.exact.items() if start <= i < stop}
            return Given(Col(col.kind, cut["n"], cut["d"], cut["pending"], cut["bad"], col.bound, col.dbound), exact)

        return BatchInputs(stop - start, {k: part(g) for k, g in self.values.items()},
                           {k: [(d, part(g)) for d, g in v] for k, v in self.series.items()},
                           {i - start: d for i, d in self.errors.items() if start <= i < stop})

    def row(self, program: Program, i: int) -> dict[str, Any]:
        """Row `i` as the scalar engine takes inputs (inputs.validate's shape)."""
        out: dict[str, Any] = {}
        for name, sym in program.symbols.items():
            decl = sym.decl
            if not isinstance(decl, n.InputDecl):
                continue
            if decl.ledger is not None:
                out[name] = None  # a ledger is never a scenario column: not given
            elif decl.by_date:
                entries = [(d, _value_at(g, i)) for d, g in self.series.get(name, [])]
                out[name] = [(d, v) for d, v in entries if v is not None]
            elif decl.period_set:
                periods = program.period_sets[decl.period_set].names
                out[name] = [_value_at(self.values[(name, p)], i) if (name, p) in self.values else None
                             for p in periods]
            else:
                out[name] = _value_at(self.values[(name, None)], i) if (name, None) in self.values else None
        return out


def _value_at(g: Given, i: int) -> Any:
    if i in g.exact:
        return g.exact[i]
    c = g.col
    if c.pending is not None and c.pending[i]:
        return None
    value = c.n[i] if isinstance(c.n, np.ndarray) else c.n
    if c.kind == "bool":
        return bool(value)
    if c.kind == "date":
        return date.fromordinal(int(value))
    d = c.d[i] if isinstance(c.d, np.ndarray) else c.d
    return Fraction(int(value), int(d))


def adapted(table: Any) -> Any:
    """A pandas DataFrame or an Arrow table as a mapping of column name to values (anything else as it is)."""
    kind = type(table).__module__.split(".")[0]
    if kind == "pandas" and hasattr(table, "columns") and hasattr(table, "to_numpy"):
        out = {}
        for name in table.columns:
            series = table[name]
            plain_ints = series.dtype.kind in "iu" and not series.isna().any()
            out[str(name)] = series.to_numpy() if plain_ints or series.dtype.kind == "f" else \
                series.to_numpy(dtype=object, na_value=None)
        return out
    if kind == "pyarrow" and hasattr(table, "column_names"):
        return {name: table.column(name).to_pylist() for name in table.column_names}
    return table


def read(program: Program, columns: Mapping[str, Any], rows: int | None = None) -> BatchInputs:
    """Check and convert the columns of a batch; raise InputError for what is wrong with a whole column.
    `rows` is the number of scenarios where no column says it (rules without inputs): 1 by default."""
    columns = adapted(columns)
    if not isinstance(columns, Mapping):
        raise InputError(Diagnostic("a batch is a mapping of input names to columns", "<batch>",
                                    hint="e.g. {'sales': {'Y1': [1000000, 1250000]}}"))
    flat = _flatten(program, columns)
    lengths = {key: len(col) for key, col in flat.items()}
    if len(set(lengths.values())) > 1:
        raise InputError([Diagnostic(f"the columns have different lengths: {_lengths(lengths)}", "<batch>",
                                     hint="give one value per scenario in every column")])
    if rows is not None and lengths and set(lengths.values()) != {rows}:
        raise InputError(Diagnostic(f"the columns have {next(iter(lengths.values())):,} values, not {rows:,}",
                                    "<batch>"))
    rows = next(iter(lengths.values()), 1 if rows is None else rows)
    errors: dict[int, Diagnostic] = {}
    values: dict[tuple[str, str | None], Given] = {}
    series: dict[str, list[tuple[date, Given]]] = {}
    for (name, key), col in flat.items():
        sym = program.symbols[name]
        decl = sym.decl
        assert isinstance(decl, n.InputDecl)
        label = name if key is None else f"{name}.{key}"
        given = _column(col, sym.type.kind, label, rows, errors)
        if decl.by_date:
            day = _day(key)
            assert day is not None
            series.setdefault(name, []).append((day, given))
        else:
            values[(name, key)] = given
    for name in series:
        series[name].sort(key=lambda entry: entry[0])
        _trading_days(program, name, series[name], rows, errors)
    _in_order(program, values, rows, errors)
    return BatchInputs(rows, values, series, errors)


def _trading_days(program: Program, name: str, entries: list[tuple[date, Given]], rows: int,
                  errors: dict[int, Diagnostic]) -> None:
    """A series by trading day (trading_days.py): its columns are trading days, with none missing between the
    first and the last (else the whole batch is refused); a row without a value on a trading day between its
    first and its last value fails, alone."""
    decl = program.symbols[name].decl
    assert isinstance(decl, n.InputDecl)
    if decl.trading_days is None:
        return
    found = trading_days.check(program, decl, [d for d, _ in entries])
    if found:
        raise InputError([Diagnostic(message, "<batch>", path=f"{name}.{day.isoformat()}", hint=hint)
                          for day, message, hint in found])
    if not entries:
        return
    given = np.stack([_given(g, rows) for _, g in entries], axis=1)  # rows x sessions
    seen = np.cumsum(given, axis=1)
    inside = (seen > 0) & (seen < seen[:, -1:])  # after the row's first value and before its last
    for i in map(int, np.flatnonzero((inside & ~given).any(axis=1))):
        if i not in errors:
            day = entries[int(np.flatnonzero(inside[i] & ~given[i])[0])][0]
            errors[i] = Diagnostic(f"{name} has no value for {day}, a trading day of {decl.trading_days}",
                                   "<batch>", path=f"{name}.{day.isoformat()}",
                                   hint="give a value for every trading day from the first date to the last")


def _given(g: Given, rows: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which rows have a value in a column."""
    pending = g.col.pending
    out = np.ones(rows, dtype=bool) if pending is None else ~np.asarray(pending, dtype=bool)
    out = out if out.shape == (rows,) else np.broadcast_to(out, (rows,)).copy()
    if g.exact:  # values past int64 are kept by row, outside the column: they are given too
        out[list(g.exact)] = True
    return out


def one_row(program: Program, values: Mapping[str, Any],
            leave_out: Container[tuple[str, str | None]] = ()) -> dict[str, list[Any]] | None:
    """Checked inputs (inputs.validate's values) as batch columns of one row, keyed "name" or "name.KEY" (a
    period or a date), without those of `leave_out` ((input, period or None)); None where a batch cannot hold
    them: a ledger with entries, values given with the dates they were reported, one value for every date."""
    if getattr(values, "reported", None):
        return None
    out: dict[str, list[Any]] = {}
    for name, sym in program.symbols.items():
        decl = sym.decl
        if not isinstance(decl, n.InputDecl):
            continue
        value = values.get(name)
        if decl.ledger is not None:
            if value:
                return None
        elif decl.by_date:
            for day, v in value or []:
                if day == date.min:
                    return None  # one value for every date: no date to name its column by
                out[f"{name}.{day.isoformat()}"] = [v]
        elif decl.period_set:
            for p, v in zip(program.period_sets[decl.period_set].names, value or [], strict=False):
                if v is not None and (name, p) not in leave_out:
                    out[f"{name}.{p}"] = [v]
        elif value is not None and (name, None) not in leave_out:
            out[name] = [value]
    return out


def _lengths(lengths: Mapping[tuple[str, str | None], int]) -> str:
    return ", ".join(f"{name}{'.' + key if key else ''} {count:,}" for (name, key), count in list(lengths.items())[:6])


def _flatten(program: Program, columns: Mapping[str, Any]) -> dict[tuple[str, str | None], Any]:
    inputs = {name: sym for name, sym in program.symbols.items() if isinstance(sym.decl, n.InputDecl)}
    problems: list[Diagnostic] = []
    flat: dict[tuple[str, str | None], Any] = {}

    def unknown(what: str, name: str, known: Sequence[str]) -> None:
        close = close_matches(name, known)
        problems.append(Diagnostic(f"unknown {what} '{name}'", "<batch>", path=name,
                                   hint=f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"))

    for raw_key, col in columns.items():
        if not isinstance(raw_key, str):
            problems.append(Diagnostic(f"{raw_key!r} is not an input name", "<batch>"))
            continue
        name, _, part = raw_key.partition(".")
        if name not in inputs:
            unknown("input", name, list(inputs))
            continue
        decl = inputs[name].decl
        assert isinstance(decl, n.InputDecl)
        if decl.ledger is not None:
            problems.append(Diagnostic(f"'{name}' is a ledger of what happened, not a scenario column", "<batch>",
                                       path=raw_key, hint="evaluate one ledger with: clausewise evaluate --inputs"))
            continue
        keyed = decl.by_date or decl.period_set is not None
        if part and isinstance(col, Mapping):
            problems.append(Diagnostic(f"'{raw_key}' is a column, not a mapping", "<batch>", path=raw_key))
            continue
        parts = {part: col} if part else dict(col) if keyed and isinstance(col, Mapping) else None
        if not keyed:
            if part or isinstance(col, Mapping):
                problems.append(Diagnostic(f"'{name}' has one value per scenario, not one per period or date",
                                           "<batch>", path=raw_key, hint=f"give a column: {name}: [...]"))
                continue
            flat[(name, None)] = col
            continue
        if parts is None:
            problems.append(Diagnostic(f"'{name}' needs a column per {decl.period_set or 'date'}", "<batch>",
                                       path=raw_key, hint=f"e.g. {name}.{_example(program, decl)}: [...]"))
            continue
        for key, column in parts.items():
            key = str(key)
            if decl.by_date:
                if _day(key) is None:
                    problems.append(Diagnostic(f"{key} is not a date", "<batch>", path=f"{name}.{key}",
                                               hint="write dates as YYYY-MM-DD"))
                    continue
            else:
                assert decl.period_set is not None
                periods = program.period_sets[decl.period_set]
                if key not in periods:
                    unknown(f"{decl.period_set} of '{name}'", key, list(periods.names))
                    continue
            if (name, key) in flat:
                problems.append(Diagnostic(f"'{name}.{key}' is given twice", "<batch>", path=f"{name}.{key}"))
            flat[(name, key)] = column
    for key, col in flat.items():
        if isinstance(col, (str, bytes, Mapping)) or not hasattr(col, "__len__"):
            label = key[0] + (f".{key[1]}" if key[1] else "")
            problems.append(Diagnostic(f"'{label}' is not a column of values", "<batch>", path=label,
                                       hint="give a list or array with one value per scenario"))
    if problems:
        raise InputError(problems)
    return flat


def _example(program: Program, decl: n.InputDecl) -> str:
    return program.period_sets[decl.period_set].names[0] if decl.period_set else "2027-01-29"


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def _column(col: Any, kind: str, label: str, rows: int, errors: dict[int, Diagnostic]) -> Given:
    if isinstance(col, np.ndarray) and col.dtype.kind in "iu" and kind == "quantity":
        values = col.astype(np.int64, copy=False) if col.dtype.kind == "i" or col.max(initial=0) < _I64 else None
        if values is not None:
            return Given(Col("num", values, 1, None, None, int(np.abs(values).max(initial=0)), 1))
    if isinstance(col, np.ndarray) and col.dtype.kind == "f":
        raise InputError(Diagnostic(f"'{label}' is a column of binary floating-point numbers", "<batch>",
                                    path=label, hint="give ints, Decimals or decimal strings, so amounts stay exact"))
    if isinstance(col, np.ndarray) and col.dtype.kind == "b" and kind == "bool":
        return Given(Col("bool", col.astype(bool, copy=False)))
    cells = col.tolist() if isinstance(col, np.ndarray) else list(col)
    pending = np.zeros(rows, dtype=bool)
    exact: dict[int, Any] = {}
    if kind == "quantity":
        nums = np.zeros(rows, dtype=np.int64)
        dens = np.ones(rows, dtype=np.int64)
        for i, cell in enumerate(cells):
            value = _amount(cell, label, i, errors)
            if value is None:
                pending[i] = True
                continue
            if abs(value.numerator) < _I64 and value.denominator < _I64:
                nums[i], dens[i] = value.numerator, value.denominator
            else:
                exact[i] = value
                pending[i] = True  # in the columns; the scalar engine has the exact value
        whole = bool((dens == 1).all())
        col_ = Col("num", nums, 1 if whole else dens, pending if pending.any() else None, None,
                   int(np.abs(nums).max(initial=0)), 1 if whole else int(dens.max(initial=1)))
        bad = np.zeros(rows, dtype=bool)
        for i in exact:
            bad[i] = True
        if exact:
            col_ = Col(col_.kind, col_.n, col_.d, col_.pending, bad, col_.bound, col_.dbound)
        return Given(col_, exact)
    out = np.zeros(rows, dtype=np.int64 if kind == "date" else bool)
    for i, cell in enumerate(cells):
        found = _date(cell, label, i, errors) if kind == "date" else _truth(cell, label, i, errors)
        if found is None:
            pending[i] = True
        else:
            out[i] = found
    return Given(Col("date" if kind == "date" else "bool", out, 1, pending if pending.any() else None, None,
                     int(out.max(initial=0)) if kind == "date" else 0))


def _fail(errors: dict[int, Diagnostic], row: int, label: str, message: str, hint: str | None = None) -> None:
    errors.setdefault(row, Diagnostic(message, f"row {row + 1}", hint=hint, path=label))


def _missing(cell: Any) -> bool:
    return cell is None or cell == "" or (type(cell).__name__ in ("NAType", "NaTType"))


def _amount(cell: Any, label: str, row: int, errors: dict[int, Diagnostic]) -> Fraction | None:
    if _missing(cell):
        return None
    if isinstance(cell, np.integer):  # a NumPy integer, as pandas' object columns hold them
        cell = int(cell)
    if isinstance(cell, bool) or isinstance(cell, float) or not isinstance(cell, int | Decimal | Fraction | str):
        what = "a binary floating-point number" if isinstance(cell, float) else "not an amount"
        _fail(errors, row, label, f"{cell!r} is {what}", "give an int, a Decimal or a decimal string")
        return None
    text = cell.strip().replace(",", "") if isinstance(cell, str) else str(cell) if isinstance(cell, Decimal) else None
    if text is not None:
        problem = number_problem(text) if text.isascii() else None
        if problem is not None:
            _fail(errors, row, label, problem, "write a plain decimal number of sensible size")
            return None
    try:
        if isinstance(cell, str):
            if not text or not text.isascii():
                raise ValueError
            return Fraction(Decimal(text)) if any(ch in text for ch in ".eE") else Fraction(int(text))
        return Fraction(cell)
    except (ValueError, ArithmeticError):
        _fail(errors, row, label, f"{cell!r} is not an amount", "write a plain decimal number, e.g. 1000000 or 1234.56")
        return None


def _date(cell: Any, label: str, row: int, errors: dict[int, Diagnostic]) -> int | None:
    if _missing(cell):
        return None
    if isinstance(cell, np.datetime64):
        cell = cell.astype("datetime64[D]").item()
    if isinstance(cell, date) and not isinstance(cell, datetime):
        return cell.toordinal()
    if isinstance(cell, str):
        day = _day(cell.strip())
        if day is not None:
            return day.toordinal()
    _fail(errors, row, label, f"{cell!r} is not a date", "write dates as YYYY-MM-DD")
    return None


def _truth(cell: Any, label: str, row: int, errors: dict[int, Diagnostic]) -> bool | None:
    if _missing(cell):
        return None
    if isinstance(cell, (bool, np.bool_)):
        return bool(cell)
    if isinstance(cell, str) and cell.strip().lower() in ("true", "false"):
        return cell.strip().lower() == "true"
    _fail(errors, row, label, f"{cell!r} is not true or false")
    return None


def _in_order(program: Program, values: dict[tuple[str, str | None], Given], rows: int,
              errors: dict[int, Diagnostic]) -> None:
    """`reported in order`: a row giving a period's value must give every earlier one."""
    for name, sym in program.symbols.items():
        decl = sym.decl
        if not (isinstance(decl, n.InputDecl) and decl.in_order and decl.period_set):
            continue
        gap = np.zeros(rows, dtype=bool)  # an earlier period is missing
        missing_name: list[str | None] = [None] * rows
        for period in program.period_sets[decl.period_set].names:
            g = values.get((name, period))
            given = np.zeros(rows, dtype=bool) if g is None else ~_pending_of(g, rows)
            for i in np.flatnonzero(gap & given):
                _fail(errors, int(i), f"{name}.{period}", f"{name} for {period} is given but not for "
                      f"{missing_name[int(i)]}", f"{name} is reported in order: give the earlier periods first")
            for i in np.flatnonzero(~given & ~gap):
                missing_name[int(i)] = period
            gap |= ~given


def _pending_of(g: Given, rows: int) -> np.ndarray:
    mask = np.zeros(rows, dtype=bool) if g.col.pending is None else g.col.pending.copy()
    for i in g.exact:
        mask[i] = False
    return mask
