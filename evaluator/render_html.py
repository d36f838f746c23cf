"""Result -> one self-contained HTML report: summary, charts, tables per period, explanations, clauses, rules.

The page needs nothing but itself: styles and charts are inline (the charts are
SVG drawn here, in Python), a Content-Security-Policy forbids every fetch, and
one short script only counts the bars the browser drew (for the tests). Every
figure links to its explanation (with `Contract.evaluate(..., trace=True)`),
each explanation to the steps it comes from, to the clause it cites and to the
line of the rule file its formula is written on.

Nothing here knows a particular agreement: names, units, periods, clauses and
sentences all come from the result and the contract. Same result, same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from . import nodes as n
from .highlight import highlight, highlight_expression
from .render import cell
from .render_trace import amount
from .result import OutputValue, Result, exact_decimal

if TYPE_CHECKING:
    from .contract import Contract
    from .narrative import Sentence
    from .trace import Step

_NOT_NUMERIC = ("true/false", "a date")
# Okabe & Ito's palette: told apart with every common colour-vision deficiency, and in grey print.
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#999999")
_SECTIONS = ("summary", "charts", "periods", "explanations", "clauses", "rules", "contents")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-") or "x"


class _Anchors:
    """Valid, unique, stable ids: the same key always gets the same id, and two keys never share one."""

    def __init__(self, reserved: Iterable[str]) -> None:
        self.used = set(reserved)
        self.ids: dict[tuple[str, str], str] = {}

    def add(self, kind: str, key: str) -> str:
        if (kind, key) not in self.ids:
            base = candidate = f"{kind}-{_slug(key)}"
            suffix = 2
            while candidate in self.used:
                candidate, suffix = f"{base}-{suffix}", suffix + 1
            self.used.add(candidate)
            self.ids[(kind, key)] = candidate
        return self.ids[(kind, key)]

    def get(self, kind: str, key: str) -> str | None:
        return self.ids.get((kind, key))


@dataclass(frozen=True)
class _Series:
    name: str
    values: dict[str, OutputValue]


def _unit_label(unit: str) -> str:
    return "" if unit in _NOT_NUMERIC or unit == "ratio" else unit


def _is_numeric(value: OutputValue) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _fraction(value: OutputValue) -> Fraction | None:
    """A numeric value, exactly; None for pending and for what is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Fraction(value)


