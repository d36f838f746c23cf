"""`clausewise simulate` on Kaixin: 100,000 paths, all three readings, end to end (a new process each run:
start, loading the contract, drawing, evaluating every path exactly, the table).

    python benchmarks/simulate.py               # median of 5 runs
    python benchmarks/simulate.py --paths 1000000 --repeat 3

Prints the median wall time of the whole command, and of `Contract.simulate` alone in this process.
Target (issue 13): <= 2 s end to end on the 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import evaluator  # noqa: E402

CONTRACT = ROOT / "contracts" / "kaixin-spa.yaml"
MODEL = ROOT / "contracts" / "examples" / "kaixin-model.yaml"
INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    command = [sys.executable, "-m", "evaluator", "simulate", str(CONTRACT), "--model", str(MODEL),
               "--inputs", str(INPUTS), "--paths", str(args.paths), "--seed", "42", "--all-interpretations",
               "--price", "2.5", "--discount-rate", "0.1"]
    whole = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        whole.append(time.perf_counter() - start)
    contract = evaluator.load(CONTRACT)
    readings = list(contract.interpretations)
    inside = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        contract.simulate(MODEL, args.paths, 42, inputs=INPUTS, interpretations=readings)
        inside.append(time.perf_counter() - start)
    print(f"simulate, Kaixin, {args.paths:,} paths, {len(readings)} readings (median of {args.repeat}):")
    print(f"  end to end (clausewise simulate ... --all-interpretations): {statistics.median(whole):.2f} s")
    print(f"  Contract.simulate alone, in process:                       {statistics.median(inside):.2f} s")


if __name__ == "__main__":
    main()
