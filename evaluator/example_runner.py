"""`clausewise test [PATH…] [--reset [--yes]]`: run example files (examples.py) and report, file:line first.

Exit codes: 0 every example passes; 1 some figure differs; 2 a file that cannot be
read, checked or evaluated (reported with the usual positioned errors; the other
files are run all the same).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import output_file
from .datafile import read_text
from .errors import ContractError, ContractFileError, Diagnostic
from .example_reset import rewrite
from .examples import Contracts, ExampleFile, Outcome, find, load_file, run
from .limits import DEFAULT, Limits


@dataclass
class Run:
    files: list[ExampleFile] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.mismatches]


def run_paths(paths: Sequence[str | Path], limits: Limits = DEFAULT) -> Run:
    """Every example of every example file found at `paths` (see examples.find)."""
    done = Run()
    contracts = Contracts(limits)
    names = find(paths)
    if not names:
        where = ", ".join(str(p) for p in paths) or "."
        done.problems.append(Diagnostic(f"no example files in {where}", where,
                                        hint="example files are YAML files in a folder named examples, "
                                             "with the key examples: (see clausewise schema example)"))
    for path in names:
        try:
            loaded = load_file(path)
            contract = contracts.get(loaded.contract)
        except ContractError as exc:
            done.problems.extend(exc.diagnostics)
            continue
        done.files.append(loaded)
        for example in loaded.examples:
            try:
                done.outcomes.append(run(example, contract))
            except ContractError as exc:
                done.problems.extend(exc.diagnostics)
    return done


def report(done: Run) -> str:
    lines: list[str] = []
    for outcome in done.failed:
        e = outcome.example
        lines.append(f"{e.file}:{e.line}:{e.column}: FAILED {e.name} [{e.clause}]")
        for m in outcome.mismatches:
            lines.append(f"{e.file}:{m.check.line}:{m.check.column}:   {m.message}")
    passed = len(done.outcomes) - len(done.failed)
    summary = f"{len(done.outcomes)} example(s) in {len(done.files)} file(s): {passed} passed"
    if done.failed:
        summary += f", {len(done.failed)} failed"
    if done.problems:
        summary += f"; {len(done.problems)} problem(s) in the files (below)"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def reset(done: Run, confirm: Callable[[str], bool]) -> tuple[str, bool]:
    """Write the actual figures in place of the expected ones that differ, once `confirm(question)` agrees;
    say what was done, and whether any file was rewritten."""
    wrong = [m for o in done.failed for m in o.mismatches if m.resettable]
    if not wrong:
        return "", False
    files = {o.example.file for o in done.failed if any(m.resettable for m in o.mismatches)}
    question = f"rewrite {len(wrong)} expected figure(s) in {len(files)} file(s) with the actual ones?"
    if not confirm(question):
        return "nothing rewritten\n", False
    lines = []
    for loaded in done.files:
        mine = [m for o in done.failed if o.example.file == loaded.data.file for m in o.mismatches if m.resettable]
        if not mine:
            continue
        if read_text(loaded.path, ContractFileError) != loaded.data.text:
            raise ContractFileError(Diagnostic("the file changed while the examples ran; it was not reset",
                                               loaded.data.file, hint="run clausewise test --reset again"))
        output_file.write(loaded.path, rewrite(loaded.data.text, loaded.data.file, mine))
        lines.append(f"reset {len(mine)} figure(s) in {loaded.data.file}")
    return "\n".join(lines) + "\n", True


def ask(question: str) -> bool:
    """Ask on the terminal; only y or yes agrees."""
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("y", "yes")
