"""A real clausewise service for tests, over real HTTP on a free loopback port.

    with running_service(tmp_path, contracts=folder, env={"CLAUSEWISE_TOKEN": ...}) as service:
        status, headers, body = service.request("POST", "/contracts/x/evaluate", {"inputs": {...}})
        status, doc = service.json("GET", "/health")

`running_service` starts `python -m evaluator serve --port 0` (uvicorn picks a free port and logs it), waits
until GET /health answers 200 (at most 60 s), and stops the process at the end (SIGTERM, then SIGKILL after
10 s). The server's log (one JSON line per request) is `service.log_text()`. `kaixin_folder(tmp_path)` makes
a contracts folder holding a copy of the bundled agreement, its rules beside it as in the repository.
Tests using it are marked @pytest.mark.slow.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STARTED = re.compile(r"Uvicorn running on http://127\.0\.0\.1:([0-9]+)")


@dataclass
class Service:
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None,
                timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        """One request; `path` is sent exactly as given (no normalising of '..' or %2e); a dict or list body is
        sent as JSON, bytes and str as they are."""
        sent = dict(headers or {})
        data: bytes | None
        if isinstance(body, dict | list):
            data = json.dumps(body).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        else:
            data = body.encode("utf-8") if isinstance(body, str) else body
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def json(self, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None
             ) -> tuple[int, Any]:
        status, _, raw = self.request(method, path, body, headers)
        return status, json.loads(raw)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_service(tmp: Path, contracts: Path | None = None, env: Mapping[str, str] | None = None,
                    workers: int = 1) -> Iterator[Service]:
    log = tmp / f"service-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "evaluator", "serve", "--port", "0", "--workers", str(workers)]
    if contracts is not None:
        command += ["--contracts", str(contracts)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWISE_")}
    environment.update(env or {})
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=tmp, env=environment)
    try:
        service = Service("127.0.0.1", _port(process, log), process, log)
        _wait_healthy(service)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _port(process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> int:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        found = STARTED.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"the service stopped at start (exit {process.returncode}):\n{log.read_text()}")
        time.sleep(0.05)
    raise RuntimeError(f"the service did not start within {seconds} s:\n{log.read_text()}")


def _wait_healthy(service: Service, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if service.request("GET", "/health", timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"GET /health did not answer 200 within {seconds} s:\n{service.log_text()}")


def kaixin_folder(tmp: Path) -> Path:
    """tmp/contracts (the bundled contract and its agreement text) and tmp/rules/kaixin (its rules)."""
    contracts = tmp / "contracts"
    contracts.mkdir()
    for name in ("kaixin-spa.yaml", "kaixin-spa-agreement.txt"):
        shutil.copy(ROOT / "contracts" / name, contracts / name)
    shutil.copytree(ROOT / "rules" / "kaixin", tmp / "rules" / "kaixin")
    return contracts


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under a folder: its bytes and modification time (ns), by relative name."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}
