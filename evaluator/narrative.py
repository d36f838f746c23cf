"""Plain-language narratives of a result, from templates written beside the rules.

A narrative file (YAML) holds sentences, each used when its conditions hold:

    for each: year
    periods:
      - when: [target_met]
        text: "{period}: revenue of {revenue} met the target of {target}."
    summary:
      - text: "{total_released_shares} released so far."

A condition is a true/false value of the rules, `not NAME`, `NAME is pending` or
`NAME is known`; all conditions of a sentence must hold (a pending condition
does not). In the text, `{NAME}` is a value of the rules at the period with its
unit, `{NAME:percent}` a ratio as a percentage, `{NAME.cites}` the clause it
cites, and `{period}`, `{start}`, `{end}` the period and its dates. Every name is
checked against the rules when the contract is loaded.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from .checker import Program
from .datafile import Data
from .datafile import load as load_data
from .errors import ContractFileError, Diagnostic, close_matches
from .evaluate import Run
from .records import record
from .render_trace import amount
from .result import exact_decimal, number_text
from .rounding import round_to
from .trace import plain

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

_CONDITION = re.compile(r"^(not\s+)?([A-Za-z_]\w*)(?:\s+is\s+(pending|known))?$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(\.cites)?(:percent)?\}")
_PERIOD_WORDS = ("period", "start", "end")


@record
class Condition:
    name: str
    negated: bool
    test: str | None  # None: the value itself; "pending" or "known"


@record
class Template:
    conditions: tuple[Condition, ...]
    text: str


@record
class Narrative:
    period_set: str | None
    periods: tuple[Template, ...]
    summary: tuple[Template, ...]


@record
class Sentence:
    period: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "text": self.text}


class _Reader:
    def __init__(self, data: Data, program: Program) -> None:
        self.data, self.program = data, program
        self.problems: list[Diagnostic] = []

    def fail(self, path: tuple[Any, ...], message: str, hint: str | None = None) -> None:
        self.problems.append(self.data.where(path, message, hint))

    def known(self, name: str, path: tuple[Any, ...], per_period: bool) -> bool:
        sym = self.program.symbols.get(name)
        if sym is None:
            close = close_matches(name, self.program.symbols)
            self.fail(path, f"unknown name '{name}'", f"did you mean '{close[0]}'?" if close else None)
            return False
        if len(sym.params) > (1 if per_period else 0):
            where = "per period" if per_period else "in the summary"
            self.fail(path, f"'{name}' has a value for each {', '.join(sym.params)}: it cannot be used {where}")
            return False
        return True

    def templates(self, items: Any, key: str, per_period: bool) -> tuple[Template, ...]:
        out = []
        for i, item in enumerate(items or []):
            path = (key, i)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                self.fail(path, "each sentence is a mapping with a 'text' (and optionally 'when')")
                continue
            when = item.get("when", [])
            when = [when] if isinstance(when, str) else when
            conditions = []
            for j, raw in enumerate(when if isinstance(when, list) else [None]):
                match = _CONDITION.match(raw.strip()) if isinstance(raw, str) else None
                if match is None:
                    self.fail((*path, "when", j), f"{raw!r} is not a condition",
                              "write NAME, not NAME, NAME is pending or NAME is known")
                    continue
                negated, name, test = bool(match.group(1)), match.group(2), match.group(3)
                if self.known(name, (*path, "when", j), per_period) and test is None:
                    if self.program.symbols[name].type.kind != "bool":
                        self.fail((*path, "when", j), f"'{name}' is {self.program.symbols[name].type}, "
                                                      "not true/false", f"write '{name} is known' to test it")
                conditions.append(Condition(name, negated, test))
            for placeholder in _PLACEHOLDER.finditer(item["text"]):
                name = placeholder.group(1)
                if per_period and name in _PERIOD_WORDS and not placeholder.group(2):
                    continue
                self.known(name, (*path, "text"), per_period)
            out.append(Template(tuple(conditions), item["text"]))
        return tuple(out)


def load(path: Path, program: Program) -> Narrative:
    """Read and check a narrative file against the rules."""
    data = load_data(path, ContractFileError)
    value = data.value
    reader = _Reader(data, program)
    if not isinstance(value, dict) or set(value) - {"for each", "periods", "summary"}:
        extra = sorted(set(value) - {"for each", "periods", "summary"}) if isinstance(value, dict) else []
        raise ContractFileError(data.where((extra[0],) if extra else (), "a narrative file has the keys "
                                           "'for each', 'periods' and 'summary'"))
    shapes = (("for each", str, "the name of a set of periods, e.g. 'for each: year'"),
              ("periods", list, "a list of sentences, each '- when: ...' and 'text: ...'"),
              ("summary", list, "a list of sentences, each '- text: ...'"))
    for key, kind, what in shapes:
        if key in value and not isinstance(value[key], kind):
            reader.fail((key,), f"'{key}' is {what}")
    if reader.problems:
        raise ContractFileError(reader.problems)
    period_set = value.get("for each")
    if period_set is not None and period_set not in program.period_sets:
        reader.fail(("for each",), f"unknown period set '{period_set}'", f"one of {', '.join(program.period_sets)}")
    if value.get("periods") and period_set is None:
        reader.fail(("periods",), "sentences per period need 'for each: PERIODS'")
    narrative = Narrative(period_set, reader.templates(value.get("periods"), "periods", True),
                          reader.templates(value.get("summary"), "summary", False))
    if reader.problems:
        raise ContractFileError(reader.problems)
    return narrative


def _format(run: Run, name: str, idx: tuple[int, ...], percent: bool) -> str:
    sym = run.program.symbols[name]
    raw = run.value(name, idx[: len(sym.params)], sym.decl.span)
    if percent and isinstance(raw, Fraction):
        exact = exact_decimal(raw * 100)
        if exact is None:  # shown to 0.01%, and said to be rounded
            rounded = exact_decimal(round_to(raw * 100, Fraction(1, 100), "half even"))
            assert rounded is not None
            return f"about {number_text(rounded)}%"
        return f"{number_text(exact)}%"
    return amount(plain(raw), str(sym.type))


def _holds(run: Run, c: Condition, idx: tuple[int, ...]) -> bool:
    sym = run.program.symbols[c.name]
    value = run.value(c.name, idx[: len(sym.params)], sym.decl.span)
    if c.test == "pending":
        result = value is None
    elif c.test == "known":
        result = value is not None
    elif value is None:
        return False  # a pending condition holds neither way
    else:
        result = bool(value)
    return result != c.negated


def tell(narrative: Narrative, run: Run) -> list[Sentence]:
    """The sentences whose conditions hold, per period in order, then the summary."""
    out: list[Sentence] = []
    rounds: list[tuple[str | None, tuple[int, ...], tuple[Template, ...]]] = []
    if narrative.period_set is not None:
        ps = run.program.period_sets[narrative.period_set]
        rounds += [(m.name, (i,), narrative.periods) for i, m in enumerate(ps.members)]
    rounds.append((None, (), narrative.summary))
    for period, idx, templates in rounds:
        for t in templates:
            if all(_holds(run, c, idx) for c in t.conditions):
                out.append(Sentence(period, _fill(run, t.text, period, idx)))
    return out


def _fill(run: Run, text: str, period: str | None, idx: tuple[int, ...]) -> str:
    def one(match: re.Match[str]) -> str:
        name, cites, percent = match.group(1), match.group(2), match.group(3)
        if period is not None and name in _PERIOD_WORDS and not cites:
            member = next(ps for ps in run.program.period_sets.values() if period in ps.names).members[idx[0]]
            return {"period": member.name, "start": str(member.start or ""),
                    "end": str(member.end or "")}[name]
        if cites:
            return run.program.symbols[name].decl.about.citation or ""
        return _format(run, name, idx, bool(percent))

    return _PLACEHOLDER.sub(one, text)
