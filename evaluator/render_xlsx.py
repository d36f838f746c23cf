"""Results -> one Excel workbook (XlsxWriter): Summary, Outputs (one per reading), Schedule, Explanations,
Provenance.

What it promises:

- Summary: the contract, the reading(s), the as-of date, the basis of the figures, the amendments applied,
  the inputs file, the key figures (the outputs without periods; a column per reading, and whether the
  readings differ) and the reconciliation checks (the rules' invariants) with a tick: ✓ holds, ✗ fails,
  pending.
- Outputs: one row per output (label, name, unit), a column per period, then `value` for an output without
  periods, then `note` (why a value is pending; which values are text, and why). A sheet per reading when
  there are several ("Outputs spa", ...). The header row and the label column are frozen. Each figure has
  its unit's number format (formatting.py).
- Schedule: each obligation with its due date, status, days late and penalty (schedule.py), when given.
- Explanations: every step behind every output (with `evaluate(..., trace=True)`): its value, unit,
  formula, file:line, clause, and the steps it was computed from.
- Provenance: the result's provenance block, one row per item.
- Exact values throughout (xlsx_cells.py): a number the spreadsheet's double cannot hold exactly is text,
  with a comment on the cell; dates are dates; pending is the text "pending".
- Same results, same creation time: the same bytes (the creation time is the provenance's time of
  generation, which SOURCE_DATE_EPOCH fixes).

Nothing here evaluates, and nothing names a particular agreement.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import formatting
from .render import basis, cell
from .result import Output, OutputValue, Result
from .xlsx_cells import Formats, new_book, sheet_name, widths, write

if TYPE_CHECKING:
    from .schedule import Schedule

TICKS = {True: "✓ holds", False: "✗ fails", None: "pending"}
FRACTION_NOTE = "exact value {text}, a fraction with no finite decimal form: written as text"
NOTES_APART = " | "  # between the notes of one row's cells (a note may hold "; " itself)


def created_at(result: Result) -> datetime | None:
    """The provenance's time of generation, as the workbook's creation time (None: not recorded)."""
    text = result.provenance.get("generated_at")
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment


def workbook(results: Sequence[Result], title: str, schedules: Sequence[Schedule | None] = ()) -> bytes:
    """The workbook of `results` (one per reading, the first the main one) and their `schedules` (one per
    result, or none)."""
    if not results:
        raise ValueError("workbook() needs at least one result")
    buffer = io.BytesIO()
    book = new_book(buffer, created_at(results[0]), f"{title}: report")
    book.set_custom_property("contract", results[0].contract)
    formats = Formats(book)
    used: set[str] = set()
    _Writer(book, formats, used, results, title).write(list(schedules))
    book.close()
    return buffer.getvalue()


def _per(value: Output) -> dict[str, OutputValue]:
    assert isinstance(value, dict)
    return value


def _reading(result: Result) -> str:
    return result.interpretation or "rules"


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested provenance data as (key, value) rows: "files.2.sha256"; an empty list or mapping as ""."""
    if isinstance(data, dict | list):
        items = data.items() if isinstance(data, dict) else enumerate(data, start=1)
        rows = [row for k, v in items for row in flatten(v, f"{prefix}.{k}" if prefix else str(k))]
        return rows or ([(prefix, "")] if prefix else [])
    return [(prefix, data)]


def _step_format(fmt: formatting.Formatter, unit: str, value: Any) -> str | None:
    """The number format of a step's value (a text "a/b" value has none)."""
    if value is None or isinstance(value, str | bool):
        return None
    return fmt.unit_excel(unit, [value])


