"""The web page's inputs: the figures typed in its form, laid over an uploaded inputs file, and carried in links.

A field of the form is named `v:NAME.PERIOD` (an input per period), or `v:NAME` (an input with one value, or
one value for every date of an input given by date); a filled field is exactly `--set NAME.PERIOD=VALUE` of the
CLI, laid over the uploaded file as --set is over --inputs, and checked by the same code (overrides.py), so a
bad figure gets the CLI's words, at its field (`Diagnostic.path`). An uploaded file is read as an inputs file
named as uploaded (its problems at line and column of that name), from a temporary folder of its own.

The download links of a report carry the inputs that were evaluated: as JSON (amounts and dates as text,
exact), compressed (zlib) and in URL-safe base64 (`pack`, `unpack`), so that a link is short and needs nothing
kept on the server (any worker can answer it).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
import tempfile
import zlib
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import contract as contract_
from .. import overrides
from ..contract import Contract
from ..datafile import DATA_SUFFIXES, MAX_BYTES
from ..errors import Diagnostic, InputError

FIELD = "v:"  # the prefix of an input's field in the form
FORM = "form"  # where a typed figure's problem is (the file of its Diagnostic)
LINK = "link"  # where a damaged link's problem is
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclasses.dataclass(frozen=True)
class Upload:
    """An uploaded inputs file: the name it was uploaded as and its bytes."""

    name: str
    data: bytes


def field_name(name: str, period: str | None = None) -> str:
    return f"{FIELD}{name}" if period is None else f"{FIELD}{name}.{period}"


def typed(form: Mapping[str, str]) -> list[str]:
    """The filled fields as --set texts (NAME.PERIOD=VALUE), in the order of the form."""
    return [f"{key[len(FIELD):]}={value.strip()}" for key, value in form.items()
            if key.startswith(FIELD) and value.strip()]


def laid(contract: Contract, sets: Sequence[str], upload: Upload | None) -> dict[str, Any]:
    """The inputs to evaluate: the upload (if any) with the typed figures laid over it, checked as the CLI checks
    --inputs with --set; InputError otherwise, with each typed figure's problem at its path (revenue.Y1)."""
    program = contract.program
    parties = [p.id for p in contract.parties]
    given = overrides.parse(program, sets, FORM) if sets else []
    if upload is None:
        return overrides.laid_over(program, None, given, {FORM: sets}, parties)[0]
    shown = upload_name(upload.name)
    if len(upload.data) > MAX_BYTES:
        raise InputError(Diagnostic(f"the file is over {MAX_BYTES:,} bytes", shown,
                                    hint="an inputs file holds figures: split a larger one"))
    with tempfile.TemporaryDirectory(prefix="clausewise-upload-") as folder:
        path = Path(folder) / shown
        path.write_bytes(upload.data)
        try:
            return overrides.laid_over(program, path, given, {FORM: sets}, parties)[0]
        except InputError as exc:  # the problems of the file, under the name it was uploaded as
            raise _renamed(exc, str(path), shown, upload.data) from None


def checked(contract: Contract, sets: Sequence[str], upload: Upload | None, as_of: str) -> dict[str, Any]:
    """`laid`, with the as-of date checked too: every problem of the form at once (the date's at `as_of`)."""
    problems: list[Diagnostic] = []
    sources: dict[str, str] = {}
    try:
        contract_.checked(as_of or None)
    except InputError as exc:
        problems += exc.diagnostics
    try:
        inputs = laid(contract, sets, upload)
    except InputError as exc:
        problems += exc.diagnostics
        sources.update(exc.sources)
    if problems:
        raise InputError(problems, sources=sources)
    return inputs


def upload_name(name: str) -> str:
    """The uploaded file's name as the page shows it and as it is read: its last part, in safe characters (the
    suffix says how it is read: YAML or JSON; another is refused, as the CLI refuses it)."""
    base = _SAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip("._") or "inputs"
    return base if base.lower().endswith(DATA_SUFFIXES) or "." in base else base + ".yaml"


def _renamed(exc: InputError, real: str, shown: str, data: bytes) -> InputError:
    """The problems of an uploaded file under the name it was uploaded as, quoted from what was uploaded."""
    diagnostics = [dataclasses.replace(d, file=shown) if d.file == real else d for d in exc.diagnostics]
    sources = {k: v for k, v in exc.sources.items() if k != real}
    sources[shown] = data.decode("utf-8", "replace")
    return InputError(diagnostics, sources=sources)


# ---- links ---------------------------------------------------------------------------------------------

MAX_PACKED = 5_000_000  # the most a link's inputs may unpack to: an inputs file's limit


def pack(inputs: Mapping[str, Any]) -> str:
    """The inputs as a short, URL-safe text: JSON with every amount and date as text, zlib, base64."""
    text = json.dumps(inputs, default=_as_text, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii").rstrip("=")


def unpack(text: str) -> dict[str, Any]:
    """The inputs a link carries; InputError for a damaged or oversized one (never a decompression bomb)."""
    if not text:
        return {}
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_PACKED)
        if inflater.unconsumed_tail:
            raise InputError(Diagnostic(f"the link's inputs are over {MAX_PACKED:,} bytes", LINK,
                                        hint="evaluate with the form instead"))
        value = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constant)
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError, RecursionError):
        raise InputError(Diagnostic("the link's inputs are damaged", LINK,
                                    hint="evaluate again with the form and use the new links")) from None
    if not isinstance(value, dict):
        raise InputError(Diagnostic("the link's inputs are not a mapping of inputs", LINK,
                                    hint="evaluate again with the form and use the new links"))
    return value


def _as_text(value: Any) -> Any:
    """Values read from a file or typed: a YAML decimal as its text, a date as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not an inputs value")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")
