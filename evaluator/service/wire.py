"""Request bodies in, exact JSON out.

In: a JSON body is read as the CLI reads an inputs file in JSON (datafile): every number exactly as written
(1250000.5 is that decimal; no binary float is ever made), duplicate keys, NaN and Infinity refused, and
each value's line and column kept for messages (the body is named <request>).

Out: every amount travels as a decimal string, never a JSON number: the values of results, comparisons,
explanations, schedules and batches ("1250000", "0.5"); dates as YYYY-MM-DD, true/false and null as they
are. Counts, line numbers and the like stay JSON integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..datafile import Data, _json
from ..errors import ContractError
from ..result import number_text
from .problems import Problem, from_error

BODY = "<request>"
AMOUNT_KEYS = frozenset({"outputs", "values", "value", "change", "penalty", "columns"})


class _BodyError(ContractError):
    """A body that is not JSON."""


def text_of(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Problem(400, "malformed-body", f"the body is not UTF-8 text (byte {exc.start + 1})") from None


def json_body(raw: bytes) -> Data:
    """The body as JSON, with the place of each value; Problem 400 if it is not JSON."""
    text = text_of(raw)
    if not text.strip():
        raise Problem(400, "malformed-body", "the body is empty: send a JSON object, e.g. {\"inputs\": {}}")
    try:
        return _json(text, BODY, _BodyError)
    except _BodyError as exc:
        raise from_error(exc, None, 400, "malformed-body") from None


def part(data: Data, key: str) -> Data:
    """The part of a body under one key, with its places: read as a file of its own would be."""
    n = (key,)
    value = data.value.get(key) if isinstance(data.value, dict) else None
    return Data(data.file, value, data.text, {k[1:]: v for k, v in data.places.items() if k[:1] == n},
                {k[1:]: v for k, v in data.keys.items() if k[:1] == n})


def amounts(value: Any, amount: bool = False) -> Any:
    """A JSON-ready document with amounts as decimal strings (see the module's docstring)."""
    if isinstance(value, Mapping):
        return {k: amounts(v, amount or k in AMOUNT_KEYS) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [amounts(v, amount) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal) or (amount and isinstance(value, int)):
        return number_text(value)
    if isinstance(value, int) and abs(value) > 2**53 - 1:  # past the integers every JSON reader keeps exact
        return number_text(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