class _Writer:
    def __init__(self, book: Any, formats: Formats, used: set[str], results: Sequence[Result], title: str) -> None:
        self.book, self.formats, self.used, self.results, self.title = book, formats, used, results, title
        self.fmts = [formatting.for_result(r) for r in results]
        self.several = len(results) > 1
        self.schedule_of: Schedule | None = None

    def write(self, schedules: list[Schedule | None]) -> None:
        self.schedule_of = next((s for s in schedules if s is not None), None)
        self.summary()
        for result, fmt in zip(self.results, self.fmts, strict=True):
            self.outputs(result, fmt)
        if any(s is not None for s in schedules):
            self.schedule([s for s in schedules if s is not None])
        self.explanations()
        self.provenance()

    def _sheet(self, wanted: str) -> Any:
        return self.book.add_worksheet(sheet_name(wanted, self.used))

    def _head(self, sheet: Any, row: int, cells: Sequence[str]) -> None:
        for k, text in enumerate(cells):
            write(sheet, row, k, text, self.formats, bold=True)

    # ---- Summary ------------------------------------------------------------------------------------------

    def summary(self) -> None:
        sheet = self._sheet("Summary")
        first = self.results[0]
        shown: list[list[str]] = []
        row = 0
        write(sheet, row, 0, f"{self.title}: summary", self.formats, bold=True)
        row += 2
        facts: list[tuple[str, Any]] = [
            ("Contract", f"{self.title} ({first.contract})"),
            ("Reading" + ("s" if self.several else ""), ", ".join(_reading(r) for r in self.results)),
            ("As of", first.as_of if first.as_of else "no as-of date: every amendment and every input given"),
            ("Basis", basis(first)),
            ("Amendments applied", ", ".join(f"{a['amendment']} (effective {a['effective']})"
                                             for a in first.amendments) or "none"),
        ]
        prov = first.provenance
        inputs = prov.get("inputs")
        if isinstance(inputs, dict):
            given = f"{inputs.get('file')} (sha256 {inputs.get('sha256')})" if inputs.get("file") \
                else str(inputs.get("source", ""))
            facts.append(("Inputs", given))
            facts += [("Overrides", ", ".join(inputs["overrides"]))] if inputs.get("overrides") else []
            facts += [("Inputs say", str(line)) for line in inputs.get("header") or []]
        if self.schedule_of is not None:
            s = self.schedule_of
            facts.append(("Schedule as of", s.as_of))
            facts += [("Schedule's today", f"today in {s.today_in}")] if s.today_in else []
        if prov.get("generated_at"):
            facts.append(("Generated", f"{prov['generated_at']} by {prov.get('tool')} {prov.get('version')}"))
        for key, value in facts:
            write(sheet, row, 0, key, self.formats, bold=True)
            write(sheet, row, 1, value, self.formats)
            shown.append([key, str(value)[:60]])
            row += 1
        row += 1
        readings = [_reading(r) for r in self.results]
        singles = [name for name in first.outputs if name not in first.periods]
        if singles:
            write(sheet, row, 0, "Key figures", self.formats, bold=True)
            row += 1
            head = ["figure", "unit", *readings, *(["readings differ"] if self.several else [])]
            self._head(sheet, row, head)
            shown.append(head)
            row += 1
            for name in singles:
                fmt = self.fmts[0]
                write(sheet, row, 0, fmt.label(name), self.formats)
                write(sheet, row, 1, first.units[name], self.formats)
                values = [r.outputs.get(name) for r in self.results]
                for k, (result, f) in enumerate(zip(self.results, self.fmts, strict=True)):
                    value = result.outputs.get(name)
                    write(sheet, row, 2 + k, value, self.formats, f.excel(name) if name in result.units else None)
                if self.several:
                    write(sheet, row, 2 + len(readings), "yes" if len(set(map(repr, values))) > 1 else "no",
                          self.formats)
                shown.append([fmt.label(name), first.units[name]])
                row += 1
            row += 1
        checks_read = self._checks()
        if checks_read[0]:
            write(sheet, row, 0, "Reconciliation", self.formats, bold=True)
            row += 1
            head = ["check", "clause", *readings, "formula", "values read"]
            self._head(sheet, row, head)
            row += 1
            checks, read = checks_read
            for (label, clause, formula), ticks in checks.items():
                write(sheet, row, 0, label, self.formats)
                write(sheet, row, 1, clause, self.formats)
                for k, tick in enumerate(ticks):
                    write(sheet, row, 2 + k, tick, self.formats)
                write(sheet, row, 2 + len(readings), formula, self.formats)
                write(sheet, row, 3 + len(readings), read[(label, clause, formula)], self.formats)
                shown.append([label, clause])
                row += 1
        widths(sheet, shown)

    def _checks(self) -> tuple[dict[tuple[str, str, str], list[str]], dict[tuple[str, str, str], str]]:
        """Each invariant (and period) of the rules: a tick per reading; and the values it read (per reading,
        where the readings' values differ)."""
        checks: dict[tuple[str, str, str], list[str]] = {}
        read: dict[tuple[str, str, str], list[str]] = {}
        for k, result in enumerate(self.results):
            for inv in result.invariants:
                label = (inv.label or inv.name) + (f" [{inv.period}]" if inv.period else "")
                key = (label, inv.citation, inv.formula)
                checks.setdefault(key, [""] * len(self.results))[k] = TICKS[inv.holds]
                values = ", ".join(f"{name} = {cell(v)}" for name, v in inv.values.items())
                read.setdefault(key, []).append(f"{_reading(result)}: {values}" if self.several else values)
        return checks, {key: NOTES_APART.join(texts) for key, texts in read.items()}

    # ---- Outputs ------------------------------------------------------------------------------------------

    def outputs(self, result: Result, fmt: Any) -> None:
        sheet = self._sheet(f"Outputs {_reading(result)}" if self.several else "Outputs")
        periods: list[str] = []
        for name in result.periods:
            periods += [p for p in _per(result.outputs[name]) if p not in periods]
        head = ["label", "output", "unit", *periods, "value", "note"]
        self._head(sheet, 0, head)
        shown: list[list[str]] = [head]
        value_col = 3 + len(periods)
        for row, (name, value) in enumerate(result.outputs.items(), start=1):
            label = fmt.label(name)
            write(sheet, row, 0, label, self.formats)
            write(sheet, row, 1, name, self.formats)
            write(sheet, row, 2, result.units[name], self.formats)
            notes: list[str] = []
            number_format = fmt.excel(name)
            cells = _per(value).items() if name in result.periods else [(None, value)]
            for period, v in cells:
                col = value_col if period is None else 3 + periods.index(period)
                said = write(sheet, row, col, v, self.formats, number_format)
                where = f"{name}[{period}]" if period else name
                if v is None and where in result.notes:
                    notes.append(f"{period}: {result.notes[where]}" if period else result.notes[where])
                if said:
                    notes.append(f"{period}: {said}" if period else said)
            if notes:
                write(sheet, row, value_col + 1, NOTES_APART.join(notes), self.formats)
            shown.append([label, name, result.units[name], *[""] * len(periods), "", ""])
        shown[0][3:] = [p.ljust(14) for p in periods] + ["value".ljust(14), "note".ljust(40)]
        widths(sheet, shown)
        sheet.freeze_panes(1, 1)

    # ---- Schedule -----------------------------------------------------------------------------------------

    def schedule(self, schedules: list[Schedule]) -> None:
        sheet = self._sheet("Schedule")
        head = [*(["reading"] if self.several else []), "due", "obligation", "period", "clause", "by", "arises",
                "done", "status", "days late", "penalty", "penalty unit", "note"]
        self._head(sheet, 0, head)
        shown: list[list[str]] = [head]
        row = 1
        for s in schedules:
            for e in s.entries:
                lead = [s.interpretation or "rules"] if self.several else []
                cells: list[Any] = [*lead, e.due, e.obligation, e.period or "", e.clause or "", e.by or "",
                                    e.arises, e.done, e.status, e.days_late, e.penalty, e.penalty_unit or "",
                                    e.note or ""]
                for k, v in enumerate(cells):
                    penalty = head[k] == "penalty"
                    if v == "" or (v is None and not (penalty and e.days_late and e.penalty_unit)):
                        continue  # an empty cell: no such date, not late, no penalty; else "pending"
                    unit_format = self.fmts[0].unit_excel(e.penalty_unit, [v]) if penalty and e.penalty_unit \
                        else None
                    write(sheet, row, k, v, self.formats, unit_format)
                shown.append([str(c) if c is not None else "" for c in cells])
                row += 1
        if row == 1:
            write(sheet, 1, 0, "The rules declare no obligations.", self.formats)
        widths(sheet, shown, most=40)
        sheet.freeze_panes(1, 0)

    # ---- Explanations -------------------------------------------------------------------------------------

    def explanations(self) -> None:
        if all(r.trace is None for r in self.results):
            return
        sheet = self._sheet("Explanations")
        head = [*(["reading"] if self.several else []), "step", "label", "kind", "value", "unit", "formula",
                "written at", "clause", "reading used", "computed from", "note"]
        self._head(sheet, 0, head)
        shown: list[list[str]] = [head]
        row = 1
        for result, fmt in zip(self.results, self.fmts, strict=True):
            for step in (result.trace or {}).values():
                lead = [_reading(result)] if self.several else []
                cells: list[Any] = [*lead, step.id, fmt.label(step.name), step.kind, step.value, step.unit,
                                    step.formula or "", step.location, step.citation or "", step.reading or "",
                                    ", ".join(step.inputs), "; ".join(x for x in (step.note, *step.decided) if x)]
                value_col = len(lead) + 3
                for k, v in enumerate(cells):
                    if k == value_col:
                        said = write(sheet, row, k, v, self.formats, _step_format(fmt, step.unit, v))
                        if isinstance(v, str):  # a value with no finite decimal, as the trace writes it: a/b
                            said = FRACTION_NOTE.format(text=v)
                            sheet.write_comment(row, k, said)
                        if said and not cells[-1]:
                            write(sheet, row, len(cells) - 1, said, self.formats)
                    elif v != "":
                        write(sheet, row, k, v, self.formats)
                shown.append([str(c)[:40] if c is not None else "" for c in cells])
                row += 1
        widths(sheet, shown, most=50)
        sheet.freeze_panes(1, len(head) - 10)

    # ---- Provenance ---------------------------------------------------------------------------------------

    def provenance(self) -> None:
        sheet = self._sheet("Provenance")
        readings = [_reading(r) for r in self.results]
        head = ["item", *(readings if self.several else ["value"])]
        self._head(sheet, 0, head)
        rows: dict[str, list[Any]] = {}
        files: dict[tuple[str, str, str], None] = {}
        for k, result in enumerate(self.results):
            prov = dict(result.provenance)
            for f in prov.pop("files", None) or []:
                files[(str(f.get("role", "")), str(f.get("path", "")), str(f.get("sha256", "")))] = None
            for key, value in flatten(prov):
                rows.setdefault(key, [None] * len(self.results))[k] = value
        shown: list[list[str]] = [head]
        row = 1
        if not rows:
            write(sheet, row, 0, "no provenance recorded (a result made without a contract file)", self.formats)
        for key, values in rows.items():
            write(sheet, row, 0, key, self.formats)
            for k, value in enumerate(values):
                if value is not None and value != "":
                    write(sheet, row, 1 + k, value if isinstance(value, str | bool | int) else str(value),
                          self.formats)
            shown.append([key, *[str(v)[:70] for v in values]])
            row += 1
        if files:
            row += 1
            self._head(sheet, row, ["file", "path", "sha256"])
            row += 1
            for role, path, digest in files:
                for k, text in enumerate((role, path, digest)):
                    write(sheet, row, k, text, self.formats)
                shown.append([role, path, digest])
                row += 1
        widths(sheet, shown, most=70)
        sheet.freeze_panes(1, 1)
