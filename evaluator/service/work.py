"""What each endpoint does, as plain functions of a loaded contract and a request body: no HTTP in here.

The web page (page.py) and any other caller use these:

    describe(id, contract) -> dict                      GET /contracts/{id}
    evaluate_result(contract, body) -> Result           one reading, as the CLI's `evaluate`
    evaluate_body(contract, body) -> dict               POST /contracts/{id}/evaluate (amounts as strings)
    explain_body(contract, body) -> dict                POST .../explain
    schedule_body(contract, body) -> dict | str         POST .../schedule (a dict, or ics text)
    diff_body(contract, body, other=None) -> dict       POST .../diff
    batch_results(contract, columns, options) -> list   POST .../batch (see batch_body)

`body` is a mapping (as JSON would hold it: numbers as int or Decimal, never float) or a `Data` from
`wire.json_body` (then messages point at the line and column of the request). Each raises a ContractError
subclass for bad input (InputError for inputs, with their paths), or `problems.Problem` for a body whose shape
is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from .. import inputs as inputs_
from .. import overrides
from ..compare import Comparison, before_amendment, compare
from ..contract import Contract
from ..datafile import Data
from ..errors import ContractError, InputError, close_matches
from ..result import Result
from .problems import invalid
from .wire import BODY, amounts, part

TEXT, FLAG, OBJECT, TEXTS = "text", "true or false", "an object", "a list of texts"
FIELDS: dict[str, dict[str, str]] = {
    "evaluate": {"inputs": OBJECT, "set": TEXTS, "interpretation": TEXT, "all_interpretations": FLAG,
                 "as_of": TEXT, "trace": FLAG},
    "explain": {"output": TEXT, "period": TEXT, "inputs": OBJECT, "set": TEXTS, "interpretation": TEXT,
                "as_of": TEXT},
    "schedule": {"inputs": OBJECT, "set": TEXTS, "interpretation": TEXT, "as_of": TEXT, "format": TEXT},
    "diff": {"inputs": OBJECT, "set": TEXTS, "interpretation": TEXT, "as_of": TEXT, "other": TEXT,
             "against": TEXT, "against_as_of": TEXT},
    "batch": {"columns": OBJECT, "rows": "a list of objects", "set": TEXTS, "interpretation": TEXT,
              "all_interpretations": FLAG, "as_of": TEXT, "format": TEXT},
}


def as_data(body: Mapping[str, Any] | Data | None) -> Data:
    if isinstance(body, Data):
        return body
    return Data(BODY, dict(body) if body is not None else {}, "")


def fields(data: Data, endpoint: str) -> dict[str, Any]:
    """The body's fields, each checked for its kind; a Problem 422 at the first that is wrong."""
    allowed = FIELDS[endpoint]
    if not isinstance(data.value, dict):
        raise invalid("the body is not a JSON object", hint=f"send an object with: {', '.join(allowed)}")
    for key, value in data.value.items():
        line, column = data.keys.get((key,), (0, 0))
        if key not in allowed:
            close = close_matches(key, allowed)
            raise invalid(f"'{key}' is not a field of {endpoint}", key, f"did you mean '{close[0]}'?" if close
                          else f"fields: {', '.join(allowed)}", line=line, column=column)
        kind = allowed[key]
        ok = value is None or {
            TEXT: isinstance(value, str), FLAG: isinstance(value, bool), OBJECT: isinstance(value, dict),
            TEXTS: isinstance(value, list) and all(isinstance(v, str) for v in value),
        }.get(kind, isinstance(value, list) and all(isinstance(v, dict) for v in value))
        if not ok:
            line, column = data.places.get((key,), (line, column))
            raise invalid(f"{key} is {kind}", key, line=line, column=column)
    return dict(data.value)


def _parties(contract: Contract) -> list[str]:
    return [p.id for p in contract.parties]


def _inputs(contract: Contract, b: Mapping[str, Any]) -> Mapping[str, Any]:
    """The body's inputs with its `set` overrides laid over them (overrides.py, as the CLI's --set)."""
    raw = b.get("inputs") or {}
    sets = b.get("set") or []
    if not sets:
        return raw
    merged = overrides.merged(contract.program, raw, sets, _parties(contract))
    assert not isinstance(merged, str)
    return merged if isinstance(merged, Mapping) else {}


