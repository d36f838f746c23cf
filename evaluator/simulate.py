"""Monte Carlo valuation: `clausewise simulate` and `Contract.simulate`.

The inputs not known yet are drawn from the model file's distributions (simulate_model.py) with NumPy's
`Generator(PCG64(seed))`; each draw, a binary float, is rounded half even to the input's declared step
(RMB 1) *before* evaluation, so every path is a set of exact amounts, and the columnar engine (batch.py)
evaluates every path exactly, under each reading. Inputs known are fixed: those of `inputs`, as known on
`as_of` (knowledge.py: a year's sales only once reported), so only later periods are drawn.

Per reading and output the result gives the mean as an exact fraction (an exact decimal where it has
one), the standard deviation over the paths (n - 1 divisor) and the Monte Carlo standard error of the mean
(sd / sqrt(n)), both to 6 significant digits, percentiles by the nearest-rank method (P5 is the value of
path ceil(5% of n) in order: a value some path has, nothing interpolated) and how many paths leave the
output pending. With the model's `tranches`, each period's chance of being fully released, partly released
or fully deducted; with `released`, the shares expected per period and, given a price and a discount rate,
their present value. Draws are made input by input in the model's order, period by period: the same
model, inputs, seed and number of paths give the same figures, and the same bytes in every format.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import inputs as inputs_
from . import nodes as n
from .batch import BatchResult, OutputColumn, evaluate_batch
from .errors import ContractError, Diagnostic
from .knowledge import known_on
from .result import exact_decimal
from .simulate_model import Drawn, Model, ModelError, read

if TYPE_CHECKING:
    from .contract import Contract

PERCENTILES = (5, 25, 50, 75, 95)
_SIG = Context(prec=6, rounding=ROUND_HALF_EVEN)  # sd and standard error: 6 significant digits
_WIDE = Context(prec=40, rounding=ROUND_HALF_EVEN)
_LARGEST = 2.0**62  # a draw past this (in the input's steps) is refused: amounts stay far inside 64 bits


@dataclass(frozen=True)
class Figure:
    """One output (at one period) over every path."""

    output: str  # an output and its period: payment.FY1
    unit: str  # RMB, shares, true/false, a date
    kind: str  # num | bool | date
    count: int  # paths where it has a value
    pending: int  # paths where it is pending
    mean: Fraction | None  # amounts: the mean; true/false: the share of paths where it is true
    sd: Decimal | None
    se: Decimal | None
    percentiles: tuple[Any, ...]  # at PERCENTILES; empty for true/false

    @property
    def varies(self) -> bool:
        return bool(self.count) and (self.sd is not None and self.sd != 0 or self.kind == "bool"
                                     and self.mean not in (0, 1))


@dataclass(frozen=True)
class Tranche:
    period: str
    fully_released: int
    partly: int
    fully_deducted: int
    pending: int


@dataclass(frozen=True)
class Reading:
    interpretation: str | None
    figures: tuple[Figure, ...]
    tranches: tuple[Tranche, ...]
    released: tuple[tuple[str, Fraction | None], ...]  # period -> the shares expected to be released
    present_value: Fraction | None
    failed: int  # paths whose evaluation failed (their figures count as pending)


@dataclass(frozen=True)
class SimulationResult:
    """What `Contract.simulate` returns; `to_dict()` is the JSON document."""

    contract: str
    title: str
    model: Model
    paths: int
    seed: int
    as_of: date | None
    fixed: tuple[tuple[str, Any], ...]  # label -> the known value used on every path
    drawn: tuple[tuple[str, str], ...]  # label -> how it is drawn
    readings: tuple[Reading, ...]
    price: Fraction | None = None
    discount_rate: Fraction | None = None
    valuation_date: date | None = None
    years: tuple[tuple[str, int], ...] = ()  # period -> whole years to discount it by
    batches: dict[str | None, BatchResult] = field(default_factory=dict, repr=False, compare=False)

    @property
    def rounding(self) -> str:
        steps = ", ".join(f"{d.name} to {d.step_text}" for d in self.model.inputs)
        return (f"each draw (a binary float from numpy.random.Generator(PCG64({self.seed}))) is rounded half even "
                f"({steps}) before evaluation; every figure is computed exactly from those amounts")

    @property
    def present_value_formula(self) -> str | None:
        if self.price is None or self.discount_rate is None or not self.model.released:
            return None
        return (f"PV = sum over periods p of E[{self.model.released}[p]] x price / (1 + r)^n(p), price "
                f"{_plain(self.price)} per share, r = {_plain(self.discount_rate)}, n(p) = whole years from "
                f"{self.valuation_date} to the end of p, rounded up (0 for a period ended)")

    def to_dict(self) -> dict[str, Any]:
        from .render_simulation import as_dict

        return as_dict(self)


def simulate(contract: Contract, model_path: str | Path, paths: int, seed: int,
             inputs: Mapping[str, Any] | Path | None = None, as_of: date | None = None,
             interpretations: list[str | None] | None = None, price: Any = None, discount_rate: Any = None,
             progress: Callable[[int], None] | None = None) -> SimulationResult:
    if isinstance(paths, bool) or not isinstance(paths, int) or paths < 1:
        raise ContractError(Diagnostic(f"--paths {paths}: give 1 path or more", "clausewise",
                                       hint="e.g. --paths 100000"))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ContractError(Diagnostic(f"--seed {seed}: a seed is a whole number, 0 or more", "clausewise"))
    price_, rate = _money(price, "--price"), _money(discount_rate, "--discount-rate")
    if (price_ is None) != (rate is None):
        raise ContractError(Diagnostic("--price and --discount-rate go together", "clausewise",
                                       hint="give both for a present value, or neither"))
    if rate is not None and rate <= -1:
        raise ContractError(Diagnostic(f"--discount-rate {discount_rate} is -1 or less", "clausewise",
                                       hint="a rate is a decimal: 0.1 for 10%"))
    version = contract.version(as_of)
    program = version.program
    model = read(Path(model_path), program)
    if price_ is not None and not model.released:
        raise ContractError(Diagnostic("a present value needs the model's 'released' output", model.file,
                                       hint="add 'released: OUTPUT' (the shares released per period)"))
    parties = [p.id for p in contract.parties]
    if isinstance(inputs, Path):
        values = inputs_.from_file(program, inputs, parties)
    else:
        values = inputs_.from_mapping(program, inputs or {}, parties=parties)
    known, _ = known_on(program, values, as_of)
    rng = np.random.Generator(np.random.PCG64(seed))
    columns, fixed, drawn = _columns(program, model, known, paths, rng)
    readings = interpretations if interpretations is not None else [None]
    out: list[Reading] = []
    batches: dict[str | None, BatchResult] = {}
    valuation = as_of or contract.date
    years = _years(program, model.released, valuation) if model.released else ()
    for reading in readings:
        name = contract._reading(version, reading)  # noqa: SLF001 - the contract's check of a reading's name
        batch = evaluate_batch(contract, version, columns, name, None, paths, progress)
        batches[name] = batch
        out.append(_reading(program, model, batch, price_, rate, years))
    return SimulationResult(contract.name, contract.title, model, paths, seed, as_of, tuple(fixed), tuple(drawn),
                            tuple(out), price_, rate, valuation if price_ is not None else None, years, batches)


def _money(value: Any, what: str) -> Fraction | None:
    if value is None:
        return None
    try:
        if isinstance(value, float):
            raise ValueError
        number = Fraction(Decimal(str(value).replace(",", "")))
    except (ValueError, ArithmeticError):
        raise ContractError(Diagnostic(f"{what} {value}: not a decimal number", "clausewise",
                                       hint="write it as digits, e.g. 2.50 or 0.1")) from None
    return number


def _plain(value: Fraction) -> str:
    exact = exact_decimal(value)
    return str(exact) if exact is not None else f"{value.numerator}/{value.denominator}"


# ---- the draws ----------------------------------------------------------------------------------


def _columns(program: Any, model: Model, known: dict[str, Any], paths: int,
             rng: np.random.Generator) -> tuple[dict[str, Any], list[tuple[str, Any]], list[tuple[str, str]]]:
    """The batch's columns: known inputs fixed on every path, the model's inputs drawn where not known."""
    columns: dict[str, Any] = {}
    fixed: list[tuple[str, Any]] = []
    drawn: list[tuple[str, str]] = []
    modelled = {d.name: d for d in model.inputs}
    for name, sym in program.symbols.items():
        decl = sym.decl
        if not isinstance(decl, n.InputDecl) or decl.ledger is not None or name in modelled:
            continue
        value = known.get(name)
        if value is None or (isinstance(value, list) and not any(v is not None for v in value)):
            continue
        if decl.by_date:
            columns[name] = {d.isoformat(): _constant(v, paths) for d, v in value}
            fixed.append((name, f"{len(value)} values by date"))
        elif decl.period_set:
            periods = program.period_sets[decl.period_set].names
            columns[name] = {p: _constant(v, paths) for p, v in zip(periods, value, strict=True) if v is not None}
            fixed += [(f"{name}[{p}]", _shown(v)) for p, v in zip(periods, value, strict=True) if v is not None]
        else:
            columns[name] = _constant(value, paths)
            fixed.append((name, _shown(value)))
    for d in model.inputs:
        given = known.get(d.name)
        if d.periods is None:
            if given is not None:
                columns[d.name] = _constant(given, paths)
                fixed.append((d.name, _shown(given)))
            else:
                columns[d.name] = _exact(d, d.name, _independent(d, None, paths, rng), model.file)
                drawn.append((d.name, d.describe()))
            continue
        row = list(given) if given is not None else [None] * len(d.periods)
        cols: dict[str, Any] = {}
        todo = [i for i, v in enumerate(row) if v is None]
        fixed += [(f"{d.name}[{p}]", _shown(v)) for p, v in zip(d.periods, row, strict=True) if v is not None]
        if d.kind in ("lognormal_growth", "bootstrap"):
            growth = _growth(d, todo, paths, rng)
            level: np.ndarray | None = None
            for i, p in enumerate(d.periods):
                value = row[i]
                if value is not None:
                    level = np.full(paths, float(value))
                    cols[p] = _constant(value, paths)
                    continue
                if level is None:
                    if d.start is None:
                        raise ModelError(Diagnostic(f"{d.name}[{p}] is drawn as growth, but no earlier value is "
                                                    f"known to grow from", model.file,
                                                    hint=f"give 'start:' (the value before {p}), or give "
                                                         f"{d.name}[{p}] in --inputs"))
                    level = np.full(paths, float(d.start))
                level = level * growth[:, todo.index(i)]
                cols[p] = _exact(d, f"{d.name}[{p}]", level, model.file)
        else:
            for i, p in enumerate(d.periods):
                cols[p] = _constant(row[i], paths) if row[i] is not None else \
                    _exact(d, f"{d.name}[{p}]", _independent(d, p, paths, rng), model.file)
        if todo:
            span = d.periods[todo[0]] if len(todo) == 1 else f"{d.periods[todo[0]]}..{d.periods[todo[-1]]}"
            drawn.append((f"{d.name}[{span}]", d.describe()))
        columns[d.name] = cols
    return columns, fixed, drawn


def _growth(d: Drawn, todo: list[int], paths: int, rng: np.random.Generator) -> np.ndarray:
    """The growth factor of each drawn period (paths x len(todo)): x[p] = x[p-1] * factor."""
    if not todo:
        return np.ones((paths, 0))
    if d.kind == "bootstrap":
        rates = np.asarray(d.rates)
        return np.asarray(1.0 + rates[rng.integers(0, len(rates), size=(paths, len(todo)))])
    assert d.correlation is not None
    corr = d.correlation[np.ix_(todo, todo)]
    values, vectors = np.linalg.eigh(corr)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))  # root @ root.T == corr, for any semi-definite corr
    z = rng.standard_normal((paths, len(todo))) @ root.T
    return np.asarray(np.exp(d.settings["drift"] + d.settings["volatility"] * z))


def _independent(d: Drawn, period: str | None, paths: int, rng: np.random.Generator) -> np.ndarray:
    s = d.settings
    if d.kind == "normal":
        return rng.normal(s["mean"][period], s["sd"][period], paths)
    if d.kind == "uniform":
        lo, hi = s["low"][period], s["high"][period]
        return rng.uniform(lo, hi, paths) if hi > lo else np.full(paths, lo)
    lo, mode, hi = s["low"][period], s["mode"][period], s["high"][period]
    return rng.triangular(lo, mode, hi, paths) if hi > lo else np.full(paths, lo)


def _exact(d: Drawn, label: str, draws: np.ndarray, file: str) -> Any:
    """Draws rounded half even to the input's step: an int64 column of whole amounts, else exact fractions."""
    steps = np.rint(draws / float(d.step))
    if not np.isfinite(steps).all() or np.abs(steps).max() >= _LARGEST:
        raise ModelError(Diagnostic(f"draws of {label} grow past what an amount can hold", file,
                                    hint="check the drift and volatility: growth compounds each period"))
    whole = steps.astype(np.int64)
    if d.step.denominator == 1 and abs(int(np.abs(whole).max(initial=0))) * d.step.numerator < 2**62:
        return whole * d.step.numerator
    return [Fraction(int(k)) * d.step for k in whole.tolist()]


