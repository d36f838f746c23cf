"""`clausewise serve`: the settings checked, the contracts loaded and reported, then uvicorn.

With --workers 1 (the default) the app is made here, once; with more, each worker process makes its own
from the environment (app.from_environment), the contracts folder passed in CLAUSEWISE_CONTRACTS.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import uvicorn

from ..errors import ContractError, Diagnostic
from ..limits import Limits
from .app import create_app, report
from .limits import Settings
from .registry import build


def default_folder() -> Path:
    """The contracts/ folder of the checkout this package runs from (an editable install), else contracts/ in
    the current folder (an install from the top of the repository, as the README's quick start does)."""
    for folder in (Path(__file__).resolve().parents[2] / "contracts", Path.cwd() / "contracts"):
        if folder.is_dir():
            return folder
    raise ContractError(Diagnostic("there is no contracts folder here nor beside this installation",
                                   "clausewise serve", hint="give the folder: --contracts DIR"))


def run(contracts: str | None, host: str, port: int, workers: int, limits: Limits | None = None) -> None:
    if not 0 <= port <= 65_535:
        raise ContractError(Diagnostic(f"{port} is not a port", "clausewise serve", hint="give 0 to 65535"))
    folder = Path(contracts) if contracts else default_folder()
    if not folder.is_dir():
        raise ContractError(Diagnostic(f"no folder at {folder}", "clausewise serve",
                                       hint="give a folder of contract files: --contracts DIR"))
    if limits is not None:  # the command's --max-cost and --max-digits, for every worker
        os.environ["CLAUSEWISE_MAX_COST"], os.environ["CLAUSEWISE_MAX_DIGITS"] = \
            str(limits.max_cost), str(limits.max_digits)
    settings = Settings.from_env(os.environ, folder.resolve())
    log = logging.getLogger("clausewise.service")
    if not log.handlers:  # the command's own handler: the library configures no logging
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    registry = build(settings.contracts, settings.limits)
    report(registry, log)
    if not registry.contracts:
        log.warning("no contract is served from %s", settings.contracts)
    common = {"host": host, "port": port, "log_level": "info", "access_log": False, "server_header": False}
    if workers == 1:
        uvicorn.run(create_app(settings, registry), **common)  # type: ignore[arg-type]
        return
    os.environ["CLAUSEWISE_CONTRACTS"] = str(settings.contracts)
    uvicorn.run(f"{__package__}.app:from_environment", factory=True, workers=workers, **common)  # type: ignore
