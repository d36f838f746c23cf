"""The generic evaluator, on small rule files that are not the Kaixin agreement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import evaluator
from tests.helpers import DATA, contract_from, outputs

PRELUDE = """\
currency USD cites "T 1"
periods quarter cites "T 2"
  Q1 from 2026-01-01 to 2026-03-31
  Q2 from 2026-04-01 to 2026-06-30
  Q3 from 2026-07-01 to 2026-09-30
input amount: USD by quarter cites "T 3"
"""


def test_rounding_modes_are_the_ones_written(tmp_path: Path) -> None:
    # 7 / 2 = 3.5 and -7 / 2 = -3.5: a tie, where every mode shows its rule.
    rules = PRELUDE + 'parameter p cites "T" = 7 shares\n' + "".join(
        f'rule {name}_pos cites "T" = round p / 2 {mode} to 1 share\n'
        f'rule {name}_neg cites "T" = round -p / 2 {mode} to 1 share\n'
        for name, mode in [("down", "down"), ("up", "up"), ("tz", "toward zero"), ("afz", "away from zero"),
                           ("hu", "half up"), ("hd", "half down"), ("he", "half even")]
    ) + "outputs " + ", ".join(f"{m}_{s}" for m in ["down", "up", "tz", "afz", "hu", "hd", "he"]
                               for s in ["pos", "neg"]) + "\n"
    out = outputs(tmp_path, rules)
    expected = {
        "down": (3, -4), "up": (4, -3), "tz": (3, -3), "afz": (4, -4),
        "hu": (4, -4), "hd": (3, -3), "he": (4, -4),  # 3.5 -> 4 (even), -3.5 -> -4 (even)
    }
    for name, (pos, neg) in expected.items():
        assert (out[f"{name}_pos"], out[f"{name}_neg"]) == (pos, neg), name


def test_round_to_a_money_step(tmp_path: Path) -> None:
    # USD 10 / 3 = 3.3333... -> half up to USD 0.01 = 3.33; up to USD 0.05 = 3.35
    rules = PRELUDE + """
rule a cites "T" = round USD 10 / 3 half up to USD 0.01
rule b cites "T" = round USD 10 / 3 up to USD 0.05
outputs a, b
"""
    out = outputs(tmp_path, rules)
    assert out == {"a": Decimal("3.33"), "b": Decimal("3.35")}


def test_exact_arithmetic_never_drifts(tmp_path: Path) -> None:
    # 0.1 + 0.2 is exactly 0.3 here (it is 0.30000000000000004 in binary floats)
    rules = PRELUDE + 'rule s cites "T" = USD 0.1 + USD 0.2\nrule t cites "T" = s = USD 0.3\noutputs s, t\n'
    assert outputs(tmp_path, rules) == {"s": Decimal("0.3"), "t": True}


def test_a_result_with_no_exact_decimal_is_refused(tmp_path: Path) -> None:
    rules = PRELUDE + 'rule third cites "T" = USD 1 / 3\noutputs third\n'
    with pytest.raises(evaluator.EvaluationError, match="no exact decimal form") as info:
        outputs(tmp_path, rules)
    assert info.value.line == 7


def test_allocation_in_order_until_exhausted_and_the_rest_lapses(tmp_path: Path) -> None:
    # Q3's pool of USD 50 meets claims Q1 = 30, Q2 = 40 (earliest first): Q1 gets 30, Q2 the last 20.
    # Latest first: Q2 gets 40, Q1 the last 10. A pool of USD 100 pays both in full; 30 lapses.
    rules = PRELUDE + """
parameter claim by quarter cites "T"
  Q1: USD 30
  Q2: USD 40
  Q3: USD 0
allocation early for each quarter q cites "T"
  pool amount[q]
  claims claim[k] for each quarter k before q
  earliest first
allocation late for each quarter q cites "T"
  pool amount[q]
  claims claim[k] for each quarter k before q
  latest first
rule early_q1 cites "T" = early[Q3, Q1]
rule early_q2 cites "T" = early[Q3, Q2]
rule late_q1 cites "T" = late[Q3, Q1]
rule late_q2 cites "T" = late[Q3, Q2]
rule to_self cites "T" = early[Q3, Q3]
outputs early_q1, early_q2, late_q1, late_q2, to_self
"""
    out = outputs(tmp_path, rules, {"amount": {"Q1": 0, "Q2": 0, "Q3": 50}})
    assert out == {"early_q1": 30, "early_q2": 20, "late_q1": 10, "late_q2": 40, "to_self": 0}
    out = outputs(tmp_path, rules, {"amount": {"Q1": 0, "Q2": 0, "Q3": 100}})
    assert (out["early_q1"], out["early_q2"]) == (30, 40)


def test_pending_spreads_and_is_known_stops_it(tmp_path: Path) -> None:
    rules = PRELUDE + """
