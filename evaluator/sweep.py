"""Sweeps: chosen outputs over a grid of one or two inputs, every reading side by side, exactly.

`--vary sales.FY3=800000..1000000 --step 10000` gives the grid points 800,000,
810,000, ... 1,000,000: the lower end, then a step at a time, exact (Fractions from the
decimal text, never binary floating point). A step that does not divide the range ends with a shorter
step, at the upper end, and the sweep says so. A date input is varied by a whole number of days.
The grid is evaluated on the columnar engine (`Contract.evaluate_batch`) over the inputs (a file or a
mapping) with the --set overrides laid over them; inputs that cannot be batch columns (a ledger, a value
for every date) are evaluated point by point. A sweep has at most MAX_POINTS grid points.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import inputs as inputs_
from . import nodes as n
from . import overrides as ov
from .batch_inputs import one_row
from .errors import ContractError, Diagnostic, InputError, close_matches
from .result import OutputValue, exact_decimal, number_text

if TYPE_CHECKING:
    from .checker import Program
    from .contract import Contract

MAX_POINTS = 100_000  # grid points in one sweep (both inputs together)
POINT_BY_POINT_MAX = 2_000  # grid points evaluated one by one, where the inputs cannot be batch columns
MAX_VARIED = 2
_BOUND = re.compile(r"\s*(\S+?)(?:\s+([A-Za-z].*?))?\s*")
_DAYS = re.compile(r"\s*([0-9]+)(?:\s*(days?))?\s*")

Point = Fraction | date


@dataclass(frozen=True)
class Axis:
    """One varied input: its grid points, from `start` to `stop` by `step` (days, for a date)."""

    input: str
    period: str | None
    unit: str  # the input's unit, e.g. RMB; "a date" for a date
    start: Point
    stop: Point
    step: Fraction  # for a date: days
    values: tuple[Point, ...]

    @property
    def label(self) -> str:
        return self.input if self.period is None else f"{self.input}.{self.period}"

    @property
    def uneven(self) -> bool:
        """Whether the step does not divide the range (the last step is shorter, ending at `stop`)."""
        return len(self.values) > 1 and _minus(self.values[-1], self.values[-2]) != self.step


@dataclass(frozen=True)
class SweepResult:
    """The chosen outputs at every grid point, per reading.

    `points` are the grid points in order (the first varied input outermost); `values[reading][output][i]`
    is `output` ("payment.FY3", or a name alone for an output without periods) at `points[i]`:
    an int or exact Decimal, a bool, a date, or None (pending, or the point failed: see `errors`).
    """

    contract: str
    axes: tuple[Axis, ...]
    readings: tuple[str, ...]  # each reading's name ("rules" for rules with a single reading)
    outputs: tuple[str, ...]
    units: dict[str, str]  # output -> its unit
    points: tuple[tuple[Point, ...], ...]
    values: dict[str, dict[str, list[OutputValue]]]
    errors: dict[str, dict[int, ContractError]] = field(default_factory=dict)  # reading -> point -> why
    notes: tuple[str, ...] = ()

    def at(self, output: str, *point: Any, reading: str | None = None) -> OutputValue:
        """`output` at the grid point given by its inputs' values (ints, Decimals, Fractions, dates, text)."""
        wanted = tuple(_as_point(p) for p in point)
        try:
            i = self.points.index(wanted)
        except ValueError:
            raise KeyError(f"{point} is not a grid point of this sweep") from None
        return self.values[reading or self.readings[0]][output][i]

    def to_dict(self) -> dict[str, Any]:
        """The sweep as JSON data: exact numbers (Decimals, ints), dates as YYYY-MM-DD."""
        return {
            "contract": self.contract,
            "vary": [{"input": a.label, "unit": a.unit, "from": point_value(a.start), "to": point_value(a.stop),
                      "step": point_value(a.step), "points": len(a.values)} for a in self.axes],
            "readings": list(self.readings),
            "outputs": [{"output": o, "unit": self.units[o]} for o in self.outputs],
            "notes": list(self.notes),
            "points": [
                {"at": {a.label: point_value(p) for a, p in zip(self.axes, point, strict=True)},
                 "values": {r: {o: json_value(self.values[r][o][i]) for o in self.outputs} for r in self.readings},
                 **({"errors": {r: self.errors[r][i].diagnostics[0].text() for r in self.readings
                                if i in self.errors.get(r, {})}}
                    if any(i in self.errors.get(r, {}) for r in self.readings) else {})}
                for i, point in enumerate(self.points)
            ],
        }


