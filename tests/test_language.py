"""The rule language: what rule text parses into, and how syntax errors are reported.

Expressions are compared through `show`, which writes a tree back fully
parenthesised, so a test reads like the formula it checks.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

import evaluator
from evaluator import nodes as n
from evaluator.parser import parse

TESTS = Path(__file__).resolve().parent
KAIXIN = TESTS.parent / "rules" / "kaixin" / "spa.rules"
GOOD = TESTS / "data" / "rules" / "good"
BAD = TESTS / "data" / "rules" / "bad"


# ---- helpers ------------------------------------------------------------


def show(e: n.Expr | None) -> str:
    """An expression written back with every operation in parentheses."""
    match e:
        case n.Number(value=value, unit=unit):
            return f"{value} {unit}" if unit else str(value)
        case n.DateLit(value=value):
            return value.isoformat()
        case n.BoolLit(value=value):
            return "true" if value else "false"
        case n.Pending():
            return "pending"
        case n.Name(name=name):
            return name
        case n.Index(name=name, indexes=indexes):
            return f"{name}[{', '.join(show(i) for i in indexes)}]"
        case n.Call(function=function, args=args):
            return f"{function}({', '.join(show(a) for a in args)})"
        case n.Aggregate(function=function, body=body, over=over):
            return f"{function}({show(body)} {show_quantifier(over)})"
        case n.Binary(op=op, left=left, right=right):
            return f"({show(left)} {op} {show(right)})"
        case n.Not(operand=operand):
            return f"(not {show(operand)})"
        case n.Negate(operand=operand):
            return f"(-{show(operand)})"
        case n.IsKnown(operand=operand, known=known):
            return f"({show(operand)} is {'known' if known else 'pending'})"
        case n.If(condition=condition, then=then, otherwise=otherwise):
            return f"(if {show(condition)} then {show(then)} else {show(otherwise)})"
        case n.Round(operand=operand, mode=mode, step=step):
            return f"(round {show(operand)} {mode} to {show(step)})"
    raise AssertionError(f"not an expression: {e!r}")


def show_quantifier(q: n.Quantifier | None) -> str:
    assert q is not None
    text = f"for each {q.period_set} {q.var}"
    if q.relation:
        text += f" {q.relation} {show(q.bound)}"
    if q.where:
        text += f" where {show(q.where)}"
    return text


def body(formula: str) -> n.Expr:
    """The parsed formula of a one-line rule."""
    rule = parse(f'rule r cites "T" = {formula}').declarations[0]
    assert isinstance(rule, n.RuleDecl) and rule.body is not None
    return rule.body


def value(literal: str) -> n.Expr:
    """The parsed value of a one-line parameter."""
    param = parse(f'parameter p cites "T" = {literal}').declarations[0]
    assert isinstance(param, n.ParamDecl) and param.value is not None
    return param.value


def syntax_errors(text: str, file: str = "t.rules") -> list[evaluator.Diagnostic]:
    with pytest.raises(evaluator.RuleSyntaxError) as info:
        parse(text, file)
    return info.value.diagnostics


def syntax_error(text: str) -> evaluator.Diagnostic:
    found = syntax_errors(text)
    assert len(found) == 1, found
    return found[0]


def at(span: n.Span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)


def line_of(text: str, pattern: str) -> int:
    """The number of the one line of `text` that matches `pattern`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if re.search(pattern, line)]
    assert len(hits) == 1, (pattern, hits)
    return hits[0]


# ---- the Kaixin rules ---------------------------------------------------


@pytest.fixture(scope="module")
def kaixin_text() -> str:
    return KAIXIN.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def kaixin(kaixin_text: str) -> n.RuleFile:
    return parse(kaixin_text, str(KAIXIN))


@pytest.fixture(scope="module")
def decls(kaixin: n.RuleFile) -> dict[str, n.Declaration]:
    return {d.name: d for d in kaixin.declarations}


KAIXIN_DECLARATIONS = {
    # name: (kind, citation)
    "RMB": (n.CurrencyDecl, "SPA 4.1"),
    "year": (n.PeriodsDecl, "SPA 4.1"),
    "consideration_shares": (n.ParamDecl, "SPA 1.1"),
    "target": (n.TableDecl, "SPA 4.1"),
    "offset_share": (n.ParamDecl, "SPA 5.2(2)"),
    "press_release_margin": (n.ParamDecl, "Form 6-K"),
    "revenue": (n.InputDecl, "SPA 4.2"),
    "spa": (n.InterpretationDecl, "SPA 5.2(2)"),
    "excess-year": (n.InterpretationDecl, "SPA 5.2(2)"),
    "press-release": (n.InterpretationDecl, "Form 6-K"),
    "tranche": (n.RuleDecl, "SPA 5.1"),
    "counted_revenue": (n.RuleDecl, "SPA 5.2(1)"),
    "target_met": (n.RuleDecl, "SPA 5.1"),
    "shortfall": (n.RuleDecl, "SPA 5.2(1)"),
    "own_shares": (n.RuleDecl, "SPA 5.2(1)"),
    "excess": (n.RuleDecl, "SPA 5.2(2)"),
    "offset_pool": (n.RuleDecl, "SPA 5.2(2)"),
    "outstanding": (n.RuleDecl, "SPA 5.2(2)"),
    "credit": (n.AllocationDecl, "SPA 5.2(2)"),
    "credited": (n.RuleDecl, "SPA 5.2(2)"),
    "entitled": (n.RuleDecl, "SPA 5.2(2)"),
    "restored": (n.RuleDecl, "SPA 5.2(2)"),
    "released_shares": (n.RuleDecl, "SPA 5.1"),
    "restored_shares": (n.RuleDecl, "SPA 5.2(2)"),
    "deducted_shares": (n.RuleDecl, "SPA 5.2(1)"),
    "total_released_shares": (n.RuleDecl, "SPA 5.1"),
    "cancelled_shares": (n.RuleDecl, "SPA 5.2(1)"),
    "escrow_shares": (n.RuleDecl, "Escrow 2"),
}


