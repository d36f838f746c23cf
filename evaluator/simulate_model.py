"""The model file of `clausewise simulate`: how each input not known yet is drawn, checked against the contract.

A model is YAML or JSON (schema: evaluator/schemas/model.schema.json, `clausewise schema model`):

    inputs:
      sales:
        lognormal_growth: {start: 1000000, drift: 0.06, volatility: 0.15, correlation: 0.3}
        round: USD 1
    released: vested_shares
    tranches: {output: forfeited_shares, counts: deducted, full: 250000 shares}

Every problem is reported at its place in the model file (file:line:col): an input the contract does not
have, a negative volatility or standard deviation, a correlation matrix that no random variables can have
(not positive semi-definite), a rounding or a tranche in the wrong unit, an output that is not one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from . import nodes as n
from .datafile import Data, load, number_problem, read_text, validate_schema
from .errors import Diagnostic, InputError, close_matches
from .program import Program
from .units import Unit

KINDS = ("lognormal_growth", "bootstrap", "normal", "uniform", "triangular")
GROWTH = ("lognormal_growth", "bootstrap")


ModelError = InputError  # a model file is an input of the simulation: its problems are InputErrors, at their place


@dataclass(frozen=True)
class Drawn:
    """One modelled input: its distribution and its settings (per period where they may vary)."""

    name: str
    kind: str  # one of KINDS
    periods: tuple[str, ...] | None  # the input's periods (None: a single value)
    settings: dict[str, Any]  # floats for the generator (draws are binary floats until rounded)
    step: Fraction  # each draw is rounded to a multiple of this, half even
    step_text: str  # as the report says it: "RMB 1"
    start: Fraction | None  # growth models: the value before the first drawn period, if none is known
    correlation: np.ndarray | None  # lognormal_growth: over the input's periods
    rates: tuple[float, ...] = ()  # bootstrap: the historical growth rates

    def describe(self) -> str:
        s = self.settings
        if self.kind == "lognormal_growth":
            corr = self.settings.get("correlation_text", "0")
            return (f"lognormal growth: ln(x[p] / x[p-1]) normal with drift {s['drift_text']} and volatility "
                    f"{s['volatility_text']}, correlation {corr}")
        if self.kind == "bootstrap":
            return f"growth drawn with replacement from {len(self.rates)} historical rates ({s['file']})"
        return f"{self.kind} ({', '.join(f'{k[:-5]} {v}' for k, v in s.items() if k.endswith('_text'))})"


@dataclass(frozen=True)
class Model:
    file: str
    name: str | None
    inputs: tuple[Drawn, ...]
    released: str | None
    tranche_output: str | None
    tranche_counts: str | None  # "released" | "deducted"
    tranche_full: Fraction | None
    tranche_full_text: str


def read(path: Path, program: Program) -> Model:
    """The model file at `path`, checked against the contract's rules; ModelError at its place."""
    data = load(path, ModelError)
    validate_schema(data, "model.schema.json", ModelError)
    value = data.value
    problems: list[Diagnostic] = []
    inputs = [d for d in (_input(data, program, name, spec, problems) for name, spec in value["inputs"].items())
              if d is not None]
    released = value.get("released")
    if released is not None:
        _output(data, program, ("released",), released, problems, "shares")
    tranche: dict[str, Any] = value.get("tranches") or {}
    full: Fraction | None = None
    if tranche:
        unit = _output(data, program, ("tranches", "output"), tranche["output"], problems)
        if unit is not None:
            full = _amount(data, ("tranches", "full"), tranche["full"], unit, problems)
            if full is not None and full <= 0:
                problems.append(data.where(("tranches", "full"), "a full tranche is more than 0"))
    if problems:
        raise ModelError(problems)
    return Model(str(path), value.get("model"), tuple(inputs), released, tranche.get("output"),
                 tranche.get("counts"), full, str(tranche.get("full", "")))


def _output(data: Data, program: Program, path: tuple[str, ...], name: str, problems: list[Diagnostic],
            unit_text: str | None = None) -> Unit | None:
    """The unit of output `name`, which must be given by period (and in `unit_text` if given)."""
    if name not in program.outputs:
        close = close_matches(name, program.outputs)
        problems.append(data.where(path, f"'{name}' is not an output of the contract",
                                   f"did you mean '{close[0]}'?" if close else
                                   f"outputs: {', '.join(program.outputs[:12])}"))
        return None
    sym = program.symbols[name]
    if len(sym.params) != 1 or not sym.type.is_quantity or sym.type.unit is None:
        problems.append(data.where(path, f"'{name}' is not an amount by period", "name an output given per period"))
        return None
    if unit_text is not None and str(sym.type.unit) != unit_text:
        problems.append(data.where(path, f"'{name}' is in {sym.type.unit}, not {unit_text}",
                                   f"name an output in {unit_text}"))
        return None
    return sym.type.unit


