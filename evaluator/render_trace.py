"""An explanation as a tree a person can read (and hand to an auditor).

Each step shows its value with its unit, what it means, the formula as written
with its file:line, and the clause it cites with the clause's own words. A step
met again is not repeated ("see above"), and a clause is quoted in full once.
"""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from typing import Any

from .render import cell
from .result import Explanation
from .trace import Step

WIDTH = 100


def amount(value: Any, unit: str) -> str:
    """A value with its unit, the way an agreement writes it: RMB 1,250,000.50; 3,000 shares; 2026-01-31."""
    if value is None:
        return "pending"
    text = value if isinstance(value, str) else cell(value)  # a str is an exact fraction such as 1/3
    if unit in ("true/false", "ratio", "a date") or isinstance(value, bool | date):
        return text
    if unit.isupper() and " " not in unit:  # a currency code: cents shown as cents (12.5 -> 12.50)
        if isinstance(value, Decimal) and -value.as_tuple().exponent == 1:  # type: ignore[operator]
            text = cell(value.quantize(Decimal("0.01")))
        return f"{unit} {text}"
    return f"{text} {unit}"


def _head(step: Step) -> str:
    why = f" ({step.note})" if step.note else ""
    return f"{step.id} = {amount(step.value, step.unit)}{why}"


def explanation(expl: Explanation) -> str:
    lines: list[str] = []
    if expl.interpretation:
        lines.append(f"{expl.contract}, reading: {expl.interpretation}")
    if expl.amendments:
        lines.append("amendments applied: " + ", ".join(f"{a['amendment']} (effective {a['effective']})"
                                                         for a in expl.amendments))
    shown: set[str] = set()
    quoted: set[str] = set()
    todo: list[tuple[str, str, str]] = [(expl.root, "", "")]  # step, prefix of its head, prefix below it
    while todo:
        step_id, head_prefix, body_prefix = todo.pop()
        step = expl.steps[step_id]
        if step_id in shown:
            lines.append(f"{head_prefix}{_head(step)} (see above)")
            continue
        shown.add(step_id)
        lines.append(head_prefix + _head(step))
        detail = body_prefix + ("│   " if step.inputs else "    ")
        for text in _details(step, quoted):
            lines += textwrap.wrap(text, WIDTH, initial_indent=detail, subsequent_indent=detail + "  ") or [detail]
        children = list(step.inputs)
        for i in reversed(range(len(children))):
            last = i == len(children) - 1
            todo.append((children[i], body_prefix + ("└── " if last else "├── "),
                         body_prefix + ("    " if last else "│   ")))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _details(step: Step, quoted: set[str]) -> list[str]:
    out = []
    if step.meaning:
        out.append(step.meaning)
    where = f"[{step.location}]"
    if step.kind == "input":
        out.append(f"given in the inputs {where}")
    elif step.formula:
        reading = f" (reading {step.reading})" if step.reading else ""
        out.append(f"= {step.formula}  {where}{reading}")
    if step.citation:
        if step.clause and step.citation not in quoted:
            quoted.add(step.citation)
            out.append(f'{step.citation}: "{step.clause}"')
        elif step.clause:
            out.append(f"{step.citation} (quoted above)")
        else:
            out.append(step.citation)
    return out
