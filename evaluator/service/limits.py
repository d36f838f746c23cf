"""The service's settings and the limits it enforces: body size, time, batch rows, bearer token, CORS.

Settings come from `clausewise serve`'s options and from environment variables (so that every worker
process of `--workers N` reads the same ones):

    CLAUSEWISE_CONTRACTS      the contracts folder (the serve command sets it from --contracts)
    CLAUSEWISE_MAX_BODY       the largest request body, in bytes (default 10,000,000)
    CLAUSEWISE_TIME_LIMIT     seconds an evaluation may take before the request gets 503 (default 10)
    CLAUSEWISE_MAX_ROWS       the most scenarios in one batch request (default 100,000)
    CLAUSEWISE_THREADS        evaluations run at once per worker process (default 4)
    CLAUSEWISE_TOKEN          a bearer token every /contracts request must carry (default: none, no auth)
    CLAUSEWISE_TOKEN_FILE     a file holding that token (its first line), instead of the variable
    CLAUSEWISE_CORS_ORIGINS   origins allowed by CORS, comma-separated (default: none, CORS off)
    CLAUSEWISE_LOG_INPUTS     1: the request log lines carry the request bodies (default 0: never input values)
    CLAUSEWISE_MAX_COST       the evaluation limits of the contracts loaded (the serve command sets them
    CLAUSEWISE_MAX_DIGITS     from --max-cost and --max-digits; defaults as the CLI's: limits.py)

A bad value is a `SettingsError` (a ContractError: the serve command prints it and exits 2).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import ContractError, Diagnostic
from ..limits import DEFAULT, Limits

MAX_BODY = 10_000_000
TIME_LIMIT = Decimal(10)
MAX_ROWS = 100_000
THREADS = 4
_TOKEN = re.compile(r"[\x21-\x7e]{16,4096}")  # visible ASCII (RFC 6750's token68 and more), at least 16


class SettingsError(ContractError):
    """A setting of the service that cannot be used."""


@dataclass(frozen=True)
class Settings:
    contracts: Path
    max_body: int = MAX_BODY
    time_limit: Decimal = TIME_LIMIT  # seconds
    max_rows: int = MAX_ROWS
    threads: int = THREADS
    token: str | None = None
    cors_origins: tuple[str, ...] = ()
    log_inputs: bool = False
    limits: Limits = DEFAULT  # of the contracts loaded: the cost of an evaluation, the size of its numbers

    @classmethod
    def from_env(cls, env: Mapping[str, str], contracts: Path | None = None) -> Settings:
        """The settings from environment variables (see the module's docstring); `contracts` over theirs."""
        folder = contracts if contracts is not None else Path(env["CLAUSEWISE_CONTRACTS"]) \
            if env.get("CLAUSEWISE_CONTRACTS") else None
        if folder is None:
            raise SettingsError(Diagnostic("no contracts folder", "clausewise serve",
                                           hint="give --contracts DIR (or set CLAUSEWISE_CONTRACTS)"))
        return cls(
            contracts=folder,
            max_body=whole(env, "CLAUSEWISE_MAX_BODY", MAX_BODY),
            time_limit=seconds(env, "CLAUSEWISE_TIME_LIMIT", TIME_LIMIT),
            max_rows=whole(env, "CLAUSEWISE_MAX_ROWS", MAX_ROWS),
            threads=whole(env, "CLAUSEWISE_THREADS", THREADS),
            token=token(env),
            cors_origins=tuple(o.strip() for o in env.get("CLAUSEWISE_CORS_ORIGINS", "").split(",") if o.strip()),
            log_inputs=flag(env, "CLAUSEWISE_LOG_INPUTS"),
            limits=Limits(max_cost=whole(env, "CLAUSEWISE_MAX_COST", DEFAULT.max_cost),
                          max_digits=whole(env, "CLAUSEWISE_MAX_DIGITS", DEFAULT.max_digits)),
        )


def _bad(name: str, message: str, hint: str) -> SettingsError:
    return SettingsError(Diagnostic(message, name, hint=hint))


def whole(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of at least 1, as written in the variable `name` (1_000 and 1,000 allowed)."""
    text = env.get(name, "").strip()
    if not text:
        return default
    digits = text.replace(",", "").replace("_", "")
    if not digits.isascii() or not digits.isdigit() or int(digits) < 1:
        raise _bad(name, f"{text!r} is not a whole number of at least 1", f"e.g. {name}={default}")
    return int(digits)


def seconds(env: Mapping[str, str], name: str, default: Decimal) -> Decimal:
    """A positive number of seconds, a plain decimal (0.5)."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = Decimal(text) if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text) else None
    except InvalidOperation:
        value = None
    if value is None or not 0 < value <= 86_400:
        raise _bad(name, f"{text!r} is not a number of seconds between 0 and 86,400", f"e.g. {name}=10 or 0.5")
    return value


def flag(env: Mapping[str, str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in ("", "0", "false", "no"):
        return False
    if text in ("1", "true", "yes"):
        return True
    raise _bad(name, f"{text!r} is not 1 or 0", f"{name}=1 to turn it on")


def token(env: Mapping[str, str]) -> str | None:
    """The bearer token from CLAUSEWISE_TOKEN or the first line of CLAUSEWISE_TOKEN_FILE (not both), or None."""
    given, file = env.get("CLAUSEWISE_TOKEN", ""), env.get("CLAUSEWISE_TOKEN_FILE", "")
    if given and file:
        raise _bad("CLAUSEWISE_TOKEN", "both CLAUSEWISE_TOKEN and CLAUSEWISE_TOKEN_FILE are set",
                   "set only one of them")
    name = "CLAUSEWISE_TOKEN"
    if file:
        name = file
        try:
            with open(file, encoding="utf-8") as f:
                given = f.read(8192).split("\n", 1)[0].strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise _bad("CLAUSEWISE_TOKEN_FILE", f"cannot read the token file {file}: "
                       f"{getattr(exc, 'strerror', None) or exc}", "name a readable text file") from None
    if not given:
        return None
    if not _TOKEN.fullmatch(given):
        raise _bad(name, "the token is not 16 to 4,096 visible ASCII characters (no spaces)",
                   "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'")
    return given


def authorized(header: str | None, expected: str) -> bool:
    """Whether an Authorization header carries the expected bearer token, compared in constant time."""
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), expected.encode("utf-8"))


def too_large(content_length: str | None, limit: int) -> bool | None:
    """Whether a Content-Length header says the body is over `limit` bytes; None if it is not a number."""
    if content_length is None:
        return False
    text = content_length.strip()
    if not text.isascii() or not text.isdigit():
        return None
    return int(text) > limit