def _input(data: Data, program: Program, name: str, spec: dict[str, Any],
           problems: list[Diagnostic]) -> Drawn | None:
    where = ("inputs", name)
    sym = program.symbols.get(name)
    if sym is None or not isinstance(sym.decl, n.InputDecl):
        inputs = [k for k, s in program.symbols.items() if isinstance(s.decl, n.InputDecl)]
        close = close_matches(name, inputs)
        what = "is not an input of the contract" if sym is None else f"is a {sym.kind}, not an input"
        problems.append(data.where(where, f"the model names '{name}', which {what}",
                                   f"did you mean '{close[0]}'?" if close else f"inputs: {', '.join(inputs)}",
                                   key=True))
        return None
    decl = sym.decl
    if decl.ledger is not None or decl.by_date or not sym.type.is_quantity or sym.type.unit is None:
        problems.append(data.where(where, f"'{name}' is not an amount that can be drawn",
                                   "model inputs that are amounts, one value or one per period", key=True))
        return None
    kinds = [k for k in KINDS if k in spec]
    if len(kinds) != 1:
        problems.append(data.where(where, f"give one distribution for '{name}', not {len(kinds)}",
                                   f"one of {', '.join(KINDS)}", key=True))
        return None
    kind = kinds[0]
    periods = program.period_sets[decl.period_set].names if decl.period_set else None
    if kind in GROWTH and periods is None:
        problems.append(data.where((*where, kind), f"'{name}' has one value, not one per period: it cannot grow",
                                   "use normal, uniform or triangular", key=True))
        return None
    unit = sym.type.unit
    step = _amount(data, (*where, "round"), spec.get("round", 1), unit, problems)
    if step is not None and step <= 0:
        problems.append(data.where((*where, "round"), "a rounding step is more than 0", f"e.g. round: {unit} 1"))
        step = None
    s: dict[str, Any] = spec[kind]
    settings: dict[str, Any] = {}
    start: Fraction | None = None
    corr: np.ndarray | None = None
    rates: tuple[float, ...] = ()
    at = (*where, kind)
    if "start" in s:
        start = Fraction(s["start"])
    if kind == "lognormal_growth":
        settings = {"drift": float(s["drift"]), "volatility": float(s["volatility"]),
                    "drift_text": str(s["drift"]), "volatility_text": str(s["volatility"])}
        if s["volatility"] < 0:
            problems.append(data.where((*at, "volatility"), f"a volatility of {s['volatility']} is negative",
                                       "a volatility is a standard deviation: 0 or more"))
        assert periods is not None
        if "correlation" in s:
            corr = _correlation(data, (*at, "correlation"), s["correlation"], periods, problems)
            settings["correlation_text"] = (f"{s['correlation']} between consecutive periods (rho^|i-j|)"
                                            if not isinstance(s["correlation"], list) else "as a matrix")
        else:
            corr = np.eye(len(periods))
            settings["correlation_text"] = "0 (independent periods)"
    elif kind == "bootstrap":
        rates = _rates(data, (*at, "file"), s.get("column"), problems)
        settings = {"file": s["file"]}
    else:
        for key, value in s.items():
            per = _per_period(data, (*at, key), value, periods, problems)
            settings[key] = per
            settings[f"{key}_text"] = str(value) if not isinstance(value, dict) else \
                "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
        for neg in ("sd",):
            for p, v in (settings.get(neg) or {}).items():
                if v < 0:
                    problems.append(data.where((*at, neg) + ((p,) if isinstance(s[neg], dict) else ()),
                                               f"a standard deviation of {_shown(s[neg], p)} is negative",
                                               "a standard deviation is 0 or more"))
        lo, mode, hi = settings.get("low"), settings.get("mode"), settings.get("high")
        if lo is not None and hi is not None:
            for p in lo:
                if lo[p] > hi[p] or (mode is not None and not lo[p] <= mode[p] <= hi[p]):
                    order = "low <= mode <= high" if mode is not None else "low <= high"
                    at_period = "" if periods is None else f" at {p}"
                    problems.append(data.where(at, f"the bounds are out of order{at_period}", f"give {order}"))
                    break
    if problems:
        return None
    assert step is not None
    step_text = f"{unit} {step}" if unit.currency else f"{step} {unit}"
    return Drawn(name, kind, periods, settings, step, step_text, start, corr, rates)


def _shown(value: Any, period: str | None) -> str:
    return str(value[period]) if isinstance(value, dict) and period in value else str(value)


def _per_period(data: Data, path: tuple[Any, ...], value: Any, periods: Sequence[str] | None,
                problems: list[Diagnostic]) -> dict[str | None, float]:
    """A setting as one float per period (None for an input with one value)."""
    keys: Sequence[str | None] = list(periods) if periods is not None else [None]
    if not isinstance(value, dict):
        return {p: float(value) for p in keys}
    if periods is None:
        problems.append(data.where(path, "this input has one value, not one per period", "give a number"))
        return {}
    for p in value:
        if p not in periods:
            problems.append(data.where((*path, p), f"'{p}' is not a period of the input",
                                       f"periods: {', '.join(periods)}", key=True))
    return {p: float(value[p]) for p in periods if p in value}