class _Report:
    def __init__(self, result: Result, contract: Contract) -> None:
        self.result, self.contract = result, contract
        self.trace = result.trace
        self.files = {f.path: i for i, f in enumerate(contract.program.files, start=1)}
        reserved = list(_SECTIONS) + [f"rule-{i}" for i in self.files.values()]
        reserved += [f"rule-{i}-L{line}" for f, i in self.files.items()
                     for line in range(1, self._file(f).text.count("\n") + 2)]
        self.anchors = _Anchors(reserved)
        self.step_of: dict[tuple[str, tuple[str, ...]], str] = {}
        self.used_in: dict[str, list[str]] = {}
        for step in (self.trace or {}).values():
            self.anchors.add("step", step.id)
            self.step_of[(step.name, step.periods)] = step.id
            for source in step.inputs:
                self.used_in.setdefault(source, []).append(step.id)
        for name in self.clause_names():
            self.anchors.add("clause", name)
        self.coloured: dict[tuple[str, bool], str] = {}  # a formula shared by many steps is coloured once
        self.period_sets: dict[str, list[str]] = {}
        for name, ps in result.periods.items():
            self.period_sets.setdefault(ps, []).append(name)
        for ps in self.period_sets:
            for period in self._members(ps):
                self.anchors.add("period", f"{ps}-{period[0]}" if len(self.period_sets) > 1 else period[0])

    # ------------------------------------------------------------------ pieces
    def _file(self, path: str) -> n.RuleFile:
        return next(f for f in self.contract.program.files if f.path == path)

    def _members(self, period_set: str) -> list[tuple[str, date | None, date | None]]:
        ps = self.contract.program.period_sets.get(period_set)
        if ps is not None:
            return [(m.name, m.start, m.end) for m in ps.members]
        first = next(self.result.outputs[name] for name in self.period_sets[period_set])
        return [(p, None, None) for p in (first if isinstance(first, dict) else {})]

    def _period_id(self, period_set: str, period: str) -> str | None:
        return self.anchors.get("period", f"{period_set}-{period}" if len(self.period_sets) > 1 else period)

    def _figure(self, name: str, periods: tuple[str, ...], value: OutputValue) -> str:
        """A value as shown in a table: a link to its explanation when there is one."""
        text = cell(value)
        css = "fig pending" if value is None else "fig"
        step = self.step_of.get((name, periods))
        anchor = self.anchors.get("step", step) if step else None
        why = self.result.notes.get(f"{name}[{', '.join(periods)}]" if periods else name) if value is None else None
        note = f'<small class="why">{_e(why)}</small>' if why else ""  # why it is pending (reasons.py)
        if anchor is None:
            return f'<span class="{css}">{_e(text)}</span>{note}'
        return f'<a class="{css}" href="#{anchor}">{_e(text)}</a>{note}'

    def _clause_link(self, citation: str | None) -> str:
        if not citation:
            return ""
        anchor = self.anchors.get("clause", citation)
        return f'<a href="#{anchor}">{_e(citation)}</a>' if anchor else _e(citation)

    def _location_link(self, location: str) -> str:
        path, _, line = location.rpartition(":")
        index = self.files.get(path)
        if index is None or not line.isdigit():
            return f"<span>{_e(location)}</span>"
        return f'<a class="loc" href="#rule-{index}-L{line}">{_e(location)}</a>'

    def _step_link(self, step_id: str) -> str:
        anchor = self.anchors.get("step", step_id)
        return f'<a href="#{anchor}"><code>{_e(step_id)}</code></a>' if anchor else f"<code>{_e(step_id)}</code>"

    def _meaning(self, name: str) -> str | None:
        sym = self.contract.program.symbols.get(name)
        return sym.decl.about.meaning if sym is not None else None

    def _name_cell(self, name: str) -> str:
        meaning = self._meaning(name)
        title = f' title="{_e(meaning)}"' if meaning else ""
        return f'<th scope="row"><code{title}>{_e(name)}</code></th>'

    # ------------------------------------------------------------------ sections
    def summary(self) -> str:
        c, r = self.contract, self.result
        out = ['<section id="summary">', "<h2>Summary</h2>", '<dl class="facts">']
        out.append(f"<dt>Contract</dt><dd><code>{_e(c.name)}</code>, dated {_e(c.date.isoformat())}</dd>")
        out.append(f"<dt>Reading</dt><dd>{self._readings()}</dd>")
        applied = self.result.amendments
        terms = "; ".join(f"{_e(a['title'])} (effective {_e(a['effective'])})" for a in applied)
        as_of = f" as of {_e(self.result.as_of.isoformat())}" if self.result.as_of else ""
        out.append(f"<dt>Amendments</dt><dd>{terms or 'none'}{as_of}</dd>")
        out.append("</dl>")
        if c.parties:
            out += ["<h3>Parties</h3>", '<table class="parties"><thead><tr><th scope="col">Party</th>'
                    '<th scope="col">Name</th><th scope="col">Role</th></tr></thead><tbody>']
            out += [f"<tr><td>{_e(p.id)}</td><td>{_e(p.name)}</td><td>{_e(p.role or '')}</td></tr>" for p in c.parties]
            out.append("</tbody></table>")
        singles = [name for name in r.outputs if name not in r.periods]
        if singles:
            out += ["<h3>Totals</h3>", '<table class="figures"><thead><tr><th scope="col">Output</th>'
                    '<th scope="col" class="num">Value</th><th scope="col">Unit</th><th scope="col">Clause</th>'
                    "</tr></thead><tbody>"]
            for name in singles:
                value = r.outputs[name]
                assert not isinstance(value, dict)
                out.append(f"<tr>{self._name_cell(name)}<td class=\"num\">{self._figure(name, (), value)}</td>"
                           f"<td>{_e(_unit_label(r.units[name]))}</td>"
                           f"<td>{self._clause_link(r.citations.get(name))}</td></tr>")
            out.append("</tbody></table>")
        shown = {p for ps in self.period_sets for p, _, _ in self._members(ps)}
        rest = [s for s in r.narrative if s.period is None or s.period not in shown]
        if rest:
            out += ["<h3>In words</h3>", '<ul class="sentences">']
            out += [f"<li>{_e(s.text)}</li>" for s in rest]
            out.append("</ul>")
        out.append("</section>")
        return "\n".join(out)

    def _readings(self) -> str:
        meanings: dict[str, str | None] = {}
        for f in self.contract.program.files:
            for d in f.declarations:
                if isinstance(d, n.InterpretationDecl):
                    meanings[d.name] = d.about.meaning
        used = self.result.interpretation
        if used is None:
            return "the rules have a single reading"
        text = f"<strong>{_e(used)}</strong>"
        if meanings.get(used):
            text += f": {_e(meanings[used])}"
        others = [name for name in meanings if name != used]
        if others:
            items = "".join(f"<li><code>{_e(o)}</code>" + (f": {_e(meanings[o])}" if meanings[o] else "") + "</li>"
                            for o in others)
            text += f'<div class="others">Other readings in the rules:<ul>{items}</ul></div>'
        return text

    def periods(self) -> str:
        r = self.result
        if not self.period_sets:
            return ""
        out = ['<section id="periods">', "<h2>By period</h2>"]
        told: dict[str | None, list[Sentence]] = {}  # the sentences about each period, in order
        for sentence in r.narrative:
            told.setdefault(sentence.period, []).append(sentence)
        for ps, names in self.period_sets.items():
            if len(self.period_sets) > 1:
                out.append(f"<h3>{_e(ps)}</h3>")
            out.append('<div class="period-grid">')
            for period, start, end in self._members(ps):
                anchor = self._period_id(ps, period)
                dates = f' <span class="dates">{_e(start.isoformat())} to {_e(end.isoformat())}</span>' \
                    if start and end else ""
                out.append(f'<article class="period" id="{anchor}"><h3>{_e(period)}{dates}</h3>')
                out.append('<table class="figures"><thead><tr><th scope="col">Output</th>'
                           '<th scope="col" class="num">Value</th><th scope="col">Unit</th>'
                           '<th scope="col">Clause</th></tr></thead><tbody>')
                for name in names:
                    values = r.outputs[name]
                    value = values.get(period) if isinstance(values, dict) else None
                    out.append(f"<tr>{self._name_cell(name)}"
                               f'<td class="num">{self._figure(name, (period,), value)}</td>'
                               f"<td>{_e(_unit_label(r.units[name]))}</td>"
                               f"<td>{self._clause_link(r.citations.get(name))}</td></tr>")
                out.append("</tbody></table>")
                sentences = told.get(period, [])
                if sentences:
                    out.append('<ul class="sentences">' + "".join(f"<li>{_e(s.text)}</li>" for s in sentences)
                               + "</ul>")
                out.append("</article>")
            out.append("</div>")
        out.append("</section>")
        return "\n".join(out)

    # ------------------------------------------------------------------ charts
    def chart_groups(self) -> list[tuple[str, str, list[_Series]]]:
        """(period set, unit, series): the per-period numeric outputs, one group per unit."""
        groups: dict[tuple[str, str], list[_Series]] = {}
        for name, ps in self.result.periods.items():
            values = self.result.outputs[name]
            unit = self.result.units[name]
            if not isinstance(values, dict) or unit in _NOT_NUMERIC:
                continue
            known = [v for v in values.values() if v is not None]
            if not all(_is_numeric(v) for v in known):
                continue
            groups.setdefault((ps, unit), []).append(_Series(name, values))
        return [(ps, unit, series) for (ps, unit), series in groups.items()]

    def charts(self) -> str:
        groups = self.chart_groups()
        if not groups:
            return ""
        out = ['<section id="charts">', "<h2>Charts</h2>"]
        for number, (ps, unit, series) in enumerate(groups, start=1):
            periods = [p for p, _, _ in self._members(ps)]
            out.append(_Chart(self, number, ps, unit, series, periods).svg())
        out.append("</section>")
        return "\n".join(out)

    # ------------------------------------------------------------------ explanations
    def explanations(self) -> str:
        if self.trace is None:
            return ""
        out = ['<section id="explanations">', "<h2>Explanations</h2>",
               '<p class="note">How each figure was computed: its formula as written in the rules, the clause it '
               "cites and the values it was computed from.</p>"]
        out += [self._step(step) for step in self.trace.values()]
        out.append("</section>")
        return "\n".join(out)

    def _step(self, step: Step) -> str:
        anchor = self.anchors.get("step", step.id)
        value = amount(step.value, step.unit)
        css = "value pending" if step.value is None else "value"
        out = [f'<article class="step" id="{anchor}">',
               f'<h3><code>{_e(step.id)}</code> = <span class="{css}">{_e(value)}</span> '
               f'<span class="kind">{_e(step.kind)}</span></h3>']
        if step.meaning:
            out.append(f'<p class="meaning">{_e(step.meaning)}</p>')
        where = self._location_link(step.location)
        if step.kind == "input":
            given = "Not given in the inputs: pending" if step.value is None else "Given in the inputs"
            out.append(f'<p class="formula">{given}; declared at {where}</p>')
        elif step.formula:
            code = self._code(step.formula, step.kind == "allocation")
            reading = f' <span class="reading">under reading <code>{_e(step.reading)}</code></span>' \
                if step.reading else ""
            out.append(f'<p class="formula"><code class="src">{code}</code> <span class="at">{where}</span>'
                       f"{reading}</p>")
        if step.citation:
            amends = f" (amends {self._clause_link(step.amends)})" if step.amends else ""
            out.append(f'<p class="cites">Cites {self._clause_link(step.citation)}{amends}</p>')
        if step.inputs:
            items = [f"<li>{self._step_link(s)} = {self._value_of(s)}</li>" for s in step.inputs]
            out.append(f'<div class="from">Computed from<ul>{"".join(items)}</ul></div>')
        users = self.used_in.get(step.id, [])
        if users:
            out.append('<p class="used">Used in ' + ", ".join(self._step_link(u) for u in users) + "</p>")
        out.append("</article>")
        return "\n".join(out)

    def _code(self, formula: str, declaration: bool) -> str:
        key = (formula, declaration)
        if key not in self.coloured:
            self.coloured[key] = highlight(formula) if declaration else highlight_expression(formula)
        return self.coloured[key]

    def _value_of(self, step_id: str) -> str:
        step = (self.trace or {}).get(step_id)
        if step is None:
            return ""
        css = ' class="pending"' if step.value is None else ""
        return f"<span{css}>{_e(amount(step.value, step.unit))}</span>"

    # ------------------------------------------------------------------ clauses
    def clause_names(self) -> list[str]:
        """Every clause the rules, the outputs or the steps cite, in the order of the agreement's text."""
        text = self.contract.text
        if text is None:
            return []
        cited: list[str | None] = []
        for f in self.contract.program.files:
            for d in f.declarations:
                cited.append(d.about.citation)
                cited += [a.citation for a in getattr(d, "alternatives", ())]
        cited += list(self.result.citations.values())
        cited += [s.citation for s in (self.trace or {}).values()]
        names = {c for c in cited if c and c in text.clauses}
        return sorted(names, key=lambda c: (text.clauses[c].line, c))

    def clauses(self) -> str:
        text = self.contract.text
        names = self.clause_names()
        if text is None or not names:
            return ""
        cited_by: dict[str, list[str]] = {}
        for f in self.contract.program.files:
            for d in f.declarations:
                link = self._declaration_link(f.path, d.name, d.span.line)
                if d.about.citation:
                    cited_by.setdefault(d.about.citation, []).append(link)
                for alt in getattr(d, "alternatives", ()):
                    if alt.citation:
                        under = self._declaration_link(f.path, f"{d.name} under {alt.interpretation}", alt.span.line)
                        cited_by.setdefault(alt.citation, []).append(under)
        out = ['<section id="clauses">', "<h2>Clauses</h2>",
               f'<p class="note">The words of the agreement cited, from <code>{_e(text.path)}</code>.</p>']
        for name in names:
            clause = text.clauses[name]
            out.append(f'<article class="clause" id="{self.anchors.get("clause", name)}"><h3>{_e(name)}</h3>')
            out.append(f"<blockquote>{_e(clause.text)}</blockquote>")
            by = cited_by.get(name, [])
            out.append(f'<p class="src">{_e(text.path)}, line {clause.line}'
                       + (f" · cited by {', '.join(by)}" if by else "") + "</p></article>")
        out.append("</section>")
        return "\n".join(out)

    def _declaration_link(self, path: str, label: str, line: int) -> str:
        index = self.files.get(path)
        if index is None:
            return f"<code>{_e(label)}</code>"
        return f'<a href="#rule-{index}-L{line}"><code>{_e(label)}</code></a>'

    # ------------------------------------------------------------------ rules
    def rules(self) -> str:
        out = ['<section id="rules">', "<h2>Rules</h2>"]
        for f in self.contract.program.files:
            index = self.files[f.path]
            lines = highlight(f.text).split("\n")
            if f.text.endswith("\n"):
                lines.pop()
            body = "\n".join(f'<span class="line" id="rule-{index}-L{number}"><span class="ln" data-n="{number}">'
                             f"</span>{line}</span>" for number, line in enumerate(lines, start=1))
            out.append(f'<h3 id="rule-{index}"><code>{_e(f.path)}</code></h3>')
            out.append(f'<pre class="source">{body}</pre>')
        out.append("</section>")
        return "\n".join(out)

    # ------------------------------------------------------------------ page
    def page(self) -> str:
        c, r = self.contract, self.result
        parts = [self.summary(), self.charts(), self.periods(), self.explanations(), self.clauses(), self.rules()]
        body = "\n".join(p for p in parts if p)
        nav = [(s, label) for s, label in (("summary", "Summary"), ("charts", "Charts"), ("periods", "By period"),
                                           ("explanations", "Explanations"), ("clauses", "Clauses"),
                                           ("rules", "Rules")) if f'<section id="{s}">' in body]
        nav_html = '<nav id="contents" aria-label="Contents"><ul>' + "".join(
            f'<li><a href="#{s}">{label}</a></li>' for s, label in nav) + "</ul></nav>"
        reading = f" · reading {r.interpretation}" if r.interpretation else ""
        csp = (f"default-src 'none'; style-src '{_sha256(_CSS)}'; script-src '{_sha256(_SCRIPT)}'; "
               "img-src data:; base-uri 'none'; form-action 'none'")
        return "\n".join([
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="clausewise">',
            f"<title>{_e(c.title)}{_e(reading)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            "<header>",
            f"<h1>{_e(c.title)}</h1>",
            f'<p class="subtitle">Contract <code>{_e(c.name)}</code> of {_e(c.date.isoformat())}'
            f"{_e(reading)}</p>",
            nav_html,
            "</header>",
            "<main>",
            body,
            "</main>",
            f'<footer><p>Computed by clausewise from {", ".join(f"<code>{_e(f.path)}</code>" for f in c.program.files)}'
            ". Figures are exact; nothing is rounded unless a rule says so.</p></footer>",
            f"<script>{_SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ])


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


# ---------------------------------------------------------------------- charts


def _tick_step(span: Fraction) -> Fraction:
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


def _tick_label(value: Fraction, step: Fraction) -> str:
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


class _Chart:
    WIDTH, HEIGHT = 760, 320
    LEFT, RIGHT, BOTTOM = 76, 16, 34
    CHAR = 7.2  # a generous width of one character of the 12px legend text

    def __init__(self, report: _Report, number: int, period_set: str, unit: str, series: list[_Series],
                 periods: list[str]) -> None:
        self.report, self.number, self.period_set, self.unit = report, number, period_set, unit
        self.series, self.periods = series, periods
        self.legend: list[tuple[float, float]] = []  # where each series' swatch goes, in rows if need be
        x, y = float(self.LEFT), 12.0
        for s in series:
            width = 17 + self.CHAR * len(s.name) + 22
            if x > self.LEFT and x + width > self.WIDTH - self.RIGHT:
                x, y = float(self.LEFT), y + 20
            self.legend.append((x, y))
            x += width
        self.TOP = int(y) + 44
        known = [f for s in series for f in map(_fraction, s.values.values()) if f is not None]
        lo, hi = min([Fraction(0), *known]), max([Fraction(0), *known])
        if hi == lo:
            hi = lo + 1
        self.step = _tick_step(hi - lo)
        self.lo = math.floor(lo / self.step) * self.step
        self.hi = math.ceil(hi / self.step) * self.step
        self.ticks = [self.lo + i * self.step for i in range(int((self.hi - self.lo) / self.step) + 1)]
        if not known:  # nothing known yet: a zero line, and no scale to read
            self.ticks = [Fraction(0)]

    def y(self, value: Fraction) -> float:
        plot = self.HEIGHT - self.TOP - self.BOTTOM
        return self.TOP + float((self.hi - value) / (self.hi - self.lo)) * plot

    def title(self) -> str:
        return f"{self.unit} by {self.period_set}: {', '.join(s.name for s in self.series)}"

    def svg(self) -> str:
        w, h = self.WIDTH, self.HEIGHT
        left, right, bottom = self.LEFT, w - self.RIGHT, h - self.BOTTOM
        pending = [f"{s.name} {p}" for s in self.series for p in self.periods if s.values.get(p) is None]
        label = f"Grouped bar chart of {self.title()}, over {', '.join(self.periods)}."
        if pending:
            label += f" Pending: {', '.join(pending)}."
        out = [f'<figure class="chart-box" id="chart-{self.number}">',
               f"<figcaption>{_e(self.title())}</figcaption>",
               f'<svg class="chart" role="img" aria-label="{_e(label)}" viewBox="0 0 {w} {h}" '
               f'width="{w}" height="{h}">']
        for i, (s, (x, y)) in enumerate(zip(self.series, self.legend, strict=True)):
            colour = _COLOURS[i % len(_COLOURS)]
            out.append(f'<rect class="swatch" x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colour}"/>'
                       f'<text x="{x + 17:.1f}" y="{y + 10:.1f}">{_e(s.name)}</text>')
        out.append(f'<text class="axis-unit" x="{left - 8}" y="{self.TOP - 12}" text-anchor="end">'
                   f"{_e(self.unit)}</text>")
        # axis and grid
        for tick in self.ticks:
            y = self.y(tick)
            css = "zero" if tick == 0 else "grid"
            out.append(f'<line class="{css}" x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>'
                       f'<text class="tick" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
                       f"{_e(_tick_label(tick, self.step))}</text>")
        # bars
        group = (right - left) / max(len(self.periods), 1)
        bar = group * 0.8 / max(len(self.series), 1)
        zero = self.y(Fraction(0))
        for pi, period in enumerate(self.periods):
            x0 = left + pi * group + group * 0.1
            out.append(f'<text class="period" x="{left + (pi + 0.5) * group:.1f}" y="{bottom + 20}" '
                       f'text-anchor="middle">{_e(period)}</text>')
            for si, s in enumerate(self.series):
                value = s.values.get(period)
                exact = _fraction(value)
                bx = x0 + si * bar
                if exact is None:
                    cx = bx + bar / 2
                    out.append(f'<g class="pending"><title>{_e(s.name)} {_e(period)}: pending</title>'
                               f'<text x="{cx:.1f}" y="{zero - 6:.1f}" transform="rotate(-90 {cx:.1f} '
                               f'{zero - 6:.1f})" dominant-baseline="middle">pending</text></g>')
                    continue
                top = self.y(exact)
                y, height = min(top, zero), abs(zero - top)
                if height < 1.5:  # zero (or next to it) still shows, as a hairline, unlike a pending value
                    y, height = (zero - 1.5 if exact >= 0 else zero), 1.5
                tip = f"{s.name} {period}: {amount(value, self.unit)}"
                rect = (f'<rect class="bar" x="{bx + 1:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" '
                        f'height="{height:.1f}" fill="{_COLOURS[si % len(_COLOURS)]}"><title>{_e(tip)}</title></rect>')
                step = self.report.step_of.get((s.name, (period,)))
                anchor = self.report.anchors.get("step", step) if step else None
                out.append(f'<a href="#{anchor}">{rect}</a>' if anchor else rect)
        out.append(f'<line class="axis" x1="{left}" y1="{self.TOP - 4}" x2="{left}" y2="{bottom}"/>')
        out.append("</svg></figure>")
        return "\n".join(out)


_CSS = """
:root { --ink: #1d2330; --muted: #5b6474; --rule: #d7dbe2; --paper: #ffffff; --tint: #f5f7fa;
  --accent: #0b5cad; --mark: #fff3bf; --styled: yes; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: var(--paper); line-height: 1.5; font-size: 15px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; border-bottom: 1px solid var(--rule); }
h1 { font-size: 26px; margin: 0 0 4px; line-height: 1.25; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 16px; margin: 20px 0 8px; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
  font-size: 13px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.subtitle { color: var(--muted); margin: 0 0 12px; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0; padding: 8px 0 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.others { margin-top: 4px; color: var(--muted); font-size: 14px; }
.others ul { margin: 2px 0; padding-left: 20px; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { font-size: 13px; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--ink); }
tbody th { font-weight: normal; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pending { color: var(--muted); font-style: italic; }
.why { display: block; white-space: normal; min-width: 12em; font-size: 12px; color: var(--muted); text-align: left; }
ul.sentences { margin: 6px 0 0; padding-left: 20px; }
ul.sentences li { margin: 2px 0; }
.period-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 480px), 1fr)); gap: 8px 28px; }
.period { break-inside: avoid; }
.period h3 { margin-bottom: 4px; }
.dates { color: var(--muted); font-weight: normal; font-size: 14px; margin-left: 6px; }
.period table { width: 100%; }
figure { margin: 12px 0 20px; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; font-size: 12px; }
svg.chart text { fill: var(--ink); }
svg.chart .tick, svg.chart .axis-unit { fill: var(--muted); }
svg.chart .pending text { fill: var(--muted); font-style: italic; font-size: 11px; }
svg.chart .grid { stroke: #e6e9ee; stroke-width: 1; }
svg.chart .zero, svg.chart .axis { stroke: #6b7280; stroke-width: 1; }
svg.chart a:hover rect { opacity: 0.8; }
.note { color: var(--muted); margin-top: 0; }
.step, .clause { border-top: 1px solid var(--rule); padding: 6px 0 8px; break-inside: avoid; }
.step h3, .clause h3 { margin: 4px 0; font-size: 15px; }
.step p, .step div { margin: 3px 0; }
.step ul { margin: 2px 0; padding-left: 22px; }
.kind { font-size: 12px; font-weight: normal; color: var(--muted); border: 1px solid var(--rule);
  border-radius: 3px; padding: 0 5px; margin-left: 6px; vertical-align: 1px; }
.meaning { font-style: italic; }
.formula .src { background: var(--tint); padding: 1px 4px; border-radius: 3px; }
.at, .reading, .used, .src { color: var(--muted); font-size: 13px; }
blockquote { margin: 4px 0; padding: 4px 12px; border-left: 3px solid var(--rule); }
:target { background: var(--mark); }
pre.source { background: var(--tint); border: 1px solid var(--rule); padding: 8px 0; overflow-x: auto;
  line-height: 1.45; }
pre.source .line { display: inline-block; width: 100%; padding-right: 12px; }
.ln::before { content: attr(data-n); display: inline-block; width: 3.5em; padding-right: 1em; text-align: right;
  color: #9aa1ad; user-select: none; }
.hl-kw { color: #8a2a9c; font-weight: 600; }
.hl-name { color: #1d2330; }
.hl-num { color: #0b6b3a; }
.hl-date { color: #0b6b3a; }
.hl-str { color: #a33b00; }
.hl-op { color: #4b5563; }
.hl-comment { color: #6b7280; font-style: italic; }
footer { margin-top: 36px; padding-top: 8px; padding-bottom: 28px; border-top: 1px solid var(--rule);
  color: var(--muted); font-size: 13px; }
@media print {
  body { font-size: 11pt; }
  nav { display: none; }
  a { color: inherit; }
  header, main, footer { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  pre.source { white-space: pre-wrap; overflow: visible; }
  :target { background: none; }
}
"""

_SCRIPT = (
    'document.body.setAttribute("data-bars-drawn",Array.prototype.filter.call('
    'document.querySelectorAll("svg.chart rect.bar"),function(r){return r.getBBox().height>0}).length);'
    'document.body.setAttribute("data-styled",getComputedStyle(document.documentElement)'
    '.getPropertyValue("--styled").trim());'
)


def report(result: Result, contract: Contract) -> str:
    """The whole report as one HTML document (give a result evaluated with trace=True for explanations)."""
    return _Report(result, contract).page()
