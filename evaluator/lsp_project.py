"""What the language server knows about a rule file, without the protocol (lsp.py speaks it).

A rule file is checked with the files it belongs with: the contract file that lists it (a `.yaml`
beside it, in a folder above it, or in a folder next to one of those, such as `contracts/` next to
`rules/`) names its sibling rule files and the anchored agreement text. Unsaved text of open
documents counts in place of the file on disk. An amendment's rule file is checked by loading its
amendment, as the CLI does, once saved (until then, its syntax only); a file no contract lists is
checked alone, as `clausewise check FILE` does. Positions here are (line, column) counted from 0 in
code points; the server converts them to the client's units.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark.exceptions import LarkError

from . import nodes as n
from . import token_table as tt
from .amendments import apply
from .builtins import TABLE
from .checker import check
from .clauses import AgreementText, load_text
from .contract_file import _check_citations
from .contract_file import load as load_contract
from .datafile import DATA_SUFFIXES, read_text
from .datafile import load as load_data
from .errors import ContractError, ContractFileError, Diagnostic, RuleSyntaxError
from .limits import DEFAULT, Limits
from .parser import lark_parser, parse
from .program import Program

SEARCH_UP = 3  # folders above a rule file searched for the contract that lists it
MAX_CONTRACT_BYTES = 1_000_000
_CITING = re.compile(r'\bcites\s+"([^"\n]*)$')  # the text before the cursor inside a citation


@dataclass(frozen=True)
class Owner:
    """The contract (or amendment) file that lists a rule file."""

    file: Path
    kind: str  # "contract" | "amendment"
    rules: tuple[Path, ...]  # the rule files it lists, resolved
    text: Path | None  # the anchored agreement text it names


def find_owner(path: Path, top: Path | None = None) -> Owner | None:
    """The contract or amendment file listing `path`: looked for beside it, in the folders above it (up to
    `top`, else SEARCH_UP of them), and in the folders directly inside those; the first by name."""
    target = path.resolve()
    folders: list[Path] = []
    here = target.parent
    for _ in range(SEARCH_UP + 1):
        folders.append(here)
        if (top is not None and here == top.resolve()) or here.parent == here:
            break
        here = here.parent
    seen: set[Path] = set()
    for folder in folders:
        try:
            candidates = sorted(folder.glob("*")) + sorted(folder.glob("*/*"))
        except OSError:
            continue
        for candidate in candidates:
            if candidate.suffix.lower() not in DATA_SUFFIXES or candidate in seen:
                continue
            seen.add(candidate)
            owner = _listing(candidate, target)
            if owner is not None:
                return owner
    return None


def _listing(candidate: Path, target: Path) -> Owner | None:
    try:
        if not candidate.is_file() or candidate.stat().st_size > MAX_CONTRACT_BYTES:
            return None
        if "rules" not in candidate.read_text(encoding="utf-8", errors="replace"):
            return None
        data = load_data(candidate, ContractFileError).value
    except (OSError, ContractError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return None
    rules = tuple((candidate.parent / r).resolve() for r in data["rules"] if isinstance(r, str))
    if target not in rules:
        return None
    text = data.get("text")
    return Owner(candidate, "amendment" if "amendment" in data else "contract", rules,
                 (candidate.parent / text).resolve() if isinstance(text, str) else None)


@dataclass
class Analysis:
    """A rule file with the files it is checked with: each parsed (where it parses), the checked program
    (where it checks), the agreement text, and every problem found, in any of the files."""

    path: Path
    owner: Owner | None
    texts: dict[Path, str]
    files: dict[Path, n.RuleFile] = field(default_factory=dict)
    program: Program | None = None
    agreement: AgreementText | None = None
    problems: list[Diagnostic] = field(default_factory=list)

    def problems_in(self, path: Path) -> list[Diagnostic]:
        target = path.resolve()
        return [d for d in self.problems if d.file and Path(d.file).resolve() == target]


_FIND = Owner(Path(), "", (), None)  # `analyse` without an owner given: look for it


def analyse(path: Path, open_texts: Mapping[Path, str], top: Path | None = None,
            owner: Owner | None = _FIND, limits: Limits = DEFAULT) -> Analysis:
    """Parse and check the rule file at `path` as the CLI would, with the text of open documents; `owner`: the
    contract listing it, if known already (None: none does)."""
    path = path.resolve()
    if owner is _FIND:
        owner = find_owner(path, top)
    paths = list(owner.rules) if owner is not None and owner.kind == "contract" else [path]
    if path not in paths:
        paths = [path]  # an amendment's rule file: checked as the file it is, without the agreement
    result = Analysis(path, owner, {})
    for p in paths:
        try:
            result.texts[p] = open_texts[p] if p in open_texts else read_text(p, RuleSyntaxError)
        except ContractError as exc:
            result.problems += exc.diagnostics
            continue
        try:
            result.files[p] = _parse(result.texts[p], p)
        except ContractError as exc:
            result.problems += exc.diagnostics
    if owner is not None and owner.text is not None:
        try:
            result.agreement = load_text(owner.text)
        except ContractError:
            result.agreement = None
    if result.problems:
        return result  # a file that does not parse: its syntax errors first, as the CLI reports them
    if owner is not None and owner.kind == "amendment":
        _amendment(result, owner, limits)
        return result
    try:
        files, _ = apply([result.files[p] for p in paths], [])
        result.program = check(files, limits)
        if result.agreement is not None:
            _check_citations(result.program, result.agreement, len(result.agreement.clauses))
    except ContractError as exc:
        result.problems += exc.diagnostics
    return result


def _amendment(result: Analysis, owner: Owner, limits: Limits) -> None:
    """An amendment's rule file, as saved: checked by loading the amendment, as the CLI does (an amendment
    reads its files from disk; while its text is changed and not saved, only its syntax is checked)."""
    try:
        if result.texts[result.path] != read_text(result.path, RuleSyntaxError):
            return
        contract = load_contract(owner.file, limits=limits)
    except ContractError as exc:
        result.problems += exc.diagnostics
        return
    result.program = contract.program
    if isinstance(contract.text, AgreementText):
        result.agreement = contract.text


def _parse(text: str, path: Path) -> n.RuleFile:
    """As `parser.parse_file`, from text in hand."""
    if not text.strip():
        raise RuleSyntaxError(Diagnostic("the file is empty", str(path)))
    parsed = parse(text, str(path))
    if not parsed.declarations and not parsed.outputs and not parsed.amending:
        raise RuleSyntaxError(Diagnostic("the file holds no declarations, only comments", str(path),
                                         hint="a rule file declares currencies, periods, parameters, rules..."))
    return parsed


# ---- places: (line, column) from 0, in code points ------------------------------------------------------

Place = tuple[int, int]
Range = tuple[Place, Place]


def span_range(span: n.Span) -> Range:
    return (span.line - 1, span.column - 1), (span.end_line - 1, span.end_column - 1)


def diagnostic_range(d: Diagnostic, text: str) -> Range:
    """Where a problem is: its span; a place without an end, to the end of its word; no place, the start."""
    if not d.line:
        return (0, 0), (0, 0)
    start = (d.line - 1, max(d.column - 1, 0))
    if d.end_line:
        return start, (d.end_line - 1, max(d.end_column - 1, 0))
    lines = text.split("\n")
    line = lines[start[0]] if start[0] < len(lines) else ""
    word = re.match(r"\S*", line[start[1]:])
    return start, (start[0], start[1] + max(len(word.group()) if word else 0, 1))


@dataclass(frozen=True)
class Token:
    start: int  # offsets in the text
    end: int
    type: str  # the parser's token type (NAME, STRING, RULE...)
    value: str


def tokens(text: str) -> list[Token]:
    """The tokens of a rule file as the parser lexes them; where it stops parsing, by the grammar's lexer."""
    out: list[Token] = []
    try:
        for t in lark_parser().parse_interactive(text).iter_parse():
            out.append(Token(t.start_pos or 0, t.end_pos or 0, t.type, str(t)))
        return out
    except LarkError:
        pass
    out = []
    rules = [(re.compile(r.regex), r) for r in tt.rules()]
    at = 0
    while at < len(text):
        for rx, rule in rules:
            m = rx.match(text, at)
            if m is None:
                continue
            if rule.groups:  # `interpretation press-release`
                out.append(Token(m.start(3), m.end(3), "HYPHENATED", m.group(3)))
            elif rule.category in (tt.NAME, tt.FUNCTION, tt.KEYWORD, tt.DECLARATION):
                out.append(Token(m.start(), m.end(), "NAME", m.group()))
            elif rule.category == tt.STRING:
                out.append(Token(m.start(), m.end(), "STRING", m.group()))
            at = max(m.end(), at + 1)
            break
        else:
            at += 1
    return out