def test_kaixin_declares_every_term_with_its_kind_and_citation(decls: dict[str, n.Declaration]) -> None:
    found = {name: (type(d), d.about.citation) for name, d in decls.items()}
    missing = {k: v for k, v in KAIXIN_DECLARATIONS.items() if found.get(k) != v}
    assert not missing, {k: (v, found.get(k)) for k, v in missing.items()}


def test_kaixin_declarations_keep_their_order(kaixin: n.RuleFile) -> None:
    names = [d.name for d in kaixin.declarations]
    assert names[:3] == ["RMB", "year", "consideration_shares"]
    order = [name for name in names if name in KAIXIN_DECLARATIONS]
    assert order == list(KAIXIN_DECLARATIONS)


def test_kaixin_meanings_are_kept_without_quotes(decls: dict[str, n.Declaration]) -> None:
    assert decls["RMB"].about == n.About("SPA 4.1", "Renminbi, the currency of the revenue targets")
    assert decls["target_met"].about.meaning is None


def test_kaixin_periods_are_the_five_assessment_years(decls: dict[str, n.Declaration]) -> None:
    year = decls["year"]
    assert isinstance(year, n.PeriodsDecl)
    assert [(m.name, m.start, m.end) for m in year.members] == [
        ("Y1", date(2025, 12, 1), date(2026, 11, 30)),
        ("Y2", date(2026, 12, 1), date(2027, 11, 30)),
        ("Y3", date(2027, 12, 1), date(2028, 11, 30)),
        ("Y4", date(2028, 12, 1), date(2029, 11, 30)),
        ("Y5", date(2029, 12, 1), date(2030, 11, 30)),
    ]


def test_kaixin_targets_are_exact_amounts_of_rmb(decls: dict[str, n.Declaration]) -> None:
    target = decls["target"]
    assert isinstance(target, n.TableDecl)
    assert target.period_set == "year"
    entries = {e.period: e.value for e in target.entries}
    assert list(entries) == ["Y1", "Y2", "Y3", "Y4", "Y5"]
    for period, millions in [("Y1", 665), ("Y2", 732), ("Y3", 805), ("Y4", 885), ("Y5", 974)]:
        entry = entries[period]
        assert isinstance(entry, n.Number)
        assert entry.unit == "RMB"
        assert type(entry.value) is Fraction
        assert entry.value == Fraction(millions * 1_000_000)
    assert entries["Y1"].value == 665000000  # type: ignore[attr-defined]


def test_kaixin_parameters(decls: dict[str, n.Declaration]) -> None:
    shares = decls["consideration_shares"]
    offset = decls["offset_share"]
    assert isinstance(shares, n.ParamDecl) and isinstance(offset, n.ParamDecl)
    assert isinstance(shares.value, n.Number) and isinstance(offset.value, n.Number)
    assert (shares.value.value, shares.value.unit) == (Fraction(15_000_000), "shares")
    assert (offset.value.value, offset.value.unit) == (Fraction(1, 2), None)


def test_kaixin_revenue_is_an_input_by_year_reported_in_order(decls: dict[str, n.Declaration]) -> None:
    revenue = decls["revenue"]
    assert isinstance(revenue, n.InputDecl)
    assert revenue.type == n.TypeRef("quantity", "RMB", None)
    assert (revenue.period_set, revenue.in_order) == ("year", True)


def test_kaixin_readings_one_default_two_hyphenated(decls: dict[str, n.Declaration]) -> None:
    readings = {k: d for k, d in decls.items() if isinstance(d, n.InterpretationDecl)}
    assert {k: d.default for k, d in readings.items()} == {"spa": True, "excess-year": False, "press-release": False}