def point_value(p: Point | Fraction) -> int | Decimal | str:
    if isinstance(p, date):
        return p.isoformat()
    exact = exact_decimal(p)
    assert exact is not None  # grid points are made from decimal text
    return exact


def json_value(v: OutputValue) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def _as_point(p: Any) -> Point:
    if isinstance(p, date):
        return p
    if isinstance(p, str):
        day = inputs_._day(p)
        return day if day is not None else Fraction(p.replace(",", ""))
    return Fraction(p)


def _minus(a: Point, b: Point) -> Fraction:
    if isinstance(a, date) and isinstance(b, date):
        return Fraction((a - b).days)
    assert isinstance(a, Fraction) and isinstance(b, Fraction)
    return a - b


# ---- reading the options --------------------------------------------------------------------------------


def _axes(program: Program, vary: Sequence[str], steps: Sequence[str]) -> tuple[list[Axis], list[ov.Override]]:
    """The varied inputs, checked (InputError at the --vary or --step); and each one's first point as an
    override, to check the inputs with."""
    problems: list[Diagnostic] = []
    if not vary:
        raise InputError(Diagnostic("give the input to vary: --vary NAME.PERIOD=FROM..TO", "--vary",
                                    hint="e.g. --vary sales.FY3=800000..1000000 --step 10000"))
    if len(vary) > MAX_VARIED:
        raise InputError(Diagnostic(f"{len(vary)} inputs to vary: a sweep varies one or two", "--vary", 3, 1, 3,
                                    1 + len(vary[2]), hint="fix the others with --set NAME.PERIOD=VALUE"),
                         sources={"--vary": "\n".join(vary)})
    if len(steps) not in (1, len(vary)):
        raise InputError(Diagnostic(f"{len(steps)} steps for {len(vary)} varied inputs", "--step",
                                    hint="give one --step for all, or one per --vary, in the same order"))
    declared = {name: sym for name, sym in program.symbols.items() if isinstance(sym.decl, n.InputDecl)}
    axes: list[Axis] = []
    firsts: list[ov.Override] = []
    for i, text in enumerate(vary, start=1):
        step_text = steps[i - 1] if len(steps) > 1 else steps[0]
        step_line = i if len(steps) > 1 else 1
        found = _axis(program, declared, text, i, step_text, step_line, problems)
        if found is not None:
            axes.append(found[0])
            firsts.append(found[1])
    if len(axes) == 2 and axes[0].label == axes[1].label:
        problems.append(Diagnostic(f"{axes[1].label} is varied twice", "--vary", 2, 1, 2, 1 + len(axes[1].label),
                                   hint="vary two different inputs, or one"))
    if problems:
        raise InputError(problems, sources={"--vary": "\n".join(vary), "--step": "\n".join(steps)})
    count = 1
    for a in axes:
        count *= len(a.values)
    if count > MAX_POINTS:
        raise InputError(Diagnostic(f"{count:,} grid points ({' by '.join(f'{len(a.values):,}' for a in axes)}): a "
                                    f"sweep has at most {MAX_POINTS:,}", "--step",
                                    hint="give larger steps, or narrower ranges"))
    return axes, firsts


