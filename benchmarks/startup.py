"""How long the command takes to start, against a bare `python -c pass` measured in the same run.

    python benchmarks/startup.py               # medians of 15 runs of each
    python benchmarks/startup.py --runs 31

Each run is a new process (a cold start of the interpreter; the operating system's file cache is warm, as
on any second use). The compiled bytecode is kept, as an installed package has it (pip compiles it at
install time): in a temporary folder (PYTHONPYCACHEPREFIX), written by one run of each command first,
so that nothing is written into the checkout. The command keeps the rule files it parsed in a cache
folder (parse_cache.py): here a temporary one, kept between the runs of "evaluate", and a new empty
one for every run of "evaluate, first run" (a contract never evaluated before, or just edited).

"clausewise" is the script pip installs beside this interpreter, as a user runs it (`python -m clausewise`,
shown too, also loads runpy). Printed: the median wall time of each command in ms, its ratio to
`python -c pass` (the median of each run's ratio to the bare start of the same round: a virtual machine's
speed drifts by 10-20% from minute to minute, and the ratio of two medians taken over such a drift is
noisier), and how clausewise is installed: an editable install (`pip install -e`) makes every
interpreter start import its finder (pathlib, re and more), which makes `python -c pass` slower and the
ratios smaller than a regular install's (`pip install .`, the README's first command). "floor" imports
only the standard modules an evaluation cannot do without (arguments, exact numbers, dates, paths, JSON
for the kept files, the cache folder's context variable), and so shows what a Python command of this
kind cannot go below: in a regular install it is about 3x a bare start already.

Targets (issue 15): `clausewise --help` at most 3x, `clausewise evaluate` on Kaixin's example inputs at
most 4x. The exit status is 1 when one is not met.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KAIXIN = ["contracts/kaixin-spa.yaml", "--inputs", "contracts/examples/kaixin-inputs.yaml"]
FLOOR = "import argparse, contextvars, datetime, decimal, fractions, json, pathlib, re"
PYTHON = [sys.executable]
# The command as a user types it: the script pip installs beside this interpreter (else python -m clausewise)
_SCRIPT = Path(sys.executable).with_name("clausewise")
CLAUSEWISE = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "clausewise"]
# label, the command, target ratio, a new cache folder for every run
COMMANDS: list[tuple[str, list[str], float | None, bool]] = [
    ("python -c pass", [*PYTHON, "-c", "pass"], None, False),
    ("floor (standard modules it needs)", [*PYTHON, "-c", FLOOR], None, False),
    ("clausewise --help", [*CLAUSEWISE, "--help"], 3.0, False),
    ("clausewise evaluate (Kaixin)", [*CLAUSEWISE, "evaluate", *KAIXIN], 4.0, False),
    ("python -m clausewise evaluate", [*PYTHON, "-m", "clausewise", "evaluate", *KAIXIN], None, False),
    ("clausewise evaluate, first run", [*CLAUSEWISE, "evaluate", *KAIXIN], None, True),
]


def once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def installed() -> str:
    """How clausewise is installed in this interpreter: "editable", "regular" or "not installed"."""
    try:
        direct = metadata.distribution("clausewise").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return "not installed"
    editable = bool(direct and json.loads(direct).get("dir_info", {}).get("editable"))
    return "editable" if editable else "regular"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default: 15)")
    options = parser.parse_args(argv)
    times: dict[str, list[float]] = {label: [] for label, *_ in COMMANDS}
    with tempfile.TemporaryDirectory(prefix="clausewise-startup-") as work:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")}
        env["PYTHONPYCACHEPREFIX"] = os.path.join(work, "bytecode")
        kept = {**env, "CLAUSEWISE_CACHE": os.path.join(work, "kept")}
        for _, args, _, _ in COMMANDS:
            once(args, kept)  # writes the bytecode, and keeps the parsed rules for "evaluate"
        for run in range(options.runs):  # interleaved, so that a busy moment touches every command alike
            for label, args, _, fresh in COMMANDS:
                new = {**env, "CLAUSEWISE_CACHE": os.path.join(work, f"new-{run}")} if fresh else kept
                times[label].append(once(args, new))
    bare = times[COMMANDS[0][0]]
    width = max(len(label) for label, *_ in COMMANDS)
    print(f"medians of {options.runs} runs each; clausewise installed: {installed()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    ok = True
    for label, _, target, _ in COMMANDS:
        median = statistics.median(times[label])
        # each run against the bare start of its own round (the machine's speed drifts from round to round)
        ratio = statistics.median(t / b for t, b in zip(times[label], bare, strict=True))
        verdict = "" if target is None else f"  (target <= {target:g}x: {'met' if ratio <= target else 'NOT met'})"
        ok = ok and (target is None or ratio <= target)
        print(f"{label:<{width}}  {median * 1000:7.1f} ms  {ratio:5.2f}x{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
