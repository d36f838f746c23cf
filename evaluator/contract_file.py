"""Contract files (and amendment files) -> a checked `Contract`.

A contract file (YAML, checked against schemas/contract.schema.json) names the
agreement, its parties and date, its rule files, its amendments in order, the
parties whose consent an amendment needs, the anchored agreement text, the
narrative templates and the default reading. An amendment file can be loaded
directly too: it is the contract it amends, with this amendment added last.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from . import narrative as narrative_
from .amendments import Amendment, apply, read
from .checker import Program, check
from .clauses import AgreementText, Clause, load_text
from .contract import Contract
from .datafile import Data, validate_schema
from .datafile import load as load_data
from .errors import ContractFileError, Diagnostic
from .parser import parse_files


def load_rules(paths: Iterable[str | Path]) -> Program:
    """Parse and check rule files together; raise one error listing every problem."""
    files, _ = apply(parse_files([Path(p) for p in paths]), [])  # refuses 'replace' outside an amendment
    return check(files)


def load(path: str | Path) -> Contract:
    """Load a contract file, or an amendment file, and check everything; raise ContractError if anything is wrong."""
    path = Path(path)
    data = load_data(path, ContractFileError)
    if isinstance(data.value, dict) and "amendment" in data.value:
        validate_schema(data, "amendment.schema.json", ContractFileError)
        if "amends" not in data.value:
            raise ContractFileError(data.where((), "this amendment does not say which contract it amends",
                                               "add 'amends: path/to/contract.yaml'"))
        return _load_contract(data.file_at(("amends",), "contract file"), extra=[path])
    return _load_contract(path, extra=[])


def _load_contract(path: Path, extra: list[Path]) -> Contract:
    data = load_data(path, ContractFileError)
    if not isinstance(data.value, dict):
        raise ContractFileError(data.where((), "a contract file is a mapping of keys (contract:, rules:, ...)"))
    validate_schema(data, "contract.schema.json", ContractFileError)
    value = data.value
    try:
        date.fromisoformat(value["date"])
    except ValueError:
        raise ContractFileError(data.where(("date",), f"{value['date']} is not a date")) from None
    rule_paths = [data.file_at(("rules", i), "rule file") for i in range(len(value["rules"]))]
    for i, p in enumerate(rule_paths):
        if p in rule_paths[:i]:
            raise ContractFileError(data.where(("rules", i), f"{value['rules'][i]} is listed twice",
                                               "list each rule file once"))
    base = parse_files(rule_paths)
    parties = {p["id"]: p["name"] for p in value["parties"]}
    consent = value.get("amendment_consent", {})
    consent_of = consent.get("parties", list(parties))
    for i, party in enumerate(consent_of):
        if party not in parties:
            raise ContractFileError(data.where(("amendment_consent", "parties", i), f"'{party}' is not a party"))
    paths = [data.file_at(("amendments", i), "amendment file") for i in range(len(value.get("amendments", [])))]
    listed = set(paths)
    paths += [p for p in extra if p not in listed]  # an amendment the contract lists already is not added twice
    amendments = [read(p, parties, consent_of, consent.get("cites"), path) for p in paths]
    _in_order(data, amendments)
    text = _agreement_text(data, amendments) if "text" in value else None
    contract = Contract(path, value, base, amendments, None, text)
    program = contract.program
    if text is not None:
        _check_citations(program, text, len(load_text(data.file_at(("text",), "agreement text")).clauses))
    if "narrative" in value:
        contract.narrative = narrative_.load(data.file_at(("narrative",), "narrative file"), program)
    interpretation = value.get("interpretation", program.default_interpretation)
    if interpretation is not None and interpretation not in program.interpretations:
        known = ", ".join(program.interpretations) or "none"
        raise ContractFileError(data.where(("interpretation",), f"unknown reading '{interpretation}'",
                                           f"the rules define: {known}"))
    contract.default_interpretation = interpretation
    return contract


def _in_order(data: Data, amendments: list[Amendment]) -> None:
    """Amendments are applied in the order listed: their names are distinct and their dates in order."""
    problems = []
    for i, (a, b) in enumerate(zip(amendments, amendments[1:], strict=False), start=1):
        if b.effective < a.effective:
            problems.append(data.where(("amendments", i), f"amendment {b.name} is listed after {a.name} but takes "
                                       f"effect before it ({b.effective} < {a.effective})",
                                       "list amendments in the order they take effect"))
    seen: set[str] = set()
    for i, a in enumerate(amendments):
        if a.name in seen:
            problems.append(data.where(("amendments", i), f"amendment {a.name} is listed twice"))
        seen.add(a.name)
    if problems:
        raise ContractFileError(problems)


def _agreement_text(data: Data, amendments: list[Amendment]) -> AgreementText:
    """The anchored agreement text, with the clauses of the amendments' own texts."""
    text = load_text(data.file_at(("text",), "agreement text"))
    clauses: dict[str, Clause] = dict(text.clauses)
    for a in amendments:
        if a.text is None:
            continue
        for name, clause in a.text.clauses.items():
            if name in clauses:
                raise ContractFileError(Diagnostic(
                    f"clause '{name}' of {Path(a.text.path).name} has the name of a clause of the agreement "
                    "or an earlier amendment", a.text.path, clause.line, 1, clause.line, len(name) + 5,
                    "name an amendment's clauses after it, e.g. 'Amendment 1, 2'",
                ))
            clauses[name] = clause
    return AgreementText(text.path, clauses)


def _check_citations(program: Program, text: AgreementText, base_count: int) -> None:
    """Every citation in the rules must name a clause of the agreement (or of an amendment)."""
    problems = []
    for f in program.files:
        for d in f.declarations:
            cited = [(d.about.citation, d.about.citation_span)]
            cited += [(a.citation, a.citation_span) for a in getattr(d, "alternatives", ())]
            cited += [(e.citation, e.citation_span) for e in getattr(d, "entries", ()) if e.citation]
            for citation, span in cited:
                if citation and citation not in text.clauses:
                    close = difflib.get_close_matches(citation, list(text.clauses), n=1)
                    problems.append(Diagnostic.at(
                        span, f"'{citation}' is not a clause of {Path(text.path).name}"
                              + (" or of an amendment's text" if len(text.clauses) > base_count else ""),
                        f"did you mean '{close[0]}'?" if close else "cite a clause anchored in the text ([§ ...])",
                    ))
    if problems:
        raise ContractFileError(problems)
