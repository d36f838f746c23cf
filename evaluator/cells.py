"""The static plan of an evaluation: cells, what each reads, and the order they are computed in.

A cell is one value of a rule or an allocation: its name and the positions of
its periods, `("credit", (1, 0))` for credit[Y2, Y1]. Which cells a cell's
formula can read is known from the formula alone, without evaluating it:
indexes are period variables, named periods, previous/next/first/last and
if-then-else of those, and folds run over ranges bounded by periods. Where an
`if` or a `where` chooses only at evaluation time, every cell it could read is
counted, so what is found is a superset of what is read.

Evaluation computes the cells in that order, each after every cell it may read
(`Cells.order`), with no recursion from one cell into another and nothing
process-wide changed. `cycles` refuses, before anything is evaluated, a loop
that runs through periods (a[y] = b[next(y)] with b[y] = a[previous(y)]),
which a check of names alone cannot see.
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Iterable

from . import nodes as n
from . import windows
from .errors import Diagnostic
from .program import Program
from .records import record
from .windows import period_span

Key = tuple[str, tuple[int, ...]]  # a symbol and the positions of its periods
Env = dict[str, int | None]  # a variable -> its period's position; None: not known before evaluation (dates)
Positions = frozenset[int] | None  # the positions an index may take; None: any


@record
class Read:
    """A cell read by a formula, and where the formula reads it."""

    key: Key
    span: n.Span


class Cells:
    """The cells of a checked program and what each may read, found once and kept (per version)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.computed = {name for name, sym in program.symbols.items() if sym.kind in ("rule", "allocation")}
        self._reads: dict[Key, tuple[Read, ...]] = {}
        self._orders: dict[tuple[Key, ...], tuple[Key, ...]] = {}

    # ---- what a cell reads ------------------------------------------------

    def reads(self, key: Key) -> tuple[Read, ...]:
        """The computed cells `key`'s formulas may read (every reading's formula), in the order written."""
        found = self._reads.get(key)
        if found is None:
            out: list[Read] = []
            self._find(key, out)
            found = self._reads[key] = tuple(dict.fromkeys(out))
        return found

    # Each of the below appends what it finds to `out` (in the order written): lists, not generators, as
    # every cell of a contract is looked at once per process.
    def _find(self, key: Key, out: list[Read]) -> None:
        name, idx = key
        decl = self.program.symbols[name].decl
        if isinstance(decl, n.RuleDecl):
            env: Env = dict(zip((p.var for p in decl.params), idx, strict=True))
            for formula in n.expressions(decl):
                self._expr(formula, env, out)
        elif isinstance(decl, n.AllocationDecl):
            # every share of a pool is worked out with the whole pool: it reads the pool and every claim
            assert decl.pool is not None and decl.claim is not None and decl.claimants is not None
            env = dict(zip((p.var for p in decl.params), idx[:-1], strict=True))  # the last: the claimant
            self._expr(decl.pool, env, out)
            self._over(decl.claimants, env, (decl.claim,), out)

    def _expr(self, e: n.Expr, env: Env, out: list[Read]) -> None:
        kind = type(e)
        if kind is n.Name:
            assert isinstance(e, n.Name)
            if e.name not in env and e.name in self.computed:
                out.append(Read((e.name, ()), e.span))
            return
        if kind is n.Index:
            assert isinstance(e, n.Index)
            for i in e.indexes:
                self._expr(i, env, out)
            if e.name in self.computed:
                sets = self.program.symbols[e.name].params
                choices = [self._positions(i, env, ps) for i, ps in zip(e.indexes, sets, strict=True)]
                out.extend(Read((e.name, idx), e.name_span) for idx in itertools.product(*choices))
            return
        if kind is n.Aggregate:
            assert isinstance(e, n.Aggregate)
            self._over(e.over, env, (e.body,), out)
            if e.otherwise is not None:  # what it gives over none
                self._expr(e.otherwise, env, out)
            return
        for child in n.children(e):
            self._expr(child, env, out)

    def _over(self, q: n.Quantifier, env: Env, bodies: tuple[n.Expr, ...], out: list[Read]) -> None:
        """What a quantifier's bounds read, and its `where` and `bodies` for each value of its variable."""
        for bound in (q.bound, q.last):
            if bound is not None:
                self._expr(bound, env, out)
        parts = tuple(x for x in (q.where, *bodies) if x is not None)
        if q.kind != "periods" or not any(_uses(x, q.var) for x in parts):
            values: Iterable[int | None] = [None]  # the same cells whatever the variable is
        else:
            values = self._range(q, env)
        for value in values:
            inner = {**env, q.var: value}
            for part in parts:
                self._expr(part, inner, out)

    def _range(self, q: n.Quantifier, env: Env) -> list[int]:
        count = len(self.program.period_sets[q.period_set].members)
        if q.bound is None:
            return list(range(count))
        bounds = self._positions(q.bound, env, q.period_set)
        if bounds is None:
            return list(range(count))
        chosen: set[int] = set()
        for b in bounds:
            chosen.update(period_span(q.relation, b, count, windows.largest(q.window, self.program)))
        return sorted(chosen)

    def _positions(self, e: n.Expr, env: Env, period_set: str) -> Iterable[int]:
        found = self._known_positions(e, env)
        if found is None:
            return range(len(self.program.period_sets[period_set].members))
        return sorted(found)

    def _known_positions(self, e: n.Expr, env: Env) -> Positions:
        """The positions a period-valued expression may take, or None if only evaluation can tell."""
        if isinstance(e, n.Name):
            if e.name in env:
                value = env[e.name]
                return None if value is None else frozenset((value,))
            ps = self.program.period_set_of(e.name)
            return frozenset((ps.position(e.name),)) if ps is not None and e.name not in self.program.symbols \
                else None
        if isinstance(e, n.Call) and e.function in ("first", "last") and isinstance(e.args[0], n.Name):
            count = len(self.program.period_sets[e.args[0].name].members)
            return frozenset((0 if e.function == "first" else count - 1,))
        if isinstance(e, n.Call) and e.function in ("previous", "next"):
            inner = self._known_positions(e.args[0], env)
            if inner is None:
                return None
            count = len(self.program.period_sets[self.program.type_of(e).period_set or ""].members)
            step = -1 if e.function == "previous" else 1
            return frozenset(p + step for p in inner if 0 <= p + step < count)  # past the edge: an error, no read
        if isinstance(e, n.If):
            then, otherwise = self._known_positions(e.then, env), self._known_positions(e.otherwise, env)
            return None if then is None or otherwise is None else then | otherwise
        return None

    # ---- order --------------------------------------------------------------

    def order(self, targets: Iterable[Key], done: Container[Key] = ()) -> list[Key]:
        """The computed cells needed for `targets` that are not `done`, each after every cell it may read.

        A depth-first post-order, without recursion. A loop (which `cycles` refuses before
        evaluation) raises LoopError.
        """
        out: list[Key] = []
        state: dict[Key, bool] = {}  # False: being visited; True: placed
        for target in targets:
            if target[0] not in self.computed or target in done or target in state:
                continue
            state[target] = False
            stack = [(target, iter(self.reads(target)))]
            while stack:
                key, pending = stack[-1]
                read = next(pending, None)
                if read is None:
                    state[key] = True
                    out.append(key)
                    stack.pop()
                    continue
                seen = state.get(read.key)
                if seen is False:
                    raise LoopError([k for k, _ in stack] + [read.key], read.span)
                if seen is None and read.key not in done:
                    state[read.key] = False
                    stack.append((read.key, iter(self.reads(read.key))))
        return out

    def order_for(self, targets: tuple[Key, ...]) -> tuple[Key, ...]:
        """`order(targets)` from nothing computed, kept: the same outputs are asked for at every evaluation."""
        found = self._orders.get(targets)
        if found is None:
            found = self._orders[targets] = tuple(self.order(targets))
        return found

    def label(self, key: Key) -> str:
        name, idx = key
        if not idx:
            return name
        sets = self.program.symbols[name].params
        members = (self.program.period_sets[s].members[i].name for s, i in zip(sets, idx, strict=True))
        return f"{name}[{', '.join(members)}]"


