"""A SweepResult as a table, CSV, JSON, an XLSX workbook or a self-contained HTML page.

Figures are written exactly: in the table, CSV, JSON and HTML as their decimal digits; in the workbook as
numbers where a spreadsheet's number holds them exactly (xlsx_cells.as_double: at most 15 significant
digits), otherwise as text. The HTML draws, per output, a line chart over one varied input (one line per
reading) or a heat map over two (one per reading), as inline SVG: no script, nothing fetched.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .render import cell
from .result import OutputValue, dumps, number_text
from .sweep import Axis, Point, SweepResult, point_value
from .xlsx_cells import as_double, new_book, sheet_name

_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#999999")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _point(p: Point | Fraction, grouped: bool = True) -> str:
    v = point_value(p)
    return v if isinstance(v, str) else number_text(v, grouped=grouped)


def _label(name: str, unit: str) -> str:
    return name if unit in ("true/false", "ratio", "a date") else f"{name} ({unit})"


def _plain(v: OutputValue) -> str:
    """A value as a CSV cell: digits without grouping, true/false, YYYY-MM-DD, empty for pending."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, date):
        return v.isoformat()
    return number_text(v)


def heading(s: SweepResult) -> str:
    parts = [f"{a.label} ({a.unit}) from {_point(a.start)} to {_point(a.stop)} by "
             f"{_point(a.step)}{' days' if a.unit == 'a date' else ''} ({len(a.values):,} points)" for a in s.axes]
    return f"Sweep of {s.contract}: " + "; ".join(parts)


def _failed(s: SweepResult, reading: str, i: int) -> bool:
    return i in s.errors.get(reading, {})


def table(s: SweepResult) -> str:
    """One row per grid point and output, a column per reading."""
    head = [_label(a.label, a.unit) for a in s.axes] + ["output", *s.readings]
    rows: list[list[str]] = []
    for i, point in enumerate(s.points):
        for j, o in enumerate(s.outputs):
            lead = [_point(p) if j == 0 else "" for p in point]
            values = ["failed" if _failed(s, r, i) else cell(s.values[r][o][i]) for r in s.readings]
            mark = "*" if len(set(values)) > 1 else ""
            rows.append([*lead, _label(o, s.units[o]), *values, mark])
    widths = [max(len(r[k]) for r in [head + [""], *rows]) for k in range(len(head) + 1)]
    numeric = len(s.axes)

    def line(cells: list[str]) -> str:
        out = []
        for k, text in enumerate(cells):
            left = k == numeric or k == len(head)
            out.append(text.ljust(widths[k]) if left else text.rjust(widths[k]))
        return "  ".join(out).rstrip()

    out = [heading(s), "", line([*head, ""]), "  ".join("-" * w for w in widths[:-1]).rstrip()]
    out += [line(r) for r in rows]
    if len(s.readings) > 1:
        out += ["", "* the readings differ"]
    out += [f"note: {note}" for note in s.notes]
    return "\n".join(out) + "\n"


def csv_text(s: SweepResult) -> str:
    """One row per grid point: the varied inputs, then each output (per reading, "output (reading)", when there
    are several)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    several = len(s.readings) > 1
    w.writerow([a.label for a in s.axes] + [f"{o} ({r})" if several else o for r in s.readings for o in s.outputs])
    for i, point in enumerate(s.points):
        w.writerow([_point(p, grouped=False) for p in point]
                   + [_plain(s.values[r][o][i]) for r in s.readings for o in s.outputs])
    return buf.getvalue()


def json_text(s: SweepResult) -> str:
    return dumps({"schema": "clausewise/sweep/1", **s.to_dict()}) + "\n"


def _xlsx_value(v: OutputValue | int | Decimal | str) -> Any:
    """A value as a spreadsheet cell: a number where a double holds it exactly (xlsx_cells.as_double: at most
    15 significant digits), else exact text; a date as YYYY-MM-DD."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, date):
        return v.isoformat()
    double = as_double(v)
    if double is None:
        return number_text(v)
    return int(v) if double.is_integer() else double


