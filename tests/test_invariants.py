"""Invariants: true/false formulas of the rules checked at every evaluation, by both engines.

Kaixin, the example inputs (contracts/examples/kaixin-inputs.yaml: revenue Y1 RMB 600,000,000, Y2
RMB 800,000,000, Y3-Y5 not given), reading spa:
- tranche = 15,000,000 x 20% = 3,000,000 shares a year;
- Y1 own shares: 3,000,000 x 600/665 = 2,706,766.9... -> 2,706,766 (rounded down);
  Y2's excess 68,000,000, half of it (34,000,000) credited to Y1: 3,000,000 x 634/665 = 2,860,150.3...
  -> 2,860,150, so 153,384 restored; deducted 3,000,000 - 2,706,766 - 153,384 = 139,850;
  2,706,766 + 153,384 + 139,850 = 3,000,000 = the tranche: it holds. Y2: 3,000,000 + 0 + 0 = 3,000,000.
- total released 2,706,766 + 3,153,384 = 5,860,150; cancelled 0 (Y5 not assessed); in escrow
  15,000,000 - 5,860,150 - 0 = 9,139,850; 5,860,150 + 0 + 9,139,850 = 15,000,000: it holds.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import evaluator
from evaluator.cli import main
from tests.helpers import DATA, KAIXIN, ROOT

INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
PAYMENTS = DATA / "invariants" / "payments.yaml"


def test_kaixin_reconciles_per_tranche_and_in_total() -> None:
    result = evaluator.load(KAIXIN).evaluate(INPUTS)
    by_key = {i.key: i for i in result.invariants}
    y1 = by_key["tranche_reconciles[Y1]"]
    assert (y1.holds, y1.citation, y1.label) == (True, "SPA 5.2(2)", "Tranche = released + restored + deducted")
    assert y1.formula == "own_shares[y] + restored_shares[y] + deducted_shares[y] = tranche[y]"
    assert y1.values == {"own_shares[Y1]": 2_706_766, "restored_shares[Y1]": 153_384,
                         "deducted_shares[Y1]": 139_850, "tranche[Y1]": 3_000_000}
    assert by_key["tranche_reconciles[Y2]"].values == {"own_shares[Y2]": 3_000_000, "restored_shares[Y2]": 0,
                                                       "deducted_shares[Y2]": 0, "tranche[Y2]": 3_000_000}
    assert [by_key[f"tranche_reconciles[Y{i}]"].holds for i in (3, 4, 5)] == [None, None, None]  # not given
    total = by_key["shares_reconcile"]
    assert (total.holds, total.period) == (True, None)
    assert total.values == {"total_released_shares": 5_860_150, "cancelled_shares": 0, "escrow_shares": 9_139_850,
                            "consideration_shares": 15_000_000}
    assert by_key["released_from_tranches"].holds is True
    doc = result.to_dict()["invariants"]
    assert doc[0] == {"name": "tranche_reconciles", "period": "Y1", "label": "Tranche = released + restored + deducted",
                      "holds": True, "cites": "SPA 5.2(2)", "formula": y1.formula, "values": y1.values}


def test_a_failing_invariant_is_an_error_naming_it_the_period_and_the_values() -> None:
    # FY1: 600 + 400 = 1,000 = the payment: holds. FY2: 100 + 300.50 = 400.50, not 500: fails.
    contract = evaluator.load(PAYMENTS)
    with pytest.raises(evaluator.EvaluationError) as caught:
        contract.evaluate(DATA / "invariants" / "short.yaml")
    d = caught.value.diagnostics[0]
    assert (Path(d.file).name, d.line, d.column) == ("payments.rules", 27, 11)
    assert d.message == ("invariant 'paid_in_full' fails for FY2 (PA 5): paid_cash[y] + paid_shares[y] = payment[y], "
                         "where paid_cash[FY2] = USD 100.00, paid_shares[FY2] = USD 300.50, payment[FY2] = USD 500.00")


def test_the_command_exits_2_on_a_failing_invariant(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["evaluate", str(PAYMENTS), "--inputs", str(DATA / "invariants" / "short.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "error: invariant 'paid_in_full' fails for FY2 (PA 5)" in err and "Traceback" not in err


def test_holding_invariants_are_in_the_result() -> None:
    # FY1: 600 + 400 = 1,000; FY2: 100 + 400 = 500: both hold
    result = evaluator.load(PAYMENTS).evaluate({"payment": {"FY1": 1000, "FY2": 500},
                                                 "paid_cash": {"FY1": 600, "FY2": 100},
                                                 "paid_shares": {"FY1": 400, "FY2": 400}})
    assert [(i.key, i.holds) for i in result.invariants] == [("paid_in_full[FY1]", True), ("paid_in_full[FY2]", True)]
    assert result.outputs["unpaid"] == {"FY1": 0, "FY2": 0}


def test_the_columnar_engine_makes_a_failing_row_an_error_row() -> None:
    # row 0: FY2 100 + 400 = 500 holds; row 1: FY2 100 + 300.50 = 400.50 != 500 fails
    batch = evaluator.load(PAYMENTS).evaluate_batch({
        "payment": {"FY1": [1000, 1000], "FY2": [500, 500]},
        "paid_cash": {"FY1": [600, 600], "FY2": [100, 100]},
        "paid_shares": {"FY1": [400, 400], "FY2": [400, Decimal("300.50")]},
    })
    assert batch.failed == [1]
    assert "invariant 'paid_in_full' fails for FY2" in batch.errors[1].diagnostics[0].message
    assert batch.values("unpaid.FY2")[0] == 0


def test_an_invariant_is_not_an_output(tmp_path: Path) -> None:
    (tmp_path / "r.rules").write_text('invariant ok\n  cites "A 1"\n  = true\n\noutputs ok\n', encoding="utf-8")
    with pytest.raises(evaluator.CheckError) as caught:
        evaluator.load_rules([tmp_path / "r.rules"])
    d = caught.value.diagnostics[0]
    assert (d.line, d.column, d.message) == (5, 9, "'ok' is an invariant: it is checked, and shown with the checks, "
                                                   "not listed among the outputs")
