"""Amendments: files that replace or add definitions, from an effective date, by consent.

An amendment file (YAML, checked against schemas/amendment.schema.json) names
the contract it amends, its effective date, the parties consenting in writing,
its rule files and optionally its anchored text. Its rule files may `replace`
a definition, or one period's value of a parameter, and may add new ones.

`apply` lays amendments over the agreement's rule files, in order; the checker
then sees one ordinary set of rules. A replacement of a name that does not
exist, or one that changes a unit, is refused at its place.

When an amendment applies. Where an agreement makes an amendment need the
written consent of all parties (those the contract's `amendment_consent` names),
without the last of them there is no amendment. So an amendment applies as of a
date D only if it is effective by D and every required consent was signed by D:
it is in force from the later of its effective date and the day the last
required consent was signed (`Amendment.in_force`). An amendment signed after
its stated effective date thus applies from the last signature on, and then
with the effect it states (its rules replace the agreement's for every period).
Every date in an amendment file is a real calendar date; an amendment cannot
take effect, nor a consent be signed, before the agreement itself.

Citations. A replacement quotes the clause of the amendment that makes it,
never the clause it replaces: when the amendment has a text, a clause of that
text; when it has none, not a clause the agreement's own rules cite (and an
amendment of a contract that has a text needs a text of its own). A replacement
that cites nothing is refused: it would keep the old clause beside the new figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from . import nodes as n
from .checker import Program, signatures
from .clauses import AgreementText, load_text
from .datafile import DATA_SUFFIXES, RULE_SUFFIXES, TEXT_SUFFIXES, Data, validate_schema
from .datafile import load as load_data
from .errors import ContractFileError, Diagnostic, close_matches
from .parser import parse_files
from .records import record, replace

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any


@record
class Amendment:
    name: str
    title: str
    path: str
    effective: date
    consents: tuple[str, ...]  # ids of the parties that consented in writing
    files: tuple[n.RuleFile, ...]
    text: AgreementText | None
    signed: date | None = None  # the day the last consent the contract requires was signed

    @property
    def in_force(self) -> date:
        """The day it applies from: its effective date, or the day the last required consent was signed if later."""
        return max(self.effective, self.signed) if self.signed else self.effective

    def to_dict(self) -> dict[str, Any]:
        return {"amendment": self.name, "title": self.title, "effective": self.effective.isoformat(),
                "in_force": self.in_force.isoformat()}


def read(path: Path, parties: dict[str, str], consent_of: Sequence[str], cites: str | None,
         contract: Path, root: Path | None = None, agreement_date: date | None = None) -> Amendment:
    """Load an amendment of `contract`; refuse it unless every party in `consent_of` consented in writing.

    `root`: the folder every file it names must lie in (see `contract_file.load`); `agreement_date`:
    the date of the agreement, before which nothing in an amendment can happen."""
    data = load_data(path, ContractFileError, root)
    validate_schema(data, "amendment.schema.json", ContractFileError)
    value = data.value
    problems: list[Diagnostic] = []
    if "amends" in value and data.file_at(("amends",), "contract file", DATA_SUFFIXES).resolve() != contract.resolve():
        problems.append(data.where(("amends",), f"this amendment amends {value['amends']}, not {contract}",
                                   "list an amendment only in the contract it amends"))
    consents: list[str] = []
    last_signed: date | None = None
    for i, consent in enumerate(value["consents"]):
        party = consent["party"]
        if party not in parties:
            problems.append(data.where(("consents", i, "party"), f"'{party}' is not a party",
                                       f"the parties are {', '.join(parties)}"))
        elif party in consents:
            problems.append(data.where(("consents", i, "party"), f"the consent of Party {party} is listed twice",
                                       "list each party's written consent once"))
        signed = _date(data, ("consents", i, "signed"), problems)
        if signed is not None and agreement_date is not None and signed < agreement_date:
            problems.append(data.where(("consents", i, "signed"), f"Party {party}'s consent is dated {signed}, "
                                       f"before the agreement itself ({agreement_date})",
                                       "date each consent on the day it was signed"))
        if signed is not None and party in consent_of and party not in consents:
            last_signed = signed if last_signed is None else max(last_signed, signed)
        consents.append(party)
    missing = [p for p in consent_of if p not in consents]
    for party in missing:
        rule = f"{cites} requires" if cites else "amendments require"
        problems.append(data.where(
            ("consents",), f"amendment {value['amendment']} lacks the written consent of Party {party} "
                           f"({parties.get(party, '?')})",
            f"{rule} the written consent of {', '.join('Party ' + p for p in consent_of)}", key=True,
        ))
    effective = _date(data, ("effective",), problems)
    if effective is not None and agreement_date is not None and effective < agreement_date:
        problems.append(data.where(("effective",), f"amendment {value['amendment']} takes effect on {effective}, "
                                   f"before the agreement itself ({agreement_date})",
                                   "an amendment takes effect on or after the date of the agreement it amends"))
    if problems:
        raise ContractFileError(problems)
    files = parse_files([data.file_at(("rules", i), "rule file", RULE_SUFFIXES) for i in range(len(value["rules"]))])
    text = load_text(data.file_at(("text",), "amendment text", TEXT_SUFFIXES)) if "text" in value else None
    problems += _own_citations(value["amendment"], files, text)
    if problems:
        raise ContractFileError(problems)
    assert effective is not None
    return Amendment(value["amendment"], value["title"], str(path), effective, tuple(consents), tuple(files), text,
                     signed=last_signed)


def _replaced_about(r: n.Amending) -> tuple[n.About, n.Span]:
    """What a replacement says of itself (its citation), and where its name is."""
    return (r.decl.about, r.decl.name_span) if isinstance(r, n.Replacement) else (r.about, r.name_span)


def _cited_by(r: n.Amending) -> list[tuple[str, n.Span]]:
    """Every clause a replacement cites, with where: its own, and its readings' (`under X cites ...`)."""
    about, _ = _replaced_about(r)
    cited = [(about.citation, about.citation_span)] if about.citation else []
    alternatives = getattr(r.decl, "alternatives", ()) if isinstance(r, n.Replacement) else ()
    return cited + [(a.citation, a.citation_span) for a in alternatives if a.citation]