def of(program: Program) -> Cells:
    """The program's cells, found once: the check's search for loops and the plan's order share what each
    cell reads (kept in `program.derived`, as the program is never changed once checked)."""
    found: Cells | None = program.derived.get("cells")
    if found is None:
        found = program.derived["cells"] = Cells(program)
    return found


class LoopError(Exception):
    """Cells that read one another in a loop: `path` from the first back to it, read at `span`."""

    def __init__(self, path: list[Key], span: n.Span) -> None:
        super().__init__(path)
        self.path = path[path.index(path[-1]):]
        self.span = span


def cycles(program: Program, cells: Cells | None = None) -> list[Diagnostic]:
    """Loops among cells, each reported where it closes: the loops through periods that names alone hide.

    Only rules and allocations that refer to one another in a ring (through any period) can loop, so
    only their cells are looked at.
    """
    cells = cells or of(program)
    rings = set(_rings(program, cells.computed))
    problems: list[Diagnostic] = []
    reported: set[n.Span] = set()
    state: dict[Key, bool] = {}  # False: on the path being followed; True: done, no loop through it
    for name in (name for name in program.symbols if name in rings):
        sym = program.symbols[name]
        for idx in itertools.product(*(range(len(program.period_sets[s].members)) for s in sym.params)):
            root = (name, idx)
            if root in state:
                continue
            state[root] = False
            stack = [(root, iter(cells.reads(root)))]
            while stack:
                key, pending = stack[-1]
                read = next(pending, None)
                if read is None:
                    state[key] = True
                    stack.pop()
                elif read.key[0] not in rings or state.get(read.key) is True:
                    continue  # a value off every ring, or one already followed: no loop through it
                elif read.key not in state:
                    state[read.key] = False
                    stack.append((read.key, iter(cells.reads(read.key))))
                else:  # back on the path: a loop
                    path = [k for k, _ in stack]
                    path = path[path.index(read.key):] + [read.key]
                    if read.span not in reported:  # one report at each place, with the first loop through it
                        reported.add(read.span)
                        problems.append(Diagnostic.at(
                            read.span, f"'{read.key[0]}' depends on itself: {' -> '.join(map(cells.label, path))}",
                            "a value may depend on values of other periods only if they do not depend back on it",
                        ))
    return problems


def _rings(program: Program, computed: set[str]) -> list[str]:
    """The rules and allocations on a cycle of references (through any period), by Tarjan's method
    written without recursion, in declaration order."""
    refs = {name: [r for r in dict.fromkeys(n.referred(program.symbols[name].decl)) if r in computed]
            for name in computed}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    on_ring: set[str] = set()
    for root in refs:
        if root in index:
            continue
        work = [(root, iter(refs[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            target = next(pending, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(refs[target])))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in refs[node]:
                    on_ring.update(component)
    return [name for name in program.symbols if name in on_ring]


def _uses(e: n.Expr, var: str) -> bool:
    return any(isinstance(x, n.Name) and x.name == var for x in n.walk(e))
