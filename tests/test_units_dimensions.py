"""Counted units (`unit CVR`), dimensions besides periods (`dimension tier`) and marginal bands (`banded`),
with figures worked out by hand; both engines (single evaluation and batch) give the same."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import evaluator
from evaluator.parser import parse
from tests.helpers import contract_from, outputs, run_cli

CVR_RULES = """\
currency USD cites "CVR 1.1"
unit CVR cites "CVR 1.2" means "a contingent value right"
unit note plural notes cites "CVR 1.3"

dimension milestone
  cites "CVR 2.1"
  means "the milestones, in order"
  approval, launch, sales

parameter issued cites "CVR 2.2" = 20,000,000 CVRs
parameter per_cvr by milestone cites "CVR 2.3"
  approval: USD 1.00 per CVR
  launch: USD 0.50 per CVR
  sales: USD 2.25 per CVR

input met: bool by milestone cites "CVR 3.1"
input held: CVRs cites "CVR 3.2"

rule payment for each milestone m cites "CVR 2.4" = if met[m] then per_cvr[m] * held else USD 0
rule total cites "CVR 2.5" = sum(payment[m] for each milestone m)
rule before_sales cites "CVR 2.6" = sum(payment[m] for each milestone m before sales)
rule unheld cites "CVR 2.7" = issued - held
rule one cites "CVR 2.8" = 1 CVR + 2 notes / 2 notes * 1 CVR
outputs payment, total, before_sales, unheld, one
"""

MET = {"approval": True, "launch": False, "sales": True}


def test_counted_units_and_a_dimension_by_hand(tmp_path: Path) -> None:
    out = outputs(tmp_path, CVR_RULES, {"held": 1000, "met": MET})
    # approval: USD 1.00 x 1,000 CVRs = USD 1,000; launch not met: 0; sales: USD 2.25 x 1,000 = USD 2,250
    assert out["payment"] == {"approval": 1000, "launch": 0, "sales": 2250}
    assert out["total"] == 3250  # 1,000 + 0 + 2,250
    assert out["before_sales"] == 1000  # approval and launch only
    assert out["unheld"] == 19_999_000  # 20,000,000 - 1,000 CVRs
    assert out["one"] == 2  # 1 CVR + (2 notes / 2 notes) x 1 CVR


def test_counted_units_are_shown_with_their_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contract = contract_from(tmp_path, CVR_RULES)
    assert str(contract.program.symbols["per_cvr"].type) == "USD per CVR"
    assert str(contract.program.symbols["unheld"].type) == "CVRs"
    assert str(contract.program.symbols["held"].type) == "CVRs"
    (tmp_path / "in.yaml").write_text("held: 1,000\nmet: {approval: true, launch: false, sales: true}\n")
    code, out, _ = run_cli(capsys, "evaluate", tmp_path / "contract.yaml", "--inputs", tmp_path / "in.yaml")
    assert code == 0
    assert "unheld (CVRs)       19,999,000" in out
    code, out, _ = run_cli(capsys, "explain", tmp_path / "contract.yaml", "total", "--inputs", tmp_path / "in.yaml")
    assert "held = 1,000 CVRs" in out


def test_the_batch_engine_agrees(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, CVR_RULES)
    rows = [(1000, True, False, True), (0, True, True, True), (7, False, False, False)]
    columns = {"held": [r[0] for r in rows],
               "met": {m: [r[i + 1] for r in rows] for i, m in enumerate(("approval", "launch", "sales"))}}
    batch = contract.evaluate_batch(columns)
    assert batch.errors == {}
    # by hand: row 1 as above (3,250); row 2 holds none (0); row 3 met none (0)
    assert batch.values("total") == [3250, 0, 0]
    assert batch.values("unheld") == [19_999_000, 20_000_000, 19_999_993]


def test_a_two_dimensional_rule(tmp_path: Path) -> None:
    rules = """\
currency USD cites "x"
dimension tier cites "EA 3.1" T1, T2
periods year cites "EA 1.1"
  Y1 from 2025-01-01 to 2025-12-31
  Y2 from 2026-01-01 to 2026-12-31
parameter share by tier cites "EA 3.2"
  T1: 40%
  T2: 60%
input pool: USD by year cites "EA 2.1"
rule vested for each tier t, year y cites "EA 3.3" = share[t] * pool[y]
rule by_year for each year y cites "EA 3.4" = sum(vested[t, y] for each tier t)
rule t2_total cites "EA 3.5" = sum(vested[T2, y] for each year y)
outputs by_year, t2_total
"""
    out = outputs(tmp_path, rules, {"pool": {"Y1": 1000, "Y2": 500}})
    assert out["by_year"] == {"Y1": 1000, "Y2": 500}  # 40% + 60% of each year's pool
    assert out["t2_total"] == 900  # 60% x 1,000 + 60% x 500


def test_banded_royalty_by_hand(tmp_path: Path) -> None:
    rules = """\
currency USD cites "LA 1.1"
input net_sales: USD cites "LA 4.1"
rule royalty cites "LA 4.2"
  means "5% of net sales up to USD 10 million, 7% of the excess up to USD 25 million, 9% above"
  = banded(net_sales, 5%, USD 10 million, 7%, USD 25 million, 9%)
outputs royalty
"""
    contract = contract_from(tmp_path, rules)
    # 30M: 5% x 10M = 500,000 + 7% x 15M = 1,050,000 + 9% x 5M = 450,000 = 2,000,000
    assert contract.evaluate({"net_sales": 30_000_000}).outputs["royalty"] == 2_000_000
    # 10,000,000.50: 500,000 + 7% x 0.50 = 0.035
    assert contract.evaluate({"net_sales": Decimal("10000000.50")}).outputs["royalty"] == Decimal("500000.035")
    assert contract.evaluate({"net_sales": -5}).outputs["royalty"] == 0
    batch = contract.evaluate_batch({"net_sales": [30_000_000, 12_000_000, 0]})
    assert batch.values("royalty") == [2_000_000, 640_000, 0]  # 12M: 500,000 + 7% x 2M


def test_table_entries_and_counted_literals_parse_apart() -> None:
    # `5 CVRs` is an amount; `y2:` after a value starts the next entry (the colon tells them apart)
    tree = parse('parameter p by year cites "x"\n  y1: 5 CVRs\n  y2: 6\n')
    table = tree.declarations[0]
    assert [(e.period, e.value.unit) for e in table.entries] == [("y1", "CVRs"), ("y2", None)]  # type: ignore


def test_a_unit_may_not_be_shares(tmp_path: Path) -> None:
    with pytest.raises(evaluator.CheckError) as err:
        contract_from(tmp_path, 'unit share cites "x"\n')
    assert "'share' is built in" in str(err.value)
