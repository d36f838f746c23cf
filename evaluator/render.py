"""Result -> text for people (a table, Markdown) and for programs (JSON, CSV). Never evaluates.

The table and Markdown show each output by its label, its figures as formatting.py writes them (one
convention for every report), the rules' invariants with a tick (✓ holds, ✗ fails, pending), and end with
the provenance block (provenance.py). The table wraps its text to the terminal's width (terminal.py:
COLUMNS when set, else the terminal, else 100). CSV keeps exact values and names, one row per output and
period; its provenance and checks follow as comment lines starting with `#` at the end (a reader skips
them: `csv.reader(line for line in f if not line.startswith("#"))`).
"""

from __future__ import annotations

import io
import re
import textwrap
from datetime import date
from decimal import Decimal

from . import formatting, terminal
from .provenance import footer_lines
from .result import Invariant, Output, OutputValue, Result, number_text

_KEEP = "\u00a0"


def _keep_together(text: str) -> str:
    """Join 'USD 1,250,000' and 'SPA 5.2(2)' so that wrapping does not split them."""
    return re.sub(r"\b([A-Z][A-Za-z-]*) (?=\d)", lambda m: m.group(1) + _KEEP, text)


def cell(value: OutputValue) -> str:
    if value is None:
        return "pending"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    assert isinstance(value, int | Decimal)
    return number_text(value, grouped=True)


HOLDS, FAILS = "✓", "✗"
LEGEND = "[n] pending: see 'Pending because' below"


def width() -> int:
    """The width text is wrapped to: the terminal's (COLUMNS when set), 100 when there is none; at least 40."""
    return max(40, terminal.columns(100))


def _citations(result: Result) -> list[str]:
    """One line per output: its label, name and clause, and what it is in the rules' words (`means`)."""
    fmt = formatting.for_result(result)
    return [(f"{fmt.label(name)} [{name}]" if fmt.label(name) != name else name) + f" ({clause})"
            + (f": {result.meanings[name]}" if name in result.meanings else "")
            for name, clause in result.citations.items()]


def tick(holds: bool | None) -> str:
    return "pending" if holds is None else HOLDS if holds else FAILS


def checks(invariants: list[Invariant]) -> list[tuple[str, str, str]]:
    """The invariants as (mark, label and clause, periods): one line per invariant, its periods' marks
    listed when they are not all the same ("Y1 ✓, Y2 ✓, Y3 pending")."""
    grouped: dict[str, list[Invariant]] = {}
    for inv in invariants:
        grouped.setdefault(inv.name, []).append(inv)
    out = []
    for items in grouped.values():
        marks = {tick(i.holds) for i in items}
        mark = FAILS if FAILS in marks else HOLDS if marks == {HOLDS} else "pending" if marks == {"pending"} \
            else "partly pending"
        per = ", ".join(f"{i.period} {tick(i.holds)}" for i in items) if len(marks) > 1 else ""
        first = items[0]
        out.append((mark, f"{first.label} ({first.citation})" if first.citation else first.label, per))
    return out


def _footnotes(result: Result) -> tuple[dict[str, str], list[str]]:
    """Why pending values are pending: a mark per value (" [1]", " [1,2]") and the notes the marks refer to."""
    numbers: dict[str, int] = {}
    marks = {}
    for label, reasons in result.reasons.items():
        marks[label] = " [" + ",".join(map(str, sorted(numbers.setdefault(r, len(numbers) + 1) for r in reasons))) + "]"
    return marks, [f"[{i}] {reason}" for reason, i in numbers.items()]


def _grids(result: Result, marks: dict[str, str]) -> list[tuple[list[str], list[list[str]]]]:
    """Per-period outputs as grids, one per set of periods: a header (periods) and rows (label, cells)."""
    by_set: dict[str, list[str]] = {}
    for name, period_set in result.periods.items():
        by_set.setdefault(period_set, []).append(name)
    grids = []
    fmt = formatting.for_result(result)
    for names in by_set.values():
        periods = list(_per(result.outputs[names[0]]))
        rows = [[fmt.column(n)] + [fmt.number(n, v) + marks.get(f"{n}[{p}]", "")
                                   for p, v in _per(result.outputs[n]).items()] for n in names]
        grids.append(([""] + periods, rows))
    return grids


def _singles(result: Result, marks: dict[str, str]) -> list[tuple[str, str]]:
    fmt = formatting.for_result(result)
    return [(fmt.column(n), fmt.number(n, v) + marks.get(n, ""))
            for n, v in result.outputs.items() if n not in result.periods]


def _heading(result: Result, title: str | None) -> str:
    heading = title or result.contract
    return heading + (f" - reading: {result.interpretation}" if result.interpretation else "")


def _amended(result: Result) -> list[str]:
    """A line naming the amendments applied, if any."""
    if not result.amendments and not result.as_of:
        return []
    names = ", ".join(f"{a['amendment']} (effective {a['effective']}"
                      + (f", in force from {a['in_force']})" if a.get("in_force", a["effective"]) != a["effective"]
                         else ")") for a in result.amendments) or "none"
    return [f"Amendments applied{' as of ' + result.as_of.isoformat() if result.as_of else ''}: {names}"]


