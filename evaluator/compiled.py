"""The fast scalar path: a version's cells compiled, per reading, to one straight-line Python function.

The static plan (cells.py) fixes which cells an evaluation computes and in what
order, and within a cell every index is known before evaluation. So the cells
can be written out as plain Python, once per version and reading: each cell a
few statements on local variables, folds over periods unrolled, built-ins
called straight from the construct table (builtins.py), amounts kept as `int`
where they are whole and `Fraction` only where they are not. What it computes
is stored in the run's memo, exactly as the interpreter (evaluate.py) would.

It is an optimisation, never a second meaning. A cell the compiler does not
write out (loops over days, values by date, an index only evaluation can tell,
an allocation with a `where`, or a cell too big to unroll) is computed by the
interpreter's own closure, in its place in the order. And anything out of the
ordinary during a fast run (an evaluation error, a date a calendar has no data
for, a number near the digit limit) abandons it: the caller evaluates again
with the interpreter, which computes on demand exactly as specified, errors
and their places included. tests/test_engines.py holds the two equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction

from . import builtins, windows
from . import nodes as n
from .builtins import Site
from .cells import Cells, Key
from .errors import ContractError
from .rounding import MODES
from .windows import period_span

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .evaluate import Run
    from .plan import Plan
    from .program import Program

MAX_UNROLLED = 2_000  # statements for one cell; past this the interpreter's closure computes it
MAX_CELLS = 20_000  # cells in one compiled function; past this the whole evaluation is interpreted

Filler = Callable[["Run"], None]


class Abandon(Exception):
    """A fast run met something out of the ordinary: evaluate again with the interpreter."""


class _Unsupported(Exception):
    """A formula the compiler leaves to the interpreter's closure."""


def compile_fill(plan: Plan, reading: str | None, order: tuple[Key, ...]) -> Filler | None:
    """A function that computes the cells of `order` (a static order, see cells.py) into a run's memo;
    None if there are too many cells to be worth writing out."""
    if len(order) > MAX_CELLS:
        return None
    return _Writer(plan, reading).function(order)


def _settle(v: Any, max_bits: int) -> Any:
    """An amount at the end of a cell: an int if it is whole; Abandon near the digit limit."""
    if type(v) is Fraction:
        num, den = v.numerator, v.denominator
        if num.bit_length() > max_bits or den.bit_length() > max_bits:
            raise Abandon
        return num if den == 1 else v
    if type(v) is int and v.bit_length() > max_bits:
        raise Abandon
    return v


def _maybe_none(source: str) -> bool:
    """Whether a value the compiler wrote can be pending: literals and constants (g0, ...) cannot."""
    return not (source in ("True", "False") or source.lstrip("-").isdigit() or source.startswith(("g", "(")))


def _pending(values: list[str]) -> str:
    """A condition that holds if any of `values` is pending ("False" if none can be)."""
    return " or ".join(f"{v} is None" for v in values if _maybe_none(v)) or "False"


def _unless_pending(values: list[str], negate: str = "") -> str:
    """`None if <any pending> else ` before an expression, or nothing if none can be pending; with
    `negate` ('not '), the condition that none is, followed by ' and '."""
    condition = _pending(values)
    if negate:
        return "" if condition == "False" else f"not ({condition}) and "
    return "" if condition == "False" else f"None if {condition} else "


def _multiplies(e: n.Expr) -> bool:
    return any(isinstance(x, n.Binary) and x.op == "*" for x in n.walk(e))


def _whole(v: Any) -> Any:
    return v.numerator if type(v) is Fraction and v.denominator == 1 else v


_VARIES = object()  # a cell whose value depends on the scenario


def _varies(program: Program, e: n.Expr) -> bool:
    """Whether a formula reads anything a scenario gives: an input, `as_of`, a day or date of a loop."""
    for x in n.walk(e):
        match x:
            case n.Name() | n.Index() if program.symbols.get(x.name) is not None and \
                    program.symbols[x.name].kind == "input":
                return True
            case n.AsOf() | n.SeriesAt():
                return True
            case n.Aggregate() if x.over.kind != "periods":
                return True
    return False


def _divide(a: Any, b: Any) -> Any:
    """a / b, an int when it is whole (0 / b most often: a credit that is nothing); by zero, Abandon (the
    interpreter reports it at its place)."""
    if not b:
        raise Abandon
    if type(a) is int and type(b) is int:
        q, r = divmod(a, b)
        return q if not r else Fraction(a, b)
    return Fraction(a) / b


