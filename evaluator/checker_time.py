"""Static checks of the language's time constructs, mixed into the checker.

Calendars and business days, `as_of`, values given by date (`price on d`),
loops over days and over the dates of a series, and obligations.
"""

from __future__ import annotations

from . import nodes as n
from . import windows
from .calendars import MARKETS, SOURCES, source_problem
from .errors import close_matches
from .units import BOOL, DATE, ERROR, Type, Unit, quantity

DATE_VAR = "<date>"  # what a scope maps a variable that holds a date to
BUSINESS = "business_days:"  # the base unit of business days is per calendar: business_days:prc


def business_days(calendar: str) -> Unit:
    return Unit.of(BUSINESS + calendar)


def calendar_of(t: Type) -> str | None:
    """The calendar of a type in business days, or None."""
    if t.kind == "quantity" and t.unit is not None and len(t.unit.dims) == 1:
        base, exp = t.unit.dims[0]
        if exp == 1 and base.startswith(BUSINESS):
            return base[len(BUSINESS):]
    return None


TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from .checker import Symbol


class TimeChecks:
    """Checks of time constructs; the methods they use are the checker's own."""

    calendars: dict[str, n.CalendarDecl]
    obligations: dict[str, n.ObligationDecl]
    symbols: dict[str, Symbol]

    if TYPE_CHECKING:
        def error(self, span: n.Span, message: str, hint: str | None = None) -> Type: ...
        def source(self, span: n.Span) -> str: ...
        def expr(self, e: n.Expr, scope: dict[str, str]) -> Type: ...
        def reference(self, name: str, span: n.Span, earlier: bool) -> Symbol | None: ...
        def unknown(self, name: str, span: n.Span, scope: dict[str, str]) -> Type: ...
        def symbol_type(self, name: str, span: n.Span) -> Type: ...
        def local_name(self, var: str, span: n.Span, scope: dict[str, str]) -> None: ...
        def expect_bool(self, e: n.Expr, scope: dict[str, str], where: str) -> None: ...
        def scope_of(self, params: tuple[n.PeriodVar, ...]) -> dict[str, str]: ...

    def check_calendar(self, d: n.CalendarDecl) -> None:
        problem = source_problem(d.source)
        if problem is not None:
            message, hint = problem
            close = close_matches(d.source, SOURCES) if d.source not in SOURCES and \
                not d.source.startswith(MARKETS) else []
            self.error(d.source_span, message, f"did you mean '{close[0]}'?" if close else hint)

    def business_days_unit(self, e: n.Number) -> Type:
        if e.calendar is not None:
            if e.calendar not in self.calendars:
                return self.error(e.span, f"unknown calendar '{e.calendar}'",
                                  f"known calendars: {', '.join(self.calendars) or 'none'}")
            return quantity(business_days(e.calendar))
        if len(self.calendars) == 1:
            return quantity(business_days(next(iter(self.calendars))))
        if not self.calendars:
            return self.error(e.span, "business days need a calendar",
                              'declare one: calendar NAME cites "..." source "chinesecalendar"')
        return self.error(e.span, "which calendar's business days?",
                          f"say which: {e.value} business days in {next(iter(self.calendars))}")

    def series_at(self, e: n.SeriesAt, scope: dict[str, str]) -> Type:
        at = self.expr(e.at, scope)
        if not at.fits(DATE):
            self.error(e.at.span, f"'on' needs a date, not {at}")
        sym = self.reference(e.name, e.name_span, False)
        if sym is None:
            return self.unknown(e.name, e.name_span, scope)
        if not (isinstance(sym.decl, n.InputDecl) and sym.decl.by_date):
            return self.error(e.name_span, f"'{e.name}' is not given by date",
                              f"only an input declared 'by date' has a value 'on' a date; write {e.name}")
        return self.symbol_type(e.name, e.name_span)

    def is_series(self, name: str) -> bool:
        sym = self.symbols.get(name)
        return sym is not None and isinstance(sym.decl, n.InputDecl) and sym.decl.by_date

    def series_indexed(self, e: n.Index, types: list[Type]) -> Type:
        """`vwap[d]` on a value given by date: it is read on a date (`vwap on d`), not indexed."""
        at = self.source(e.indexes[0].span) if len(e.indexes) == 1 else ""
        if at and types[0].kind == "date":
            hint = f"write {e.name} on {at}"
        elif at and types[0].kind == "period":
            hint = f"say which date of {at}: {e.name} on end({at}), or {e.name} on start({at})"
        else:
            hint = f"say which date: {e.name} on DATE"
        return self.error(e.span, f"'{e.name}' is given by date: it is read on a date, not indexed", hint)

    def time_quantifier(self, q: n.Quantifier, scope: dict[str, str]) -> dict[str, str]:
        inner = dict(scope)
        self.local_name(q.var, q.span, scope)
        if q.kind == "days":
            for bound in (q.bound, q.last):
                assert bound is not None
                t = self.expr(bound, scope)
                if not t.fits(DATE):
                    self.error(bound.span, f"days run from a date to a date, not {t}")
        elif not self.is_series(q.period_set):
            self.error(q.span, f"'{q.period_set}' is not an input given by date",
                       "'for each date d in X' runs over the dates an input 'by date' is given for")
        else:
            self.reference(q.period_set, q.span, False)
        if q.kind == "dates" and q.bound is not None:  # among the last N through a date
            t = self.expr(q.bound, scope)
            if not t.fits(DATE):
                window = windows.text(q.window) if q.window is not None else "N"
                self.error(q.bound.span, f"'among the last {window} through' needs a date here, not {t}",
                           f"the dates of {q.period_set} up to a date, e.g. among the last {window} through d")
        inner[q.var] = DATE_VAR
        if q.where is not None:
            self.expect_bool(q.where, inner, "where")
        return inner

    def obligation(self, d: n.ObligationDecl) -> None:
        scope = self.scope_of(d.params)
        if d.due is None:
            self.error(d.name_span, f"obligation '{d.name}' has no due date", "add: due DATE")
        for part, expr, want in (("arises", d.arises, DATE), ("due", d.due, DATE), ("done", d.done, DATE),
                                 ("suspended from", d.suspended_from, DATE), ("until", d.suspended_until, DATE),
                                 ("applies when", d.applies, BOOL)):
            if expr is not None:
                t = self.expr(expr, scope)
                if not t.fits(want):
                    self.error(expr.span, f"'{part}' needs {want}, not {t}")
        if d.penalty is not None:
            t = self.expr(d.penalty, scope)
            if not t.lenient and not t.is_quantity:
                self.error(d.penalty.span, f"a penalty is an amount, not {t}")

    def no_value(self, name: str, span: n.Span) -> Type | None:
        """An error if `name` is something that has no value of its own (a calendar, an obligation)."""
        if name in self.calendars:
            return self.error(span, f"'{name}' is a calendar, not a value", f"write e.g. 10 business days in {name}")
        if name in self.obligations:
            return self.error(span, f"'{name}' is an obligation, not a value",
                              "refer to the rule that gives its due date or its penalty")
        return None


__all__ = ["DATE_VAR", "ERROR", "TimeChecks", "business_days", "calendar_of"]
