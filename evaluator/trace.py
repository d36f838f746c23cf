"""Derivations: why a value is what it is, down to inputs and parameters.

A traced Run keeps, for every value it computed, the values it was computed
from. `derive` turns that into `Step`s: the name and periods, the value with its
unit, the formula as written (with file:line), the clause cited and the clause's
own words from the agreement text, and what decided the value (decided.py: the branch
taken, the value before rounding, the operand of a min that decided...). Steps form a
graph (a value used twice is one step), keyed by a label such as `payment[FY1]`.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from . import nodes as n
from .checker import Program
from .clauses import AgreementText
from .evaluate import Key, Run
from .records import record
from .result import exact_decimal, number_text

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any


@record
class Step:
    id: str
    name: str
    periods: tuple[str, ...]
    kind: str  # input | parameter | rule | allocation
    value: Any  # int, Decimal, bool, date, None (pending), or "a/b" for a value with no finite decimal
    unit: str
    formula: str | None
    location: str  # file:line of the formula (of the declaration for an input)
    citation: str | None
    clause: str | None  # the clause's own words
    meaning: str | None
    reading: str | None  # the reading whose own formula was used, if not the main one
    inputs: tuple[str, ...]  # ids of the steps this one was computed from
    note: str | None = None  # why it cannot be known yet, where it is pending for a reason
    amends: str | None = None  # for a value an amendment replaced: the clause it cited before (contract._amends)
    decided: tuple[str, ...] = ()  # what decided the value: branch taken, rounding, operand, entries (decided.py)

    def to_dict(self) -> dict[str, Any]:
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        return {
            "id": self.id, "name": self.name, "periods": list(self.periods), "kind": self.kind,
            "value": value, "unit": self.unit, "formula": self.formula, "location": self.location,
            "citation": self.citation, "clause": self.clause, "meaning": self.meaning,
            "reading": self.reading, "inputs": list(self.inputs), "note": self.note, "amends": self.amends,
            **({"decided": list(self.decided)} if self.decided else {}),  # only where there is something to say
        }


def plain(value: Any) -> Any:
    if isinstance(value, Fraction) and not isinstance(value, bool):
        exact = exact_decimal(value)
        return exact if exact is not None else f"{number_text(value.numerator)}/{number_text(value.denominator)}"
    return value


def _kind(decl: n.Declaration) -> str:
    if isinstance(decl, (n.ParamDecl, n.TableDecl)):
        return "parameter"
    if isinstance(decl, n.InputDecl):
        return "input"
    return "allocation" if isinstance(decl, n.AllocationDecl) else "rule"


class _Deriver:
    def __init__(self, program: Program, run: Run, text: AgreementText | None) -> None:
        self.program, self.run, self.text = program, run, text
        self.files = {f.path: f for f in program.files}
        self.steps: dict[str, Step] = {}
        self.entries: dict[str, dict[str, n.TableEntry]] = {}  # per table: its entries by period
        self.before: dict[Key, dict[int, int | None]] = {}  # per pool: the claimant served before each one
        from .decided import Decider  # only when a derivation is asked for

        self.decider = Decider(program, run)

    def formula(self, key: Key) -> tuple[str | None, n.Span, str | None, str | None]:
        """The formula used for `key`: its text, its place, its citation and the reading it belongs to."""
        name, idx = key
        decl = self.program.symbols[name].decl
        citation = decl.about.citation
        if isinstance(decl, n.RuleDecl) and decl.body is not None:
            for alt in decl.alternatives:
                if alt.interpretation == self.run.interpretation:
                    return self.source(alt.body.span), alt.body.span, alt.citation or citation, alt.interpretation
            return self.source(decl.body.span), decl.body.span, citation, None
        if isinstance(decl, n.TableDecl):
            member = self.program.period_sets[decl.period_set].names[idx[0]]
            if name not in self.entries:
                self.entries[name] = {e.period: e for e in reversed(decl.entries)}
            entry = self.entries[name][member]
            return self.source(entry.span), entry.span, entry.citation or citation, None
        if isinstance(decl, n.ParamDecl) and decl.value is not None:
            for alt in decl.alternatives:  # a parameter's reading, as a rule's
                if alt.interpretation == self.run.interpretation:
                    return self.source(alt.body.span), alt.body.span, alt.citation or citation, alt.interpretation
            return self.source(decl.value.span), decl.value.span, citation, None
        if isinstance(decl, n.AllocationDecl) and decl.pool is not None and decl.claim is not None:
            # its pool and its claims in the order applied, not the whole declaration (decided.py: the shares)
            claimants = self.source(decl.claimants.span) if decl.claimants else ""
            order = "latest" if decl.latest_first else "earliest"
            return (f"pool {self.source(decl.pool.span)}; claims {self.source(decl.claim.span)} {claimants}, "
                    f"{order} first", decl.span, citation, None)
        return None, decl.span, citation, None

    def source(self, span: n.Span) -> str:
        f = self.files.get(span.file)
        return " ".join(f.source(span).split()) if f else ""

    def walk(self, root: Key) -> None:
        """Add the steps behind `root`, depth first, without recursion (chains may be long)."""
        todo = [root]
        while todo:
            key = todo.pop()
            label = self.run.label(*key)
            if label in self.steps:
                continue
            name, idx = key
            sym = self.program.symbols[name]
            formula, span, citation, reading = self.formula(key)
            periods = tuple(self.program.period_sets[ps].names[i] for ps, i in zip(sym.params, idx, strict=True))
            deps = self.sources(key)
            self.steps[label] = Step(
                label, name, periods, _kind(sym.decl), plain(self.value(key)), str(sym.type), formula,
                f"{span.file}:{span.line}", citation, self.text.words(citation) if self.text else None,
                sym.decl.about.meaning, reading, tuple(self.run.label(*d) for d in deps), self.run.notes.get(key),
                decided=self.decider.notes(key),
            )
            todo.extend(reversed(deps))

    def sources(self, key: Key) -> list[Key]:
        """What `key` was computed from, each once.

        A share of an allocation comes from its own claim and what the share allocated before it left of the
        pool (that share, in turn, from the one before it); the first share from the pool itself. So each
        share has a few sources, not every claim on the pool: a trace stays proportional to its steps.
        """
        name, idx = key
        if name not in self.run.plan.allocations:
            return list(dict.fromkeys((self.run.deps or {}).get(key, [])))
        pool, claimant = (name, idx[:-1]), idx[-1]
        reads = self.run.allocation_deps.get(pool, {})
        if claimant not in reads:  # not a claimant of this pool: it has no share of it
            return []
        if pool not in self.before:
            order = [c for c in reads if c is not None]
            self.before[pool] = dict(zip(order, [None, *order], strict=False))
        before = self.before[pool][claimant]
        left = reads[None] if before is None else [(name, (*idx[:-1], before))]
        return list(dict.fromkeys([*left, *reads[claimant]]))

    def value(self, key: Key) -> Any:
        name, idx = key
        if key in self.run.memo or name not in self.run.plan.allocations:
            return self.run.memo.get(key)
        return self.run.allocated.get((name, idx[:-1]), {}).get(idx[-1], Fraction(0))  # a share not asked for


def derive(program: Program, run: Run, keys: list[Key], text: AgreementText | None) -> dict[str, Step]:
    """Every step behind `keys` (already computed by the traced `run`), roots first."""
    deriver = _Deriver(program, run, text)
    for key in keys:
        deriver.walk(key)
    return deriver.steps
