"""The rule language's tokens for highlighters, read from the Lark grammar (one table for every editor).

`table()` reads the parser's terminals (grammar/clausewise.lark, through the shipped tables): the words
the grammar quotes (`"rule"`, `"cites"`, `"for"`...) are keywords, and those NAME may never be (the
words that start a declaration) are declaration keywords; the quoted signs and the named operator
terminals (CMP_OP, ADD_OP, MUL_OP) are operators; NAME, NUMBER, DATE, STRING, HYPHENATED and COMMENT
keep the grammar's own regular expressions. A construct added to the grammar is in the table without
an edit here.

`rules()` turns the table into one ordered list of regular-expression rules, each with a category;
the Pygments lexer (pygments_lexer.py) and the TextMate grammar (textmate.py, written to
editors/clausewise.tmLanguage.json) are both made from it. A regex lexer cannot see what the parser
sees: a word the grammar quotes is coloured as a keyword even where the parser takes it as a name
(`year` in `periods year`), and a built-in's name before `(` as a function. The expressions use only
what Python's `re` and Oniguruma (TextMate) read alike: classes, groups, alternation, `\\b`, `\\s` and
look-ahead; no rule matches across a line break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .builtins import TABLE
from .parser import lark_parser

# Categories of the rules, in the order a theme would care about them.
COMMENT = "comment"
STRING = "string"
DATE = "date"
NUMBER = "number"
DECLARATION = "declaration"  # a word that starts a declaration: rule, parameter, cites...
KEYWORD = "keyword"  # any other word the grammar quotes: for, each, if, round, million...
FUNCTION = "function"  # a name before '(': a built-in or a fold
READING = "reading"  # a reading's name with hyphens (press-release), after `interpretation` or `under`
NAME = "name"
OPERATOR = "operator"  # + - * / comparisons % and the other signs
WHITESPACE = "whitespace"
ERROR = "error"  # a character no token starts with

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_START = re.compile(r"^\(\?!\(\?:([^)]*)\)\\b\)")  # NAME's look-ahead: the words it may not be


def _plain_signs(regex: str) -> list[str]:
    """`(?:>=|<=|\\+)` -> [">=", "<=", "+"]; [] for a regex that is not a choice of signs written out."""
    body = regex.removeprefix("(?:").removesuffix(")") if regex.startswith("(?:") else regex
    alternatives = [re.sub(r"\\(.)", r"\1", alt) for alt in body.split("|")]
    if all(a and re.fullmatch(r"[^\w\s\\()\[\]{}.*+?^$|]+|[-+*/.]", a) for a in alternatives):
        return alternatives
    return []


def _non_capturing(regex: str) -> str:
    """The grammar's regex with its groups made non-capturing (the rules number their own) and its line
    breaks written `\\n`, as JSON and every regex dialect read them."""
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", regex).replace("\n", r"\n")


@dataclass(frozen=True)
class TokenTable:
    keywords: tuple[str, ...]  # every word the grammar quotes, declaration words included
    declaration_words: tuple[str, ...]  # the words NAME may not be: each starts a declaration
    operators: tuple[str, ...]  # signs, longest first
    functions: tuple[str, ...]  # the construct table's functions and folds (builtins.py)
    name: str  # NAME's regex (its look-ahead keeps out the declaration words)
    number: str
    date: str
    string: str
    hyphenated: str
    comment: str


@lru_cache(maxsize=1)
def table() -> TokenTable:
    """The token table of the grammar the package ships."""
    terminals = {t.name: t.pattern for t in lark_parser().terminals}
    words: list[str] = []
    signs: list[str] = []
    for pattern in terminals.values():
        if type(pattern).__name__ == "PatternStr":
            (words if _WORD.fullmatch(pattern.value) else signs).append(pattern.value)
        else:  # a named terminal that is a choice of plain signs (CMP_OP: >= | <= | ...) is operators too
            signs += _plain_signs(pattern.value)
    name = _non_capturing(terminals["NAME"].value)
    start = _NAME_START.match(name)
    if start is None:
        raise RuntimeError("the grammar's NAME no longer starts with the words it may not be")
    return TokenTable(
        keywords=tuple(sorted(set(words))),
        declaration_words=tuple(start.group(1).split("|")),
        operators=tuple(sorted(set(signs), key=lambda s: (-len(s), s))),
        functions=tuple(sorted({name for (kind, name) in TABLE if kind in ("function", "fold")})),
        name=name,
        number=_non_capturing(terminals["NUMBER"].value),
        date=_non_capturing(terminals["DATE"].value),
        string=_non_capturing(terminals["STRING"].value),
        hyphenated=_non_capturing(terminals["HYPHENATED"].value),
        comment=_non_capturing(terminals["COMMENT"].value),
    )


@dataclass(frozen=True)
class Rule:
    """A regular expression and the category of what it matches; with `groups`, the category of each group
    (1, 2, ...) instead, and the groups cover the whole match."""

    regex: str
    category: str
    groups: tuple[str, ...] = ()


def _words(words: tuple[str, ...] | list[str]) -> str:
    return r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + r")\b"


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The ordered rules: at each place the first rule that matches there wins."""
    t = table()
    declaring = _words(t.declaration_words)
    others = [w for w in t.keywords if w not in t.declaration_words]
    functions = _words(t.functions)
    return (
        Rule(r"\s+", WHITESPACE),
        Rule(t.comment, COMMENT),
        Rule(t.string, STRING),
        Rule(t.date, DATE),
        Rule(t.number, NUMBER),
        Rule(r"\b(interpretation|under)(\s+)(" + t.hyphenated + r")\b", "", (DECLARATION, WHITESPACE, READING)),
        Rule(declaring, DECLARATION),
        Rule(functions + r"(?=\s*\()", FUNCTION),
        Rule(_words(others), KEYWORD),
        Rule(t.name, NAME),
        Rule("|".join(re.escape(s) for s in t.operators), OPERATOR),
        Rule(r"\S", ERROR),
    )
