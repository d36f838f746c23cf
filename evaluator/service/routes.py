"""The JSON endpoints. The work behind each is a plain function of work.py (for the web page and any other
caller): describe, evaluate_result, evaluate_body, explain_body, schedule_body, diff_body, batch_results and
batch_doc. Here: reading the body (size-limited, by content type), the token, running the work in the
pool (runner.py) with its time limit, and answering JSON (amounts as decimal strings) or problem+json.

    GET  /health                      {"status": "ok", "contracts": N, "not_served": N}
    GET  /contracts                   the contracts served (and those that failed to load, with why)
    GET  /contracts/{id}              parties, readings, outputs, the inputs' JSON Schema
    POST /contracts/{id}/evaluate     {"inputs", "set", "interpretation", "all_interpretations", "as_of", "trace"}
    POST /contracts/{id}/explain      {"output", "period", "inputs", "set", "interpretation", "as_of"}
    POST /contracts/{id}/schedule     {"inputs", "set", "interpretation", "as_of", "format": "json" | "ics"}
    POST /contracts/{id}/diff         {"inputs", "set", "interpretation", "as_of", "other", "against", ...}
    POST /contracts/{id}/batch        {"columns": {...}} or {"rows": [...]} (+ options), or a text/csv body
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from ..contract import Contract
from ..datafile import Data, _json_constant, _json_number
from ..errors import ContractError
from .limits import Settings, authorized, too_large
from .problems import Problem, from_error, invalid
from .registry import Registry
from .runner import Runner
from .wire import json_body, text_of
from .work import (
    FIELDS,
    batch_doc,
    batch_results,
    describe,
    diff_body,
    evaluate_body,
    explain_body,
    fields,
    schedule_body,
)

JSON = "application/json"
CSV = "text/csv"


def _state(request: Request) -> tuple[Settings, Registry, Runner]:
    s = request.app.state
    return s.settings, s.registry, s.runner


def authorize(request: Request) -> None:
    """With a token set, every /contracts request carries it: Authorization: Bearer TOKEN (else 401)."""
    settings: Settings = request.app.state.settings
    if settings.token is None:
        return
    header = request.headers.get("authorization")
    if not authorized(header, settings.token):
        detail = "this service needs a bearer token: Authorization: Bearer TOKEN" if not header else \
            "the bearer token is not the one this service takes"
        raise Problem(401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="clausewise"'})


router = APIRouter()
contracts = APIRouter(prefix="/contracts", dependencies=[Depends(authorize)], tags=["contracts"])


def answer(doc: Any, status: int = 200) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", status, media_type=JSON)


def contract_of(request: Request, id: str) -> Contract:
    """The contract of an id, from the registry's table only: 404 for any other id (never a file looked up)."""
    request.scope.setdefault("clausewise", {})["contract"] = id
    found = request.app.state.registry.get(id)
    if found is None:
        raise Problem(404, "unknown-contract", f"no contract is served as '{id[:100]}'",
                      [{"message": "unknown contract", "path": "id", "hint": "GET /contracts lists them"}])
    return found  # type: ignore[no-any-return]


async def read_body(request: Request, settings: Settings) -> bytes:
    """The body, refused with 413 past the size limit: by its Content-Length at once, else while it streams."""
    limit = settings.max_body
    over = too_large(request.headers.get("content-length"), limit)
    if over is None:
        raise Problem(400, "malformed-body", "the Content-Length header is not a number of bytes")
    if over:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    if settings.log_inputs:
        request.scope.setdefault("clausewise", {})["body"] = body[:10_000].decode("utf-8", "replace")
    return body


def _too_large(limit: int) -> Problem:
    return Problem(413, "body-too-large", f"the body is larger than {limit:,} bytes, the most this service takes",
                   [{"message": "body too large", "hint": "send fewer scenarios per request, or raise "
                                                          "CLAUSEWISE_MAX_BODY"}])


def media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _json_type(kind: str) -> bool:
    return kind == JSON or (kind.startswith("application/") and kind.endswith("+json"))