def _constant(value: Any, paths: int) -> Any:
    if isinstance(value, Fraction) and value.denominator == 1 and abs(value.numerator) < 2**62:
        return np.full(paths, value.numerator, dtype=np.int64)
    return [value] * paths


def _shown(value: Any) -> Any:
    if isinstance(value, Fraction):
        return exact_decimal(value) if exact_decimal(value) is not None else str(value)
    return value


# ---- the figures ---------------------------------------------------------------------------------


def _reading(program: Any, model: Model, batch: BatchResult, price: Fraction | None, rate: Fraction | None,
             years: tuple[tuple[str, int], ...]) -> Reading:
    figures = tuple(_figure(program, key, col, batch.rows) for key, col in batch.columns.items())
    by_key = {f.output: f for f in figures}
    tranches: list[Tranche] = []
    if model.tranche_output and model.tranche_full is not None:
        for key, col in batch.columns.items():
            name, _, period = key.partition(".")
            if name == model.tranche_output:
                tranches.append(_tranche(period, col, model.tranche_full, model.tranche_counts == "released"))
    released: list[tuple[str, Fraction | None]] = []
    if model.released:
        released = [(key.partition(".")[2], f.mean) for key, f in by_key.items()
                    if key.partition(".")[0] == model.released]
    pv: Fraction | None = None
    if price is not None and rate is not None and released:
        n_of = dict(years)
        if all(m is not None for _, m in released):
            pv = sum((m * price / (1 + rate) ** n_of[p] for p, m in released if m is not None), Fraction(0))
    return Reading(batch.interpretation, figures, tuple(tranches), tuple(released), pv, len(batch.errors))


