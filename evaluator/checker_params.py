"""Checks of parameters, mixed into the checker: a parameter is fixed by the agreement.

Its value (`= 7.00 / 2.25`, `= price_cap * 2`, `= -USD 5`, `= USD 12.00 per share`) and a table's
entries may refer to other parameters and tables only: never to an input, a rule, an allocation or
`as_of`, which an evaluation gives. Readings (`under READING = ...`) are checked as a rule's are.
The values themselves are worked out once the rules are checked (params.py).
"""

from __future__ import annotations

from . import nodes as n
from .units import Type

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from .program import Symbol


class ParamChecks:
    """Checks of parameters; the methods they use are the checker's own."""

    symbols: dict[str, Symbol]

    if TYPE_CHECKING:
        def error(self, span: n.Span, message: str, hint: str | None = None) -> Type: ...
        def expr(self, e: n.Expr, scope: dict[str, str]) -> Type: ...
        def table(self, d: n.TableDecl) -> Type: ...
        def alternatives(self, d: n.RuleDecl | n.ParamDecl, scope: dict[str, str], result: Type) -> Type: ...

    def param(self, d: n.ParamDecl) -> Type:
        assert d.value is not None
        result = self.alternatives(d, {}, self.expr(d.value, {}))
        self.fixed_only(d)
        return result

    def param_table(self, d: n.TableDecl) -> Type:
        result = self.table(d)
        self.fixed_only(d)
        return result

    def fixed_only(self, d: n.ParamDecl | n.TableDecl) -> None:
        """Refuse, at its place, anything in a parameter's formulas that an evaluation gives."""
        for top in n.expressions(d):
            for e in n.walk(top):
                if isinstance(e, n.AsOf):
                    self.error(e.span, f"parameter '{d.name}' is fixed by the agreement: it cannot depend on "
                                       "the date of the evaluation (as_of)", _as_rule(d))
                    continue
                names: list[tuple[str, n.Span]] = []
                if isinstance(e, n.Name):
                    names.append((e.name, e.span))
                elif isinstance(e, n.Index | n.SeriesAt):
                    names.append((e.name, e.name_span))
                elif isinstance(e, n.Aggregate) and e.over.kind in ("dates", "entries"):
                    names.append((e.over.period_set, e.over.span))
                for name, span in names:
                    sym = self.symbols.get(name)
                    if sym is not None and sym.kind not in ("parameter", "table"):
                        self.error(span, f"parameter '{d.name}' is fixed by the agreement: it cannot depend on "
                                         f"{sym.kind} '{name}'", _as_rule(d))


def _as_rule(d: n.ParamDecl | n.TableDecl) -> str:
    if isinstance(d, n.TableDecl):
        return f"a value worked out from what an evaluation gives is a rule: rule {d.name} for each " \
               f"{d.period_set} ... = ..."
    return f"a value worked out from what an evaluation gives is a rule: rule {d.name} = ..."


__all__ = ["ParamChecks"]
