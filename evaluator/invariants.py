"""Invariants: true/false formulas of the rules that must hold, checked at every evaluation.

`invariant NAME [for each P p] cites "..." [label "..."] [means "..."] = <true/false formula>` is parsed
as a rule (nodes.RuleDecl with `invariant=True`) and evaluated as one, by both engines, with the outputs:
its cells are part of every evaluation's targets (`cells`). What this module promises:

- `declared(program)`: the invariants in the order written, each with its periods (None: one value).
- `check(...)`: after an evaluation, each invariant cell's value; a cell that is false raises
  EvaluationError at the invariant's name: "invariant 'NAME' fails for P (CLAUSE): FORMULA, where
  label = value, ..." with the values it read (so a report is never made from figures that do not
  reconcile). A pending cell (some value it reads is pending) neither holds nor fails: `holds` is None.
- `results(...)`: the `result.Invariant` records a Result carries: name, period, label, holds, clause,
  the formula as written, and the values it read (by label, exact). The values are found by computing the
  invariant's cell once more with its reads recorded, on top of the evaluation's own values (nothing
  else is computed again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from fractions import Fraction

from . import nodes as n
from .errors import Diagnostic, EvaluationError
from .evaluate import Key, Run
from .formatting import Formatter
from .program import Program
from .result import Invariant, exact_decimal, fraction_text

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any


def declared(program: Program) -> list[tuple[str, n.RuleDecl, tuple[str, ...] | None]]:
    """Each invariant: its name, declaration and the periods it is checked for (None: once)."""
    out: list[tuple[str, n.RuleDecl, tuple[str, ...] | None]] = []
    for name, sym in program.symbols.items():
        decl = sym.decl
        if isinstance(decl, n.RuleDecl) and decl.invariant:
            periods = program.period_sets[sym.params[0]].names if sym.params else None
            out.append((name, decl, periods))
    return out


def cells(program: Program) -> list[Key]:
    """The cells of every invariant, in the order written."""
    out: list[Key] = []
    for name, _, periods in declared(program):
        out += [(name, (i,)) for i in range(len(periods))] if periods is not None else [(name, ())]
    return out


def formula(program: Program, decl: n.RuleDecl) -> str:
    """The invariant's formula as written, on one line."""
    assert decl.body is not None
    text = next((f.source(decl.body.span) for f in program.files if f.path == decl.body.span.file), "")
    return " ".join(text.split())


def reads(run: Run, key: Key) -> dict[str, Any]:
    """The values the cell `key` reads, by label ("sales[FY1]"), exact: computed once more with its reads
    recorded, every value it reads taken from `run` (already evaluated)."""
    probe = Run(run.plan, {}, run.interpretation, trace=True, as_of=run.as_of)
    probe.inputs, probe.set_aside, probe.notes = run.inputs, run.set_aside, dict(run.notes)
    probe.memo.update(run.memo)
    probe.memo.pop(key, None)
    probe.allocated.update(run.allocated)
    probe._compute(key)
    assert probe.deps is not None
    found: dict[str, Any] = {}
    for dep in dict.fromkeys(probe.deps.get(key, [])):
        sym = run.program.symbols.get(dep[0])
        if sym is None:
            continue
        try:
            value = probe.value(dep[0], dep[1], sym.decl.span)
        except EvaluationError:
            continue
        found[run.label(*dep)] = _plain(value)
    return found


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | date):
        return value
    if isinstance(value, Fraction | int):
        exact = exact_decimal(Fraction(value))
        return exact if exact is not None else fraction_text(Fraction(value))
    return value


def _labels(run: Run, found: Mapping[str, Any], fmt: Formatter) -> str:
    """"a[Y1] = 3,000,000 shares, b = USD 12.50"."""
    parts = []
    for label, value in found.items():
        sym = run.program.symbols.get(label.split("[", 1)[0])
        unit = str(sym.type) if sym is not None else "ratio"
        parts.append(f"{label} = {value if isinstance(value, str) else fmt.unit_amount(unit, value)}")
    return ", ".join(parts)


def check(run: Run, keys: Iterable[Key], fmt: Formatter) -> dict[Key, bool | None]:
    """Whether each invariant cell holds (None: pending); raise EvaluationError at the first that fails."""
    out: dict[Key, bool | None] = {}
    for key in keys:
        decl = run.program.symbols[key[0]].decl
        value = run.value(key[0], key[1], decl.span)
        out[key] = None if value is None else bool(value)
        if value is False:
            raise failure(run, key, fmt)
    return out


def failure(run: Run, key: Key, fmt: Formatter) -> EvaluationError:
    """The error of an invariant cell that is false: its name, period, clause, formula and values read."""
    decl = run.program.symbols[key[0]].decl
    assert isinstance(decl, n.RuleDecl)
    period = run.label(*key)[len(key[0]) + 1:-1] if key[1] else None
    where = f" for {period}" if period else ""
    clause = f" ({decl.about.citation})" if decl.about.citation else ""
    found = reads(run, key)
    return EvaluationError(Diagnostic.at(
        decl.name_span,
        f"invariant '{key[0]}' fails{where}{clause}: {formula(run.program, decl)}, where {_labels(run, found, fmt)}",
        "the figures do not reconcile: check the inputs, or the rules the invariant reads",
    ))


def results(run: Run, holds: Mapping[Key, bool | None]) -> list[Invariant]:
    """The records a Result carries, one per invariant cell, in the order written."""
    out = []
    for key, held in holds.items():
        decl = run.program.symbols[key[0]].decl
        assert isinstance(decl, n.RuleDecl)
        period = run.label(*key)[len(key[0]) + 1:-1] if key[1] else None
        out.append(Invariant(key[0], period, decl.about.label or key[0], held, decl.about.citation or "",
                             formula(run.program, decl), reads(run, key)))
    return out
