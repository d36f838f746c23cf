"""Two sections of the HTML report drawn from other results than the report's own: the schedule of
obligations (schedule.Schedule) and every reading side by side (compare.Comparison), and the tick a check
is shown with. Labels and figures come from the report's formatter; nothing here knows an agreement.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .formatting import for_units

if TYPE_CHECKING:
    from .compare import Comparison
    from .schedule import Schedule

_TICKS = {True: ('tick-ok', "✓", "holds"), False: ('tick-bad', "✗", "fails"), None: ("tick-pending", "pending",
                                                                                    "pending")}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def tick(holds: bool | None) -> str:
    """✓ (holds), ✗ (fails) or "pending", with its meaning for a screen reader and a tooltip."""
    css, mark, meaning = _TICKS[holds]
    return f'<span class="{css}" title="{meaning}" aria-label="{meaning}">{mark}</span>'


def schedule_section(s: Schedule, label: Callable[[str], str], clause: Callable[[str | None], str]) -> str:
    """The obligations with their status as of the schedule's date, days late and penalties; "" if none."""
    if not s.entries:
        return ""
    notes = list(dict.fromkeys(e.note for e in s.entries if e.note))
    fmt = for_units({})
    out = ['<section id="schedule">', "<h2>Obligations</h2>",
           f'<p class="note">Each obligation of the agreement, with its status as of {_e(s.as_of.isoformat())}'
           + (f" (today in {_e(s.today_in)})" if s.today_in else "") + ".</p>",
           '<table class="figures schedule"><thead><tr><th scope="col">Due</th><th scope="col">Obligation</th>'
           '<th scope="col">Period</th><th scope="col">Clause</th><th scope="col">By</th>'
           '<th scope="col">Status</th><th scope="col" class="num">Days late</th>'
           '<th scope="col" class="num">Penalty</th></tr></thead><tbody>']
    for e in s.entries:
        mark = f'<sup class="n">{notes.index(e.note) + 1}</sup>' if e.note else ""
        if e.penalty is not None:
            penalty = fmt.unit_amount(e.penalty_unit or "", e.penalty)
        else:
            penalty = "pending" if e.days_late and e.penalty_unit else ""
        title = f' title="{_e(e.meaning)}"' if e.meaning else ""
        out.append(f"<tr><td>{_e(e.due.isoformat() if e.due else '-')}</td>"
                   f'<th scope="row"><span{title}>{_e(label(e.obligation))}</span></th>'
                   f"<td>{_e(e.period or '')}</td><td>{clause(e.clause)}</td>"
                   f'<td class="by">{_e(e.by or "")}</td>'
                   f'<td class="status status-{_e(e.status.replace(" ", "-"))}">{_e(e.status)}{mark}</td>'
                   f'<td class="num">{"" if e.days_late is None else e.days_late}</td>'
                   f'<td class="num">{_e(penalty)}</td></tr>')
    out.append("</tbody></table>")
    if notes:
        out.append('<ol class="notes">' + "".join(f"<li>{_e(note)}</li>" for note in notes) + "</ol>")
    out.append("</section>")
    return "\n".join(out)


def readings_section(c: Comparison, label: Callable[[str], str], number: Callable[[str, Any], str]) -> str:
    """Every reading side by side: one row per figure and period with a value in some reading, the figures
    that differ between readings marked (◆, and shaded)."""
    rows = [row for row in c.rows if any(v is not None for v in row.values)]
    left_out = len(c.rows) - len(rows)
    differ = sum(row.differs for row in rows)
    head = "".join(f'<th scope="col" class="num">{_e(side)}</th>' for side in c.labels)
    out = ['<section id="readings">', "<h2>Readings side by side</h2>",
           f'<p class="note">The figures under each reading of the rules; ◆ marks the {differ} '
           f"figure{'s' if differ != 1 else ''} on which the readings differ."
           + (f" {left_out} figure{'s' if left_out != 1 else ''} pending under every reading "
              "left out." if left_out else "") + "</p>",
           f'<table class="figures readings"><thead><tr><th scope="col">Figure</th><th scope="col">Period</th>'
           f'<th scope="col">Unit</th>{head}<th scope="col"><span class="sr">differs</span></th></tr></thead>'
           "<tbody>"]
    for row in rows:
        css = "num differs" if row.differs else "num"
        unit = "" if row.unit in ("true/false", "a date", "ratio") else row.unit
        cells = "".join(f'<td class="{css}">{_e(number(row.output, v))}</td>' for v in row.values)
        marker = '<td class="marker" title="the readings differ">◆</td>' if row.differs else "<td></td>"
        tr = ' class="differs"' if row.differs else ""
        out.append(f'<tr{tr}><th scope="row">{_e(label(row.output))}</th><td>{_e(row.period or "")}</td>'
                   f"<td>{_e(unit)}</td>{cells}{marker}</tr>")
    out.append("</tbody></table></section>")
    return "\n".join(out)