def xlsx(s: SweepResult) -> bytes:
    """A workbook: a sheet per reading, a row per grid point (the varied inputs, then the outputs)."""
    buf = io.BytesIO()
    book = new_book(buf, None, heading(s))
    bold = book.add_format({"bold": True})
    used: set[str] = set()
    for r in s.readings:
        sheet = book.add_worksheet(sheet_name(r, used))
        head = [_label(a.label, a.unit) for a in s.axes] + [_label(o, s.units[o]) for o in s.outputs]
        for k, text in enumerate(head):
            sheet.write_string(0, k, text, bold)
            sheet.set_column(k, k, max(12, len(text) + 2))
        for i, point in enumerate(s.points):
            row = [_xlsx_value(point_value(p)) for p in point]
            row += ["failed" if _failed(s, r, i) else _xlsx_value(s.values[r][o][i]) for o in s.outputs]
            for k, v in enumerate(row):
                if v is None:
                    sheet.write_blank(i + 1, k, None)
                elif isinstance(v, bool):
                    sheet.write_boolean(i + 1, k, v)
                elif isinstance(v, int | float):
                    sheet.write_number(i + 1, k, v)
                else:
                    sheet.write_string(i + 1, k, str(v))
        sheet.freeze_panes(1, len(s.axes))
    book.close()
    return buf.getvalue()


# ---- HTML ------------------------------------------------------------------------------------------------


def _fraction(v: OutputValue) -> Fraction | None:
    if v is None or isinstance(v, bool | date):
        return Fraction(int(v)) if isinstance(v, bool) else None
    return Fraction(v)


def _x(p: Point, axis: Axis) -> Fraction:
    if isinstance(p, date):
        assert isinstance(axis.start, date)
        return Fraction((p - axis.start).days)
    assert isinstance(axis.start, Fraction)
    return p - axis.start


def _span(axis: Axis) -> Fraction:
    return _x(axis.stop, axis) or Fraction(1)


def _line_chart(s: SweepResult, o: str, number: int) -> str:
    axis = s.axes[0]
    w, h, left, right, top, bottom = 760, 300, 90, 16, 40, 40
    known = [f for r in s.readings for f in map(_fraction, s.values[r][o]) if f is not None]
    lo, hi = (min(known), max(known)) if known else (Fraction(0), Fraction(1))
    if hi == lo:
        lo, hi = lo - 1, hi + 1

    def px(p: Point) -> float:
        return left + float(_x(p, axis) / _span(axis)) * (w - left - right)

    def py(v: Fraction) -> float:
        return top + float((hi - v) / (hi - lo)) * (h - top - bottom)

    caption = f"{_label(o, s.units[o])} over {_label(axis.label, axis.unit)}"
    out = [f'<figure id="chart-{number}"><figcaption>{_e(caption)}</figcaption>',
           f'<svg class="chart line" role="img" aria-label="{_e("Line chart of " + caption)}" '
           f'viewBox="0 0 {w} {h}" width="{w}" height="{h}">']
    for value in (lo, hi):
        out.append(f'<line class="grid" x1="{left}" y1="{py(value):.1f}" x2="{w - right}" y2="{py(value):.1f}"/>'
                   f'<text class="tick" x="{left - 6}" y="{py(value) + 4:.1f}" text-anchor="end">'
                   f"{_e(_value_text(value))}</text>")
    for p in (axis.start, axis.stop):
        out.append(f'<text class="tick" x="{px(p):.1f}" y="{h - bottom + 18}" text-anchor="middle">'
                   f"{_e(_point(p))}</text>")
    for k, r in enumerate(s.readings):
        colour = _COLOURS[k % len(_COLOURS)]
        out.append(f'<rect x="{left + 160 * k}" y="8" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{left + 160 * k + 17}" y="18">{_e(r)}</text>')
        segments: list[list[str]] = [[]]
        for i, point in enumerate(s.points):
            f = _fraction(s.values[r][o][i])
            if f is None:
                segments.append([])
                continue
            segments[-1].append(f"{px(point[0]):.1f},{py(f):.1f}")
        for seg in segments:
            if seg:
                out.append(f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" '
                           f'points="{" ".join(seg)}"/>')
        for i, point in enumerate(s.points):
            f = _fraction(s.values[r][o][i])
            if f is not None:
                tip = f"{r}: {o} = {cell(s.values[r][o][i])} at {axis.label} = {_point(point[0])}"
                out.append(f'<circle cx="{px(point[0]):.1f}" cy="{py(f):.1f}" r="2.5" fill="{colour}">'
                           f"<title>{_e(tip)}</title></circle>")
    out.append("</svg></figure>")
    return "\n".join(out)


def _value_text(v: Fraction) -> str:
    from .result import exact_decimal

    exact = exact_decimal(v)
    return cell(exact) if exact is not None else f"{v.numerator}/{v.denominator}"