def test_kaixin_formulas(decls: dict[str, n.Declaration]) -> None:
    def formula(name: str) -> str:
        d = decls[name]
        assert isinstance(d, n.RuleDecl)
        return show(d.body)

    assert formula("tranche") == "(consideration_shares * release_share[y])"
    assert formula("counted_revenue") == "clamp(revenue[y], 0 RMB, target[y])"
    assert formula("target_met") == "(revenue[y] >= target[y])"
    assert formula("own_shares") == "(round ((tranche[y] * counted_revenue[y]) / target[y]) down to 1 shares)"
    assert formula("excess") == "max((revenue[y] - target[y]), 0 RMB)"
    assert formula("outstanding") == "(shortfall[k] - sum(credit[x, k] for each year x before y))"
    assert formula("credited") == "sum(credit[x, k] for each year x through y)"
    assert formula("restored") == "(if (y > k) then (entitled[k, y] - entitled[k, previous(y)]) else 0 shares)"
    assert formula("restored_shares") == (
        "(if (revenue[y] is known) then sum(restored[y, x] for each year x after y where (revenue[x] is known))"
        " else pending)"
    )
    assert formula("cancelled_shares") == (
        "(if (revenue[last(year)] is known) then sum(deducted_shares[y] for each year y) else 0 shares)"
    )


def test_kaixin_rules_for_each_pair_of_years(decls: dict[str, n.Declaration]) -> None:
    entitled = decls["entitled"]
    assert isinstance(entitled, n.RuleDecl)
    assert [(p.period_set, p.var) for p in entitled.params] == [("year", "k"), ("year", "y")]
    tranche = decls["tranche"]
    assert isinstance(tranche, n.RuleDecl) and [(p.period_set, p.var) for p in tranche.params] == [("year", "y")]


def test_kaixin_readings_under_which_a_rule_differs(decls: dict[str, n.Declaration]) -> None:
    pool = decls["offset_pool"]
    assert isinstance(pool, n.RuleDecl)
    assert show(pool.body) == "(offset_share * excess[y])"
    [alt] = pool.alternatives
    assert (alt.interpretation, alt.citation) == ("press-release", "Form 6-K")
    assert show(alt.body) == "(if (excess[y] > (press_release_margin * target[y])) then excess[y] else 0 RMB)"

    entitled = decls["entitled"]
    assert isinstance(entitled, n.RuleDecl)
    [alt] = entitled.alternatives
    assert (alt.interpretation, alt.citation) == ("excess-year", None)
    assert show(alt.body) == (
        "min(tranche[k], (round (((tranche[k] * counted_revenue[k]) / target[k])"
        " + sum(((tranche[k] * credit[x, k]) / target[x]) for each year x through y)) down to 1 shares))"
    )


def test_kaixin_allocation(decls: dict[str, n.Declaration]) -> None:
    credit = decls["credit"]
    assert isinstance(credit, n.AllocationDecl)
    assert [(p.period_set, p.var) for p in credit.params] == [("year", "y")]
    assert show(credit.pool) == "offset_pool[y]"
    assert show(credit.claim) == "outstanding[k, y]"
    assert show_quantifier(credit.claimants) == "for each year k before y"
    assert credit.latest_first is False


def test_kaixin_outputs(kaixin: n.RuleFile) -> None:
    [outputs] = kaixin.outputs
    assert list(outputs.names) == [
        "target", "revenue", "target_met", "released_shares", "restored_shares",
        "deducted_shares", "total_released_shares", "cancelled_shares", "escrow_shares",
    ]


def test_kaixin_spans_point_at_the_source(kaixin_text: str, decls: dict[str, n.Declaration]) -> None:
    line = line_of(kaixin_text, r"^currency RMB")
    assert at(decls["RMB"].name_span) == (line, 10, line, 13)
    assert decls["RMB"].name_span.file == str(KAIXIN)

    line = line_of(kaixin_text, r"^  Y3 from ")
    year = decls["year"]
    assert isinstance(year, n.PeriodsDecl)
    assert at(year.members[2].span) == (line, 3, line, 35)

    line = line_of(kaixin_text, r"^  Y1: RMB 665 million")
    target = decls["target"]
    assert isinstance(target, n.TableDecl)
    assert at(target.entries[0].span) == (line, 3, line, 22)
    assert at(target.entries[0].value.span) == (line, 7, line, 22)

    line = line_of(kaixin_text, r"= round tranche\[y\] \* counted_revenue\[y\]")
    own = decls["own_shares"]
    assert isinstance(own, n.RuleDecl) and isinstance(own.body, n.Round)
    text = kaixin_text.splitlines()[line - 1]
    start = text.index("round") + 1
    assert at(own.body.span) == (line, start, line, len(text) + 1)
    assert at(own.body.step.span) == (line, text.index("1 share") + 1, line, len(text) + 1)
    # the whole declaration, from its keyword to the end of its formula
    assert at(own.span) == (line_of(kaixin_text, r"^rule own_shares "), 1, line, len(text) + 1)


# ---- spans on a file laid out by hand ----------------------------------


@pytest.fixture(scope="module")
def spread() -> n.RuleFile:
    return parse((GOOD / "layout_spread.rules").read_text(encoding="utf-8"), "spread.rules")


