"""The columnar engine: a version evaluated over many scenarios at once, exactly.

The static plan (cells.py) gives the cells and their order, the same for every
scenario; here each cell is computed once for all scenarios as an exact column
(columns.py): int64 numerators over one denominator where values fit, masks for
pending values, and a mask of the rows that cannot be computed here. Those rows
(a number past 64 bits, a formula failing for that row, a construct that is not
vectorised: loops over days, values by date, business days, anniversaries) are
evaluated by the scalar engine, one by one, which computes them exactly or
reports their error with the row number. Every row therefore gets exactly the
figures `Contract.evaluate` gives it; tests/test_engines.py holds them equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from . import builtins, windows
from . import columns as c
from . import nodes as n
from .batch_inputs import BatchInputs, read
from .builtins import Site
from .cells import Cells, Key
from .columns import AllBad, Col, Unvectorised
from .errors import ContractError, Diagnostic
from .evaluate import Run
from .knowledge import not_over
from .program import Program
from .result import exact_decimal
from .units import Type
from .windows import period_span

if TYPE_CHECKING:
    from .contract import Contract, Version

ColFn = Callable[["_Batch"], Col]
_bit_length = np.frompyfunc(int.bit_length, 1, 1)


@dataclass
class OutputColumn:
    """One output at one period over every scenario: exact values, pending as a mask."""

    kind: str  # "num" | "bool" | "date"
    n: Any
    d: Any
    pending: np.ndarray
    patches: dict[int, Any] = field(default_factory=dict)  # row -> value, from the scalar engine

    def values(self) -> list[Any]:
        """Every row's value: int or Decimal for amounts, bool, date, None for pending (or a failed row)."""
        rows = len(self.pending)
        out: list[Any] = [None] * rows
        n_ = self.n if isinstance(self.n, np.ndarray) else np.full(rows, self.n)
        if self.kind == "num" and not isinstance(self.d, np.ndarray) and self.d == 1:
            vals = n_.tolist()
            out = [None if p else v for v, p in zip(vals, self.pending.tolist(), strict=True)]
        else:
            for i in range(rows):
                if self.pending[i]:
                    continue
                if self.kind == "bool":
                    out[i] = bool(n_[i])
                elif self.kind == "date":
                    out[i] = date.fromordinal(int(n_[i]))
                else:
                    d = int(self.d[i]) if isinstance(self.d, np.ndarray) else self.d
                    out[i] = exact_decimal(Fraction(int(n_[i]), d))
        for i, v in self.patches.items():
            out[i] = v
        return out


@dataclass
class BatchResult:
    """Every output of a batch: `columns[name]` (one value each) or `columns[f"{name}.{period}"]`."""

    contract: str
    interpretation: str | None
    as_of: date | None
    rows: int
    columns: dict[str, OutputColumn]
    errors: dict[int, ContractError]  # row -> why it could not be evaluated (its inputs, or its formulas)
    fallback_rows: int = 0  # rows the scalar engine computed

    def values(self, key: str) -> list[Any]:
        return self.columns[key].values()

    @property
    def failed(self) -> list[int]:
        return sorted(self.errors)


CHUNK = 65_536  # rows evaluated together: large enough for NumPy to pay, small enough to stay in memory


def evaluate_batch(contract: Contract, version: Version, columns: Mapping[str, Any], reading: str | None,
                   as_of: date | None, rows: int | None = None,
                   progress: Callable[[int], None] | None = None) -> BatchResult:
    """The batch, CHUNK rows at a time (memory stays proportional to the chunk and the outputs);
    `progress(rows)` is called after each chunk."""
    given = read(version.program, columns, rows)
    parts: list[BatchResult] = []
    for start in range(0, given.rows, CHUNK) if given.rows else [0]:
        chunk = given.slice(start, min(start + CHUNK, given.rows)) if given.rows > CHUNK else given
        batch = _Batch(version, reading, chunk, as_of)
        parts.append(batch.finish(contract, batch.run()))
        if progress is not None:
            progress(chunk.rows)
    return parts[0] if len(parts) == 1 else _joined(parts)


