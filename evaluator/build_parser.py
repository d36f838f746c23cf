"""Rebuild the shipped parser tables from the grammar: `python -m evaluator.build_parser [--check]`.

Run it after every edit of grammar/clausewise.lark (a test fails until it is
run). With --check it only says whether the tables were built from the grammar
as it is (exit 0) or not (exit 1).
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from .parser_tables import GRAMMAR, GRAMMAR_PACKAGE, TABLES, fits, shipped, tables


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(str(resources.files(GRAMMAR_PACKAGE)))
    grammar_file, target = folder / GRAMMAR, folder / TABLES
    grammar = grammar_file.read_text(encoding="utf-8")
    if "--check" in argv:
        if not fits(shipped(), grammar):
            print(f"{target} was not built from {grammar_file}: run 'python -m evaluator.build_parser'",
                  file=sys.stderr)
            return 1
        print(f"{target}: built from {grammar_file}")
        return 0
    target.write_text(tables(grammar), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