def test_spans_of_declarations_and_names(spread: n.RuleFile) -> None:
    d = {x.name: x for x in spread.declarations}
    assert at(d["USD"].span) == (4, 1, 5, 14)
    assert at(d["USD"].name_span) == (4, 10, 4, 13)
    assert at(d["quarter"].name_span) == (7, 9, 7, 16)
    cap = d["cap"]
    assert isinstance(cap, n.TableDecl)
    assert at(cap.period_set_span) == (12, 18, 12, 25)
    sales = d["sales"]
    assert isinstance(sales, n.InputDecl)
    assert at(sales.name_span) == (17, 7, 17, 12)
    assert at(sales.period_set_span) == (17, 21, 17, 28)
    assert at(d["side-letter"].name_span) == (23, 16, 23, 27)


def test_spans_of_expressions_over_several_lines(spread: n.RuleFile) -> None:
    d = {x.name: x for x in spread.declarations}
    paid = d["paid"]
    assert isinstance(paid, n.RuleDecl) and isinstance(paid.body, n.Call)
    assert at(paid.span) == (26, 1, 33, 13)
    assert at(paid.params[0].span) == (26, 20, 26, 29)
    assert at(paid.body.span) == (28, 5, 31, 6)
    sales_q = paid.body.args[0]
    assert isinstance(sales_q, n.Index)
    assert at(sales_q.span) == (29, 7, 29, 15)
    assert at(sales_q.name_span) == (29, 7, 29, 12)
    assert at(sales_q.indexes[0].span) == (29, 13, 29, 14)
    [alt] = paid.alternatives
    assert at(alt.span) == (32, 3, 33, 13)

    total = d["total"]
    assert isinstance(total, n.RuleDecl) and isinstance(total.body, n.Aggregate)
    assert at(total.body.span) == (37, 5, 39, 33)
    assert at(total.body.over.span) == (38, 9, 39, 32)
    assert total.body.over.where is not None
    assert at(total.body.over.where.span) == (39, 15, 39, 32)

    [outputs] = spread.outputs
    placed = [(name, at(span)) for name, span in zip(outputs.names, outputs.name_spans, strict=True)]
    assert placed == [("paid", (41, 9, 41, 13)), ("total", (42, 9, 42, 14))]


def test_spans_of_binary_and_unary_operations() -> None:
    e = body("a + b * -c")
    assert isinstance(e, n.Binary) and isinstance(e.right, n.Binary) and isinstance(e.right.right, n.Negate)
    #          1234567890123456789012345678
    # rule r cites "T" = a + b * -c
    assert at(e.span) == (1, 20, 1, 30)
    assert at(e.right.span) == (1, 24, 1, 30)
    assert at(e.right.right.span) == (1, 28, 1, 30)
    assert at(e.right.right.operand.span) == (1, 29, 1, 30)


# ---- equality ignores layout -------------------------------------------


def _both_layouts() -> tuple[n.RuleFile, n.RuleFile]:
    compact = parse((GOOD / "layout_compact.rules").read_text(encoding="utf-8"), "same.rules")
    spread = parse((GOOD / "layout_spread.rules").read_text(encoding="utf-8"), "same.rules")
    return compact, spread


def test_the_two_layouts_really_differ_in_their_spans() -> None:
    compact, spread = _both_layouts()
    assert compact.declarations[0].span != spread.declarations[0].span
    assert [d.name for d in compact.declarations] == [d.name for d in spread.declarations]


def test_declarations_without_formulas_compare_equal_whatever_their_layout() -> None:
    compact, spread = _both_layouts()
    for a, b in zip(compact.declarations, spread.declarations, strict=True):
        if isinstance(a, n.CurrencyDecl | n.PeriodsDecl | n.InputDecl | n.InterpretationDecl):
            assert a == b, a.name


def test_same_rules_laid_out_differently_compare_equal() -> None:
    compact, spread = _both_layouts()
    assert compact.declarations == spread.declarations
    assert compact.outputs == spread.outputs
    assert compact == spread


def test_an_expression_equals_the_same_expression_elsewhere() -> None:
    assert body("a + b * c") == body("a  +  b*c")


def test_different_rules_do_not_compare_equal() -> None:
    compact, _ = _both_layouts()
    changed = (GOOD / "layout_compact.rules").read_text(encoding="utf-8").replace("USD 2 million", "USD 3 million")
    other = parse(changed, "same.rules")
    assert compact.declarations[2] != other.declarations[2]
    assert compact.declarations[:2] == other.declarations[:2]


