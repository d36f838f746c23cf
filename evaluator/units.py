"""Units and value types, as the checker infers them.

A unit is a product of base units with integer exponents: a currency code
(`RMB`), `shares`, `days` or a declared counted unit (`unit CVR`: its base is
the plural, `CVRs`). `RMB / shares` is "RMB per share"; a unit with no
base at all is a ratio (a pure number, percentages included). Dates, booleans
and periods are types of their own.
"""

from __future__ import annotations

import functools

from .records import field, record

_SINGULAR = {"shares": "share", "days": "day"}


@record
class Unit:
    dims: tuple[tuple[str, int], ...] = ()
    # counted units among the bases: (plural, singular), for "USD per CVR"; the base names them already
    counted: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @staticmethod
    def of(base: str) -> Unit:
        return Unit(((base, 1),))

    @staticmethod
    def counted_unit(plural: str, singular: str) -> Unit:
        """A declared counted unit (`unit CVR plural CVRs`): never money, shares or another counted unit."""
        return Unit(((plural, 1),), ((plural, singular),))

    def _combine(self, other: Unit, sign: int) -> Unit:
        powers = dict(self.dims)
        for base, exp in other.dims:
            powers[base] = powers.get(base, 0) + sign * exp
        dims = tuple(sorted((b, e) for b, e in powers.items() if e))
        words = dict(self.counted) | dict(other.counted)
        return Unit(dims, tuple(sorted((b, w) for b, w in words.items() if b in powers and powers[b])))

    def __mul__(self, other: Unit) -> Unit:
        return self._combine(other, 1)

    def __truediv__(self, other: Unit) -> Unit:
        return self._combine(other, -1)

    @property
    def currency(self) -> str | None:
        """The currency if this is plain money."""
        if len(self.dims) == 1 and self.dims[0][1] == 1 and self.dims[0][0] not in _SINGULAR and not self.counted:
            return self.dims[0][0]
        return None

    def __str__(self) -> str:
        if not self.dims:
            return "ratio"

        def part(items: list[tuple[str, int]], singular: bool) -> str:
            words = []
            for base, exp in items:
                word = (dict(self.counted).get(base) or _SINGULAR.get(base, base)) if singular else base
                words.append(word if abs(exp) == 1 else f"{word}^{abs(exp)}")
            return " ".join(words)

        num = [(b, e) for b, e in self.dims if e > 0]
        den = [(b, e) for b, e in self.dims if e < 0]
        text = part(num, False) if num else "1"
        return f"{text} per {part(den, True)}" if den else text


RATIO = Unit()
SHARES = Unit.of("shares")
DAYS = Unit.of("days")


@record
class Type:
    kind: str  # quantity | bool | date | period | pending | periodset | error
    unit: Unit | None = None
    period_set: str | None = None

    def __str__(self) -> str:
        if self.kind == "quantity":
            return str(self.unit)
        if self.kind in ("period", "periodset"):
            return f"a {self.period_set}" if self.kind == "period" else f"the periods {self.period_set}"
        if self.kind in ("pending", "error"):
            return self.kind
        return {"bool": "true/false", "date": "a date"}[self.kind]

    @property
    def is_quantity(self) -> bool:
        return self.kind == "quantity"

    def fits(self, other: Type) -> bool:
        """True if values of the two types may meet (pending meets anything)."""
        return self.lenient or other.lenient or self == other

    @property
    def lenient(self) -> bool:
        """Pending fits any type; so does an error already reported."""
        return self.kind in ("pending", "error")


def quantity(unit: Unit) -> Type:
    return Type("quantity", unit)


@functools.cache  # one Type per set of periods: the checker asks for them at every period-valued name
def period(period_set: str) -> Type:
    return Type("period", None, period_set)


BOOL = Type("bool")
DATE = Type("date")
PENDING = Type("pending")
ERROR = Type("error")


def join(a: Type, b: Type) -> Type | None:
    """The type of a value that is either an `a` or a `b`, or None if they clash."""
    if a.lenient:
        return b
    if b.lenient:
        return a
    return a if a == b else None
