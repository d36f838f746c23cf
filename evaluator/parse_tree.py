"""Rule text -> typed syntax tree (`nodes.RuleFile`), by Lark: the part of parsing that needs Lark.

The LALR parser is loaded once per process from the tables shipped beside the
grammar (`parser_tables`: plain JSON, nothing read from a shared folder, nothing
unpickled); a Transformer turns the parse tree straight into nodes with
their spans, so no later stage ever sees a lark Tree. `parser.py` is the way in
(it keeps parsed trees, and asks here only for a text it has not seen).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import nodes as n
from . import parser_tables, syntax_hints
from .calendar_math import months_unit
from .datafile import number_problem
from .errors import Diagnostic, RuleSyntaxError
from .limits import MAX_SERIES

_SCALES = {"thousand": 1000, "million": 1000_000, "billion": 1000_000_000}
_OBLIGATION_PARTS = ("arises", "due", "done", "suspended", "penalty", "by", "applies")
_MODES = {
    "mode_down": "down",
    "mode_up": "up",
    "mode_toward_zero": "toward zero",
    "mode_away_from_zero": "away from zero",
    "mode_half_up": "half up",
    "mode_half_down": "half down",
    "mode_half_even": "half even",
}

# What a person calls the tokens lark names, for "expected ..." hints.
_TOKEN_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": 'a quoted text ("...")',
    "DATE": "a date (YYYY-MM-DD)",
    "HYPHENATED": "a reading's name",
    "ENTRY_KEY": "a table entry (NAME: value)",
    "CMP_OP": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*' or '/'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "MINUS": "'-'",
    "PERCENT": "'%'",
    "$END": "the end of the file",
}


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The rule language's LALR parser, loaded once from the shipped tables (see `parser_tables`)."""
    return parser_tables.load()


class _SpanOf:
    def __init__(self, file: str) -> None:
        self.file = file

    def meta(self, meta: Any) -> n.Span:
        if getattr(meta, "empty", True):
            return n.NOWHERE
        return n.Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos,
                      meta.end_pos)

    def token(self, tok: Token) -> n.Span:
        return n.Span(self.file, tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0,
                      tok.start_pos or 0, tok.end_pos or 0)


def _number(text: str, scale: str | None) -> Fraction:
    value = Fraction(text.replace(",", ""))
    return value * _SCALES[scale] if scale else value