def _axis(program: Program, declared: Mapping[str, Any], text: str, line: int, step_text: str, step_line: int,
          problems: list[Diagnostic]) -> tuple[Axis, ov.Override] | None:
    m = re.fullmatch(r"([^=]*)=(.*?)\.\.(.*)", text, re.DOTALL)
    if m is None:
        problems.append(Diagnostic(f"'{text}' is not NAME.PERIOD=FROM..TO", "--vary", line, 1, line,
                                   1 + max(1, len(text)), "e.g. --vary sales.FY3=800000..1000000"))
        return None
    target, low, high = m.groups()
    first_column = len(target) + 2
    high_column = first_column + len(low) + 2
    before = len(problems)
    # the name and period first: problems there are said once, not for each end of the range
    probe = ov.parse_one(program, declared, f"{target}=null", line, problems, "--vary")
    if probe is None:
        return None
    sym = declared[probe.name]
    kind, unit = sym.type.kind, str(sym.type)
    label = probe.name if probe.period is None else f"{probe.name}.{probe.period}"
    if kind == "bool":
        problems.append(Diagnostic(f"{label} is true or false: it has no range to vary", "--vary", line, 1, line,
                                   1 + len(target), "set it with --set, and run the sweep once for each"))
        return None
    ends = []
    for bound, column in ((low, first_column), (high, high_column)):
        ends.append(_bound(kind, unit, label, bound, line, column, problems))
    if len(problems) > before or None in ends:
        return None
    start, stop = ends
    assert start is not None and stop is not None
    if _minus(stop, start) < 0:
        problems.append(Diagnostic(f"the range runs backwards: {_shown(start)} is after {_shown(stop)}", "--vary",
                                   line, first_column, line, high_column + len(high),
                                   f"write the lower end first: {target}={high.strip()}..{low.strip()}", None))
        return None
    step = _step(kind, unit, step_text, step_line, problems)
    if step is None:
        return None
    span = _minus(stop, start)
    whole = span // step
    count = whole + 1 + (1 if whole * step != span else 0)
    if count > MAX_POINTS:
        problems.append(Diagnostic(f"{count:,} grid points for {label}: a sweep has at most {MAX_POINTS:,}",
                                   "--step", step_line, 1, step_line, 1 + len(step_text),
                                   "give a larger --step, or a narrower range", None))
        return None
    values: list[Point] = []
    for k in range(whole + 1):
        values.append(start + timedelta(days=int(k * step)) if isinstance(start, date) else start + k * step)
    if values[-1] != stop:
        values.append(stop)
    first = ov.Override(probe.name, probe.period, _text(start), start, line, first_column, "--vary")
    return Axis(probe.name, probe.period, "a date" if kind == "date" else unit, start, stop, step, tuple(values)), first


def _bound(kind: str, unit: str, label: str, text: str, line: int, column: int,
           problems: list[Diagnostic]) -> Point | None:
    m = _BOUND.fullmatch(text)
    value, given_unit = (m.group(1), m.group(2)) if m else (text, None)
    width = max(1, len(text))
    if kind == "date":
        day: date | None = inputs_._day(value)
        if day is None:
            what = "an amount" if re.fullmatch(r"-?[0-9][0-9,]*(\.[0-9]+)?", value) else f"'{text}', not a date"
            problems.append(Diagnostic(f"{label} is a date: the range gives {what}", "--vary", line, column, line,
                                       column + width, "give dates as YYYY-MM-DD..YYYY-MM-DD", None))
        return day
    if inputs_._day(value) is not None:
        problems.append(Diagnostic(f"{label} is in {unit}: the range gives a date, {value}", "--vary", line, column,
                                   line, column + width, f"give amounts in {unit}, e.g. 800000000..1000000000",
                                   None))
        return None
    if given_unit is not None and given_unit != unit:
        problems.append(Diagnostic(f"{label} is in {unit}, not {given_unit}", "--vary", line, column, line,
                                   column + width, f"give the range in {unit}", None))
        return None
    exact, problem = ov._value(unit, kind, value)
    if problem is not None or exact is None:
        message, hint = problem or (f"'{text}' is not an amount", None)
        problems.append(Diagnostic(message, "--vary", line, column, line, column + width, hint, label))
        return None
    assert isinstance(exact, Fraction)
    return exact


