"""The web page for people, at `/`: pick a contract, type figures or upload an inputs file, see the report.

    GET  /                  the form of the first contract served (?contract=ID: of that one)
    POST /                  evaluate (form-encoded or multipart, with an inputs file): the HTML report the CLI
                            writes (`clausewise evaluate --format html`), with links to download the same
                            evaluation as JSON, CSV and XLSX; bad figures: the form again, each problem at its
                            field in the CLI's words (422), never a 500
    GET  /download          ?contract=ID&format=json|csv|xlsx&reading=&as_of=&inputs=PACKED: one evaluation as a
                            file, the inputs carried in the link (page_inputs.pack): nothing is kept between
                            requests, so any worker answers

The form is made from the contract's input declarations (page_form.py); typed figures are laid over an uploaded
file as --set is over --inputs (page_inputs.py). Contracts come from the registry only (`app.state.registry`):
an unknown id is a 404 page and never touches the file system. Evaluations run off the event loop, under the
service's time limit where it sets one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from .. import render
from ..contract import Contract
from ..datafile import MAX_BYTES
from ..errors import ContractError, InputError
from . import page_form, page_inputs
from .page_form import State
from .problems import Problem

router = APIRouter(include_in_schema=False)

T = TypeVar("T")
MAX_FIELDS = 20_000  # fields of one form: inputs x periods, and a few more
_MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _registry(request: Request) -> tuple[dict[str, Contract], dict[str, str]]:
    registry = request.app.state.registry
    return dict(registry.contracts), dict(getattr(registry, "failed", {}) or {})


def _base(request: Request) -> Path | None:
    folder = getattr(request.app.state.registry, "folder", None)
    return folder if isinstance(folder, Path) else None


async def _run(request: Request, work: Callable[[], T]) -> T:
    """Run an evaluation off the event loop: in the service's pool, under its time limit (runner.py)."""
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        result: T = await runner.run(work)
        return result
    return await run_in_threadpool(work)


def _late(problem: Problem) -> HTMLResponse:
    """An evaluation past the time limit (or no thread free within it): a page saying so, with the status."""
    return HTMLResponse(page_form.message_page("Try again", problem.detail), problem.status, headers=problem.headers)


def _closed(request: Request) -> HTMLResponse | None:
    """With a bearer token set, the page is off: a browser's form carries no token, and the page must not be a
    way around it (the JSON endpoints take the token)."""
    settings = getattr(request.app.state, "settings", None)
    if getattr(settings, "token", None) is None:
        return None
    return HTMLResponse(page_form.message_page(
        "The web page is off", "This service needs a bearer token, which a browser's form does not carry: use the "
        "JSON endpoints (/docs) with Authorization: Bearer TOKEN."), 403)


async def _body(request: Request) -> Request:
    """The request with its body read within the service's size limit (413 past it), to parse as a form."""
    settings = getattr(request.app.state, "settings", None)
    if settings is None:
        return request
    from .routes import read_body

    body = await read_body(request, settings)
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, contract: str | None = None) -> HTMLResponse:
    closed = _closed(request)
    if closed is not None:
        return closed
    contracts, failed = _registry(request)
    if contract is not None and contract not in contracts:
        state = State(next(iter(contracts), None), message=f"no contract '{contract[:100]}' is served")
        return HTMLResponse(page_form.page(contracts, failed, state), status_code=404)
    return HTMLResponse(page_form.page(contracts, failed, State(contract or next(iter(contracts), None))))


@router.post("/", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    closed = _closed(request)
    if closed is not None:
        return closed
    contracts, failed = _registry(request)
    try:
        request = await _body(request)
    except Problem as problem:  # too large
        return HTMLResponse(page_form.message_page("Too large", problem.detail), problem.status)
    async with request.form(max_files=1, max_fields=MAX_FIELDS) as form:
        texts = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        key = texts.get("contract", "")
        upload = form.get("inputs_file")
        data = await upload.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) and upload.filename else None
        name = upload.filename if isinstance(upload, UploadFile) and upload.filename else ""
    contract = contracts.get(key)
    if contract is None:
        state = State(next(iter(contracts), None), message=f"no contract '{key[:100]}' is served" if key else
                      "choose a contract")
        return HTMLResponse(page_form.page(contracts, failed, state), status_code=404 if key else 400)
    reading, as_of = texts.get("reading", ""), texts.get("as_of", "").strip()
    values = {k: v for k, v in texts.items() if k.startswith(page_inputs.FIELD)}
    state = State(key, values, reading, as_of, base=_base(request))
    sets = page_inputs.typed(values)
    given = page_inputs.Upload(name, data) if data is not None else None

    def evaluate() -> tuple[str, dict[str, Any]]:
        from .. import render_html  # only this page needs it

        inputs = page_inputs.checked(contract, sets, given, as_of)
        result = contract.evaluate(inputs, reading or None, trace=True, as_of=as_of or None)
        return render_html.report(result, contract), inputs

    try:
        report, inputs = await _run(request, evaluate)
    except Problem as problem:
        return _late(problem)
    except ContractError as exc:
        state.error = exc
        if name:  # a page cannot fill in a file field
            state.message = f"The inputs file {page_inputs.upload_name(name)} was not kept: choose it again."
        return HTMLResponse(page_form.page(contracts, failed, state), status_code=422)
    links = _links(key, reading, as_of, inputs, _xlsx())
    return HTMLResponse(_with_links(report, links))