def offset(text: str, place: Place) -> int:
    lines = text.split("\n")
    line = min(place[0], len(lines) - 1)
    return sum(len(x) + 1 for x in lines[:line]) + min(place[1], len(lines[line]))


def place(text: str, at: int) -> Place:
    before = text[:at]
    return before.count("\n"), at - (before.rfind("\n") + 1)


def token_at(text: str, at: Place) -> Token | None:
    """The word or citation under the cursor (at its end counts, as editors place it after a word)."""
    i = offset(text, at)
    for t in tokens(text):
        named = t.type in ("NAME", "ENTRY_KEY", "HYPHENATED", "STRING") or t.value.isidentifier()
        if named and t.start <= i <= t.end:
            return t
    return None


# ---- definitions, references, symbols ---------------------------------------------------------------------

@dataclass(frozen=True)
class Definition:
    name: str
    kind: str  # currency, unit, periods, parameter, rule, period (a member), interpretation...
    file: Path
    span: n.Span  # the whole declaration
    name_span: n.Span
    decl: Any  # the declaration (or period member)
    children: tuple[Definition, ...] = ()


def definitions(rule_file: n.RuleFile, path: Path) -> list[Definition]:
    """What a file defines, in order: each declaration, a period set with its members."""
    out: list[Definition] = []
    decls: list[Any] = [*rule_file.declarations, *rule_file.amending]
    decls.sort(key=lambda d: d.span.start)
    for d in decls:
        inner = d.decl if isinstance(d, n.Replacement) else d
        members = tuple(Definition(m.name, "period", path, m.span, _name_span(m.span, m.name), m)
                        for m in getattr(inner, "members", ()))
        kind = "dimension" if getattr(inner, "dimension", False) else str(getattr(inner, "kind", "replacement"))
        out.append(Definition(inner.name, kind, path, d.span, inner.name_span, inner, members))
    return out


