"""What decided a value, in a few words a reviewer can check: for an explanation's steps.

For a rule: the branch each `if` took and the value of its condition; the value before each `round` and the
rounding applied; which operand of a `min`, `max` or `clamp` decided; which periods, days or dated entries
decided a fold (those counted, those not zero, the least or the greatest, the first that settled `any` or
`all`). For a share of an allocation: its pool, its claims in the order applied, and what each received.

It is worked out after a traced evaluation, by evaluating again, against the values the run kept, only the
parts of the formula the engine evaluated (the condition and the taken branch of an `if`; the left of an
`and` that decided). A part that cannot be evaluated again is passed over: a note is never a guess.
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction

from . import builtins
from . import nodes as n
from .calendars import CalendarGap
from .errors import EvaluationError
from .evaluate import Key, Run
from .ledger import Entry
from .plan import _Compiler
from .program import Program
from .records import replace
from .render_trace import amount
from .result import exact_decimal, number_text
from .units import Type

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .plan import Fn

LABEL = 40  # characters of a formula quoted as an operand's name
RUNS = 4  # runs of consecutive entries listed before "and N more"
CLAIMS = 4  # claims on a pool listed one by one


def _plural(count: int, noun: str) -> str:
    """'1 year', '3 years'; '3 dates of vwap' (the plural on the first word of 'date of vwap')."""
    head, sep, tail = noun.partition(" ")
    return f"{count} {head}" + ("" if count == 1 else "s") + sep + tail


class Decider:
    """The notes of each step of one traced run (formulas compiled once, for every step that uses them)."""

    def __init__(self, program: Program, run: Run) -> None:
        self.program, self.run = program, run
        self.compiler = _Compiler(program)
        self.compiled: dict[int, Fn] = {}
        self.files = {f.path: f for f in program.files}

    def notes(self, key: Key) -> tuple[str, ...]:
        name, idx = key
        if name in self.run.plan.allocations:
            return self.share(name, idx)
        decl = self.program.symbols[name].decl
        if not isinstance(decl, n.RuleDecl) or decl.body is None:
            return ()
        body = next((alt.body for alt in decl.alternatives if alt.interpretation == self.run.interpretation),
                    decl.body)
        out: list[str] = []
        self.visit(body, dict(zip((p.var for p in decl.params), idx, strict=True)), out)
        return tuple(dict.fromkeys(out))

    # ---- evaluating again ----------------------------------------------------------------------------------

    def value(self, e: n.Expr, env: dict[str, Any]) -> tuple[bool, Any]:
        """(True, the value of `e`), or (False, None) where it cannot be evaluated again."""
        fn = self.compiled.get(id(e))
        if fn is None:
            fn = self.compiled[id(e)] = self.compiler.expr(e)
        try:
            return True, fn(self.run, env)
        except (EvaluationError, CalendarGap):
            return False, None

    def visit(self, e: n.Expr, env: dict[str, Any], out: list[str]) -> None:
        """Notes for `e` and the parts of it the engine evaluated, inner ones first. A kind of expression
        not known here is passed over whole (its parts may not all have been evaluated)."""
        if isinstance(e, n.If):
            ok, taken = self.value(e.condition, env)
            if ok:
                self.visit(e.condition, env, out)
                out.append(self.branch(e, env, taken))
                if taken is not None:
                    self.visit(e.then if taken else e.otherwise, env, out)
        elif isinstance(e, n.Round):
            self.visit(e.operand, env, out)
            out.extend(self.rounding(e, env))
        elif isinstance(e, n.Call) and e.function in ("min", "max", "clamp"):
            for arg in e.args:
                self.visit(arg, env, out)
            out.extend(self.extreme(e, env))
        elif isinstance(e, n.Aggregate):
            out.extend(self.fold(e, env))
        elif isinstance(e, n.Binary):
            entry = builtins.TABLE.get(("binary", e.op))
            if entry is None:
                return
            self.visit(e.left, env, out)
            if entry.short_circuit:
                ok, left = self.value(e.left, env)
                if not ok or left is (e.op == "or"):  # `or` settled by true, `and` by false
                    return
            self.visit(e.right, env, out)
        elif isinstance(e, n.Not | n.Negate | n.IsKnown | n.SeriesAt | n.Index | n.Call):
            for part in n.children(e):
                self.visit(part, env, out)

    # ---- words -----------------------------------------------------------------------------------------------

    def source(self, e: n.Expr) -> str:
        f = self.files.get(e.span.file)
        return " ".join(f.source(e.span).split()) if f else ""

    def label(self, e: n.Expr, env: dict[str, Any]) -> str:
        """How to name an operand: payment[FY1] for payment[y] where y is FY1; else its formula, cut short."""
        if isinstance(e, n.Index) and e.name in self.program.symbols:
            idx = [self.value(i, env) for i in e.indexes]
            if all(ok and isinstance(i, int) and not isinstance(i, bool) for ok, i in idx):
                try:
                    return self.run.label(e.name, tuple(i for _, i in idx))
                except (IndexError, TypeError):
                    pass
        text = self.source(e)
        return text if len(text) <= LABEL else text[:LABEL - 1].rstrip() + "…"

    def shown(self, value: Any, type_: Type) -> str:
        """A value as the agreement writes it; a period by its name; an amount with no finite decimal cut to
        six places, marked with '…', and given exactly as a fraction."""
        if value is None:
            return "pending"
        if type_.kind == "period" and isinstance(value, int) and type_.period_set in self.program.period_sets:
            names = self.program.period_sets[type_.period_set].names
            return names[value] if 0 <= value < len(names) else str(value)
        if isinstance(value, bool | date):
            return amount(value, str(type_))
        unit = str(type_)
        if isinstance(value, Fraction | int):
            exact = exact_decimal(Fraction(value))
            if exact is not None:
                return amount(exact, unit)
            cut = exact_decimal(Fraction(math.trunc(value * 10**6), 10**6))
            assert cut is not None
            sign = "-" if value < 0 and cut == 0 else ""
            text = amount(f"{sign}{number_text(cut, grouped=True)}…", unit)
            whole = f"{number_text(value.numerator, grouped=True)}/{number_text(value.denominator, grouped=True)}"
            return f"{text} (exactly {whole})"
        return amount(value, unit)

    def operand(self, e: n.Expr, env: dict[str, Any], value: Any) -> str:
        """`payment[FY1] (USD 125,000)`; a literal just as written."""
        if isinstance(e, n.Number | n.DateLit | n.BoolLit):
            return self.source(e)
        return f"{self.label(e, env)} ({self.shown(value, self.program.type_of(e))})"

    # ---- notes -----------------------------------------------------------------------------------------------

    def branch(self, e: n.If, env: dict[str, Any], taken: Any) -> str:
        c = e.condition
        if taken is None:
            return f"branch taken: none, as {self.source(c)} is pending"
        which = "then" if taken else "else"
        if isinstance(c, n.IsKnown):
            known = taken == c.known
            return f"branch taken: {which}, as {self.label(c.operand, env)} is {'known' if known else 'pending'}"
        why = f"{self.source(c)} is {'true' if taken else 'false'}"
        if isinstance(c, n.Binary) and c.op in ("=", "!=", "<", "<=", ">", ">="):
            (ok_l, left), (ok_r, right) = self.value(c.left, env), self.value(c.right, env)
            if ok_l and ok_r:
                sides = [self.shown(v, self.program.type_of(x)) for v, x in ((left, c.left), (right, c.right))]
                if sides != [self.source(c.left), self.source(c.right)]:
                    why += f" ({sides[0]} {c.op} {sides[1]})"
        return f"branch taken: {which}, as {why}"

    def rounding(self, e: n.Round, env: dict[str, Any]) -> list[str]:
        ok, before = self.value(e.operand, env)
        ok_after, after = self.value(e, env)
        if not ok or not ok_after or before is None:
            return []
        type_ = self.program.type_of(e)
        step = f"round {e.mode} to {self.source(e.step)}"
        if after == before:
            return [f"{step}: {self.shown(after, type_)}, unchanged"]
        return [f"{step}: {self.shown(before, type_)} rounded to {self.shown(after, type_)}"]

    def extreme(self, e: n.Call, env: dict[str, Any]) -> list[str]:
        found = [self.value(a, env) for a in e.args]
        ok, result = self.value(e, env)
        if not ok or result is None or not all(good for good, _ in found):
            return []
        values = [v for _, v in found]
        if e.function == "clamp":
            x, lo, hi = values
            xe, loe, hie = e.args
            if result == x:
                return [f"clamp: {self.operand(xe, env, x)} lies within its bounds, "
                        f"{self.operand(loe, env, lo)} and {self.operand(hie, env, hi)}"]
            which, bound, edge = ("the floor", loe, lo) if result == lo else ("the ceiling", hie, hi)
            return [f"clamp: {which} {self.operand(bound, env, edge)} decided, "
                    f"not {self.operand(xe, env, x)}"]
        first = values.index(result)
        others = [self.operand(a, env, v) for i, (a, v) in enumerate(zip(e.args, values, strict=True)) if i != first]
        tied = " (a tie)" if values.count(result) > 1 else ""
        return [f"{e.function}: {self.operand(e.args[first], env, result)} decided{tied}; "
                f"the other{'s' * (len(others) > 1)}: {', '.join(others)}"]

    def fold(self, e: n.Aggregate, env: dict[str, Any]) -> list[str]:
        q = e.over
        chooser = self.compiler.periods(q)
        try:
            items = chooser(self.run, env)
        except (EvaluationError, CalendarGap):
            return []
        if items is None:
            return []
        noun = {"days": "day", "dates": f"date of {q.period_set}",
                "entries": q.movement or "movement"}.get(q.kind, q.period_set)
        over = _plural(len(items), noun)
        aside = self.set_aside(q, env, items)
        if not items:
            if e.otherwise is not None:  # none: what the rule says it gives then
                ok, other = self.value(e.otherwise, env)
                given = self.source(e.otherwise) if isinstance(e.otherwise, n.Pending) or not ok else \
                    self.operand(e.otherwise, env, other)
                return [f"{e.function}: no {noun} {'matched' if aside else 'to run over'}: "
                        f"otherwise {given}{aside}"]
            return [f"{e.function}: over no {noun}s{aside}"]
        values = []
        for item in items:
            ok, v = self.value(e.body, {**env, q.var: item})
            if not ok:
                return []
            values.append(v)
        type_ = self.program.type_of(e.body)
        at = [self.item(q, i) for i in items]
        pending = [i for i, v in enumerate(values) if v is None]
        fn = e.function
        if pending and fn not in ("any", "all"):
            return [f"{fn}: pending at {self.runs(at, pending)}, of {over}"]
        if fn == "count":
            chosen = [i for i, v in enumerate(values) if v]
            return [f"count: {len(chosen)} of {over} counted" + (f": {self.runs(at, chosen)}" if chosen else "")
                    + aside]
        if fn == "sum":
            chosen = [i for i, v in enumerate(values) if v]
            if not chosen:
                return [(f"sum: 0, over {at[0]} only" if len(at) == 1 else f"sum: all {over} are 0") + aside]
            listed = (self.runs(at, chosen) if len(chosen) > 1 else
                      f"{at[chosen[0]]} ({self.shown(values[chosen[0]], type_)})")
            return [f"sum: {len(chosen)} of {over} not 0: {listed}{aside}"]
        if fn in ("min", "max"):
            best = (min if fn == "min" else max)(values)
            i = values.index(best)
            return [f"{fn}: {at[i]} decided ({self.shown(best, type_)}), of {over}"]
        if fn in ("any", "all"):
            settles = fn == "any"  # any is settled by a true, all by a false
            decisive = [i for i, v in enumerate(values) if v is settles]
            if decisive:
                first = decisive[0]
                inner = self.inside(e.body, {**env, q.var: items[first]})
                return [f"{fn}: {'true' if settles else 'false'}, first at {at[first]}, of {over}"
                        + (f"; there, {inner}" if inner else "")]
            if pending:
                return [f"{fn}: pending at {self.runs(at, pending)}, of {over}"]
            return [f"{fn}: {'false' if settles else 'true'} for every one of {over}"]
        return []

    def inside(self, body: n.Expr, env: dict[str, Any]) -> str:
        """What decided the folds inside a body (a window counted at the date that settled an any/all)."""
        found = []
        stack = [body]
        while stack:
            e = stack.pop()
            if isinstance(e, n.Aggregate):
                found += self.fold(e, env)
                continue
            stack.extend(reversed(n.children(e)))
        return "; ".join(found)

    def set_aside(self, q: n.Quantifier, env: dict[str, Any], items: list[Any]) -> str:
        """'; 31 days set aside by its where: ...' for a fold whose `where` left some out."""
        if q.where is None:
            return ""
        try:
            every = self.compiler.periods(replace(q, where=None))(self.run, env) or []
        except (EvaluationError, CalendarGap):
            return ""
        kept = set(items)
        out = [i for i, item in enumerate(every) if item not in kept]
        if not out:
            return ""
        names = [self.item(q, x) for x in every]
        noun = {"days": "day", "dates": "date", "entries": q.movement or "movement"}.get(q.kind, q.period_set)
        return f"; {_plural(len(out), noun)} set aside by its where: {self.runs(names, out)}"

    def item(self, q: n.Quantifier, item: Any) -> str:
        if isinstance(item, Entry):
            return item.label()
        if isinstance(item, date):
            return item.isoformat()
        names = self.program.period_sets[q.period_set].names if q.kind == "periods" else []
        if isinstance(item, int) and 0 <= item < len(names):
            return names[item]
        return str(item)

    @staticmethod
    def runs(names: list[str], chosen: list[int]) -> str:
        """Positions in `names` in short form: consecutive ones as 'A to C', the first RUNS runs, 'and N more'."""
        runs: list[list[int]] = []
        for i in chosen:
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        words = []
        for run in runs[:RUNS]:
            if len(run) >= 3:
                words.append(f"{names[run[0]]} to {names[run[-1]]}")
            else:
                words.extend(names[i] for i in run)
        rest = sum(len(r) for r in runs[RUNS:])
        return ", ".join(words) + (f" and {rest} more" if rest else "")

    def share(self, name: str, idx: tuple[int, ...]) -> tuple[str, ...]:
        """A share of a pool: the pool, the claims in the order applied and what each received."""
        decl = self.program.symbols[name].decl
        alloc = self.run.plan.allocations[name]
        header, claimant = idx[:-1], idx[-1]
        shares = self.run.allocated.get((name, header))
        if shares is None or not isinstance(decl, n.AllocationDecl) or decl.pool is None or decl.claim is None:
            return ()
        env = dict(zip(alloc.header_vars, header, strict=True))
        ok, pool = self.value(decl.pool, env)
        if not ok:
            return ()
        unit = self.program.type_of(decl.pool)
        members = self.program.period_sets[self.program.symbols[name].params[-1]].names
        order = "latest" if decl.latest_first else "earliest"
        head = f"pool {self.operand(decl.pool, env, pool)}"
        if not shares:
            return (f"{head}: no claims on it",)
        claims = []
        for c, got in shares.items():
            seen, claim = self.value(decl.claim, {**env, alloc.claimant_var: c})
            claimed = self.operand(decl.claim, {**env, alloc.claimant_var: c}, claim) if seen else "?"
            claims.append((c, f"{members[c]} claimed {claimed}, received {self.shown(got, unit)}"))
        listed = [text for _, text in claims[:CLAIMS]]
        rest = claims[CLAIMS:]
        if rest:
            total = sum((shares[c] or 0 for c, _ in rest), Fraction(0))
            listed.append(f"{len(rest)} more received {self.shown(total, unit)} in all")
        out = [f"{head}; claims in the order applied ({order} first): " + "; ".join(listed)]
        if claimant not in shares:
            out.append(f"{members[claimant]} has no claim on this pool: it receives nothing")
        elif claimant in dict(rest):
            out.append(f"this claim: {dict(rest)[claimant]}")
        return tuple(out)