@router.get("/download")
async def download(request: Request, contract: str = "", format: str = "json", reading: str = "",
                   as_of: str = "", inputs: str = "") -> Response:
    closed = _closed(request)
    if closed is not None:
        return closed
    contracts, _ = _registry(request)
    chosen = contracts.get(contract)
    if chosen is None:
        return HTMLResponse(page_form.message_page("Not found", f"no contract '{contract[:100]}' is served"), 404)
    if format not in _MEDIA or (format == "xlsx" and not _xlsx()):
        known = ", ".join(f for f in _MEDIA if f != "xlsx" or _xlsx())
        return HTMLResponse(page_form.message_page("Unknown format", f"no download as '{format[:20]}': one of {known}"),
                            400)

    def evaluate() -> bytes:
        values = page_inputs.unpack(inputs)
        if format == "xlsx":
            return _workbook(chosen, values, reading or None, as_of or None)
        result = chosen.evaluate(values, reading or None, as_of=as_of or None)
        return (render.json_text(result) if format == "json" else render.csv_text(result)).encode("utf-8")

    try:
        body = await _run(request, evaluate)
    except Problem as problem:
        return _late(problem)
    except ContractError as exc:
        kind = "The link's inputs" if isinstance(exc, InputError) else "The evaluation"
        return HTMLResponse(page_form.message_page("Cannot download", f"{kind} could not be used:",
                                                   [exc.render()]), 400)
    stem = _SAFE.sub("_", f"{contract}-{reading}" if reading else contract)
    return Response(body, media_type=_MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{format}"'})


def _xlsx() -> bool:
    """Whether workbooks can be written: XlsxWriter is an extra (`clausewise[xlsx]`)."""
    import importlib.util

    return importlib.util.find_spec("xlsxwriter") is not None


def _workbook(contract: Contract, inputs: dict[str, Any], reading: str | None, as_of: str | None) -> bytes:
    """The workbook `clausewise evaluate --format xlsx` writes for one reading (render_xlsx.py)."""
    from .. import render_xlsx
    from .. import schedule as schedule_

    result = contract.evaluate(inputs, reading, trace=True, narrate=False, as_of=as_of)
    schedules: list[Any] = []
    if contract.version(as_of).plan.obligations:
        created = render_xlsx.created_at(result)
        schedules = [schedule_.schedule(contract, inputs, as_of, result.interpretation,
                                        now=None if created is None else (lambda: created))]
    return render_xlsx.workbook([result], contract.title, schedules)


def _links(key: str, reading: str, as_of: str, inputs: dict[str, Any], xlsx: bool) -> list[tuple[str, str]]:
    from urllib.parse import urlencode

    packed = page_inputs.pack(inputs)
    out = []
    for fmt in ("json", "csv", "xlsx") if xlsx else ("json", "csv"):
        query = {"contract": key, "format": fmt, "reading": reading, "as_of": as_of, "inputs": packed}
        out.append((fmt.upper(), "/download?" + urlencode({k: v for k, v in query.items() if v})))
    return out


def _with_links(report: str, links: list[tuple[str, str]]) -> str:
    """The report with a line of download links under its header (links: the report's policy allows no forms)."""
    line = ('<nav id="downloads" aria-label="Downloads"><p>Download this evaluation: '
            + " · ".join(f'<a href="{html.escape(href, quote=True)}" download>{label}</a>' for label, href in links)
            + ' · <a href="/">another evaluation</a></p></nav>')
    head, found, tail = report.partition("</header>")
    return head + found + "\n" + line + tail if found else line + report
