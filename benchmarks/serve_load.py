"""Load and soak test of `clausewise serve`: loopback only, bounded in count and time, stops by itself.

    python benchmarks/serve_load.py [--requests 10000] [--clients 8] [--rows 100000] [--repeat 1] [--deadline 600]

Starts uvicorn on a free loopback port (a socket bound here to 127.0.0.1:0 and handed to the server, so no other
process can take the port in between), with the bundled contracts; waits until /health answers; then

- soak: `--clients` threads, each with one keep-alive connection (http.client), share `--requests` POSTs to
  /contracts/kaixin-spa/evaluate: the example inputs (Y1 RMB 600,000,000, Y2 800,000,000) with Y3 varied per
  request (RMB 700,000,000 + i x 1,000), amounts as decimal strings; every answer must be 200 with the figures
  of the hand-worked example (released_shares Y1 2,706,766: 3,000,000 x 600/665 rounded down). It reports
  requests/s, p50 and p99 latency, errors (must be 0), and the server's resident memory (VmRSS of
  /proc/PID/status) after a warm-up of 200 requests and after the run (must be flat within 10%);
- batch: one POST /contracts/kaixin-spa/batch of `--rows` scenarios (JSON columns revenue.Y1 .. revenue.Y5,
  drawn with random.Random(0) between RMB 0 and twice each year's target), its time and rows/s.

Every request has a timeout, the whole run a deadline (`--deadline` seconds, after which the clients stop and
the run counts as failed), and the server is stopped at the end whatever happens. Exit 0 when there were no
errors and memory stayed flat, 1 otherwise. With `--repeat N`, the figures are medians of N runs, each on a
fresh server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = "kaixin-spa"
TARGETS = (665_000_000, 732_000_000, 805_000_000, 885_000_000, 974_000_000)  # SPA 4.1, RMB
WARM_UP = 200
TIMEOUT = 120.0  # seconds, for any one request


def vm_rss(pid: int) -> int:
    """The resident memory of a process, in kB (VmRSS of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


class Server:
    """uvicorn serving the bundled contracts on a loopback socket bound here; stopped by `close`."""

    def __init__(self, contracts: Path, env: dict[str, str]) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        fd = self.sock.fileno()
        environ = {**os.environ, "CLAUSEWISE_CONTRACTS": str(contracts), **env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "clausewise.service.app:from_environment",
             "--fd", str(fd), "--log-level", "warning", "--no-access-log"],
            pass_fds=(fd,), env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=str(ROOT))

    def wait_ready(self, seconds: float = 120.0) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr else ""
                raise RuntimeError(f"the server exited ({self.process.returncode}): {err[-2000:]}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    c.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer /health within {seconds:g} s")

    def close(self) -> None:
        self.sock.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)
        if self.process.stderr:
            self.process.stderr.close()


def evaluate_body(i: int) -> bytes:
    inputs = {"revenue": {"Y1": "600000000", "Y2": "800000000", "Y3": str(700_000_000 + i * 1_000)}}
    return json.dumps({"inputs": inputs}).encode("utf-8")


def check(status: int, body: bytes) -> str | None:
    """Why an evaluate answer is wrong, or None: 200 and Y1's released shares as worked out by hand."""
    if status != 200:
        return f"status {status}: {body[:200]!r}"
    released = json.loads(body)["outputs"]["released_shares"]["Y1"]
    return None if str(released) == "2706766" else f"released_shares Y1 is {released}, not 2706766"


