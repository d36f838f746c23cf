"""Result -> text for people (a table) and for programs (JSON). Never evaluates."""

from __future__ import annotations

import re
import textwrap
from datetime import date
from decimal import Decimal

from .result import Output, OutputValue, Result


_KEEP = "\u00a0"


def _keep_together(text: str) -> str:
    """Join 'RMB 805,000,000' and 'SPA 5.2(2)' so that wrapping does not split them."""
    return re.sub(r"\b([A-Z][A-Za-z-]*) (?=\d)", lambda m: m.group(1) + _KEEP, text)


def cell(value: OutputValue) -> str:
    if value is None:
        return "pending"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    assert isinstance(value, Decimal)
    return f"{value:,f}"


def _label(name: str, unit: str) -> str:
    return name if unit in ("true/false", "ratio") else f"{name} ({unit})"


def _citations(result: Result) -> list[str]:
    """One line per clause: the outputs that come from it."""
    by_clause: dict[str, list[str]] = {}
    for name, clause in result.citations.items():
        by_clause.setdefault(clause, []).append(name)
    return [f"  {clause}: {', '.join(names)}" for clause, names in by_clause.items()]


def table(result: Result, title: str | None = None) -> str:
    """Outputs per period as one grid (periods across), then the single values."""
    lines: list[str] = []
    heading = title or result.contract
    if result.interpretation:
        heading += f" - reading: {result.interpretation}"
    lines += [heading, ""]
    by_set: dict[str, list[str]] = {}
    for name, period_set in result.periods.items():
        by_set.setdefault(period_set, []).append(name)
    for names in by_set.values():
        first = result.outputs[names[0]]
        assert isinstance(first, dict)
        periods = list(first)
        rows = [[_label(n, result.units[n])] + [cell(v) for v in _per(result.outputs[n]).values()] for n in names]
        header = [""] + periods
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines.append("  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(header)))
        lines.append("  ".join("-" * w for w in widths))
        for r in rows:
            lines.append("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
        lines.append("")
    singles = [(n, v) for n, v in result.outputs.items() if n not in result.periods]
    if singles:
        labels = [_label(n, result.units[n]) for n, _ in singles]
        values = [cell(v) for _, v in singles]  # type: ignore[arg-type]
        lw, vw = max(map(len, labels)), max(map(len, values))
        lines += [f"{lab.ljust(lw)}  {val.rjust(vw)}" for lab, val in zip(labels, values, strict=True)]
    if result.narrative:
        lines += ["", "In words:"]
        for sentence in result.narrative:
            lines += [line.replace(_KEEP, " ") for line in textwrap.wrap(
                _keep_together(sentence.text), 100, initial_indent="  ", subsequent_indent="    ")]
    lines += ["", "Clauses:", *_citations(result)]
    return "\n".join(lines).rstrip() + "\n"


def _per(value: Output) -> dict[str, OutputValue]:
    assert isinstance(value, dict)
    return value


def json_text(result: Result) -> str:
    return result.to_json() + "\n"