def placed(contract: Contract, data: Data, as_of: Any, exc: ContractError) -> ContractError:
    """An error of the inputs, found again with the line and column of each problem in the request body."""
    if not isinstance(exc, InputError) or not data.text or not any(d.file == "<inputs>" for d in exc.diagnostics):
        return exc
    try:
        inputs_.validate(contract.version(as_of if isinstance(as_of, str | date) else None).program,
                         part(data, "inputs"), _parties(contract))
    except InputError as better:
        return better
    except ContractError:
        return exc
    return exc


def _checked(contract: Contract, data: Data, endpoint: str) -> tuple[dict[str, Any], Mapping[str, Any]]:
    b = fields(data, endpoint)
    try:
        return b, _inputs(contract, b)
    except ContractError as exc:
        raise placed(contract, data, b.get("as_of"), exc) from None


def evaluate_result(contract: Contract, body: Mapping[str, Any] | Data | None) -> Result:
    """One reading's result, as `clausewise evaluate`; with "trace": true, every figure's derivation."""
    data = as_data(body)
    b, given = _checked(contract, data, "evaluate")
    try:
        return contract.evaluate(given, b.get("interpretation"), trace=bool(b.get("trace")), as_of=b.get("as_of"))
    except ContractError as exc:
        raise placed(contract, data, b.get("as_of"), exc) from None


def all_readings(contract: Contract, body: Mapping[str, Any] | Data | None) -> Comparison:
    """Every reading side by side, as `clausewise evaluate --all-interpretations --format json`."""
    data = as_data(body)
    b, given = _checked(contract, data, "evaluate")
    if b.get("trace"):
        raise invalid("trace works with one reading, not with all_interpretations", "trace",
                      "give interpretation instead")
    readings: list[str | None] = list(contract.interpretations) or [None]
    try:
        results = [contract.evaluate(given, r, narrate=False, as_of=b.get("as_of")) for r in readings]
    except ContractError as exc:
        raise placed(contract, data, b.get("as_of"), exc) from None
    return compare("interpretations", [r or "rules" for r in readings], results, only_differences=False)


def evaluate_body(contract: Contract, body: Mapping[str, Any] | Data | None) -> dict[str, Any]:
    data = as_data(body)
    if isinstance(data.value, dict) and data.value.get("all_interpretations") is True:
        return _out(contract, all_readings(contract, data).to_dict())
    doc = evaluate_result(contract, data).to_dict()
    given = data.value if isinstance(data.value, dict) else {}
    inputs = doc.get("provenance", {}).get("inputs")
    if isinstance(inputs, dict):  # the inputs came in the request, not from a file or a library call
        inputs["source"] = "request" if given.get("inputs") is not None or given.get("set") else "none"
        inputs["overrides"] = list(given.get("set") or [])
    return _out(contract, doc)


def _out(contract: Contract, doc: dict[str, Any]) -> dict[str, Any]:
    """A document as the service answers it: amounts as decimal strings, rule files named relative to the
    contract file's folder (as the provenance block names them), never by the server's absolute paths."""
    return amounts(_relocated(doc, contract.path.parent))  # type: ignore[no-any-return]


def _relocated(value: Any, folder: Path) -> Any:
    if isinstance(value, dict):
        return {k: _relocated(v, folder) if k != "location" else _relative(v, folder) for k, v in value.items()}
    if isinstance(value, list):
        return [_relocated(v, folder) for v in value]
    return value


def _relative(location: Any, folder: Path) -> Any:
    if not isinstance(location, str) or not os.path.isabs(location):
        return location
    path, colon, line = location.rpartition(":")
    if not colon or not line.isdigit():
        path, colon, line = location, "", ""
    return Path(os.path.relpath(path, folder)).as_posix() + colon + line


def explain_body(contract: Contract, body: Mapping[str, Any] | Data | None) -> dict[str, Any]:
    """The derivation of one value, as `clausewise explain --format json`: {"output": ..., "period": ...}."""
    data = as_data(body)
    b, given = _checked(contract, data, "explain")
    if not b.get("output"):
        raise invalid("name the value to explain: \"output\"", "output", "e.g. {\"output\": \"payment\", "
                      "\"period\": \"FY3\"}")
    try:
        e = contract.explain(b["output"], b.get("period"), given, b.get("interpretation"), as_of=b.get("as_of"))
    except ContractError as exc:
        raise placed(contract, data, b.get("as_of"), exc) from None
    return _out(contract, e.to_dict())


