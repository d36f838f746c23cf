"""Large and deep rule files: computed when finite and sensible, refused clearly when not."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

import evaluator
from evaluator.checker import check
from evaluator.cost import bound
from evaluator.limits import DEFAULT, MAX_DAYS, Limits
from evaluator.parser import parse
from tests.helpers import CONTRACT, KAIXIN, contract_from


def test_a_running_total_over_1500_days_is_computed(tmp_path: Path) -> None:
    # Each day adds 1 to the day before: 1,500 references deep, far past Python's default recursion limit.
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(1500)]
    rules = 'currency USD cites "x"\nperiods day cites "x"\n'
    rules += "".join(f"  D{i} from {d} to {d}\n" for i, d in enumerate(days))
    rules += """input amount: USD by day cites "x"
rule running for each day q cites "x"
  = if q = first(day) then amount[q] else amount[q] + running[previous(q)]
rule total cites "x" = running[last(day)]
outputs total
"""
    c = contract_from(tmp_path, rules)
    out = c.evaluate({"amount": {f"D{i}": 1 for i in range(1500)}}).outputs
    assert out["total"] == 1500  # 1,500 days x USD 1


@pytest.mark.slow  # 15 to 40 s: 3,000 rules parsed, checked and planned
def test_a_chain_of_3000_rules_is_checked_and_computed(tmp_path: Path) -> None:
    rules = 'currency USD cites "x"\nrule r0 cites "x" = USD 1\n'
    rules += "".join(f'rule r{i} cites "x" = r{i - 1} + USD 1\n' for i in range(1, 3000))
    rules += "outputs r2999\n"
    assert contract_from(tmp_path, rules).evaluate({}).outputs == {"r2999": 3000}  # r0 = 1, each adds 1


@pytest.mark.parametrize("formula", ["(" * 150 + "USD 1" + ")" * 150, "USD 1" + " + USD 1" * 150])
def test_a_formula_nested_too_deep_is_refused_with_its_place(tmp_path: Path, formula: str) -> None:
    with pytest.raises(evaluator.RuleSyntaxError, match="nests more than 100 levels deep") as info:
        contract_from(tmp_path, f'currency USD cites "x"\nrule a cites "x" = {formula}\noutputs a\n')
    assert info.value.line == 2
    assert info.value.diagnostics[0].hint == "split it into named rules that refer to one another"


# ---- the cost bound that check works out (cost.py) ------------------------------------------------------


def test_two_nested_loops_over_a_century_of_days_are_refused_by_check(tmp_path: Path) -> None:
    # 1950-01-01 through 2049-12-31 is 36,525 days; one loop inside the other: 36,525^2 = 1,334,075,625
    # bodies, past the default limit of 20,000,000 steps. Refused before anything runs, at the rule.
    rules = """rule days_squared cites "x"
  = sum(sum(1 for each day e from 1950-01-01 through 2049-12-31) for each day d from 1950-01-01 through 2049-12-31)
outputs days_squared
"""
    with pytest.raises(evaluator.CheckError) as info:
        contract_from(tmp_path, rules)
    d = info.value.diagnostics[0]
    assert (d.line, d.column) == (1, 6)
    assert d.message.startswith("these rules could take up to 1,33")
    assert "more than the limit of 20,000,000; 'days_squared' alone up to" in d.message
    assert "--max-cost" in (d.hint or "")


def test_the_cost_limit_is_adjustable(tmp_path: Path) -> None:
    # One loop over the 1,000 days from 2026-01-01 through 2026-01-01 + 999 days: the sum (1), its bounds
    # (the date 1; date + 999 days 3) and the body (1) once a day: 1 + 1 + 3 + 1,000 x 1 = 1,005 steps.
    rules = 'rule n cites "x" = sum(1 for each day d from 2026-01-01 through 2026-01-01 + 999 days)\noutputs n\n'
    (tmp_path / "rules.rules").write_text(rules, encoding="utf-8")
    (tmp_path / "contract.yaml").write_text(CONTRACT, encoding="utf-8")
    assert evaluator.load(tmp_path / "contract.yaml").evaluate({}).outputs == {"n": 1000}
    assert bound(evaluator.load(tmp_path / "contract.yaml").program).total == 1_005
    evaluator.load(tmp_path / "contract.yaml", limits=Limits(max_cost=1_005))
    with pytest.raises(evaluator.CheckError, match="could take up to 1,005 steps to evaluate, more than the "
                                                   "limit of 1,004"):
        evaluator.load(tmp_path / "contract.yaml", limits=Limits(max_cost=1_004))


def test_the_bound_counts_day_loops_between_dates_the_rules_fix() -> None:
    # Per year: start(y) through end(y) is at most 366 days (2028 is a leap year); per cell the loop is
    # 1 (sum) + 2 (the bounds: start(y), end(y)... each a call with a name inside: 2 parts) + 366 x 1 body.
    rules = parse("""periods year cites "x"
  Y1 from 2027-01-01 to 2027-12-31
  Y2 from 2028-01-01 to 2028-12-31