def _years(program: Any, released: str, valuation: date) -> tuple[tuple[str, int], ...]:
    """Per period of `released`: the whole years from the valuation date to its end, rounded up."""
    sym = program.symbols[released]
    out = []
    for member in program.period_sets[sym.params[0]].members:
        years = 0
        if member.end is not None:
            while _plus_years(valuation, years) < member.end:
                years += 1
        out.append((member.name, years))
    return tuple(out)


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, into a year that has none
        return day.replace(year=day.year + years, day=28)


def _figure(program: Any, key: str, col: OutputColumn, paths: int) -> Figure:
    name = key.partition(".")[0]
    unit = str(program.symbols[name].type)
    pending = int(col.pending.sum())
    if col.kind == "num" and isinstance(col.n, np.ndarray) and col.n.dtype == np.int64 \
            and not isinstance(col.d, np.ndarray) and not col.patches:
        known = col.n[~col.pending]
        return _whole(key, unit, known, int(col.d), paths - len(known))
    if col.kind == "bool" and isinstance(col.n, np.ndarray) and not col.patches:
        count = paths - pending
        trues = int(np.count_nonzero(col.n[~col.pending]))
        return Figure(key, unit, "bool", count, pending, Fraction(trues, count) if count else None, None, None, ())
    values = [v for v in col.values() if v is not None]
    pending = paths - len(values)
    if col.kind == "bool":
        trues = sum(1 for v in values if v)
        return Figure(key, unit, "bool", len(values), pending, Fraction(trues, len(values)) if values else None,
                      None, None, ())
    if col.kind == "date":
        ordered = sorted(values)
        return Figure(key, unit, "date", len(values), pending, None, None, None, _ranks(ordered))
    fractions = sorted(Fraction(v) for v in values)
    if not fractions:
        return Figure(key, unit, "num", 0, pending, None, None, None, ())
    total = sum(fractions, Fraction(0))
    squares = sum((f * f for f in fractions), Fraction(0))
    sd, se = _spread(total, squares, len(fractions))
    ranks = tuple(_decimal(f) for f in _ranks(fractions))
    return Figure(key, unit, "num", len(fractions), pending, total / len(fractions), sd, se, ranks)