def schedule_body(contract: Contract, body: Mapping[str, Any] | Data | None, ics: bool = False) -> Any:
    """Every obligation's status, as `clausewise schedule --format json` (or the ics calendar, as text)."""
    from ..schedule import ics as ics_text
    from ..schedule import schedule

    data = as_data(body)
    b, given = _checked(contract, data, "schedule")
    fmt = b.get("format") or ("ics" if ics else "json")
    if fmt not in ("json", "ics"):
        raise invalid(f"format {fmt!r} is not json or ics", "format")
    try:
        s = schedule(contract, given, b.get("as_of"), b.get("interpretation"))
    except ContractError as exc:
        raise placed(contract, data, b.get("as_of"), exc) from None
    return ics_text(s) if fmt == "ics" else _out(contract, s.to_dict())


def diff_body(contract: Contract, body: Mapping[str, Any] | Data | None, other: Contract | None = None
              ) -> dict[str, Any]:
    """Every output that differs, as `clausewise diff --format json`: against another served contract
    ("other"), another reading ("against") or another date ("against_as_of")."""
    data = as_data(body)
    b, given = _checked(contract, data, "diff")
    a, bb = contract, other or contract
    as_of, against_as_of = b.get("as_of"), b.get("against_as_of") or b.get("as_of")
    try:
        from ..contract import checked

        day = checked(as_of)
        before = before_amendment(a, bb, day)
        left = (bb if before else a).evaluate(given, b.get("interpretation"), narrate=False, as_of=day,
                                              version=before)
        right = bb.evaluate(given, b.get("against") or b.get("interpretation"), narrate=False, as_of=against_as_of)
    except ContractError as exc:
        raise placed(contract, data, as_of, exc) from None
    labels = [_label(a.name, left), _label(bb.name if other else a.name, right)]
    if labels[0] == labels[1]:
        labels = ["A", "B"]
    return _out(contract, compare("diff", labels, [left, right], only_differences=True).to_dict())


def _label(name: str, result: Result) -> str:
    parts = [name]
    if result.interpretation:
        parts.append(result.interpretation)
    if result.as_of:
        parts.append(f"as of {result.as_of.isoformat()}")
    return ", ".join(parts)


def describe(id: str, contract: Contract) -> dict[str, Any]:
    """A contract as GET /contracts/{id} shows it: parties, readings, outputs and the inputs' JSON Schema."""
    version = contract.latest
    shape = version.shape(contract.default_interpretation)
    return {
        "id": id, "contract": contract.name, "title": contract.title, "date": contract.date.isoformat(),
        "parties": [{"id": p.id, "name": p.name, "role": p.role} for p in contract.parties],
        "interpretations": list(contract.interpretations),
        "default_interpretation": contract.default_interpretation,
        "amendments": [a.to_dict() for a in contract.amendments],
        "outputs": [{"name": name, "unit": shape.units.get(name), "periods": list(periods) if periods else None,
                     "citation": shape.citations.get(name) or None, "meaning": shape.meanings.get(name)}
                    for name, _, periods in shape.outputs],
        "inputs_schema": contract.inputs_schema(),
    }


def batch_results(contract: Contract, columns: Mapping[str, Any], options: Mapping[str, Any]
                  ) -> list[tuple[str | None, Any]]:
    """Each reading's BatchResult for the columns, with the options' set/interpretation/as_of."""
    if options.get("set"):
        columns = overrides.into_columns(contract.program, columns, options["set"])
    readings: list[str | None] = (list(contract.interpretations) or [None]) if options.get("all_interpretations") \
        else [options.get("interpretation")]
    return [(r, contract.evaluate_batch(columns, r, as_of=options.get("as_of"))) for r in readings]


def batch_doc(results: Sequence[tuple[str | None, Any]]) -> dict[str, Any]:
    """The results as JSON: each output's column (amounts as strings), and the rows that failed, with why."""
    from ..scenarios import table

    header, columns = table(list(results))
    first = results[0][1]
    errors = {str(i + 1): e for i, e in enumerate(columns[-1]) if e is not None}
    return {"schema": "clausewise/batch/1", "contract": first.contract,
            "interpretations": [r for r, _ in results], "as_of": first.as_of.isoformat() if first.as_of else None,
            "rows": first.rows, "failed": len(errors),
            "columns": amounts({name: col for name, col in zip(header[1:-1], columns[1:-1], strict=True)}, True),
            "errors": errors}
