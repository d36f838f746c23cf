"""Declared rounding of exact values: `round X down to 1 share`."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

_HALF = Fraction(1, 2)


def _away(q: Fraction) -> int:
    return math.ceil(q) if q >= 0 else math.floor(q)


def _half_up(q: Fraction) -> int:
    r = math.floor(abs(q) + _HALF)
    return r if q >= 0 else -r


def _half_down(q: Fraction) -> int:
    r = math.ceil(abs(q) - _HALF)
    return r if q >= 0 else -r


MODES: dict[str, Callable[[Fraction], int]] = {
    "down": math.floor,  # toward minus infinity
    "up": math.ceil,  # toward plus infinity
    "toward zero": math.trunc,
    "away from zero": _away,
    "half up": _half_up,  # ties away from zero
    "half down": _half_down,  # ties toward zero
    "half even": round,  # ties to the even neighbour (banker's rounding)
}


def round_to(value: Fraction, step: Fraction, mode: str) -> Fraction:
    """`value` rounded to a whole multiple of `step` (> 0) by `mode`."""
    return MODES[mode](value / step) * step