def _joined(parts: list[BatchResult]) -> BatchResult:
    """Results of consecutive chunks as one."""
    first = parts[0]
    columns: dict[str, OutputColumn] = {}
    for key, col in first.columns.items():
        pieces = [p.columns[key] for p in parts]
        sizes = [len(piece.pending) for piece in pieces]
        ns = [piece.n if isinstance(piece.n, np.ndarray) else np.full(size, piece.n, dtype=object
                                                                        if abs(int(piece.n)) >= 2**62 else None)
              for piece, size in zip(pieces, sizes, strict=True)]
        if all(not isinstance(piece.d, np.ndarray) for piece in pieces) and len({piece.d for piece in pieces}) == 1:
            d: Any = pieces[0].d
        else:
            d = np.concatenate([piece.d if isinstance(piece.d, np.ndarray) else np.full(size, piece.d)
                                for piece, size in zip(pieces, sizes, strict=True)])
        patches: dict[int, Any] = {}
        offset = 0
        for piece, size in zip(pieces, sizes, strict=True):
            patches.update({offset + i: v for i, v in piece.patches.items()})
            offset += size
        columns[key] = OutputColumn(col.kind, np.concatenate(ns), d, np.concatenate([p.pending for p in pieces]),
                                    patches)
    errors: dict[int, ContractError] = {}
    offset = 0
    for p in parts:
        errors.update({offset + i: e for i, e in p.errors.items()})
        offset += p.rows
    return BatchResult(first.contract, first.interpretation, first.as_of, offset, columns, errors,
                       sum(p.fallback_rows for p in parts))