def _own_citations(name: str, files: Sequence[n.RuleFile], text: AgreementText | None) -> list[Diagnostic]:
    """Every replacement cites a clause; with the amendment's text, a clause of that text (its readings too)."""
    out = []
    for f in files:
        for r in f.amending:
            about, where = _replaced_about(r)
            if about.citation is None:
                out.append(Diagnostic.at(where, f"this replacement of '{r.name}' cites no clause",
                                         f"cite the clause of amendment {name} that makes it, after the name "
                                         '(e.g. cites "Amendment 1, 1"): else the old clause would stay beside '
                                         "the new figure"))
            for citation, span in _cited_by(r):
                if text is None or citation in text.clauses:
                    continue
                close = close_matches(citation, list(text.clauses), n=1)
                out.append(Diagnostic.at(
                    span, f"'{citation}' is not a clause of {Path(text.path).name}, the text of amendment {name}",
                    f"did you mean '{close[0]}'?" if close else "a replacement cites the clause of the amendment "
                                                                "that makes it, not the clause it replaces"))
    return out


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
    cited = {c for f in base for d in f.declarations for c in _citations(d)}  # clauses of the agreement
    files = [replace(f) for f in base]
    decls = [list(f.declarations) for f in files]
    where: dict[str, tuple[int, int]] = {d.name: (i, j) for i, ds in enumerate(decls) for j, d in enumerate(ds)}
    replaced: dict[str, n.Span] = {}
    for amendment in amendments:
        for f in amendment.files:
            for r in f.amending:
                for citation, span in _cited_by(r) if amendment.text is None else []:
                    if citation in cited:
                        problems.append(Diagnostic.at(
                            span, f"'{citation}' is a clause of the agreement: a replacement cites the clause of "
                                  f"amendment {amendment.name} that makes it",
                            "cite the amendment's own clause, and give the amendment its text (text: FILE) to "
                            "check it"))
                place = where.get(r.name)
                if place is None:
                    close = close_matches(r.name, list(where), n=1)
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
            files.append(replace(f, amending=()))
            decls.append(list(f.declarations))
            where.update({d.name: (len(decls) - 1, j) for j, d in enumerate(f.declarations) if d.name not in where})
    if problems:
        raise ContractFileError(problems)
    return [replace(f, declarations=tuple(ds)) for f, ds in zip(files, decls, strict=True)], replaced


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
        close = close_matches(r.period, [e.period for e in old.entries], n=1)
        problems.append(Diagnostic.at(r.period_span, f"'{r.name}' has no value for {r.period}",
                                      f"did you mean '{close[0]}'?" if close else None))
        return None
    assert r.value is not None
    entries = tuple(
        n.TableEntry(e.period, r.value, r.span, r.about.citation, r.about.citation_span, r.stated)
        if e.period == r.period else e
        for e in old.entries
    )
    return replace(old, entries=entries)


def _citations(d: n.Declaration) -> list[str]:
    """The clauses a declaration cites: its own, its readings', its entries'."""
    cited = [d.about.citation] + [a.citation for a in getattr(d, "alternatives", ())]
    return [c for c in cited + [e.citation for e in getattr(d, "entries", ())] if c]


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