_AMOUNT = re.compile(r"^\s*(?:([A-Z]{3})\s+)?([0-9][0-9,_]*(?:\.[0-9]+)?)\s*([a-z]+)?\s*$")


def _amount(data: Data, path: tuple[Any, ...], value: Any, unit: Unit, problems: list[Diagnostic]) -> Fraction | None:
    """`USD 1`, `1,000 shares`, or a plain number in the unit of the input or output; exact."""
    if isinstance(value, int | Decimal):
        return Fraction(value)
    m = _AMOUNT.match(str(value))
    if not m:
        problems.append(data.where(path, f"'{value}' is not an amount", f"write it as {_example(unit)}"))
        return None
    currency, digits, word = m.groups()
    said = currency or ({"share": "shares"}.get(word or "", word))
    if said is not None and said != str(unit):
        problems.append(data.where(path, f"'{value}' is in {said}, not {unit}", f"write it as {_example(unit)}"))
        return None
    problem = number_problem(digits.replace(",", "").replace("_", ""))
    if problem:
        problems.append(data.where(path, problem))
        return None
    return Fraction(Decimal(digits.replace(",", "").replace("_", "")))


def _example(unit: Unit) -> str:
    return f"{unit} 1" if unit.currency else f"1 {unit}"


def _correlation(data: Data, path: tuple[Any, ...], value: Any, periods: Sequence[str],
                 problems: list[Diagnostic]) -> np.ndarray | None:
    """The correlation of the growth of the input's periods: rho^|i-j| for a number, or the matrix given."""
    size = len(periods)
    if not isinstance(value, list):
        rho = float(value)
        if not -1 <= rho <= 1:
            problems.append(data.where(path, f"a correlation of {value} is not between -1 and 1"))
            return None
        idx = np.arange(size)
        return np.asarray(rho ** np.abs(idx[:, None] - idx[None, :]), dtype=float)
    if len(value) != size or any(len(row) != size for row in value):
        problems.append(data.where(path, f"the correlation matrix is not {size} by {size}",
                                   f"one row and one column per period: {', '.join(periods)}"))
        return None
    m = np.array([[float(x) for x in row] for row in value])
    for i in range(size):
        for j in range(size):
            if (i == j and value[i][j] != 1) or value[i][j] != value[j][i] or not -1 <= value[i][j] <= 1:
                what = ("a diagonal entry is not 1" if i == j and value[i][j] != 1 else
                        "the matrix is not symmetric" if value[i][j] != value[j][i] else
                        f"{value[i][j]} is not between -1 and 1")
                problems.append(data.where((*path, i, j), f"not a correlation matrix: {what}"))
                return None
    least = float(np.linalg.eigvalsh(m).min())
    if least < -1e-9:
        problems.append(data.where(path, "the correlation matrix is not positive semi-definite: no random "
                                         "variables can have these correlations",
                                   f"its least eigenvalue is {least:.4g}; correlations this strong between "
                                   "some periods force others"))
        return None
    return m


def _rates(data: Data, path: tuple[Any, ...], column: str | None, problems: list[Diagnostic]) -> tuple[float, ...]:
    """The growth rates of a CSV file named relative to the model file (decimals: 0.05 is 5%)."""
    rel = data.value
    for k in path:
        rel = rel[k]
    file = Path(data.file).parent / str(rel)
    if not str(rel).lower().endswith(".csv"):
        problems.append(data.where(path, f"{rel} is not named as a CSV file", "a file of rates ends in .csv"))
        return ()
    if not file.is_file():
        problems.append(data.where(path, f"no CSV file at {rel}", f"files are named relative to {file.parent}"))
        return ()
    try:
        text = read_text(file, ModelError)
    except ModelError as exc:
        problems.extend(exc.diagnostics)
        return ()
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0]:
        problems.append(Diagnostic("the file of rates is empty", str(file)))
        return ()
    header = [h.strip() for h in rows[0]]
    index = 0 if column is None else (header.index(column) if column in header else -1)
    if index < 0:
        problems.append(data.where((*path[:-1], "column"), f"no column '{column}' in {rel}",
                                   f"columns: {', '.join(header)}"))
        return ()
    rates: list[float] = []
    for line, row in enumerate(rows[1:], start=2):
        cell = row[index].strip() if index < len(row) else ""
        if not cell:
            continue
        problem = number_problem(cell)
        if problem or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell):
            problems.append(Diagnostic(f"'{cell}' is not a growth rate" if not problem else problem, str(file),
                                       line, 1, line, 2, "write a decimal: 0.05 for 5%"))
            return ()
        rate = Decimal(cell)
        if rate <= -1:
            problems.append(Diagnostic(f"a growth rate of {cell} would take the value to 0 or below", str(file),
                                       line, 1, line, 2, "a rate is more than -1 (-0.25 is a fall of 25%)"))
            return ()
        rates.append(float(rate))
    if not rates:
        problems.append(Diagnostic("the file has no rates", str(file)))
    return tuple(rates)