async def json_data(request: Request, settings: Settings) -> Data:
    raw = await read_body(request, settings)
    kind = media(request)
    if not raw.strip() and kind in ("", JSON, "application/x-www-form-urlencoded"):
        return Data("<request>", {}, "")  # no body: no inputs, every default (curl -X POST)
    if not _json_type(kind):
        raise Problem(415, "unsupported-media-type", f"this endpoint takes JSON, not {kind or 'a body without a type'}",
                      [{"message": "wrong content type", "hint": "send Content-Type: application/json"}])
    return json_body(raw)


async def work(request: Request, fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args) in the pool, its ContractError a problem (422 with the CLI's diagnostics)."""
    settings, registry, runner = _state(request)
    try:
        return await runner.run(fn, *args)
    except ContractError as exc:
        raise from_error(exc, registry.folder) from None


def _body_doc(name: str, example: dict[str, Any]) -> dict[str, Any]:
    props = {k: {"description": v} for k, v in FIELDS[name].items()}
    return {"requestBody": {"required": False, "content": {JSON: {
        "schema": {"type": "object", "properties": props, "additionalProperties": False},
        "example": example}}}}


@router.get("/health", tags=["service"])
async def health(request: Request) -> Response:
    _, registry, _ = _state(request)
    return answer({"status": "ok", "contracts": len(registry.contracts), "not_served": len(registry.failed)})


@contracts.get("")
async def list_contracts(request: Request) -> Response:
    _, registry, _ = _state(request)
    return answer({"contracts": [{"id": id, "contract": c.name, "title": c.title,
                                  "interpretations": list(c.interpretations)} for id, c in registry.contracts.items()],
                   "not_served": dict(registry.failed)})


@contracts.get("/{id}")
async def contract(request: Request, id: str) -> Response:
    return answer(await work(request, describe, id, contract_of(request, id)))


EXAMPLE = {"inputs": {"sales": {"FY1": 600000, "FY2": "800000.50"}}, "interpretation": None, "as_of": None,
           "set": ["sales.FY3=850000"]}


@contracts.post("/{id}/evaluate", openapi_extra=_body_doc("evaluate", EXAMPLE))
async def evaluate(request: Request, id: str) -> Response:
    """Every output for the inputs (or every reading side by side with "all_interpretations": true)."""
    found = contract_of(request, id)
    data = await json_data(request, request.app.state.settings)
    return answer(await work(request, evaluate_body, found, data))


@contracts.post("/{id}/explain", openapi_extra=_body_doc("explain", {"output": "payment", "period": "FY3",
                                                                    "inputs": EXAMPLE["inputs"]}))
async def explain(request: Request, id: str) -> Response:
    """The derivation of one value, down to inputs and parameters."""
    found = contract_of(request, id)
    data = await json_data(request, request.app.state.settings)
    return answer(await work(request, explain_body, found, data))


@contracts.post("/{id}/schedule", openapi_extra=_body_doc("schedule", {"as_of": "2027-06-30", "format": "json"}))
async def schedule(request: Request, id: str) -> Response:
    """Every obligation with its clause, due date, status and penalty; "format": "ics" (or Accept:
    text/calendar) for a calendar."""
    found = contract_of(request, id)
    data = await json_data(request, request.app.state.settings)
    ics = "text/calendar" in request.headers.get("accept", "")
    out = await work(request, schedule_body, found, data, ics)
    if isinstance(out, str):
        return Response(out, media_type="text/calendar; charset=utf-8")
    return answer(out)


@contracts.post("/{id}/diff", openapi_extra=_body_doc("diff", {"interpretation": "a", "against": "b"}))
async def diff(request: Request, id: str) -> Response:
    """Every output that differs between two readings, two dates or two served contracts ("other": id)."""
    found = contract_of(request, id)
    data = await json_data(request, request.app.state.settings)
    other_id = data.value.get("other") if isinstance(data.value, dict) else None
    other = contract_of(request, other_id) if isinstance(other_id, str) else None
    request.scope["clausewise"]["contract"] = id
    return answer(await work(request, diff_body, found, data, other))


BATCH_DOC = {"requestBody": {"required": True, "content": {
    JSON: {"schema": {"type": "object", "properties": {k: {"description": v} for k, v in FIELDS["batch"].items()}},
           "example": {"columns": {"sales.FY1": [600000, 700000], "sales.FY2": ["800000.5", None]}}},
    CSV: {"schema": {"type": "string"}, "example": "sales.FY1,sales.FY2\n600000,800000.5\n700000,\n"}}}}


@contracts.post("/{id}/batch", openapi_extra=BATCH_DOC)
async def batch(request: Request, id: str) -> Response:
    """Many scenarios at once: JSON columns ({"columns": {"sales.FY1": [...]}}) or rows, or a CSV body (one
    scenario per row, options in the query: ?interpretation=&as_of=&all_interpretations=true&set=&format=csv)."""
    settings, registry, _ = _state(request)
    found = contract_of(request, id)
    raw = await read_body(request, settings)
    kind = media(request)
    query = request.query_params
    if kind == CSV:
        text = text_of(raw)
        if text.count("\n") - 1 > settings.max_rows:  # a first look, before reading the cells
            _check_rows(text.count("\n") - 1, settings.max_rows)
        options: dict[str, Any] = {"interpretation": query.get("interpretation"), "as_of": query.get("as_of"),
                                   "all_interpretations": query.get("all_interpretations") in ("1", "true"),
                                   "set": query.getlist("set"), "format": query.get("format")}
        args: tuple[Any, ...] = ("csv", text)
    elif _json_type(kind):
        options, args = {}, ("json", text_of(raw))
    else:
        raise Problem(415, "unsupported-media-type", f"a batch is JSON or CSV, not {kind or 'a body without a type'}",
                      [{"message": "wrong content type", "hint": "send Content-Type: application/json or text/csv"}])
    wanted_csv = CSV in request.headers.get("accept", "")
    out = await work(request, _batch, found, args, options, settings.max_rows, wanted_csv)
    if isinstance(out, bytes):
        return Response(out, media_type="text/csv; charset=utf-8")
    return answer(out)


def _check_rows(rows: int, most: int) -> None:
    if rows > most:
        raise Problem(413, "too-many-rows", f"the batch has {rows:,} rows; this service takes at most {most:,}",
                      [{"message": "too many rows", "hint": "split the scenarios into several requests"}])


def _batch(contract: Contract, args: tuple[str, str], options: dict[str, Any], most: int, wanted_csv: bool) -> Any:
    from .. import scenarios

    kind, text = args
    if kind == "csv":
        columns = scenarios._csv(text, "<request>")
    else:
        try:
            body = json.loads(text, parse_float=_json_number, parse_int=_json_number, parse_constant=_json_constant)
        except json.JSONDecodeError as exc:
            raise invalid(f"not valid JSON: {exc.msg}", status=400, kind="malformed-body", line=exc.lineno,
                          column=exc.colno) from None
        except (ValueError, RecursionError) as exc:
            raise invalid(f"not valid JSON: {exc}", status=400, kind="malformed-body") from None
        options = fields(Data("<request>", body, ""), "batch")
        if ("columns" in options) == ("rows" in options):
            raise invalid("give the scenarios as \"columns\" or as \"rows\"", hint='e.g. {"columns": '
                          '{"sales.FY1": [600000, 700000]}}')
        doc = {"columns": options["columns"]} if "columns" in options else options["rows"]
        columns = scenarios._json(json.dumps(doc, default=str), "<request>") if "rows" in options else \
            dict(options["columns"] or {})
    _check_rows(max((len(v) for v in _leaves(columns)), default=0), most)
    results = batch_results(contract, columns, options)
    if wanted_csv or options.get("format") == "csv":
        return scenarios.write(results, "csv")
    if options.get("format") not in (None, "json"):
        raise invalid(f"format {options['format']!r} is not json or csv", "format")
    return batch_doc(results)


def _leaves(columns: Any) -> list[Any]:
    out: list[Any] = []
    for value in columns.values():
        if isinstance(value, dict):
            out += _leaves(value)
        elif hasattr(value, "__len__") and not isinstance(value, str):
            out.append(value)
    return out


router.include_router(contracts)