rule doubled for each quarter q cites "T" = amount[q] * 2
rule known_total cites "T" = sum(amount[q] for each quarter q where amount[q] is known)
rule all_total cites "T" = sum(amount[q] for each quarter q)
rule either cites "T" = amount[Q1] > USD 5 or amount[Q3] > USD 5
rule both cites "T" = amount[Q1] > USD 5 and amount[Q3] > USD 5
outputs doubled, known_total, all_total, either, both
"""
    out = outputs(tmp_path, rules, {"amount": {"Q1": 10, "Q2": "2.5"}})
    assert out["doubled"] == {"Q1": 20, "Q2": 5, "Q3": None}
    assert out["known_total"] == Decimal("12.5")
    assert out["all_total"] is None  # a sum over a pending value is pending, not a guess
    assert out["either"] is True  # true or pending = true
    assert out["both"] is None  # true and pending = pending


def test_division_by_zero_names_the_rule_and_place(tmp_path: Path) -> None:
    rules = PRELUDE + 'rule share for each quarter q cites "T" = amount[q] / amount[Q1]\noutputs share\n'
    with pytest.raises(evaluator.EvaluationError) as info:
        outputs(tmp_path, rules, {"amount": {"Q1": 0}})
    d = info.value.diagnostics[0]
    assert "in share[Q1]: division by zero" in d.message
    assert (d.line, d.column) == (7, 55)  # the divisor amount[Q1]


def test_previous_of_the_first_period_is_refused_by_check_not_guessed(tmp_path: Path) -> None:
    rules = PRELUDE + """
rule growth for each quarter q cites "T" = amount[q] - amount[previous(q)]
outputs growth
"""
    with pytest.raises(evaluator.CheckError) as info:  # before: an EvaluationError at Q1, after check passed
        outputs(tmp_path, rules, {"amount": {"Q1": 1, "Q2": 3}})
    d = info.value.diagnostics[0]
    assert (d.line, d.column, d.message, d.hint) == (
        8, 63, "q may be the first quarter, which has no previous one",
        "say what applies then: if q > first(quarter) then ... previous(q) ... else ...")
    # guarded, it is evaluated: Q1 has no growth (0), Q2 3 - 1 = 2
    guarded = rules.replace("= amount[q] - amount[previous(q)]",
                            "= if q > first(quarter) then amount[q] - amount[previous(q)] else USD 0")
    assert outputs(tmp_path, guarded, {"amount": {"Q1": 1, "Q2": 3}})["growth"] == {"Q1": 0, "Q2": 2, "Q3": None}


def test_running_total_through_earlier_periods(tmp_path: Path) -> None:
    # cumulative[q] = amount[q] + cumulative[previous q]: 5, 5 + 7 = 12, 12 + 1 = 13
    rules = PRELUDE + """
rule cumulative for each quarter q cites "T"
  = if q = first(quarter) then amount[q] else amount[q] + cumulative[previous(q)]
outputs cumulative
"""
    out = outputs(tmp_path, rules, {"amount": {"Q1": 5, "Q2": 7, "Q3": 1}})
    assert out["cumulative"] == {"Q1": 5, "Q2": 12, "Q3": 13}


def test_dates_and_days(tmp_path: Path) -> None:
    # Q1 ends 2026-03-31; + 60 days = 2026-05-30; Q2 runs 2026-04-01..06-30: 90 days apart of starts
    rules = PRELUDE + """
rule due for each quarter q cites "T" = end(q) + 60 days
rule gap cites "T" = start(Q2) - start(Q1)
outputs due, gap
"""
    out = outputs(tmp_path, rules)
    assert out["due"] == {"Q1": date(2026, 5, 30), "Q2": date(2026, 8, 29), "Q3": date(2026, 11, 29)}
    assert out["gap"] == 90


def test_units_multiply_and_divide(tmp_path: Path) -> None:
    # USD 2.5 per share x 1,000 shares = USD 2,500
    rules = PRELUDE + """
parameter price cites "T" = USD 2.5
parameter count cites "T" = 1,000 shares
rule per_share: USD per share cites "T" = price / (1 shares)
rule value cites "T" = per_share * count
outputs value
"""
    assert outputs(tmp_path, rules) == {"value": 2500}


def test_readings_choose_the_formula(tmp_path: Path) -> None:
    rules = PRELUDE + """
interpretation plain default cites "T"
interpretation generous cites "T"
rule bonus cites "T" = USD 10
  under generous = USD 20
outputs bonus
"""
    c = contract_from(tmp_path, rules)
    assert c.evaluate({}).outputs == {"bonus": 10}
    assert c.evaluate({}).interpretation == "plain"
    assert c.evaluate({}, "generous").outputs == {"bonus": 20}
    with pytest.raises(evaluator.ContractError, match="unknown reading 'stingy'"):
        c.evaluate({}, "stingy")


def test_a_different_earn_out_needs_no_python(tmp_path: Path) -> None:
    """A cliff at 80% of target, straight line to 100%, a cap per year and in total (tests/data/evaluator)."""
    c = evaluator.load(DATA / "evaluator" / "earnout.yaml")
    # 2026: 70 < 80% of 100 -> 0. 2027: 90 of 100 -> (90-80)/(100-80) = 50% of USD 1,000,000 = 500,000.
    # 2028: 130 of 100 -> capped at 100% = 1,000,000; total cap 1,200,000 leaves 700,000.
    out = c.evaluate({"ebitda": {"FY2026": 70, "FY2027": 90, "FY2028": 130}}).outputs
    assert out["payment"] == {"FY2026": 0, "FY2027": 500000, "FY2028": 700000}
    assert out["total_paid"] == 1200000
