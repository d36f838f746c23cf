"""Plan + validated inputs -> values: one `Run` per evaluation.

Each value of a rule at its periods is computed once, on demand, and kept.
A value asked for while it is being computed is a loop: it is reported, never
followed, so evaluation always ends. Allocations are computed a pool at a time.
"""

from __future__ import annotations

import bisect
from datetime import date
from fractions import Fraction
from typing import Any, NoReturn

from . import nodes as n
from .calendars import CalendarGap
from .errors import Diagnostic, EvaluationError
from .plan import AllocationPlan, Plan, Value

Key = tuple[str, tuple[int, ...]]  # a symbol and the positions of its periods


class Run:
    """One evaluation. With `trace`, it also keeps what each value was computed from."""

    def __init__(self, plan: Plan, inputs: dict[str, Any], interpretation: str | None, trace: bool = False,
                 as_of: date | None = None) -> None:
        self.plan = plan
        self.as_of = as_of  # the date `as_of` stands for in the rules; None: pending
        self.notes: dict[Key, str] = {}  # why a value is unknown, where it is not merely pending
        self.heard: list[list[str]] = []  # per value being computed: the reasons of unknowable values it read
        self.program = plan.program
        self.inputs = inputs
        self.interpretation = interpretation
        self.memo: dict[Key, Value] = {}
        self.allocated: dict[Key, dict[int, Value]] = {}
        self.active: list[Key] = []
        self.deps: dict[Key, list[Key]] | None = {} if trace else None
        self.allocation_deps: dict[Key, list[Key]] = {}

    def label(self, name: str, idx: tuple[int, ...]) -> str:
        sym = self.program.symbols[name]
        if not idx:
            return name
        periods = [self.program.period_sets[ps].members[i].name for ps, i in zip(sym.params, idx, strict=True)]
        return f"{name}[{', '.join(periods)}]"

    def fail(self, span: n.Span, message: str, hint: str | None = None) -> NoReturn:
        where = f"in {self.label(*self.active[-1])}: " if self.active else ""
        raise EvaluationError(Diagnostic.at(span, where + message, hint))

    def value(self, name: str, idx: tuple[int, ...], span: n.Span) -> Value:
        key = (name, idx)
        if self.deps is not None and self.active:
            self.deps[self.active[-1]].append(key)
        if key not in self.memo:
            self.memo[key] = self._computed(key, span)
        if key in self.notes and self.heard:
            self.heard[-1].append(self.notes[key])
        return self.memo[key]

    def _computed(self, key: Key, span: n.Span) -> Value:
        if key in self.active:
            loop = " -> ".join(self.label(*k) for k in self.active[self.active.index(key):] + [key])
            self.fail(span, f"{self.label(*key)} depends on itself: {loop}")
        if self.deps is not None:
            self.deps[key] = []
        self.active.append(key)
        self.heard.append([])
        try:
            result = self.compute(*key)
        except CalendarGap as gap:  # not known yet, and not guessed: pending, with the reason kept
            result = None
            self.notes[key] = gap.reason
        finally:
            self.active.pop()
            heard = self.heard.pop()
        if result is None and heard and key not in self.notes:
            self.notes[key] = heard[0]  # pending because something it needs cannot be known yet
        return result

    def listening(self) -> list[str]:
        """Start collecting the reasons of unknowable values read from here on (see `heard`)."""
        self.heard.append([])
        return self.heard[-1]

    def stop_listening(self) -> None:
        self.heard.pop()

    def compute(self, name: str, idx: tuple[int, ...]) -> Value:
        plan = self.plan
        if name in plan.constants:
            const = plan.constants[name]
            return const[idx[0]] if idx else const  # type: ignore[no-any-return]
        if name in self.inputs:
            given = self.inputs[name]
            return given[idx[0]] if idx else given  # type: ignore[no-any-return]
        if name in plan.allocations:
            alloc = plan.allocations[name]
            shares = self.allocate(alloc, idx[:-1])
            if self.deps is not None:  # every share of a pool comes from the whole pool and all claims
                self.deps[(name, idx)].extend(self.allocation_deps[(name, idx[:-1])])
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
        for claimant in alloc.claimants(self, env):
            claim = alloc.claim(self, {**env, alloc.claimant_var: claimant})
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
        self.allocation_deps[key] = current[mark:]
        del current[mark:]  # the cell asking adds them back, as every other cell of this pool will
        return shares