def _whole(key: str, unit: str, known: np.ndarray, d: int, pending: int) -> Figure:
    """The figures of int64 numerators over one denominator, summed exactly without a Python value per path."""
    count = len(known)
    if not count:
        return Figure(key, unit, "num", 0, pending, None, None, None, ())
    lo, hi = int(known.min()), int(known.max())
    kth = [max(0, math.ceil(p * count / 100) - 1) for p in PERCENTILES]
    if lo == hi:
        return Figure(key, unit, "num", count, pending, Fraction(lo, d), Decimal(0), Decimal(0),
                      tuple(_decimal(Fraction(lo, d)) for _ in PERCENTILES))
    part = np.partition(known, kth)
    ranks = tuple(_decimal(Fraction(int(part[k]), d)) for k in kth)
    total, squares = _sums(known)
    sd, se = _spread(Fraction(total, d), Fraction(squares, d * d), count)
    return Figure(key, unit, "num", count, pending, Fraction(total, count * d), sd, se, ranks)


def _sums(x: np.ndarray) -> tuple[int, int]:
    """The exact sum and sum of squares of an int64 array, as Python ints (no 64-bit sum can overflow here)."""
    if int(np.abs(x).max()) >= 2**40:
        values = x.tolist()
        return sum(values), sum(v * v for v in values)
    total = squares = 0
    for start in range(0, len(x), 1 << 16):  # 2^16 values of at most 2^40 (and squared halves): sums fit in int64
        part = x[start:start + (1 << 16)]
        high, low = part >> 20, part & ((1 << 20) - 1)  # part = high * 2^20 + low, 0 <= low < 2^20
        total += int(part.sum())
        squares += (int((high * high).sum()) << 40) + (int((high * low).sum()) << 21) + int((low * low).sum())
    return total, squares