@v_args(meta=True)
class _ToNodes(Transformer[Token, n.RuleFile]):
    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.at = _SpanOf(file)

    # ---- helpers: children come as a mix of tokens and already-built pieces
    @staticmethod
    def _pick(children: list[Any], kind: type) -> Any:
        return next((c for c in children if isinstance(c, kind)), None)

    def _about(self, children: list[Any]) -> n.About:
        cites = next((c for c in children if isinstance(c, tuple) and c[0] == "cites"), None)
        meaning = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "means"), None)
        label = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "label"), None)
        return n.About(cites[1], meaning, cites[2], label) if cites else n.About(None, meaning, label=label)

    def _tokens(self, children: list[Any], kind: str) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type == kind]

    def replace_decl(self, meta: Any, c: list[Any]) -> n.Replacement:
        return n.Replacement(c[0], self.at.meta(meta))

    def replace_entry(self, meta: Any, c: list[Any]) -> n.EntryReplacement:
        value, stated = _entry_value(c[-1])
        return n.EntryReplacement(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]),
                                  str(c[1]), value, self.at.token(c[1]), stated)

    # ---- file
    def start(self, meta: Any, children: list[Any]) -> n.RuleFile:
        amending = tuple(c for c in children if isinstance(c, n.Replacement | n.EntryReplacement))
        outputs = tuple(c for c in children if isinstance(c, n.OutputsDecl))
        decls = tuple(c for c in children if not isinstance(c, n.OutputsDecl | n.Replacement | n.EntryReplacement))
        return n.RuleFile(self.file, decls, outputs, amending)

    def citation(self, meta: Any, children: list[Token]) -> tuple[str, str, n.Span]:
        return ("cites", children[0][1:-1].strip(), self.at.token(children[0]))

    def meaning(self, meta: Any, children: list[Token]) -> tuple[str, str]:
        return ("means", children[0][1:-1].strip())

    def label(self, meta: Any, children: list[Token]) -> tuple[str, str]:
        return ("label", children[0][1:-1].strip())

    def minor_unit(self, meta: Any, children: list[Token]) -> tuple[str, Token]:
        return ("minor unit", children[0])

    # ---- declarations
    def currency_decl(self, meta: Any, c: list[Any]) -> n.CurrencyDecl:
        minor = next((x[1] for x in c if isinstance(x, tuple) and x[0] == "minor unit"), None)
        places = int(minor) if minor is not None and str(minor).isdigit() and len(str(minor)) <= 3 else \
            (None if minor is None else -1)  # -1: not a small whole number; the checker says so
        return n.CurrencyDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]), places,
                              self.at.token(minor) if minor is not None else n.NOWHERE)

    def unit_decl(self, meta: Any, c: list[Any]) -> n.UnitDecl:
        words = self._tokens(c, "NAME")
        plural = str(words[1]) if len(words) > 1 else f"{words[0]}s"
        return n.UnitDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]), plural)

    def calendar_decl(self, meta: Any, c: list[Any]) -> n.CalendarDecl:
        source = c[-1]
        return n.CalendarDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]),
                              str(source)[1:-1].strip(), self.at.token(source))

    def ob_arises(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("arises", c[0])

    def ob_due(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("due", c[0])

    def ob_done(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("done", c[0])

    def ob_suspended(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("suspended", (c[0], c[1]))

    def ob_penalty(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("penalty", c[0])

    def ob_by(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("by", str(c[0])[1:-1].strip())

    def ob_when(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("applies", c[0])

    def obligation_decl(self, meta: Any, c: list[Any]) -> n.ObligationDecl:
        parts = {x[0]: x[1] for x in c if isinstance(x, tuple) and x[0] in _OBLIGATION_PARTS}
        suspended = parts.get("suspended", (None, None))
        return n.ObligationDecl(
            str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]), self._params(c),
            parts.get("due"), parts.get("done"), suspended[0], suspended[1], parts.get("penalty"),
            parts.get("by"), parts.get("applies"), parts.get("arises"),
        )

    def by_date(self, meta: Any, c: list[Any]) -> tuple[str, bool]:
        return ("by date", True)

    def period_member(self, meta: Any, c: list[Any]) -> n.PeriodMember:
        return n.PeriodMember(str(c[0]), c[1], c[2], self.at.meta(meta))

    def periods_decl(self, meta: Any, c: list[Any]) -> n.PeriodsDecl:
        members = tuple(x for x in c if isinstance(x, n.PeriodMember))
        return n.PeriodsDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]), members)

    def dimension_decl(self, meta: Any, c: list[Any]) -> n.PeriodsDecl:
        names = self._tokens(c, "NAME")
        members = tuple(n.PeriodMember(str(t), None, None, self.at.token(t)) for t in names[1:])
        return n.PeriodsDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]), members, True)

    def param_decl(self, meta: Any, c: list[Any]) -> n.ParamDecl:
        value = next(x for x in c if isinstance(x, n.Expr))
        alternatives = tuple(x for x in c if isinstance(x, n.Alternative))
        return n.ParamDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]), value, alternatives)

    def not_stated(self, meta: Any, c: list[Any]) -> tuple[str, n.Pending]:
        return ("not stated", n.Pending(self.at.meta(meta)))

    def table_entry(self, meta: Any, c: list[Any]) -> n.TableEntry:
        value, stated = _entry_value(c[1])
        return n.TableEntry(str(c[0]), value, self.at.meta(meta), stated=stated)

    def table_decl(self, meta: Any, c: list[Any]) -> n.TableDecl:
        entries = tuple(x for x in c if isinstance(x, n.TableEntry))
        return n.TableDecl(
            str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]),
            str(c[1]), entries, self.at.token(c[1]),
        )

    def by_trading_day(self, meta: Any, c: list[Token]) -> tuple[str, Token]:
        return ("by trading day", c[-1])

    def by_period(self, meta: Any, c: list[Token]) -> tuple[str, Token]:
        return ("by", c[0])

    def in_order(self, meta: Any, c: list[Any]) -> tuple[str, bool]:
        return ("in order", True)

    def known_after_period(self, meta: Any, c: list[Any]) -> tuple[str, n.Known]:
        return ("known", "after the period")

    def known_when_reported(self, meta: Any, c: list[Any]) -> tuple[str, n.Known]:
        return ("known", "when reported")

    def known_when_it_happens(self, meta: Any, c: list[Any]) -> tuple[str, n.Known]:
        return ("known", "when it happens")

    def input_decl(self, meta: Any, c: list[Any]) -> n.InputDecl:
        by = next((x[1] for x in c if isinstance(x, tuple) and x[0] == "by"), None)
        in_order = any(isinstance(x, tuple) and x[0] == "in order" for x in c)
        trading = next((x[1] for x in c if isinstance(x, tuple) and x[0] == "by trading day"), None)
        by_date = trading is not None or any(isinstance(x, tuple) and x[0] == "by date" for x in c)
        known: n.Known = next((x[1] for x in c if isinstance(x, tuple) and x[0] == "known"), "")
        return n.InputDecl(
            str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]),
            self._pick(c, n.TypeRef), str(by) if by else None, in_order,
            self.at.token(by) if by else n.NOWHERE, by_date, known,
            trading_days=str(trading) if trading else None,
            trading_days_span=self.at.token(trading) if trading else n.NOWHERE,
        )

    def adds(self, meta: Any, c: list[Any]) -> tuple[str, str, None]:
        return ("effect", "adds", None)

    def removes(self, meta: Any, c: list[Any]) -> tuple[str, str, None]:
        return ("effect", "removes", None)

    def pays(self, meta: Any, c: list[Any]) -> tuple[str, str, n.TypeRef]:
        return ("effect", "pays", n.TypeRef("quantity", c[0][0], c[0][1], self.at.meta(meta)))

    def movement(self, meta: Any, c: list[Any]) -> n.Movement:
        effect = c[1]
        period_set = str(c[2]) if len(c) > 2 else None
        return n.Movement(str(c[0]), effect[1], effect[2], period_set, self.at.meta(meta))

    def ledger_decl(self, meta: Any, c: list[Any]) -> n.InputDecl:
        unit = next(x for x in c[1:] if isinstance(x, tuple) and x[0] not in ("cites", "means", "label"))
        movements = tuple(x for x in c if isinstance(x, n.Movement))
        unit_ref = n.TypeRef("quantity", unit[0], unit[1], self.at.meta(meta))
        return n.InputDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]), unit_ref,
                           ledger=n.Ledger(unit_ref, movements))

    def period_var(self, meta: Any, c: list[Token]) -> n.PeriodVar:
        return n.PeriodVar(str(c[0]), str(c[1]), self.at.meta(meta))

    def for_each(self, meta: Any, c: list[n.PeriodVar]) -> tuple[str, tuple[n.PeriodVar, ...]]:
        return ("for each", tuple(c))

    def type_note(self, meta: Any, c: list[n.TypeRef]) -> tuple[str, n.TypeRef]:
        return ("type", c[0])

    def interp_name(self, meta: Any, c: list[Token]) -> Token:
        return c[0]

    def alternative(self, meta: Any, c: list[Any]) -> n.Alternative:
        cites = next((x for x in c if isinstance(x, tuple)), None)
        return n.Alternative(str(c[0]), cites[1] if cites else None, c[-1], self.at.meta(meta),
                             cites[2] if cites else n.NOWHERE)

    def _params(self, c: list[Any]) -> tuple[n.PeriodVar, ...]:
        return next((x[1] for x in c if isinstance(x, tuple) and x[0] == "for each"), ())

    def rule_decl(self, meta: Any, c: list[Any]) -> n.RuleDecl:
        typ = next((x[1] for x in c if isinstance(x, tuple) and x[0] == "type"), None)
        alternatives = tuple(x for x in c if isinstance(x, n.Alternative))
        body = next(x for x in c if isinstance(x, n.Expr))
        return n.RuleDecl(
            str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]),
            self._params(c), typ, body, alternatives,
        )

    def invariant_decl(self, meta: Any, c: list[Any]) -> n.RuleDecl:
        body = next(x for x in c if isinstance(x, n.Expr))
        return n.RuleDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]),
                          self._params(c), None, body, (), invariant=True)

    def earliest_first(self, meta: Any, c: list[Any]) -> tuple[str, bool]:
        return ("latest first?", False)

    def latest_first(self, meta: Any, c: list[Any]) -> tuple[str, bool]:
        return ("latest first?", True)

    def alloc_decl(self, meta: Any, c: list[Any]) -> n.AllocationDecl:
        exprs = [x for x in c if isinstance(x, n.Expr)]
        latest = next(x[1] for x in c if isinstance(x, tuple) and x[0] == "latest first?")
        return n.AllocationDecl(
            str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]),
            self._params(c), exprs[0], exprs[1], self._pick(c, n.Quantifier), latest,
        )

    def is_default(self, meta: Any, c: list[Any]) -> tuple[str, bool]:
        return ("default", True)

    def interp_decl(self, meta: Any, c: list[Any]) -> n.InterpretationDecl:
        default = any(isinstance(x, tuple) and x[0] == "default" for x in c)
        return n.InterpretationDecl(str(c[0]), self._about(c), self.at.meta(meta), self.at.token(c[0]), default)

    def outputs_decl(self, meta: Any, c: list[Token]) -> n.OutputsDecl:
        return n.OutputsDecl(tuple(str(t) for t in c), tuple(self.at.token(t) for t in c), self.at.meta(meta))

    # ---- types
    def unit_word(self, meta: Any, c: list[Any]) -> str:
        return str(c[0]) if c and isinstance(c[0], Token) else c[0]

    def share_word(self, meta: Any, c: list[Any]) -> str:
        return "shares"

    def day_word(self, meta: Any, c: list[Any]) -> str:
        return "days"

    def unit_ref(self, meta: Any, c: list[str]) -> tuple[str | None, str | None]:
        return (c[0], c[1] if len(c) > 1 else None)

    def ratio_unit(self, meta: Any, c: list[Any]) -> tuple[str | None, str | None]:
        return (None, None)

    def quantity_type(self, meta: Any, c: list[Any]) -> n.TypeRef:
        return n.TypeRef("quantity", c[0][0], c[0][1], self.at.meta(meta))

    def date_type(self, meta: Any, c: list[Any]) -> n.TypeRef:
        return n.TypeRef("date", span=self.at.meta(meta))

    def bool_type(self, meta: Any, c: list[Any]) -> n.TypeRef:
        return n.TypeRef("bool", span=self.at.meta(meta))

    # ---- literals
    def thousand(self, meta: Any, c: list[Any]) -> str:
        return "thousand"

    def million(self, meta: Any, c: list[Any]) -> str:
        return "million"

    def billion(self, meta: Any, c: list[Any]) -> str:
        return "billion"

    def amount(self, meta: Any, c: list[Any]) -> tuple[Fraction, bool]:
        problem = number_problem(str(c[0]).replace(",", ""))
        if problem:
            raise _BadNumber(c[0], problem)
        return _number(str(c[0]), c[1] if len(c) > 1 else None), "," in c[0]

    def percent_lit(self, meta: Any, c: list[Any]) -> n.Number:
        return n.Number(self.at.meta(meta), c[0][0] / 100, None, c[0][1])

    def number_lit(self, meta: Any, c: list[Any]) -> n.Number:
        return n.Number(self.at.meta(meta), c[0][0], None, c[0][1])

    def shares_lit(self, meta: Any, c: list[Any]) -> n.Number:
        return n.Number(self.at.meta(meta), c[0][0], "shares", c[0][1])

    def days_lit(self, meta: Any, c: list[Any]) -> n.Number:
        return n.Number(self.at.meta(meta), c[0][0], "days", c[0][1])

    def counted_lit(self, meta: Any, c: list[Any]) -> n.Number:  # `20,000,000 CVRs`: the checker finds the unit
        return n.Number(self.at.meta(meta), c[0][0], str(c[1]), c[0][1])

    def months_lit(self, meta: Any, c: list[Any]) -> n.Number:
        return n.Number(self.at.meta(meta), c[0][0], months_unit(len(c) > 1), c[0][1])

    def years_lit(self, meta: Any, c: list[Any]) -> n.Number:  # a year is 12 months (shown as written)
        return n.Number(self.at.meta(meta), c[0][0] * 12, months_unit(len(c) > 1), c[0][1])

    def month_end(self, meta: Any, c: list[Any]) -> str:
        return "month end"

    def business_days_lit(self, meta: Any, c: list[Any]) -> n.Number:
        calendar = str(c[-1]) if isinstance(c[-1], Token) else None
        return n.Number(self.at.meta(meta), c[0][0], "business days", c[0][1], calendar)

    def as_of(self, meta: Any, c: list[Any]) -> n.AsOf:
        return n.AsOf(self.at.meta(meta))

    def series_at(self, meta: Any, c: list[Any]) -> n.SeriesAt:
        return n.SeriesAt(self.at.meta(meta), str(c[0]), c[1], self.at.token(c[0]))

    def day_quantifier(self, meta: Any, c: list[Any]) -> n.Quantifier:
        where = next((x[1] for x in c[3:] if isinstance(x, tuple) and x[0] == "where"), None)
        return n.Quantifier("day", str(c[0]), "from", c[1], where, self.at.meta(meta), "days", c[2])

    def series_quantifier(self, meta: Any, c: list[Any]) -> n.Quantifier:
        where = next((x[1] for x in c[2:] if isinstance(x, tuple) and x[0] == "where"), None)
        last = next((x for x in c[2:] if isinstance(x, tuple) and x[0] == "last"), None)
        if last is not None:
            return n.Quantifier(str(c[1]), str(c[0]), "through", last[2], where, self.at.meta(meta), "dates",
                                window=last[1])
        return n.Quantifier(str(c[1]), str(c[0]), None, None, where, self.at.meta(meta), "dates")

    def entry_quantifier(self, meta: Any, c: list[Any]) -> n.Quantifier:
        where = next((x[1] for x in c[3:] if isinstance(x, tuple) and x[0] == "where"), None)
        movement = "" if str(c[0]) == "movement" else str(c[0])
        return n.Quantifier(str(c[2]), str(c[1]), None, None, where, self.at.meta(meta), "entries",
                            movement=movement)

    def field(self, meta: Any, c: list[Any]) -> n.Field:
        return n.Field(self.at.meta(meta), str(c[0]), str(c[1]), self.at.token(c[1]))

    def money_lit(self, meta: Any, c: list[Any]) -> n.Number:
        return n.Number(self.at.meta(meta), c[1][0], str(c[0]), c[1][1])

    def per_unit_lit(self, meta: Any, c: list[Any]) -> n.Number:
        return n.Number(self.at.meta(meta), c[1][0], str(c[0]), c[1][1], per=str(c[2]))

    def date_lit(self, meta: Any, c: list[Any]) -> n.DateLit:
        return n.DateLit(self.at.meta(meta), c[0])

    def true_lit(self, meta: Any, c: list[Any]) -> n.BoolLit:
        return n.BoolLit(self.at.meta(meta), True)

    def false_lit(self, meta: Any, c: list[Any]) -> n.BoolLit:
        return n.BoolLit(self.at.meta(meta), False)

    def pending_lit(self, meta: Any, c: list[Any]) -> n.Pending:
        return n.Pending(self.at.meta(meta))

    def literal(self, meta: Any, c: list[Any]) -> Any:
        return c[0]

    def DATE(self, tok: Token) -> date:
        try:
            return date.fromisoformat(str(tok))
        except ValueError:
            raise _BadDate(tok) from None

    # ---- expressions
    def name_ref(self, meta: Any, c: list[Token]) -> n.Name:
        return n.Name(self.at.meta(meta), str(c[0]))

    def indexed(self, meta: Any, c: list[Any]) -> n.Index:
        return n.Index(self.at.meta(meta), str(c[0]), tuple(c[1:]), self.at.token(c[0]))

    def call(self, meta: Any, c: list[Any]) -> n.Call:
        return n.Call(self.at.meta(meta), str(c[0]), tuple(c[1:]))

    def aggregate(self, meta: Any, c: list[Any]) -> n.Aggregate:
        return n.Aggregate(self.at.meta(meta), str(c[0]), c[1], c[2])

    def aggregate_otherwise(self, meta: Any, c: list[Any]) -> n.Aggregate:
        return n.Aggregate(self.at.meta(meta), str(c[0]), c[1], c[2], c[3])

    def before(self, meta: Any, c: list[Any]) -> tuple[str, n.Expr]:
        return ("before", c[0])

    def after(self, meta: Any, c: list[Any]) -> tuple[str, n.Expr]:
        return ("after", c[0])

    def through(self, meta: Any, c: list[Any]) -> tuple[str, n.Expr]:
        return ("through", c[0])

    def starting(self, meta: Any, c: list[Any]) -> tuple[str, n.Expr]:
        return ("from", c[0])

    def last_window(self, meta: Any, c: list[Any]) -> tuple[str, n.Number | n.Name, n.Expr]:
        if c[0].type == "NAME":  # a parameter's value: checked whole and at least 1 with the parameters
            return ("last", n.Name(self.at.token(c[0]), str(c[0])), c[1])
        text = str(c[0]).replace(",", "")
        if not text.isdigit() or not 0 < int(text) <= MAX_SERIES:
            raise _BadNumber(c[0], f"a window of {c[0]} is not a whole number from 1 to {MAX_SERIES:,}",
                             "write how many periods or dates the window holds, e.g. among the last 12 through y")
        return ("last", n.Number(self.at.token(c[0]), Fraction(int(text)), None), c[1])

    def range_filter(self, meta: Any, c: list[Any]) -> Any:
        return c[0]

    def where_filter(self, meta: Any, c: list[Any]) -> tuple[str, n.Expr]:
        return ("where", c[0])

    def quantifier(self, meta: Any, c: list[Any]) -> n.Quantifier:
        relation = next((x for x in c[2:] if isinstance(x, tuple) and x[0] != "where"), None)
        where = next((x[1] for x in c[2:] if isinstance(x, tuple) and x[0] == "where"), None)
        if relation is not None and relation[0] == "last":
            return n.Quantifier(str(c[0]), str(c[1]), "through", relation[2], where, self.at.meta(meta),
                                window=relation[1])
        return n.Quantifier(
            str(c[0]), str(c[1]),
            relation[0] if relation else None, relation[1] if relation else None,
            where, self.at.meta(meta),
        )

    def binary(self, meta: Any, c: list[Any]) -> n.Binary:
        return n.Binary(self.at.meta(meta), str(c[1]), c[0], c[2])

    compare = binary

    def or_expr(self, meta: Any, c: list[Any]) -> n.Binary:
        return n.Binary(self.at.meta(meta), "or", c[0], c[1])

    def and_expr(self, meta: Any, c: list[Any]) -> n.Binary:
        return n.Binary(self.at.meta(meta), "and", c[0], c[1])

    def not_expr(self, meta: Any, c: list[Any]) -> n.Not:
        return n.Not(self.at.meta(meta), c[0])

    def negate(self, meta: Any, c: list[Any]) -> n.Negate:
        return n.Negate(self.at.meta(meta), c[0])

    def parenthesised(self, meta: Any, c: list[Any]) -> n.Expr:
        inner: n.Expr = c[0]
        # (1,000,000) is one number even in a list of arguments
        return dataclasses.replace(inner, grouped=False) if isinstance(inner, n.Number) else inner

    def is_known(self, meta: Any, c: list[Any]) -> n.IsKnown:
        return n.IsKnown(self.at.meta(meta), c[0], True)

    def is_pending(self, meta: Any, c: list[Any]) -> n.IsKnown:
        return n.IsKnown(self.at.meta(meta), c[0], False)

    def if_expr(self, meta: Any, c: list[Any]) -> n.If:
        return n.If(self.at.meta(meta), c[0], c[1], c[2])

    def round_expr(self, meta: Any, c: list[Any]) -> n.Round:
        return n.Round(self.at.meta(meta), c[0], c[1], c[2])

    def __default__(self, data: Any, children: Any, meta: Any) -> Any:
        if isinstance(data, Token) and data.value in _MODES:
            return _MODES[data.value]
        if data in _MODES:
            return _MODES[data]
        raise NotImplementedError(f"no node for grammar rule {data!r}")


