"""The app factory: `create_app(settings)` loads the contracts once and wires the endpoints, limits and logs.

`app.state.registry` (registry.Registry: `.contracts` id -> Contract, `.failed` id -> why), `app.state.settings`
and `app.state.runner` are there for every route. The web page's router (page.py, where it exists) is included.
`from_environment()` is the factory `clausewise serve --workers N` names, each worker reading the settings from
the environment variables (limits.py).
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from .limits import Settings
from .problems import MEDIA_TYPE, Problem
from .registry import Registry, build
from .requestlog import LOG, RequestLog
from .runner import Runner

DESCRIPTION = """The numeric terms of agreements, evaluated exactly and explained, as the `clausewise` CLI does.

Amounts travel as decimal strings ("1250000", "0.5"), never JSON floats; numbers in a request are read
exactly as written. Errors are RFC 9457 problem details (application/problem+json) carrying the CLI's
diagnostics. With a token set, /contracts requests need `Authorization: Bearer TOKEN`."""


def create_app(settings: Settings, registry: Registry | None = None) -> FastAPI:
    """The app serving the contracts of `settings.contracts` (loaded here unless a `registry` is given)."""
    from .. import __name__ as _package  # noqa: F401  (the library, loaded before the routes)
    from .routes import router

    registry = registry if registry is not None else build(settings.contracts, settings.limits)
    runner = Runner(settings.threads, settings.time_limit)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        runner.close()

    app = FastAPI(title="clausewise", description=DESCRIPTION, version=_version(), lifespan=lifespan)
    app.state.settings, app.state.registry, app.state.runner = settings, registry, runner
    app.include_router(router)
    if importlib.util.find_spec(f"{__package__}.page") is not None:
        from . import page  # type: ignore[attr-defined, unused-ignore]

        app.include_router(page.router)

    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> Response:
        return Response(exc.text(), exc.status, headers=exc.headers, media_type=MEDIA_TYPE)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "invalid-request")
        detail = {404: f"nothing is served at {request.url.path[:200]}", 405: f"{request.method} is not taken here"}
        p = Problem(exc.status_code, kind, detail.get(exc.status_code, str(exc.detail)), headers=exc.headers)
        return await problem(request, p)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"message": e.get("msg", ""), "path": ".".join(str(x) for x in e.get("loc", ()))}
                  for e in exc.errors()]
        return await problem(request, Problem(422, "invalid-request", "the request's parameters do not fit",
                                              errors))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        LOG.error("internal error at %s %s", request.method, request.url.path, exc_info=exc)
        return await problem(request, Problem(500, "internal", "an internal error of clausewise (not of the "
                                                               "request); it is in the service's log"))

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(RequestLog)
    return app


def from_environment() -> FastAPI:
    """The app of the settings in the environment (for `uvicorn --factory`, one per worker process)."""
    return create_app(Settings.from_env(os.environ))  # the serve command reported the contracts once


def report(registry: Registry, log: logging.Logger) -> None:
    """At start: each contract served, and each not served with why."""
    for id, path in registry.files.items():
        log.info("serving %s (%s)", id, path.relative_to(registry.folder).as_posix())
    for id, why in registry.failed.items():
        log.warning("not serving %s: %s", id, why)


def _version() -> str:
    from ..version import VERSION

    return VERSION
