"""Large and deep rule files: computed when finite and sensible, refused clearly when not."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

import evaluator
from tests.helpers import contract_from


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