def _step(kind: str, unit: str, text: str, line: int, problems: list[Diagnostic]) -> Fraction | None:
    width = 1 + max(1, len(text))
    if kind == "date":
        m = _DAYS.fullmatch(text)
        if m is None or int(m.group(1)) == 0:
            problems.append(Diagnostic(f"'{text}' is not a step for a date", "--step", line, 1, line, width,
                                       "give a whole number of days, at least 1, e.g. --step 7"))
            return None
        return Fraction(int(m.group(1)))
    bound = _BOUND.fullmatch(text)
    value, given_unit = (bound.group(1), bound.group(2)) if bound else (text, None)
    if given_unit is not None and given_unit != unit:
        problems.append(Diagnostic(f"the step is in {given_unit}, but the input is in {unit}", "--step", line, 1,
                                   line, width, f"give the step in {unit}"))
        return None
    exact, problem = ov._value(unit, kind, value)
    if problem is not None or not isinstance(exact, Fraction):
        problems.append(Diagnostic(f"'{text}' is not a step", "--step", line, 1, line, width,
                                   f"give an amount in {unit}, more than 0, e.g. 10000000"))
        return None
    if exact <= 0:
        problems.append(Diagnostic(f"the step is {text.strip()}: it must be more than 0", "--step", line, 1, line,
                                   width, f"give an amount in {unit}, more than 0, e.g. 10000000"))
        return None
    return exact


def _shown(p: Point) -> str:
    return p.isoformat() if isinstance(p, date) else number_text(point_value(p), grouped=True)  # type: ignore[arg-type]


def _outputs(program: Program, wanted: Sequence[str] | None) -> list[str] | None:
    """The output cells asked for ("payment" stands for each of its periods), or None for the default."""
    if wanted is None:
        return None
    out: list[str] = []
    problems: list[Diagnostic] = []
    text = ",".join(wanted)
    column = 1
    for item in wanted:
        name, _, period = item.strip().partition(".")
        width = max(1, len(item))
        if name not in program.outputs:
            close = close_matches(name, program.outputs)
            what = "a rule, not an output" if name in program.symbols else "not an output"
            problems.append(Diagnostic(f"'{name}' is {what}", "--outputs", 1, column, 1, column + width,
                                       f"did you mean '{close[0]}'?" if close else
                                       f"outputs: {', '.join(program.outputs)}"))
        else:
            sym = program.symbols[name]
            periods = program.period_sets[sym.params[0]].names if sym.params else ()
            if period and period not in periods:
                problems.append(Diagnostic(f"{period} is not a period of {name}", "--outputs", 1, column, 1,
                                           column + width, f"one of {', '.join(periods)}" if periods else
                                           f"{name} has one value: write {name}"))
            else:
                out += [f"{name}.{period}"] if period else [f"{name}.{p}" for p in periods] or [name]
        column += len(item) + 1
    if problems:
        raise InputError(problems, sources={"--outputs": text})
    return list(dict.fromkeys(out))


# ---- the sweep ----------------------------------------------------------------------------------------------


def sweep(contract: Contract, vary: Sequence[str], step: Sequence[str] | str | int | Decimal | Fraction,
          inputs: Mapping[str, Any] | Path | None = None, sets: Sequence[str] = (),
          outputs: Sequence[str] | None = None, interpretations: Sequence[str | None] | None = None,
          parties: Collection[str] | None = None) -> SweepResult:
    """See `Contract.sweep`."""
    steps = [str(s) for s in step] if isinstance(step, list | tuple) else [str(step)]
    if isinstance(vary, str):
        vary = [vary]
    program = contract.program
    axes, firsts = _axes(program, list(vary), steps)
    chosen = _outputs(program, [o for item in outputs for o in item.split(",")] if outputs is not None else None)
    given = ov.parse(program, list(sets))
    varied = {(a.input, a.period) for a in axes}
    clash = [o for o in given if (o.name, o.period) in varied]
    if clash:
        o = clash[0]
        label = o.name if o.period is None else f"{o.name}.{o.period}"
        raise InputError(Diagnostic(f"{label} is both set and varied", "--set", o.line, 1, o.line, 1 + len(label),
                                    hint="drop the --set, or the --vary"), sources={"--set": "\n".join(sets)})
    parties = [p.id for p in contract.parties] if parties is None else parties
    raw, exact = ov.laid_over(program, inputs, [*given, *firsts], {"--set": list(sets), "--vary": list(vary)},
                              parties)
    readings: list[str | None] = list(interpretations) if interpretations is not None else [None]
    points = _grid(axes)
    base = one_row(program, exact, {(a.input, a.period) for a in axes})
    labels: list[str] = []
    values: dict[str, dict[str, list[OutputValue]]] = {}
    errors: dict[str, dict[int, ContractError]] = {}
    notes: list[str] = []
    if base is None and len(points) > POINT_BY_POINT_MAX:
        raise InputError(Diagnostic(
            f"{len(points):,} grid points, with inputs evaluated point by point (a ledger, or one value for "
            f"every date): at most {POINT_BY_POINT_MAX:,}", "--step", hint="give a larger --step"))
    for reading in readings:
        label, cells, failed = _by_batch(contract, base, axes, points, reading) if base is not None else \
            _by_point(contract, raw, axes, points, reading)
        labels.append(label)
        values[label] = cells
        if failed:
            errors[label] = failed
    every = list(next(iter(values.values())))
    if chosen is None:
        shown = {a.label for a in axes}  # an input that is also an output: its column says it already
        chosen = [o for o in every if o not in shown and any(_changes(values[r][o]) for r in labels)]
        if not chosen:
            notes.append("no output changes over this range: every output is shown")
            chosen = every
    for a in axes:
        if a.uneven:
            notes.append(f"the step of {a.label} does not divide the range: the last step is shorter, ending at "
                         f"{_shown(a.stop)}")
    units = {o: _unit(program, o) for o in chosen}
    kept = {r: {o: values[r][o] for o in chosen} for r in labels}
    return SweepResult(contract.name, tuple(axes), tuple(labels), tuple(chosen), units, tuple(points), kept, errors,
                       tuple(notes))


