"""Contract files (and amendment files) -> a checked `Contract`.

A contract file (YAML, checked against schemas/contract.schema.json) names the
agreement, its parties and date, its rule files, its amendments in order, the
parties whose consent an amendment needs, the anchored agreement text, the
narrative templates and the default reading. An amendment file can be loaded
directly too: it is the contract it amends, with this amendment added last.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from . import narrative as narrative_
from .amendments import Amendment, apply, read
from .checker import Program, check
from .clauses import AgreementText, Clause, load_text
from .contract import Contract
from .datafile import DATA_SUFFIXES, RULE_SUFFIXES, TEXT_SUFFIXES, Data, inside, validate_schema
from .datafile import load as load_data
from .errors import ContractFileError, Diagnostic, RuleSyntaxError, close_matches
from .limits import DEFAULT, Limits
from .parser import parse_files

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any


def _path(value: Any, what: str) -> Path:
    """A file named by a caller: a str or a path, else ContractFileError (never a TypeError)."""
    text = os.fspath(value) if isinstance(value, str | os.PathLike) else None
    if not isinstance(text, str) or not text:
        raise ContractFileError(Diagnostic(f"{_shown(value)} is not the name of a {what}", "",
                                           hint=f"give the {what} as a str or a pathlib.Path"))
    return Path(text)


def _listed(paths: Any) -> list[Any]:
    try:
        return list(paths)
    except TypeError:
        raise ContractFileError(Diagnostic(f"{_shown(paths)} is not a list of rule files", "",
                                           hint="give the rule files as a list of str or pathlib.Path")) from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:18] + "…" + text[-18:]


def load_rules(paths: Iterable[str | Path], root: str | Path | None = None, limits: Limits = DEFAULT) -> Program:
    """Parse and check rule files together; raise one error listing every problem.

    Only files named *.rules are read; with a `root` folder, only files inside it.
    """
    rule_paths = [_path(p, "rule file") for p in ([paths] if isinstance(paths, str | os.PathLike) else
                                                    _listed(paths))]
    problems = [Diagnostic("this is not named as a rule file", str(p), hint="a rule file's name ends in .rules")
                for p in rule_paths if not str(p).lower().endswith(RULE_SUFFIXES)]
    if root is not None:
        problems += [Diagnostic("the file is outside the root folder", str(p)) for p in rule_paths
                     if not inside(Path(root), p)]
    if problems:
        raise RuleSyntaxError(problems)
    files, _ = apply(parse_files(rule_paths), [])  # refuses 'replace' outside an amendment
    return check(files, limits)


def load(path: str | Path, root: str | Path | None = None, limits: Limits = DEFAULT) -> Contract:
    """Load a contract file, or an amendment file, and check everything; raise ContractError if anything is wrong.

    With a `root` folder, the file and every file it names (rules, amendments and their files,
    texts, narrative, the contract an amendment amends) must lie inside it: absolute names,
    names leading out by '..' and links to files outside are refused, at the name, before the
    file is read. Without one (the default), a contract may name any file by a relative or
    absolute name. Either way, each file must be named for its kind (*.rules, *.yaml...).
    `limits` bounds the cost of an evaluation and the size of its numbers (see limits.py).
    """
    path = _path(path, "contract file")
    top = Path(root) if root is not None else None
    if top is not None and not inside(top, path):
        raise ContractFileError(Diagnostic("the file is outside the root folder", str(path),
                                           hint="give a contract file inside the root folder"))
    data = load_data(path, ContractFileError, top)
    if isinstance(data.value, dict) and "amendment" in data.value:
        validate_schema(data, "amendment.schema.json", ContractFileError)
        if "amends" not in data.value:
            raise ContractFileError(data.where((), "this amendment does not say which contract it amends",
                                               "add 'amends: path/to/contract.yaml'"))
        return _load_contract(data.file_at(("amends",), "contract file", DATA_SUFFIXES), path, top, limits)
    return _load_contract(path, None, top, limits)


def _load_contract(path: Path, subject: Path | None, root: Path | None, limits: Limits = DEFAULT) -> Contract:
    """The contract at `path`; with `subject` (an amendment file of it), the contract as of that amendment."""
    data = load_data(path, ContractFileError, root)
    if not isinstance(data.value, dict):
        raise ContractFileError(data.where((), "a contract file is a mapping of keys (contract:, rules:, ...)"))
    validate_schema(data, "contract.schema.json", ContractFileError)
    value = data.value
    try:
        date.fromisoformat(value["date"])
    except ValueError:
        raise ContractFileError(data.where(("date",), f"{value['date']} is not a date")) from None
    if "timezone" in value:  # an IANA name known to zoneinfo (the schema has checked its form)
        import zoneinfo  # only for a contract that names a time zone

        try:
            zoneinfo.ZoneInfo(value["timezone"])
        except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
            raise ContractFileError(data.where(("timezone",), f"unknown time zone '{value['timezone']}'",
                                               "give an IANA name such as Asia/Shanghai, or UTC")) from None
    rule_paths = [data.file_at(("rules", i), "rule file", RULE_SUFFIXES) for i in range(len(value["rules"]))]
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
    paths = [data.file_at(("amendments", i), "amendment file", DATA_SUFFIXES)
             for i in range(len(value.get("amendments", [])))]
    listed = [p.resolve() for p in paths]
    if subject is not None and subject.resolve() in listed:
        paths = paths[: listed.index(subject.resolve()) + 1]  # the amendments listed up to it, none after
    agreement_date = date.fromisoformat(value["date"])
    amendments = [read(p, parties, consent_of, consent.get("cites"), path, root, agreement_date) for p in paths]
    _in_order(data, amendments)
    if subject is not None and subject.resolve() not in listed:  # not listed: after those in force by its day
        own = read(subject, parties, consent_of, consent.get("cites"), path, root, agreement_date)
        _also(data, own, subject, amendments)
        kept = [a for a in amendments if a.in_force <= own.in_force]
        paths, read_all, amendments = [*paths, subject], [*amendments, own], [*kept, own]
    else:
        read_all = amendments
    text = _agreement_text(data, amendments) if "text" in value else None
    contract = Contract(path, value, base, amendments, None, text, limits=limits)
    contract.as_amended_by = amendments[-1] if subject is not None else None
    program = contract.program
    if text is not None:
        signed = load_text(data.file_at(("text",), "agreement text", TEXT_SUFFIXES))
        _check_citations(program, text, len(signed.clauses))
    read_files = [path, *rule_paths, *paths]
    read_files += [Path(f.path) for a in read_all for f in a.files]
    read_files += [Path(a.text.path) for a in read_all if a.text is not None]
    if text is not None:
        read_files.append(Path(text.path))
    if "narrative" in value:
        narrative_file = data.file_at(("narrative",), "narrative file", DATA_SUFFIXES)
        contract.narrative = narrative_.load(narrative_file, program)
        read_files.append(narrative_file)
    contract.files_read = tuple(dict.fromkeys(read_files))
    interpretation = value.get("interpretation", program.default_interpretation)
    if interpretation is not None and interpretation not in program.interpretations:
        known = ", ".join(program.interpretations) or "none"
        raise ContractFileError(data.where(("interpretation",), f"unknown reading '{interpretation}'",
                                           f"the rules define: {known}"))
    contract.default_interpretation = interpretation
    return contract


def _in_order(data: Data, amendments: list[Amendment]) -> None:
    """Amendments are applied in the order listed: their names are distinct and the days they take effect
    (effective and signed: `Amendment.in_force`) in order. With the agreement's text, each amendment that
    replaces a definition has a text too: the clause its replacement cites is looked for there."""
    problems = []
    for i, (a, b) in enumerate(zip(amendments, amendments[1:], strict=False), start=1):
        if b.in_force < a.in_force:
            problems.append(data.where(("amendments", i), f"amendment {b.name} is listed after {a.name} but takes "
                                       f"effect before it ({b.in_force} < {a.in_force})",
                                       "list amendments in the order they take effect"))
    for i, a in enumerate(amendments):
        if "text" in data.value and a.text is None and any(f.amending for f in a.files):
            problems.append(data.where(("amendments", i), f"amendment {a.name} replaces definitions but has no "
                                       "text: the clauses its replacements cite cannot be found",
                                       "give the amendment its text (text: FILE), its clauses anchored [§ ...]"))
    seen: set[str] = set()
    for i, a in enumerate(amendments):
        if a.name in seen:
            problems.append(data.where(("amendments", i), f"amendment {a.name} is listed twice"))
        seen.add(a.name)
    if problems:
        raise ContractFileError(problems)


def _also(data: Data, own: Amendment, subject: Path, listed: list[Amendment]) -> None:
    """An amendment file loaded on its own that its contract does not list: checked as `_in_order` checks a
    listed one. It follows the listed amendments in force by the day it is in force, and none after."""
    problems = []
    if any(a.name == own.name for a in listed):
        problems.append(Diagnostic(f"amendment {own.name} has the name of an amendment the contract lists",
                                   str(subject), hint="give each amendment its own name, or load the one listed"))
    if "text" in data.value and own.text is None and any(f.amending for f in own.files):
        problems.append(Diagnostic(f"amendment {own.name} replaces definitions but has no text: the clauses its "
                                   "replacements cite cannot be found", str(subject),
                                   hint="give the amendment its text (text: FILE), its clauses anchored [§ ...]"))
    if problems:
        raise ContractFileError(problems)


def _agreement_text(data: Data, amendments: list[Amendment]) -> AgreementText:
    """The anchored agreement text, with the clauses of the amendments' own texts."""
    text = load_text(data.file_at(("text",), "agreement text", TEXT_SUFFIXES))
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
                    close = close_matches(citation, text.clauses)
                    problems.append(Diagnostic.at(
                        span, f"'{citation}' is not a clause of {Path(text.path).name}"
                              + (" or of an amendment's text" if len(text.clauses) > base_count else ""),
                        f"did you mean '{close[0]}'?" if close else "cite a clause anchored in the text ([§ ...])",
                    ))
    if problems:
        raise ContractFileError(problems)
