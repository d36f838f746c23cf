"""How long the command takes to start, against a bare `python -c pass` measured in the same run.

    python benchmarks/startup.py               # medians of 15 runs of each
    python benchmarks/startup.py --runs 31

Each run is a new process (a cold start of the interpreter; the operating system's file cache is warm, as
on any second use). The compiled bytecode is kept, as an installed package has it (pip compiles it at
install time): in a temporary folder (PYTHONPYCACHEPREFIX), written by one run of each command first,
so that nothing is written into the checkout. Printed: the median wall time of each command in ms and its
ratio to `python -c pass`. The targets (issue 15): `clausewise --help` at most 3x, `clausewise evaluate` on
Kaixin's example inputs at most 4x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass", ["-c", "pass"], None),
    ("clausewise --help", ["-m", "clausewise", "--help"], 3.0),
    ("clausewise evaluate (Kaixin, example inputs)",
     ["-m", "clausewise", "evaluate", "contracts/kaixin-spa.yaml", "--inputs", "contracts/examples/kaixin-inputs.yaml"],
     4.0),
]


def once(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default: 15)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clausewise-startup-") as cache:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")}
        env["PYTHONPYCACHEPREFIX"] = cache
        for _, args, _ in COMMANDS:
            once(args, env)  # writes the bytecode
        times: dict[str, list[float]] = {label: [] for label, _, _ in COMMANDS}
        for _ in range(options.runs):  # interleaved, so that a busy moment touches every command alike
            for label, args, _ in COMMANDS:
                times[label].append(once(args, env))
    base = statistics.median(times[COMMANDS[0][0]])
    width = max(len(label) for label, _, _ in COMMANDS)
    print(f"medians of {options.runs} runs each (load average {os.getloadavg()[0]:.2f})")
    ok = True
    for label, _, target in COMMANDS:
        median = statistics.median(times[label])
        ratio = median / base
        verdict = "" if target is None else f"  (target <= {target:g}x: {'met' if ratio <= target else 'NOT met'})"
        ok = ok and (target is None or ratio <= target)
        print(f"{label:<{width}}  {median * 1000:7.1f} ms  {ratio:5.2f}x{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
