"""Invariants of the Kaixin contract over random revenue paths, under every reading.

Revenue for Y1..Y5 is drawn from RMB -100,000,000 to 2,000,000,000 (with extra
weight at the edges that matter: each year's target, and 150% of it, where the
press-release reading starts to offset), sometimes with the last years still
pending. For every reading (spa, excess-year, press-release):

* every share is somewhere: released + cancelled + in escrow = 15,000,000, and
  once Y5 is known nothing is left in escrow;
* every share count is a whole number (an int), never negative;
* no year releases more than its own tranche plus what earlier years get back;
* more revenue in any one year never releases fewer shares in total;
* pending years are None, known years are not;
* the same inputs give byte-identical JSON, also from a separately loaded contract.

The figures themselves are worked out by hand in rules/kaixin/examples/*.yaml; here
nothing re-implements the rules, only bounds that follow from them are checked.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings, target
from hypothesis import strategies as st

import evaluator
from tests.helpers import KAIXIN

YEARS = ("Y1", "Y2", "Y3", "Y4", "Y5")
TARGETS = {"Y1": 665_000_000, "Y2": 732_000_000, "Y3": 805_000_000, "Y4": 885_000_000, "Y5": 974_000_000}
READINGS = ("spa", "excess-year", "press-release")
CONSIDERATION_SHARES = 15_000_000
TRANCHE = 3_000_000  # 15,000,000 x 20% a year (SPA 5.1)
LOW, HIGH = -100_000_000, 2_000_000_000
PER_YEAR = ("revenue", "target_met", "released_shares", "restored_shares", "deducted_shares")

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


@pytest.fixture(scope="module")
def kaixin_again() -> evaluator.Contract:
    """The same contract loaded a second time, separately."""
    return evaluator.load(KAIXIN)


# ---------------------------------------------------------------- strategies


def revenue(year: str) -> st.SearchStrategy[int]:
    t = TARGETS[year]
    return st.one_of(
        st.integers(LOW, HIGH),
        st.integers(-1_000, 1_000).map(lambda d: t + d),  # at the target (SPA 5.1, 5.2(1))
        st.integers(-1_000, 1_000).map(lambda d: t * 3 // 2 + d),  # at the 6-K's "more than 50%" margin
        st.sampled_from([LOW, -1, 0, 1, t - 1, t, t + 1, t * 3 // 2, t * 3 // 2 + 1, HIGH]),
    )


@st.composite
def revenue_paths(draw: st.DrawFn, min_known: int = 0) -> dict[str, int]:
    """Revenue for the first years; the years after are pending (left out), as reported in order."""
    known = draw(st.one_of(st.just(5), st.integers(min_known, 5)))
    return {y: draw(revenue(y), label=y) for y in YEARS[:known]}


# ------------------------------------------------------------------- checks


def invariants(result: evaluator.Result, path: dict[str, int]) -> None:
    out: dict[str, Any] = result.outputs
    released: dict[str, Any] = out["released_shares"]
    restored: dict[str, Any] = out["restored_shares"]
    deducted: dict[str, Any] = out["deducted_shares"]
    total, cancelled, escrow = out["total_released_shares"], out["cancelled_shares"], out["escrow_shares"]

    # Every output in shares is a whole number: an int (not a bool, Decimal or float), or None if pending.
    share_outputs = [name for name, unit in result.units.items() if unit == "shares"]
    assert {"released_shares", "restored_shares", "deducted_shares", "total_released_shares",
            "cancelled_shares", "escrow_shares"} <= set(share_outputs)
    for name in share_outputs:
        value = out[name]
        values = list(value.values()) if isinstance(value, dict) else [value]
        assert all(v is None or type(v) is int for v in values), (name, value)
        assert all(v is None or v >= 0 for v in values), (name, value)  # restored, deducted, ... never negative
    assert all(type(v) is int for v in (total, cancelled, escrow))

    # Pending years are None; known years are not.
    for name in PER_YEAR:
        per_year: dict[str, Any] = out[name]
        assert list(per_year) == list(YEARS)
        for y in YEARS:
            assert (per_year[y] is None) == (y not in path), (name, y, per_year[y])
    assert out["target"] == TARGETS

    # Every share is somewhere.
    assert total + cancelled + escrow == CONSIDERATION_SHARES
    assert total == sum(v for v in released.values() if v is not None)
    if "Y5" in path:
        # total = sum of own shares + sum of restored shares (the restorations of each year k,
        # released at the later years, add up to restored_shares[k]); cancelled = sum of deducted
        # = sum of (tranche - own - restored): together 5 tranches, so nothing stays in escrow.
        assert cancelled == sum(deducted.values())
        assert escrow == 0
    else:
        assert cancelled == 0  # deducted shares are cancelled only after the last year (SPA 5.2(1))

    for y in path:
        # A year's tranche is split into what its own revenue earned (own), what later excess
        # restored, and what stays deducted: restored + deducted = tranche - own <= tranche.
        assert restored[y] + deducted[y] <= TRANCHE, y
        # released[y] = own[y] + sum over k < y of restored[k, y] (SPA 5.1, 5.2(2)), where
        #   own[y] = round down 3,000,000 x clamp(revenue, 0, target) / target  <= 3,000,000, and
        #   restored[k, y] = entitled[k, y] - entitled[k, y-1] >= 0, because entitled[k, .] only
        #   grows (credits are never negative, rounding down and min(tranche, .) keep the order);
        # so restored[k, y] <= sum of restored[k, x] over every known x after k = restored_shares[k]:
        assert released[y] <= TRANCHE + sum(restored[k] for k in YEARS[: YEARS.index(y)]), y
        if y == "Y1":
            assert released[y] <= TRANCHE  # nothing earlier to restore


def releases(contract: evaluator.Contract, path: dict[str, int], reading: str) -> int:
    total = contract.evaluate({"revenue": path}, reading, narrate=False).outputs["total_released_shares"]
    assert type(total) is int
    return total


# -------------------------------------------------------------------- tests


@PROPERTY
@given(path=revenue_paths())
def test_shares_are_whole_accounted_for_and_bounded(kaixin: evaluator.Contract, path: dict[str, int]) -> None:
    for reading in READINGS:
        note(f"reading: {reading}")
        invariants(kaixin.evaluate({"revenue": path}, reading, narrate=False), path)


@settings(PROPERTY, max_examples=60)
@given(path=revenue_paths(min_known=1))
def test_released_is_own_shares_plus_shares_restored_to_earlier_years(
    kaixin: evaluator.Contract, path: dict[str, int]
) -> None:
    # The same bound as above, split through `explain`: released[y] - restored_by_year[y] is the
    # year's own shares (at most its tranche), and what it restores to earlier years is at most
    # what those years have had restored in all (restored_shares, a sum of non-negative steps).
    for reading in READINGS:
        out: dict[str, Any] = kaixin.evaluate({"revenue": path}, reading, narrate=False).outputs
        restored: dict[str, int] = out["restored_shares"]
        for i, y in enumerate(path):
            explanation = kaixin.explain("restored_by_year", y, {"revenue": path}, reading)
            to_earlier = explanation.steps[explanation.root].value
            own = out["released_shares"][y] - to_earlier
            assert 0 <= own <= TRANCHE, (reading, y, own)
            assert 0 <= to_earlier <= sum(restored[k] for k in YEARS[:i]), (reading, y, to_earlier)


# Why it holds. total_released = sum over k of entitled[k, last known year] (the restorations
# telescope). A year's offset pool never falls as its revenue rises (spa, excess-year: 50% of
# the excess; press-release: 0, then the whole excess once above 150% of the target). Applying
# pools earliest first, what each year still lacks afterwards never rises when a pool grows or
# a shortfall shrinks, so counted revenue + credits (= target - still lacking) never falls:
# spa and press-release are monotone. excess-year values a credit at the target of the year
# that has the excess; a bigger earlier pool displaces credits of later pools, which counted
# for more only if a later target were lower. Kaixin's targets rise every year (665 < 732 <
# 805 < 885 < 974 million), so it holds here; with Y3's target amended to RMB 500 million,
# raising Y2 from 732,000,000 to 862,000,000 (Y1 600,000,000, Y3 700,000,000) would release
# 8,973,160 shares instead of 9,000,000 under excess-year.
@pytest.mark.parametrize("reading", READINGS)
@settings(PROPERTY, max_examples=300)
@given(data=st.data())
def test_more_revenue_in_one_year_never_releases_fewer_shares(
    kaixin: evaluator.Contract, reading: str, data: st.DataObject
) -> None:
    path = data.draw(revenue_paths(min_known=1), label="path")
    year = data.draw(st.sampled_from(list(path)), label="raised year")
    raised = dict(path)
    edges = [v for v in (TARGETS[year], TARGETS[year] * 3 // 2 + 1) if v > path[year]]  # onto a threshold
    raised[year] = data.draw(st.one_of(
        st.integers(path[year], HIGH),
        st.integers(1, 2_000).map(lambda d: min(path[year] + d, HIGH)),
        st.sampled_from(edges or [HIGH]),
    ), label="raised to")
    before, after = releases(kaixin, path, reading), releases(kaixin, raised, reading)
    target(before - after, label="shares lost by raising revenue")
    assert after >= before, f"{reading}: {year} {path[year]} -> {raised[year]} releases {before} -> {after}"


@settings(PROPERTY, max_examples=60)
@given(path=revenue_paths())
def test_same_inputs_give_byte_identical_json(
    kaixin: evaluator.Contract, kaixin_again: evaluator.Contract, path: dict[str, int]
) -> None:
    reversed_path = dict(reversed(list(path.items())))  # the same inputs, given in another order
    for reading in (None, *READINGS):
        first = kaixin.evaluate({"revenue": path}, reading).to_json()
        assert kaixin.evaluate({"revenue": path}, reading).to_json() == first
        assert kaixin_again.evaluate({"revenue": path}, reading).to_json() == first
        assert kaixin_again.evaluate({"revenue": reversed_path}, reading).to_json() == first
    traced = kaixin.evaluate({"revenue": path}, "spa", trace=True).to_json()
    assert kaixin_again.evaluate({"revenue": path}, "spa", trace=True).to_json() == traced
