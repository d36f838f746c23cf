"""Contract files -> a loaded `Contract` that evaluates inputs.

A contract file (YAML, checked against the shipped JSON Schema) names the
agreement, its parties and dates, its rule files and its default reading.
Loading parses and checks every rule file and builds the evaluation plan once;
`Contract.evaluate` then runs it for any number of inputs.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from . import inputs as inputs_
from . import narrative as narrative_
from . import nodes as n
from .checker import Program, check
from .clauses import AgreementText, load_text
from .datafile import Data, read_text
from .datafile import load as load_data
from .deep import with_deep_stack
from .errors import ContractError, ContractFileError, Diagnostic, EvaluationError, RuleSyntaxError
from .evaluate import Key, Run
from .narrative import Narrative
from .parser import parse
from .plan import Plan, build
from .result import Explanation, Output, Result, exact_decimal
from .trace import derive


@cache
def contract_schema() -> dict[str, Any]:
    text = resources.files("evaluator").joinpath("schemas/contract.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def load_rules(paths: Iterable[str | Path]) -> Program:
    """Parse and check rule files together; raise one error listing every problem."""
    files: list[n.RuleFile] = []
    problems: list[Diagnostic] = []
    for path in paths:
        text = read_text(Path(path), RuleSyntaxError)
        try:
            files.append(parse(text, str(path)))
        except RuleSyntaxError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise RuleSyntaxError(problems)
    return check(files)


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    role: str | None = None


class Contract:
    """A loaded, checked contract, ready to evaluate."""

    def __init__(self, path: Path, data: dict[str, Any], program: Program, interpretation: str | None,
                 text: AgreementText | None = None, narrative: Narrative | None = None) -> None:
        self.path = path
        self.text = text
        self.narrative = narrative
        self.name: str = data["contract"]
        self.title: str = data["title"]
        self.date = date.fromisoformat(data["date"])
        self.parties = tuple(Party(p["id"], p["name"], p.get("role")) for p in data["parties"])
        self.rule_files = tuple(str(f.path) for f in program.files)
        self.program = program
        self.default_interpretation = interpretation

    @cached_property
    def plan(self) -> Plan:
        return build(self.program)

    @property
    def interpretations(self) -> tuple[str, ...]:
        return tuple(self.program.interpretations)

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.program.outputs

    def inputs_schema(self) -> dict[str, Any]:
        return inputs_.schema(self.program)

    def evaluate(self, inputs: Mapping[str, Any] | None = None, interpretation: str | None = None,
                 trace: bool = False, narrate: bool = True) -> Result:
        """Evaluate every output for `inputs` (e.g. {"revenue": {"Y1": 600000000}}).

        With `trace`, the result also holds the derivation of every output (`Result.trace`); with
        `narrate` (the default) its sentences in words. Many scenarios run faster with narrate=False.
        """
        return self._run(self._values(inputs), interpretation, trace, narrate)

    def evaluate_file(self, path: str | Path, interpretation: str | None = None, trace: bool = False,
                      narrate: bool = True) -> Result:
        """Evaluate for an inputs file (YAML or JSON)."""
        return self._run(self._values(Path(path)), interpretation, trace, narrate)

    def explain(self, name: str, period: str | None = None, inputs: Mapping[str, Any] | Path | None = None,
                interpretation: str | None = None) -> Explanation:
        """The derivation of one value (any output, rule, parameter or input), e.g. deducted_shares at Y1.

        For a value with two periods, give both: period="Y2,Y1". `inputs` is a mapping or an inputs file.
        """
        key = self._key(name, period)
        values = self._values(inputs)
        reading = self._reading(interpretation)

        def work() -> Explanation:
            run = Run(self.plan, values, reading, trace=True)
            run.value(key[0], key[1], self.program.symbols[name].decl.span)
            steps = derive(self.program, run, [key], self.text)
            return Explanation(self.name, reading, next(iter(steps)), steps)

        return with_deep_stack(work, self._too_deep)

    def _values(self, inputs: Mapping[str, Any] | Path | None) -> dict[str, Any]:
        if isinstance(inputs, Path):
            return inputs_.from_file(self.program, inputs)
        return inputs_.from_mapping(self.program, inputs or {})

    def _key(self, name: str, period: str | None) -> Key:
        sym = self.program.symbols.get(name)
        if sym is None:
            close = difflib.get_close_matches(name, list(self.program.symbols), n=1)
            raise ContractError(Diagnostic(f"no value named '{name}' in {self.name}", str(self.path),
                                           hint=f"did you mean '{close[0]}'?" if close else
                                           f"outputs: {', '.join(self.outputs)}"))
        wanted = [p.strip() for p in period.split(",")] if period else []
        sets = [self.program.period_sets[ps] for ps in sym.params]
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

    def _reading(self, interpretation: str | None) -> str | None:
        if interpretation is None:
            return self.default_interpretation
        if interpretation not in self.program.interpretations:
            known = ", ".join(self.program.interpretations) or "none (these rules have a single reading)"
            raise ContractError(Diagnostic(f"unknown reading '{interpretation}'", str(self.path),
                                           hint=f"known readings: {known}"))
        return interpretation

    def _run(self, values: dict[str, Any], interpretation: str | None, trace: bool, narrate: bool) -> Result:
        reading = self._reading(interpretation)
        return with_deep_stack(lambda: self._outputs(values, reading, trace, narrate), self._too_deep)

    def _outputs(self, values: dict[str, Any], reading: str | None, trace: bool, narrate: bool) -> Result:
        run = Run(self.plan, values, reading, trace)
        keys: list[Key] = []
        outputs: dict[str, Output] = {}
        units: dict[str, str] = {}
        periods: dict[str, str] = {}
        citations: dict[str, str] = {}
        for name in self.program.outputs:
            sym = self.program.symbols[name]
            units[name] = str(sym.type)
            citations[name] = self._citation(sym.decl, reading)
            if sym.params:
                ps = self.program.period_sets[sym.params[0]]
                periods[name] = ps.name
                outputs[name] = {
                    m: self._plain(run, name, run.value(name, (i,), sym.decl.span), m)
                    for i, m in enumerate(ps.names)
                }
                keys += [(name, (i,)) for i in range(len(ps.names))]
            else:
                outputs[name] = self._plain(run, name, run.value(name, (), sym.decl.span), None)
                keys.append((name, ()))
        steps = derive(self.program, run, keys, self.text) if trace else None
        sentences = narrative_.tell(self.narrative, run) if self.narrative and narrate else []
        return Result(self.name, reading, outputs, units, periods, citations, steps, sentences)

    @staticmethod
    def _citation(decl: n.Declaration, reading: str | None) -> str:
        """The clause a value comes from: the reading's own citation where it gives one."""
        for alt in getattr(decl, "alternatives", ()):
            if alt.interpretation == reading and alt.citation:
                return str(alt.citation)
        return decl.about.citation or ""

    def _plain(self, run: Run, name: str, value: Any, period: str | None) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, date):
            return value
        exact = exact_decimal(value)
        if exact is None:
            label = f"{name}[{period}]" if period else name
            raise EvaluationError(Diagnostic.at(
                self.program.symbols[name].decl.name_span,
                f"{label} is {value}, which has no exact decimal form",
                "round it in the rules, e.g. round ... down to 1 share",
            ))
        return exact