def _entry_value(v: Any) -> tuple[n.Expr, bool]:
    """A table entry's value, and whether it is stated (`not stated`: pending)."""
    return (v[1], False) if isinstance(v, tuple) and v[0] == "not stated" else (v, True)


class _BadDate(Exception):
    def __init__(self, tok: Token) -> None:
        self.tok = tok


class _BadNumber(Exception):
    def __init__(self, tok: Token, problem: str, hint: str = "amounts in agreements have at most 60 digits") -> None:
        self.tok, self.problem, self.hint = tok, problem, hint


def _expected(exc: UnexpectedInput) -> str | None:
    expected: set[str] = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or set()
    # A new declaration may follow any complete one: naming those words too
    # would crowd out what could continue the declaration at hand.
    starts = {word.upper() for word in DECLARATION_WORDS}
    expected = set(expected) - starts or set(expected)
    if not expected:
        return None
    described = {_TOKEN_WORDS[t] for t in expected if t in _TOKEN_WORDS}
    keywords = {f"'{t.lower()}'" for t in expected if t not in _TOKEN_WORDS and t.replace("_", "").isalpha()}
    others = {t for t in expected if t not in _TOKEN_WORDS and not t.replace("_", "").isalpha()}
    words = sorted(described) + sorted(keywords) + sorted(others)  # what a person types most first
    if len(words) > 8:
        words = words[:8] + ["..."]
    return "expected " + ", ".join(words)


