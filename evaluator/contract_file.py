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
from .amendments import Amendment, read
from .checker import Program, check
from .clauses import AgreementText, Clause, load_text
from .contract import Contract
from .datafile import Data, validate_schema
from .datafile import load as load_data
from .errors import ContractFileError, Diagnostic
from .parser import parse_files


def load_rules(paths: Iterable[str | Path]) -> Program:
    """Parse and check rule files together; raise one error listing every problem."""
    return check(parse_files([Path(p) for p in paths]))


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
    base = parse_files([data.file_at(("rules", i), "rule file") for i in range(len(value["rules"]))])
    parties = {p["id"]: p["name"] for p in value["parties"]}
    consent = value.get("amendment_consent", {})
    consent_of = consent.get("parties", list(parties))
    for i, party in enumerate(consent_of):
        if party not in parties:
            raise ContractFileError(data.where(("amendment_consent", "parties", i), f"'{party}' is not a party"))
    paths = [data.file_at(("amendments", i), "amendment file") for i in range(len(value.get("amendments", [])))]
    amendments = [read(p, parties, consent_of, consent.get("cites")) for p in [*paths, *extra]]
    _no_repeats(amendments)
    text = _agreement_text(data, amendments) if "text" in value else None
    contract = Contract(path, value, base, amendments, None, text)
    program = contract.program
    if text is not None:
        _check_citations(program, text)
    if "narrative" in value:
        contract.narrative = narrative_.load(data.file_at(("narrative",), "narrative file"), program)
    interpretation = value.get("interpretation", program.default_interpretation)
    if interpretation is not None and interpretation not in program.interpretations:
        known = ", ".join(program.interpretations) or "none"
        raise ContractFileError(data.where(("interpretation",), f"unknown reading '{interpretation}'",
                                           f"the rules define: {known}"))
    contract.default_interpretation = interpretation
    return contract


def _no_repeats(amendments: list[Amendment]) -> None:
    seen: set[str] = set()
    for a in amendments:
        if a.name in seen:
            raise ContractFileError(Diagnostic(f"amendment {a.name} is listed twice", a.path))
        seen.add(a.name)


def _agreement_text(data: Data, amendments: list[Amendment]) -> AgreementText:
    """The anchored agreement text, with the clauses of the amendments' own texts."""
    text = load_text(data.file_at(("text",), "agreement text"))
    clauses: dict[str, Clause] = dict(text.clauses)
    for a in amendments:
        if a.text is not None:
            clauses.update(a.text.clauses)
    return AgreementText(text.path, clauses)


def _check_citations(program: Program, text: AgreementText) -> None:
    """Every citation in the rules must name a clause of the agreement (or of an amendment)."""
    problems = []
    for f in program.files:
        for d in f.declarations:
            cited = [(d.about.citation, d.about.citation_span)]
            cited += [(a.citation, a.citation_span) for a in getattr(d, "alternatives", ())]
            cited += [(e.citation, e.span) for e in getattr(d, "entries", ()) if e.citation]
            for citation, span in cited:
                if citation and citation not in text.clauses:
                    close = difflib.get_close_matches(citation, list(text.clauses), n=1)
                    problems.append(Diagnostic.at(
                        span, f"'{citation}' is not a clause of {Path(text.path).name}",
                        f"did you mean '{close[0]}'?" if close else "cite a clause anchored in the text ([§ ...])",
                    ))
    if problems:
        raise ContractFileError(problems)