def soak(port: int, requests: int, clients: int, deadline: float, first: int = 0) -> tuple[list[float], list[str]]:
    """`requests` evaluations shared by `clients` keep-alive connections: their latencies (s) and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(first, first + requests))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        mine: list[float] = []
        try:
            while time.monotonic() < deadline:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                body = evaluate_body(i)
                start = time.perf_counter()
                try:
                    conn.request("POST", f"/contracts/{CONTRACT}/evaluate", body,
                                 {"Content-Type": "application/json"})
                    response = conn.getresponse()
                    data = response.read()
                    mine.append(time.perf_counter() - start)
                    wrong = check(response.status, data)
                except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                    wrong = f"{type(exc).__name__}: {exc}"
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
                if wrong:
                    with lock:
                        errors.append(wrong)
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(deadline - time.monotonic(), 0) + TIMEOUT)
    done = len(latencies)
    if done < requests:
        errors.append(f"only {done} of {requests} requests were answered before the deadline")
    return latencies, errors


def batch(port: int, rows: int) -> tuple[float, int, str | None]:
    """One batch request of `rows` scenarios: seconds, size of the answer in bytes, and what was wrong."""
    draw = random.Random(0)
    columns = {f"revenue.Y{k + 1}": [str(draw.randrange(0, 2 * target + 1)) for _ in range(rows)]
               for k, target in enumerate(TARGETS)}
    body = json.dumps({"columns": columns}).encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        start = time.perf_counter()
        conn.request("POST", f"/contracts/{CONTRACT}/batch", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        seconds = time.perf_counter() - start
    finally:
        conn.close()
    if response.status != 200:
        return seconds, len(data), f"status {response.status}: {data[:300]!r}"
    doc = json.loads(data)
    if doc.get("rows") != rows or doc.get("failed"):
        return seconds, len(data), f"rows {doc.get('rows')}, failed {doc.get('failed')}"
    return seconds, len(data), None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]  # nearest rank


def run(args: argparse.Namespace) -> dict[str, float]:
    server = Server(args.contracts, {"CLAUSEWISE_TIME_LIMIT": "300", "CLAUSEWISE_MAX_ROWS": str(max(args.rows, 1)),
                                     "CLAUSEWISE_MAX_BODY": str(200_000_000)})
    try:
        server.wait_ready()
        pid = server.process.pid
        started = vm_rss(pid)
        deadline = time.monotonic() + args.deadline
        _, warm_errors = soak(server.port, WARM_UP, args.clients, deadline, first=10**6)
        before = vm_rss(pid)
        start = time.perf_counter()
        latencies, errors = soak(server.port, args.requests, args.clients, deadline)
        elapsed = time.perf_counter() - start
        after = vm_rss(pid)
        seconds, size, wrong = batch(server.port, args.rows) if args.rows else (0.0, 0, None)
        batch_rss = vm_rss(pid)
    finally:
        server.close()
    errors = warm_errors + errors + ([f"batch: {wrong}"] if wrong else [])
    for e in errors[:5]:
        print(f"error: {e}", file=sys.stderr)
    return {"requests": len(latencies), "clients": args.clients, "seconds": elapsed,
            "requests_per_s": len(latencies) / elapsed if elapsed else 0.0,
            "p50_ms": percentile(latencies, 50) * 1000 if latencies else 0.0,
            "p99_ms": percentile(latencies, 99) * 1000 if latencies else 0.0,
            "errors": len(errors), "rss_start_kb": started, "rss_before_kb": before, "rss_after_kb": after,
            "rss_change_pct": (after - before) / before * 100, "batch_rows": args.rows, "batch_s": seconds,
            "batch_rows_per_s": args.rows / seconds if seconds else 0.0, "batch_answer_bytes": size,
            "rss_after_batch_kb": batch_rss}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=10_000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--rows", type=int, default=100_000, help="scenarios of the batch request (0: none)")
    p.add_argument("--repeat", type=int, default=1, help="runs, each on a fresh server: medians are reported")
    p.add_argument("--deadline", type=float, default=600.0, help="seconds for the soak of one run, at most")
    p.add_argument("--contracts", type=Path, default=ROOT / "contracts")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    runs = [run(args) for _ in range(max(args.repeat, 1))]
    figures = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    figures["errors"] = sum(r["errors"] for r in runs)
    flat = all(abs(r["rss_change_pct"]) <= 10 for r in runs)
    if args.json:
        print(json.dumps({"runs": runs, "median": figures}, indent=2))
    else:
        label = f"median of {len(runs)} runs" if len(runs) > 1 else "one run"
        print(f"clausewise serve, {CONTRACT}, loopback, {args.clients} clients ({label})")
        print(f"  evaluate: {int(figures['requests']):,} requests in {figures['seconds']:.1f} s: "
              f"{figures['requests_per_s']:.0f} requests/s, p50 {figures['p50_ms']:.1f} ms, "
              f"p99 {figures['p99_ms']:.1f} ms, errors {figures['errors']:g}")
        print(f"  memory (VmRSS): {figures['rss_start_kb'] / 1024:.1f} MB at start, "
              f"{figures['rss_before_kb'] / 1024:.1f} MB after {WARM_UP} warm-up requests, "
              f"{figures['rss_after_kb'] / 1024:.1f} MB after the run ({figures['rss_change_pct']:+.1f}%: "
              f"{'flat' if flat else 'NOT flat'} within 10%)")
        if args.rows:
            print(f"  batch: {args.rows:,} rows in {figures['batch_s']:.2f} s: {figures['batch_rows_per_s']:,.0f} "
                  f"rows/s ({figures['batch_answer_bytes'] / 1e6:.1f} MB answered; VmRSS after "
                  f"{figures['rss_after_batch_kb'] / 1024:.0f} MB)")
    return 0 if figures["errors"] == 0 and flat else 1


if __name__ == "__main__":
    sys.exit(main())