# ---- operator precedence ------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "tree"),
    [
        ("a + b * c", "(a + (b * c))"),
        ("a * b + c", "((a * b) + c)"),
        ("a - b - c", "((a - b) - c)"),
        ("a / b / c", "((a / b) / c)"),
        ("a - b + c", "((a - b) + c)"),
        ("(a + b) * c", "((a + b) * c)"),
        ("-a * b", "((-a) * b)"),
        ("a - -b", "(a - (-b))"),
        ("a--b", "(a - (-b))"),
        ("a + b < c * d", "((a + b) < (c * d))"),
        ("a >= b", "(a >= b)"),
        ("a != b", "(a != b)"),
        ("a = b", "(a = b)"),
        ("a <= b and c > d", "((a <= b) and (c > d))"),
        ("a or b and c", "(a or (b and c))"),
        ("a and b or c", "((a and b) or c)"),
        ("a or b or c", "((a or b) or c)"),
        ("not a and b", "((not a) and b)"),
        ("not a = b", "(not (a = b))"),
        ("not not a", "(not (not a))"),
        ("a + b is known", "((a + b) is known)"),
        ("a is pending or b", "((a is pending) or b)"),
        ("if a then b else c + d", "(if a then b else (c + d))"),
        ("if a or b then c else d", "(if (a or b) then c else d)"),
        ("if a then if b then c else d else e", "(if a then (if b then c else d) else e)"),
        ("if a then b else if c then d else e", "(if a then b else (if c then d else e))"),
        ("(if a then b else c) + d", "((if a then b else c) + d)"),
        ("round a * b down to 1 share + c", "((round (a * b) down to 1 shares) + c)"),
        ("a * round b + c up to 1 share", "(a * (round (b + c) up to 1 shares))"),
        ("r[y] * s(x, 2)", "(r[y] * s(x, 2))"),
    ],
)
def test_precedence(formula: str, tree: str) -> None:
    assert show(body(formula)) == tree


def test_a_comparison_does_not_chain() -> None:
    d = syntax_error('rule r cites "T" = a < b < c')
    assert (d.line, d.column, d.end_column) == (1, 26, 27)
    assert (d.message, d.hint) == ("comparisons do not chain", "write two comparisons joined by 'and': a < b and b < c")


# ---- literals -----------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "amount", "unit"),
    [
        ("15,000,000 shares", Fraction(15_000_000), "shares"),
        ("1 share", Fraction(1), "shares"),
        ("RMB 665 million", Fraction(665_000_000), "RMB"),
        ("RMB 1.5 billion", Fraction(1_500_000_000), "RMB"),
        ("RMB 0.01", Fraction(1, 100), "RMB"),
        ("RMB 2 thousand", Fraction(2000), "RMB"),
        ("1,234.5", Fraction(2469, 2), None),
        ("50%", Fraction(1, 2), None),
        ("2.5%", Fraction(1, 40), None),
        ("100%", Fraction(1), None),
        ("0.1", Fraction(1, 10), None),
        ("30 days", Fraction(30), "days"),
        ("1 day", Fraction(1), "days"),
        ("3 million shares", Fraction(3_000_000), "shares"),
    ],
)
def test_number_literals_are_exact(literal: str, amount: Fraction, unit: str | None) -> None:
    v = value(literal)
    assert isinstance(v, n.Number)
    assert type(v.value) is Fraction
    assert (v.value, v.unit) == (amount, unit)


def test_other_literals() -> None:
    d = value("2025-12-01")
    assert isinstance(d, n.DateLit) and d.value == date(2025, 12, 1)
    assert show(value("true")) == "true"
    assert show(value("false")) == "false"
    assert show(body("pending")) == "pending"


def test_a_date_in_a_formula_is_a_date_not_a_subtraction() -> None:
    e = body("start(y) - 2025-12-01")
    assert isinstance(e, n.Binary) and isinstance(e.right, n.DateLit)
    assert e.right.value == date(2025, 12, 1)
    # a subtraction of numbers is still one
    assert show(body("2025-12")) == "(2025 - 12)"
    assert show(body("2025 - 12 - 1")) == "((2025 - 12) - 1)"


def test_a_number_with_thousands_separators_is_one_number() -> None:
    # `1,000` is a thousand; write `1, 000` for two arguments.
    assert show(body("max(1,000, 2)")) == "max(1000, 2)"
    assert show(body("max(1, 2)")) == "max(1, 2)"


# ---- rounding -----------------------------------------------------------


@pytest.mark.parametrize(
    "mode", ["down", "up", "toward zero", "away from zero", "half up", "half down", "half even"],
)
def test_every_rounding_mode(mode: str) -> None:
    e = body(f"round tranche * 2 {mode} to 1 share")
    assert isinstance(e, n.Round)
    assert e.mode == mode
    assert show(e.operand) == "(tranche * 2)"
    assert (e.step.value, e.step.unit) == (Fraction(1), "shares")


def test_round_to_a_money_step() -> None:
    e = body("round x half even to RMB 0.01")
    assert isinstance(e, n.Round)
    assert (e.step.value, e.step.unit) == (Fraction(1, 100), "RMB")


def test_an_unknown_rounding_mode_is_a_syntax_error() -> None:
    d = syntax_error('rule r cites "T" = round x sideways to 1 share')
    assert (d.line, d.column, d.end_column) == (1, 28, 36)
    assert (d.message, d.hint) == ("'sideways' is not a way to round",
                                   "say which way, e.g. round x down to 1 share; the modes are down, up, toward zero, "
                                   "away from zero, half up, half down, half even")


def test_round_needs_a_step() -> None:
    d = syntax_error('rule r cites "T" = round x down')
    assert d.message == "the file ends in the middle of a declaration"
    assert d.hint == "expected 'to'"


