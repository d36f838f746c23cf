"""Kaixin's release clauses (SPA 4.1, 5.1, 5.2) written by hand in plain, exact Python: the baseline.

This is the obvious code an engineer would write for one agreement, with no
rule language at all: whole shares as int, ratios as Fraction, one function
per reading. `benchmarks/engine.py` times it against `Contract.evaluate` on
the same revenue paths in the same process, and checks that both give the
same figures. It is not used by clausewise itself.
"""

from __future__ import annotations

import math
from fractions import Fraction

YEARS = ("Y1", "Y2", "Y3", "Y4", "Y5")
TARGET = (665_000_000, 732_000_000, 805_000_000, 885_000_000, 974_000_000)  # SPA 4.1, RMB
TRANCHE = 15_000_000 // 5  # SPA 5.1: one-fifth of the 15,000,000 Consideration Shares
OFFSET_SHARE = Fraction(1, 2)  # SPA 5.2(2): 50% of a year's excess offsets earlier shortfalls


def evaluate(revenue: list[int], reading: str = "spa") -> dict[str, object]:
    """The SPA outputs for five years of audited revenue (every year reported)."""
    n = len(YEARS)
    counted = [min(max(r, 0), t) for r, t in zip(revenue, TARGET, strict=True)]
    shortfall = [t - c for t, c in zip(TARGET, counted, strict=True)]
    own = [TRANCHE * c // t for c, t in zip(counted, TARGET, strict=True)]
    excess = [max(r - t, 0) for r, t in zip(revenue, TARGET, strict=True)]
    if reading == "press-release":  # Form 6-K: only an excess of more than 50% offsets, and then all of it
        pool = [e if 2 * e > t else 0 for e, t in zip(excess, TARGET, strict=True)]
    else:
        pool = [OFFSET_SHARE * e for e in excess]
    # credited[k]: revenue credited so far to year k's shortfall; year y's pool goes to the earlier years'
    # shortfalls still outstanding, earliest first. entitled[k][y]: shares of year k's tranche earned
    # once the credits up to year y count.
    credited = [Fraction(0)] * n
    at_excess_year = [Fraction(0)] * n  # excess-year: credits, each valued at the target of its own year
    entitled = [[0] * n for _ in range(n)]
    for y in range(n):
        left = pool[y]
        for k in range(y):
            given = min(shortfall[k] - credited[k], left)
            if given:
                credited[k] += given
                at_excess_year[k] += given / TARGET[y]
                left -= given
        for k in range(n):
            if reading == "excess-year":
                earned = Fraction(TRANCHE * counted[k], TARGET[k]) + TRANCHE * at_excess_year[k]
            else:
                earned = TRANCHE * (counted[k] + credited[k]) / TARGET[k]
            entitled[k][y] = min(TRANCHE, math.floor(earned))
    restored = [[entitled[k][y] - entitled[k][y - 1] if y > k else 0 for y in range(n)] for k in range(n)]
    released = [own[y] + sum(restored[k][y] for k in range(y)) for y in range(n)]
    restored_shares = [sum(restored[y][x] for x in range(y + 1, n)) for y in range(n)]
    deducted = [TRANCHE - own[y] - restored_shares[y] for y in range(n)]
    total_released = sum(released)
    cancelled = sum(deducted)
    return {
        "target": dict(zip(YEARS, TARGET, strict=True)),
        "revenue": dict(zip(YEARS, revenue, strict=True)),
        "target_met": {y: r >= t for y, r, t in zip(YEARS, revenue, TARGET, strict=True)},
        "released_shares": dict(zip(YEARS, released, strict=True)),
        "restored_shares": dict(zip(YEARS, restored_shares, strict=True)),
        "deducted_shares": dict(zip(YEARS, deducted, strict=True)),
        "total_released_shares": total_released,
        "cancelled_shares": cancelled,
        "escrow_shares": 15_000_000 - total_released - cancelled,
    }