class _Writer:
    def __init__(self, plan: Plan, reading: str | None) -> None:
        self.plan = plan
        self.program = plan.program
        self.cells: Cells = plan.cells
        self.reading = reading
        self.lines: list[str] = []
        self.depth = 1
        self.names: dict[str, Any] = {"Fraction": Fraction, "_settle": _settle, "_whole": _whole,
                                      "_divide": _divide, "Abandon": Abandon, "math": math}
        self.constants: dict[int, str] = {}  # id(object) -> its global name
        self.temps = 0
        self.local: dict[Key, str] = {}  # cells computed so far -> their local variable (or constant)
        self.fixed: dict[Key, Any] = {}  # cells no scenario can change -> their value
        self.inputs: dict[str, str] = {}  # inputs read -> local variable
        self.multiplies = True  # the cell being written multiplies: a whole result may still be too big

    # ---- emitting -------------------------------------------------------------------------------------

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        self.emit(head)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def const(self, value: Any) -> str:
        """A name for a Python object the function uses (a constant, a built-in's implementation)."""
        if isinstance(value, bool) or value is None:
            return repr(value)
        if type(value) is int and abs(value) < 1 << 64:  # written out; a longer one is a named constant
            return repr(value)
        if type(value) is Fraction and value.denominator == 1 and abs(value) < 1 << 64:
            return repr(value.numerator)
        key = id(value)
        if key not in self.constants:
            name = f"g{len(self.constants)}"
            self.constants[key] = name
            self.names[name] = value
        return self.constants[key]

    # ---- the function ---------------------------------------------------------------------------------

    def function(self, order: tuple[Key, ...]) -> Filler:
        self.lines = []
        self.depth = 1
        done: set[Key] = set()
        for key in order:
            if key in done:
                continue
            start, saved_temps = len(self.lines), self.temps
            try:
                written = self.cell(key)
                if len(self.lines) - start > MAX_UNROLLED:
                    raise _Unsupported
            except _Unsupported:
                del self.lines[start:]
                self.temps = saved_temps
                written = [self.interpreted(key)]
            done.update(written)
        body = self.lines
        prologue = ["def fill(R):", "    M = R.memo", "    I = R.inputs", "    A = R.as_of", "    MB = R.max_bits"]
        prologue += [f"    {var} = {self._input_source(name)}" for name, var in self.inputs.items()]
        source = "\n".join([*prologue, *body, "    return None", ""])
        namespace = dict(self.names)
        exec(compile(source, f"<clausewise compiled {self.program.files[0].path if self.program.files else ''}>",
                     "exec"), namespace)
        fill: Filler = namespace["fill"]
        return fill

    def _input_source(self, name: str) -> str:
        sym = self.program.symbols[name]
        if sym.params:
            return f"[_whole(x) for x in I[{name!r}]]"
        return f"_whole(I[{name!r}])"

    def store(self, key: Key, value: str, quantity: bool) -> None:
        var = f"c{len(self.local)}"
        self.emit(f"{var} = {value}")
        if quantity and value.lstrip("-").isdigit():  # a whole number written out: nothing to settle
            quantity = False
        if quantity:  # whole amounts as int, and nothing near the digit limit (a product can double digits)
            with self.block(f"if type({var}) is Fraction:"):
                self.emit(f"{var} = _settle({var}, MB)")
            if self.multiplies:
                with self.block(f"elif type({var}) is int and {var}.bit_length() > MB:"):
                    self.emit("raise Abandon")
        self.emit(f"M[{self.const(key)}] = {var}")
        self.local[key] = var

    def interpreted(self, key: Key) -> Key:
        """A cell computed by the interpreter's closure, in its place (what it reads is in the memo)."""
        name, idx = key
        if name in self.plan.allocations:
            alloc = self.plan.allocations[name]
            shares = self.temp()
            self.emit(f"{shares} = R.allocate({self.const(alloc)}, {idx[:-1]!r})")
            self.emit(f"M[{self.const(key)}] = {shares}.get({idx[-1]!r}, 0)")
        else:
            definition = self.plan.definitions[name]
            body = definition.bodies.get(self.reading) or definition.bodies[None]
            sym = self.program.symbols[name]
            env = dict(zip((p.var for p in getattr(sym.decl, "params", ())), idx, strict=True))
            self.emit(f"M[{self.const(key)}] = {self.const(body)}(R, {env!r})")
        var = f"c{len(self.local)}"
        self.emit(f"{var} = M[{self.const(key)}]")
        self.local[key] = var
        return key

    def cell(self, key: Key) -> list[Key]:
        name, idx = key
        sym = self.program.symbols[name]
        decl = sym.decl
        if isinstance(decl, n.AllocationDecl):
            return self.allocation(decl, idx[:-1])
        assert isinstance(decl, n.RuleDecl) and decl.body is not None
        fixed = self.fixed_value(key, decl)
        if fixed is not _VARIES:
            self.emit(f"M[{self.const(key)}] = {self.const(fixed)}")
            self.local[key] = self.const(fixed)
            return [key]
        formula = next((alt.body for alt in decl.alternatives if alt.interpretation == self.reading), decl.body)
        env = dict(zip((p.var for p in decl.params), idx, strict=True))
        self.multiplies = _multiplies(formula)
        value = self.expr(formula, env)
        self.store(key, value, sym.type.is_quantity)
        return [key]

    def fixed_value(self, key: Key, decl: n.RuleDecl) -> Any:
        """The value of a cell no scenario can change, worked out once, now, by the interpreter: one whose
        formulas read no input, no `as_of` and no day or date, and only cells fixed already (the plan's order
        puts them first). _VARIES otherwise, or if working it out fails or leaves a note (the run reports
        those in their place)."""
        if any(_varies(self.program, f) for f in n.expressions(decl)) or \
                any(read.key not in self.fixed for read in self.cells.reads(key)):
            return _VARIES
        from .evaluate import Run

        run = Run(self.plan, {}, self.reading, fast=False)
        try:
            value = run.value(key[0], key[1], decl.name_span)
        except ContractError:
            return _VARIES
        if run.notes:
            return _VARIES
        self.fixed[key] = value = _whole(value)
        return value

    # ---- reads ----------------------------------------------------------------------------------------

    def read(self, name: str, idx: tuple[int, ...]) -> str:
        sym = self.program.symbols[name]
        if sym.kind in ("parameter", "table"):
            const = self.plan.constants_for(self.reading)[name]
            value = const[idx[0]] if idx else const
            return "None" if value is None else self.const(_whole(value))  # None: `not stated`
        if sym.kind == "input":
            if isinstance(sym.decl, n.InputDecl) and sym.decl.by_date:
                raise _Unsupported
            var = self.inputs.setdefault(name, f"i{len(self.inputs)}")
            return f"{var}[{idx[0]}]" if idx else var
        key = (name, idx)
        if key not in self.local:
            raise _Unsupported  # not computed before it: leave it to the interpreter, which asks on demand
        return self.local[key]

    def position(self, e: n.Expr, env: dict[str, int]) -> int:
        """A period-valued expression's position, which the compiler must know (else _Unsupported)."""
        found = self.cells._known_positions(e, env)  # type: ignore[arg-type]
        if found is None or len(found) != 1:
            raise _Unsupported
        (p,) = found
        if isinstance(e, n.Call) and e.function in ("previous", "next"):
            inner = self.position(e.args[0], env)
            if inner + (1 if e.function == "next" else -1) != p:
                raise _Unsupported  # past the first or last period: an error the interpreter reports
        return p

    # ---- expressions ----------------------------------------------------------------------------------

    def expr(self, e: n.Expr, env: dict[str, int]) -> str:  # noqa: C901 - one branch per node kind
        """Statements computing `e` (None for pending); returns the name or literal holding it."""
        assert isinstance(e, n.ExprNode)
        t = self.program.type_of(e)
        if t.kind == "period":
            return repr(self.position(e, env))
        match e:
            case n.Number() | n.DateLit() | n.BoolLit():
                return self.const(e.value)
            case n.Pending():
                return "None"
            case n.AsOf():
                return "A"
            case n.Name():
                return self.read(e.name, ())
            case n.Index():
                idx = tuple(self.position(i, env) for i in e.indexes)
                return self.read(e.name, idx)
            case n.Call():
                return self.call(e, env)
            case n.Aggregate():
                return self.aggregate(e, env)
            case n.Binary():
                return self.binary(e, env)
            case n.Not():
                v = self.expr(e.operand, env)
                out = self.temp()
                self.emit(f"{out} = {_unless_pending([v])}not {v}")
                return out
            case n.Negate():
                v = self.expr(e.operand, env)
                out = self.temp()
                self.emit(f"{out} = {_unless_pending([v])}-{v}")
                return out
            case n.IsKnown():
                v = self.expr(e.operand, env)
                if not _maybe_none(v):
                    return repr(e.known)
                return f"({v} is {'not ' if e.known else ''}None)"
            case n.If():
                return self.if_(e, env)
            case n.Round():
                v = self.expr(e.operand, env)
                out = self.temp()
                mode, step = self.const(MODES[e.mode]), e.step.value
                if step == 1:
                    self.emit(f"{out} = {_unless_pending([v])}{mode}({v})")
                else:
                    s = self.const(step)
                    self.emit(f"{out} = {_unless_pending([v])}{mode}(Fraction({v}) / {s}) * {s}")
                return out
            case n.SeriesAt():
                raise _Unsupported
            case _:
                raise _Unsupported

    def call(self, e: n.Call, env: dict[str, int]) -> str:
        entry = builtins.TABLE[("function", e.function)]
        if e.function in ("start", "end"):
            ps = self.program.period_sets[self.program.type_of(e.args[0]).period_set or ""]
            member = ps.members[self.position(e.args[0], env)]
            return self.const(member.start if e.function == "start" else member.end)
        impl = entry.scalar(Site(e, tuple(self.program.type_of(a) for a in e.args), self.program))
        args = [self.expr(a, env) for a in e.args]
        out = self.temp()
        self.emit(f"{out} = {_unless_pending(args)}{self.const(impl)}(R, {', '.join(args)})")
        return out

    def binary(self, e: n.Binary, env: dict[str, int]) -> str:
        if e.op in ("and", "or"):
            return self.logic(e, env)
        a = self.expr(e.left, env)
        b = self.expr(e.right, env)
        out = self.temp()
        lt, rt = self.program.type_of(e.left), self.program.type_of(e.right)
        plain = e.op in ("*", "=", "!=", "<", "<=", ">", ">=") or (
            e.op in ("+", "-") and "date" not in (lt.kind, rt.kind))
        if plain and e.op in ("+", "-"):  # adding nothing (0, often): the same value, and no new Fraction
            self.emit(f"{out} = {_unless_pending([a, b])}{a} {e.op} {b} if {b} else {a}")
        elif plain:
            op = "==" if e.op == "=" else e.op
            self.emit(f"{out} = {_unless_pending([a, b])}{a} {op} {b}")
        elif e.op == "/":  # nothing divided by something is 0 (a credit that is nothing, most often)
            nonzero = b.lstrip("-").isdigit() and int(b) != 0  # by a constant: never by zero
            self.emit(f"{out} = {_unless_pending([a, b])}_divide({a}, {b}) if {a}{'' if nonzero else f' or not {b}'}"
                      " else 0")
        else:  # dates moved by days: the table's own implementation
            impl = builtins.TABLE[("binary", e.op)].scalar(Site(e, (lt, rt), self.program))
            self.emit(f"{out} = {_unless_pending([a, b])}{self.const(impl)}(R, {a}, {b})")
        return out

    def logic(self, e: n.Binary, env: dict[str, int]) -> str:
        """Kleene's and/or, the right side evaluated only if the left does not decide."""
        out = self.temp()
        a = self.expr(e.left, env)
        decided = "False" if e.op == "and" else "True"
        self.emit(f"{out} = {a}")
        with self.block(f"if {out} is not {decided}:"):
            b = self.expr(e.right, env)
            self.emit(f"{out} = {decided} if {b} is {decided} else None if {out} is None or {b} is None "
                      f"else {'True' if e.op == 'and' else 'False'}")
        return out

    def if_(self, e: n.If, env: dict[str, int]) -> str:
        out = self.temp()
        c = self.expr(e.condition, env)
        if _maybe_none(c):
            with self.block(f"if {c} is None:"):
                self.emit(f"{out} = None")
        with self.block(f"{'el' if _maybe_none(c) else ''}if {c}:"):
            self.emit(f"{out} = {self.expr(e.then, env)}")
        with self.block("else:"):
            self.emit(f"{out} = {self.expr(e.otherwise, env)}")
        return out

    def aggregate(self, e: n.Aggregate, env: dict[str, int]) -> str:
        q = e.over
        if q.kind != "periods":
            raise _Unsupported
        if e.function == "sum":
            if e.otherwise is not None:
                raise _Unsupported  # the interpreter's closure says what it gives over none
            return self.total(e, env)
        entry = builtins.TABLE[("fold", e.function)]
        if entry.kleene:
            raise _Unsupported  # all/any: the interpreter's closure, which keeps Kleene's logic
        fold = entry.scalar(Site(e, (self.program.type_of(e.body),), self.program))
        pending, values, out = self.temp(), self.temp(), self.temp()
        self.emit(f"{pending} = False")
        self.emit(f"{values} = []")
        for k in self._range(q, env):
            inner = {**env, q.var: k}
            if q.where is not None:
                w = self.expr(q.where, inner)
                if _maybe_none(w):
                    with self.block(f"if {w} is None:"):
                        self.emit(f"{pending} = True")
                with self.block(f"{'el' if _maybe_none(w) else ''}if {w}:"):
                    v = self.expr(e.body, inner)
                    self.emit(f"{values}.append({v})")
            else:
                v = self.expr(e.body, inner)
                self.emit(f"{values}.append({v})")
        if e.otherwise is not None:  # none kept, and known to be none: what the rules say it gives then
            with self.block(f"if not {pending} and not {values}:"):
                self.emit(f"{out} = {self.expr(e.otherwise, env)}")
            with self.block("else:"):
                self.emit(f"{out} = None if {pending} or None in {values} else {self.const(fold)}(R, {values})")
            return out
        self.emit(f"{out} = None if {pending} or None in {values} else {self.const(fold)}(R, {values})")
        return out

    def total(self, e: n.Aggregate, env: dict[str, int]) -> str:
        """A sum over periods, added up as it goes (a few terms: the cell's size check bounds them)."""
        q = e.over
        out = self.temp()
        first = True  # the first term without a where: the total so far is that term (not 0 + it)
        for k in self._range(q, env):
            inner = {**env, q.var: k}
            if q.where is None:
                v = self.expr(e.body, inner)
                if first:
                    self.emit(f"{out} = {v}")
                else:
                    self.emit(f"{out} = {_unless_pending([out, v])}{out} + {v} if {v} else {out}")
                first = False
                continue
            if first:
                self.emit(f"{out} = 0")
                first = False
            w = self.expr(q.where, inner)
            with self.block(f"if {w} is None:" if _maybe_none(w) else "if False:"):
                self.emit(f"{out} = None")
            with self.block(f"elif {out} is not None and {w}:"):
                v = self.expr(e.body, inner)
                self.emit(f"{out} = {_unless_pending([out, v])}{out} + {v}")
        if first:  # over no periods
            self.emit(f"{out} = 0")
        return out

    def _range(self, q: n.Quantifier, env: dict[str, int]) -> list[int]:
        count = len(self.program.period_sets[q.period_set].members)
        if q.bound is None:
            return list(range(count))
        b = self.position(q.bound, env)
        return list(period_span(q.relation, b, count, windows.size(q.window, self.plan.constants_for(self.reading))))

    # ---- allocations ----------------------------------------------------------------------------------

    def allocation(self, d: n.AllocationDecl, header: tuple[int, ...]) -> list[Key]:
        """Every share of one pool at once: the waterfall of evaluate.Run.allocate, written out."""
        assert d.pool is not None and d.claim is not None and d.claimants is not None
        q = d.claimants
        if q.kind != "periods" or q.where is not None:
            raise _Unsupported
        env = dict(zip((p.var for p in d.params), header, strict=True))
        self.multiplies = _multiplies(d.pool) or _multiplies(d.claim)
        claimants = self._range(q, env)
        if d.latest_first:
            claimants.reverse()
        pool = self.expr(d.pool, env)
        with self.block(f"if {_unless_pending([pool], 'not ')}{pool} < 0:"):
            self.emit("raise Abandon")  # a negative pool: the interpreter reports it at its place
        left = self.temp()
        self.emit(f"{left} = {pool}")
        shares: dict[int, str] = {}
        for k in claimants:
            claim = self.expr(d.claim, {**env, q.var: k})
            share = self.temp()
            with self.block(f"if {left} is None or {_pending([claim])}:"):
                self.emit(f"{left} = None")
                self.emit(f"{share} = None")
            with self.block(f"elif {claim} < 0:"):
                self.emit("raise Abandon")  # a negative claim: reported by the interpreter
            with self.block("else:"):
                self.emit(f"{share} = {claim} if {claim} < {left} else {left}")
                self.emit(f"{left} = {left} - {share}")
            shares[k] = share
        keys = []
        count = len(self.program.period_sets[q.period_set].members)
        for k in range(count):
            key = (d.name, (*header, k))
            self.store(key, shares.get(k, "0"), True)
            keys.append(key)
        return keys


__all__ = ["Abandon", "compile_fill"]