def _heat_map(s: SweepResult, o: str, r: str, number: int) -> str:
    ax, ay = s.axes
    nx, ny = len(ax.values), len(ay.values)
    w, h, left, top = 760, 360, 110, 30
    cw, ch = (w - left - 20) / nx, (h - top - 50) / ny
    known = [f for f in map(_fraction, s.values[r][o]) if f is not None]
    lo, hi = (min(known), max(known)) if known else (Fraction(0), Fraction(1))
    caption = f"{_label(o, s.units[o])}, {r}: {ax.label} across, {ay.label} up"
    out = [f'<figure id="map-{number}"><figcaption>{_e(caption)}</figcaption>',
           f'<svg class="chart heat" role="img" aria-label="{_e("Heat map of " + caption)}" '
           f'viewBox="0 0 {w} {h}" width="{w}" height="{h}">']
    for i, point in enumerate(s.points):
        xi, yi = divmod(i, ny)
        v = s.values[r][o][i]
        f = _fraction(v)
        if f is None:
            fill = "#ffffff"
        else:
            t = float((f - lo) / (hi - lo)) if hi != lo else 0.0
            fill = f"rgb({int(255 - 200 * t)},{int(255 - 120 * t)},{int(255 - 40 * t)})"
        tip = f"{ax.label} = {_point(point[0])}, {ay.label} = {_point(point[1])}: {o} = " + \
            ("failed" if _failed(s, r, i) else cell(v))
        out.append(f'<rect class="cell" x="{left + xi * cw:.1f}" y="{top + (ny - 1 - yi) * ch:.1f}" '
                   f'width="{cw + 0.3:.1f}" height="{ch + 0.3:.1f}" fill="{fill}"><title>{_e(tip)}</title></rect>')
    out.append(f'<text class="tick" x="{left}" y="{h - 30}">{_e(_point(ax.start))}</text>'
               f'<text class="tick" x="{w - 20}" y="{h - 30}" text-anchor="end">{_e(_point(ax.stop))}</text>'
               f'<text class="tick" x="{left + (w - left) / 2:.1f}" y="{h - 12}" text-anchor="middle">'
               f"{_e(_label(ax.label, ax.unit))}</text>"
               f'<text class="tick" x="{left - 6}" y="{h - 50:.1f}" text-anchor="end">{_e(_point(ay.start))}</text>'
               f'<text class="tick" x="{left - 6}" y="{top + 10}" text-anchor="end">{_e(_point(ay.stop))}</text>'
               f'<text class="tick" x="{left - 6}" y="{top + (h - top - 50) / 2:.1f}" text-anchor="end">'
               f"{_e(ay.label)}</text>")
    out.append(f'<text class="legend" x="{left}" y="18">lightest {_e(_value_text(lo))}, darkest '
               f"{_e(_value_text(hi))}; white: pending</text>")
    out.append("</svg></figure>")
    return "\n".join(out)


_CSS = """
body { margin: 24px auto; max-width: 1120px; padding: 0 24px; color: #1d2330; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
svg.chart { max-width: 100%; height: auto; font-size: 12px; }
svg.chart .tick { fill: #5b6474; }
svg.chart .grid { stroke: #e6e9ee; }
table { border-collapse: collapse; }
th, td { padding: 3px 10px; border-bottom: 1px solid #d7dbe2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
"""


def page(s: SweepResult) -> str:
    """One self-contained page: the charts, then the grid as a table."""
    charts: list[str] = []
    for k, o in enumerate(s.outputs, start=1):
        if len(s.axes) == 1:
            charts.append(_line_chart(s, o, k))
        else:
            charts += [_heat_map(s, o, r, k * 100 + j) for j, r in enumerate(s.readings)]
    head = [_label(a.label, a.unit) for a in s.axes] + [f"{_label(o, s.units[o])}, {r}" if len(s.readings) > 1
                                                        else _label(o, s.units[o])
                                                        for r in s.readings for o in s.outputs]
    rows = []
    for i, point in enumerate(s.points):
        cells = [_point(p) for p in point] + ["failed" if _failed(s, r, i) else cell(s.values[r][o][i])
                                              for r in s.readings for o in s.outputs]
        rows.append("<tr>" + "".join(f'<td class="num">{_e(c)}</td>' for c in cells) + "</tr>")
    notes = "".join(f"<p>Note: {_e(note)}</p>" for note in s.notes)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{_e(heading(s))}</title><style>{_CSS}</style></head><body>"
            f"<h1>{_e(heading(s))}</h1><p>Readings: {_e(', '.join(s.readings))}.</p>{notes}"
            f"<section id=\"charts\">{''.join(charts)}</section>"
            "<section id=\"grid\"><h2>The grid</h2><table><thead><tr>"
            + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></section></body></html>\n")
