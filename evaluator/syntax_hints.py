"""What a syntax error most likely means, for the mistakes people make most: the parser's messages.

Each function looks at the text around the place the parser stopped and returns a better message and
hint than "unexpected ...", or None when the mistake is not the one it knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .rounding import MODES

# A currency symbol and the codes it may stand for, the likeliest first.
SYMBOLS = {
    "$": ("USD", "HKD", "SGD", "CAD", "AUD", "NZD", "TWD"),
    "€": ("EUR",),
    "£": ("GBP",),
    "¥": ("RMB", "CNY", "JPY"),
}
_CURRENCY_DECL = re.compile(r"^[ \t]*currency[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_AMOUNT = re.compile(r"[ \t]*([0-9][0-9,]*(?:\.[0-9]+)?(?:[ \t]+(?:thousand|million|billion)\b)?)")
_COMPARISON = re.compile(r"<=|>=|!=|<|>|=")
# where an operand of a comparison starts or ends: brackets, commas between arguments (not in 1,000), `=`,
# and the words around conditions
_EDGE = re.compile(r"[()]|,(?![0-9])|(?<![<>!=])=(?!=)"
                   r"|\b(?:and|or|not|if|then|else|where|when|due|arises|done|penalty)\b")


# `RMB 5.` or `1.2.3`: a point the number does not take (a point after a name is an entry's part, e.count)
DECIMAL_POINT = ("unexpected '.' after a number: a number has one decimal point, with digits after it",
                 "write e.g. 5 or 5.00, and 1.2 rather than 1.2.3")


def declared_currencies(text: str) -> list[str]:
    """The currencies a rule text declares (read from the text: it does not parse)."""
    return _CURRENCY_DECL.findall(text)


def currency_symbol(char: str, text: str, pos: int, currencies: Iterable[str]) -> tuple[str, str] | None:
    """`$8,750,000`: the message and a hint naming the currency's code (a declared one if it fits)."""
    codes = SYMBOLS.get(char)
    if codes is None:
        return None
    declared = list(dict.fromkeys(currencies))
    amount = _AMOUNT.match(text, pos + 1)
    written = amount.group(1) if amount else "..."
    fits = next((c for c in codes if c in declared), None)
    if fits is not None:
        return f"unexpected character '{char}': a currency is written by its code", f"write {fits} {written}"
    code = codes[0]
    known = f"; the currencies declared are {', '.join(declared)}" if declared else ""
    return (f"unexpected character '{char}': a currency is written by its code",
            f"write {code} {written}, and declare it: currency {code} cites \"...\"{known}")


def round_mode(token: str, text: str, pos: int) -> tuple[str, str]:
    """`round X to USD 0.01` without a mode: the modes, in the example as written."""
    modes = ", ".join(MODES)
    start = text.rfind("round", 0, pos)
    operand = " ".join(text[start + len("round"):pos].split()) if start >= 0 else ""
    rest = text[pos:].split("\n", 1)[0].split("#", 1)[0]
    to = re.match(r"(?:\w+\s+)*?to\b", rest)  # the mode misspelt (round x sideways to ...), or none
    step = " ".join(rest[to.end():].split()) if to else ""
    message = "'round' needs a mode before 'to'" if token == "to" else f"'{token}' is not a way to round"
    if operand and step and len(operand) + len(step) < 80:
        example = f"round {operand} down to {step}"
    else:
        example = "round X down to USD 0.01"
    return message, f"say which way, e.g. {example}; the modes are {modes}"


def chained_comparison(text: str, pos: int, op: str) -> tuple[str, str] | None:
    """`a <= x < b`: comparisons do not chain; the same as two comparisons joined by `and`. None if the
    comparison before is not followed by an operand (`<>`, `==`: an operator misspelt)."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    before = text[line_start:pos]
    after = text[pos + len(op):line_end if line_end >= 0 else len(text)].split("#", 1)[0]
    example = "a <= x and x < b"
    if re.search(r"(<=|>=|!=|<|>|=)\s*$", before):
        return None
    first = list(_COMPARISON.finditer(before))
    if first:
        last = first[-1]
        head = before[:last.start()]
        edges = list(_EDGE.finditer(head))
        left = head[edges[-1].end():] if edges else head
        middle = before[last.end():]
        stop = _EDGE.search(after)
        right = after[:stop.start()] if stop else after
        left, middle, right = (" ".join(s.split()) for s in (left, middle, right))
        if left and middle and right:
            example = f"{left} {last.group(0)} {middle} and {middle} {op} {right}"
    return "comparisons do not chain", f"write two comparisons joined by 'and': {example}"