def _spread(total: Fraction, squares: Fraction, count: int) -> tuple[Decimal | None, Decimal | None]:
    """The standard deviation (n - 1 divisor) and the standard error of the mean, to 6 significant digits."""
    if count < 2:
        return None, None
    variance = (squares - total * total / count) / (count - 1)
    var = _WIDE.divide(Decimal(variance.numerator), Decimal(variance.denominator))
    return _SIG.sqrt(var), _SIG.sqrt(_WIDE.divide(var, Decimal(count)))


def _ranks(ordered: list[Any]) -> tuple[Any, ...]:
    if not ordered:
        return ()
    return tuple(ordered[max(0, math.ceil(p * len(ordered) / 100) - 1)] for p in PERCENTILES)


def _decimal(value: Fraction) -> Any:
    exact = exact_decimal(value)
    return exact if exact is not None else _WIDE.divide(Decimal(value.numerator), Decimal(value.denominator))


def _tranche(period: str, col: OutputColumn, full: Fraction, counts_released: bool) -> Tranche:
    pending = col.pending
    if isinstance(col.n, np.ndarray) and col.n.dtype == np.int64 and not isinstance(col.d, np.ndarray) \
            and not col.patches:
        scaled = col.n * full.denominator  # value == full  <=>  n * full.den == full.num * d
        target = full.numerator * int(col.d)
        zero, whole = (col.n == 0) & ~pending, (scaled >= target if counts_released else scaled == target) & ~pending
    else:
        values = col.values()
        zero = np.array([v is not None and v == 0 for v in values])
        whole = np.array([v is not None and (Fraction(v) >= full if counts_released else Fraction(v) == full)
                          for v in values])
    released, deducted = (whole, zero) if counts_released else (zero, whole)
    known = int((~pending).sum()) if len(col.patches) == 0 else sum(v is not None for v in col.values())
    r, dd = int(released.sum()), int(deducted.sum())
    return Tranche(period, r, known - r - dd, dd, len(pending) - known)