class _Batch:
    def __init__(self, version: Version, reading: str | None, given: BatchInputs, as_of: date | None) -> None:
        self.version = version
        self.program: Program = version.program
        self.plan = version.plan
        self.reading = reading
        self.given = given
        self.rows = given.rows
        self.as_of = as_of
        self.cells: dict[Key, Col] = {}
        self.vars: dict[str, Col] = {}  # the day a loop over days or dates is at
        writer = _writer(version, reading)
        self.fns = writer.fns
        self.order = writer.order
        self.targets = writer.targets
        self.checks = writer.checks

    def run(self) -> dict[Key, Col]:
        for key in self.order:
            try:
                self.cells[key] = self.sized(self.fns[key](self))
            except AllBad:
                self.cells[key] = self.all_bad(self.program.symbols[key[0]].type.kind)
        return {key: self.cells[key] for key in self.targets}

    def sized(self, col: Col) -> Col:
        """A cell's value, with the rows past the digit limit (limits.py) bad: the scalar engine reports them
        at their formula. Only values in Python ints (past 64 bits) can be that large."""
        if col.kind != "num":
            return col
        limit = self.plan.limits.max_bits
        too_big: np.ndarray | None = None
        for part in (col.n, col.d):
            if isinstance(part, np.ndarray) and part.dtype == object:
                sizes = np.asarray(_bit_length(np.abs(part)), dtype=np.int64)
                over = sizes > limit
                too_big = over if too_big is None else too_big | over
            elif not isinstance(part, np.ndarray) and abs(part).bit_length() > limit:
                raise AllBad
        if too_big is None or not too_big.any():
            return col
        return replace(col, bad=c.either(col.bad, too_big))

    def all_bad(self, kind: str) -> Col:
        kind = {"quantity": "num", "bool": "bool", "date": "date"}.get(kind, kind)
        return Col(kind, 0 if kind != "bool" else False, 1, None, np.ones(self.rows, dtype=bool))

    def input(self, name: str, period: str | None) -> Col:
        found = self.given.values.get((name, period))
        decl = self.program.symbols[name].decl
        if found is None or (self.as_of is not None and _unknown_yet(self.program, decl, period, self.as_of)):
            kind = self.program.symbols[name].type.kind
            kind = {"quantity": "num"}.get(kind, kind)
            return Col(kind, 0 if kind != "bool" else False, 1, np.ones(self.rows, dtype=bool))
        col = found.col
        if self.as_of is not None and isinstance(decl, n.InputDecl) and decl.known == "when it happens":
            later = c.spread(col.n, self.rows) > self.as_of.toordinal()  # not happened by then: set aside
            if later.any():
                col = replace(col, pending=c.either(col.pending, later))
        return col

    def finish(self, contract: Contract, outputs: dict[Key, Col]) -> BatchResult:
        rows = self.rows
        outputs = {key: c.lowest_terms(col) if col.kind == "num" else col for key, col in outputs.items()}
        redo = np.zeros(rows, dtype=bool)
        for col in outputs.values():
            if col.bad is not None:
                redo |= col.bad
            if col.kind == "num":
                redo |= _not_decimal(col)
        for key in self.checks:  # an invariant false (or not computed here) in a row: the scalar engine says why
            check = self.cells[key]
            if check.bad is not None:
                redo |= check.bad
            failed = ~(check.n if isinstance(check.n, np.ndarray) else np.full(rows, bool(check.n)))
            if check.pending is not None:
                failed &= ~check.pending
            redo |= failed
        for i in self.given.errors:
            redo[i] = False
        result_cols: dict[str, OutputColumn] = {}
        for key, col in outputs.items():
            pending = np.zeros(rows, dtype=bool) if col.pending is None else col.pending.copy()
            pending |= redo
            for i in self.given.errors:
                pending[i] = True
            result_cols[_column_name(self.program, key)] = OutputColumn(col.kind, col.n, col.d, pending)
        errors: dict[int, ContractError] = {i: _input_error(d) for i, d in self.given.errors.items()}
        redone = np.flatnonzero(redo)
        for i in redone.tolist():
            self._scalar_row(i, outputs, result_cols, errors)
        return BatchResult(contract.name, self.reading, self.as_of, rows, result_cols, errors, len(redone))

    def _scalar_row(self, i: int, outputs: dict[Key, Col], result_cols: dict[str, OutputColumn],
                    errors: dict[int, ContractError]) -> None:
        """Row `i` by the scalar engine: its figures, or its error."""
        run = Run(self.plan, self.given.row(self.program, i), self.reading, as_of=self.as_of)
        try:
            run.prepare([*outputs, *self.checks])
            found = {}
            for key in outputs:
                value = run.value(key[0], key[1], self.program.symbols[key[0]].decl.span)
                found[key] = _plain(self.program, key, value)
            if self.checks:
                from . import invariants
                from .formatting import Formatter

                shape = self.version.shape(self.reading)
                invariants.check(run, self.checks, Formatter(shape.units, shape.labels, shape.currencies))
        except ContractError as error:
            errors[i] = error
            return
        for key, value in found.items():
            result_cols[_column_name(self.program, key)].patches[i] = value


def _unknown_yet(program: Program, decl: n.Declaration, period: str | None, as_of: date) -> bool:
    """Whether an input's values for a period are set aside as of a date (knowledge.py; a batch's values carry
    no report dates)."""
    if not isinstance(decl, n.InputDecl) or not decl.period_set or period is None:
        return False
    ps = program.period_sets[decl.period_set]
    return not_over(decl.known, ps.members[ps.position(period)], as_of)


def _input_error(d: Diagnostic) -> ContractError:
    from .errors import InputError

    return InputError(d)


def _plain(program: Program, key: Key, value: Any) -> Any:
    if value is None or isinstance(value, (bool, date)):
        return value
    exact = exact_decimal(value)
    if exact is None:
        from .errors import EvaluationError

        name, idx = key
        raise EvaluationError(Diagnostic.at(program.symbols[name].decl.name_span,
                                            f"{name} is {value}, which has no exact decimal form",
                                            "round it in the rules, e.g. round ... down to 1 share"))
    return exact


