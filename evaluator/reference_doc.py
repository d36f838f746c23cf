"""docs/functions.md, the reference of built-in functions, folds and operators, made from the construct
table (builtins.py): `python -m evaluator.reference_doc > docs/functions.md`. tests/test_builtins.py checks
that the file is what this prints."""

from __future__ import annotations

from .builtins import reference

HEADER = """# Built-in functions, folds and operators

Generated from the construct table, evaluator/builtins.py, by `python -m evaluator.reference_doc >
docs/functions.md` (tests/test_builtins.py checks that this file is what the table gives). Each built-in
has one entry there: its name, its arguments, its type rule, its implementations in the scalar and the
batch engines, and the line shown here. The rest of the language (`if`, `round`, `is known`, `on`, `as_of`,
periods and dates) is in the README and the guide for legal editors, docs/editing-rules.md.

"""


def document() -> str:
    return HEADER + reference()


if __name__ == "__main__":
    print(document(), end="")
