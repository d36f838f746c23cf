"""A loaded contract: its rules as amended at any date, evaluated for any inputs.

A `Contract` holds the agreement's rule files and its amendments in order.
`version(as_of)` is the agreement as it stands on a date: the rules with the
amendments effective by then laid over them, checked and planned once and kept.
`evaluate` and `explain` run a version for given inputs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from pathlib import Path

from . import formatting
from . import inputs as inputs_
from . import invariants as invariants_
from . import narrative as narrative_
from . import nodes as n
from . import reasons as reasons_
from .amendments import Amendment, apply, check_units
from .checker import Program, check
from .clauses import AgreementText
from .errors import ContractError, Diagnostic, EvaluationError, InputError, close_matches
from .evaluate import Key, Run
from .limits import DEFAULT, Limits
from .narrative import Narrative
from .plan import Plan, build
from .records import field, record, replace
from .result import Explanation, Output, Result, exact_decimal, fraction_text
from .trace import Step, derive

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .batch import BatchResult
    from .compare import Comparison
    from .library import Inputs
    from .schedule import Schedule
    from .simulate import SimulationResult
    from .solve import SolveResult
    from .sweep import SweepResult


@record
class Party:
    id: str
    name: str
    role: str | None = None


class Version:
    """The agreement with some of its amendments applied: checked rules and their plan."""

    def __init__(self, program: Program, amendments: tuple[Amendment, ...], limits: Limits = DEFAULT) -> None:
        self.program = program
        self.amendments = amendments
        self.limits = limits
        self._shapes: dict[str | None, Shape] = {}
        self.batch_writers: dict[str | None, Any] = {}  # the columnar engine's, per reading (batch.py)
        # per name an amendment replaced: its declaration before any amendment did (Contract._build)
        self.originals: dict[str, n.Declaration] = {}

    @cached_property
    def plan(self) -> Plan:
        return build(self.program, self.limits)

    def shape(self, reading: str | None) -> Shape:
        """What a result of this version under a reading holds, apart from the figures: made once."""
        found = self._shapes.get(reading)
        if found is None:
            found = self._shapes[reading] = Shape.of(self.program, reading, self.originals)
        return found


@record
class Shape:
    """The outputs of a version in order (name, place, periods), their cells, units, periods and clauses."""

    outputs: tuple[tuple[str, n.Span, tuple[str, ...] | None], ...]
    cells: tuple[Key, ...]
    units: dict[str, str]
    periods: dict[str, str]
    citations: dict[str, str]
    meanings: dict[str, str]  # output -> what its rule `means`, where it says
    labels: dict[str, str] = field(default_factory=dict)  # output -> its `label`, else its name
    checks: tuple[Key, ...] = ()  # the cells of the invariants (invariants.py), checked at every evaluation
    currencies: dict[str, int] = field(default_factory=dict)  # currency -> places shown

    @property
    def targets(self) -> tuple[Key, ...]:
        """Every cell an evaluation computes: the outputs', then the invariants'."""
        return self.cells + self.checks

    @staticmethod
    def of(program: Program, reading: str | None, originals: Mapping[str, n.Declaration] | None = None) -> Shape:
        outputs: list[tuple[str, n.Span, tuple[str, ...] | None]] = []
        units, periods, citations, meanings, labels = {}, {}, {}, {}, {}
        for name in program.outputs:
            sym = program.symbols[name]
            units[name] = str(sym.type)
            labels[name] = sym.decl.about.label or name
            if sym.decl.about.meaning:
                meanings[name] = sym.decl.about.meaning
            original = (originals or {}).get(name)
            citations[name] = _citation(sym.decl, reading) if original is None else \
                _amended_citation(sym.decl, original, reading, program)
            if sym.params:
                ps = program.period_sets[sym.params[0]]
                periods[name] = ps.name
                outputs.append((name, sym.decl.span, ps.names))
            else:
                outputs.append((name, sym.decl.span, None))
        currencies = {code: formatting.minor_unit(code, d.minor_unit) for code, d in program.currencies.items()}
        return Shape(tuple(outputs), tuple(_cells(program)), units, periods, citations, meanings, labels,
                     tuple(invariants_.cells(program)), currencies)


class Contract:
    """A loaded, checked contract, ready to evaluate."""

    def __init__(self, path: Path, data: dict[str, Any], base: Sequence[n.RuleFile],
                 amendments: Sequence[Amendment], interpretation: str | None,
                 text: AgreementText | None = None, narrative: Narrative | None = None,
                 limits: Limits = DEFAULT) -> None:
        self.path = path
        self.limits = limits
        self.text = text
        self.narrative = narrative
        self.files_read: tuple[Path, ...] = ()  # every file the loader read for it (set by contract_file)
        self.as_amended_by: Amendment | None = None  # loaded from this amendment's file: as of it (contract_file)
        self.name: str = data["contract"]
        self.title: str = data["title"]
        self.date = date.fromisoformat(data["date"])
        self.timezone: str | None = data.get("timezone")  # IANA name; 'today' is the date there (schedule.today)
        self.parties = tuple(Party(p["id"], p["name"], p.get("role")) for p in data["parties"])
        self.base = tuple(base)
        self.amendments = tuple(amendments)
        self._versions: dict[tuple[str, ...], Version] = {}
        self.original = self._build(())
        self.latest = self._build(self.amendments)
        self.default_interpretation = interpretation

    # ---- the agreement as it stands --------------------------------------

    def _build(self, amendments: tuple[Amendment, ...]) -> Version:
        key = tuple(a.name for a in amendments)
        if key not in self._versions:
            files, replaced = apply(self.base, amendments)
            if amendments:  # against the version just before the last: it may replace what an earlier one added
                check_units(self._build(amendments[:-1]).program, files, replaced)
            program = check(files, self.limits)
            version = self._versions[key] = Version(program, amendments, self.limits)
            if amendments:  # what was replaced: the first declaration of the name, as signed or as added
                before = self._build(amendments[:-1])
                version.originals = dict(before.originals)
                for name in replaced:
                    if name in before.program.symbols:
                        version.originals.setdefault(name, before.program.symbols[name].decl)
        return self._versions[key]

    def version(self, as_of: date | str | None = None) -> Version:
        """The rules with the amendments in force on `as_of` (all of them if None): see `Amendment.in_force`."""
        as_of = checked(as_of)
        if as_of is None:
            return self.latest
        return self._build(tuple(a for a in self.amendments if a.in_force <= as_of))  # effective, and signed

    def stages(self) -> list[tuple[str, Version]]:
        """The agreement as signed, then after each amendment in order: its history."""
        return [("as signed", self.original)] + [
            (f"+ {a.name}", self._build(self.amendments[: i + 1])) for i, a in enumerate(self.amendments)
        ]

    @property
    def program(self) -> Program:
        return self.latest.program

    @property
    def plan(self) -> Plan:
        return self.latest.plan

    @property
    def rule_files(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.base)

    @property
    def interpretations(self) -> tuple[str, ...]:
        return tuple(self.program.interpretations)

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.program.outputs

    def inputs_schema(self) -> dict[str, Any]:
        return inputs_.schema(self.program)

    # ---- evaluation --------------------------------------------------------

    def evaluate(self, inputs: Inputs = None, interpretation: str | None = None,
                 trace: bool = False, narrate: bool = True, as_of: date | str | None = None,
                 version: Version | None = None) -> Result:
        """Evaluate every output for `inputs` (e.g. {"sales": {"FY1": 600000}}, or an inputs file's path).

        With `trace`, the result also holds the derivation of every output (`Result.trace`); with
        `narrate` (the default) its sentences in words; many scenarios run faster with narrate=False.
        `as_of` applies only the amendments effective on or before that date; `version` (one of
        `stages()`) evaluates the agreement at that stage instead.
        """
        as_of, inputs = checked(as_of, interpretation), inputs_file(inputs)
        version = version or self.version(as_of)
        values = self._values(version, inputs)
        reading = self._reading(version, interpretation)
        return self._outputs(version, values, reading, trace, narrate, as_of, inputs)

    def evaluate_batch(self, columns: Mapping[str, Any], interpretation: str | None = None,
                       as_of: date | str | None = None, rows: int | None = None,
                       progress: Callable[[int], None] | None = None) -> BatchResult:
        """Every output for many scenarios at once, exactly: `columns` maps each input to a column of values
        (per period: {"sales": {"Y1": [...], ...}} or "sales.Y1"), one per scenario. A row whose inputs or
        formulas fail is reported in `BatchResult.errors` by row number; the others are computed. `rows` counts
        the scenarios where no column does (rules without inputs); `progress(rows)` is called as rows are done."""
        from .batch import evaluate_batch

        as_of = checked(as_of, interpretation)
        version = self.version(as_of)
        return evaluate_batch(self, version, columns, self._reading(version, interpretation), as_of, rows, progress)

    def solve(self, inputs: Inputs, vary: str, until: str,
              between: tuple[Any, Any] | None = None, greatest: bool = False, interpretation: str | None = None,
              as_of: date | str | None = None, step: Any = None, scan: int = 32, points: int = 1) -> SolveResult:
        """Goal seek: the least (or `greatest`) value of the input `vary` ("sales.FY3"), a whole number of
        `step`s (default 1 of the input's unit), in `between` (default 0 to 10^12 steps), at which `until`
        ("payment.FY3 = USD 0") holds, with every interval where it holds (solve.py)."""
        from .solve import solve

        as_of = checked(as_of, interpretation, vary=vary, until=until)
        version = self.version(as_of)
        return solve(self, version, self._values(version, inputs_file(inputs)), vary, until,
                     self._reading(version, interpretation), as_of, between, greatest, step, scan, points)

    def sweep(self, vary: Sequence[str] | str, step: Sequence[str] | str | int | Decimal | Fraction,
              inputs: Inputs = None, sets: Sequence[str] = (),
              outputs: Sequence[str] | None = None, interpretations: Sequence[str | None] | None = None
              ) -> SweepResult:
        """Outputs over a grid of one or two inputs, exactly, on the columnar engine: `vary` as
        ["sales.FY3=800000..1000000"], `step` one for all or one per varied input (days for a date),
        `inputs` a mapping or an inputs file, `sets` overrides ("sales.FY2=700000"), `outputs` names or
        name.PERIOD (default: those that change over the grid), `interpretations` the readings (default: the
        contract's). See sweep.py."""
        from .sweep import sweep

        return sweep(self, vary, step, inputs_file(inputs), sets, outputs, interpretations)

    def simulate(self, model: str | Path, paths: int = 10_000, seed: int = 0,
                 inputs: Inputs = None, as_of: date | str | None = None,
                 interpretations: Sequence[str | None] | None = None, price: Any = None, discount_rate: Any = None,
                 progress: Callable[[int], None] | None = None) -> SimulationResult:
        """Monte Carlo valuation (simulate.py): the inputs not known on `as_of` (from `inputs`) drawn from the
        model file's distributions with Generator(PCG64(seed)), each draw rounded to its input's step before an
        exact evaluation of every path on the columnar engine; per reading (default: the contract's), each
        output's exact mean, sd, standard error, percentiles and P(pending), tranche probabilities and, with a
        `price` per share and a `discount_rate`, the present value of the shares released."""
        from .simulate import simulate

        as_of = checked(as_of)
        readings: list[str | None] = list(interpretations) if interpretations is not None else [None]
        return simulate(self, model, paths, seed, inputs_file(inputs), as_of, readings, price, discount_rate, progress)

    def evaluate_file(self, path: str | Path, interpretation: str | None = None, trace: bool = False,
                      narrate: bool = True, as_of: date | None = None) -> Result:
        """Evaluate for an inputs file (YAML or JSON)."""
        return self.evaluate(Path(path), interpretation, trace, narrate, as_of)

    def explain(self, name: str, period: str | None = None, inputs: Inputs = None,
                interpretation: str | None = None, as_of: date | str | None = None) -> Explanation:
        """The derivation of one value (any output, rule, parameter or input), e.g. deducted_shares at Y1.

        For a value with two periods, give both: period="Y2,Y1". `inputs` is a mapping or an inputs file.
        """
        as_of = checked(as_of, interpretation, name=name, period=period)
        version = self.version(as_of)
        key = self._key(version.program, name, period)
        values = self._values(version, inputs_file(inputs))
        reading = self._reading(version, interpretation)

        run = Run(version.plan, values, reading, trace=True, as_of=as_of)
        value = run.value(key[0], key[1], version.program.symbols[name].decl.span)
        steps = _amends(derive(version.program, run, [key], self.text), version, reading)
        why = reasons_.find(run, [key])[key] if value is None else None  # pending: why, and what leads there
        from . import provenance

        made = provenance.block(self, version, inputs_file(inputs), reading, as_of)
        return Explanation(self.name, reading, next(iter(steps)), steps, _applied(version), why, made)

    def run(self, inputs: Inputs = None, interpretation: str | None = None,
            as_of: date | str | None = None) -> tuple[Version, Run]:
        """A run of the agreement as of a date, for other stages (the schedule) to ask values of."""
        as_of = checked(as_of, interpretation)
        version = self.version(as_of)
        values = self._values(version, inputs_file(inputs))
        return version, Run(version.plan, values, self._reading(version, interpretation), as_of=as_of)

    # ---- the other commands' tasks (library.py) ------------------------------

    def schedule(self, inputs: Inputs = None, as_of: date | str | None = None,
                 interpretation: str | None = None) -> Schedule:
        """Every obligation with its clause, due date, status and penalty as of `as_of` (default: today in the
        contract's time zone, else UTC), as `clausewise schedule` lists them."""
        from .library import schedule

        return schedule(self, inputs, as_of, interpretation)

    def diff(self, other: Contract | str | os.PathLike[str] | None = None, inputs: Inputs = None, *,
             interpretation: str | None = None, against: str | None = None, as_of: date | str | None = None,
             against_as_of: date | str | None = None) -> Comparison:
        """Every output that differs between this contract and `other` (a contract, or an amendment file: then
        exactly what it changes), or between two readings (`against`) or dates (`against_as_of`), as
        `clausewise diff` shows them."""
        from .library import diff

        return diff(self, other, inputs, interpretation=interpretation, against=against, as_of=as_of,
                    against_as_of=against_as_of)

    def history(self, inputs: Inputs = None, interpretation: str | None = None) -> Comparison:
        """Each output as signed and after each amendment in turn, as `clausewise history` shows them."""
        from .library import history

        return history(self, inputs, interpretation)

    def render(self, what: Result | Comparison | Schedule, format: str = "table") -> str:
        """A result (table, json, csv, markdown, html), comparison (table, json) or schedule (table, json, ics)
        of this contract as text, as the command line's --format prints it."""
        from .library import render

        return render(what, format, self)

    def _values(self, version: Version, inputs: Mapping[str, Any] | Path | None) -> dict[str, Any]:
        parties = [p.id for p in self.parties]
        if isinstance(inputs, Path):
            return inputs_.from_file(version.program, inputs, parties)
        fast = inputs_.quick(version.program, inputs if inputs is not None else {})
        return fast if fast is not None else inputs_.from_mapping(version.program, inputs or {}, parties=parties)

    def _reading(self, version: Version, interpretation: str | None) -> str | None:
        if interpretation is None:
            return self.default_interpretation
        if interpretation not in version.program.interpretations:
            known = ", ".join(version.program.interpretations) or "none (these rules have a single reading)"
            raise ContractError(Diagnostic(f"unknown reading '{interpretation}'", str(self.path),
                                           hint=f"known readings: {known}"))
        return interpretation

    def _key(self, program: Program, name: str, period: str | None) -> Key:
        sym = program.symbols.get(name)
        if sym is None:
            close = close_matches(name, program.symbols)
            raise ContractError(Diagnostic(f"no value named '{name}' in {self.name}", str(self.path),
                                           hint=f"did you mean '{close[0]}'?" if close else
                                           f"outputs: {', '.join(program.outputs)}"))
        wanted = [p.strip() for p in period.split(",")] if period else []
        sets = [program.period_sets[ps] for ps in sym.params]
        if len(wanted) != len(sets):
            example = ",".join(ps.names[0] for ps in sets)
            raise ContractError(Diagnostic(
                f"'{name}' has " + (f"a value for each {', '.join(sym.params)}" if sets else "one value"),
                str(self.path), hint=f"give the period(s), e.g. {name} {example}" if sets else "give no period",
            ))
        idx = []
        for member, ps in zip(wanted, sets, strict=True):
            if member not in ps.names:
                raise ContractError(Diagnostic(f"{member} is not a {ps.name}", str(self.path),
                                               hint=f"one of {', '.join(ps.names)}"))
            idx.append(ps.position(member))
        return (name, tuple(idx))

    def _outputs(self, version: Version, values: dict[str, Any], reading: str | None, trace: bool,
                 narrate: bool, as_of: date | None, inputs: Mapping[str, Any] | Path | None = None) -> Result:
        program = version.program
        run = Run(version.plan, values, reading, trace, as_of)
        shape = version.shape(reading)
        run.prepare(shape.targets)
        fmt = formatting.Formatter(shape.units, shape.labels, shape.currencies)
        holds = invariants_.check(run, shape.checks, fmt) if shape.checks else {}
        outputs: dict[str, Output] = {}
        for name, span, periods in shape.outputs:
            if periods is None:
                outputs[name] = self._plain(program, name, run.result(name, (), span), None)
            else:
                outputs[name] = {m: self._plain(program, name, run.result(name, (i,), span), m)
                                 for i, m in enumerate(periods)}
        steps = _amends(derive(program, run, list(shape.cells), self.text), version, reading) if trace else None
        sentences = narrative_.tell(self.narrative, run) if self.narrative and narrate else []
        pending = reasons_.pending_outputs([(o[0], o[2]) for o in shape.outputs], outputs)
        again = _Again(version.plan, values, reading, as_of, shape.targets, None if run.compiled else run)
        return Result(self.name, reading, outputs, dict(shape.units), dict(shape.periods), dict(shape.citations),
                      steps, sentences, _applied(version), as_of,
                      (lambda: reasons_.notes(again.run(), pending)) if pending else None,
                      {run.label(*key): why for key, why in run.set_aside.items()}, dict(shape.meanings),
                      dict(shape.labels), dict(shape.currencies),
                      (lambda: invariants_.results(again.run(), holds)) if holds else None,
                      _provenance(self, version, inputs, reading, as_of))

    def _plain(self, program: Program, name: str, value: Any, period: str | None) -> Any:
        if type(value) is int or isinstance(value, bool) or value is None or isinstance(value, date):
            return value
        exact = exact_decimal(value)
        if exact is None:
            label = f"{name}[{period}]" if period else name
            raise EvaluationError(Diagnostic.at(
                program.symbols[name].decl.name_span,
                f"{label} is {fraction_text(value)}, which has no exact decimal form",
                "round it in the rules, e.g. round ... down to 1 share",
            ))
        return exact


def _provenance(contract: Contract, version: Version, inputs: Mapping[str, Any] | Path | None,
                reading: str | None, as_of: date | None) -> Callable[[], dict[str, Any]]:
    """The result's provenance block, made when first asked (provenance.py: it hashes files)."""
    def block() -> dict[str, Any]:
        from . import provenance

        return provenance.block(contract, version, inputs, reading, as_of)
    return block


class _Again:
    """The values of an evaluation, for what its result works out only when asked (the pending outputs'
    reasons, the values each invariant read): the evaluation's own `run` when it was interpreted (a plan's
    first evaluation, e.g. a command's only one), else the same evaluation made once more on the interpreter,
    once, when first asked (a result of the compiled path keeps the inputs, not every value: many such
    results are kept, and few are asked)."""

    def __init__(self, plan: Plan, values: dict[str, Any], reading: str | None, as_of: date | None,
                 cells: Sequence[Key], run: Run | None) -> None:
        self.plan, self.values, self.reading, self.as_of, self.cells = plan, values, reading, as_of, cells
        self.made = run

    def run(self) -> Run:
        if self.made is None:
            made = Run(self.plan, self.values, self.reading, as_of=self.as_of, fast=False)  # interpreting once
            made.prepare(self.cells)  # costs less than compiling
            self.made = made
        return self.made


def _cells(program: Program) -> list[Key]:
    """The cells of every output, in the order of the outputs."""
    out: list[Key] = []
    for name in program.outputs:
        sym = program.symbols[name]
        out += [(name, (i,)) for i in range(len(program.period_sets[sym.params[0]].members))] if sym.params \
            else [(name, ())]
    return out


def inputs_file(inputs: Inputs) -> Mapping[str, Any] | Path | None:
    """Inputs as the stages take them: the path of an inputs file given as text (or any os.PathLike) as a Path."""
    return Path(inputs) if isinstance(inputs, str | os.PathLike) else inputs


def checked(as_of: Any, interpretation: Any = None, **names: Any) -> date | None:
    """The arguments of evaluate, explain, run, version and schedule, checked; `as_of` as a date.

    `as_of` is a date, or text YYYY-MM-DD; a datetime is refused (which day it is depends on a time
    zone), and so is anything else. The reading and the names given are text. A wrong argument is an
    InputError at the argument, never a TypeError.
    """
    problems = [Diagnostic(f"{value!r} is not text", "", hint=f"give {key} as a str", path=key)
                for key, value in [("interpretation", interpretation), *names.items()]
                if value is not None and not isinstance(value, str) or (key == "name" and value is None)]
    day = None
    if isinstance(as_of, datetime):
        problems.append(Diagnostic(f"{as_of.isoformat()} is a date and time, not a date", "", path="as_of",
                                   hint="give the date it means: as_of=value.date() in the agreement's time zone"))
    elif isinstance(as_of, date) or as_of is None:
        day = as_of
    elif isinstance(as_of, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", as_of):
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            problems.append(Diagnostic(f"{as_of} is not a real calendar date", "", path="as_of",
                                       hint="write a date as YYYY-MM-DD, e.g. 2027-03-01"))
    else:
        problems.append(Diagnostic(f"{_short(as_of)} is not a date", "", path="as_of",
                                   hint="give a datetime.date, or text YYYY-MM-DD such as 2027-03-01"))
    if problems:
        raise InputError(problems)
    return day


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:18] + "…" + text[-18:]


def _applied(version: Version) -> list[dict[str, Any]]:
    return [a.to_dict() for a in version.amendments]


def _citation(decl: n.Declaration, reading: str | None, period: str | None = None) -> str:
    """The clause a value comes from: the reading's own citation where it gives one; for one period of a
    table, the citation of its entry where an amendment replaced it."""
    if period is not None and isinstance(decl, n.TableDecl):
        entry = next((e for e in reversed(decl.entries) if e.period == period), None)
        if entry is not None and entry.citation:
            return entry.citation
    for alt in getattr(decl, "alternatives", ()):
        if alt.interpretation == reading and alt.citation:
            return str(alt.citation)
    return decl.about.citation or ""


def _amending(decl: n.Declaration, original: n.Declaration, reading: str | None, period: str | None) -> str:
    """The citation of an amended value: the amendment's clause, naming the clause it amends (the one the
    value cited before any amendment replaced it), e.g. "Amendment 1, 1 (amends Clause 4.1)"."""
    now, then = _citation(decl, reading, period), _citation(original, reading, period)
    return f"{now} (amends {then})" if then and now != then else now


def _amended_citation(decl: n.Declaration, original: n.Declaration, reading: str | None, program: Program) -> str:
    """An output an amendment replaced, whole or for some periods: "Amendment 1, 2 (amends Clause 5.1)", or for
    a table one period of which was replaced "Clause 4.1; Amendment 1, 1 (amends Clause 4.1) for Y2"."""
    whole = _amending(decl, original, reading, None)
    if not isinstance(decl, n.TableDecl):
        return whole
    by_text: dict[str, list[str]] = {}
    for member in program.period_sets[decl.period_set].names:
        text = _amending(decl, original, reading, member)
        if text != whole:
            by_text.setdefault(text, []).append(member)
    return "; ".join([whole, *(f"{text} for {', '.join(members)}" for text, members in by_text.items())])


def _amends(steps: dict[str, Step], version: Version, reading: str | None) -> dict[str, Step]:
    """The steps of amended values, each naming the clause its amendment's clause amends (`Step.amends`)."""
    for label, step in steps.items():
        original = version.originals.get(step.name)
        if original is None or step.citation is None:
            continue
        then = _citation(original, reading, step.periods[0] if len(step.periods) == 1 else None)
        if then and then != step.citation:
            steps[label] = replace(step, amends=then)
    return steps
