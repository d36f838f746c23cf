"""The library is a guest: it never changes the interpreter's settings and is safe to call from threads.

Evaluation walks a static order of cells (cells.py) instead of recursing, so a long chain of references
needs no deep stack: nothing raises the recursion limit or the thread stack size, which are the process's,
not ours. Each test runs in a child process, so that a crash (a fatal error or a segmentation fault, as
the old deep-stack thread could cause) fails the test instead of ending the test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import ROOT

RUNNING_TOTAL = """\
import sys, threading
from datetime import date, timedelta
from pathlib import Path
import evaluator

folder = Path(sys.argv[1])
days = [date(2026, 1, 1) + timedelta(days=i) for i in range(1500)]
rules = 'currency USD cites "x"\\nperiods day cites "x"\\n'
rules += "".join(f"  D{i} from {d} to {d}\\n" for i, d in enumerate(days))
rules += '''input amount: USD by day cites "x"
rule running for each day q cites "x"
  = if q = first(day) then amount[q] else amount[q] + running[previous(q)]
rule total cites "x" = running[last(day)]
outputs total
'''
(folder / "rules.rules").write_text(rules, encoding="utf-8")
(folder / "contract.yaml").write_text(
    "contract: t\\ntitle: T\\ndate: 2026-01-01\\nparties:\\n  - {id: A, name: Alpha}\\nrules:\\n  - rules.rules\\n",
    encoding="utf-8")
"""


def _run(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUNNING_TOTAL + textwrap.dedent(script), str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


@pytest.mark.slow  # 5 s: eight threads, 1,500 days each
def test_eight_threads_evaluate_a_1500_day_running_total_and_leave_the_interpreter_as_it_was(tmp_path: Path) -> None:
    # Each thread loads the contract and evaluates it for its own amount per day: total = 1,500 x amount.
    # Meanwhile the main thread watches the recursion limit and the thread stack size: they never move.
    result = _run("""
        limit, stack = sys.getrecursionlimit(), threading.stack_size()
        shared = evaluator.load(folder / "contract.yaml")
        totals, errors, seen = {}, [], set()

        def work(n):
            try:
                mine = evaluator.load(folder / "contract.yaml")
                for contract in (mine, shared):
                    out = contract.evaluate({"amount": {f"D{i}": n for i in range(1500)}}, narrate=False).outputs
                    totals.setdefault(n, []).append(out["total"])
            except BaseException as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 9)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            seen.add((sys.getrecursionlimit(), threading.stack_size()))
        for t in threads:
            t.join()
        assert not errors, errors
        assert totals == {n: [1500 * n, 1500 * n] for n in range(1, 9)}, totals
        assert seen <= {(limit, stack)}, seen
        assert (sys.getrecursionlimit(), threading.stack_size()) == (limit, stack)
        print("ok")
    """, tmp_path)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "ok", "")


def test_a_host_thread_recursing_deeply_still_gets_recursion_error_while_the_library_works(tmp_path: Path) -> None:
    # A host thread serialising a list nested 100,000 deep must get Python's RecursionError, as it would
    # without us. With the recursion limit raised process-wide (as the library once did), it overflowed
    # the C stack instead and the process died of a segmentation fault.
    result = _run("""
        import json
        contract = evaluator.load(folder / "contract.yaml")
        outcome = []

        def host():
            deep = []
            for _ in range(100_000):
                deep = [deep]
            for _ in range(20):
                try:
                    json.dumps(deep)
                    outcome.append("no error")
                except RecursionError:
                    outcome.append("RecursionError")

        def ours():
            for _ in range(5):
                contract.evaluate({"amount": {f"D{i}": 1 for i in range(1500)}}, narrate=False)

        threads = [threading.Thread(target=host), threading.Thread(target=ours), threading.Thread(target=ours)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcome == ["RecursionError"] * 20, outcome
        print("ok")
    """, tmp_path)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "ok", "")
