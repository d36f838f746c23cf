"""The terms of a goal seek, read and checked against the rules: the input varied (`sales.FY3`), the
condition (`payment.FY3 = USD 0`, parsed with the rule language's own parser), the range and
the step. Each problem is a ContractError at the option it comes from (`--until:1:20`, with the text
quoted and a caret), never a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import nodes as n
from .errors import ContractError, Diagnostic, RuleSyntaxError, close_matches
from .parser import parse
from .program import Program
from .result import exact_decimal, number_text
from .units import BOOL, DATE, RATIO, Type, Unit, quantity

_OPS = ("=", "!=", "<", "<=", ">", ">=")
_SINGULAR = {"shares": "share", "days": "day"}
_KINDS = {"table": "parameter", "param": "parameter"}


@dataclass(frozen=True)
class Varied:
    """The input a goal seek varies: its name, its period (None for an input with one value) and type."""

    name: str
    period: str | None
    index: tuple[int, ...]
    type: Type

    @property
    def label(self) -> str:
        return f"{self.name}.{self.period}" if self.period else self.name


@dataclass(frozen=True)
class Condition:
    """`OUTPUT[.PERIOD] OP VALUE`: what must hold of one output at one period."""

    text: str
    output: str
    period: str | None
    index: tuple[int, ...]
    op: str
    value: Fraction | bool | date
    type: Type

    @property
    def label(self) -> str:
        return f"{self.output}.{self.period}" if self.period else self.output

    def holds(self, value: Any) -> bool | None:
        """Whether the condition holds for a value of the output; None for pending."""
        if value is None:
            return None
        if isinstance(self.value, Fraction) and not isinstance(value, bool):
            value = Fraction(value)
        if self.op == "=":
            return bool(value == self.value)
        if self.op == "!=":
            return bool(value != self.value)
        return bool({"<": value < self.value, "<=": value <= self.value,
                     ">": value > self.value, ">=": value >= self.value}[self.op])


def amount_text(value: Any, t: Type) -> str:
    """A value with its unit as the rules write it: RMB 867,000,000, 1 share, 2.5%, yes, 2027-01-31."""
    if value is None:
        return "pending"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    exact = exact_decimal(Fraction(value))
    digits = number_text(exact, grouped=True) if exact is not None else str(Fraction(value))
    unit = t.unit
    if unit is None or unit == RATIO:
        return digits
    if unit.currency:
        return f"{unit.currency} {digits}"
    word = str(unit)
    if Fraction(value) == 1 and word in _SINGULAR:
        word = _SINGULAR[word]
    return f"{digits} {word}"


def varied(program: Program, text: str) -> Varied:
    """`--vary NAME[.PERIOD]`: an input of the rules that holds an amount."""
    name, _, period = text.strip().partition(".")
    sym = program.symbols.get(name)
    inputs = [k for k, s in program.symbols.items() if isinstance(s.decl, n.InputDecl)]
    if sym is None or not isinstance(sym.decl, n.InputDecl):
        close = close_matches(name, inputs)
        what = f"'{name}' is not an input of these rules" if sym is None else \
            f"'{name}' is a {_KINDS.get(sym.decl.kind, sym.decl.kind)}, not an input: only an input can be varied"
        raise ContractError(Diagnostic(f"--vary {text}: {what}", "clausewise",
                                       hint=f"did you mean '{close[0]}'?" if close else
                                       f"inputs: {', '.join(inputs) or 'none'}"))
    decl = sym.decl
    if decl.ledger is not None or decl.by_date or not sym.type.is_quantity:
        kind = "a ledger" if decl.ledger is not None else "given by date" if decl.by_date else str(sym.type)
        raise ContractError(Diagnostic(f"--vary {text}: '{name}' is {kind}; only an amount can be varied",
                                       "clausewise", hint=f"inputs that are amounts: {', '.join(_amounts(program))}"))
    if decl.period_set:
        ps = program.period_sets[decl.period_set]
        if period not in ps.names:
            said = f"{period} is not a {ps.name}" if period else f"'{name}' has a value for each {ps.name}"
            raise ContractError(Diagnostic(f"--vary {text}: {said}", "clausewise",
                                           hint=f"give one of them, e.g. {name}.{ps.names[-1]}"))
        return Varied(name, period, (ps.position(period),), sym.type)
    if period:
        raise ContractError(Diagnostic(f"--vary {text}: '{name}' has one value, not one per period", "clausewise",
                                       hint=f"write --vary {name}"))
    return Varied(name, None, (), sym.type)


def _amounts(program: Program) -> list[str]:
    return [k for k, s in program.symbols.items() if isinstance(s.decl, n.InputDecl) and s.decl.ledger is None
            and not s.decl.by_date and s.type.is_quantity]


def condition(program: Program, text: str) -> Condition:
    """`--until 'OUTPUT[.PERIOD] OP VALUE'`, e.g. `payment.FY3 = USD 0`: parsed as an expression of
    the rule language; the output must be one of the rules' outputs and the value in its unit."""
    source = {"--until": text}
    try:
        rule = parse("rule until =\n" + text + "\n", "--until")
    except RuleSyntaxError as exc:
        raise ContractError([_up(d) for d in exc.diagnostics], sources=source) from None
    decl = rule.declarations[0] if len(rule.declarations) == 1 else None
    e = decl.body if isinstance(decl, n.RuleDecl) else None
    if e is None:
        raise ContractError(Diagnostic("--until holds more than a condition", "--until", 1, 1,
                                       hint="write OUTPUT.PERIOD OP VALUE, e.g. payment.FY3 = USD 0"),
                            sources=source)
    if not isinstance(e, n.Binary) or e.op not in _OPS:
        raise _at(e.span, "--until is not a comparison", "write OUTPUT.PERIOD OP VALUE with OP one of "
                  "= != < <= > >=, e.g. payment.FY3 = USD 0", source)
    output, period = _output(e.left, source)
    if output not in program.outputs:
        close = close_matches(output, program.outputs)
        what = "a value of the rules but not one of their outputs" if output in program.symbols else "not an output"
        raise _at(e.left.span, f"'{output}' is {what}", f"did you mean '{close[0]}'?" if close else
                  f"outputs: {', '.join(program.outputs)}", source)
    sym = program.symbols[output]
    index: tuple[int, ...] = ()
    if sym.params:
        ps = program.period_sets[sym.params[0]]
        if period not in ps.names:
            said = f"{period} is not a {ps.name}" if period else f"'{output}' has a value for each {ps.name}"
            raise _at(e.left.span, said, f"give one, e.g. {output}.{ps.names[0]}", source)
        index = (ps.position(period),)
    elif period:
        raise _at(e.left.span, f"'{output}' has one value, not one per period", f"write {output}", source)
    value, t = _literal(program, e.right, sym.type, source)
    if t != sym.type:
        raise _at(e.right.span, f"cannot compare {output} ({sym.type}) with {_shown(text, e.right.span)} ({t})",
                  f"write the value in {sym.type}, e.g. {amount_text(0, sym.type)}"
                  if sym.type.is_quantity else f"compare with a value of {sym.type}", source)
    if t in (BOOL,) and e.op not in ("=", "!="):
        raise _at(e.span, f"true/false values are compared with = or !=, not {e.op}", None, source)
    return Condition(text.strip(), output, period, index, e.op, value, sym.type)


