"""The HTML report's charts: grouped bars drawn as inline SVG, one chart per unit and scale.

- The per-period numeric outputs of one set of periods and one unit share a
  chart, unless one is ten times smaller than the largest: the small ones get a
  chart of their own, so that they are read on their own scale, never slivers.
- Every bar carries its figure as a data label (exact, as the formatter shows
  it) and a tooltip; a bar links to its explanation when the report has one.
- A pending value draws no bar. A run of periods pending for every series of a
  chart is one shaded band with one "pending" label; a series pending
  throughout is left out of the chart and named once, under it.

Nothing here knows a particular agreement.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .render import cell
from .result import OutputValue, exact_decimal

# Okabe & Ito's palette: told apart with every common colour-vision deficiency, and in grey print.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#999999")
SMALL = 10  # a series whose largest figure is this many times smaller than the chart's gets its own chart


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def fraction(value: OutputValue) -> Fraction | None:
    """A numeric value, exactly; None for pending and for what is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Fraction(value)


@dataclass(frozen=True)
class Series:
    name: str
    label: str
    values: dict[str, OutputValue]

    @property
    def size(self) -> Fraction:
        return max([abs(f) for f in map(fraction, self.values.values()) if f is not None], default=Fraction(0))


def split_by_scale(series: list[Series]) -> list[list[Series]]:
    """The series with figures, as charts: the large ones together, then those SMALL times smaller."""
    known = [s for s in series if s.size > 0 or any(v is not None for v in s.values.values())]
    if not known:
        return []
    top = max(s.size for s in known)
    large = [s for s in known if s.size * SMALL >= top]
    small = [s for s in known if s.size * SMALL < top]
    return [large] + split_by_scale(small) if small else [large]


def tick_step(span: Fraction) -> Fraction:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about five ticks over `span`."""
    raw = span / 5
    power = math.floor(math.log10(raw.numerator) - math.log10(raw.denominator))  # a float past 1e308 overflows
    while Fraction(10) ** power > raw:  # made exact where the logarithms were not
        power -= 1
    while Fraction(10) ** (power + 1) <= raw:
        power += 1
    scale = Fraction(10) ** power
    for m in (Fraction(1), Fraction(2), Fraction(5, 2), Fraction(5), Fraction(10)):
        if m * scale >= raw:
            return m * scale
    return 10 * scale


def tick_label(value: Fraction, step: Fraction) -> str:
    """A tick's value, short: 200M, 1.5M, 250k, 0.25."""
    if value == 0:
        return "0"
    for size, suffix in ((10**9, "bn"), (10**6, "M"), (10**3, "k")):
        if step * 2 >= size:
            scaled = exact_decimal(value / size)
            if scaled is not None:
                return f"{cell(scaled)}{suffix}"
    exact = exact_decimal(value)
    return cell(exact) if exact is not None else f"{float(value):g}"


def data_label(value: Fraction, text: str) -> str:
    """A bar's label: whole millions and billions short (12M, exact), any other figure as formatted."""
    for size, suffix in ((10**9, "bn"), (10**6, "M")):
        if value != 0 and value % size == 0:
            return f"{cell(int(value / size))}{suffix}"
    return text


