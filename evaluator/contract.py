"""A loaded contract: its rules as amended at any date, evaluated for any inputs.

A `Contract` holds the agreement's rule files and its amendments in order.
`version(as_of)` is the agreement as it stands on a date: the rules with the
amendments effective by then laid over them, checked and planned once and kept.
`evaluate` and `explain` run a version for given inputs.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from . import inputs as inputs_
from . import narrative as narrative_
from . import nodes as n
from .amendments import Amendment, apply, check_units
from .checker import Program, check
from .clauses import AgreementText
from .deep import with_deep_stack
from .errors import ContractError, Diagnostic, EvaluationError
from .evaluate import Key, Run
from .narrative import Narrative
from .plan import Plan, build
from .result import Explanation, Output, Result, exact_decimal
from .trace import derive


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    role: str | None = None


class Version:
    """The agreement with some of its amendments applied: checked rules and their plan."""

    def __init__(self, program: Program, amendments: tuple[Amendment, ...]) -> None:
        self.program = program
        self.amendments = amendments

    @cached_property
    def plan(self) -> Plan:
        return build(self.program)


class Contract:
    """A loaded, checked contract, ready to evaluate."""

    def __init__(self, path: Path, data: dict[str, Any], base: Sequence[n.RuleFile],
                 amendments: Sequence[Amendment], interpretation: str | None,
                 text: AgreementText | None = None, narrative: Narrative | None = None) -> None:
        self.path = path
        self.text = text
        self.narrative = narrative
        self.name: str = data["contract"]
        self.title: str = data["title"]
        self.date = date.fromisoformat(data["date"])
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
            if amendments:
                check_units(self.original.program, files, replaced)
            program = check(files)
            self._versions[key] = Version(program, amendments)
        return self._versions[key]

    def version(self, as_of: date | None = None) -> Version:
        """The rules with the amendments effective on or before `as_of` (all of them if None)."""
        if as_of is None:
            return self.latest
        return self._build(tuple(a for a in self.amendments if a.effective <= as_of))

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

    def evaluate(self, inputs: Mapping[str, Any] | Path | None = None, interpretation: str | None = None,
                 trace: bool = False, narrate: bool = True, as_of: date | None = None,
                 version: Version | None = None) -> Result:
        """Evaluate every output for `inputs` (e.g. {"revenue": {"Y1": 600000000}}, or an inputs file).

        With `trace`, the result also holds the derivation of every output (`Result.trace`); with
        `narrate` (the default) its sentences in words; many scenarios run faster with narrate=False.
        `as_of` applies only the amendments effective on or before that date; `version` (one of
        `stages()`) evaluates the agreement at that stage instead.
        """
        version = version or self.version(as_of)
        values = self._values(version, inputs)
        reading = self._reading(version, interpretation)
        return with_deep_stack(lambda: self._outputs(version, values, reading, trace, narrate, as_of),
                               self._too_deep)

    def evaluate_file(self, path: str | Path, interpretation: str | None = None, trace: bool = False,
                      narrate: bool = True, as_of: date | None = None) -> Result:
        """Evaluate for an inputs file (YAML or JSON)."""
        return self.evaluate(Path(path), interpretation, trace, narrate, as_of)

    def explain(self, name: str, period: str | None = None, inputs: Mapping[str, Any] | Path | None = None,
                interpretation: str | None = None, as_of: date | None = None) -> Explanation:
        """The derivation of one value (any output, rule, parameter or input), e.g. deducted_shares at Y1.

        For a value with two periods, give both: period="Y2,Y1". `inputs` is a mapping or an inputs file.
        """
        version = self.version(as_of)
        key = self._key(version.program, name, period)
        values = self._values(version, inputs)
        reading = self._reading(version, interpretation)

        def work() -> Explanation:
            run = Run(version.plan, values, reading, trace=True, as_of=as_of)
            run.value(key[0], key[1], version.program.symbols[name].decl.span)
            steps = derive(version.program, run, [key], self.text)
            return Explanation(self.name, reading, next(iter(steps)), steps, _applied(version))

        return with_deep_stack(work, self._too_deep)

    def run(self, inputs: Mapping[str, Any] | Path | None = None, interpretation: str | None = None,
            as_of: date | None = None) -> tuple[Version, Run]:
        """A run of the agreement as of a date, for other stages (the schedule) to ask values of."""
        version = self.version(as_of)
        return version, Run(version.plan, self._values(version, inputs), self._reading(version, interpretation),
                            as_of=as_of)

    def _values(self, version: Version, inputs: Mapping[str, Any] | Path | None) -> dict[str, Any]:
        if isinstance(inputs, Path):
            return inputs_.from_file(version.program, inputs)
        return inputs_.from_mapping(version.program, inputs or {})

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
            close = difflib.get_close_matches(name, list(program.symbols), n=1)
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

    def _too_deep(self) -> ContractError:
        return EvaluationError(Diagnostic(
            "the rules refer to one another through too many steps to evaluate", str(self.path),
            hint="shorten the chain: sum over periods instead of adding each to the previous one",
        ))

    def _outputs(self, version: Version, values: dict[str, Any], reading: str | None, trace: bool,
                 narrate: bool, as_of: date | None) -> Result:
        program = version.program
        run = Run(version.plan, values, reading, trace, as_of)
        keys: list[Key] = []
        outputs: dict[str, Output] = {}
        units: dict[str, str] = {}
        periods: dict[str, str] = {}
        citations: dict[str, str] = {}
        for name in program.outputs:
            sym = program.symbols[name]
            units[name] = str(sym.type)
            citations[name] = _citation(sym.decl, reading)
            if sym.params:
                ps = program.period_sets[sym.params[0]]
                periods[name] = ps.name
                outputs[name] = {
                    m: self._plain(program, name, run.value(name, (i,), sym.decl.span), m)
                    for i, m in enumerate(ps.names)
                }
                keys += [(name, (i,)) for i in range(len(ps.names))]
            else:
                outputs[name] = self._plain(program, name, run.value(name, (), sym.decl.span), None)
                keys.append((name, ()))
        steps = derive(program, run, keys, self.text) if trace else None
        sentences = narrative_.tell(self.narrative, run) if self.narrative and narrate else []
        notes = {run.label(*key): reason for key, reason in run.notes.items()}
        return Result(self.name, reading, outputs, units, periods, citations, steps, sentences,
                      _applied(version), as_of, notes)

    def _plain(self, program: Program, name: str, value: Any, period: str | None) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, date):
            return value
        exact = exact_decimal(value)
        if exact is None:
            label = f"{name}[{period}]" if period else name
            raise EvaluationError(Diagnostic.at(
                program.symbols[name].decl.name_span,
                f"{label} is {value}, which has no exact decimal form",
                "round it in the rules, e.g. round ... down to 1 share",
            ))
        return exact


def _applied(version: Version) -> list[dict[str, Any]]:
    return [a.to_dict() for a in version.amendments]


def _citation(decl: n.Declaration, reading: str | None) -> str:
    """The clause a value comes from: the reading's own citation where it gives one."""
    for alt in getattr(decl, "alternatives", ()):
        if alt.interpretation == reading and alt.citation:
            return str(alt.citation)
    return decl.about.citation or ""
