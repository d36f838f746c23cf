"""The TextMate grammar of rule files (editors/clausewise.tmLanguage.json), made from the token table.

`python -m evaluator.textmate > editors/clausewise.tmLanguage.json` writes it (tests/test_highlighting.py
fails until the file matches). Each rule of token_table.rules() is one `match` pattern, in order, with
a scope per category; VS Code (editors/vscode/), Sublime Text, Zed and GitHub's linguist read it.
"""

from __future__ import annotations

import json
from typing import Any

from . import token_table as tt

SCOPE = "source.clausewise"
SCOPES = {
    tt.WHITESPACE: "",
    tt.COMMENT: "comment.line.number-sign.clausewise",
    tt.STRING: "string.quoted.double.clausewise",
    tt.DATE: "constant.numeric.date.clausewise",
    tt.NUMBER: "constant.numeric.clausewise",
    tt.DECLARATION: "storage.type.clausewise",
    tt.KEYWORD: "keyword.other.clausewise",
    tt.FUNCTION: "support.function.clausewise",
    tt.READING: "entity.name.tag.reading.clausewise",
    tt.NAME: "variable.other.clausewise",
    tt.OPERATOR: "keyword.operator.clausewise",
    tt.ERROR: "invalid.illegal.clausewise",
}


def _pattern(rule: tt.Rule) -> dict[str, Any]:
    pattern: dict[str, Any] = {"match": rule.regex}
    if rule.groups:
        pattern["captures"] = {str(i): {"name": SCOPES[g]} for i, g in enumerate(rule.groups, start=1) if SCOPES[g]}
    elif SCOPES[rule.category]:
        pattern["name"] = SCOPES[rule.category]
    return pattern


def grammar() -> dict[str, Any]:
    """The grammar as JSON data."""
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "clausewise",
        "scopeName": SCOPE,
        "fileTypes": ["rules"],
        "comment": "Generated from grammar/clausewise.lark by `python -m evaluator.textmate`: do not edit.",
        "patterns": [_pattern(r) for r in tt.rules() if r.category != tt.WHITESPACE],
    }


def text() -> str:
    return json.dumps(grammar(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(text(), end="")
