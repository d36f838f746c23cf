"""Goal seek: the least (or greatest) value of one input, to its step, at which a condition on an output holds.

Outputs are step functions of an input (whole shares, roundings, thresholds), so the search is exact and on
whole numbers of steps: a value is `i * step` for an integer i, and no figure ever comes from a
floating-point tolerance. The method:

1. **Scan**: the condition is evaluated at `scan + 1` evenly spaced values of the range, in one batch on
   the columnar engine (`Contract.evaluate_batch`), each with one of four outcomes: holds, fails, pending,
   or an error for that value.
2. **Refine**: between every two neighbouring values with different outcomes, `points` values evenly
   spaced are evaluated (by default one: the midpoint, a bisection), all of them in one batch per round,
   until every change of outcome lies between two values one step apart: each boundary is then exact. A
   range of 10^9 steps with one change takes the scan of 33 values and 25 rounds of one: 58 values
   (benchmarks/solve.py).
3. **Pieces**: the range is cut where the outcome changes; where it holds is a list of intervals. The
   condition is monotone when it holds on one interval reaching the end of the range (the upper end for the
   least value, the lower for the greatest). Otherwise the result says so and lists every interval.

The caveat, said in every result: between two neighbouring values checked with the same outcome, the
outcome is taken to be the same. An interval narrower than the widest such gap (`SolveResult.gap`) that
falls between two checked values could be missed; `scan` makes the gap as small as wanted.

Rounds of fewer than BATCH_FROM values (a bisection's midpoints), and inputs the columnar engine cannot hold
(a ledger with entries, values with the dates they were reported), are evaluated by the scalar engine, value
by value: it computes only what the condition's output needs. The answer and its neighbour are evaluated again by
the scalar engine (`SolveResult.checks`): two engines agree on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import nodes as n
from .batch_inputs import one_row
from .errors import ContractError, Diagnostic, EvaluationError
from .evaluate import Run
from .knowledge import Given
from .solve_terms import Condition, Varied, amount_text, as_number, condition, varied

if TYPE_CHECKING:
    from .contract import Contract, Version

HOLDS, FAILS, PENDING, ERROR = "holds", "fails", "pending", "error"
SCAN, POINTS = 32, 1  # 33 + 25 values for one change in 10^9 steps; more of either finds more, costs more
BATCH_FROM = 8  # values in a round from which the columnar engine is faster than the scalar one, value by value
DEFAULT_HIGH = 10**12  # steps: the top of the range when none is given
MAX_CHANGES = 1_000  # past this many changes of outcome in the range, the search stops: narrow the range

Outcome = tuple[str, str | None]  # (holds | fails | pending | error, the error's message)
Probe = Callable[[list[int]], list[Outcome]]


@dataclass(frozen=True)
class Piece:
    """Values low to high (both included) of the range, all with the same outcome."""

    low: Fraction
    high: Fraction
    outcome: str
    note: str | None = None  # the first error's message, for an error piece


@dataclass(frozen=True)
class Check:
    """One evaluation of the answer (or of its neighbour) by the scalar engine."""

    value: Fraction
    output: Any  # the output's value there: int, Decimal, bool, date or None (pending)
    holds: bool | None


@dataclass
class SolveResult:
    contract: str
    interpretation: str | None
    as_of: date | None
    vary: Varied
    condition: Condition
    step: Fraction
    low: Fraction
    high: Fraction
    greatest: bool
    value: Fraction | None  # the answer: None if the condition holds nowhere in the range
    pieces: list[Piece]
    checks: list[Check] = field(default_factory=list)  # at the answer, then one step below (above: greatest)
    evaluations: int = 0  # rounds: a batch evaluation, or a few values on the scalar engine
    candidates: int = 0  # values of the input evaluated in all
    gap: Fraction = Fraction(0)  # the widest gap between two neighbouring values checked with the same outcome
    engine: str = "columnar"

    @property
    def holds(self) -> list[Piece]:
        return [p for p in self.pieces if p.outcome == HOLDS]

    @property
    def monotone(self) -> bool:
        """It holds on one interval reaching an end of the range: the outcome changes at most once."""
        held = self.holds
        return len(held) == 1 and (held[0].low == self.low or held[0].high == self.high)

    @property
    def at_bound(self) -> bool:
        """The condition holds at the end of the range the search moves toward: the answer may lie beyond."""
        return self.value is not None and self.value == (self.high if self.greatest else self.low)

    def to_dict(self) -> dict[str, Any]:
        t = self.vary.type

        def num(v: Fraction) -> Any:
            return as_number(v)

        def out(v: Any) -> Any:
            return v.isoformat() if isinstance(v, date) else v

        return {
            "contract": self.contract, "interpretation": self.interpretation,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "vary": self.vary.label, "unit": str(t), "step": num(self.step),
            "until": self.condition.text, "seek": "greatest" if self.greatest else "least",
            "between": [num(self.low), num(self.high)],
            "value": num(self.value) if self.value is not None else None,
            "reachable": self.value is not None, "monotone": self.monotone, "at_bound": self.at_bound,
            "pieces": [{"low": num(p.low), "high": num(p.high), "outcome": p.outcome,
                        **({"error": p.note} if p.note else {})} for p in self.pieces],
            "checks": [{"value": num(c.value), self.condition.label: out(c.output), "holds": c.holds}
                       for c in self.checks],
            "evaluations": self.evaluations, "candidates": self.candidates, "gap": num(self.gap),
            "engine": self.engine,
        }

    def text_value(self, v: Fraction) -> str:
        return amount_text(v, self.vary.type)


def solve(contract: Contract, version: Version, values: dict[str, Any], vary: str, until: str, reading: str | None,
          as_of: date | None, between: tuple[Any, Any] | None = None, greatest: bool = False,
          step: Any = None, scan: int = SCAN, points: int = POINTS) -> SolveResult:
    """See `Contract.solve`."""
    program = version.program
    v = varied(program, vary)
    cond = condition(program, until)
    unit = _amount(contract, program, "--unit", step, v) if step is not None else Fraction(1)
    if unit <= 0:
        raise ContractError(Diagnostic(f"--unit {step}: the step must be more than zero", "clausewise",
                                       hint="e.g. --unit 1, or --unit 0.01 for cents"))
    if between is None:
        low, high = Fraction(0), DEFAULT_HIGH * unit
    else:
        low, high = (_amount(contract, program, "--between", x, v) for x in between)
    for name, x in (("low", low), ("high", high)):
        if (x / unit).denominator != 1:
            raise ContractError(Diagnostic(f"--between: the {name} end {amount_text(x, v.type)} is not a whole "
                                           f"number of steps of {amount_text(unit, v.type)}", "clausewise",
                                           hint="give ends that are multiples of the step, or a smaller --unit"))
    if low > high:
        raise ContractError(Diagnostic(f"--between {amount_text(low, v.type)} {amount_text(high, v.type)}: the "
                                       "low end is above the high end", "clausewise",
                                       hint="give the lower value first"))
    for option, count in (("scan", scan), ("points", points)):
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100_000:
            raise ContractError(Diagnostic(f"{option}={count!r}: give a whole number from 1 to 100,000",
                                           "clausewise"))
    _in_order(program, values, v)
    columns = one_row(program, values, {(v.name, v.period)})
    probe_value = _scalar(version, values, v, cond, reading, as_of)
    batched = _batched(contract, columns, v, cond, reading, as_of, unit) if columns is not None else None

    def probe(points_: list[int]) -> list[Outcome]:
        if batched is not None and len(points_) >= BATCH_FROM:
            return batched(points_)
        return [probe_value(i * unit)[1] for i in points_]
    lo, hi = int(low / unit), int(high / unit)
    known, evaluations = search(probe, lo, hi, scan, points)
    pieces = _pieces(known, unit)
    result = SolveResult(contract.name, reading, as_of, v, cond, unit, low, high, greatest, None, pieces,
                         evaluations=evaluations, candidates=len(known),
                         engine="columnar and scalar" if columns is not None else "scalar")
    keys = sorted(known)
    same = [b - a for a, b in zip(keys, keys[1:], strict=False) if known[a][0] == known[b][0]]
    result.gap = max(same, default=0) * unit
    held = result.holds
    if held:
        result.value = held[-1].high if greatest else held[0].low
        for x in (result.value, result.value + (unit if greatest else -unit)):
            output, outcome = probe_value(x)
            result.checks.append(Check(x, output, {HOLDS: True, FAILS: False}.get(outcome[0])))
        if result.checks[0].holds is not True:
            raise AssertionError(f"the engines disagree at {result.value}: a bug in clausewise")
    else:  # unreachable: what the output is at the two ends
        for x in (low, high) if low != high else (low,):
            output, outcome = probe_value(x)
            result.checks.append(Check(x, output, {HOLDS: True, FAILS: False}.get(outcome[0])))
    return result


def _in_order(program: Any, values: Mapping[str, Any], v: Varied) -> None:
    """A period of an input `reported in order` can be varied only once the earlier periods are given."""
    decl = program.symbols[v.name].decl
    if not v.index or not decl.in_order:
        return
    names = program.period_sets[decl.period_set].names
    missing = [p for p, x in zip(names[:v.index[0]], values.get(v.name) or [None] * len(names), strict=False)
               if x is None]
    if missing:
        raise ContractError(Diagnostic(f"--vary {v.label}: {v.name} is reported in order, and "
                                       f"{', '.join(f'{v.name}.{p}' for p in missing)} is not given",
                                       "clausewise", hint=f"give {v.name} for {', '.join(missing)} in the inputs"))


def search(probe: Probe, lo: int, hi: int, scan: int = SCAN, points: int = POINTS) -> tuple[dict[int, Outcome], int]:
    """The outcome at every value evaluated (integers lo to hi), and the number of calls of `probe`: a scan
    of `scan + 1` values, then rounds refining every change of outcome to two neighbouring integers."""
    known: dict[int, Outcome] = {}
    calls = 0

    def run(todo: list[int]) -> None:
        nonlocal calls
        calls += 1
        for i, outcome in zip(todo, probe(todo), strict=True):
            known[i] = outcome

    run(sorted({lo + (hi - lo) * j // scan for j in range(scan + 1)}))
    while True:
        keys = sorted(known)
        changes = [(a, b) for a, b in zip(keys, keys[1:], strict=False) if known[a][0] != known[b][0]]
        if len(changes) > MAX_CHANGES:
            raise ContractError(Diagnostic(f"the condition changes more than {MAX_CHANGES:,} times in the range: "
                                           "too many intervals to report", "clausewise",
                                           hint="narrow the range with --between LO HI"))
        todo: set[int] = set()
        for a, b in changes:
            if b - a > 1:
                todo.update(a + (b - a) * j // (points + 1) for j in range(1, points + 1))
                todo.discard(a)
        if not todo:
            return known, calls
        run(sorted(todo))


def _pieces(known: dict[int, Outcome], unit: Fraction) -> list[Piece]:
    pieces: list[Piece] = []
    start = prev = None
    for i in sorted(known):
        if start is None:
            start = prev = i
        elif known[i][0] != known[start][0]:
            pieces.append(Piece(start * unit, prev * unit, known[start][0], known[start][1]))  # type: ignore[operator]
            start = i
        prev = i
    if start is not None and prev is not None:
        pieces.append(Piece(start * unit, prev * unit, known[start][0], known[start][1]))
    return pieces


def _amount(contract: Contract, program: Any, option: str, raw: Any, v: Varied) -> Fraction:
    """A range end or step: an int, Decimal or Fraction (in the input's unit), or text as on the command line."""
    from .solve_terms import amount

    if isinstance(raw, int | Fraction) and not isinstance(raw, bool):
        return Fraction(raw)
    if type(raw).__name__ == "Decimal" and raw.is_finite():
        return Fraction(raw)
    if isinstance(raw, str):
        return amount(program, option, raw, v.type)
    raise ContractError(Diagnostic(f"{option}: {raw!r} is not an amount", str(contract.path),
                                   hint="give an int, a Decimal, or text such as 'USD 800 thousand'"))


def _outcome(cond: Condition, value: Any) -> Outcome:
    holds = cond.holds(value)
    return (PENDING, None) if holds is None else (HOLDS, None) if holds else (FAILS, None)


def _batched(contract: Contract, columns: dict[str, Any], v: Varied, cond: Condition, reading: str | None,
             as_of: date | None, unit: Fraction) -> Probe:
    key = cond.label

    def probe(points: list[int]) -> list[Outcome]:
        rows = len(points)
        cols: dict[str, Any] = {key: col * rows for key, col in columns.items()}
        varied_ = [i * unit for i in points] if unit.denominator != 1 else [i * int(unit) for i in points]
        cols[v.name if v.period is None else f"{v.name}.{v.period}"] = varied_
        result = contract.evaluate_batch(cols, reading, as_of=as_of)
        got = result.values(key)
        return [(ERROR, result.errors[r].diagnostics[0].text()) if r in result.errors else _outcome(cond, got[r])
                for r in range(rows)]
    return probe


def _scalar(version: Version, values: dict[str, Any], v: Varied, cond: Condition, reading: str | None,
            as_of: date | None) -> Callable[[Fraction], tuple[Any, Outcome]]:
    """Evaluate the output at one value of the input on the scalar engine: its value and the outcome."""
    from .result import exact_decimal

    program = version.program
    span = program.symbols[cond.output].decl.span
    decl = program.symbols[v.name].decl
    periods = len(program.period_sets[decl.period_set].names) if isinstance(decl, n.InputDecl) and \
        decl.period_set else 0

    def at(x: Fraction) -> tuple[Any, Outcome]:
        given = dict(values)
        if v.index:
            row = list(given.get(v.name) or [None] * periods)
            row[v.index[0]] = x
            given[v.name] = row
        else:
            given[v.name] = x
        if isinstance(values, Given):
            reported = {k: w for k, w in values.reported.items() if k != (v.name, v.index)}
            given = Given(given, reported) if reported else given
        try:
            value: Any = Run(version.plan, given, reading, as_of=as_of).value(cond.output, cond.index, span)
        except EvaluationError as exc:
            return None, (ERROR, exc.diagnostics[0].text())
        if isinstance(value, Fraction):
            exact = exact_decimal(value)
            value = exact if exact is not None else value
        return value, _outcome(cond, value)
    return at

