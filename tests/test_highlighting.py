"""The Pygments lexer and the TextMate grammar, both made from the token table read from the Lark grammar.

Every bundled rule file is tokenised by both and by the parser's own lexer: neither highlighter may
give an error token, and both must cut the text into the same tokens as the parser, of the same kind
(a word the grammar quotes may be coloured as a keyword where the parser takes it as a name: `year` in
`periods year`; a regex lexer cannot tell). The TextMate grammar is checked by a small matcher of its
regexes in Python's `re` (Oniguruma is not available here): what it does not check is Oniguruma's own
reading of the same expressions (they use only classes, groups, alternation, \\b, \\s and look-ahead,
which both read alike) and how an editor's theme colours the scopes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evaluator import textmate
from evaluator import token_table as tt
from evaluator.parser import lark_parser

pygments = pytest.importorskip("pygments")
from pygments.token import Keyword, Name, Whitespace  # noqa: E402

from evaluator.pygments_lexer import TOKEN_TYPES, ClausewiseLexer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "rules" / "bad"  # made to fail: checked below for their error tokens


def bundled() -> list[Path]:
    found = {*ROOT.glob("rules/**/*.rules"), *ROOT.glob("tests/data/**/*.rules"),
             *ROOT.glob("contracts/examples/*.rules")}
    return sorted(p for p in found if BAD not in p.parents)


def _name(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def lark_tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each token, as the parser lexes the file (it must parse)."""
    out = []
    for tok in lark_parser().parse_interactive(text).iter_parse():
        out.append((tok.start_pos, tok.end_pos, _lark_kind(tok.type)))
    return out


def _lark_kind(token_type: str) -> str:
    kinds = {"NAME": "name", "ENTRY_KEY": "name", "HYPHENATED": "reading", "NUMBER": "number", "DATE": "date",
             "STRING": "string"}
    if token_type in kinds:
        return kinds[token_type]
    pattern = lark_parser().get_terminal(token_type).pattern
    if type(pattern).__name__ == "PatternStr" and re.fullmatch(r"[A-Za-z_]+", pattern.value):
        return "keyword"
    return "operator"


_KIND = {tt.NAME: "name", tt.FUNCTION: "name", tt.KEYWORD: "keyword", tt.DECLARATION: "keyword",
         tt.READING: "reading", tt.NUMBER: "number", tt.DATE: "date", tt.STRING: "string", tt.OPERATOR: "operator",
         tt.ERROR: "error"}


def _agree(text: str, ours: list[tuple[int, int, str]], theirs: list[tuple[int, int, str]]) -> None:
    """Our tokens are the parser's, each of the same kind (but for the words the grammar quotes)."""
    keywords = set(tt.table().keywords)
    assert [(a, b) for a, b, _ in ours] == [(a, b) for a, b, _ in theirs]
    for (a, b, kind), (_, _, lark) in zip(ours, theirs, strict=True):
        ok = kind == lark or (lark == "name" and kind == "keyword" and text[a:b] in keywords)
        assert ok, f"{text[a:b]!r} at {a}: {kind}, the parser's {lark}"


def pygments_tokens(text: str) -> list[tuple[int, int, str]]:
    types = {v: k for k, v in TOKEN_TYPES.items()}
    out = []
    for start, ttype, value in ClausewiseLexer().get_tokens_unprocessed(text):
        category = types[ttype]
        if category not in (tt.WHITESPACE, tt.COMMENT):
            out.append((start, start + len(value), _KIND[category]))
    return out


# ---- a small TextMate matcher: `match` patterns only, as the generated grammar has ------------------------

def textmate_tokens(grammar: dict[str, Any], text: str) -> list[tuple[int, int, str]]:
    """(start, end, scope) per line, the way TextMate applies `match` patterns: at each place, the pattern
    whose match starts first (the earliest listed on a tie); text no pattern covers gets scope ''."""
    scope_kinds = {v: k for k, v in textmate.SCOPES.items() if v}
    patterns = []
    for p in grammar["patterns"]:
        assert set(p) <= {"match", "name", "captures"}, p  # no begin/end: no token spans lines
        captures = {int(k): v["name"] for k, v in p.get("captures", {}).items()}
        patterns.append((re.compile(p["match"]), p.get("name", ""), captures))
    out: list[tuple[int, int, str]] = []
    offset = 0
    for line in text.split("\n"):
        at = 0
        while at < len(line):
            found = [(m.start(), i, m) for i, (rx, _, _) in enumerate(patterns) if (m := rx.search(line, at))]
            if not found:
                out.append((offset + at, offset + len(line), ""))
                break
            start, i, m = min(found, key=lambda f: (f[0], f[1]))
            if start > at:
                out.append((offset + at, offset + start, ""))
            _, name, captures = patterns[i]
            if captures:
                for group, scope in sorted(captures.items()):
                    out.append((offset + m.start(group), offset + m.end(group), scope))
            else:
                out.append((offset + m.start(), offset + m.end(), name))
            at = max(m.end(), at + 1)
        offset += len(line) + 1
    kinds = []
    for a, b, scope in out:
        if scope == "":
            assert not text[a:b].strip(), f"no pattern covers {text[a:b]!r} at {a}"
            continue
        category = scope_kinds[scope]
        if category != tt.COMMENT:
            kinds.append((a, b, _KIND[category]))
    return kinds


