"""Plan + validated inputs -> values: one `Run` per evaluation.

Each value of a rule at its periods (a cell) is computed once and kept. The
cells are computed in the static order of the plan (cells.py), each after
every cell it may read, so that computing one never recurses into another and
nothing process-wide is ever changed. A cell whose formula fails (division by
zero...) keeps its error, which is raised only where the cell is read: a cell
that only an untaken branch reads never stops an evaluation, exactly as if
cells were computed on demand. Allocations are computed a pool at a time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date
from fractions import Fraction

from . import nodes as n
from .calendars import CalendarGap
from .cells import LoopError
from .errors import Diagnostic, EvaluationError
from .knowledge import known_on
from .plan import AllocationPlan, Plan, Value

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any, NoReturn

Key = tuple[str, tuple[int, ...]]  # a symbol and the positions of its periods


class Failed:
    """The value of a cell whose formula could not be evaluated: its error, raised where it is read."""

    __slots__ = ("error",)

    def __init__(self, error: EvaluationError) -> None:
        self.error = error


class Run:
    """One evaluation. With `trace`, it also keeps what each value was computed from."""

    def __init__(self, plan: Plan, inputs: dict[str, Any], interpretation: str | None, trace: bool = False,
                 as_of: date | None = None, fast: bool | None = None) -> None:
        self.plan = plan
        # take the compiled path (compiled.py) where it can: None, from the plan's second evaluation of the same
        # cells (Plan.filler); True, at once; False: interpret every cell
        self.fast = fast
        self.compiled = False  # whether prepare() took the compiled path
        self.as_of = as_of  # the date `as_of` stands for in the rules; None: pending
        self.program = plan.program
        # what is not known yet on the as-of date is set aside, pending, with the reason (knowledge.py)
        self.inputs, self.set_aside = known_on(self.program, inputs, as_of)
        self.notes: dict[Key, str] = dict(self.set_aside)  # why a value is unknown, where not merely pending
        self.heard: list[list[str]] = []  # per value being computed: the reasons of unknowable values it read
        self.interpretation = interpretation
        self.constants = plan.constants_for(interpretation)  # the parameters, under this reading
        self.memo: dict[Key, Value | Failed] = {}
        self.allocated: dict[Key, dict[int, Value]] = {}
        self.active: list[Key] = []
        self.deps: dict[Key, list[Key]] | None = {} if trace else None
        self.allocation_deps: dict[Key, dict[int | None, list[Key]]] = {}  # per pool: what it and each claim read
        self.max_bits = plan.limits.max_bits

    def label(self, name: str, idx: tuple[int, ...]) -> str:
        sym = self.program.symbols[name]
        if not idx:
            return name
        periods = [self.program.period_sets[ps].members[i].name for ps, i in zip(sym.params, idx, strict=True)]
        return f"{name}[{', '.join(periods)}]"

    def fail(self, span: n.Span, message: str, hint: str | None = None) -> NoReturn:
        where = f"in {self.label(*self.active[-1])}: " if self.active else ""
        raise EvaluationError(Diagnostic.at(span, where + message, hint))

    def sized(self, value: Fraction, e: n.Expr) -> Fraction:
        """`value`, if its numerator and denominator stay within the limit on digits."""
        if value.numerator.bit_length() > self.max_bits or value.denominator.bit_length() > self.max_bits:
            limit = self.plan.limits.max_digits
            self.fail(e.span, f"this makes a number of more than {limit:,} digits",
                      "round in the rules where the agreement rounds, or raise the limit "
                      "(--max-digits, or Limits(max_digits=...))")
        return value

    def prepare(self, targets: Iterable[Key]) -> None:
        """Compute every cell `targets` need, in the plan's order (kept for the same targets).

        A fresh run without a trace takes the compiled fast path (compiled.py) from the plan's second
        evaluation of the same cells (Plan.filler: the first is interpreted, which costs less than compiling);
        if that meets anything out of the ordinary, the cells are computed again here, one by one, exactly as
        specified.
        """
        order = self.plan.cells.order_for(tuple(targets))
        if self.fast is not False and self.deps is None and not self.memo:
            fill = self.plan.filler(self.interpretation, order, now=self.fast is True)
            if fill is not None:
                from .compiled import Abandon  # loaded already: the plan compiled `fill`

                try:
                    fill(self)
                    self.compiled = True
                    return
                except (EvaluationError, CalendarGap, Abandon):
                    self.memo.clear()
                    self.notes = dict(self.set_aside)
                    self.allocated.clear()
                    self.active.clear()
                    self.heard.clear()
        for key in order:
            if key not in self.memo:
                self._compute(key)

    def value(self, name: str, idx: tuple[int, ...], span: n.Span) -> Value:
        key = (name, idx)
        if self.deps is not None and self.active:
            self.deps[self.active[-1]].append(key)
        if key not in self.memo:
            self._ensure(key, span)
        if key in self.notes and self.heard:
            self.heard[-1].append(self.notes[key])
        value = self.memo[key]
        if isinstance(value, Failed):
            raise value.error
        return value

    def result(self, name: str, idx: tuple[int, ...], span: n.Span) -> Value:
        """An output's value once `prepare` has run: `value`, without its bookkeeping where none is needed
        (no trace is kept, and the value is computed already or is a parameter or an input)."""
        if self.deps is None:
            found = self.memo.get((name, idx), self)  # self: not there
            if found is not self and type(found) is not Failed:
                return found  # type: ignore[return-value]
            if found is self and (name in self.constants or name in self.inputs):
                return self.compute(name, idx)
        return self.value(name, idx, span)

    def _ensure(self, key: Key, span: n.Span) -> None:
        """Compute `key` and what it needs. Inside a cell, what it reads is computed already (the plan's
        order): this is reached from outside (outputs asked one by one, the schedule, the narrative)."""
        if key in self.active:
            loop = " -> ".join(self.label(*k) for k in self.active[self.active.index(key):] + [key])
            self.fail(span, f"{self.label(*key)} depends on itself: {loop}")
        if key[0] not in self.plan.cells.computed:
            self._compute(key)
            return
        try:
            order = self.plan.cells.order([key], self.memo)
        except LoopError as loop:
            path = " -> ".join(self.label(*k) for k in loop.path)
            self.fail(loop.span, f"{self.label(*loop.path[0])} depends on itself: {path}")
        for cell in order:
            self._compute(cell)

    def _compute(self, key: Key) -> None:
        if self.deps is not None:
            self.deps[key] = []
        self.active.append(key)
        self.heard.append([])
        result: Value | Failed
        try:
            result = self.compute(*key)
        except CalendarGap as gap:  # not known yet, and not guessed: pending, with the reason kept
            result = None
            self.notes[key] = gap.reason
        except EvaluationError as error:  # raised where the cell is read, if it is
            result = Failed(error)
        finally:
            self.active.pop()
            heard = self.heard.pop()
        if result is None and heard and key not in self.notes:
            self.notes[key] = heard[0]  # pending because something it needs cannot be known yet
        self.memo[key] = result

    def listening(self) -> list[str]:
        """Start collecting the reasons of unknowable values read from here on (see `heard`)."""
        self.heard.append([])
        return self.heard[-1]

    def stop_listening(self) -> None:
        self.heard.pop()

    def compute(self, name: str, idx: tuple[int, ...]) -> Value:
        plan = self.plan
        if name in self.constants:
            const = self.constants[name]
            return const[idx[0]] if idx else const  # type: ignore[no-any-return]
        if name in self.inputs:
            given = self.inputs[name]
            return given[idx[0]] if idx else given  # type: ignore[no-any-return]
        if name in plan.allocations:
            alloc = plan.allocations[name]
            shares = self.allocate(alloc, idx[:-1])  # a share's sources: allocation_deps (not copied per share)
            return shares.get(idx[-1], Fraction(0))
        definition = plan.definitions[name]
        body = definition.bodies.get(self.interpretation) or definition.bodies[None]
        sym = self.program.symbols[name]
        env = dict(zip((p.var for p in getattr(sym.decl, "params", ())), idx, strict=True))
        return body(self, env)  # type: ignore[no-any-return]

    def on(self, series: str, day: date) -> Value:
        """A value given by date, as it stood on `day`: the latest given on or before it."""
        given: list[tuple[date, Value]] | None = self.inputs.get(series)
        if not given:
            return None
        i = bisect.bisect_right(given, day, key=lambda entry: entry[0])
        return given[i - 1][1] if i else None

    def ledger(self, name: str) -> list[Any] | None:
        """The entries of a ledger known in this run (ledger.Entry, oldest first); None if it is not given."""
        found: list[Any] | None = self.inputs.get(name)
        return found

    def series_dates(self, series: str) -> list[date]:
        return [d for d, _ in self.inputs.get(series) or [] if d != date.min]

    def allocate(self, alloc: AllocationPlan, header: tuple[int, ...]) -> dict[int, Value]:
        key = (alloc.name, header)
        if key in self.allocated:
            return self.allocated[key]
        env = dict(zip(alloc.header_vars, header, strict=True))
        current = self.deps[self.active[-1]] if self.deps is not None and self.active else []
        mark = len(current)
        pool = alloc.pool(self, env)
        shares: dict[int, Value] = {}
        if pool is not None and pool < 0:
            self.fail(alloc.pool_span, f"the pool of {alloc.name} is negative ({pool})")
        remaining = pool
        claimants = alloc.claimants(self, env)
        reads: dict[int | None, list[Key]] = {None: current[mark:]}  # None: the pool's, then each claim's
        for claimant in claimants:
            start = len(current)
            claim = alloc.claim(self, {**env, alloc.claimant_var: claimant})
            if self.deps is not None:
                reads[claimant] = current[start:]
            if remaining is None or claim is None:
                remaining = None
                shares[claimant] = None
                continue
            if claim < 0:
                self.fail(alloc.claim_span, f"a claim on {alloc.name} is negative ({claim})")
            given = min(claim, remaining)
            shares[claimant] = given
            remaining -= given
        self.allocated[key] = shares
        self.allocation_deps[key] = reads
        del current[mark:]  # not the asking cell's own reads: trace.py finds each share's in `reads`
        return shares
