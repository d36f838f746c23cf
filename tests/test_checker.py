"""The static checks: every mistake found before anything is evaluated, at its exact place.

Most cases are a few lines added after PRELUDE (six lines: a currency, three
years and one input), so the first line of a case is line 7.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evaluator
from evaluator.checker import Program, check
from evaluator.parser import parse

TESTS = Path(__file__).resolve().parent
KAIXIN = TESTS.parent / "rules" / "kaixin" / "spa.rules"
GOOD = TESTS / "data" / "rules" / "good"
BAD = TESTS / "data" / "rules" / "bad"

PRELUDE = """\
currency RMB cites "T 1"
periods year cites "T 2"
  Y1 from 2025-01-01 to 2025-12-31
  Y2 from 2026-01-01 to 2026-12-31
  Y3 from 2027-01-01 to 2027-12-31
input revenue: RMB by year cites "T 3"
"""
FIRST = 7  # the line where a case's own text starts


def checked(text: str, file: str = "t.rules") -> Program:
    return check([parse(PRELUDE + text, file)])


def problems(text: str, file: str = "t.rules") -> list[evaluator.Diagnostic]:
    with pytest.raises(evaluator.CheckError) as info:
        checked(text, file)
    return info.value.diagnostics


def problem(text: str) -> evaluator.Diagnostic:
    found = problems(text)
    assert len(found) == 1, [(d.line, d.column, d.message) for d in found]
    return found[0]


def assert_at(d: evaluator.Diagnostic, line: int, column: int, fragment: str,
              hint: str | None = None, end_column: int | None = None) -> None:
    assert (d.line, d.column) == (line, column), (d.line, d.column, d.message)
    assert fragment in d.message, d.message
    if hint is not None:
        assert d.hint is not None and hint in d.hint, d.hint
    if end_column is not None:
        assert (d.end_line, d.end_column) == (line, end_column)


def test_the_prelude_alone_is_valid() -> None:
    program = checked("")
    assert list(program.period_sets["year"].names) == ["Y1", "Y2", "Y3"]


def test_the_kaixin_rules_pass_every_check() -> None:
    program = evaluator.load_rules([KAIXIN])
    assert program.default_interpretation == "spa"
    assert set(program.interpretations) == {"spa", "excess-year", "press-release"}
    assert "escrow_shares" in program.outputs
    assert program.symbols["credit"].params == ("year", "year")


# ---- names --------------------------------------------------------------


def test_unknown_name_with_did_you_mean() -> None:
    d = problem('rule a for each year y cites "T"\n  = revenu[y] * 2\n')
    assert_at(d, FIRST + 1, 5, "unknown name 'revenu'", "did you mean 'revenue'?", end_column=11)
    assert d.hint == "did you mean 'revenue'?"


def test_unknown_name_without_index() -> None:
    d = problem('parameter cap cites "T" = RMB 5\nrule a cites "T" = cpa * 2')
    assert_at(d, FIRST + 1, 20, "unknown name 'cpa'", "did you mean 'cap'?", end_column=23)


def test_unknown_name_with_nothing_close() -> None:
    d = problem('rule a cites "T" = zzz')
    assert_at(d, FIRST, 20, "unknown name 'zzz'")
    assert d.hint is None


def test_a_period_variable_is_known_only_in_its_rule() -> None:
    d = problem('rule a cites "T" = revenue[y]')
    assert_at(d, FIRST, 28, "unknown name 'y'")


def test_a_variable_of_an_aggregate_is_known_only_inside_it() -> None:
    d = problem('rule a cites "T" = sum(revenue[x] for each year x) + revenue[x]')
    assert_at(d, FIRST, 62, "unknown name 'x'")


def test_unknown_function_with_did_you_mean() -> None:
    d = problem('rule a for each year y cites "T" = clam(revenue[y], RMB 0, RMB 9)')
    assert_at(d, FIRST, 36, "unknown function 'clam'", "did you mean 'clamp'?")


def test_unknown_function_with_nothing_close() -> None:
    d = problem('rule a cites "T" = frobnicate(1)')
    assert_at(d, FIRST, 20, "unknown function 'frobnicate'")


def test_unknown_aggregate() -> None:
    d = problem('rule a cites "T" = summ(revenue[x] for each year x)')
    assert_at(d, FIRST, 20, "'summ' cannot take 'for each'", "did you mean 'sum'?")


def test_unknown_currency_in_an_amount() -> None:
    d = problem('rule a cites "T" = USD 5')
    assert_at(d, FIRST, 20, "unknown unit or currency 'USD'", "currency CODE", end_column=25)


def test_unknown_currency_with_did_you_mean() -> None:
    d = problem('rule a cites "T" = RBM 5')
    assert_at(d, FIRST, 20, "unknown unit or currency 'RBM'", "did you mean 'RMB'?")


def test_unknown_currency_in_a_type() -> None:
    d = problem('input price: USD per share cites "T"')
    assert_at(d, FIRST, 14, "unknown unit or currency 'USD'")


def test_unknown_period_set() -> None:
    found = problems('input sales: RMB by quater cites "T"\nrule a for each quarter q cites "T" = 1')
    assert_at(found[0], FIRST, 21, "unknown period set 'quater'")
    assert_at(found[1], FIRST + 1, 17, "unknown period set 'quarter'", end_column=26)


def test_first_and_last_take_a_set_of_periods() -> None:
    d = problem('rule a cites "T" = revenue[first(Y1)]')
    assert_at(d, FIRST, 28, "first(...) takes the name of a set of periods", "e.g. first(year)")


def test_a_variable_may_not_reuse_a_name() -> None:
    found = problems('rule a for each year revenue cites "T" = 1\nrule b for each year y, year y cites "T" = 1')
    assert_at(found[0], FIRST, 17, "'revenue' is already the name of something else")
    assert_at(found[1], FIRST + 1, 25, "'y' is already used in this rule")


# ---- units --------------------------------------------------------------


def test_adding_rmb_to_shares() -> None:
    d = problem('parameter tranche cites "T" = 1,000 shares\n'
                'rule a for each year y cites "T"\n'
                '  = tranche + revenue[y]\n')
    assert_at(d, FIRST + 2, 5, "cannot add RMB to shares", "one unit", end_column=25)


def test_subtracting_shares_from_rmb() -> None:
    d = problem('rule a cites "T" = revenue[Y1] - 3 shares')
    assert_at(d, FIRST, 20, "cannot subtract shares from RMB")


def test_comparing_a_date_with_money() -> None:
    d = problem('rule a for each year y cites "T" = end(y) < revenue[y]')
    assert_at(d, FIRST, 36, "cannot compare a date with RMB", end_column=55)


def test_comparing_a_date_literal_with_money() -> None:
    d = problem('rule a cites "T" = 2026-06-30 >= RMB 5')
    assert_at(d, FIRST, 20, "cannot compare a date with RMB")


def test_dates_and_days() -> None:
    program = checked('rule a for each year y cites "T" = end(y) + 30 days\n'
                      'rule b for each year y cites "T" = end(y) - start(y)\n'
                      'rule c cites "T" = 2026-01-01 - 2025-01-01 > 360 days\n')
    assert str(program.symbols["a"].type) == "a date"
    assert str(program.symbols["b"].type) == "days"
    d = problem('rule a cites "T" = 2026-01-01 * 2')
    assert_at(d, FIRST, 20, "cannot multiply a date by ratio")


def test_if_branches_of_different_units() -> None:
    d = problem('rule a for each year y cites "T"\n  = if revenue[y] > RMB 0 then revenue[y] else 0 shares\n')
    assert_at(d, FIRST + 1, 5, "the two branches give RMB and shares", "same unit")


def test_if_branch_may_be_pending() -> None:
    program = checked('rule a for each year y cites "T" = if revenue[y] is known then revenue[y] else pending')
    assert str(program.symbols["a"].type) == "RMB"


def test_if_needs_a_condition() -> None:
    d = problem('rule a cites "T" = if revenue[Y1] then 1 else 2')
    assert_at(d, FIRST, 23, "'if' needs a true/false condition, not RMB")


def test_rounding_rmb_to_one_share() -> None:
    d = problem('rule a for each year y cites "T" = round revenue[y] down to 1 share')
    assert_at(d, FIRST, 61, "cannot round RMB to a step in shares", "round to a step in RMB", end_column=68)


def test_rounding_to_nothing() -> None:
    d = problem('rule a cites "T" = round revenue[Y1] down to RMB 0')
    assert_at(d, FIRST, 46, "round to a positive amount")


def test_rounding_a_condition() -> None:
    d = problem('rule a cites "T" = round (revenue[Y1] > RMB 0) up to 1')
    assert_at(d, FIRST, 27, "cannot round true/false", end_column=46)


def test_a_ratio_per_share_and_back() -> None:
    program = checked('parameter tranche cites "T" = 1,000 shares\n'
                      'rule price cites "T" = revenue[Y1] / tranche\n'
                      'rule back cites "T" = round price * tranche half even to RMB 0.01\n'
                      'rule part cites "T" = revenue[Y1] / revenue[Y2]\n')
    assert str(program.symbols["price"].type) == "RMB per share"
    assert str(program.symbols["back"].type) == "RMB"
    assert str(program.symbols["part"].type) == "ratio"


def test_declared_type_must_match() -> None:
    d = problem('rule a: shares cites "T" = revenue[Y1]')
    assert_at(d, FIRST, 28, "'a' is declared as shares but its formula gives RMB")


def test_table_entries_share_one_unit() -> None:
    d = problem('parameter t by year cites "T"\n  Y1: RMB 1\n  Y2: 2 shares\n  Y3: RMB 3\n')
    assert_at(d, FIRST + 2, 7, "Y2 is in shares, the others in RMB", "same unit")


def test_allocation_claims_in_the_unit_of_the_pool() -> None:
    d = problem('allocation c for each year y cites "T"\n'
                '  pool 5 shares\n'
                '  claims revenue[k] for each year k before y\n'
                '  earliest first\n')
    assert_at(d, FIRST + 2, 10, "claims are in RMB but the pool is in shares")


def test_sum_of_conditions() -> None:
    d = problem('rule a cites "T" = sum(revenue[x] > RMB 0 for each year x)')
    assert_at(d, FIRST, 24, "cannot sum true/false")


def test_min_of_different_units() -> None:
    d = problem('rule a cites "T" = min(revenue[Y1], 5 shares)')
    assert_at(d, FIRST, 37, "min cannot compare RMB with shares")


# ---- periods and indexes ------------------------------------------------


def test_too_many_period_indexes() -> None:
    d = problem('rule a cites "T" = revenue[Y1, Y2]')
    assert_at(d, FIRST, 20, "'revenue' takes 1 period(s) (year), not 2", end_column=35)


def test_too_few_period_indexes() -> None:
    d = problem('rule a for each year k, year y cites "T" = revenue[k]\nrule b for each year y cites "T" = a[y]')
    assert_at(d, FIRST + 1, 36, "'a' takes 2 period(s) (year, year), not 1")


def test_an_index_on_a_single_value() -> None:
    d = problem('parameter p cites "T" = 5\nrule a cites "T" = p[Y1]')
    assert_at(d, FIRST + 1, 20, "'p' has one value, not one per period", "write just p")


def test_an_index_of_the_wrong_kind() -> None:
    d = problem('rule a cites "T" = revenue[1]')
    assert_at(d, FIRST, 28, "'revenue' is indexed by year, not by ratio")


def test_a_per_period_value_used_without_index() -> None:
    d = problem('rule a for each year y cites "T"\n  = revenue * 2\n')
    assert_at(d, FIRST + 1, 5, "'revenue' has a value for each year", "say which: revenue[y]", end_column=12)


def test_a_per_period_value_used_without_index_outside_a_for_each() -> None:
    d = problem('rule total cites "T" = revenue')
    assert_at(d, FIRST, 24, "'revenue' has a value for each year", "say which: revenue[...]")


def test_a_bound_of_the_wrong_kind() -> None:
    d = problem('rule a cites "T" = sum(revenue[x] for each year x before 1)')
    assert_at(d, FIRST, 58, "'before' needs a year, not ratio")


def test_previous_takes_a_period() -> None:
    d = problem('rule a cites "T" = revenue[previous(1)]')
    assert_at(d, FIRST, 28, "previous(...) takes one period")


# ---- cycles -------------------------------------------------------------


def test_a_cycle_between_two_rules_at_the_same_period() -> None:
    path = BAD / "cycle.rules"
    with pytest.raises(evaluator.CheckError) as info:
        evaluator.load_rules([path])
    [d] = info.value.diagnostics
    assert d.file == str(path)
    assert_at(d, 13, 5, "'gross' depends on itself: gross -> net -> gross",
              "a rule may refer back to itself only for an earlier period", end_column=10)


def test_a_rule_using_itself_at_the_same_period() -> None:
    d = problem('rule a for each year y cites "T" = revenue[y] + a[y]')
    assert_at(d, FIRST, 49, "'a' depends on itself: a -> a")


def test_a_cycle_without_periods() -> None:
    d = problem('rule a cites "T" = b + RMB 1\nrule b cites "T" = c\nrule c cites "T" = a')
    assert_at(d, FIRST + 2, 20, "'a' depends on itself: a -> b -> c -> a")


def test_a_rule_may_use_itself_at_an_earlier_period() -> None:
    program = evaluator.load_rules([GOOD / "earlier.rules"])
    assert str(program.symbols["balance"].type) == "RMB"
    assert str(program.symbols["carried"].type) == "RMB"
    assert program.symbols["paid"].params == ("year", "year")
    assert program.outputs == ("balance", "carried", "lagged")


def test_previous_y_and_before_y_are_earlier() -> None:
    checked('rule a for each year y cites "T"\n'
            '  = if y = first(year) then revenue[y] else a[previous(y)] + revenue[y]\n'
            'rule b for each year y cites "T" = revenue[y] + sum(b[x] for each year x before y)\n'
            'rule c for each year y cites "T"\n'
            '  = if y > first(year) then revenue[y] + sum(c[x] for each year x before previous(y)) else revenue[y]\n'
            'rule d for each year y cites "T"\n'
            '  = revenue[y] + sum(d[previous(x)] for each year x through y where x > first(year))\n')


def test_before_a_period_that_is_not_earlier_can_loop() -> None:
    # a[Y1] would need a[Y1] and a[Y2], for every year x is before last(year)
    d = problem('rule a for each year y cites "T" = revenue[y] + sum(a[x] for each year x before last(year))')
    assert_at(d, FIRST, 53, "'a' depends on itself: a -> a")
    d = problem('rule a for each year y cites "T" = revenue[y] + sum(a[x] for each year x before next(y))')
    assert_at(d, FIRST, 53, "'a' depends on itself: a -> a")


def test_previous_of_a_later_period_is_not_earlier() -> None:
    d = problem('rule a for each year y cites "T" = if y = last(year) then RMB 0 else a[previous(next(y))]')
    assert_at(d, FIRST, 70, "'a' depends on itself: a -> a")


def test_after_and_through_are_not_earlier() -> None:
    found = problems('rule a for each year y cites "T" = sum(a[x] for each year x through y)\n'
                     'rule b for each year y cites "T" = sum(b[x] for each year x where x < y)\n')
    assert [(d.line, d.column) for d in found] == [(FIRST, 40), (FIRST + 1, 40)]
    assert all("depends on itself" in d.message for d in found)


def test_an_earlier_variable_does_not_outlive_its_aggregate() -> None:
    # x is before y in the first sum only; in the second it runs through y,
    # so a[y] -> b[y] -> a[y] is a cycle at the same period.
    d = problem('rule a for each year y cites "T"\n'
                '  = sum(revenue[x] for each year x before y) + sum(b[x] for each year x through y)\n'
                'rule b for each year y cites "T" = a[y]\n')
    assert_at(d, FIRST + 2, 36, "'a' depends on itself: a -> b -> a")


# ---- duplicates, citations, readings ------------------------------------


def test_a_rule_defined_twice() -> None:
    d = problem('rule a cites "T" = 1\nrule a cites "T" = 2')
    assert_at(d, FIRST + 1, 6, "'a' is defined twice", f"first defined at t.rules:{FIRST}:6", end_column=7)


def test_a_name_used_by_two_kinds_of_declaration() -> None:
    d = problem('parameter revenue cites "T" = RMB 1')
    assert_at(d, FIRST, 11, "'revenue' is defined twice", "first defined at t.rules:6:7")


def test_a_period_defined_twice() -> None:
    d = problem('periods quarter cites "T"\n  Q1 from 2030-01-01 to 2030-03-31\n  Y2 from 2030-04-01 to 2030-06-30\n')
    assert_at(d, FIRST + 2, 3, "'Y2' is defined twice", "first defined at t.rules:4:3")


def test_a_period_name_clashing_with_a_rule() -> None:
    d = problem('rule year cites "T" = 1')
    assert_at(d, FIRST, 6, "'year' is defined twice", "first defined at t.rules:2:9")


def test_a_definition_repeated_in_another_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.rules", tmp_path / "b.rules"
    a.write_text(PRELUDE, encoding="utf-8")
    b.write_text('\nrule revenue cites "T" = 1\n', encoding="utf-8")
    with pytest.raises(evaluator.CheckError) as info:
        evaluator.load_rules([a, b])
    [d] = info.value.diagnostics
    assert d.file == str(b)
    assert_at(d, 2, 6, "'revenue' is defined twice", f"first defined at {a}:6:7")


@pytest.mark.parametrize(
    ("text", "name", "column"),
    [
        ("currency USD", "USD", 10),
        ("periods quarter Q1 from 2030-01-01 to 2030-03-31", "quarter", 9),
        ("parameter p = 5", "p", 11),
        ("parameter t by year Y1: 1 Y2: 2 Y3: 3", "t", 11),
        ("input sales: RMB", "sales", 7),
        ('rule a means "no citation" = 1', "a", 6),
        ("allocation c pool RMB 1 claims revenue[k] for each year k earliest first", "c", 12),
        ("interpretation spa default", "spa", 16),
    ],
)
def test_a_missing_citation(text: str, name: str, column: int) -> None:
    d = problem(text)
    assert_at(d, FIRST, column, f"'{name}' has no clause citation", 'cites "SPA 5.1"',
              end_column=column + len(name))


def test_an_unknown_reading_in_under() -> None:
    d = problem('interpretation spa default cites "T"\n'
                'interpretation press-release cites "T"\n'
                'rule a cites "T" = 1\n'
                '  under press-releas = 2\n')
    assert_at(d, FIRST + 3, 3, "unknown reading 'press-releas'", "did you mean 'press-release'?")


def test_an_unknown_reading_when_none_is_declared() -> None:
    d = problem('rule a cites "T" = 1 under spa = 2')
    assert_at(d, FIRST, 22, "unknown reading 'spa'", "declare it with: interpretation NAME")


def test_two_definitions_under_one_reading() -> None:
    d = problem('interpretation spa default cites "T"\nrule a cites "T" = 1 under spa = 2 under spa = 3')
    assert_at(d, FIRST + 1, 36, "'a' has two definitions under 'spa'")


def test_a_reading_that_gives_another_unit() -> None:
    d = problem('interpretation spa default cites "T"\nrule a cites "T" = 1 share under spa = RMB 2')
    assert_at(d, FIRST + 1, 40, "under 'spa' 'a' gives RMB, but its main definition gives shares")


def test_no_default_reading() -> None:
    d = problem('interpretation spa cites "T"\ninterpretation press-release cites "T"\n')
    assert_at(d, FIRST, 16, "no reading is marked default", "write 'interpretation spa default'")


def test_two_default_readings() -> None:
    d = problem('interpretation spa default cites "T"\ninterpretation press-release default cites "T"\n')
    assert_at(d, FIRST + 1, 16, "more than one default reading ('spa' and 'press-release')", end_column=29)


def test_a_reading_defined_twice() -> None:
    d = problem('interpretation spa default cites "T"\ninterpretation spa cites "T"\n')
    assert_at(d, FIRST + 1, 16, "reading 'spa' is defined twice", f"first defined at t.rules:{FIRST}:16")


def test_readings_have_names_of_their_own() -> None:
    # a reading may share its name with a rule: they never meet
    program = checked('interpretation spa default cites "T"\nrule spa cites "T" = 1\n')
    assert program.default_interpretation == "spa"


# ---- tables and periods -------------------------------------------------


def test_a_table_missing_a_period() -> None:
    d = problem('parameter target by year cites "T"\n  Y1: RMB 1\n  Y3: RMB 3\n')
    assert_at(d, FIRST, 11, "'target' has no value for Y2", "add a line 'Y2: ...'", end_column=17)


def test_a_table_with_a_period_of_another_set() -> None:
    d = problem('parameter target by year cites "T"\n  Y1: RMB 1\n  Y2: RMB 2\n  Y3: RMB 3\n  Y4: RMB 4\n')
    assert_at(d, FIRST + 4, 3, "Y4 is not a period of 'year'")


def test_a_table_with_a_period_given_twice() -> None:
    d = problem('parameter target by year cites "T"\n  Y1: RMB 1\n  Y2: RMB 2\n  Y2: RMB 3\n  Y3: RMB 3\n')
    assert_at(d, FIRST + 3, 3, "Y2 is given twice")


def test_periods_out_of_order() -> None:
    d = problem('periods quarter cites "T"\n'
                '  Q1 from 2030-04-01 to 2030-06-30\n'
                '  Q2 from 2030-01-01 to 2030-03-31\n')
    assert_at(d, FIRST + 2, 3, "period Q2 starts before Q1 ends", "chronological order", end_column=35)


def test_periods_that_overlap() -> None:
    d = problem('periods quarter cites "T"\n'
                '  Q1 from 2030-01-01 to 2030-03-31\n'
                '  Q2 from 2030-03-31 to 2030-06-30\n')
    assert_at(d, FIRST + 2, 3, "period Q2 starts before Q1 ends")


def test_a_period_that_ends_before_it_starts() -> None:
    d = problem('periods quarter cites "T"\n  Q1 from 2030-03-31 to 2030-01-01\n')
    assert_at(d, FIRST + 1, 3, "period Q1 ends before it starts")


def test_a_period_of_one_day() -> None:
    checked('periods day_one cites "T"\n  D1 from 2030-01-01 to 2030-01-01\n  D2 from 2030-01-02 to 2030-01-02\n')


def test_reported_in_order_needs_periods() -> None:
    d = problem('input x: RMB, reported in order cites "T"')
    assert_at(d, FIRST, 7, "'x' has one value; 'reported in order' needs 'by PERIODS'")


# ---- outputs ------------------------------------------------------------


def test_an_unknown_output() -> None:
    d = problem('rule a for each year y cites "T" = revenue[y]\noutputs a, revenu\n')
    assert_at(d, FIRST + 1, 12, "unknown output 'revenu'", "did you mean 'revenue'?", end_column=18)


def test_an_output_listed_twice() -> None:
    d = problem("outputs revenue,\n        revenue\n")
    assert_at(d, FIRST + 1, 9, "'revenue' is listed twice in outputs")


def test_an_output_for_each_pair_of_periods() -> None:
    d = problem('rule a for each year k, year y cites "T" = revenue[k]\noutputs revenue, a\n')
    assert_at(d, FIRST + 1, 18, "'a' has a value for each pair of periods",
              "output a total over one of them, e.g. rule a_total for each year x = sum(a[k, x] for each year k)")


def test_outputs_keep_their_order() -> None:
    program = checked('rule a cites "T" = 1\noutputs revenue\noutputs a\n')
    assert program.outputs == ("revenue", "a")


# ---- every problem at once, and how it is shown --------------------------


def test_every_error_of_a_file_is_reported_in_one_check_error() -> None:
    path = BAD / "three_errors.rules"
    with pytest.raises(evaluator.CheckError) as info:
        evaluator.load_rules([path])
    found = info.value.diagnostics
    assert len(found) == 3
    assert_at(found[0], 11, 5, "unknown name 'targett'")
    assert_at(found[1], 14, 5, "cannot add RMB to shares")
    assert_at(found[2], 15, 6, "'met' has no clause citation")
    assert {d.file for d in found} == {str(path)}
    err = info.value
    assert (err.file, err.line, err.column) == (str(path), 11, 5)
    assert str(err) == f"{path}:11:5: unknown name 'targett'"


def test_errors_of_several_files_come_together_in_order(tmp_path: Path) -> None:
    a, b = tmp_path / "a.rules", tmp_path / "b.rules"
    a.write_text(PRELUDE + 'rule x cites "T" = zzz\n', encoding="utf-8")
    b.write_text('rule y cites "T" = USD 1\nrule z = 1\n', encoding="utf-8")
    with pytest.raises(evaluator.CheckError) as info:
        evaluator.load_rules([b, a])
    assert [(Path(d.file).name, d.line, d.column) for d in info.value.diagnostics] == [
        ("a.rules", 7, 20), ("b.rules", 1, 20), ("b.rules", 2, 6),
    ]


def test_a_mistake_is_reported_once_even_if_used_often() -> None:
    # `a` is wrong once; the rules that use it are not reported again
    d = problem('rule a cites "T" = revenue[Y1] + 1 share\nrule b cites "T" = a * 2\nrule c cites "T" = a + b\n')
    assert_at(d, FIRST, 20, "cannot add shares to RMB")


def test_render_of_a_check_error() -> None:
    path = BAD / "three_errors.rules"
    with pytest.raises(evaluator.CheckError) as info:
        evaluator.load_rules([path])
    rendered = info.value.render()
    assert rendered.splitlines()[:4] == [
        f"{path}:11:5: error: unknown name 'targett'",
        "   11 |   = targett[y] - revenue[y]",
        "      |     ^^^^^^^",
        f"{path}:14:5: error: cannot add RMB to shares",
    ]
    lines = rendered.splitlines()
    assert lines[4:7] == [
        "   14 |   = tranche + revenue[y]",
        "      |     ^^^^^^^^^^^^^^^^^^^^",
        "   hint: amounts added together are in one unit; divide by an amount in RMB to get a ratio first",
    ]
    assert lines[7:] == [
        f"{path}:15:6: error: 'met' has no clause citation",
        "   15 | rule met for each year y",
        "      |      ^^^",
        '   hint: add the clause it encodes, e.g. cites "SPA 5.1", after the name',
    ]


def test_render_from_given_sources() -> None:
    text = PRELUDE + 'rule a for each year y cites "T"\n  = revenu[y] * 2\n'
    with pytest.raises(evaluator.CheckError) as info:
        check([parse(text, "virtual.rules")])
    assert info.value.render({"virtual.rules": text}) == (
        "virtual.rules:8:5: error: unknown name 'revenu'\n"
        "    8 |   = revenu[y] * 2\n"
        "      |     ^^^^^^\n"
        "   hint: did you mean 'revenue'?"
    )


def test_render_of_a_span_over_several_lines_underlines_to_the_end_of_its_first() -> None:
    text = PRELUDE + ('rule a for each year y cites "T"\n'
                      "  = if revenue[y] > RMB 0\n"
                      "    then revenue[y]\n"
                      "    else 0 shares\n")
    with pytest.raises(evaluator.CheckError) as info:
        check([parse(text, "v.rules")])
    [d] = info.value.diagnostics
    assert (d.line, d.column, d.end_line) == (8, 5, 10)
    assert info.value.render({"v.rules": text}).splitlines()[1:3] == [
        "    8 |   = if revenue[y] > RMB 0",
        "      |     " + "^" * len("if revenue[y] > RMB 0"),
    ]


def test_a_grouped_number_among_arguments_is_ambiguous() -> None:
    # min(RMB 5, RMB 100,200): one number 100,200 or two arguments 100 and 200? Refused, not guessed.
    d = problem('rule a cites "x" = min(RMB 5, RMB 100,200)\n')
    assert_at(d, FIRST, 31, "ambiguous", hint="in parentheses", end_column=42)


def test_a_grouped_number_in_parentheses_is_one_number() -> None:
    program = checked('rule a cites "x" = min(RMB 5, (RMB 100,200))\n')
    assert program.symbols["a"].type.unit is not None
