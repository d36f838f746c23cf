"""Kaixin SPA (Articles 4-5): what must hold in every worked example, beyond its figures.

The scenarios, every figure worked out by hand with the arithmetic beside it, are
example files that a legal editor reads and extends: rules/kaixin/examples/*.yaml,
run by `clausewise test rules/kaixin/examples` and by tests/test_examples.py. Here
each of them is evaluated again to check what must hold for every scenario: the
reading used, the targets given for every year, the revenue echoed, pending years
pending (never zero) and known years whole shares, every share somewhere, and the
result surviving a JSON round trip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import evaluator
from evaluator import examples

CONTRACT = Path(__file__).parent.parent / "contracts" / "kaixin-spa.yaml"
EXAMPLES = Path(__file__).parent.parent / "rules" / "kaixin" / "examples"
YEARS = ("Y1", "Y2", "Y3", "Y4", "Y5")
TARGETS = {
    "Y1": 665_000_000,
    "Y2": 732_000_000,
    "Y3": 805_000_000,
    "Y4": 885_000_000,
    "Y5": 974_000_000,
}
CONSIDERATION_SHARES = 15_000_000
READINGS = ("spa", "excess-year", "press-release")
PER_YEAR_PENDING = ("target_met", "released_shares", "restored_shares", "deducted_shares")
KAIXIN_EXAMPLES = [e for path in sorted(EXAMPLES.glob("*.yaml")) for e in examples.load_file(path).examples]


def _miss_made_up() -> dict[str, dict[str, Any]]:
    """The figures of the miss made up by a later year (Y1 600M, Y2 800M), per reading, from its example file."""
    out: dict[str, dict[str, Any]] = {}
    for e in KAIXIN_EXAMPLES:
        if e.name.startswith("a miss made up by a later year (") and e.reading:
            figures = {(c.output, c.period): c.expected for c in e.checks}
            out[e.reading] = {
                short: tuple(figures[(f"{short}_shares", y)] for y in ("Y1", "Y2"))
                for short in ("released", "restored", "deducted")
            } | {
                "total": figures[("total_released_shares", None)], "cancelled": figures[("cancelled_shares", None)],
                "escrow": figures[("escrow_shares", None)],
            }
    return out


MISS_MADE_UP = _miss_made_up()  # also used by test_html_report


@pytest.fixture(scope="module")
def contract() -> evaluator.Contract:
    return evaluator.load(CONTRACT)


def test_every_scenario_is_here() -> None:
    assert len(KAIXIN_EXAMPLES) == 46
    assert set(MISS_MADE_UP) == set(READINGS)
    assert MISS_MADE_UP["spa"]["released"] == (2_706_766, 3_153_384)


@pytest.mark.parametrize("example", KAIXIN_EXAMPLES, ids=lambda e: e.name)
def test_what_holds_in_every_scenario(contract: evaluator.Contract, example: examples.Example) -> None:
    assert isinstance(example.inputs, dict)
    revenue = example.inputs["revenue"]
    result = contract.evaluate(example.inputs, interpretation=example.reading)
    out = result.outputs

    # The reading actually used (None means the contract's default, spa).
    assert result.interpretation == (example.reading or "spa")

    # Targets are given for every year, pending or not; revenue is echoed as given.
    assert out["target"] == TARGETS
    assert out["revenue"] == {y: revenue.get(y) for y in YEARS}

    # Pending years are None, not zero; known years have whole-share ints.
    for y in YEARS:
        for name in PER_YEAR_PENDING:
            value = out[name][y]
            if y in revenue:
                expected_type = bool if name == "target_met" else int
                assert type(value) is expected_type, (name, y, value)
            else:
                assert value is None, (name, y, value)

    # Every share is somewhere: released, cancelled or still in escrow.
    total, cancelled, escrow = out["total_released_shares"], out["cancelled_shares"], out["escrow_shares"]
    assert total + cancelled + escrow == CONSIDERATION_SHARES
    assert total == sum(v for v in out["released_shares"].values() if v is not None)

    # The result survives a JSON round trip with the same figures.
    data = result.to_dict()
    assert data["outputs"] == out
    assert json.loads(json.dumps(data)) == data
    assert json.loads(result.to_json()) == data


def test_revenue_out_of_order_is_an_input_error(contract: evaluator.Contract) -> None:
    with pytest.raises(evaluator.InputError):
        contract.evaluate({"revenue": {"Y1": 600_000_000, "Y3": 700_000_000}})