# ---- aggregates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "tree"),
    [
        ("sum(credit[x, k] for each year x before y)", "sum(credit[x, k] for each year x before y)"),
        ("sum(a[x] for each year x after y)", "sum(a[x] for each year x after y)"),
        ("sum(a[x] for each year x through y)", "sum(a[x] for each year x through y)"),
        ("sum(a[x] for each year x from previous(y))", "sum(a[x] for each year x from previous(y))"),
        ("sum(a[x] for each year x)", "sum(a[x] for each year x)"),
        ("sum(a[x] for each year x where a[x] is known)", "sum(a[x] for each year x where (a[x] is known))"),
        ("sum(a[x] * 2 for each year x before y where a[x] > b and c)",
         "sum((a[x] * 2) for each year x before y where ((a[x] > b) and c))"),
        ("min(a[x] for each year x)", "min(a[x] for each year x)"),
        ("max(a[x] for each year x)", "max(a[x] for each year x)"),
        ("count(a[x] > 0 for each year x)", "count((a[x] > 0) for each year x)"),
        ("all(a[x] is known for each year x)", "all((a[x] is known) for each year x)"),
        ("any(a[x] = 0 for each year x)", "any((a[x] = 0) for each year x)"),
        ("sum(sum(a[x, z] for each year z) for each year x)", "sum(sum(a[x, z] for each year z) for each year x)"),
        ("1 + sum(a[x] for each year x) * 2", "(1 + (sum(a[x] for each year x) * 2))"),
    ],
)
def test_aggregates(formula: str, tree: str) -> None:
    assert show(body(formula)) == tree


def test_functions_and_indexes() -> None:
    assert show(body("clamp(revenue[y], RMB 0, target[y])")) == "clamp(revenue[y], 0 RMB, target[y])"
    assert show(body("first(year)")) == "first(year)"
    assert show(body("last(year)")) == "last(year)"
    assert show(body("entitled[k, previous(y)]")) == "entitled[k, previous(y)]"
    assert show(body("end(y) + 30 days")) == "(end(y) + 30 days)"


# ---- declarations -------------------------------------------------------


def test_allocation_declaration() -> None:
    [alloc] = parse(
        "allocation share_out for each year y, year k\n"
        '  cites "T 1" means "m"\n'
        "  pool offset_pool[y] * 2\n"
        "  claims outstanding[j, y] for each year j after k where j != y\n"
        "  latest first\n"
    ).declarations
    assert isinstance(alloc, n.AllocationDecl)
    assert alloc.name == "share_out"
    assert alloc.about == n.About("T 1", "m")
    assert [(p.period_set, p.var) for p in alloc.params] == [("year", "y"), ("year", "k")]
    assert show(alloc.pool) == "(offset_pool[y] * 2)"
    assert show(alloc.claim) == "outstanding[j, y]"
    assert show_quantifier(alloc.claimants) == "for each year j after k where (j != y)"
    assert alloc.latest_first is True


def test_allocation_without_periods_earliest_first() -> None:
    [alloc] = parse('allocation a cites "T" pool p claims c[k] for each year k earliest first').declarations
    assert isinstance(alloc, n.AllocationDecl)
    assert alloc.params == () and alloc.latest_first is False


def test_allocation_needs_an_order() -> None:
    d = syntax_error('allocation a cites "T" pool p claims c[k] for each year k')
    assert d.message == "the file ends in the middle of a declaration"
    assert d.hint is not None and "'earliest'" in d.hint and "'latest'" in d.hint


def test_alternatives_under_readings() -> None:
    [rule] = parse(
        'rule r for each year y cites "T 1"\n'
        "  = a[y]\n"
        '  under press-release cites "6-K" = b[y]\n'
        "  under v2-final-draft = c[y]\n"
        "  under plain = 0\n"
    ).declarations
    assert isinstance(rule, n.RuleDecl)
    assert show(rule.body) == "a[y]"
    assert [(a.interpretation, a.citation, show(a.body)) for a in rule.alternatives] == [
        ("press-release", "6-K", "b[y]"),
        ("v2-final-draft", None, "c[y]"),
        ("plain", None, "0"),
    ]


def test_hyphenated_reading_names() -> None:
    decls = parse(
        'interpretation press-release default cites "6-K"\n'
        'interpretation as-signed-2025 cites "SPA"\n'
        'interpretation spa cites "SPA" means "the signed text"\n'
    ).declarations
    assert [(d.name, getattr(d, "default", None)) for d in decls] == [
        ("press-release", True), ("as-signed-2025", False), ("spa", False),
    ]
    assert at(decls[0].name_span) == (1, 16, 1, 29)


def test_a_hyphen_in_a_formula_is_a_minus() -> None:
    assert show(body("press-release")) == "(press - release)"
    assert show(body("revenue[y]-target[y]")) == "(revenue[y] - target[y])"


def test_a_reading_name_cannot_end_in_a_hyphen() -> None:
    d = syntax_error('interpretation draft- cites "T"')
    assert (d.line, d.column) == (1, 21)
    assert d.message == "unexpected '-'"


