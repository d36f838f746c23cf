"""Amendments: files that replace or add definitions, from an effective date, by consent.

An amendment file (YAML, checked against schemas/amendment.schema.json) names
the contract it amends, its effective date, the parties consenting in writing,
its rule files and optionally its anchored text. Its rule files may `replace`
a definition, or one period's value of a parameter, and may add new ones.

`apply` lays amendments over the agreement's rule files, in order; the checker
then sees one ordinary set of rules. A replacement of a name that does not
exist, or one that changes a unit, is refused at its place.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import nodes as n
from .checker import Program, signatures
from .clauses import AgreementText, load_text
from .datafile import Data, validate_schema
from .datafile import load as load_data
from .errors import ContractFileError, Diagnostic
from .parser import parse_files


@dataclass(frozen=True)
class Amendment:
    name: str
    title: str
    path: str
    effective: date
    consents: tuple[str, ...]  # ids of the parties that consented in writing
    files: tuple[n.RuleFile, ...]
    text: AgreementText | None

    def to_dict(self) -> dict[str, Any]:
        return {"amendment": self.name, "title": self.title, "effective": self.effective.isoformat()}


def read(path: Path, parties: dict[str, str], consent_of: Sequence[str], cites: str | None,
         contract: Path) -> Amendment:
    """Load an amendment of `contract`; refuse it unless every party in `consent_of` consented in writing."""
    data = load_data(path, ContractFileError)
    validate_schema(data, "amendment.schema.json", ContractFileError)
    value = data.value
    problems: list[Diagnostic] = []
    if "amends" in value and data.file_at(("amends",), "contract file").resolve() != contract.resolve():
        problems.append(data.where(("amends",), f"this amendment amends {value['amends']}, not {contract}",
                                   "list an amendment only in the contract it amends"))
    consents = []
    for i, consent in enumerate(value["consents"]):
        if consent["party"] not in parties:
            problems.append(data.where(("consents", i, "party"), f"'{consent['party']}' is not a party",
                                       f"the parties are {', '.join(parties)}"))
        consents.append(consent["party"])
    missing = [p for p in consent_of if p not in consents]
    for party in missing:
        rule = f"{cites} requires" if cites else "amendments require"
        problems.append(data.where(
            ("consents",), f"amendment {value['amendment']} lacks the written consent of Party {party} "
                           f"({parties.get(party, '?')})",
            f"{rule} the written consent of {', '.join('Party ' + p for p in consent_of)}", key=True,
        ))
    effective = _date(data, ("effective",), problems)
    if problems:
        raise ContractFileError(problems)
    files = parse_files([data.file_at(("rules", i), "rule file") for i in range(len(value["rules"]))])
    text = load_text(data.file_at(("text",), "amendment text")) if "text" in value else None
    assert effective is not None
    return Amendment(value["amendment"], value["title"], str(path), effective, tuple(consents), tuple(files), text)


def _date(data: Data, path: tuple[Any, ...], problems: list[Diagnostic]) -> date | None:
    raw = data.value
    for key in path:
        raw = raw[key]
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(data.where(path, f"{raw} is not a date", "write a real calendar date as YYYY-MM-DD"))
        return None


def apply(base: Sequence[n.RuleFile], amendments: Sequence[Amendment]) -> tuple[list[n.RuleFile], dict[str, n.Span]]:
    """The rule files as amended, and where each replaced name was last replaced."""
    problems: list[Diagnostic] = []
    for f in base:
        for r in f.amending:
            problems.append(Diagnostic.at(r.span, "'replace' belongs in an amendment's rule files",
                                          "write an amendment file that lists this rule file"))
    files = [dataclasses.replace(f) for f in base]
    decls = [list(f.declarations) for f in files]
    where: dict[str, tuple[int, int]] = {d.name: (i, j) for i, ds in enumerate(decls) for j, d in enumerate(ds)}
    replaced: dict[str, n.Span] = {}
    for amendment in amendments:
        for f in amendment.files:
            for r in f.amending:
                place = where.get(r.name)
                if place is None:
                    close = difflib.get_close_matches(r.name, list(where), n=1)
                    problems.append(Diagnostic.at(
                        r.decl.name_span if isinstance(r, n.Replacement) else r.name_span,
                        f"amendment {amendment.name} replaces '{r.name}', which the agreement does not define",
                        f"did you mean '{close[0]}'?" if close else "to add a new definition, leave out 'replace'",
                    ))
                    continue
                i, j = place
                new = _replace(decls[i][j], r, amendment, problems)
                if new is not None:
                    decls[i][j] = new
                    replaced[r.name] = r.span
            files.append(dataclasses.replace(f, amending=()))
            decls.append(list(f.declarations))
            where.update({d.name: (len(decls) - 1, j) for j, d in enumerate(f.declarations) if d.name not in where})
    if problems:
        raise ContractFileError(problems)
    return [dataclasses.replace(f, declarations=tuple(ds)) for f, ds in zip(files, decls, strict=True)], replaced


def _replace(old: n.Declaration, r: n.Amending, amendment: Amendment,
             problems: list[Diagnostic]) -> n.Declaration | None:
    if isinstance(r, n.Replacement):
        if type(r.decl) is not type(old):
            problems.append(Diagnostic.at(r.decl.name_span, f"'{r.name}' is a {_kind(old)}; amendment "
                                          f"{amendment.name} cannot replace it with a {_kind(r.decl)}"))
            return None
        return r.decl
    if not isinstance(old, n.TableDecl):
        problems.append(Diagnostic.at(r.name_span, f"'{r.name}' has no value per period to replace",
                                      f"replace the whole definition: replace {_kind(old)} {r.name} ..."))
        return None
    if not any(e.period == r.period for e in old.entries):
        close = difflib.get_close_matches(r.period, [e.period for e in old.entries], n=1)
        problems.append(Diagnostic.at(r.period_span, f"'{r.name}' has no value for {r.period}",
                                      f"did you mean '{close[0]}'?" if close else None))
        return None
    assert r.value is not None
    entries = tuple(
        n.TableEntry(e.period, r.value, r.span, r.about.citation, r.about.citation_span) if e.period == r.period else e
        for e in old.entries
    )
    return dataclasses.replace(old, entries=entries)


def _kind(d: n.Declaration) -> str:
    return {n.ParamDecl: "parameter", n.TableDecl: "parameter", n.InputDecl: "input", n.RuleDecl: "rule",
            n.AllocationDecl: "allocation"}.get(type(d), "declaration")


def check_units(before: Program, after: Sequence[n.RuleFile], replaced: dict[str, n.Span]) -> None:
    """Refuse a replacement that changes what a name measures, or its periods.

    Looked at before the amended rules are checked as a whole, so that the
    replacement is blamed, not the places that use the name.
    """
    now = signatures(after)
    problems = []
    for name, span in replaced.items():
        old = before.symbols.get(name)
        if old is None or name not in now:
            continue
        new_type, new_params = now[name]
        if new_type.lenient:
            continue  # its own formula is wrong: the checker says where
        if old.type != new_type:
            problems.append(Diagnostic.at(span, f"this replaces '{name}' in {old.type} with one in {new_type}",
                                          "an amendment may change a value, not its unit"))
        elif old.params != new_params:
            problems.append(Diagnostic.at(span, f"this replaces '{name}' (for each {', '.join(old.params) or '-'}) "
                                                f"with one for each {', '.join(new_params) or '-'}",
                                          "an amendment may change a value, not what it is given for"))
    if problems:
        raise ContractFileError(problems)