def _output(e: n.Expr, source: dict[str, str]) -> tuple[str, str | None]:
    match e:
        case n.Field():
            return e.var, e.part
        case n.Name():
            return e.name, None
        case n.Index() if len(e.indexes) == 1 and isinstance(e.indexes[0], n.Name):
            return e.name, e.indexes[0].name
    raise _at(e.span, "the left of --until names an output and its period", "e.g. payment.FY3", source)


def _literal(program: Program, e: n.Expr, want: Type, source: dict[str, str]) -> tuple[Fraction | bool | date, Type]:
    sign = 1
    if isinstance(e, n.Negate) and isinstance(e.operand, n.Number):
        sign, e = -1, e.operand
    if isinstance(e, n.BoolLit):
        return e.value, BOOL
    if isinstance(e, n.DateLit):
        return e.value, DATE
    if not isinstance(e, n.Number):
        said = "the right of --until is a value" if "--until" in source else f"{next(iter(source))} takes an amount"
        raise _at(e.span, f"{said}, written as in the rules",
                  f"e.g. {amount_text(0, want) if want.is_quantity else 'true'}", source)
    unit = _unit(program, e.unit, want) if e.unit is not None else RATIO
    per = _unit(program, e.per, want) if e.per is not None else None
    if unit is None or (e.per is not None and per is None):
        word = e.unit if unit is None else e.per
        raise _at(e.span, f"unknown unit '{word}'", f"write the value in {want}", source)
    return sign * e.value, quantity(unit / per if per is not None else unit)


