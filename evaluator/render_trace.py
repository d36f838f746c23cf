"""An explanation as a tree a person can read (and hand to an auditor).

Each step shows its value with its unit, what it means, the formula as written
with its file:line, and the clause it cites with the clause's own words. A step
met again is not repeated ("see above"), and a clause is quoted in full once.

The text stays proportional to the steps it shows: lines wrap at WIDTH (never
inside a file:line), and a branch deeper than DEPTH levels continues as a tree
of its own below the one it comes from, so a chain of 1,000 running totals is
1,000 short lines of indentation, not 1,000 ever longer ones.
"""

from __future__ import annotations

from collections import deque
from datetime import date
from decimal import Decimal
from typing import Any

from .reasons import MOST, capped
from .render import cell
from .result import Explanation
from .trace import Step

WIDTH = 100
DEPTH = 12  # levels of the tree before a branch continues on its own


def amount(value: Any, unit: str) -> str:
    """A value with its unit, the way an agreement writes it: RMB 1,250,000.50; 3,000 shares; 2026-01-31."""
    if value is None:
        return "pending"
    text = value if isinstance(value, str) else cell(value)  # a str is an exact fraction such as 1/3
    if unit in ("true/false", "ratio", "a date") or isinstance(value, bool | date):
        return text
    if unit.isupper() and " " not in unit:  # a currency code: cents shown as cents (12.5 -> 12.50)
        if isinstance(value, Decimal) and -value.as_tuple().exponent == 1:  # type: ignore[operator]
            text += "0"  # one more place, written out: quantize() would round at the caller's context
        return f"{unit} {text}"
    return f"{text} {unit}"


def _head(step: Step) -> str:
    why = f" ({step.note})" if step.note else ""
    return f"{step.id} = {amount(step.value, step.unit)}{why}"


def _reasons(expl: Explanation) -> list[str]:
    """For a pending value: why, and what would make it known, before anything else."""
    if expl.why is None:
        return []
    lines = [f"{expl.root} is pending:"]
    lines += [f"  - {text}" for text in capped(expl.why.reasons)] or ["  - no reason found: see the steps below"]
    fixes = list(dict.fromkeys(r.fix for r in expl.why.reasons if r.fix))
    if fixes:
        lines += ["To make it known:", *[f"  - {fix}" for fix in fixes[:MOST]]]
        lines += [f"  - and {len(fixes) - MOST} more"] if len(fixes) > MOST else []
    return [*lines, "Only the steps that lead to these reasons are shown (--format json has every step).", ""]


def explanation(expl: Explanation) -> str:
    lines: list[str] = _reasons(expl)
    if expl.interpretation:
        lines.append(f"{expl.contract}, reading: {expl.interpretation}")
    if expl.amendments:
        lines.append("amendments applied: " + ", ".join(f"{a['amendment']} (effective {a['effective']})"
                                                         for a in expl.amendments))
    shown: set[str] = set()
    quoted: set[str] = set()
    later: deque[str] = deque()  # steps cut from a deep branch, each shown below as a tree of its own
    waiting: set[str] = set()
    todo: list[tuple[str, str, str]] = [(expl.root, "", "")]  # step, prefix of its head, prefix below it
    while todo or later:
        if not todo:
            lines.append("")
            waiting.discard(later[0])
            todo.append((later.popleft(), "", ""))
        step_id, head_prefix, body_prefix = todo.pop()
        step = expl.steps[step_id]
        if step_id in shown or step_id in waiting:
            lines.append(f"{head_prefix}{_head(step)} ({'see above' if step_id in shown else 'see below'})")
            continue
        if step.inputs and len(body_prefix) >= 4 * DEPTH:
            lines.append(f"{head_prefix}{_head(step)} (continued below)")
            waiting.add(step_id)
            later.append(step_id)
            continue
        shown.add(step_id)
        lines.append(head_prefix + _head(step))
        children = [c for c in step.inputs if c in expl.why.path] if expl.why and expl.why.path else list(step.inputs)
        detail = body_prefix + ("│   " if children else "    ")
        cut = len(step.inputs) - len(children)
        for words in _details(step, quoted) + ([f"({cut} other value{'s' * (cut > 1)} it read not shown)".split()]
                                                if cut else []):
            lines += _wrap(words, detail, detail + "  ")
        for i in reversed(range(len(children))):
            last = i == len(children) - 1
            todo.append((children[i], body_prefix + ("└── " if last else "├── "),
                         body_prefix + ("    " if last else "│   ")))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _wrap(words: list[str], first: str, rest: str) -> list[str]:
    """`words` in lines of at most WIDTH where they fit; a word is never split (a file:line is one word).

    A word starting with a space keeps it between it and the word before, on the same line.
    """
    lines: list[str] = []
    line, empty = first, True
    for word in words:
        if not empty and len(line) + 1 + len(word) > WIDTH:
            lines.append(line)
            line, empty = rest, True
        line += word.lstrip() if empty else " " + word
        empty = False
    return [*lines, line]


def _details(step: Step, quoted: set[str]) -> list[list[str]]:
    out = []
    if step.meaning:
        out.append(step.meaning.split())
    where = f" [{step.location}]"  # one word, however many spaces its path has
    if step.kind == "input":
        given = "given" if step.value is not None or step.note else "not given"  # a note: set aside, and why
        out.append([*given.split(), "in", "the", "inputs", where[1:]])
    elif step.formula:
        reading = ["(reading", f"{step.reading})"] if step.reading else []
        out.append(["=", *step.formula.split(), where, *reading])
    if step.citation:
        cites = step.citation + (f" (amends {step.amends})" if step.amends else "")  # the amendment's clause
        if step.clause and step.citation not in quoted:
            quoted.add(step.citation)
            out.append(f'{cites}: "{step.clause}"'.split())
        elif step.clause:
            out.append(f"{cites} (quoted above)".split())
        else:
            out.append(cites.split())
    return out
