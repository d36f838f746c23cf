"""Why a value is pending: its root causes, found after evaluation, for pending values only.

A value is pending because something it needs is: an input not given (or set
aside, with a note, as not yet known on the as-of date), `as_of` with no as-of
date, a value given by date with no entry yet on the day asked, a calendar with
no data for a year, or a rule that says `pending`. `find` works these out once an
evaluation is over, whichever path computed it (the compiled fast path keeps no
bookkeeping): it computes the pending values again in a `_Tracer`, a run that
keeps what each reads, every known value taken from the evaluation, then walks
from each pending value down through the pending values it read to the causes.
A read that only asks `is known` / `is pending` is not a cause. Evaluations whose
values are all known pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from . import nodes as n
from .evaluate import Key, Run
from .plan import Value
from .program import Program
from .records import record

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

MOST = 5  # reasons listed per value; past that, "and N more"
_NO_DATE = "no --as-of date"


@record
class Reason:
    """One root cause of a pending value, and what would make the value known (None: nothing to give)."""

    text: str  # "sales[Y3] is not given"
    fix: str | None = None  # "give sales for Y3 in the inputs"


@record
class Found:
    """The reasons of one pending value, and the values on the way from it to them (by label)."""

    reasons: tuple[Reason, ...]
    path: frozenset[str]


def pending_outputs(outputs: Iterable[tuple[str, tuple[str, ...] | None]], values: Mapping[str, object]) -> list[Key]:
    """The cells of the outputs that are pending: `outputs` are (name, periods or None), `values` the results."""
    keys: list[Key] = []
    for name, periods in outputs:
        value = values[name]
        if periods is None:
            if value is None:
                keys.append((name, ()))
        elif isinstance(value, dict):
            keys += [(name, (i,)) for i, m in enumerate(periods) if value[m] is None]
    return keys


def notes(run: Run, keys: list[Key]) -> dict[str, tuple[str, ...]]:
    """Each pending key's reasons as text, by label (at most MOST, then "and N more")."""
    if not keys:
        return {}
    found = find(run, keys)
    return {run.label(*key): capped(f.reasons) for key, f in found.items()}


def capped(reasons: tuple[Reason, ...]) -> tuple[str, ...]:
    texts = tuple(r.text for r in reasons)
    return texts if len(texts) <= MOST else (*texts[:MOST], f"and {len(texts) - MOST} more")


def find(run: Run, keys: list[Key]) -> dict[Key, Found]:
    """The reasons of each of `keys`, values `run` has evaluated and found pending."""
    tracer = _Tracer(run)
    out: dict[Key, Found] = {}
    for key in keys:
        tracer.value(key[0], key[1], tracer.program.symbols[key[0]].decl.span)
        out[key] = tracer.walk(key)
    return out


@record
class _Shape:
    """What a declaration's formulas say about pending: the places read only to ask `is known`, whether
    `as_of` is used for its value, and whether the formula says `pending` itself."""

    asked: frozenset[n.Span]
    as_of: bool
    literal: bool


def _shape(program: Program, decl: n.Declaration) -> _Shape:
    """Kept per program and declaration name: not in a process-wide cache, where a declaration equal to
    this one in another file (node equality leaves out places) would hand over its places."""
    shapes: dict[str, _Shape] = program.derived.setdefault("reasons.shapes", {})
    found = shapes.get(decl.name)
    if found is None:
        found = shapes[decl.name] = _find_shape(decl)
    return found


def _find_shape(decl: n.Declaration) -> _Shape:
    asked: set[n.Span] = set()
    as_of = literal = False
    for top in n.expressions(decl):
        stack: list[tuple[n.Expr, bool]] = [(top, False)]
        while stack:
            e, known = stack.pop()
            if known and isinstance(e, n.Name | n.Index | n.SeriesAt):
                asked.add(e.span)
            as_of |= isinstance(e, n.AsOf) and not known
            literal |= isinstance(e, n.Pending)
            inner = known or isinstance(e, n.IsKnown)
            stack += [(c, inner) for c in n.children(e)]
    return _Shape(frozenset(asked), as_of, literal)