def _name_span(span: n.Span, name: str) -> n.Span:
    """A period member's name: the first word of its span."""
    return n.Span(span.file, span.line, span.column, span.line, span.column + len(name), span.start,
                  span.start + len(name))


def all_definitions(analysis: Analysis) -> Iterator[Definition]:
    for path, rule_file in analysis.files.items():
        for d in definitions(rule_file, path):
            yield d
            yield from d.children


def defined(analysis: Analysis, name: str) -> list[Definition]:
    return [d for d in all_definitions(analysis) if d.name == name and d.kind != "replacement"] or \
        [d for d in all_definitions(analysis) if d.name == name]


def references(analysis: Analysis, name: str) -> list[tuple[Path, int, int]]:
    """Every place a name is written, its definitions included: (file, start, end) offsets."""
    out = []
    for path, text in analysis.texts.items():
        for t in tokens(text):
            if t.value == name and t.type in ("NAME", "ENTRY_KEY", "HYPHENATED"):
                out.append((path, t.start, t.end))
    return out


# ---- hover and completion ---------------------------------------------------------------------------------

def hover(analysis: Analysis, at: Place) -> str | None:
    """Markdown: what the word under the cursor means, its unit and its clause in the agreement's words."""
    text = analysis.texts.get(analysis.path, "")
    t = token_at(text, at)
    if t is None:
        return None
    if t.type == "STRING":
        return _clause(analysis, t.value.strip('"'))
    found = defined(analysis, t.value)
    if found:
        d = found[0]
        lines = [f"**{d.kind} {d.name}**" + _unit(analysis, d.name)]
        about: n.About | None = getattr(d.decl, "about", None)
        if about is not None and about.meaning:
            lines.append(about.meaning)
        if about is not None and about.citation:
            lines.append(_clause(analysis, about.citation) or f"cites {about.citation}")
        return "\n\n".join(lines)
    for (kind, name), b in TABLE.items():
        if name == t.value and kind in ("function", "fold"):
            return f"**{b.signature}**\n\n{b.doc}"
    return None