def _unit(program: Program, word: str | None, want: Type) -> Unit | None:
    if word in ("shares", "days") or word in program.currencies:
        return Unit.of(word or "")
    for plural, singular in (want.unit.counted if want.unit is not None else ()):
        if word in (plural, singular):
            return Unit.counted_unit(plural, singular)
    return None


def amount(program: Program, option: str, text: str, t: Type) -> Fraction:
    """A value given on the command line for an input (`--between`, `--unit`): a plain number, taken in the
    input's unit (`800000000`, `800,000,000`, `0.01`), or written with it as in the rules (`USD 800 thousand`)."""
    source = {option: text}
    try:
        rule = parse("rule value =\n" + text + "\n", option)
    except RuleSyntaxError:
        raise ContractError(Diagnostic(f"{option} {text}: not an amount", "clausewise",
                                       hint=f"write a number such as 800000000, or {amount_text(800_000_000, t)}"
                                       if t.unit and t.unit.currency else "write a number such as 1000")) from None
    decl = rule.declarations[0] if len(rule.declarations) == 1 else None
    e = decl.body if isinstance(decl, n.RuleDecl) else None
    if e is None:
        raise ContractError(Diagnostic(f"{option} {text}: not an amount", "clausewise"))
    value, found = _literal(program, e, t, source)
    plain = isinstance(e, n.Number) and e.unit is None or isinstance(e, n.Negate) and isinstance(e.operand, n.Number) \
        and e.operand.unit is None
    if not isinstance(value, Fraction) or (found != t and not plain):
        raise ContractError(Diagnostic(f"{option} {text}: {_shown(text, e.span)} is {found}, but the input is in {t}",
                                       "clausewise", hint=f"write it in {t}, e.g. {amount_text(800_000_000, t)}"))
    return value


def _shown(text: str, span: n.Span) -> str:
    if span.line == span.end_line == 2:
        return text[span.column - 1:span.end_column - 1]
    return text.strip()


def _up(d: Diagnostic) -> Diagnostic:
    """A diagnostic of the text parsed after its one-line prefix, at its place in the option's text."""
    return Diagnostic(d.message, d.file, max(d.line - 1, 1), d.column, max(d.end_line - 1, 1), d.end_column, d.hint)


def _at(span: n.Span, message: str, hint: str | None, source: dict[str, str]) -> ContractError:
    d = Diagnostic(message, next(iter(source)), span.line - 1, span.column, span.end_line - 1, span.end_column, hint)
    return ContractError(d, sources=source)


def as_number(value: Fraction) -> int | Decimal | str:
    """An exact value for a JSON document: an int or a Decimal (a fraction with no decimal form as text)."""
    exact = exact_decimal(value)
    return exact if exact is not None else str(value)