def shipped_grammar() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "editors" / "clausewise.tmLanguage.json").read_text(encoding="utf-8"))
    return data


def test_the_bundled_files_are_found() -> None:
    names = [_name(p) for p in bundled()]
    assert "rules/kaixin/spa.rules" in names and "contracts/examples/kaixin-amendment-1.rules" in names
    assert len(names) >= 25


@pytest.mark.parametrize("path", bundled(), ids=_name)
def test_pygments_cuts_every_bundled_file_as_the_parser_does(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    ours = pygments_tokens(text)
    assert [t for t in ours if t[2] == "error"] == []
    _agree(text, ours, lark_tokens(text))


@pytest.mark.parametrize("path", bundled(), ids=_name)
def test_textmate_cuts_every_bundled_file_as_the_parser_does(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    ours = textmate_tokens(shipped_grammar(), text)
    assert [t for t in ours if t[2] == "error"] == []
    _agree(text, ours, lark_tokens(text))


def test_a_character_no_token_starts_with_is_an_error_token_in_both() -> None:
    text = (BAD / "syntax_many.rules").read_text(encoding="utf-8")
    at = text.index("@")
    assert [(a, b) for a, b, k in pygments_tokens(text) if k == "error"] == [(at, at + 1)]
    assert [(a, b) for a, b, k in textmate_tokens(shipped_grammar(), text) if k == "error"] == [(at, at + 1)]


def test_the_shipped_textmate_grammar_is_the_generated_one() -> None:
    assert (ROOT / "editors" / "clausewise.tmLanguage.json").read_text(encoding="utf-8") == textmate.text(), (
        "run: python -m evaluator.textmate > editors/clausewise.tmLanguage.json")
    assert shipped_grammar()["scopeName"] == "source.clausewise"


def test_the_table_is_read_from_the_grammar() -> None:
    t = tt.table()
    lark_words = {term.pattern.value for term in lark_parser().terminals
                  if type(term.pattern).__name__ == "PatternStr" and term.pattern.value.isidentifier()}
    assert set(t.keywords) == lark_words
    assert {"rule", "cites", "for", "each", "round", "million", "otherwise"} <= set(t.keywords)
    assert {"rule", "parameter", "cites", "means", "outputs"} <= set(t.declaration_words)
    assert {">=", "!=", "+", "*", "/", "%", "(", "["} <= set(t.operators)
    assert {"min", "max", "sum", "clamp", "previous"} <= set(t.functions)


def test_words_and_names_as_the_lexers_colour_them() -> None:
    text = 'rule r cites "SPA 1" = min(first(year), USD 1,500.25) under press-release = 2025-12-01 # note\n'
    got = [(text[a:b], k) for a, b, k in pygments_tokens(text)]
    assert got == [("rule", "keyword"), ("r", "name"), ("cites", "keyword"), ('"SPA 1"', "string"),
                   ("=", "operator"), ("min", "name"), ("(", "operator"), ("first", "name"), ("(", "operator"),
                   ("year", "keyword"), (")", "operator"), (",", "operator"), ("USD", "name"),
                   ("1,500.25", "number"), (")", "operator"), ("under", "keyword"), ("press-release", "reading"),
                   ("=", "operator"), ("2025-12-01", "date")]
    assert textmate_tokens(shipped_grammar(), text) == pygments_tokens(text)
    kinds = {value: ttype for _, ttype, value in ClausewiseLexer().get_tokens_unprocessed(text)}
    assert kinds["rule"] in Keyword.Declaration and kinds["min"] in Name.Function and kinds[" "] in Whitespace


def test_pygmentize_finds_the_lexer_by_its_entry_point(tmp_path: Path) -> None:
    from pygments.lexers import find_lexer_class_by_name, get_lexer_for_filename

    assert find_lexer_class_by_name("cw") is ClausewiseLexer
    assert isinstance(get_lexer_for_filename("spa.rules"), ClausewiseLexer)
    source = tmp_path / "x.rules"
    source.write_text('currency USD cites "A 1"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pygments", "-l", "clausewise", "-f", "html", str(source)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '<span class="kd">currency</span>' in done.stdout