def _unit(analysis: Analysis, name: str) -> str:
    symbol = analysis.program.symbols.get(name) if analysis.program is not None else None
    return f": {symbol.type}" if symbol is not None and symbol.type.kind != "error" else ""


def _clause(analysis: Analysis, citation: str) -> str | None:
    words = analysis.agreement.words(citation) if analysis.agreement is not None else None
    if words is None:
        return None
    return f"**{citation}**: {words}"


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # name | unit | function | keyword | clause
    detail: str = ""
    documentation: str = ""


def citing(text: str, at: Place) -> str | None:
    """Inside a citation (`cites "SPA 5.`): what is typed of it so far; else None."""
    line = text.split("\n")[at[0]] if at[0] < len(text.split("\n")) else ""
    m = _CITING.search(line[:at[1]])
    return m.group(1) if m else None


def completions(analysis: Analysis, at: Place) -> list[Completion]:
    text = analysis.texts.get(analysis.path, "")
    if citing(text, at) is not None:
        clauses = analysis.agreement.clauses.values() if analysis.agreement is not None else ()
        return [Completion(c.name, "clause", "clause of the agreement", c.text[:500]) for c in clauses]
    out: dict[str, Completion] = {}
    for d in all_definitions(analysis):
        if d.kind in ("currency", "unit"):
            out.setdefault(d.name, Completion(d.name, "unit", d.kind))
            plural = getattr(d.decl, "plural", "")
            if plural:
                out.setdefault(plural, Completion(plural, "unit", f"plural of {d.name}"))
        elif d.kind != "replacement":
            about = getattr(d.decl, "about", None)
            out.setdefault(d.name, Completion(d.name, "name", d.kind + _unit(analysis, d.name),
                                              (about.meaning or "") if about is not None else ""))
    for word in unit_words():
        out.setdefault(word, Completion(word, "unit", "unit"))
    for (kind, name), b in sorted(TABLE.items()):
        if kind in ("function", "fold"):
            out.setdefault(name, Completion(name, "function", b.signature, b.doc))
    for word in tt.table().keywords:
        out.setdefault(word, Completion(word, "keyword", "keyword"))
    return list(out.values())


def unit_words() -> list[str]:
    """The words the grammar takes as a unit (shares, days, ratio...): what it accepts after `input x: ledger of`."""
    from lark import Token as LarkToken

    ip = lark_parser().parse_interactive("")
    for ttype, value in (("INPUT", "input"), ("NAME", "x"), ("COLON", ":"), ("LEDGER", "ledger"), ("OF", "of")):
        ip.feed_token(LarkToken(ttype, value))
    words = []
    for ttype in sorted(ip.accepts()):  # type: ignore[no-untyped-call]
        try:
            pattern = lark_parser().get_terminal(ttype).pattern
        except KeyError:
            continue
        if type(pattern).__name__ == "PatternStr" and pattern.value.isidentifier():
            words.append(pattern.value)
    return words