@pytest.mark.parametrize(
    ("written", "kind", "numerator", "denominator"),
    [
        ("RMB", "quantity", "RMB", None),
        ("shares", "quantity", "shares", None),
        ("share", "quantity", "shares", None),
        ("days", "quantity", "days", None),
        ("RMB per share", "quantity", "RMB", "shares"),
        ("shares per day", "quantity", "shares", "days"),
        ("ratio", "quantity", None, None),
        ("date", "date", None, None),
        ("bool", "bool", None, None),
    ],
)
def test_types_of_inputs(written: str, kind: str, numerator: str | None, denominator: str | None) -> None:
    [inp] = parse(f'input x: {written} cites "T"').declarations
    assert isinstance(inp, n.InputDecl)
    assert inp.type == n.TypeRef(kind, numerator, denominator)
    assert (inp.period_set, inp.in_order) == (None, False)


def test_a_rule_may_declare_its_type() -> None:
    [rule] = parse('rule price for each year y: RMB per share cites "T" = a[y] / b').declarations
    assert isinstance(rule, n.RuleDecl)
    assert rule.declared_type == n.TypeRef("quantity", "RMB", "shares")
    assert [(p.period_set, p.var) for p in rule.params] == [("year", "y")]


def test_table_of_percentages() -> None:
    [table] = parse('parameter rate by year cites "T"\n  Y1: 50%\n  Y2: 12.5%\n').declarations
    assert isinstance(table, n.TableDecl)
    assert [(e.period, e.value.value) for e in table.entries] == [  # type: ignore[attr-defined]
        ("Y1", Fraction(1, 2)), ("Y2", Fraction(1, 8)),
    ]


def test_comments_and_blank_lines_are_free() -> None:
    text = '# a comment\n\ncurrency RMB # trailing\n  cites "T # not a comment"\n# end\n'
    [cur] = parse(text).declarations
    assert cur.about.citation == "T # not a comment"
    assert at(cur.name_span) == (3, 10, 3, 13)


def test_an_empty_file_has_no_declarations() -> None:
    assert parse("").declarations == ()
    assert parse("# only a comment\n").outputs == ()


def test_several_outputs_declarations() -> None:
    f = parse("outputs a, b\noutputs c\n")
    assert [list(o.names) for o in f.outputs] == [["a", "b"], ["c"]]
    assert f.declarations == ()


def test_a_declaration_word_is_not_a_name() -> None:
    d = syntax_error('rule rule cites "T" = 1')
    assert (d.line, d.column, d.end_column) == (1, 6, 10)
    assert d.message == "unexpected 'rule'"
    assert d.hint == "expected a name"
    # but names that merely start with one are names
    [rule] = parse('rule rules_total cites "T" = input_x + means_test').declarations
    assert rule.name == "rules_total"


# ---- syntax errors ------------------------------------------------------


def test_unexpected_token() -> None:
    d = syntax_error('currency RMB cites "T"\nrule a cites "T" = 1 2\n')
    assert (d.file, d.line, d.column, d.end_line, d.end_column) == ("t.rules", 2, 22, 2, 23)
    assert d.message == "unexpected '2'"
    assert d.hint is not None and d.hint.startswith("expected ")
    assert "'+' or '-'" in d.hint and "'*' or '/'" in d.hint


def test_unexpected_character() -> None:
    d = syntax_error('rule a cites "T"\n  = revenue[y] @ 2\n')
    assert (d.line, d.column, d.end_line, d.end_column) == (2, 16, 2, 17)
    assert d.message == "unexpected character '@'"


def test_unexpected_character_that_is_not_ascii() -> None:
    d = syntax_error('rule a cites "T" = ¥ 5')
    assert (d.line, d.column) == (1, 20)
    assert d.message == "unexpected character '¥': a currency is written by its code"
    assert d.hint == 'write RMB 5, and declare it: currency RMB cites "..."'


def test_unterminated_text() -> None:
    d = syntax_error('rule a cites "SPA 5.1\n  = 1\n')
    assert (d.line, d.column) == (1, 14)
    assert d.message == "unexpected character '\"'"
    assert d.hint == 'expected a quoted text ("...")'


def test_file_ending_in_the_middle_of_a_declaration() -> None:
    d = syntax_error('currency RMB cites "T"\nrule a cites "T" = 1 +')
    assert (d.line, d.column, d.end_line, d.end_column) == (2, 23, 2, 24)
    assert d.message == "the file ends in the middle of a declaration"
    assert d.hint is not None and "'('" in d.hint and "a name" in d.hint


def test_file_ending_after_a_declaration_word() -> None:
    d = syntax_error("rule")
    assert (d.line, d.column) == (1, 5)
    assert d.message == "the file ends in the middle of a declaration"
    assert d.hint == "expected a name"


def test_file_ending_before_the_formula() -> None:
    d = syntax_error('parameter p\n  cites "T"\n')
    assert (d.line, d.column) == (2, 12)
    assert d.message == "the file ends in the middle of a declaration"
    assert d.hint is not None and "'='" in d.hint


def test_missing_word_each() -> None:
    d = syntax_error('rule a for year y cites "T" = 1')
    assert (d.line, d.column, d.end_column) == (1, 12, 16)
    assert d.message == "unexpected 'year'"
    assert d.hint == "expected 'each'"


