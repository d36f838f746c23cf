"""`clausewise serve` over real HTTP: a real uvicorn process on a free loopback port (tests/service_fixture.py).

Figures of the bundled agreement (Kaixin), worked by hand from its clauses: one tranche is 1/5 of the
15,000,000 consideration shares = 3,000,000 shares a year; targets Y1 RMB 665,000,000 and Y2 732,000,000.
With revenue Y1 600,000,000 and Y2 800,000,000 (contracts/examples/kaixin-inputs.yaml):
  deducted at Y1 alone = (665,000,000 - 600,000,000) / 665,000,000 x 3,000,000 = 293,233.08 -> 293,234 shares
  released Y1 = 3,000,000 - 293,234 = 2,706,766
  Y2 beats its target by 68,000,000; half, 34,000,000, offsets Y1:
  restored Y1 = 34,000,000 / 665,000,000 x 3,000,000 = 153,383.46 -> 153,384 (spa reading)
  deducted Y1 = 293,234 - 153,384 = 139,850;  released Y2 = 3,000,000 + 153,384 = 3,153,384
  excess-year reading: restored = 34,000,000 / 732,000,000 x 3,000,000 = 139,344.26 -> 139,345,
  released Y2 = 3,139,345, a change of 3,139,345 - 3,153,384 = -14,039.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evaluator.cli import main
from evaluator.service.wire import amounts
from tests.helpers import ROOT
from tests.service_fixture import Service, kaixin_folder, running_service, snapshot

pytestmark = pytest.mark.slow

EXAMPLE = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
INPUTS = {"revenue": {"Y1": 600000000, "Y2": 800000000}}
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: the provenance's time of generation, the same on both sides
BROKEN_RULES = "output x: shares =\n"


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("serve")
    folder = kaixin_folder(tmp)
    (folder / "broken.yaml").write_text("contract: broken\ntitle: Broken\ndate: 2026-01-01\nparties:\n"
                                        "  - {id: A, name: Alpha}\nrules:\n  - broken.rules\n", encoding="utf-8")
    (folder / "broken.rules").write_text(BROKEN_RULES, encoding="utf-8")
    shutil.copy(EXAMPLE, folder / "kaixin-inputs.yaml")  # an inputs file: passed over, not a contract
    return tmp


@pytest.fixture(scope="module")
def before(place: Path) -> dict[str, tuple[bytes, int]]:
    return snapshot(place)


@pytest.fixture(scope="module")
def service(place: Path, before: dict[str, tuple[bytes, int]]) -> Iterator[Service]:
    with running_service(place, place / "contracts", {"SOURCE_DATE_EPOCH": EPOCH}) as s:
        yield s


def cli_json(capsys: pytest.CaptureFixture[str], *args: Any) -> Any:
    """The CLI's JSON for the same question, run in-process."""
    assert main([str(a) for a in args]) == 0
    return json.loads(capsys.readouterr().out)


def post(service: Service, what: str, body: Any, id: str = "kaixin-spa") -> tuple[int, Any]:
    return service.json("POST", f"/contracts/{id}/{what}", body)


def test_health_and_the_contracts_served(service: Service) -> None:
    assert service.json("GET", "/health") == (200, {"status": "ok", "contracts": 1, "not_served": 1})
    status, doc = service.json("GET", "/contracts")
    assert status == 200
    assert doc["contracts"] == [{"id": "kaixin-spa", "contract": "kaixin-spa",
                                 "title": "Kaixin Holdings — Securities Purchase Agreement and Escrow Agreement",
                                 "interpretations": ["spa", "excess-year", "press-release"]}]
    # the broken contract is reported (its rule ends at '='), not served; the others are
    assert list(doc["not_served"]) == ["broken"]
    assert doc["not_served"]["broken"].startswith("broken.rules:1:")
    assert "not serving broken: broken.rules:1:" in service.log_text()