class _Tracer(Run):
    """The pending values of an evaluation computed again, keeping what each read: values (with the place
    that read them), `as_of` and days a value given by date had no entry for."""

    def __init__(self, run: Run) -> None:
        self.date = run.as_of
        super().__init__(run.plan, {}, run.interpretation, as_of=run.as_of, fast=False)
        self.inputs = run.inputs  # as the evaluation had them: anything not known on the as-of date set aside
        inputs = {name for name, sym in run.program.symbols.items() if sym.kind == "input"}
        self.given = {k: note for k, note in run.notes.items() if k[0] in inputs}  # set aside, with why
        self.notes = dict(self.given)
        self.memo = {k: v for k, v in run.memo.items() if v is not None}
        self.reads: dict[Key, list[tuple[Key, n.Span]]] = {}
        self.dated: dict[Key, bool] = {}  # read `as_of` while it is pending
        self.missing: dict[Key, list[tuple[str, date]]] = {}  # a series with no entry on or before a day
        self.gaps: dict[Key, str] = {}  # a calendar with no data
        self.ledgers: dict[Key, list[str]] = {}  # a ledger not given
        self.steps: dict[Key, tuple[list[Reason], list[Key]]] = {}  # each value's _step, once it is computed
        self.labels: dict[Key, str] = {}

    @property
    def as_of(self) -> date | None:
        if self.date is None and self.active:
            self.dated[self._owner()] = True
        return self.date

    @as_of.setter
    def as_of(self, value: date | None) -> None:
        self.date = value

    def _owner(self) -> Key:
        """The value being computed; for a share of an allocation, its pool (all shares are worked out at once)."""
        key = self.active[-1]
        return (key[0], key[1][:-1]) if key[0] in self.plan.allocations else key

    def value(self, name: str, idx: tuple[int, ...], span: n.Span) -> Value:
        if self.active:
            self.reads.setdefault(self._owner(), []).append(((name, idx), span))
        return super().value(name, idx, span)

    def on(self, series: str, day: date) -> Value:
        found = super().on(series, day)
        if found is None and self.active:
            self.missing.setdefault(self._owner(), []).append((series, day))
        return found

    def ledger(self, name: str) -> list[Any] | None:
        found = super().ledger(name)
        if found is None and self.active:
            self.ledgers.setdefault(self._owner(), []).append(name)
        return found

    def compute(self, name: str, idx: tuple[int, ...]) -> Value:
        from .calendars import CalendarGap

        try:
            return super().compute(name, idx)
        except CalendarGap as gap:
            self.gaps[(name, idx)] = gap.reason
            raise

    def pending(self, key: Key) -> bool:
        return key in self.memo and self.memo[key] is None

    def walk(self, root: Key) -> Found:
        """From `root` down through the pending values read, to the root causes (each once, in the order read).

        A value read only to ask `is known` is not followed, unless nothing else explains why the value is
        pending (`if X is known then ... else pending`: X is the cause)."""
        reasons: dict[str, Reason] = {}
        parent: dict[Key, Key | None] = {root: None}
        causes: list[Key] = []
        dated: list[str] = []  # the values that depend on the date: one reason, naming them all
        todo = [root]
        while todo:
            key = todo.pop()
            own, later = self._step(key)
            if own:
                causes.append(key)
                for r in own:
                    if r.text == _NO_DATE:
                        dated.append(self.label(*key))
                    reasons.setdefault(r.text, r)
            later = [k for k in dict.fromkeys(later) if k not in parent]
            for k in later:
                parent[k] = key
            todo += reversed(later)
        path: set[str] = set()
        for key in causes:
            at: Key | None = key
            while at is not None and self.label(*at) not in path:
                path.add(self.label(*at))
                at = parent[at]
        if dated:
            which = f"{', '.join(dated)} depend{'s' * (len(dated) == 1)} on the date"
            reasons = {k: Reason(f"no --as-of date: {which}", r.fix) if k == _NO_DATE else r
                       for k, r in reasons.items()}
        return Found(tuple(reasons.values()), frozenset(path))

    def label(self, name: str, idx: tuple[int, ...]) -> str:
        found = self.labels.get((name, idx))
        if found is None:
            found = self.labels[(name, idx)] = super().label(name, idx)
        return found

    def _step(self, key: Key) -> tuple[list[Reason], list[Key]]:
        """The causes found at `key` itself, and the pending values it read to follow (read-only lists, kept:
        the walks from several pending outputs meet on the same values, and a value computed reads no more)."""
        found = self.steps.get(key)
        if found is None:
            found = self.steps[key] = self._find_step(key)
        return found

    def _find_step(self, key: Key) -> tuple[list[Reason], list[Key]]:
        label = self.label(*key)
        if key in self.given:
            return [Reason(self.given[key])], []
        if key in self.gaps:
            return [Reason(self.gaps[key])], []
        name = key[0]
        sym = self.program.symbols[name]
        if sym.kind in ("parameter", "table"):  # a value the agreement does not state, or one worked out from it
            note = self.plan.fixed_notes(self.interpretation).get(key) if self.pending(key) else None
            return ([Reason(note)] if note else []), []
        if sym.kind == "input":
            if not self.pending(key):
                return [], []
            return [Reason(f"{label} is not given", f"give {name}{_for(self.program, key)} in the inputs")], []
        own: list[Reason] = []
        shape = _shape(self.program, sym.decl)
        owner = (name, key[1][:-1]) if name in self.plan.allocations else key
        if shape.as_of and self.dated.get(owner):
            own.append(Reason(_NO_DATE, "run with --as-of DATE"))
        for series, day in dict.fromkeys(self.missing.get(owner, ())):
            own.append(Reason(f"{series} has no value on or before {day.isoformat()}",
                              f"give {series} from {day.isoformat()} or earlier in the inputs"))
        for ledger in dict.fromkeys(self.ledgers.get(owner, ())):
            own.append(Reason(f"{ledger} is not given", f"give {ledger}, the movements as they happened, in the "
                                                        "inputs"))
        reads = [(k, span) for k, span in self.reads.get(owner, ()) if self.pending(k)]
        later = [k for k, span in reads if span not in shape.asked]
        if not later and not own:
            later = [k for k, _ in reads]
            if not later and shape.literal:
                own.append(Reason(f"the rule for {name} leaves {label} pending"))
        return own, later


def _for(program: Program, key: Key) -> str:
    name, idx = key
    sym = program.symbols[name]
    if not idx:
        return ""
    return " for " + ", ".join(program.period_sets[ps].names[i] for ps, i in zip(sym.params, idx, strict=True))