def basis(result: Result) -> str:
    """What the figures are: entitlements on the figures given, or known by the as-of date."""
    if result.as_of is None:
        return "Entitlements on the figures given (no as-of date): what the agreement gives on them, not a record " \
               "of what has happened"
    aside = len(result.set_aside)
    return f"Entitlements on the figures known by {result.as_of.isoformat()}" + \
        (f" ({aside} given but not known by then, set aside)" if aside else "")


def table(result: Result, title: str | None = None) -> str:
    """Outputs per period as one grid (periods across), then the single values."""
    lines: list[str] = [_heading(result, title), *_amended(result), basis(result), ""]
    marks, footnotes = _footnotes(result)
    for header, rows in _grids(result, marks):
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, ["-" * w for w in widths], *rows]:
            lines.append("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
        lines.append("")
    singles = _singles(result, marks)
    if singles:
        lw, vw = max(len(label) for label, _ in singles), max(len(v) for _, v in singles)
        lines += [f"{label.ljust(lw)}  {v.rjust(vw)}" for label, v in singles]
    wrap = width()
    if footnotes:
        lines += ["", "Pending because:", *[f"  {note}" for note in footnotes]]
    aside = [why for why in result.set_aside.values() if not any(why in note for note in footnotes)]
    if aside:  # those that leave nothing pending (a pending value's footnote says it already)
        lines += ["", f"Also set aside, not known by {result.as_of}:", *[f"  {why}" for why in aside]]
    if result.invariants:
        lines += ["", f"Checks ({HOLDS} holds, {FAILS} fails, pending: a figure it reads is pending):"]
        for mark, what, per in checks(result.invariants):
            lines += _wrapped(f"{mark} {what}" + (f": {per}" if per else ""), wrap)
    if result.narrative:
        lines += ["", "In words:"]
        for sentence in result.narrative:
            lines += _wrapped(sentence.text, wrap)
    lines += ["", "What each figure is, and its clause:"]
    for line in _citations(result):
        lines += _wrapped(line, wrap)
    footer = footer_lines(result.provenance)
    if footer:  # not wrapped: a line of the files is a hash and a path, as sha256sum writes them
        lines += ["", "Provenance:", *[f"  {line}" for line in footer]]
    return "\n".join(lines).rstrip() + "\n"


def _wrapped(text: str, wrap: int) -> list[str]:
    return [line.replace(_KEEP, " ") for line in textwrap.wrap(
        _keep_together(text), wrap, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False)]


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(result: Result, title: str | None = None) -> str:
    """The same content as the table, as Markdown."""
    lines = [f"# {_heading(result, title)}", "", *[f"{line}\n" for line in _amended(result)]]
    marks, footnotes = _footnotes(result)
    for header, rows in _grids(result, marks):
        lines.append("| " + " | ".join(_esc(h) for h in header) + " |")
        lines.append("|---" + "|---:" * (len(header) - 1) + "|")
        lines += ["| " + " | ".join(_esc(c) for c in r) + " |" for r in rows]
        lines.append("")
    singles = _singles(result, marks)
    if singles:
        lines += ["| total | value |", "|---|---:|", *[f"| {_esc(label)} | {v} |" for label, v in singles], ""]
    if footnotes:
        lines += ["Pending because:", "", *[f"- {_esc(note)}" for note in footnotes], ""]
    if result.invariants:
        lines += [f"## Checks ({HOLDS} holds, {FAILS} fails)", ""]
        lines += [f"- {mark} {_esc(what)}" + (f": {per}" if per else "")
                  for mark, what, per in checks(result.invariants)]
        lines.append("")
    if result.narrative:
        lines += ["## In words", ""]
        lines += [f"- {s.text}" for s in result.narrative]
        lines.append("")
    lines += ["## What each figure is, and its clause", "", *[f"- {_esc(line)}" for line in _citations(result)]]
    footer = footer_lines(result.provenance)
    if footer:
        lines += ["", "## Provenance", "", *[f"- {_esc(line)}" for line in footer]]
    return "\n".join(lines) + "\n"


def csv_text(result: Result) -> str:
    """One row per output and period, for spreadsheets; exact values, pending left empty with why in `note`;
    then the checks and the provenance as comment lines, each starting with `#`."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["contract", "interpretation", "output", "period", "value", "unit", "status", "citation", "note",
                     "label"])
    for name, value in result.outputs.items():
        per = value.items() if isinstance(value, dict) else [("", value)]
        for period, v in per:
            raw = "" if v is None else (str(v).lower() if isinstance(v, bool) else
                                        v.isoformat() if isinstance(v, date) else number_text(v))
            label = f"{name}[{period}]" if period else name
            writer.writerow([result.contract, result.interpretation or "", name, period, raw, result.units[name],
                             "pending" if v is None else "known", result.citations.get(name, ""),
                             result.notes.get(label, "") if v is None else "", result.labels.get(name, name)])
    for inv in result.invariants:
        out.write(f"# check: {tick(inv.holds)} {inv.key}: {inv.label} ({inv.citation})\n")
    for line in footer_lines(result.provenance):
        out.write(f"# {line}\n")
    return out.getvalue()


def _per(value: Output) -> dict[str, OutputValue]:
    assert isinstance(value, dict)
    return value


def json_text(result: Result) -> str:
    return result.to_json() + "\n"
