"""Result -> one self-contained HTML report an auditor can read, print and file.

The report, in order: a one-page summary (contract, reading, as-of date, the basis
of the figures, who made it and from which files, the key figures and the
reconciliation with ticks); the schedule of obligations when one is given; every
reading side by side when several are given, differing figures marked; the
figures by period in a wide table (periods across, with the per-period
reconciliation); charts; then the appendix chosen (`appendix`: "none",
"explanations": how each figure was computed and the clauses it cites, or "all":
the rule files too), and the provenance of every file with its SHA-256.

The page needs nothing but itself: styles and charts are inline (the charts are
SVG drawn here, in Python: render_html_charts.py), a Content-Security-Policy
forbids every fetch, and one short script only reports what the browser drew
(for the tests). With an appendix of explanations, every figure links to its
explanation, each explanation to the steps it comes from, to the clause it cites
and (with "all") to the line of the rule file its formula is written on. Printed
(or made into a PDF, render_pdf.py), each page carries the contract, the as-of
date and its number (render_html_style.py).

The report is drawn from the rules of the result's own version (the amendments in
force on its as-of date), never the contract's latest. Figures and labels come
from formatting.py, as in every other report. Nothing here knows a particular
agreement: names, units, periods, clauses and sentences all come from the result
and the contract. Same result, same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from . import formatting
from . import nodes as n
from .errors import ContractError, Diagnostic
from .highlight import highlight, highlight_expression
from .render import basis
from .render_html_charts import Chart, Series, fraction, split_by_scale
from .render_html_style import style
from .render_html_tables import readings_section, schedule_section, tick
from .render_trace import amount
from .result import OutputValue, Result

if TYPE_CHECKING:
    from .compare import Comparison
    from .contract import Contract
    from .schedule import Schedule
    from .trace import Step

APPENDICES = ("none", "explanations", "all")
_NOT_NUMERIC = ("true/false", "a date")
_SECTIONS = ("summary", "schedule", "readings", "periods", "charts", "explanations", "clauses", "rules",
             "provenance", "contents", "notes")


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


def _is_numeric(value: OutputValue) -> bool:
    return fraction(value) is not None


def _split_key(key: str) -> tuple[str, str | None]:
    """'tranche[Y1]' -> ('tranche', 'Y1'); 'total' -> ('total', None)."""
    match = re.fullmatch(r"(.+?)\[(.*)\]", key)
    return (match.group(1), match.group(2)) if match else (key, None)


class _Report:
    def __init__(self, result: Result, contract: Contract, appendix: str) -> None:
        self.result, self.contract, self.appendix = result, contract, appendix
        self.program = contract.version(result.as_of).program  # the rules that made this result
        self.fmt = formatting.for_result(result)
        self.trace = result.trace if appendix != "none" else None
        self.files = {f.path: i for i, f in enumerate(self.program.files, start=1)}
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
        if appendix != "none":
            for name in self.clause_names():
                self.anchors.add("clause", name)
        self.coloured: dict[tuple[str, bool], str] = {}  # a formula shared by many steps is coloured once
        self.period_sets: dict[str, list[str]] = {}
        for name, ps in result.periods.items():
            self.period_sets.setdefault(ps, []).append(name)
        for ps in self.period_sets:
            for period in self._members(ps):
                self.anchors.add("period", f"{ps}-{period[0]}" if len(self.period_sets) > 1 else period[0])
        self.marks: dict[str, list[int]] = {}  # "name[P]" -> the numbers of the notes saying why it is pending
        self.notes: dict[str, int] = {}
        for label, reasons in result.reasons.items():
            self.marks[label] = sorted(self.notes.setdefault(r, len(self.notes) + 1) for r in reasons)

    # ------------------------------------------------------------------ pieces
    def _file(self, path: str) -> n.RuleFile:
        return next(f for f in self.program.files if f.path == path)

    def _members(self, period_set: str) -> list[tuple[str, date | None, date | None]]:
        ps = self.program.period_sets.get(period_set)
        if ps is not None:
            return [(m.name, m.start, m.end) for m in ps.members]
        first = next(self.result.outputs[name] for name in self.period_sets[period_set])
        return [(p, None, None) for p in (first if isinstance(first, dict) else {})]

    def _period_id(self, period_set: str, period: str) -> str | None:
        return self.anchors.get("period", f"{period_set}-{period}" if len(self.period_sets) > 1 else period)

    def unit_of(self, name: str) -> str | None:
        """The unit of an output, or of any other name of the rules (a rule an invariant reads)."""
        if name in self.result.units:
            return self.result.units[name]
        sym = self.program.symbols.get(name)
        return str(sym.type) if sym is not None else None

    def number(self, name: str, value: OutputValue) -> str:
        unit = self.unit_of(name)
        return self.fmt.number(name, value) if name in self.result.units or unit is None \
            else self.fmt.unit_number(unit, value)

    def label(self, name: str) -> str:
        sym = self.program.symbols.get(name)
        written = getattr(sym.decl.about, "label", None) if sym is not None else None
        return self.result.labels.get(name) or written or name

    def step_anchor(self, name: str, period: str | None) -> str | None:
        step = self.step_of.get((name, (period,) if period else ()))
        return self.anchors.get("step", step) if step else None

    def _figure(self, name: str, periods: tuple[str, ...], value: OutputValue) -> str:
        """A value as shown in a table: a link to its explanation when there is one, and why it is pending."""
        text = self.number(name, value)
        css = "fig pending" if value is None else "fig"
        step = self.step_of.get((name, periods))
        anchor = self.anchors.get("step", step) if step else None
        key = f"{name}[{', '.join(periods)}]" if periods else name
        marks = self.marks.get(key, []) if value is None else []
        links = ",".join(f'<a href="#note-{m}">{m}</a>' for m in marks)
        note = f'<sup class="n">{links}</sup>' if marks else ""
        why = self.result.set_aside.get(key) if value is None else None
        if why:
            note += f'<small class="why">{_e(why)}</small>'
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
        if index is None or not line.isdigit() or self.appendix != "all":
            return f"<span>{_e(location)}</span>"
        return f'<a class="loc" href="#rule-{index}-L{line}">{_e(location)}</a>'

    def _step_link(self, step_id: str) -> str:
        anchor = self.anchors.get("step", step_id)
        return f'<a href="#{anchor}"><code>{_e(step_id)}</code></a>' if anchor else f"<code>{_e(step_id)}</code>"

    def _meaning(self, name: str) -> str | None:
        sym = self.program.symbols.get(name)
        return sym.decl.about.meaning if sym is not None else None

    def _name_cell(self, name: str, extra: str = "") -> str:
        meaning = self._meaning(name)
        title = f' title="{_e(meaning)}"' if meaning else ""
        return f'<th scope="row"><span class="label"{title}>{_e(self.label(name))}</span>{extra}</th>'

    def _unit_cell(self, name: str) -> str:
        unit = self.unit_of(name) or ""
        return f"<td>{_e('' if unit in _NOT_NUMERIC or unit == 'ratio' else unit)}</td>"

    # ------------------------------------------------------------------ summary
    def summary(self) -> str:
        c, r = self.contract, self.result
        out = ['<section id="summary">', "<h2>Summary</h2>"]
        prov = r.provenance
        inputs = prov.get("inputs", {}) if prov else {}
        for line in inputs.get("header", []):
            out.append(f'<p class="banner">{_e(line)}</p>')
        out.append('<dl class="facts">')
        out.append(f"<dt>Contract</dt><dd>{_e(c.title)} (<code>{_e(c.name)}</code>), dated "
                   f"{_e(c.date.isoformat())}</dd>")
        out.append(f"<dt>Reading</dt><dd>{self._readings()}</dd>")
        out.append(f"<dt>As of</dt><dd>{_e(r.as_of.isoformat()) if r.as_of else 'no as-of date'}</dd>")
        out.append(f"<dt>Basis</dt><dd>{_e(basis(r))}</dd>")
        terms = "; ".join(f"{_e(a['title'])} (effective {_e(a['effective'])})" for a in r.amendments)
        out.append(f"<dt>Amendments in force</dt><dd>{terms or 'none'}</dd>")
        if c.parties:
            parties = "; ".join(f"{_e(p.name)}" + (f" ({_e(p.role)})" if p.role else "") for p in c.parties)
            out.append(f"<dt>Parties</dt><dd>{parties}</dd>")
        out.append("</dl>")
        out.append(self._provenance_head())
        out.append(self._key_figures())
        out.append(self._reconciliation())
        out.append("</section>")
        return "\n".join(x for x in out if x)

    def _provenance_head(self) -> str:
        prov = self.result.provenance
        if not prov:
            return ""
        inputs = prov["inputs"]
        if inputs["source"] == "file":
            given = f"<code>{_e(inputs['file'])}</code> <span class=\"hash\">sha256 {_e(inputs['sha256'])}</span>"
        else:
            given = _e(inputs["source"])
        if inputs.get("overrides"):
            given += f"; overridden: {_e(', '.join(inputs['overrides']))}"
        files = len(prov["files"])
        return "\n".join([
            '<dl class="facts prov">',
            f"<dt>Generated</dt><dd>{_e(prov['generated_at'])} by {_e(prov['tool'])} {_e(prov['version'])}</dd>",
            f"<dt>Inputs</dt><dd>{given}</dd>",
            f'<dt>Files</dt><dd>{files} file{"s" if files != 1 else ""} of the contract, each with its SHA-256: '
            '<a href="#provenance">Provenance</a></dd>',
            "</dl>"])

    def _key_figures(self) -> str:
        r = self.result
        singles = [name for name in r.outputs if name not in r.periods]
        if not singles:
            return ""
        out = ["<h3>Key figures</h3>", '<table class="figures"><thead><tr><th scope="col">Figure</th>'
               '<th scope="col" class="num">Value</th><th scope="col">Unit</th><th scope="col">Clause</th>'
               "</tr></thead><tbody>"]
        for name in singles:
            value = r.outputs[name]
            assert not isinstance(value, dict)
            out.append(f'<tr>{self._name_cell(name)}<td class="num">{self._figure(name, (), value)}</td>'
                       f"{self._unit_cell(name)}<td>{self._clause_link(r.citations.get(name))}</td></tr>")
        out.append("</tbody></table>")
        return "\n".join(out)

    def _reconciliation(self) -> str:
        checks = [i for i in self.result.invariants if i.period is None]
        per_period = [i for i in self.result.invariants if i.period is not None]
        if not checks and not per_period:
            return ""
        out = ["<h3>Reconciliation</h3>", '<table class="figures recon"><thead><tr><th scope="col"></th>'
               '<th scope="col">Check</th><th scope="col">Clause</th><th scope="col">Figures</th>'
               "</tr></thead><tbody>"]
        for inv in checks:
            out.append(f"<tr><td>{tick(inv.holds)}</td><th scope=\"row\">{_e(inv.label)}<br>"
                       f'<code class="src">{_e(inv.formula)}</code></th>'
                       f"<td>{self._clause_link(inv.citation)}</td><td>{self._read(inv.values)}</td></tr>")
        groups: dict[str, list[Any]] = {}
        for inv in per_period:
            groups.setdefault(inv.name, []).append(inv)
        for invs in groups.values():
            first = invs[0]
            each = ", ".join(f"{_e(i.period)} {tick(i.holds)}" for i in invs)
            out.append(f"<tr><td>{tick(_all(i.holds for i in invs))}</td><th scope=\"row\">{_e(first.label)}, "
                       f'each period<br><code class="src">{_e(first.formula)}</code></th>'
                       f"<td>{self._clause_link(first.citation)}</td><td>{each}; figures by period: "
                       '<a href="#periods">By period</a></td></tr>')
        out.append("</tbody></table>")
        out.append('<p class="legend">✓ holds · ✗ fails · pending: not all its figures are known yet</p>')
        return "\n".join(out)

    def _read(self, values: dict[str, OutputValue]) -> str:
        parts = []
        for key, value in values.items():
            name, period = _split_key(key)
            parts.append(f"{_e(self.label(name))}{' ' + _e(period) if period else ''} = "
                         f"{_e(self.number(name, value))}")
        return "; ".join(parts)

    def _readings(self) -> str:
        meanings: dict[str, str | None] = {}
        for f in self.program.files:
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
            text += f'<div class="others">Other readings in the rules: {_e(", ".join(others))}</div>'
        return text

    # ------------------------------------------------------------------ by period
    def periods(self) -> str:
        if not self.period_sets:
            return ""
        out = ['<section id="periods">', "<h2>By period</h2>"]
        for ps, names in self.period_sets.items():
            if len(self.period_sets) > 1:
                out.append(f"<h3>{_e(ps)}</h3>")
            out.append(self._wide(ps, names))
        out.append(self._notes())
        sentences = self.result.narrative
        if sentences:
            out += ["<h3>In words</h3>", '<ul class="sentences">']
            out += [f"<li>{_e(s.text)}</li>" for s in sentences]
            out.append("</ul>")
        out.append("</section>")
        return "\n".join(out)

    def _wide(self, ps: str, names: list[str]) -> str:
        """Periods across, outputs down; then the figures the per-period checks read that are not outputs,
        and each check's tick."""
        r = self.result
        members = self._members(ps)
        periods = [p for p, _, _ in members]
        head = "".join(f'<th scope="col" class="num" id="{self._period_id(ps, p)}">{_e(p)}'
                       + (f'<span class="dates">{_e(s.isoformat())} to {_e(e.isoformat())}</span>' if s and e else "")
                       + "</th>" for p, s, e in members)
        out = [f'<table class="figures wide"><thead><tr><th scope="col">Figure</th><th scope="col">Unit</th>{head}'
               "</tr></thead><tbody>"]
        for name in names:
            values = r.outputs[name]
            per = values if isinstance(values, dict) else {}
            cells = "".join(f'<td class="num">{self._figure(name, (p,), per.get(p))}</td>' for p in periods)
            cite = r.citations.get(name)
            extra = f' <small class="cite">{self._clause_link(cite)}</small>' if cite else ""
            out.append(f"<tr>{self._name_cell(name, extra)}{self._unit_cell(name)}{cells}</tr>")
        checks = [i for i in r.invariants if i.period in periods]
        derived: dict[str, dict[str, OutputValue]] = {}
        for inv in checks:
            for key, value in inv.values.items():
                name, period = _split_key(key)
                if name not in r.outputs and period is not None:
                    derived.setdefault(name, {})[period] = value
        for name, values in derived.items():
            cells = "".join(f'<td class="num">{_e(self.number(name, values.get(p)) if p in values else "")}</td>'
                            for p in periods)
            out.append(f'<tr class="derived">{self._name_cell(name)}{self._unit_cell(name)}{cells}</tr>')
        by_name: dict[str, dict[str | None, bool | None]] = {}
        labels: dict[str, str] = {}
        for inv in checks:
            by_name.setdefault(inv.name, {})[inv.period] = inv.holds
            labels[inv.name] = inv.label
        for name, holds in by_name.items():
            cells = "".join(f'<td class="num">{tick(holds[p]) if p in holds else ""}</td>' for p in periods)
            out.append(f'<tr class="check"><th scope="row">{_e(labels[name])}</th><td></td>{cells}</tr>')
        out.append("</tbody></table>")
        return "\n".join(out)

    def _notes(self) -> str:
        if not self.notes:
            return ""
        items = "".join(f'<li id="note-{i}">{_e(text)}</li>' for text, i in self.notes.items())
        return f'<p class="note">Pending because:</p><ol class="notes">{items}</ol>'

    # ------------------------------------------------------------------ charts
    def chart_groups(self) -> list[tuple[str, str, list[Series], list[str]]]:
        """(period set, unit, series, series pending throughout): the per-period numeric outputs, by unit."""
        groups: dict[tuple[str, str], list[Series]] = {}
        for name, ps in self.result.periods.items():
            values = self.result.outputs[name]
            unit = self.result.units[name]
            if not isinstance(values, dict) or unit in _NOT_NUMERIC:
                continue
            known = [v for v in values.values() if v is not None]
            if not all(_is_numeric(v) for v in known):
                continue
            groups.setdefault((ps, unit), []).append(Series(name, self.label(name), values))
        out = []
        for (ps, unit), series in groups.items():
            absent = [s.label for s in series if all(v is None for v in s.values.values())]
            charts = split_by_scale(series) or [[]]
            for i, part in enumerate(charts):
                out.append((ps, unit, part, absent if i == len(charts) - 1 else []))
        return out

    def charts(self) -> str:
        groups = self.chart_groups()
        if not groups:
            return ""
        out = ['<section id="charts">', "<h2>Charts</h2>"]
        for number, (ps, unit, series, absent) in enumerate(groups, start=1):
            if not series:
                out.append(f'<p class="chart-note" id="chart-{number}">{_e(unit)} by {_e(ps)}: pending in every '
                           f"period ({_e(', '.join(absent))}), nothing to draw.</p>")
                continue
            periods = [p for p, _, _ in self._members(ps)]
            caption = f"{', '.join(s.label for s in series)} ({unit} by {ps})"
            out.append(Chart(f"chart-{number}", caption, unit, series, periods, self.number,
                             self.step_anchor, absent).svg())
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
        for f in self.program.files:
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
        for f in self.program.files:
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
        if index is None or self.appendix != "all":  # the rule files are shown with appendix "all" only
            return f"<code>{_e(label)}</code>"
        return f'<a href="#rule-{index}-L{line}"><code>{_e(label)}</code></a>'

    # ------------------------------------------------------------------ rules
    def rules(self) -> str:
        out = ['<section id="rules">', "<h2>Rules</h2>"]
        for f in self.program.files:
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

    # ------------------------------------------------------------------ provenance
    def provenance(self) -> str:
        prov = self.result.provenance
        if not prov:
            return ""
        rows = "".join(f"<tr><td>{_e(f['role'])}</td><td><code>{_e(f['path'])}</code></td>"
                       f'<td class="hash"><code>{_e(f["sha256"])}</code></td></tr>' for f in prov["files"])
        inputs = prov["inputs"]
        if inputs["source"] == "file":
            rows += (f"<tr><td>inputs</td><td><code>{_e(inputs['file'])}</code></td>"
                     f'<td class="hash"><code>{_e(inputs["sha256"])}</code></td></tr>')
        return "\n".join([
            '<section id="provenance">', "<h2>Provenance</h2>",
            f'<p class="note">Generated {_e(prov["generated_at"])} by {_e(prov["tool"])} {_e(prov["version"])}; '
            f"contract <code>{_e(prov['contract'])}</code>, reading {_e(prov['interpretation'] or 'the only one')}, "
            f"as of {_e(prov['as_of'] or 'no date')}. Paths are relative to the contract file's folder.</p>",
            '<table class="figures"><thead><tr><th scope="col">Role</th><th scope="col">File</th>'
            f'<th scope="col">SHA-256</th></tr></thead><tbody>{rows}</tbody></table>',
            "</section>"])

    # ------------------------------------------------------------------ page
    def page(self, schedule: Schedule | None, readings: Comparison | None) -> str:
        c, r = self.contract, self.result
        appendix = []
        if self.appendix != "none":
            appendix += [self.explanations(), self.clauses()]
        if self.appendix == "all":
            appendix.append(self.rules())
        parts = [self.summary(), schedule_section(schedule, self.label, self._clause_link) if schedule else "",
                 readings_section(readings, self.label, self.number) if readings else "",
                 self.periods(), self.charts(), *appendix, self.provenance()]
        body = "\n".join(p for p in parts if p)
        titles = (("summary", "Summary"), ("schedule", "Obligations"), ("readings", "Readings"),
                  ("periods", "By period"), ("charts", "Charts"), ("explanations", "Explanations"),
                  ("clauses", "Clauses"), ("rules", "Rules"), ("provenance", "Provenance"))
        nav = [(s, label) for s, label in titles if f'<section id="{s}"' in body]
        nav_html = '<nav id="contents" aria-label="Contents"><ul>' + "".join(
            f'<li><a href="#{s}">{label}</a></li>' for s, label in nav) + "</ul></nav>"
        reading = f" · reading {r.interpretation}" if r.interpretation else ""
        as_of = f"as of {r.as_of.isoformat()}" if r.as_of else "no as-of date"
        sheet = style(f"{c.title}{reading}", as_of)
        csp = (f"default-src 'none'; style-src '{_sha256(sheet)}'; script-src '{_sha256(_SCRIPT)}'; "
               "img-src data:; base-uri 'none'; form-action 'none'")
        files = ", ".join(f"<code>{_e(f.path)}</code>" for f in self.program.files)
        return "\n".join([
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="clausewise">',
            f"<title>{_e(c.title)}{_e(reading)}</title>",
            f"<style>{sheet}</style>",
            "</head>",
            "<body>",
            "<header>",
            f"<h1>{_e(c.title)}</h1>",
            f'<p class="subtitle">Contract <code>{_e(c.name)}</code> of {_e(c.date.isoformat())}'
            f"{_e(reading)} · {_e(as_of)}</p>",
            nav_html,
            "</header>",
            "<main>",
            body,
            "</main>",
            f"<footer><p>Computed by clausewise from {files}. Figures are exact; nothing is rounded unless a rule "
            "says so.</p></footer>",
            f"<script>{_SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ])


def _all(holds: Iterable[bool | None]) -> bool | None:
    """Whether every check holds: False if one fails, None (pending) if none fails but one is pending."""
    found = list(holds)
    if False in found:
        return False
    return None if None in found else True


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


# What the browser drew, for the tests: the bars with a height, whether the style sheet applied, and the
# links within the page that land nowhere.
_SCRIPT = (
    'document.body.setAttribute("data-bars-drawn",Array.prototype.filter.call('
    'document.querySelectorAll("svg.chart rect.bar"),function(r){return r.getBBox().height>0}).length);'
    'document.body.setAttribute("data-styled",getComputedStyle(document.documentElement)'
    '.getPropertyValue("--styled").trim());'
    'document.body.setAttribute("data-links-broken",Array.prototype.filter.call('
    'document.querySelectorAll("a[href^=\'#\']"),function(a){'
    "return !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))}).length);"
)


def report(result: Result, contract: Contract, appendix: str = "all", schedule: Schedule | None = None,
           readings: Comparison | None = None) -> str:
    """The whole report as one HTML document.

    `appendix`: "none" (the report alone: about five printed pages for an agreement of five periods),
    "explanations" (how each figure was computed, and the clauses cited: give a result evaluated with
    trace=True), or "all" (the rule files too). `schedule`: the obligations as of a date
    (schedule.schedule), shown when it has any. `readings`: every reading side by side
    (compare.compare("interpretations", ...)).
    """
    if appendix not in APPENDICES:
        raise ContractError(Diagnostic(f"appendix {appendix!r} is not one of {', '.join(APPENDICES)}", "",
                                       hint="give none, explanations or all"))
    return _Report(result, contract, appendix).page(schedule, readings)