def test_a_contract_described(service: Service) -> None:
    status, doc = service.json("GET", "/contracts/kaixin-spa")
    assert status == 200
    assert [p["id"] for p in doc["parties"]] == ["A", "B", "C", "D"]
    assert doc["parties"][3] == {"id": "D", "name": "AUTOA2A, LTD.", "role": "escrow agent"}
    assert doc["interpretations"] == ["spa", "excess-year", "press-release"]
    assert doc["default_interpretation"] == "spa"
    target = next(o for o in doc["outputs"] if o["name"] == "target")
    assert target == {"name": "target", "unit": "RMB", "periods": ["Y1", "Y2", "Y3", "Y4", "Y5"],
                      "citation": "SPA 4.1", "meaning": target["meaning"]}
    assert "revenue" in doc["inputs_schema"]["properties"]


def _strings(value: Any) -> Any:
    """The CLI's JSON numbers as the service writes them: decimal strings."""
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, bool) or value is None:
        return value
    return str(value)


def test_evaluate_gives_the_figures_of_the_cli(service: Service, place: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    status, doc = post(service, "evaluate", {"inputs": INPUTS})
    assert status == 200
    out = doc["outputs"]
    assert out["released_shares"]["Y1"] == "2706766" and out["released_shares"]["Y2"] == "3153384"
    assert out["restored_shares"]["Y1"] == "153384" and out["deducted_shares"]["Y1"] == "139850"
    assert out["target"]["Y3"] == "805000000" and out["revenue"]["Y3"] is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    cli = cli_json(capsys, "evaluate", place / "contracts" / "kaixin-spa.yaml", "--inputs", EXAMPLE, "--format", "json")
    assert doc["outputs"] == _strings(cli["outputs"])
    # the provenance differs only in where the inputs came from: a file for the CLI, the request here
    assert cli["provenance"]["inputs"]["source"] == "file"
    assert doc["provenance"]["inputs"] == {"source": "request", "file": None, "sha256": None, "header": [],
                                           "overrides": []}
    for side in (doc, cli):
        del side["provenance"]["inputs"], side["outputs"]
    assert doc == amounts(cli)  # the rest alike, amounts written as strings by the same rule (test_serve_units)


def test_every_reading_and_set_overrides(service: Service) -> None:
    status, doc = post(service, "evaluate", {"inputs": {"revenue": {"Y1": 600000000}},
                                             "set": ["revenue.Y2=800000000"], "all_interpretations": True})
    assert status == 200 and doc["schema"] == "clausewise/comparison/3"
    row = next(r for r in doc["rows"] if r["output"] == "released_shares" and r["period"] == "Y2")
    assert row["values"][:2] == ["3153384", "3139345"]


def test_a_float_revenue_is_read_exactly_as_written(service: Service) -> None:
    # 600000000.5 is a JSON number with a fraction: read from its digits (as the CLI reads a JSON inputs file),
    # never through a binary float; it misses the 665,000,000 target
    status, doc = post(service, "evaluate", {"inputs": {"revenue": {"Y1": 600000000.5}}})
    assert status == 200
    assert doc["outputs"]["revenue"]["Y1"] == "600000000.5" and doc["outputs"]["target_met"]["Y1"] is False
    # what has no exact value is refused, at its place in the body
    status, _, raw = service.request("POST", "/contracts/kaixin-spa/evaluate", '{"inputs": {"revenue": {"Y1": NaN}}}',
                                     {"Content-Type": "application/json"})
    problem = json.loads(raw)
    assert status == 400 and problem["type"] == "https://clausewise.dev/problems/malformed-body"
    assert problem["errors"][0]["message"] == "NaN is not a number that can be used"
    assert problem["errors"][0]["line"] == 1 and problem["errors"][0]["column"] == 31  # the N


def test_explain(service: Service) -> None:
    status, doc = post(service, "explain", {"output": "deducted_shares", "period": "Y1",
                                            "inputs": {"revenue": {"Y1": 600000000}}})
    assert status == 200
    root = doc["steps"][0]
    assert (doc["root"], root["value"], root["citation"]) == ("deducted_shares[Y1]", "293234", "SPA 5.2(1)")
    assert root["location"].startswith("../rules/kaixin/spa.rules:")  # never the server's absolute path


def test_schedule_as_json_and_ics(service: Service, capsys: pytest.CaptureFixture[str], place: Path) -> None:
    status, doc = post(service, "schedule", {"inputs": INPUTS, "as_of": "2027-06-30"})
    assert status == 200 and doc["schema"] == "clausewise/schedule/3" and doc["as_of"] == "2027-06-30"
    cli = cli_json(capsys, "schedule", place / "contracts" / "kaixin-spa.yaml", "--inputs", EXAMPLE,
                   "--as-of", "2027-06-30", "--format", "json")
    assert [(o["obligation"], o["period"], o["due"], o["status"]) for o in doc["obligations"]] == \
        [(o["obligation"], o["period"], o["due"], o["status"]) for o in cli["obligations"]]
    status, headers, raw = service.request("POST", "/contracts/kaixin-spa/schedule",
                                           {"as_of": "2027-06-30", "format": "ics"})
    assert status == 200 and headers["content-type"].startswith("text/calendar")
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")


def test_diff_of_two_readings(service: Service) -> None:
    status, doc = post(service, "diff", {"inputs": INPUTS, "against": "excess-year"})
    assert status == 200 and [s["label"] for s in doc["sides"]] == ["kaixin-spa, spa", "kaixin-spa, excess-year"]
    row = next(r for r in doc["rows"] if r["output"] == "released_shares" and r["period"] == "Y2")
    assert (row["values"], row["change"]) == (["3153384", "3139345"], "-14039")


def test_batch_as_json_columns_and_as_csv(service: Service) -> None:
    # a row that misses the Y1 target (released 2,706,766, as above) and one that meets it (the whole 3,000,000)
    status, doc = post(service, "batch", {"columns": {"revenue.Y1": [600000000, "665000000"]}})
    assert status == 200 and doc["rows"] == 2 and doc["failed"] == 0
    assert doc["columns"]["released_shares.Y1"] == ["2706766", "3000000"]
    status, headers, raw = service.request("POST", "/contracts/kaixin-spa/batch", "revenue.Y1\n600000000\n",
                                           {"Content-Type": "text/csv", "Accept": "text/csv"})
    assert status == 200 and headers["content-type"].startswith("text/csv")
    rows = raw.decode().splitlines()
    assert rows[0].split(",")[0] == "row" and len(rows) == 2
    released = rows[0].split(",").index("released_shares.Y1")
    assert rows[1].split(",")[released] == "2706766"


def _problem(service: Service, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    status, got, raw = service.request(method, path, body, headers)
    assert got["content-type"] == "application/problem+json"
    assert b"Traceback" not in raw
    return status, json.loads(raw)


def test_malformed_json_is_400_at_its_place(service: Service) -> None:
    status, p = _problem(service, "POST", "/contracts/kaixin-spa/evaluate", '{"inputs": {"revenue": 1,}}',
                         {"Content-Type": "application/json"})
    assert status == 400 and p["title"] == "The request body is not valid JSON or CSV"
    assert (p["errors"][0]["line"], p["errors"][0]["column"]) == (1, 26)  # the '}' after the trailing comma
    assert p["errors"][0]["message"] == "not valid JSON: Expecting property name enclosed in double quotes"


def test_a_wrong_content_type_is_415(service: Service) -> None:
    status, p = _problem(service, "POST", "/contracts/kaixin-spa/evaluate", "inputs=1",
                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415 and p["detail"] == "this endpoint takes JSON, not application/x-www-form-urlencoded"


def test_bad_inputs_are_422_with_the_cli_message_and_place(service: Service) -> None:
    status, p = _problem(service, "POST", "/contracts/kaixin-spa/evaluate", '{"inputs": {"revenue": {"Y1": "abc"}}}',
                         {"Content-Type": "application/json"})
    assert status == 422 and p["type"] == "https://clausewise.dev/problems/invalid-inputs"
    e = p["errors"][0]
    assert (e["message"], e["path"], e["file"], e["line"], e["column"]) == \
        ("'abc' is not an amount", "revenue.Y1", "<request>", 1, 31)
    assert e["text"].splitlines()[1:3] == ['    1 | {"inputs": {"revenue": {"Y1": "abc"}}}',
                                           "      |                               ^"]


def test_an_unknown_field_is_422(service: Service) -> None:
    status, p = _problem(service, "POST", "/contracts/kaixin-spa/evaluate", {"input": {}})
    assert status == 422 and p["errors"][0]["message"] == "'input' is not a field of evaluate"
    assert p["errors"][0]["hint"] == "did you mean 'inputs'?"


def test_a_bad_reading_is_422(service: Service) -> None:
    status, p = _problem(service, "POST", "/contracts/kaixin-spa/evaluate", {"interpretation": "nope"})
    assert status == 422
    assert p["errors"][0] == {"message": "unknown reading 'nope'", "file": "kaixin-spa.yaml", "line": None,
                              "column": None, "end_line": None, "end_column": None, "path": None,
                              "hint": "known readings: spa, excess-year, press-release",
                              "text": "kaixin-spa.yaml: error: unknown reading 'nope'\n"
                                      "   hint: known readings: spa, excess-year, press-release"}


@pytest.mark.parametrize("path", ["/contracts/nope", "/contracts/broken/evaluate", "/contracts/%2e%2e/evaluate",
                                  "/contracts/..%2fkaixin-spa/evaluate", "/contracts/kaixin-spa.yaml"])
def test_an_unknown_contract_is_404(service: Service, path: str) -> None:
    method = "POST" if path.endswith("evaluate") else "GET"
    status, p = _problem(service, method, path)
    assert status == 404


def test_path_traversal_is_404_without_reading_a_file(service: Service) -> None:
    for path in ["/contracts/../../etc/passwd", "/contracts/..%2f..%2fetc%2fpasswd", "/../contracts/kaixin-spa"]:
        status, p = _problem(service, "GET", path)
        assert status == 404, path
        assert "root:" not in json.dumps(p)


def test_a_wrong_method_is_405(service: Service) -> None:
    status, p = _problem(service, "GET", "/contracts/kaixin-spa/evaluate")
    assert status == 405 and p["title"] == "This address does not take this method"


def test_openapi_and_its_docs_page(service: Service) -> None:
    status, doc = service.json("GET", "/openapi.json")
    assert status == 200
    assert {"/health", "/contracts", "/contracts/{id}", "/contracts/{id}/evaluate", "/contracts/{id}/explain",
            "/contracts/{id}/schedule", "/contracts/{id}/diff", "/contracts/{id}/batch"} <= set(doc["paths"])
    status, headers, raw = service.request("GET", "/docs")
    assert status == 200 and b"swagger" in raw.lower()


def test_cors_is_off_by_default(service: Service) -> None:
    status, headers, _ = service.request("GET", "/contracts", headers={"Origin": "https://elsewhere.example"})
    assert status == 200 and "access-control-allow-origin" not in headers


def test_one_log_line_per_request_without_input_values(service: Service) -> None:
    mark = '{"method": "POST", "path": "/contracts/kaixin-spa/evaluate", "status": 200'
    before = service.log_text().count(mark)
    post(service, "evaluate", {"inputs": {"revenue": {"Y1": 612345678}}, "as_of": "2031-01-01"})
    end = time.monotonic() + 30  # the line is written once the response is sent
    while service.log_text().count(mark) == before and time.monotonic() < end:
        time.sleep(0.05)
    lines = [json.loads(line) for line in service.log_text().splitlines() if line.startswith(mark)]
    last = lines[-1]
    assert {k: last[k] for k in ("method", "path", "status", "contract")} == \
        {"method": "POST", "path": "/contracts/kaixin-spa/evaluate", "status": 200, "contract": "kaixin-spa"}
    assert isinstance(last["ms"], int | float)
    assert "612345678" not in service.log_text()


def test_zz_the_contracts_folder_is_never_written(service: Service, place: Path,
                                                  before: dict[str, tuple[bytes, int]]) -> None:
    post(service, "evaluate", {"inputs": INPUTS})
    assert snapshot(place) == before or set(snapshot(place)) - set(before) <= {
        name for name in snapshot(place) if name.startswith("service-")}  # only the test's own log is new
    after = {k: v for k, v in snapshot(place).items() if not k.startswith("service-")}
    assert after == before


@pytest.fixture(scope="module")
def guarded(place: Path) -> Iterator[Service]:
    env = {"CLAUSEWISE_TOKEN": "a-token-of-24-characters", "CLAUSEWISE_MAX_BODY": "2000",
           "CLAUSEWISE_MAX_ROWS": "10", "CLAUSEWISE_CORS_ORIGINS": "https://app.example"}
    with running_service(place, place / "contracts", env) as s:
        yield s


AUTH = {"Authorization": "Bearer a-token-of-24-characters"}


def test_a_missing_or_bad_token_is_401(guarded: Service) -> None:
    status, p = _problem(guarded, "GET", "/contracts")
    assert status == 401 and p["detail"] == "this service needs a bearer token: Authorization: Bearer TOKEN"
    status, headers, _ = guarded.request("GET", "/contracts")
    assert headers["www-authenticate"] == 'Bearer realm="clausewise"'
    status, p = _problem(guarded, "GET", "/contracts", headers={"Authorization": "Bearer a-token-of-24-characterZ"})
    assert status == 401 and p["detail"] == "the bearer token is not the one this service takes"
    assert guarded.json("GET", "/contracts/kaixin-spa", headers=AUTH)[0] == 200
    assert guarded.json("GET", "/health")[0] == 200  # health stays open


def test_an_oversized_body_is_413(guarded: Service) -> None:
    big = {"inputs": {"revenue": {"Y1": 600000000}}, "set": ["revenue.Y2=800000000"] * 200}  # > 2,000 bytes
    status, p = _problem(guarded, "POST", "/contracts/kaixin-spa/evaluate", big, AUTH)
    assert status == 413 and p["detail"] == "the body is larger than 2,000 bytes, the most this service takes"
    # no Content-Length (chunked): refused while it streams
    conn = __import__("http.client").client.HTTPConnection(guarded.host, guarded.port, timeout=30)
    conn.putrequest("POST", "/contracts/kaixin-spa/evaluate")
    for k, v in {**AUTH, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}.items():
        conn.putheader(k, v)
    conn.endheaders()
    for _ in range(5):
        conn.send(b"3e8\r\n" + b" " * 1000 + b"\r\n")
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    assert response.status == 413
    conn.close()


def test_too_many_batch_rows_is_413(guarded: Service) -> None:
    body = "revenue.Y1\n" + "600000000\n" * 11
    status, p = _problem(guarded, "POST", "/contracts/kaixin-spa/batch", body, {**AUTH, "Content-Type": "text/csv"})
    assert status == 413 and p["detail"] == "the batch has 11 rows; this service takes at most 10"


def test_cors_when_configured(guarded: Service) -> None:
    status, headers, _ = guarded.request("GET", "/contracts", headers={**AUTH, "Origin": "https://app.example"})
    assert status == 200 and headers["access-control-allow-origin"] == "https://app.example"


def test_a_time_limit_hit_is_503_and_the_worker_survives(tmp_path: Path, place: Path) -> None:
    env = {"CLAUSEWISE_TIME_LIMIT": "0.2", "CLAUSEWISE_MAX_BODY": "5000000"}
    rows = "revenue.Y1,revenue.Y2\n" + "600000000,800000000\n" * 100_000  # seconds of work, past 0.2 s
    with running_service(tmp_path, place / "contracts", env) as s:
        status, p = _problem(s, "POST", "/contracts/kaixin-spa/batch", rows, {"Content-Type": "text/csv"})
        assert status == 503 and p["detail"] == "the evaluation did not finish within the time limit (0.2 s)"
        assert s.json("GET", "/health")[0] == 200  # at once: the event loop is free
        end = time.monotonic() + 60  # evaluations answer again (the overrun thread shares the CPU until done)
        status, doc = post(s, "evaluate", {"inputs": INPUTS})
        while status == 503 and time.monotonic() < end:
            status, doc = post(s, "evaluate", {"inputs": INPUTS})
        assert status == 200 and doc["outputs"]["released_shares"]["Y1"] == "2706766"


def test_serve_without_a_folder_serves_the_bundled_contracts(tmp_path: Path) -> None:
    with running_service(tmp_path) as s:
        status, doc = s.json("GET", "/contracts")
        assert status == 200 and "kaixin-spa" in [c["id"] for c in doc["contracts"]]


def test_serve_without_the_extra_says_how_to_install_it() -> None:
    code = ("import sys; sys.modules['fastapi'] = None\n"
            "from evaluator.cli import main; sys.exit(main(['serve']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "clausewise: error: the service needs fastapi, which is not installed\n" \
                          "   hint: pip install 'clausewise[serve]'\n"

