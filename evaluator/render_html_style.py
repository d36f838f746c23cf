"""The HTML report's style sheet, and its page set-up for print (and WeasyPrint's PDF).

`style(title, as_of)` is the whole sheet: the screen styles, the print styles, and an `@page` rule whose
margin boxes carry the contract's title, the as-of date and "Page N of M" on every printed page.
"""

from __future__ import annotations

CSS = """
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
  body { font-size: 10pt; }
  nav { display: none; }
  a { color: inherit; }
  header, main, footer { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  pre.source { white-space: pre-wrap; overflow: visible; }
  :target { background: none; }
}

.banner { border: 2px solid #b45309; background: #fff7ed; color: #7c2d12; padding: 6px 12px; margin: 12px 0;
  font-weight: 600; }
.prov { font-size: 13px; color: var(--muted); }
.prov dd { word-break: break-all; }
.hash { font-size: 11px; word-break: break-all; }
.tick-ok { color: #0b6b3a; font-weight: 700; }
.tick-bad { color: #b91c1c; font-weight: 700; }
.tick-pending { color: var(--muted); font-style: italic; }
table.wide { width: 100%; }
table.wide td, table.wide th { white-space: nowrap; }
table.wide tbody th { white-space: normal; }
table.wide thead .dates { display: block; margin: 0; font-size: 11px; }
tr.check th, tr.check td { border-top: 1px solid var(--ink); }
tr.derived th { font-style: italic; }
sup.n { font-size: 10px; color: var(--muted); margin-left: 2px; }
ol.notes { font-size: 13px; color: var(--muted); margin: 4px 0 12px; padding-left: 24px; }
table.readings td.differs { background: var(--mark); font-weight: 600; }
table.readings td.marker { color: #b45309; font-weight: 700; }
.legend { font-size: 13px; color: var(--muted); }
svg.chart text.data { fill: var(--ink); }
svg.chart .pending text { fill: var(--muted); font-style: italic; }
.chart-note { font-size: 13px; color: var(--muted); margin: 2px 0 0; }
.appendix-note { color: var(--muted); }
table.schedule { width: 100%; }
table.schedule td.num, table.schedule td.status { white-space: nowrap; }
@media print {
  #summary { break-after: page; }
  section.appendix { break-before: page; }
  table.wide { font-size: 8pt; table-layout: fixed; }
  table.wide th, table.wide td { padding: 3px 4px; white-space: normal; }
  table.wide td.num { white-space: nowrap; }
  table.wide thead th:first-child { width: 22%; }
  table.wide thead th:nth-child(2) { width: 7%; }
  table.figures { font-size: 9pt; }
  table.figures th, table.figures td { padding: 2px 8px; }
  #summary dl.facts { font-size: 9.5pt; gap: 2px 12px; }
  #summary h2 { margin-top: 12px; }
  #summary h3 { margin: 10px 0 4px; }
  header { padding-top: 0; }
  h1 { font-size: 20px; }
  svg.chart { width: 75%; height: auto; }  /* three charts to a printed page */
  figure.chart-box { break-inside: avoid; }
  .step { font-size: 9.5pt; }
  pre.source { font-size: 8pt; }
}
"""


def _css_string(text: str) -> str:
    """`text` as a CSS string literal: quotes and backslashes escaped, no line breaks, nothing to end a tag."""
    clean = " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
    return f'"{clean}"'


def page_rule(title: str, as_of: str) -> str:
    """Printed pages: A4, the contract at the top left, the as-of date at the top right, the page below."""
    return (
        "@page { size: A4; margin: 20mm 14mm 18mm 14mm;\n"
        f"  @top-left {{ content: {_css_string(title)}; font-size: 8pt; color: #5b6474; }}\n"
        f"  @top-right {{ content: {_css_string(as_of)}; font-size: 8pt; color: #5b6474; }}\n"
        '  @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; '
        "color: #5b6474; } }\n"
    )


def style(title: str, as_of: str) -> str:
    return CSS + page_rule(title, as_of)