def _validate(data: Data) -> None:
    import jsonschema  # only when a data file is validated: the slowest import of the package

    validator = jsonschema.Draft202012Validator(contract_schema())
    problems = []
    for error in sorted(validator.iter_errors(data.value), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            schema_ = error.schema if isinstance(error.schema, dict) else {}
            for extra in sorted(set(error.instance) - set(schema_.get("properties", {}))):
                problems.append(data.where((*path, extra), f"unknown key '{extra}'",
                                           f"known keys: {', '.join(schema_.get('properties', {}))}", key=True))
            continue
        message = error.message
        if error.validator == "required":
            message = f"missing key {error.message.split(' is a required')[0]}"
        problems.append(data.where(path, message))
    if problems:
        raise ContractFileError(problems)
    try:
        date.fromisoformat(data.value["date"])
    except ValueError:
        raise ContractFileError(data.where(("date",), f"{data.value['date']} is not a date")) from None


def load(path: str | Path) -> Contract:
    """Load a contract file and check all its rules; raise ContractError if anything is wrong."""
    path = Path(path)
    data = load_data(path, ContractFileError)
    if not isinstance(data.value, dict):
        raise ContractFileError(data.where((), "a contract file is a mapping of keys (contract:, rules:, ...)"))
    _validate(data)
    value = data.value
    rule_paths = []
    for i, rel in enumerate(value["rules"]):
        full = Path(os.path.normpath(path.parent / rel))
        if not full.is_file():
            raise ContractFileError(data.where(("rules", i), f"no rule file at {rel}",
                                               f"rule files are named relative to {path.parent or '.'}"))
        rule_paths.append(full)
    program = load_rules(rule_paths)
    text = _agreement_text(data, path, program) if "text" in value else None
    narrative = _narrative(data, path, program) if "narrative" in value else None
    interpretation = value.get("interpretation", program.default_interpretation)
    if interpretation is not None and interpretation not in program.interpretations:
        known = ", ".join(program.interpretations) or "none"
        raise ContractFileError(data.where(("interpretation",), f"unknown reading '{interpretation}'",
                                           f"the rules define: {known}"))
    return Contract(path, value, program, interpretation, text, narrative)


def _narrative(data: Data, path: Path, program: Program) -> Narrative:
    full = Path(os.path.normpath(path.parent / data.value["narrative"]))
    if not full.is_file():
        raise ContractFileError(data.where(("narrative",), f"no narrative file at {data.value['narrative']}",
                                           f"files are named relative to {path.parent or '.'}"))
    return narrative_.load(full, program)


def _agreement_text(data: Data, path: Path, program: Program) -> AgreementText:
    """The anchored agreement text; every citation in the rules must name one of its clauses."""
    full = Path(os.path.normpath(path.parent / data.value["text"]))
    if not full.is_file():
        raise ContractFileError(data.where(("text",), f"no agreement text at {data.value['text']}",
                                           f"texts are named relative to {path.parent or '.'}"))
    text = load_text(full)
    problems = []
    for f in program.files:
        for d in f.declarations:
            cited = [(d.about.citation, d.about.citation_span)]
            cited += [(a.citation, a.citation_span) for a in getattr(d, "alternatives", ())]
            for citation, span in cited:
                if citation and citation not in text.clauses:
                    close = difflib.get_close_matches(citation, list(text.clauses), n=1)
                    problems.append(Diagnostic.at(
                        span, f"'{citation}' is not a clause of {full.name}",
                        f"did you mean '{close[0]}'?" if close else "cite a clause anchored in the text ([§ ...])",
                    ))
    if problems:
        raise ContractFileError(problems)
    return text
