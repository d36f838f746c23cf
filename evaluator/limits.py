"""The limits that keep every evaluation finite and small, documented and adjustable.

The language has no unbounded loop, so every evaluation ends; these limits make
sure it ends soon, and say so before it starts rather than after minutes:

- `max_cost`: `check` works out from the rules alone a bound on the steps an
  evaluation can take (see cost.py) and refuses rules whose bound is higher;
- `max_digits`: a number computed along the way (numerator or denominator of
  an exact fraction) may have at most this many digits; past it the
  evaluation stops with an error at the formula that made it, never a hang.

`evaluator.load(path, limits=Limits(max_cost=..., max_digits=...))` and the
command's `--max-cost` and `--max-digits` raise or lower them.
"""

from __future__ import annotations

from .records import record

MAX_DAYS = 40_000  # a loop over days covers at most about a century
MAX_SERIES = 100_000  # entries of one value given by date: as many values as a data file may hold
MAX_ENTRIES = 10_000  # movements of one ledger: an account's record over decades, with room to spare
_BITS_PER_DIGIT = 3.3219280948873626  # log2(10)


@record
class Limits:
    max_cost: int = 20_000_000  # steps an evaluation may take, as bounded by `check` (see benchmarks/cost_bound.py)
    max_digits: int = 1_000  # digits of any number computed on the way

    def __post_init__(self) -> None:
        for name in ("max_cost", "max_digits"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} is a whole number of at least 1, not {value!r}")

    @property
    def max_bits(self) -> int:
        """The bit length past which a whole number surely has more than `max_digits` digits."""
        return int(self.max_digits * _BITS_PER_DIGIT) + 1


DEFAULT = Limits()
