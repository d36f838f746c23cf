"""Kaixin SPA (Articles 4-5): release of the Consideration Shares, scenario by scenario.

Every expected figure here was worked out by hand (and re-checked with
fractions.Fraction in a scratch script); the arithmetic is in the comments.
The tests hold only the literal figures, never a re-implementation of the rules.

Fixed terms (SPA 1.1, 4.1, 5.1):
    tranche = 15,000,000 / 5 = 3,000,000 shares a year
    targets (RMB): Y1 665,000,000  Y2 732,000,000  Y3 805,000,000
                   Y4 885,000,000  Y5 974,000,000

Notation in the comments: "3M x 600/665" means 3,000,000 x 600,000,000 / 665,000,000
(all money in RMB millions); "->" is rounding down to a whole share.

Readings:
    spa            50% of a year's excess is credited (as money) to earlier shortfalls,
                   earliest first; year k is then entitled to
                   floor(3M x (counted revenue_k + credits_k) / T_k), at most 3M.
    excess-year    the same money credits, but each credit c from year x counts as
                   3M x c / T_x (T_x = target of the year WITH the excess), one floor
                   on the sum.
    press-release  an excess offsets only if it is strictly more than 50% of its own
                   target, and then the whole excess is the pool; restoration as spa.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import evaluator

CONTRACT = Path(__file__).parent.parent / "contracts" / "kaixin-spa.yaml"
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


@pytest.fixture(scope="module")
def contract() -> evaluator.Contract:
    return evaluator.load(CONTRACT)


# ------------------------------------------------------------------ helpers


def by_year(*values: Any) -> dict[str, Any]:
    """Figures for Y1, Y2, ... in order; years not listed are pending (None)."""
    padded = list(values) + [None] * (len(YEARS) - len(values))
    return dict(zip(YEARS, padded, strict=True))


def run(contract: evaluator.Contract, revenue: dict[str, int], reading: str | None) -> dict[str, Any]:
    """Evaluate one scenario and check what must hold for every scenario."""
    result = contract.evaluate({"revenue": revenue}, interpretation=reading)
    out = result.outputs

    # The reading actually used (None means the contract's default, spa).
    assert result.interpretation == (reading or "spa")

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
    return out


def check(
    out: dict[str, Any],
    *,
    met: tuple[bool, ...],
    released: tuple[int, ...],
    restored: tuple[int, ...],
    deducted: tuple[int, ...],
    total: int,
    cancelled: int,
    escrow: int,
) -> None:
    assert out["target_met"] == by_year(*met)
    assert out["released_shares"] == by_year(*released)
    assert out["restored_shares"] == by_year(*restored)
    assert out["deducted_shares"] == by_year(*deducted)
    assert out["total_released_shares"] == total
    assert out["cancelled_shares"] == cancelled
    assert out["escrow_shares"] == escrow


ON_TARGET = dict(TARGETS)  # R = T every year


# ------------------------------------------------- 1. every target met exactly

# All three readings agree: with R = T there is no excess anywhere, so the pool
# is 0 under every reading (spa/excess-year: 50% x 0; press-release: 0 > 50% x T
# is false) and nothing is ever restored.
#   own[y] = 3M x T/T = 3,000,000 for each year; deducted = 3M - 3M - 0 = 0
#   total = 5 x 3,000,000 = 15,000,000; cancelled = 0; escrow = 15M - 15M - 0 = 0
@pytest.mark.parametrize("reading", READINGS)
def test_every_target_met_exactly_releases_everything(contract, reading):
    out = run(contract, ON_TARGET, reading)
    check(
        out,
        met=(True, True, True, True, True),
        released=(3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000),
        restored=(0, 0, 0, 0, 0),
        deducted=(0, 0, 0, 0, 0),
        total=15_000_000,
        cancelled=0,
        escrow=0,
    )


def test_default_reading_is_spa(contract):
    revenue = {"Y1": 600_000_000, "Y2": 800_000_000}
    default = run(contract, revenue, None)
    assert default == run(contract, revenue, "spa")
    # spa's figures (see test_miss_made_up_by_a_later_year); excess-year differs.
    assert default["released_shares"]["Y2"] == 3_153_384


# -------------------------------------------- 2. a miss made up by a later year

# Y1 600M, Y2 800M (Y3-Y5 pending).
#   Y1 own: 3M x 600/665 = 2,706,766.917... -> 2,706,766; shortfall 665 - 600 = 65M
#   Y2 own: met, 3,000,000; excess 800 - 732 = 68M
# spa: pool 50% x 68M = 34M <= 65M, all to Y1.
#   Y1 entitlement 3M x (600 + 34)/665 = 2,860,150.375... -> 2,860,150
#   restored to Y1 at Y2 = 2,860,150 - 2,706,766 = 153,384
#   released Y2 = 3,000,000 + 153,384 = 3,153,384
#   deducted Y1 = 3,000,000 - 2,706,766 - 153,384 = 139,850
#   total = 2,706,766 + 3,153,384 = 5,860,150; cancelled 0 (Y5 pending)
#   escrow = 15,000,000 - 5,860,150 = 9,139,850
# excess-year: the same 34M credit counted at Y2's target:
#   3M x 34/732 = 139,344.262...
#   Y1 entitlement floor(2,706,766.917... + 139,344.262...) = floor(2,846,111.179...) = 2,846,111
#   restored = 2,846,111 - 2,706,766 = 139,345; released Y2 = 3,139,345
#   deducted Y1 = 3,000,000 - 2,706,766 - 139,345 = 153,889
#   total = 2,706,766 + 3,139,345 = 5,846,111; escrow = 9,153,889
# press-release: 68M > 50% x 732M = 366M is false, so no offset at all.
#   released Y2 = 3,000,000; deducted Y1 = 3,000,000 - 2,706,766 = 293,234
#   total = 5,706,766; escrow = 9,293,234
MISS_MADE_UP = {
    "spa": dict(
        released=(2_706_766, 3_153_384), restored=(153_384, 0), deducted=(139_850, 0),
        total=5_860_150, cancelled=0, escrow=9_139_850,
    ),
    "excess-year": dict(
        released=(2_706_766, 3_139_345), restored=(139_345, 0), deducted=(153_889, 0),
        total=5_846_111, cancelled=0, escrow=9_153_889,
    ),
    "press-release": dict(
        released=(2_706_766, 3_000_000), restored=(0, 0), deducted=(293_234, 0),
        total=5_706_766, cancelled=0, escrow=9_293_234,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_miss_made_up_by_a_later_year(contract, reading):
    out = run(contract, {"Y1": 600_000_000, "Y2": 800_000_000}, reading)
    check(out, met=(False, True), **MISS_MADE_UP[reading])


# Y1 300M, Y2 1,200M: Y2's excess is more than half its target, so the
# press-release reading offsets too, with the whole excess.
#   Y1 own: 3M x 300/665 = 1,353,383.458... -> 1,353,383; shortfall 365M
#   Y2 own: 3,000,000; excess 1,200 - 732 = 468M
# spa: pool 50% x 468M = 234M < 365M, all to Y1.
#   Y1 entitlement 3M x (300 + 234)/665 = 3M x 534/665 = 2,409,022.556... -> 2,409,022
#   restored = 2,409,022 - 1,353,383 = 1,055,639; released Y2 = 4,055,639
#   deducted Y1 = 3,000,000 - 1,353,383 - 1,055,639 = 590,978
#   total = 1,353,383 + 4,055,639 = 5,409,022; escrow = 9,590,978
# excess-year: 234M counted at Y2's target: 3M x 234/732 = 959,016.393...
#   floor(1,353,383.458... + 959,016.393...) = floor(2,312,399.852...) = 2,312,399
#   restored = 959,016; released Y2 = 3,959,016
#   deducted Y1 = 3,000,000 - 1,353,383 - 959,016 = 687,601
#   total = 5,312,399; escrow = 9,687,601
# press-release: 468M > 366M, so the pool is the whole 468M; Y1 takes all its
#   365M shortfall (103M lapses): 3M x 665/665 = 3,000,000
#   restored = 3,000,000 - 1,353,383 = 1,646,617; released Y2 = 4,646,617
#   deducted Y1 = 0; total = 6,000,000; escrow = 9,000,000
BIG_SECOND_YEAR = {
    "spa": dict(
        released=(1_353_383, 4_055_639), restored=(1_055_639, 0), deducted=(590_978, 0),
        total=5_409_022, cancelled=0, escrow=9_590_978,
    ),
    "excess-year": dict(
        released=(1_353_383, 3_959_016), restored=(959_016, 0), deducted=(687_601, 0),
        total=5_312_399, cancelled=0, escrow=9_687_601,
    ),
    "press-release": dict(
        released=(1_353_383, 4_646_617), restored=(1_646_617, 0), deducted=(0, 0),
        total=6_000_000, cancelled=0, escrow=9_000_000,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_excess_above_half_the_target_offsets_whole_excess_under_press_release(contract, reading):
    out = run(contract, {"Y1": 300_000_000, "Y2": 1_200_000_000}, reading)
    check(out, met=(False, True), **BIG_SECOND_YEAR[reading])


# Y1 300M, Y2 1,098M: Y2's excess 366M is EXACTLY 50% of 732M. The 6-K says
# "by more than 50%", so press-release does not offset.
#   Y1 own 1,353,383 (as above); shortfall 365M
# spa: pool 183M -> Y1 entitlement 3M x 483/665 = 2,178,947.368... -> 2,178,947
#   restored = 2,178,947 - 1,353,383 = 825,564; released Y2 = 3,825,564
#   deducted Y1 = 3,000,000 - 1,353,383 - 825,564 = 821,053
#   total = 1,353,383 + 3,825,564 = 5,178,947; escrow = 9,821,053
# excess-year: 3M x 183/732 = 750,000 exactly
#   floor(1,353,383.458... + 750,000) = 2,103,383; restored 750,000
#   released Y2 = 3,750,000; deducted Y1 = 3,000,000 - 1,353,383 - 750,000 = 896,617
#   total = 5,103,383; escrow = 9,896,617
# press-release: 366M > 366M is false -> pool 0
#   deducted Y1 = 3,000,000 - 1,353,383 = 1,646,617; total = 4,353,383; escrow = 10,646,617
EXACTLY_HALF = {
    "spa": dict(
        released=(1_353_383, 3_825_564), restored=(825_564, 0), deducted=(821_053, 0),
        total=5_178_947, cancelled=0, escrow=9_821_053,
    ),
    "excess-year": dict(
        released=(1_353_383, 3_750_000), restored=(750_000, 0), deducted=(896_617, 0),
        total=5_103_383, cancelled=0, escrow=9_896_617,
    ),
    "press-release": dict(
        released=(1_353_383, 3_000_000), restored=(0, 0), deducted=(1_646_617, 0),
        total=4_353_383, cancelled=0, escrow=10_646_617,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_press_release_margin_is_strict(contract, reading):
    out = run(contract, {"Y1": 300_000_000, "Y2": 1_098_000_000}, reading)
    check(out, met=(False, True), **EXACTLY_HALF[reading])


# ------------------------------------------- 3. two misses and one big year

# Y1 500M, Y2 600M, Y3 1,300M, Y4 885M, Y5 974M (Y4, Y5 exactly on target).
#   Y1 own: 3M x 500/665 = 2,255,639.097... -> 2,255,639; shortfall 165M
#   Y2 own: 3M x 600/732 = 2,459,016.393... -> 2,459,016; shortfall 132M
#   Y3 own 3,000,000, excess 1,300 - 805 = 495M; Y4, Y5 own 3,000,000, no excess
#   Y1 + Y2 own = 4,714,655
# spa: pool 247.5M, earliest first: Y1 takes 165M (all), Y2 the other 82.5M of 132M.
#   Y1: 3M x 665/665 = 3,000,000 -> restored 3,000,000 - 2,255,639 = 744,361
#   Y2: 3M x (600 + 82.5)/732 = 2,797,131.147... -> 2,797,131 -> restored 338,115
#   released Y3 = 3,000,000 + 744,361 + 338,115 = 4,082,476
#   deducted Y2 = 3,000,000 - 2,459,016 - 338,115 = 202,869 (Y1: 0)
#   total = 4,714,655 + 4,082,476 + 6,000,000 = 14,797,131
#   cancelled = 202,869; escrow = 15M - 14,797,131 - 202,869 = 0
# excess-year: same money split (165M, 82.5M) but counted at Y3's target 805M:
#   Y1: 3M x 165/805 = 614,906.832...;
#       floor(2,255,639.097... + 614,906.832...) = floor(2,870,545.930...) = 2,870,545
#       restored 2,870,545 - 2,255,639 = 614,906
#   Y2: 3M x 82.5/805 = 307,453.416...;
#       floor(2,459,016.393... + 307,453.416...) = floor(2,766,469.809...) = 2,766,469
#       restored 2,766,469 - 2,459,016 = 307,453
#   released Y3 = 3,000,000 + 614,906 + 307,453 = 3,922,359
#   deducted Y1 = 3,000,000 - 2,255,639 - 614,906 = 129,455
#   deducted Y2 = 3,000,000 - 2,459,016 - 307,453 = 233,531
#   total = 4,714,655 + 3,922,359 + 6,000,000 = 14,637,014
#   cancelled = 129,455 + 233,531 = 362,986; escrow 0
# press-release: 495M > 50% x 805M = 402.5M -> pool is the whole 495M; it covers
#   both shortfalls (165M + 132M = 297M) and the other 198M lapses.
#   restored Y1 744,361; Y2 3,000,000 - 2,459,016 = 540,984
#   released Y3 = 3,000,000 + 744,361 + 540,984 = 4,285,345
#   total = 4,714,655 + 4,285,345 + 6,000,000 = 15,000,000; cancelled 0; escrow 0
TWO_MISSES_ONE_BIG_YEAR = {
    "spa": dict(
        released=(2_255_639, 2_459_016, 4_082_476, 3_000_000, 3_000_000),
        restored=(744_361, 338_115, 0, 0, 0),
        deducted=(0, 202_869, 0, 0, 0),
        total=14_797_131, cancelled=202_869, escrow=0,
    ),
    "excess-year": dict(
        released=(2_255_639, 2_459_016, 3_922_359, 3_000_000, 3_000_000),
        restored=(614_906, 307_453, 0, 0, 0),
        deducted=(129_455, 233_531, 0, 0, 0),
        total=14_637_014, cancelled=362_986, escrow=0,
    ),
    "press-release": dict(
        released=(2_255_639, 2_459_016, 4_285_345, 3_000_000, 3_000_000),
        restored=(744_361, 540_984, 0, 0, 0),
        deducted=(0, 0, 0, 0, 0),
        total=15_000_000, cancelled=0, escrow=0,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_two_misses_one_big_year_earliest_first(contract, reading):
    revenue = {"Y1": 500_000_000, "Y2": 600_000_000, "Y3": 1_300_000_000, "Y4": 885_000_000, "Y5": 974_000_000}
    out = run(contract, revenue, reading)
    check(out, met=(False, False, True, True, True), **TWO_MISSES_ONE_BIG_YEAR[reading])


# Pool larger than every outstanding shortfall; the rest lapses and is NOT
# carried forward to a later year's shortfall.
# Y1 600M, Y2 700M, Y3 1,100M, Y4 800M, Y5 974M.
#   Y1 own 2,706,766 (3M x 600/665 = 2,706,766.917...); shortfall 65M
#   Y2 own: 3M x 700/732 = 2,868,852.459... -> 2,868,852; shortfall 32M
#   Y3 own 3,000,000; excess 1,100 - 805 = 295M
#   Y4 own: 3M x 800/885 = 2,711,864.406... -> 2,711,864; shortfall 85M
#   Y5 own 3,000,000; no excess -> nothing can make up Y4
#   Y4 deducted = 3,000,000 - 2,711,864 = 288,136 in every reading
#   Y1 + Y2 own = 5,575,618
# spa: pool 147.5M; Y1 takes 65M, Y2 32M (97M in all); 50.5M lapses (not kept for Y4).
#   Y1 -> 3,000,000, restored 293,234; Y2 -> 3,000,000, restored 131,148
#   released Y3 = 3,000,000 + 293,234 + 131,148 = 3,424,382
#   total = 5,575,618 + 3,424,382 + 2,711,864 + 3,000,000 = 14,711,864
#   cancelled = 288,136; escrow 0
# excess-year: same money (65M, 32M) counted at Y3's target 805M, so the money
#   shortfalls are covered but the shares are not:
#   Y1: 3M x 65/805 = 242,236.024...; floor(2,706,766.917... + 242,236.024...)
#       = floor(2,949,002.942...) = 2,949,002 -> restored 242,236
#   Y2: 3M x 32/805 = 119,254.658...; floor(2,868,852.459... + 119,254.658...)
#       = floor(2,988,107.117...) = 2,988,107 -> restored 119,255
#   released Y3 = 3,000,000 + 242,236 + 119,255 = 3,361,491
#   deducted Y1 = 3,000,000 - 2,706,766 - 242,236 = 50,998
#   deducted Y2 = 3,000,000 - 2,868,852 - 119,255 = 11,893
#   total = 5,575,618 + 3,361,491 + 2,711,864 + 3,000,000 = 14,648,973
#   cancelled = 50,998 + 11,893 + 288,136 = 351,027; escrow 0
# press-release: 295M > 402.5M is false -> no offset.
#   deducted Y1 293,234, Y2 131,148, Y4 288,136; cancelled = 712,518
#   total = 5,575,618 + 3,000,000 + 2,711,864 + 3,000,000 = 14,287,482; escrow 0
POOL_LARGER_THAN_SHORTFALLS = {
    "spa": dict(
        released=(2_706_766, 2_868_852, 3_424_382, 2_711_864, 3_000_000),
        restored=(293_234, 131_148, 0, 0, 0),
        deducted=(0, 0, 0, 288_136, 0),
        total=14_711_864, cancelled=288_136, escrow=0,
    ),
    "excess-year": dict(
        released=(2_706_766, 2_868_852, 3_361_491, 2_711_864, 3_000_000),
        restored=(242_236, 119_255, 0, 0, 0),
        deducted=(50_998, 11_893, 0, 288_136, 0),
        total=14_648_973, cancelled=351_027, escrow=0,
    ),
    "press-release": dict(
        released=(2_706_766, 2_868_852, 3_000_000, 2_711_864, 3_000_000),
        restored=(0, 0, 0, 0, 0),
        deducted=(293_234, 131_148, 0, 288_136, 0),
        total=14_287_482, cancelled=712_518, escrow=0,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_pool_larger_than_all_shortfalls_rest_lapses(contract, reading):
    revenue = {"Y1": 600_000_000, "Y2": 700_000_000, "Y3": 1_100_000_000, "Y4": 800_000_000, "Y5": 974_000_000}
    out = run(contract, revenue, reading)
    check(out, met=(False, False, True, False, True), **POOL_LARGER_THAN_SHORTFALLS[reading])


# A later big year finds earlier shortfalls already partly made up.
# Y1 500M, Y2 600M, Y3 900M, Y4 1,285M, Y5 1,074M.
#   Y1 own 2,255,639, shortfall 165M; Y2 own 2,459,016, shortfall 132M (as above)
#   excesses: Y3 95M, Y4 400M, Y5 100M; Y3-Y5 own 3,000,000 each
# spa:
#   Y3: pool 47.5M -> Y1 (165M outstanding, 117.5M left after)
#       3M x (500 + 47.5)/665 = 2,469,924.812... -> 2,469,924; restored 214,285
#       released Y3 = 3,214,285
#   Y4: pool 200M -> Y1 its remaining 117.5M: 3M x 665/665 = 3,000,000,
#       restored 3,000,000 - 2,469,924 = 530,076; then Y2 82.5M (49.5M left after):
#       3M x 682.5/732 = 2,797,131.147... -> 2,797,131, restored 338,115
#       released Y4 = 3,000,000 + 530,076 + 338,115 = 3,868,191
#   Y5: pool 50M -> Y1 nothing outstanding; Y2 its last 49.5M -> 3,000,000,
#       restored 3,000,000 - 2,797,131 = 202,869; 0.5M lapses
#       released Y5 = 3,202,869
#   restored Y1 = 214,285 + 530,076 = 744,361; Y2 = 338,115 + 202,869 = 540,984
#   deducted 0 everywhere; total = 4,714,655 + 3,214,285 + 3,868,191 + 3,202,869
#   = 15,000,000; cancelled 0; escrow 0
# excess-year: same money, each credit counted at the target of its excess year:
#   Y3: Y1 + 3M x 47.5/805 = 177,018.633...; floor(2,255,639.097... + 177,018.633...)
#       = floor(2,432,657.731...) = 2,432,657; restored 177,018; released Y3 = 3,177,018
#   Y4: Y1 + 3M x 117.5/885 = 398,305.084...; floor(2,432,657.731... + 398,305.084...)
#       = floor(2,830,962.816...) = 2,830,962; restored 2,830,962 - 2,432,657 = 398,305
#       Y2 + 3M x 82.5/885 = 279,661.016...; floor(2,459,016.393... + 279,661.016...)
#       = floor(2,738,677.410...) = 2,738,677; restored 279,661
#       released Y4 = 3,000,000 + 398,305 + 279,661 = 3,677,966
#   Y5: Y2 + 3M x 49.5/974 = 152,464.065...; floor(2,738,677.410... + 152,464.065...)
#       = floor(2,891,141.476...) = 2,891,141; restored 2,891,141 - 2,738,677 = 152,464
#       released Y5 = 3,152,464
#   restored Y1 = 177,018 + 398,305 = 575,323; Y2 = 279,661 + 152,464 = 432,125
#   deducted Y1 = 3,000,000 - 2,255,639 - 575,323 = 169,038
#   deducted Y2 = 3,000,000 - 2,459,016 - 432,125 = 108,859
#   total = 4,714,655 + 3,177,018 + 3,677,966 + 3,152,464 = 14,722,103
#   cancelled = 169,038 + 108,859 = 277,897; escrow 0
# press-release: 95M > 402.5M, 400M > 442.5M, 100M > 487M are all false -> no offset
#   deducted Y1 744,361, Y2 540,984; cancelled 1,285,345
#   total = 4,714,655 + 9,000,000 = 13,714,655; escrow 0
PARTLY_MADE_UP_BEFORE_BIG_YEAR = {
    "spa": dict(
        released=(2_255_639, 2_459_016, 3_214_285, 3_868_191, 3_202_869),
        restored=(744_361, 540_984, 0, 0, 0),
        deducted=(0, 0, 0, 0, 0),
        total=15_000_000, cancelled=0, escrow=0,
    ),
    "excess-year": dict(
        released=(2_255_639, 2_459_016, 3_177_018, 3_677_966, 3_152_464),
        restored=(575_323, 432_125, 0, 0, 0),
        deducted=(169_038, 108_859, 0, 0, 0),
        total=14_722_103, cancelled=277_897, escrow=0,
    ),
    "press-release": dict(
        released=(2_255_639, 2_459_016, 3_000_000, 3_000_000, 3_000_000),
        restored=(0, 0, 0, 0, 0),
        deducted=(744_361, 540_984, 0, 0, 0),
        total=13_714_655, cancelled=1_285_345, escrow=0,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_later_big_year_finds_shortfalls_partly_made_up(contract, reading):
    revenue = {"Y1": 500_000_000, "Y2": 600_000_000, "Y3": 900_000_000, "Y4": 1_285_000_000, "Y5": 1_074_000_000}
    out = run(contract, revenue, reading)
    check(out, met=(False, False, True, True, True), **PARTLY_MADE_UP_BEFORE_BIG_YEAR[reading])


# Rounding happens once, on the whole entitlement, not per credit.
# Y1 600M, Y2 742M, Y3 815M (Y4, Y5 pending): two small credits to Y1.
#   Y1 own 2,706,766 (3M x 600/665 = 2,706,766.917...); Y2, Y3 own 3,000,000
#   Y2 excess 10M, Y3 excess 10M
# spa: each pool 5M, both to Y1.
#   after Y2: 3M x 605/665 = 2,729,323.308... -> 2,729,323; restored 22,557
#   after Y3: 3M x 610/665 = 2,751,879.699... -> 2,751,879; restored 22,556
#   restored Y1 = 45,113 (rounding each credit, 3M x 5/665 = 22,556.390... -> 22,556,
#   twice, would give only 45,112)
#   released Y2 3,022,557, Y3 3,022,556; deducted Y1 = 3,000,000 - 2,706,766 - 45,113 = 248,121
#   total = 2,706,766 + 3,022,557 + 3,022,556 = 8,751,879; escrow = 6,248,121
# excess-year:
#   after Y2: + 3M x 5/732 = 20,491.803...; floor(2,727,258.720...) = 2,727,258; restored 20,492
#   after Y3: + 3M x 5/805 = 18,633.540...; floor(2,745,892.260...) = 2,745,892; restored 18,634
#   restored Y1 = 39,126 (per-credit rounding would give 20,491 + 18,633 = 39,124)
#   released Y2 3,020,492, Y3 3,018,634; deducted Y1 = 3,000,000 - 2,706,766 - 39,126 = 254,108
#   total = 2,706,766 + 3,020,492 + 3,018,634 = 8,745,892; escrow = 6,254,108
# press-release: 10M is far below half of 732M / 805M -> no offset
#   deducted Y1 293,234; total = 2,706,766 + 6,000,000 = 8,706,766; escrow = 6,293,234
ROUNDED_ONCE = {
    "spa": dict(
        released=(2_706_766, 3_022_557, 3_022_556), restored=(45_113, 0, 0), deducted=(248_121, 0, 0),
        total=8_751_879, cancelled=0, escrow=6_248_121,
    ),
    "excess-year": dict(
        released=(2_706_766, 3_020_492, 3_018_634), restored=(39_126, 0, 0), deducted=(254_108, 0, 0),
        total=8_745_892, cancelled=0, escrow=6_254_108,
    ),
    "press-release": dict(
        released=(2_706_766, 3_000_000, 3_000_000), restored=(0, 0, 0), deducted=(293_234, 0, 0),
        total=8_706_766, cancelled=0, escrow=6_293_234,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_entitlement_is_rounded_once_not_per_credit(contract, reading):
    out = run(contract, {"Y1": 600_000_000, "Y2": 742_000_000, "Y3": 815_000_000}, reading)
    check(out, met=(False, True, True), **ROUNDED_ONCE[reading])


# ------------------------------------- 4. a last-year miss nothing can offset

# All three readings agree: no year exceeds its target, so every pool is 0; and
# no year comes after Y5 to offset its shortfall.
# Y1-Y4 on target, Y5 900M:
#   Y5 own: 3M x 900/974 = 2,772,073.921... -> 2,772,073; deducted 227,927
#   total = 4 x 3,000,000 + 2,772,073 = 14,772,073
#   cancelled = 227,927; escrow = 15M - 14,772,073 - 227,927 = 0
@pytest.mark.parametrize("reading", READINGS)
def test_last_year_miss_is_cancelled(contract, reading):
    out = run(contract, {**ON_TARGET, "Y5": 900_000_000}, reading)
    check(
        out,
        met=(True, True, True, True, False),
        released=(3_000_000, 3_000_000, 3_000_000, 3_000_000, 2_772_073),
        restored=(0, 0, 0, 0, 0),
        deducted=(0, 0, 0, 0, 227_927),
        total=14_772_073,
        cancelled=227_927,
        escrow=0,
    )


# Readings agree for the same reason (no excess anywhere).
# Y1 600M, Y2-Y4 on target, Y5 900M.
# After Y4 (Y5 pending): Y1 deducted 293,234 (3,000,000 - 2,706,766) stays in
#   escrow: total = 2,706,766 + 9,000,000 = 11,706,766; cancelled 0;
#   escrow = 15,000,000 - 11,706,766 = 3,293,234
# After Y5: Y5 own 2,772,073, deducted 227,927
#   total = 11,706,766 + 2,772,073 = 14,478,839
#   cancelled = 293,234 + 227,927 = 521,161; escrow 0
@pytest.mark.parametrize("reading", READINGS)
def test_deducted_shares_wait_in_escrow_until_last_year_then_cancelled(contract, reading):
    revenue = {**ON_TARGET, "Y1": 600_000_000, "Y5": 900_000_000}
    before = {y: revenue[y] for y in ("Y1", "Y2", "Y3", "Y4")}
    check(
        run(contract, before, reading),
        met=(False, True, True, True),
        released=(2_706_766, 3_000_000, 3_000_000, 3_000_000),
        restored=(0, 0, 0, 0),
        deducted=(293_234, 0, 0, 0),
        total=11_706_766,
        cancelled=0,
        escrow=3_293_234,
    )
    check(
        run(contract, revenue, reading),
        met=(False, True, True, True, False),
        released=(2_706_766, 3_000_000, 3_000_000, 3_000_000, 2_772_073),
        restored=(0, 0, 0, 0, 0),
        deducted=(293_234, 0, 0, 0, 227_927),
        total=14_478_839,
        cancelled=521_161,
        escrow=0,
    )


# ---------------------------------------------- 5. zero and negative revenue

ZERO_NEGATIVE = {"Y1": 0, "Y2": -50_000_000, "Y3": 805_000_000, "Y4": 2_415_000_000, "Y5": 974_000_000}


# Before the big year (Y1-Y3 known), all readings agree: no excess yet.
#   Y1 own: 3M x 0/665 = 0; shortfall 665M; deducted 3,000,000
#   Y2: counted revenue = clamp(-50M, 0, 732M) = 0 -> own 0; shortfall 732M (not 782M);
#       deducted 3,000,000
#   Y3 on target: 3,000,000, no excess
#   total = 3,000,000; cancelled 0 (Y5 pending); escrow = 12,000,000
@pytest.mark.parametrize("reading", READINGS)
def test_zero_and_negative_revenue_earn_nothing(contract, reading):
    revenue = {y: ZERO_NEGATIVE[y] for y in ("Y1", "Y2", "Y3")}
    check(
        run(contract, revenue, reading),
        met=(False, False, True),
        released=(0, 0, 3_000_000),
        restored=(0, 0, 0),
        deducted=(3_000_000, 3_000_000, 0),
        total=3_000_000,
        cancelled=0,
        escrow=12_000_000,
    )


# Then Y4 2,415M (excess 2,415 - 885 = 1,530M), Y5 on target.
# spa: pool 765M -> Y1 665M (all its shortfall) -> 3,000,000, restored 3,000,000;
#   Y2 the other 100M -> 3M x (0 + 100)/732 = 409,836.065... -> 409,836
#   (had -50M counted: 3M x 50/732 = 204,918.032... -> 204,918; it must not)
#   released Y4 = 3,000,000 + 3,000,000 + 409,836 = 6,409,836
#   deducted Y2 = 3,000,000 - 0 - 409,836 = 2,590,164
#   total = 3,000,000 + 6,409,836 + 3,000,000 = 12,409,836; cancelled 2,590,164; escrow 0
# excess-year: same money (665M, 100M) counted at Y4's target 885M:
#   Y1: 3M x 665/885 = 2,254,237.288... -> 2,254,237; deducted 745,763
#   Y2: 3M x 100/885 = 338,983.050... -> 338,983; deducted 2,661,017
#   released Y4 = 3,000,000 + 2,254,237 + 338,983 = 5,593,220
#   total = 3,000,000 + 5,593,220 + 3,000,000 = 11,593,220
#   cancelled = 745,763 + 2,661,017 = 3,406,780; escrow 0
# press-release: 1,530M > 50% x 885M = 442.5M -> pool 1,530M; Y1 takes 665M and
#   Y2 its 732M (the negative revenue counts as 0); both -> 3,000,000; 133M lapses
#   released Y4 = 9,000,000; total 15,000,000; cancelled 0; escrow 0
ZERO_NEGATIVE_MADE_UP = {
    "spa": dict(
        released=(0, 0, 3_000_000, 6_409_836, 3_000_000),
        restored=(3_000_000, 409_836, 0, 0, 0),
        deducted=(0, 2_590_164, 0, 0, 0),
        total=12_409_836, cancelled=2_590_164, escrow=0,
    ),
    "excess-year": dict(
        released=(0, 0, 3_000_000, 5_593_220, 3_000_000),
        restored=(2_254_237, 338_983, 0, 0, 0),
        deducted=(745_763, 2_661_017, 0, 0, 0),
        total=11_593_220, cancelled=3_406_780, escrow=0,
    ),
    "press-release": dict(
        released=(0, 0, 3_000_000, 9_000_000, 3_000_000),
        restored=(3_000_000, 3_000_000, 0, 0, 0),
        deducted=(0, 0, 0, 0, 0),
        total=15_000_000, cancelled=0, escrow=0,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_zero_and_negative_revenue_later_made_up(contract, reading):
    out = run(contract, ZERO_NEGATIVE, reading)
    check(out, met=(False, False, True, True, True), **ZERO_NEGATIVE_MADE_UP[reading])


# ---------------------------------------------------------- 6. partial years

# Only Y1 known; all readings agree (a single year has no earlier year to offset).
#   Y1 own 3M x 600/665 = 2,706,766.917... -> 2,706,766; deducted 293,234
#   Y2-Y5 pending (None) but their targets are given
#   total 2,706,766; cancelled 0 (Y5 pending); escrow = 15M - 2,706,766 = 12,293,234
@pytest.mark.parametrize("reading", READINGS)
def test_only_first_year_known(contract, reading):
    out = run(contract, {"Y1": 600_000_000}, reading)
    check(
        out,
        met=(False,),
        released=(2_706_766,),
        restored=(0,),
        deducted=(293_234,),
        total=2_706_766,
        cancelled=0,
        escrow=12_293_234,
    )
    assert out["revenue"] == by_year(600_000_000)
    assert out["target"]["Y5"] == 974_000_000


# Y1 600M, Y2 800M, Y3 700M (Y4, Y5 pending). Y1-Y2 as in the miss-made-up test;
#   Y3 own: 3M x 700/805 = 2,608,695.652... -> 2,608,695; deducted 391,305; no excess
#   cancelled 0 in every reading (Y5 pending: deducted shares stay in escrow)
# spa:          total = 5,860,150 + 2,608,695 = 8,468,845; escrow = 6,531,155
# excess-year:  total = 5,846,111 + 2,608,695 = 8,454,806; escrow = 6,545,194
# press-release: total = 5,706,766 + 2,608,695 = 8,315,461; escrow = 6,684,539
FIRST_THREE_YEARS = {
    "spa": dict(
        released=(2_706_766, 3_153_384, 2_608_695), restored=(153_384, 0, 0), deducted=(139_850, 0, 391_305),
        total=8_468_845, cancelled=0, escrow=6_531_155,
    ),
    "excess-year": dict(
        released=(2_706_766, 3_139_345, 2_608_695), restored=(139_345, 0, 0), deducted=(153_889, 0, 391_305),
        total=8_454_806, cancelled=0, escrow=6_545_194,
    ),
    "press-release": dict(
        released=(2_706_766, 3_000_000, 2_608_695), restored=(0, 0, 0), deducted=(293_234, 0, 391_305),
        total=8_315_461, cancelled=0, escrow=6_684_539,
    ),
}


@pytest.mark.parametrize("reading", READINGS)
def test_first_three_years_known(contract, reading):
    out = run(contract, {"Y1": 600_000_000, "Y2": 800_000_000, "Y3": 700_000_000}, reading)
    check(out, met=(False, True, False), **FIRST_THREE_YEARS[reading])


def test_revenue_out_of_order_is_an_input_error(contract):
    with pytest.raises(evaluator.InputError):
        contract.evaluate({"revenue": {"Y1": 600_000_000, "Y3": 700_000_000}})