DECLARATION_WORDS = ("currency", "unit", "dimension", "calendar",
                     "periods", "parameter", "input", "rule", "allocation", "interpretation",
                     "outputs", "obligation", "replace")
_DECL_START = re.compile(rf"^[ \t]*({'|'.join(DECLARATION_WORDS)})\b",
                         re.MULTILINE)
MAX_SYNTAX_ERRORS = 20


def _syntax_diagnostic(exc: UnexpectedInput, text: str, file: str, currencies: Sequence[str] = ()) -> Diagnostic:
    lines = text.splitlines() or [""]
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        line, col = len(lines), len(lines[-1]) + 1
        return Diagnostic("the file ends in the middle of a declaration", file, line, col, line, col + 1,
                          _expected(exc))
    if isinstance(exc, UnexpectedToken):
        width = max(1, len(str(exc.token)))
        message, hint = f"unexpected '{exc.token}'", _expected(exc)
        start = exc.token.start_pos or 0
        if "DOWN" in exc.expected and exc.token.type in ("TO", "NAME") \
                and re.search(r"\bround\b", text[text.rfind("\n", 0, start) + 1:start]):  # after `round X`: no mode
            message, hint = syntax_hints.round_mode(str(exc.token), text, start)
        elif exc.token.type == "CMP_OP" and "CMP_OP" not in exc.expected:  # a <= x < b
            message, hint = syntax_hints.chained_comparison(text, start, str(exc.token)) or (message, hint)
        elif str(exc.token) == "." and start > 0 and text[start - 1].isdigit():  # 5. or 1.2.3 (not e.count)
            message, hint = syntax_hints.DECIMAL_POINT
        return Diagnostic(message, file, exc.line, exc.column, exc.line, exc.column + width, hint)
    pos = exc.pos_in_stream if exc.pos_in_stream is not None else -1
    char = text[pos] if 0 <= pos < len(text) else "?"
    symbol = syntax_hints.currency_symbol(char, text, pos, [*currencies, *syntax_hints.declared_currencies(text)])
    message, hint = symbol or (f"unexpected character {char!r}", _expected(exc))
    return Diagnostic(message, file, exc.line, exc.column, exc.line, exc.column + 1, hint)


