"""The service's pure parts, without a server: settings and limits, problems, amounts on the wire, ids."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

import pytest

from evaluator.errors import ContractError, Diagnostic, InputError
from evaluator.service import limits, problems, registry, runner, wire
from evaluator.service.limits import Settings, SettingsError


def test_settings_from_the_environment(tmp_path: Path) -> None:
    env = {"CLAUSEWISE_MAX_BODY": "2_000", "CLAUSEWISE_TIME_LIMIT": "0.5", "CLAUSEWISE_MAX_ROWS": "1,000",
           "CLAUSEWISE_TOKEN": "x" * 16, "CLAUSEWISE_CORS_ORIGINS": "https://a.example, https://b.example",
           "CLAUSEWISE_LOG_INPUTS": "1"}
    s = Settings.from_env(env, tmp_path)
    assert (s.max_body, s.time_limit, s.max_rows, s.token, s.cors_origins, s.log_inputs) == \
        (2000, Decimal("0.5"), 1000, "x" * 16, ("https://a.example", "https://b.example"), True)
    default = Settings.from_env({}, tmp_path)
    assert (default.max_body, default.time_limit, default.max_rows, default.token, default.cors_origins) == \
        (10_000_000, Decimal(10), 100_000, None, ())


@pytest.mark.parametrize(("name", "value", "message"), [
    ("CLAUSEWISE_MAX_BODY", "0", "'0' is not a whole number of at least 1"),
    ("CLAUSEWISE_MAX_ROWS", "1e6", "'1e6' is not a whole number of at least 1"),
    ("CLAUSEWISE_TIME_LIMIT", "-1", "'-1' is not a number of seconds between 0 and 86,400"),
    ("CLAUSEWISE_TOKEN", "short", "the token is not 16 to 4,096 visible ASCII characters (no spaces)"),
    ("CLAUSEWISE_LOG_INPUTS", "maybe", "'maybe' is not 1 or 0"),
])
def test_a_bad_setting_is_an_error_naming_it(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({name: value}, tmp_path)
    assert caught.value.diagnostics[0].message == message
    assert caught.value.diagnostics[0].file == name


def test_the_token_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("t0ken-from-a-file-0123\nsecond line\n", encoding="utf-8")
    assert limits.token({"CLAUSEWISE_TOKEN_FILE": str(tmp_path / "token")}) == "t0ken-from-a-file-0123"
    with pytest.raises(SettingsError, match="cannot read the token file"):
        limits.token({"CLAUSEWISE_TOKEN_FILE": str(tmp_path / "none")})


def test_bearer_tokens_compared() -> None:
    assert limits.authorized("Bearer secret-token-0123456", "secret-token-0123456")
    assert limits.authorized("bearer secret-token-0123456", "secret-token-0123456")  # the scheme is case-blind
    assert not limits.authorized("Bearer secret-token-0123457", "secret-token-0123456")
    assert not limits.authorized("Basic secret-token-0123456", "secret-token-0123456")
    assert not limits.authorized(None, "secret-token-0123456")


def test_content_length_against_the_limit() -> None:
    assert limits.too_large("1001", 1000) is True
    assert limits.too_large("1000", 1000) is False
    assert limits.too_large(None, 1000) is False  # streamed: counted as it comes
    assert limits.too_large("12ab", 1000) is None  # not a number: a malformed request


def test_a_problem_in_rfc_9457_shape() -> None:
    p = problems.Problem(413, "body-too-large", "the body is larger than 2,000 bytes")
    assert p.body() == {"type": "https://clausewise.dev/problems/body-too-large",
                        "title": "The request body is larger than the service accepts", "status": 413,
                        "detail": "the body is larger than 2,000 bytes"}


def test_a_contract_error_as_a_problem_names_files_relative_to_the_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "x.rules"
    rules.parent.mkdir()
    rules.write_text("output a: shares = 1\noutput b: shares = c\n", encoding="utf-8")
    exc = ContractError(Diagnostic("unknown name 'c'", str(rules), 2, 20, 2, 21, "did you mean 'a'?"))
    p = problems.from_error(exc, tmp_path / "contracts")
    assert p.status == 422 and p.kind == "invalid-request"
    assert p.errors[0]["file"] == "../rules/x.rules"
    assert p.detail == ("../rules/x.rules:2:20: error: unknown name 'c'\n"
                        "    2 | output b: shares = c\n"
                        "      |                    ^\n"
                        "   hint: did you mean 'a'?")
    assert str(tmp_path) not in p.text().decode()
    inputs = problems.from_error(InputError(Diagnostic("'abc' is not an amount", "<request>", path="sales.FY1")),
                                 tmp_path)
    assert inputs.kind == "invalid-inputs" and inputs.errors[0]["path"] == "sales.FY1"


def test_amounts_travel_as_decimal_strings() -> None:
    doc = {"outputs": {"payment": {"FY1": 5, "FY2": Decimal("0.50"), "FY3": None}, "met": True},
           "rows": 3, "ratio": Decimal("2.5"), "big": 2**60, "line": 12}
    assert wire.amounts(doc) == {"outputs": {"payment": {"FY1": "5", "FY2": "0.50", "FY3": None}, "met": True},
                                 "rows": 3, "ratio": "2.5", "big": "1152921504606846976", "line": 12}


def test_a_json_body_keeps_numbers_exact_and_places() -> None:
    data = wire.json_body(b'{"inputs": {"sales": {"FY1": 0.1}}}')
    assert data.value == {"inputs": {"sales": {"FY1": Decimal("0.1")}}}
    assert wire.part(data, "inputs").places[("sales", "FY1")] == (1, 30)
    with pytest.raises(problems.Problem) as caught:
        wire.json_body(b'{"inputs": Infinity}')
    assert caught.value.status == 400
    assert caught.value.errors[0]["message"] == "Infinity is not a number that can be used"
    with pytest.raises(problems.Problem) as caught:
        wire.json_body(b"\xff{}")
    assert caught.value.detail == "the body is not UTF-8 text (byte 1)"


@pytest.mark.parametrize(("id", "ok"), [("kaixin-spa", True), ("note_2007.v2", True), ("..", False),
                                        ("a..b", False), ("a/b", False), (".hidden", False), ("", False)])
def test_contract_ids(id: str, ok: bool) -> None:
    assert registry.valid_id(id) is ok


def test_the_runner_answers_503_past_the_time_limit_and_frees_its_slot_later() -> None:
    r = runner.Runner(1, Decimal("0.05"))

    async def go() -> tuple[int, int]:
        with pytest.raises(problems.Problem) as late:
            await r.run(time.sleep, 0.3)
        # the one slot is held until the sleeping thread ends; then work runs again
        await asyncio.sleep(0.4)
        return late.value.status, await r.run(lambda: 7)

    try:
        assert asyncio.run(go()) == (503, 7)
    finally:
        r.close()