def _changes(column: Sequence[OutputValue]) -> bool:
    """Whether a column holds two different values (a column holds values of one kind, or None)."""
    first = column[0] if column else None
    return any(v != first for v in column)


_I64 = 2**63


def _column(values: Sequence[Any]) -> Any:
    """Values as a batch column: whole amounts that fit in 64 bits as a NumPy int64 array (read as they are),
    anything else as a list (read cell by cell)."""
    if all(isinstance(v, Fraction) and v.denominator == 1 and -_I64 < v.numerator < _I64 for v in values):
        return np.array([int(v) for v in values], dtype=np.int64)
    return list(values)


def _unit(program: Program, output: str) -> str:
    return str(program.symbols[output.partition(".")[0]].type)


def _grid(axes: Sequence[Axis]) -> list[tuple[Point, ...]]:
    if len(axes) == 1:
        return [(v,) for v in axes[0].values]
    return [(a, b) for a in axes[0].values for b in axes[1].values]


def _by_batch(contract: Contract, base: Mapping[str, Any], axes: Sequence[Axis], points: Sequence[tuple[Point, ...]],
              reading: str | None) -> tuple[str, dict[str, list[OutputValue]], dict[int, ContractError]]:
    rows = len(points)
    columns: dict[str, Any] = {key: _column(col * rows) for key, col in base.items()}
    for i, a in enumerate(axes):
        columns[a.label] = _column([p[i] for p in points])
    result = contract.evaluate_batch(columns, reading, rows=rows)
    cells = {key: col.values() for key, col in result.columns.items()}
    return result.interpretation or "rules", cells, dict(result.errors)


def _by_point(contract: Contract, raw: Mapping[str, Any], axes: Sequence[Axis], points: Sequence[tuple[Point, ...]],
              reading: str | None) -> tuple[str, dict[str, list[OutputValue]], dict[int, ContractError]]:
    cells: dict[str, list[OutputValue]] = {}
    errors: dict[int, ContractError] = {}
    label = contract.default_interpretation if reading is None else reading
    for i, point in enumerate(points):
        at = [ov.Override(a.input, a.period, "", p, 0, 0) for a, p in zip(axes, point, strict=True)]
        laid = ov.lay(raw, [ov.Override(o.name, o.period, _text(o.value), o.value, 0, 0) for o in at])
        try:
            result = contract.evaluate(laid, reading, narrate=False)
        except ContractError as exc:
            errors[i] = exc
            for key in cells:
                cells[key].append(None)
            continue
        label = result.interpretation
        for name, value in result.outputs.items():
            if isinstance(value, dict):
                for p, v in value.items():
                    cells.setdefault(f"{name}.{p}", [None] * i).append(v)
            else:
                cells.setdefault(name, [None] * i).append(value)
    return label or "rules", cells, errors


def _text(value: Point) -> str:
    return value.isoformat() if isinstance(value, date) else number_text(point_value(value))  # type: ignore[arg-type]