rule days for each year y cites "x" = sum(1 for each day d from start(y) through end(y))
rule later for each year y cites "x" = sum(1 for each day d from as_of through as_of + 30 days)
rule open_ended for each year y cites "x" = sum(1 for each day d from start(y) through as_of)
""")
    cost = bound(check([rules]))
    assert cost.by_name["days"] == 2 * (1 + 2 + 2 + 366 * 1)  # 2 years x 371
    assert cost.by_name["later"] == 2 * (1 + 1 + 3 + 31 * 1)  # as_of .. as_of + 30 days: 31 days
    assert cost.by_name["open_ended"] == 2 * (1 + 2 + 1 + MAX_DAYS * 1)  # not fixed: at most MAX_DAYS


def test_kaixin_is_inside_the_cost_limit() -> None:
    c = evaluator.load(KAIXIN)
    total = bound(c.program).total
    assert 1_000_000 < total < DEFAULT.max_cost  # its day loops run between dates known only from inputs


# ---- the size of numbers ---------------------------------------------------------------------------------


SQUARING = "parameter x cites \"x\" = 1.5\nrule r0 cites \"x\" = x\n" + "".join(
    f'rule r{i} cites "x" = r{i - 1} * r{i - 1}\n' for i in range(1, 21)) + "outputs r20\n"


def test_repeated_squaring_stops_at_the_digit_limit_with_its_place(tmp_path: Path) -> None:
    # r_i = 1.5^(2^i) = 3^(2^i) / 2^(2^i). 3^2048 has 978 digits (r11); 3^4096 has 1,955 (r12): past 1,000.
    # (Without the limit, this runs for hours: r20 has over 500,000 digits.)
    with pytest.raises(evaluator.EvaluationError) as info:
        contract_from(tmp_path, SQUARING).evaluate({})
    d = info.value.diagnostics[0]
    assert d.message == "in r12: this makes a number of more than 1,000 digits"
    assert (d.line, d.column) == (14, 22)  # rule r12 is on line 14; its formula r11 * r11 at column 22


def test_the_digit_limit_is_adjustable(tmp_path: Path) -> None:
    contract_from(tmp_path, SQUARING)
    # 3^8192 has 3,909 digits (r13, allowed); 3^16384 has 7,818 (r14): past 5,000.
    with pytest.raises(evaluator.EvaluationError, match="in r14: this makes a number of more than 5,000 digits"):
        evaluator.load(tmp_path / "contract.yaml", limits=Limits(max_digits=5_000)).evaluate({})


def test_a_sum_of_many_different_fractions_stops_at_the_digit_limit(tmp_path: Path) -> None:
    # sum of 1/n over 3,000 days: the denominators' least common multiple passes 1,000 digits on the way.
    rules = """rule harmonic cites "x"
  = sum(1 / ((d - 2025-12-31) / 1 day) for each day d from 2026-01-01 through 2026-01-01 + 2999 days)
outputs harmonic
"""
    with pytest.raises(evaluator.EvaluationError, match="in harmonic: this makes a number of more than 1,000 digits"):
        contract_from(tmp_path, rules).evaluate({})
