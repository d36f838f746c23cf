"""A simulation's report: table, JSON, CSV and HTML (histograms and CDFs, readings overlaid).

Every figure comes from simulate.py's exact figures: means as exact decimals (or to 6 places, marked '...',
where the fraction has no finite decimal form), standard deviations and errors to 6 significant digits,
probabilities as exact decimals (percentages in the table, to 0.01%, half even). The same result gives the
same bytes in every format; the charts' coordinates are drawn from the exact values, for the eye only.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .result import dumps, exact_decimal, number_text

if TYPE_CHECKING:
    from .simulate import Reading, SimulationResult

SCHEMA = "clausewise/simulation/1"
_CTX = Context(prec=60, rounding=ROUND_HALF_EVEN)
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def _label(reading: Reading) -> str:
    return reading.interpretation or "rules"


def _decimal(value: Fraction, places: int = 6) -> tuple[Decimal | int, bool]:
    """`value` exactly if it has a decimal form, else rounded half even to `places`; and whether exact."""
    exact = exact_decimal(value)
    if exact is not None:
        return exact, True
    quotient = _CTX.divide(Decimal(value.numerator), Decimal(value.denominator))
    return _CTX.quantize(quotient, Decimal(1).scaleb(-places)), False


def mean_text(value: Fraction | None) -> str:
    if value is None:
        return ""
    number, exact = _decimal(value)
    return number_text(number, grouped=True) + ("" if exact else "...")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return number_text(value, grouped=True)
    return str(value)


def percent(count: int, total: int) -> str:
    if not total:
        return ""
    share = _CTX.divide(Decimal(count * 100), Decimal(total))
    return f"{_CTX.quantize(share, Decimal('0.01'))}%"


def _pv_text(value: Fraction) -> str:
    quotient = _CTX.divide(Decimal(value.numerator), Decimal(value.denominator))
    return number_text(_CTX.quantize(quotient, Decimal("0.01")), grouped=True)


# ---- JSON -----------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return _decimal(value, 12)[0]
    return value


def as_dict(r: SimulationResult) -> dict[str, Any]:
    readings: dict[str, Any] = {}
    for reading in r.readings:
        outputs: dict[str, Any] = {}
        for f in reading.figures:
            entry: dict[str, Any] = {"unit": f.unit, "count": f.count, "pending": f.pending,
                                     "p_pending": _plain(Fraction(f.pending, r.paths))}
            if f.mean is not None:
                number, exact = _decimal(f.mean, 12)
                entry.update({"mean": number, "mean_exact": exact})
            if f.sd is not None:
                entry.update({"sd": f.sd, "mean_standard_error": f.se})
            entry.update({f"p{p}": _plain(v) for p, v in zip((5, 25, 50, 75, 95), f.percentiles, strict=False)})
            outputs[f.output] = entry
        doc: dict[str, Any] = {"failed_paths": reading.failed, "outputs": outputs}
        if reading.tranches:
            doc["tranches"] = {t.period: {
                "fully_released": _plain(Fraction(t.fully_released, r.paths)),
                "partly_released": _plain(Fraction(t.partly, r.paths)),
                "fully_deducted": _plain(Fraction(t.fully_deducted, r.paths)),
                "pending": _plain(Fraction(t.pending, r.paths)),
                "paths": {"fully_released": t.fully_released, "partly_released": t.partly,
                          "fully_deducted": t.fully_deducted, "pending": t.pending}} for t in reading.tranches}
        if reading.released:
            doc["expected_released"] = {p: _plain(m) if m is not None else None for p, m in reading.released}
        if reading.present_value is not None:
            doc["present_value"] = _decimal(reading.present_value, 2)[0]
        readings[_label(reading)] = doc
    out: dict[str, Any] = {
        "schema": SCHEMA, "contract": r.contract, "model": r.model.name, "paths": r.paths, "seed": r.seed,
        "as_of": r.as_of.isoformat() if r.as_of else None, "rounding": r.rounding,
        "fixed": {k: _plain(v) for k, v in r.fixed}, "drawn": dict(r.drawn),
        "percentiles": "nearest rank: P5 is the value of path ceil(5% of n) in order",
        "readings": readings,
    }
    if r.present_value_formula:
        out["present_value_formula"] = r.present_value_formula + "; rounded half even to 0.01"
    return out


def json_text(r: SimulationResult) -> str:
    return dumps(as_dict(r)) + "\n"


# ---- table ----------------------------------------------------------------------------------------


def _header(r: SimulationResult) -> list[str]:
    lines = [f"{r.title}: Monte Carlo, {r.paths:,} paths, seed {r.seed}"
             + (f", as of {r.as_of.isoformat()}" if r.as_of else ""),
             f"Model: {r.model.name or r.model.file}"]
    if r.fixed:
        lines.append("Fixed (known): " + ", ".join(f"{k} = {_shown(_plain(v))}" for k, v in r.fixed))
    lines += [f"Drawn: {k}: {v}" for k, v in r.drawn]
    lines.append(f"Exactness: {r.rounding}.")
    lines.append("Mean: exact ('...': to 6 places); sd (n - 1) and se (standard error of the mean): 6 significant "
                 "digits; P5..P95: nearest rank.")
    return lines


def table(r: SimulationResult) -> str:
    lines = _header(r)
    for reading in r.readings:
        lines += ["", f"Reading: {_label(reading)}" + (f" ({reading.failed:,} paths failed)" if reading.failed else "")]
        shown = [f for f in reading.figures if f.count]
        never = [f.output for f in reading.figures if not f.count]
        head = ["output", "unit", "mean", "sd", "se", "P5", "P25", "P50", "P75", "P95", "pending"]
        rows = [[f.output, f.unit, mean_text(f.mean), _shown(f.sd), _shown(f.se),
                 *(_shown(v) for v in (f.percentiles or ("",) * 5)), percent(f.pending, r.paths)] for f in shown]
        lines += _grid(head, rows)
        if never:
            lines.append(f"Pending on every path: {', '.join(never)}")
        if reading.tranches:
            lines += ["", f"Tranches ({r.model.tranche_output}, counting {r.model.tranche_counts}, of a full "
                          f"{r.model.tranche_full_text}):"]
            lines += _grid(["period", "fully released", "partly", "fully deducted", "pending"],
                           [[t.period, percent(t.fully_released, r.paths), percent(t.partly, r.paths),
                             percent(t.fully_deducted, r.paths), percent(t.pending, r.paths)]
                            for t in reading.tranches])
        if reading.released:
            lines += ["", f"Expected {r.model.released} per period: "
                      + ", ".join(f"{p} {mean_text(m) or 'pending'}" for p, m in reading.released)]
        if reading.present_value is not None:
            lines.append(f"Present value: {_pv_text(reading.present_value)}")
    if r.present_value_formula:
        lines += ["", f"Present value: {r.present_value_formula}; rounded half even to 0.01."]
    return "\n".join(lines) + "\n"


def _grid(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    out = []
    for row in [head, ["-" * w for w in widths], *rows]:
        out.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                             enumerate(zip(row, widths, strict=True))).rstrip())
    return out


# ---- CSV ------------------------------------------------------------------------------------------


def csv_text(r: SimulationResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["reading", "output", "unit", "count", "pending", "mean", "sd", "se", "p5", "p25", "p50", "p75", "p95"])
    for reading in r.readings:
        label = _label(reading)
        for f in reading.figures:
            mean = "" if f.mean is None else str(_decimal(f.mean, 12)[0])
            ranks = [str(_plain(v)) for v in f.percentiles] or [""] * 5
            w.writerow([label, f.output, f.unit, f.count, f.pending, mean, "" if f.sd is None else f.sd,
                        "" if f.se is None else f.se, *ranks])
        for t in reading.tranches:
            for what, count in (("fully released", t.fully_released), ("partly released", t.partly),
                                ("fully deducted", t.fully_deducted)):
                w.writerow([label, f"P({r.model.tranche_output}[{t.period}] {what})", "probability", r.paths, 0,
                            _decimal(Fraction(count, r.paths), 12)[0], "", "", "", "", "", "", ""])
        if reading.present_value is not None:
            w.writerow([label, "present value", "price currency", r.paths, 0,
                        _decimal(reading.present_value, 2)[0], "", "", "", "", "", "", ""])
    return buf.getvalue()


# ---- HTML -----------------------------------------------------------------------------------------


def html_text(r: SimulationResult) -> str:
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(r.title)}: "
             "simulation</title><style>body{font-family:sans-serif;margin:2em;max-width:70em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
             "text-align:right}td:first-child,th:first-child{text-align:left}figure{display:inline-block;"
             "margin:0.5em}svg{background:#fafafa}</style></head><body>",
             f"<h1>{html.escape(r.title)}</h1>", "<p>" + "<br>".join(html.escape(x) for x in _header(r)) + "</p>"]
    legend = " ".join(f"<span style='color:{_COLOURS[i % len(_COLOURS)]}'>&#9632; {html.escape(_label(x))}</span>"
                      for i, x in enumerate(r.readings))
    parts.append(f"<p>Readings: {legend}</p>")
    for reading in r.readings:
        parts.append(f"<h2>Reading: {html.escape(_label(reading))}</h2><table><tr>"
                     + "".join(f"<th>{h}</th>" for h in ("output", "unit", "mean", "sd", "se", "P5", "P25", "P50",
                                                         "P75", "P95", "pending")) + "</tr>")
        for f in reading.figures:
            if not f.count:
                continue
            cells = [f.output, f.unit, mean_text(f.mean), _shown(f.sd), _shown(f.se),
                     *(_shown(v) for v in (f.percentiles or ("",) * 5)), percent(f.pending, r.paths)]
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
        if reading.tranches:
            parts.append("<table><tr><th>period</th><th>fully released</th><th>partly</th><th>fully deducted</th>"
                         "<th>pending</th></tr>" + "".join(
                             f"<tr><td>{t.period}</td><td>{percent(t.fully_released, r.paths)}</td>"
                             f"<td>{percent(t.partly, r.paths)}</td><td>{percent(t.fully_deducted, r.paths)}</td>"
                             f"<td>{percent(t.pending, r.paths)}</td></tr>" for t in reading.tranches) + "</table>")
        if reading.present_value is not None:
            parts.append(f"<p>Present value: {_pv_text(reading.present_value)}</p>")
    if r.present_value_formula:
        parts.append(f"<p>{html.escape(r.present_value_formula)}; rounded half even to 0.01.</p>")
    parts.append("<h2>Distributions</h2>")
    parts += _charts(r)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _charts(r: SimulationResult) -> list[str]:
    """A histogram and a CDF of every amount that varies on some reading, the readings overlaid."""
    keys: list[str] = []
    for reading in r.readings:
        for f in reading.figures:
            if f.kind == "num" and f.varies and f.output not in keys:
                keys.append(f.output)
    out = []
    for key in keys:
        columns: list[np.ndarray] = []
        for reading in r.readings:
            col = r.batches[reading.interpretation].columns[key]
            if isinstance(col.n, np.ndarray) and col.n.dtype == np.int64 and not isinstance(col.d, np.ndarray) \
                    and not col.patches:  # positions on the chart only: floats are fine here
                columns.append(col.n[~col.pending].astype(float) / float(col.d))
                continue
            values = [v for v in col.values() if v is not None]
            columns.append(np.array([float(v) for v in values]) if values else np.zeros(0))
        every = np.concatenate(columns)
        lo, hi = float(every.min()), float(every.max())
        edges = np.linspace(lo, hi if hi > lo else lo + 1, 41)
        hist: list[np.ndarray] = []
        cdf: list[np.ndarray] = []
        for drawn in columns:
            counts = np.histogram(drawn, bins=edges)[0] if len(drawn) else np.zeros(40)
            hist.append(counts / max(1, r.paths))
            cdf.append(np.cumsum(counts) / max(1, r.paths))
        title = html.escape(key)
        out.append(f"<figure><figcaption>{title}: histogram</figcaption>{_svg(hist, edges, True)}</figure>")
        out.append(f"<figure><figcaption>{title}: CDF</figcaption>{_svg(cdf, edges, False)}</figure>")
    return out


def _svg(series: list[np.ndarray], edges: np.ndarray, bars: bool) -> str:
    w, h, pad = 320, 160, 4
    top = max([float(s.max()) for s in series if len(s)] + [1e-12]) if bars else 1.0
    lines = []
    for i, s in enumerate(series):
        points = []
        for j, v in enumerate(s):
            x0 = pad + (w - 2 * pad) * j / len(s)
            x1 = pad + (w - 2 * pad) * (j + 1) / len(s)
            y = h - pad - (h - 2 * pad) * float(v) / top
            points += [f"{x0:.1f},{y:.1f}", f"{x1:.1f},{y:.1f}"] if bars else [f"{x1:.1f},{y:.1f}"]
        colour = _COLOURS[i % len(_COLOURS)]
        lines.append(f"<polyline fill='none' stroke='{colour}' stroke-width='1.5' points='{' '.join(points)}'/>")
    low, high = _shown(_tick(edges[0])), _shown(_tick(edges[-1]))
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h + 14}'>{''.join(lines)}"
            f"<text x='{pad}' y='{h + 12}' font-size='10'>{low}</text>"
            f"<text x='{w - pad}' y='{h + 12}' font-size='10' text-anchor='end'>{high}</text></svg>")


def _tick(value: float) -> int:
    return int(round(value))