def test_for_each_comes_before_the_citation() -> None:
    d = syntax_error('rule a cites "T" for each year y = 1')
    assert (d.line, d.column) == (1, 18)
    assert d.message == "unexpected 'for'"


@pytest.mark.parametrize(
    ("text", "bad", "column"),
    [
        ('periods year cites "T"\n  Y1 from 2025-02-30 to 2025-12-31\n', "2025-02-30", 11),
        ('periods year cites "T"\n  Y1 from 2025-01-01 to 2025-13-01\n', "2025-13-01", 25),
        ('periods year cites "T"\n  Y1 from 2025-01-01 to 2026-02-29\n', "2026-02-29", 25),
        ('rule a cites "T"\n  = start(y) < 2025-02-30\n', "2025-02-30", 16),
        ('parameter deadline cites "T"\n  = 2025-04-31\n', "2025-04-31", 5),
    ],
)
def test_a_date_that_does_not_exist(text: str, bad: str, column: int) -> None:
    d = syntax_error(text)
    assert (d.line, d.column, d.end_line, d.end_column) == (2, column, 2, column + 10)
    assert d.message == f"{bad} is not a date"
    assert d.hint == "write a real calendar date as YYYY-MM-DD"


def test_a_leap_day_that_exists_is_a_date() -> None:
    [periods] = parse('periods year cites "T"\n  Y1 from 2028-02-29 to 2028-12-31\n').declarations
    assert isinstance(periods, n.PeriodsDecl)
    assert periods.members[0].start == date(2028, 2, 29)


def test_a_date_written_without_leading_zeros_is_refused() -> None:
    d = syntax_error('periods year cites "T"\n  Y1 from 2025-2-01 to 2025-12-31\n')
    assert (d.line, d.column) == (2, 11)
    assert d.message == "unexpected '2025'"
    assert d.hint == "expected a date (YYYY-MM-DD)"


def test_every_syntax_error_of_a_file_is_reported() -> None:
    path = BAD / "syntax_many.rules"
    found = syntax_errors(path.read_text(encoding="utf-8"), str(path))
    assert [(d.line, d.column, d.message) for d in found] == [
        (3, 1, "unexpected 'rule'"),  # rule a is cut short: found where rule b begins
        (3, 24, "unexpected '2'"),  # ... and rule b's own mistake is still found
        (4, 33, "unexpected character '@'"),
    ]
    assert {d.file for d in found} == {str(path)}


def test_a_declaration_cut_short_at_the_end_is_reported_once() -> None:
    found = syntax_errors('rule a cites "T" = 1\nrule')
    assert [(d.line, d.column, d.message) for d in found] == [
        (2, 5, "the file ends in the middle of a declaration"),
    ]


def test_a_syntax_error_is_a_contract_error_with_its_place() -> None:
    with pytest.raises(evaluator.ContractError) as info:
        parse('rule a cites "T" = 1 @', "x.rules")
    err = info.value
    assert isinstance(err, evaluator.RuleSyntaxError)
    assert (err.file, err.line, err.column) == ("x.rules", 1, 22)
    assert str(err) == ("x.rules:1:22: unexpected character '@'; hint: expected '%', ')', '*' or '/', '+' or '-', "
                        "',', ']', a comparison, a name, ...")


def test_load_rules_reports_syntax_errors_of_every_file(tmp_path: Path) -> None:
    a = tmp_path / "a.rules"
    b = tmp_path / "b.rules"
    a.write_text('rule x cites "T" = 1 +\n', encoding="utf-8")
    b.write_text('currency RMB cites "T"\nrule y cites "T" = RMB 1 @\n', encoding="utf-8")
    with pytest.raises(evaluator.RuleSyntaxError) as info:
        evaluator.load_rules([a, b])
    assert [(Path(d.file).name, d.line, d.column) for d in info.value.diagnostics] == [
        ("a.rules", 1, 23), ("b.rules", 2, 26),
    ]
    rendered = info.value.render()
    assert f"{b}:2:26: error: unexpected character '@'" in rendered
    assert "    2 | rule y cites \"T\" = RMB 1 @\n      |                          ^" in rendered


def test_children_knows_every_kind_of_expression_and_gives_them_in_written_order() -> None:
    import typing

    assert set(n._CHILDREN) == set(typing.get_args(n.ExprNode))
    rules = parse("periods year\n  Y1 from 2026-01-01 to 2026-12-31\nrule r for each year y\n"
                  "  = if 1 > 2 then round 3 / 4 down to 1 else -5\n")
    rule = rules.declarations[1]
    assert isinstance(rule, n.RuleDecl) and isinstance(rule.body, n.If)
    # if 1 > 2 then round 3 / 4 down to 1 else -5: the condition, then, otherwise
    assert [show(c) for c in n.children(rule.body)] == ["(1 > 2)", "(round (3 / 4) down to 1)", "(-5)"]
    assert [type(e).__name__ for e in n.walk(rule.body)] == \
        ["If", "Binary", "Number", "Number", "Round", "Binary", "Number", "Number", "Number", "Negate", "Number"]