class Chart:
    WIDTH, HEIGHT = 760, 300
    LEFT, RIGHT, BOTTOM = 76, 16, 34
    CHAR = 7.2  # a generous width of one character of the 12px legend text

    def __init__(self, anchor: str, caption: str, unit: str, series: list[Series], periods: list[str],
                 number: Callable[[str, OutputValue], str], link: Callable[[str, str], str | None],
                 absent: list[str]) -> None:
        self.anchor, self.caption, self.unit = anchor, caption, unit
        self.series, self.periods, self.number, self.link, self.absent = series, periods, number, link, absent
        self.legend: list[tuple[float, float]] = []  # where each series' swatch goes, in rows if need be
        x, y = float(self.LEFT), 12.0
        for s in series:
            width = 17 + self.CHAR * len(s.label) + 22
            if x > self.LEFT and x + width > self.WIDTH - self.RIGHT:
                x, y = float(self.LEFT), y + 20
            self.legend.append((x, y))
            x += width
        self.TOP = int(y) + 58  # room for the unit and for the data labels above the tallest bar
        known = [f for s in series for f in map(fraction, s.values.values()) if f is not None]
        lo, hi = min([Fraction(0), *known]), max([Fraction(0), *known])
        if hi == lo:
            hi = lo + 1
        self.step = tick_step(hi - lo)
        self.lo = math.floor(lo / self.step) * self.step
        self.hi = math.ceil(hi / self.step) * self.step
        self.ticks = [self.lo + i * self.step for i in range(int((self.hi - self.lo) / self.step) + 1)]

    def y(self, value: Fraction) -> float:
        plot = self.HEIGHT - self.TOP - self.BOTTOM
        return self.TOP + float((self.hi - value) / (self.hi - self.lo)) * plot

    def pending_runs(self) -> list[tuple[int, int]]:
        """(first, last) indexes of the runs of periods pending for every series."""
        runs: list[tuple[int, int]] = []
        for i, p in enumerate(self.periods):
            if all(s.values.get(p) is None for s in self.series):
                if runs and runs[-1][1] == i - 1:
                    runs[-1] = (runs[-1][0], i)
                else:
                    runs.append((i, i))
        return runs

    def svg(self) -> str:
        w, h = self.WIDTH, self.HEIGHT
        left, right, bottom = self.LEFT, w - self.RIGHT, h - self.BOTTOM
        runs = self.pending_runs()
        pending_periods = [self.periods[i] for a, b in runs for i in range(a, b + 1)]
        partial = [f"{s.label} {p}" for s in self.series for p in self.periods
                   if s.values.get(p) is None and p not in pending_periods]
        label = f"Bar chart of {self.caption}, over {', '.join(self.periods)}."
        notes = []
        if pending_periods:
            notes.append(f"Pending: {', '.join(pending_periods)}.")
        if partial:
            notes.append(f"Also pending: {', '.join(partial)}.")
        if self.absent:
            notes.append(f"Pending in every period, so not drawn: {', '.join(self.absent)}.")
        label += "".join(f" {n}" for n in notes)
        out = [f'<figure class="chart-box" id="{self.anchor}">',
               f"<figcaption>{_e(self.caption)}</figcaption>",
               f'<svg class="chart" role="img" aria-label="{_e(label)}" viewBox="0 0 {w} {h}" '
               f'width="{w}" height="{h}">']
        for i, (s, (x, y)) in enumerate(zip(self.series, self.legend, strict=True)):
            colour = COLOURS[i % len(COLOURS)]
            out.append(f'<rect class="swatch" x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colour}"/>'
                       f'<text x="{x + 17:.1f}" y="{y + 10:.1f}">{_e(s.label)}</text>')
        out.append(f'<text class="axis-unit" x="{left - 8}" y="{self.TOP - 26}" text-anchor="end">'
                   f"{_e(self.unit)}</text>")
        for tick in self.ticks:
            y = self.y(tick)
            css = "zero" if tick == 0 else "grid"
            out.append(f'<line class="{css}" x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>'
                       f'<text class="tick" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
                       f"{_e(tick_label(tick, self.step))}</text>")
        group = (right - left) / max(len(self.periods), 1)
        bar = group * 0.8 / max(len(self.series), 1)
        zero = self.y(Fraction(0))
        for first, last in runs:  # one band and one label per run of pending periods
            x0, x1 = left + first * group + 2, left + (last + 1) * group - 2
            out.append(f'<g class="pending"><rect x="{x0:.1f}" y="{self.TOP:.1f}" width="{x1 - x0:.1f}" '
                       f'height="{bottom - self.TOP:.1f}" fill="#eef0f4" stroke="#c5cad3" stroke-dasharray="4 3"/>'
                       f'<text x="{(x0 + x1) / 2:.1f}" y="{(self.TOP + bottom) / 2:.1f}" text-anchor="middle" '
                       'fill="#5b6474" font-style="italic">pending</text></g>')
        for pi, period in enumerate(self.periods):
            x0 = left + pi * group + group * 0.1
            out.append(f'<text class="period" x="{left + (pi + 0.5) * group:.1f}" y="{bottom + 20}" '
                       f'text-anchor="middle">{_e(period)}</text>')
            for si, s in enumerate(self.series):
                out += self._bar(s, si, period, x0 + si * bar, bar, zero)
        out.append(f'<line class="axis" x1="{left}" y1="{self.TOP - 4}" x2="{left}" y2="{bottom}"/>')
        out.append("</svg>")
        if notes:
            out.append(f'<p class="chart-note">{_e(" ".join(notes))}</p>')
        out.append("</figure>")
        return "\n".join(out)

    def _bar(self, s: Series, index: int, period: str, bx: float, bar: float, zero: float) -> list[str]:
        value = s.values.get(period)
        exact = fraction(value)
        if exact is None:
            return []
        top = self.y(exact)
        y, height = min(top, zero), abs(zero - top)
        if height < 1.5:  # zero (or next to it) still shows, as a hairline, unlike a pending value
            y, height = (zero - 1.5 if exact >= 0 else zero), 1.5
        shown = self.number(s.name, value)
        tip = f"{s.label} {period}: {shown} {self.unit}".rstrip()
        rect = (f'<rect class="bar" x="{bx + 1:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[index % len(COLOURS)]}"><title>{_e(tip)}</title></rect>')
        anchor = self.link(s.name, period)
        text = data_label(exact, shown)
        size = min(11.0, max(6.0, (bar - 2) / (0.62 * max(len(text), 1))))  # fits the bar's width
        ly = y - 4 if exact >= 0 else y + height + size + 2
        out = [f'<a href="#{anchor}">{rect}</a>' if anchor else rect,
               f'<text class="data" x="{bx + bar / 2:.1f}" y="{ly:.1f}" text-anchor="middle" '
               f'font-size="{size:.1f}">{_e(text)}</text>']
        return out