def _line_offset(text: str, line: int) -> int:
    """Where line `line` (1-based, lines split at \\n as lark counts them) starts in `text`."""
    offset = 0
    for _ in range(line - 1):
        nl = text.find("\n", offset)
        if nl < 0:
            return len(text)
        offset = nl + 1
    return offset


def _blank_before(text: str, offset: int) -> str:
    """`text` with everything before `offset` blanked, keeping every line and column in place."""
    head = re.sub(r"[^\n]", " ", text[:offset])
    return head + text[offset:]


MAX_DEPTH = 100


def _check_depth(tree: Tree[Token], file: str) -> None:
    """Refuse formulas nested deeper than MAX_DEPTH, before anything recurses over them."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            line, col = getattr(meta, "line", 0), getattr(meta, "column", 0)
            raise RuleSyntaxError(Diagnostic(
                f"this formula nests more than {MAX_DEPTH} levels deep", file, line, col, line, col + 1,
                "split it into named rules that refer to one another",
            ))
        stack.extend((child, depth + 1) for child in reversed(node.children) if isinstance(child, Tree))


def parse_text(text: str, file: str, currencies: Sequence[str]) -> n.RuleFile:
    """Parse rule text with Lark (see parser.parse, the way in)."""
    problems: list[Diagnostic] = []
    attempt, restart = text, 0
    while True:
        try:
            tree = lark_parser().parse(attempt)
            break
        except UnexpectedInput as exc:
            problems.append(_syntax_diagnostic(exc, text, file, currencies))
            # A declaration cut short is reported at the first word of the next
            # one: start again there, so that its own errors are found too.
            line_start = _line_offset(text, max(exc.line, 1))
            here = _DECL_START.match(text, line_start)
            at_word = isinstance(exc, UnexpectedToken) and exc.token.type != "$END"
            if at_word and here and here.start(1) - line_start + 1 == exc.column and here.start() > restart:
                nxt: re.Match[str] | None = here
            else:
                nxt = _DECL_START.search(text, _line_offset(text, max(exc.line, 1) + 1))
            if nxt is None or len(problems) >= MAX_SYNTAX_ERRORS:
                raise RuleSyntaxError(problems) from None
            restart = nxt.start()
            attempt = _blank_before(text, restart)
    if problems:
        raise RuleSyntaxError(problems)
    _check_depth(tree, file)
    try:
        return dataclasses.replace(_ToNodes(file).transform(tree), text=text)
    except VisitError as exc:
        if isinstance(exc.orig_exc, _BadNumber):
            tok = exc.orig_exc.tok
            raise RuleSyntaxError(Diagnostic(
                exc.orig_exc.problem, file, tok.line or 0, tok.column or 0, tok.line or 0, (tok.column or 0) + 1,
                exc.orig_exc.hint,
            )) from None
        if isinstance(exc.orig_exc, _BadDate):
            tok = exc.orig_exc.tok
            raise RuleSyntaxError(
                Diagnostic(
                    f"{tok} is not a date", file, tok.line or 0, tok.column or 0,
                    tok.end_line or 0, tok.end_column or 0, "write a real calendar date as YYYY-MM-DD",
                )
            ) from None
        raise