def _not_decimal(col: Col) -> Any:
    """Rows whose amount has no finite decimal form (the scalar engine reports them): a mask, or one bool."""
    d = col.d
    if not isinstance(d, np.ndarray):
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        return d != 1
    d = d.copy()
    for p in (2, 5):
        for _ in range(64):
            even = d % p == 0
            if not even.any():
                break
            d = np.where(even, d // p, d)
    return d != 1


def _column_name(program: Program, key: Key) -> str:
    name, idx = key
    if not idx:
        return name
    sym = program.symbols[name]
    return f"{name}.{program.period_sets[sym.params[0]].members[idx[0]].name}"


# ---- the writer: formulas -> functions of a batch giving columns ----------------------------------------


@dataclass
class _Written:
    fns: dict[Key, ColFn]
    order: tuple[Key, ...]
    targets: tuple[Key, ...]
    checks: tuple[Key, ...] = ()  # the invariants' cells: a row where one is false is redone, and fails


def _writer(version: Version, reading: str | None) -> _Written:
    cache: dict[str | None, _Written] = version.batch_writers
    found = cache.get(reading)
    if found is None:
        program = version.program
        shape = version.shape(reading)
        targets = shape.cells
        order = version.plan.cells.order_for(shape.targets)
        w = _Columnar(version, reading)
        fns: dict[Key, ColFn] = {}
        for key in order:
            fns.update(w.cell(key))
        for key in targets:
            if key not in fns:  # an output that is a parameter or an input
                fns[key] = w.read(*key)
        order = order + tuple(key for key in targets if key not in order)
        found = cache[reading] = _Written(fns, order, targets, shape.checks)
        del program
    return found


class _Columnar:
    def __init__(self, version: Version, reading: str | None) -> None:
        self.program = version.program
        self.plan = version.plan
        self.cells: Cells = version.plan.cells
        self.reading = reading
        self.date_vars: set[str] = set()  # variables of loops over days or dates: read from the batch

    def cell(self, key: Key) -> dict[Key, ColFn]:
        name, idx = key
        decl = self.program.symbols[name].decl
        if isinstance(decl, n.AllocationDecl):
            return {key: self.allocation(decl, key)}
        assert isinstance(decl, n.RuleDecl) and decl.body is not None
        formula = next((alt.body for alt in decl.alternatives if alt.interpretation == self.reading), decl.body)
        env = dict(zip((p.var for p in decl.params), idx, strict=True))
        try:
            fn = self.expr(formula, env)
        except Unvectorised:
            kind = self.program.symbols[name].type.kind
            return {key: lambda b: b.all_bad(kind)}
        return {key: fn}

    # ---- reads

    def position(self, e: n.Expr, env: dict[str, int]) -> int:
        found = self.cells._known_positions(e, env)  # type: ignore[arg-type]
        if found is None or len(found) != 1:
            raise Unvectorised
        return next(iter(found))

    def read(self, name: str, idx: tuple[int, ...]) -> ColFn:
        sym = self.program.symbols[name]
        if sym.kind in ("parameter", "table"):
            value = self.plan.constants_for(self.reading)[name]
            return _const(value[idx[0]] if idx else value)
        if sym.kind == "input":
            decl = sym.decl
            assert isinstance(decl, n.InputDecl)
            if decl.by_date:
                raise Unvectorised
            period = self.program.period_sets[sym.params[0]].members[idx[0]].name if idx else None
            return lambda b: b.input(name, period)
        key = (name, idx)
        return lambda b: b.cells[key]

    # ---- expressions

    def expr(self, e: n.Expr, env: dict[str, int]) -> ColFn:  # noqa: C901 - one branch per node kind
        assert isinstance(e, n.ExprNode)
        t = self.program.type_of(e)
        if t.kind == "period" and not isinstance(e, n.Call):  # a period: its position, known before evaluation
            return _const(self.position(e, env))
        match e:
            case n.Number() | n.DateLit() | n.BoolLit():
                return _const(e.value)
            case n.Pending():  # `pending`: False reads as 0 as well, so it fits amounts, dates and conditions
                return lambda b: Col("pending", False, 1, np.ones(b.rows, dtype=bool))
            case n.AsOf():
                return lambda b: Col("date", b.as_of.toordinal(), 1, None, None, b.as_of.toordinal()) \
                    if b.as_of else Col("date", 0, 1, np.ones(b.rows, dtype=bool))
            case n.Name():
                if e.name in self.date_vars:
                    var = e.name
                    return lambda b: b.vars[var]
                return self.read(e.name, ())
            case n.Index():
                return self.read(e.name, tuple(self.position(i, env) for i in e.indexes))
            case n.Call():
                return self.call(e, env)
            case n.Aggregate():
                return self.aggregate(e, env)
            case n.Binary():
                return self.binary(e, env)
            case n.Not() | n.Negate():
                inner = self.expr(e.operand, env)
                entry = builtins.TABLE[("unary", "not" if isinstance(e, n.Not) else "-")]
                unary = entry.column(Site(e, (self.program.type_of(e.operand),), self.program))
                return lambda b: unary(b.rows, inner(b))
            case n.IsKnown():
                inner, known = self.expr(e.operand, env), e.known
                return lambda b: c.is_known(inner(b), known)
            case n.If():
                cond, then, otherwise = self.expr(e.condition, env), self.branch(e.then, env), \
                    self.branch(e.otherwise, env)

                def if_(b: _Batch) -> Col:
                    test = cond(b)
                    return c.pick(test, _if_taken(b, test, True, then), _if_taken(b, test, False, otherwise))
                return if_
            case n.Round():
                inner, step, mode = self.expr(e.operand, env), e.step.value, e.mode
                return lambda b: c.floor_to(inner(b), step.numerator, step.denominator, mode)
            case n.SeriesAt():
                at, series = self.expr(e.at, env), e.name
                return lambda b: _on(b, series, at(b))
            case _:
                raise Unvectorised

    def branch(self, e: n.Expr, env: dict[str, int]) -> ColFn:
        """A branch of an `if`: what it cannot compute is bad only in the rows that take it."""
        kind = self.program.type_of(e).kind
        try:
            fn = self.expr(e, env)
        except Unvectorised:
            return lambda b: b.all_bad(kind)

        def guarded(b: _Batch) -> Col:
            try:
                return fn(b)
            except AllBad:
                return b.all_bad(kind)
        return guarded

    def call(self, e: n.Call, env: dict[str, int]) -> ColFn:
        entry = builtins.TABLE[("function", e.function)]
        args: list[ColFn] = []
        types: tuple[Type, ...] = ()
        if not entry.raw_args:  # first(year): the argument is a name, not a value
            args, types = [self.expr(a, env) for a in e.args], tuple(self.program.type_of(a) for a in e.args)
        impl = entry.column(Site(e, types, self.program))
        if len(args) == 1:
            only = args[0]
            return lambda b: impl(b.rows, only(b))
        return lambda b: impl(b.rows, *[a(b) for a in args])

    def binary(self, e: n.Binary, env: dict[str, int]) -> ColFn:
        entry = builtins.TABLE[("binary", e.op)]
        left = self.expr(e.left, env)
        # the right of `and`/`or` counts only where the left does not decide: its failures are its rows' own
        right = self.branch(e.right, env) if entry.short_circuit else self.expr(e.right, env)
        impl = entry.column(Site(e, (self.program.type_of(e.left), self.program.type_of(e.right)), self.program))
        return lambda b: impl(b.rows, left(b), right(b))

    def aggregate(self, e: n.Aggregate, env: dict[str, int]) -> ColFn:
        q = e.over
        if q.kind == "entries":  # a ledger is never a scenario column (batch_inputs.py): never given, pending
            kind = {"quantity": "num", "bool": "bool", "date": "date"}.get(self.program.type_of(e).kind, "num")
            return lambda b: Col(kind, 0 if kind != "bool" else False, 1, np.ones(b.rows, dtype=bool))
        if q.kind != "periods":
            return self.over_dates(e, env)
        count = len(self.program.period_sets[q.period_set].members)
        if q.bound is None:
            span = list(range(count))
        else:
            bnd = self.position(q.bound, env)
            span = list(period_span(q.relation, bnd, count, self.window(q)))
        items = [(self.expr(q.where, {**env, q.var: k}) if q.where is not None else None,
                  self.branch(e.body, {**env, q.var: k})) for k in span]
        fold = self.when_empty(e, env, self.fold(e))
        return lambda b: fold(b, [(w(b) if w else None, body) for w, body in items])

    def fold(self, e: n.Aggregate) -> Callable[[_Batch, list[tuple[Col | None, ColFn]]], Col]:
        """The fold of the construct table, over items (its `where` column, or None, and its body)."""
        entry = builtins.TABLE[("fold", e.function)]
        impl = entry.column(Site(e, (self.program.type_of(e.body),), self.program))
        if entry.kleene:  # all/any see every item, pending ones and those whose `where` is pending too
            return lambda b, items: impl(b.rows, [(where, body(b)) for where, body in items])
        return lambda b, items: _fold(b, impl, items)

    def when_empty(self, e: n.Aggregate, env: dict[str, int], fold: Callable[[_Batch, list[tuple[Col | None, ColFn]]],
                   Col]) -> Callable[[_Batch, list[tuple[Col | None, ColFn]]], Col]:
        """A fold with `otherwise X`: X in the rows that keep no item, known to be none (where a `where` is
        pending and none is kept, pending), as plan.py's closure."""
        if e.otherwise is None:
            return fold
        other = self.branch(e.otherwise, env)

        def folded(b: _Batch, items: list[tuple[Col | None, ColFn]]) -> Col:
            rows = b.rows
            kept, doubt, bad = (np.zeros(rows, dtype=bool) for _ in range(3))
            for where, _ in items:
                if where is None:
                    kept[:] = True
                    continue
                keep = where.n if isinstance(where.n, np.ndarray) else np.full(rows, bool(where.n))
                if where.pending is not None:
                    doubt |= where.pending
                    keep = keep & ~where.pending
                if where.bad is not None:
                    bad |= where.bad
                kept |= keep
            none = ~kept & ~doubt
            out = fold(b, items)
            if not none.any():
                return out
            return c.pick(Col("bool", ~none, 1, None, bad if bad.any() else None), out, other(b))
        return folded

    def window(self, q: n.Quantifier) -> int | None:
        return windows.size(q.window, self.plan.constants_for(self.reading))

    def over_dates(self, e: n.Aggregate, env: dict[str, int]) -> ColFn:
        """A fold over the days from one date to another, or over the dates a series is given for: a loop
        over the dates of the whole batch, each row keeping its own."""
        q = e.over
        if q.window is not None:
            raise Unvectorised  # among the last N dates of a series: the scalar engine's (windows.py)
        self.date_vars.add(q.var)
        first = self.expr(q.bound, env) if q.bound is not None else None
        last = self.expr(q.last, env) if q.last is not None else None
        where = self.expr(q.where, env) if q.where is not None else None
        body = self.branch(e.body, env)
        fold_, var, series = self.when_empty(e, env, self.fold(e)), q.var, q.period_set

        def fold(b: _Batch) -> Col:
            if first is not None and last is not None:
                days = _days(b, first(b), last(b))
            else:  # a row runs over the dates it has a value for (a value past 64 bits: its row is bad)
                days = [(d.toordinal(), ~g.col.pending if g.col.pending is not None else None, g.col.bad)
                        for d, g in b.given.series.get(series, [])]
            items: list[tuple[Col | None, Callable[[_Batch], Col]]] = []
            for day, within, unread in days:
                def at_day(bb: _Batch, day: int = day, fn: ColFn = body) -> Col:
                    bb.vars[var] = Col("date", day, 1, None, None, day)
                    return fn(bb)
                b.vars[var] = Col("date", day, 1, None, None, day)
                keep = where(b) if where is not None else None
                if within is not None:
                    inside = Col("bool", within, 1, None, unread)
                    keep = c.kleene(keep, inside, "and") if keep is not None else inside
                items.append((keep, at_day))
            return fold_(b, items)
        return fold

    def allocation(self, d: n.AllocationDecl, key: Key) -> ColFn:
        """One share of a pool: the waterfall, vectorised, computed once per pool and kept."""
        assert d.pool is not None and d.claim is not None and d.claimants is not None
        q = d.claimants
        name, idx = key
        header, mine = idx[:-1], idx[-1]
        env = dict(zip((p.var for p in d.params), header, strict=True))
        try:
            if q.kind != "periods" or q.where is not None:
                raise Unvectorised
            pool = self.expr(d.pool, env)
            count = len(self.program.period_sets[q.period_set].members)
            bnd = self.position(q.bound, env) if q.bound is not None else None
            span = list(range(count)) if bnd is None else list(period_span(q.relation, bnd, count, self.window(q)))
            if d.latest_first:
                span.reverse()
            claims = [(k, self.expr(d.claim, {**env, q.var: k})) for k in span]
        except Unvectorised:
            return lambda b: b.all_bad("num")
        shared = (name, header)

        def share(b: _Batch) -> Col:
            memo: dict[tuple[str, tuple[int, ...]], dict[int, Col]] = b.__dict__.setdefault("_pools", {})
            if shared not in memo:
                memo[shared] = _waterfall(b, pool(b), [(k, fn(b)) for k, fn in claims])
            found = memo[shared].get(mine)
            return found if found is not None else Col("num", 0, 1)
        return share


MAX_BATCH_DAYS = 4_000  # a loop over days spanning more, across the batch, is left to the scalar engine


def _if_taken(b: _Batch, test: Col, side: bool, branch: ColFn) -> Col:
    """A branch of an `if`, computed only if some row takes it (else a placeholder no row reads)."""
    v = test.n
    if isinstance(v, np.ndarray):
        taken = v if side else ~v
        if test.pending is not None:
            taken = taken & ~test.pending
        if taken.any():
            return branch(b)
    elif bool(v) == side and not (test.pending is not None and test.pending.all()):
        return branch(b)
    return Col("pending", False, 1, np.ones(b.rows, dtype=bool))


def _days(b: _Batch, first: Col, last: Col) -> list[tuple[int, np.ndarray | None, np.ndarray | None]]:
    """The days of a loop over days across the batch, each with the rows that run over it."""
    rows = b.rows
    skip = c.either(first.pending, last.pending)
    a = first.n if isinstance(first.n, np.ndarray) else np.full(rows, first.n)
    z = last.n if isinstance(last.n, np.ndarray) else np.full(rows, last.n)
    live = np.ones(rows, dtype=bool) if skip is None else ~skip
    if not live.any():
        return []
    lo, hi = int(a[live].min()), int(z[live].max())
    if hi - lo + 1 > MAX_BATCH_DAYS:
        raise AllBad
    return [(day, live & (a <= day) & (day <= z), None) for day in range(lo, hi + 1)]


def _on(b: _Batch, series: str, at: Col) -> Col:
    """`series on d`: each row's latest value given on or before its day (pending if none)."""
    rows = b.rows
    entries = b.given.series.get(series, [])
    if not entries:
        return Col("num", 0, 1, np.ones(rows, dtype=bool))
    day = at.n if isinstance(at.n, np.ndarray) else np.full(rows, at.n)
    found = np.zeros(rows, dtype=bool)
    out: Col | None = None
    for when, given in entries:
        col = given.col
        has = (day >= when.toordinal()) & (np.ones(rows, dtype=bool) if col.pending is None else ~col.pending)
        if given.exact:
            raise AllBad
        clean = replace(col, pending=None, bad=None)
        out = clean if out is None else c.pick(Col("bool", has), clean, out)
        found |= has
    assert out is not None
    pending = ~found if at.pending is None else (~found | at.pending)
    return replace(out, pending=pending if pending.any() else None, bad=at.bad)


def _const(value: Any) -> ColFn:
    if isinstance(value, bool):
        col = Col("bool", value)
    elif isinstance(value, date):
        col = Col("date", value.toordinal(), 1, None, None, value.toordinal())
    elif value is None:
        return lambda b: Col("num", 0, 1, np.ones(b.rows, dtype=bool))
    else:
        col = c.num(value)
    return lambda b: col


def _fold(b: _Batch, fold: Callable[..., Col], items: list[tuple[Col | None, Callable[[_Batch], Col]]]) -> Col:
    """A fold over the items some row keeps: pending where any `where` is, or any kept value is; bad where
    any is (the fold itself, from the construct table's column implementation, adds its own bad rows)."""
    rows = b.rows
    pending = np.zeros(rows, dtype=bool)
    bad = np.zeros(rows, dtype=bool)
    kept: list[tuple[np.ndarray | None, Col]] = []
    for where, body_fn in items:
        keep: np.ndarray | None = None  # every row keeps it
        if where is not None:
            keep = where.n if isinstance(where.n, np.ndarray) else np.full(rows, bool(where.n))
            if where.pending is not None:
                pending |= where.pending
                keep = keep & ~where.pending
            if where.bad is not None:
                bad |= where.bad
            if not keep.any():
                continue
        body = body_fn(b)
        if body.pending is not None:
            pending |= body.pending if keep is None else body.pending & keep
        if body.bad is not None:
            bad |= body.bad if keep is None else body.bad & keep
        kept.append((keep, replace(body, pending=None, bad=None)))
    out = fold(rows, kept, pending if pending.any() else None)
    return replace(out, pending=pending if pending.any() else None,
                   bad=c.either(out.bad, bad if bad.any() else None))


def _waterfall(b: _Batch, pool: Col, claims: list[tuple[int, Col]]) -> dict[int, Col]:
    """Each claim in order gets what is left of the pool, up to its amount (evaluate.Run.allocate)."""
    rows = b.rows
    negative = c.compare(pool, Col("num", 0, 1), "<")
    bad = c.either(pool.bad, _known_true(negative, rows))
    left = replace(pool, bad=None)
    left_pending = np.zeros(rows, dtype=bool) if pool.pending is None else pool.pending.copy()
    shares: dict[int, Col] = {}
    for k, claim in claims:
        bad = c.either(bad, claim.bad)
        below = _known_true(c.compare(claim, Col("num", 0, 1), "<"), rows)
        bad = c.either(bad, below & ~left_pending if below is not None else None)
        gone = left_pending | (np.zeros(rows, dtype=bool) if claim.pending is None else claim.pending)
        clean_claim = replace(claim, pending=None, bad=None)
        clean_left = replace(left, pending=None, bad=None)
        given = c.extreme([clean_claim, clean_left], False)
        shares[k] = replace(given, pending=gone if gone.any() else None, bad=None)
        left = replace(c.add(clean_left, replace(given, bad=None), -1), pending=None)
        left_pending = gone
    if bad is not None and bad.any():
        shares = {k: replace(s, bad=c.either(s.bad, bad)) for k, s in shares.items()}
    return shares


def _known_true(col: Col, rows: int) -> np.ndarray | None:
    v = col.n if isinstance(col.n, np.ndarray) else np.full(rows, bool(col.n))
    if col.pending is not None:
        v = v & ~col.pending
    return v if v.any() else None


__all__ = ["BatchResult", "OutputColumn", "evaluate_batch", "Decimal"]
