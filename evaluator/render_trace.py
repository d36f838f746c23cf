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

import re
from collections import deque
from datetime import date
from decimal import Decimal

from .reasons import MOST, capped
from .render import cell
from .result import Explanation

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:  # trace.py uses `amount` (through decided.py): Step only names a type here
    from typing import Any

    from .trace import Step

_WHOLE = re.compile(r"-?[0-9][0-9,]*$")  # a whole number as `cell` writes it
WIDTH = 100
DEPTH = 12  # levels of the tree before a branch continues on its own
SHORT = 3  # levels of values shown below the figure by default (explain --depth N; None: all)


def amount(value: Any, unit: str) -> str:
    """A value with its unit, the way an agreement writes it: RMB 1,250,000.50; 3,000 shares; 2026-01-31."""
    if value is None:
        return "pending"
    text = value if isinstance(value, str) else cell(value)  # a str is an exact fraction such as 1/3
    if unit in ("true/false", "ratio", "a date") or isinstance(value, bool | date):
        return text
    money, per, counted = unit.partition(" per ")
    if money.isupper() and " " not in money:  # a currency code: cents shown as cents (12.5 -> 12.50)
        if isinstance(value, Decimal) and -value.as_tuple().exponent == 1:  # type: ignore[operator]
            text += "0"  # one more place, written out: quantize() would round at the caller's context
        elif per and _WHOLE.match(text):  # a price per unit, as agreements quote it: USD 12.00 per share
            text += ".00"
        return f"{money} {text}{per}{counted}"
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


def explanation(expl: Explanation, depth: int | None = SHORT) -> str:
    """The tree of `expl`, `depth` levels of values below the figure (None: every level)."""
    lines: list[str] = _reasons(expl)
    if expl.interpretation:
        lines.append(f"{expl.contract}, reading: {expl.interpretation}")
    if expl.amendments:
        lines.append("amendments applied: " + ", ".join(f"{a['amendment']} (effective {a['effective']})"
                                                         for a in expl.amendments))
    shown: set[str] = set()
    quoted: set[str] = set()
    pools: set[str] = set()  # the pools of allocations shown (a share of one shown before refers to it)
    later: deque[tuple[str, int]] = deque()  # steps cut from a deep branch, each shown below as a tree of its own
    waiting: set[str] = set()
    # step, prefix of its head, prefix below it, its level below the figure, and for alike steps summarised: the line
    todo: list[tuple[str, str, str, int, str | None]] = [(expl.root, "", "", 0, None)]
    while todo or later:
        if not todo:
            lines.append("")
            waiting.discard(later[0][0])
            todo.append((later[0][0], "", "", later.popleft()[1], None))
        step_id, head_prefix, body_prefix, level, summary = todo.pop()
        step = expl.steps[step_id]
        if summary is not None:
            lines.append(head_prefix + summary)
            continue
        if step_id in shown or step_id in waiting:
            lines.append(f"{head_prefix}{_head(step)} ({'see above' if step_id in shown else 'see below'})")
            continue
        if step.inputs and len(body_prefix) >= 4 * DEPTH:
            lines.append(f"{head_prefix}{_head(step)} (continued below)")
            waiting.add(step_id)
            later.append((step_id, level))
            continue
        shown.add(step_id)
        lines.append(head_prefix + _head(step))
        children = [c for c in step.inputs if c in expl.why.path] if expl.why and expl.why.path else list(step.inputs)
        cut = len(step.inputs) - len(children)
        details = _details(step, quoted, pools)
        if cut:
            details.append(f"({cut} other value{'s' * (cut > 1)} it read not shown)".split())
        if children and depth is not None and level >= depth:
            details.append(_deeper(children, depth))
            children = []
        detail = body_prefix + ("│   " if children else "    ")
        for words in details:
            lines += _wrap(words, detail, detail + "  ")
        rows = _alike(children, expl)
        for i in reversed(range(len(rows))):
            last = i == len(rows) - 1
            todo.append((rows[i][0], body_prefix + ("└── " if last else "├── "),
                         body_prefix + ("    " if last else "│   "), level + 1, rows[i][1]))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _deeper(children: list[str], depth: int) -> list[str]:
    """The line in place of the values a step read, below the depth shown."""
    named = ", ".join(children[:MOST]) + (f" and {len(children) - MOST} more" if len(children) > MOST else "")
    return f"(read {named}: deeper than --depth {depth})".split()


def _alike(children: list[str], expl: Explanation) -> list[tuple[str, str | None]]:
    """The rows below a step: (a value read, None) each, but of three or more alike in a row (one name, one
    value: a sum of zero credits, an unchanged total, inputs not given yet) the first, then one line for the
    rest: (its first, "8 more, all RMB 0: credit[Y2, Y1] … credit[Y9, Y1]")."""
    rows: list[tuple[str, str | None]] = []
    i = 0
    while i < len(children):
        first = expl.steps[children[i]]
        j = i + 1
        while j < len(children) and (expl.steps[children[j]].name, expl.steps[children[j]].value) == (
                first.name, first.value):
            j += 1
        rest = children[i + 1:j]
        rows.append((children[i], None))
        if len(rest) >= 2:
            named = ", ".join(rest) if len(rest) <= 3 else f"{rest[0]} … {rest[-1]}"
            rows.append((rest[0], f"{len(rest)} more, all {amount(first.value, first.unit)}: {named}"))
        else:
            rows += [(c, None) for c in rest]
        i = j
    return rows


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


def _details(step: Step, quoted: set[str], pools: set[str]) -> list[list[str]]:
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
    for note in step.decided:  # what decided the value; a pool shown before is not listed again
        pool = note.split(";")[0] if note.startswith("pool ") and ";" in note else None
        if pool is not None and pool in pools:
            note = f"{pool}: its claims as above"
        elif pool is not None:
            pools.add(pool)
        out.append(["→", *note.split()])
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
