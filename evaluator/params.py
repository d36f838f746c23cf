"""Parameters worked out once, when the rules are checked: their values under each reading.

A parameter's value is an expression of other parameters and tables only (`= 7.00 / 2.25`,
`= price_cap * 2`, `= -USD 5`, `= USD 12.00 per share`), and may differ under a reading
(`under READING = ...`). The checker refuses anything an evaluation gives (an input, a rule,
`as_of`), so every value here is fixed by the rules alone: it is computed exactly once per
reading, with the evaluator's own closures (plan.py), in an order where what a parameter reads
comes first. A failure (a division by zero) is a problem of the rules, reported by `check`.

A table entry `not stated` is pending, with its reason ("target[Y4] is not stated in the
agreement (SPA 4.1)"); a parameter worked out from it is pending with the same reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from fractions import Fraction

from . import nodes as n
from .errors import Diagnostic, EvaluationError
from .limits import DEFAULT, Limits
from .program import Program
from .records import record

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any, NoReturn


Key = tuple[str, tuple[int, ...]]
KINDS = ("parameter", "table")


@record
class Fixed:
    """Every parameter's value (a list per period for a table), and why those pending are."""

    values: dict[str | None, dict[str, Any]]  # per reading (None: the default, and any reading not listed)
    notes: dict[str | None, dict[Key, str]]

    def under(self, reading: str | None) -> dict[str, Any]:
        return self.values.get(reading, self.values[None])

    def notes_under(self, reading: str | None) -> dict[Key, str]:
        return self.notes.get(reading, self.notes[None])


def fixed(program: Program, limits: Limits = DEFAULT) -> Fixed:
    """The parameters of a checked program, worked out (kept in the program: once per version)."""
    found = program.derived.get("params")
    if found is None:
        found = program.derived["params"] = _work_out(program, limits)
    assert isinstance(found, Fixed)
    return found


def _work_out(program: Program, limits: Limits) -> Fixed:
    readings: list[str | None] = [None]
    if any(isinstance(s.decl, n.ParamDecl) and s.decl.alternatives for s in program.symbols.values()):
        readings += list(program.interpretations)
    values: dict[str | None, dict[str, Any]] = {}
    notes: dict[str | None, dict[Key, str]] = {}
    for reading in readings:
        folder = _Folder(program, reading, limits)
        folder.all()
        values[reading], notes[reading] = folder.values, folder.notes
    return Fixed(values, notes)


def _order(program: Program) -> Iterator[str]:
    """The parameters and tables, each after those it reads (a post-order, without recursion; loops
    among them are refused by the checker)."""
    names = [name for name, s in program.symbols.items() if s.kind in KINDS]
    refs = {name: [r for r in dict.fromkeys(n.referred(program.symbols[name].decl))
                   if r in program.symbols and program.symbols[r].kind in KINDS] for name in names}
    seen: set[str] = set()
    for root in names:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(refs[root]))]
        while stack:
            node, pending = stack[-1]
            target = next(pending, None)
            if target is None:
                yield node
                stack.pop()
            elif target not in seen:
                seen.add(target)
                stack.append((target, iter(refs[target])))


class _Folder:
    """What the evaluator's closures ask of a run, for expressions of parameters only."""

    as_of: date | None = None

    def __init__(self, program: Program, reading: str | None, limits: Limits) -> None:
        from .plan import _Compiler  # plan.py builds on this module's results

        self.program, self.reading, self.limits = program, reading, limits
        self.compiler = _Compiler(program)
        self.values: dict[str, Any] = {}
        self.notes: dict[Key, str] = {}
        self.heard: list[str] = []
        self.current = ""

    def all(self) -> None:
        for name in _order(self.program):
            decl = self.program.symbols[name].decl
            self.current = name
            if isinstance(decl, n.ParamDecl):
                assert decl.value is not None
                body = next((a.body for a in decl.alternatives if a.interpretation == self.reading), decl.value)
                self.values[name] = self.work_out(body, (name, ()))
            elif isinstance(decl, n.TableDecl):
                self.values[name] = self.table(decl)

    def table(self, decl: n.TableDecl) -> list[Any]:
        members = self.program.period_sets[decl.period_set].names
        entries = {e.period: e for e in decl.entries}
        out: list[Any] = []
        for i, member in enumerate(members):
            entry, key = entries[member], (decl.name, (i,))
            if not entry.stated:
                cited = entry.citation or decl.about.citation
                self.notes[key] = f"{decl.name}[{member}] is not stated in the agreement" + \
                    (f" ({cited})" if cited else "")
                out.append(None)
            else:
                out.append(self.work_out(entry.value, key))
        return out

    def work_out(self, e: n.Expr, key: Key) -> Any:
        from .calendars import CalendarGap

        self.heard = []
        try:
            value = self.compiler.expr(e)(self, {})  # type: ignore[arg-type]  # a run's part the closures ask of
        except CalendarGap as gap:
            self.notes[key] = gap.reason
            return None
        if value is None and self.heard:
            self.notes[key] = self.heard[0]
        return value

    # ---- what a closure asks of its run

    def value(self, name: str, idx: tuple[int, ...], span: n.Span) -> Any:
        found = self.values[name]
        v = found[idx[0]] if idx else found
        if v is None and (name, idx) in self.notes:
            self.heard.append(self.notes[(name, idx)])
        return v

    def fail(self, span: n.Span, message: str, hint: str | None = None) -> NoReturn:
        raise EvaluationError(Diagnostic.at(span, f"in parameter {self.current}: {message}",
                                            "a parameter is worked out from the rules alone, when they are checked"))

    def sized(self, value: Fraction, e: n.Expr) -> Fraction:
        bits = self.limits.max_bits
        if value.numerator.bit_length() > bits or value.denominator.bit_length() > bits:
            self.fail(e.span, f"this makes a number of more than {self.limits.max_digits:,} digits")
        return value

    def on(self, series: str, day: date) -> None:  # the checker refuses a value given by date here
        return None

    def series_dates(self, series: str) -> list[date]:
        return []
