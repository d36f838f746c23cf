"""The corpus of malformed files: every case is a folder under tests/corpus/, checked as data.

A case folder holds the files of one scenario and `expect.yaml` beside them:

    about: what is wrong, in a sentence
    args: [evaluate, contract.yaml, --inputs, inputs.yaml]   # the clausewise command, run in the folder
    exit: 2                      # the exit code expected (2: bad input; 0: handled)
    error: InputError            # the ContractError (sub)class the library raises (omitted when exit is 0)
    file: inputs.yaml            # where the first diagnostic points ...
    line: 3                      # ... 0 (with column 0) when it is about the whole file
    column: 7
    message: "is not an amount"  # a fragment of the first diagnostic's message
    hint: "write USD 5"          # optional: a fragment of its hint
    xfail: "why"                 # optional: a known bug; the case must fail until it is fixed (strict)
    timeout: 20                  # optional: seconds before the case counts as hung (default 60)

Each case runs twice, in a forked child with the folder as working directory (so
that a hang or a crash in the evaluator cannot take the test run with it):
through the command (`evaluator.cli.main(args)`), which must exit as expected,
print `file:line:col: error: ...` first (then that line of the file and a caret
under the column) and never a traceback or an internal error; and through the
library (`evaluator.load(...)`, `.evaluate(...)`, `evaluator.load_rules(...)`),
which must raise the expected class at the same place. A new case is a new
folder: nothing here changes.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import multiprocessing
import traceback
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
import yaml

import evaluator
from evaluator.cli import main
from evaluator.parser import lark_parser

CORPUS = Path(__file__).resolve().parent / "corpus"
ROOT = CORPUS.parent.parent
CATEGORIES = ("ContractError", "RuleSyntaxError", "CheckError", "ContractFileError", "InputError", "EvaluationError")
KEYS = {"about", "args", "exit", "error", "file", "line", "column", "message", "hint", "xfail", "timeout"}
DEFAULT_TIMEOUT = 60.0
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it: 304 files to read
CONTRACT_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Raised:
    """What the library raised, reduced to plain data that crosses a process boundary."""

    kind: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    text: str = ""
    traceback: str = ""
    hint: str = ""


@dataclass
class Outcome:
    code: int | None = None
    stdout: str = ""
    stderr: str = ""
    cli_crash: str = ""  # a traceback if main() itself raised
    raised: Raised | None = None  # what the library raised, if anything


# ---- the cases -------------------------------------------------------------


def _cases() -> list[Path]:
    return sorted(p.parent for p in CORPUS.glob("*/expect.yaml"))


def _expect(case: Path) -> dict[str, Any]:
    with open(case / "expect.yaml", encoding="utf-8") as f:
        expect = yaml.load(f, Loader=SAFE_LOADER)
    assert isinstance(expect, dict), f"{case.name}/expect.yaml: a mapping of expectations"
    unknown = set(expect) - KEYS
    assert not unknown, f"{case.name}/expect.yaml: unknown key(s) {sorted(unknown)}; known: {sorted(KEYS)}"
    assert isinstance(expect.get("args"), list) and expect["args"], f"{case.name}: 'args' is a list of arguments"
    assert expect.get("exit") in (0, 2), f"{case.name}: 'exit' is 0 or 2 (1 is always a bug)"
    if expect["exit"] == 2:
        for key in ("error", "file", "line", "column", "message"):
            assert key in expect, f"{case.name}/expect.yaml: missing '{key}'"
        assert expect["error"] in CATEGORIES, f"{case.name}: 'error' is one of {CATEGORIES}"
    return expect


def _ids() -> list[Any]:
    params = []
    for case in _cases():
        try:
            reason = _expect(case).get("xfail")
        except (AssertionError, yaml.YAMLError):
            reason = None  # test_case reports what is wrong with this expect.yaml
        marks = [pytest.mark.xfail(reason=str(reason), strict=True)] if reason else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


# ---- running one case (in the child process) --------------------------------


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def _positional(args: list[str]) -> list[str]:
    """Arguments that are not options nor option values."""
    out, skip = [], False
    for a in args[1:]:
        if skip:
            skip = False
        elif a.startswith("--"):
            skip = a not in ("--trace", "--all-interpretations", "--debug")
        else:
            out.append(a)
    return out


def _library(args: list[str]) -> None:
    """What the command does, through the public library API."""
    args = [a for a in args if a != "--debug"]
    command, files = args[0], _positional(args)
    inputs = _option(args, "--inputs")
    reading = _option(args, "--interpretation")
    as_of_text = _option(args, "--as-of")
    as_of = date.fromisoformat(as_of_text) if as_of_text else None
    if command == "check":
        for f in files:
            if Path(f).suffix.lower() in CONTRACT_SUFFIXES:
                evaluator.load(f)
        rules = [f for f in files if Path(f).suffix.lower() not in CONTRACT_SUFFIXES]
        if rules:
            evaluator.load_rules(rules)
    elif command in ("evaluate", "schedule", "history", "diff"):
        contract = evaluator.load(files[0])
        contract.evaluate(Path(inputs) if inputs else None, reading, as_of=as_of)
    elif command == "explain":
        contract = evaluator.load(files[0])
        contract.explain(files[1], files[2] if len(files) > 2 else None, Path(inputs) if inputs else None,
                         reading, as_of=as_of)
    elif command == "simulate":
        contract = evaluator.load(files[0])
        contract.simulate(str(_option(args, "--model")), int(_option(args, "--paths") or 10), 0,
                          Path(inputs) if inputs else None, as_of)
    elif command == "fmt":
        from evaluator.datafile import read_text
        from evaluator.fmt import format_text

        for f in files:
            format_text(read_text(Path(f), evaluator.RuleSyntaxError), f)
    elif command == "test":
        from evaluator import examples

        contracts = examples.Contracts()
        for path in examples.find(files):
            loaded = examples.load_file(path)
            for example in loaded.examples:
                examples.run(example, contracts.get(loaded.contract))
    else:
        raise AssertionError(f"no library equivalent for '{command}'")


def _run(args: list[str]) -> Outcome:
    outcome = Outcome()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            outcome.code = main(list(args))
        except SystemExit as exc:  # argparse: bad usage
            outcome.code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:
            outcome.cli_crash = traceback.format_exc()
    outcome.stdout, outcome.stderr = out.getvalue(), err.getvalue()
    try:
        _library(args)
    except evaluator.ContractError as exc:
        outcome.raised = Raised(type(exc).__name__, exc.file, exc.line, exc.column, exc.diagnostics[0].text(),
                                hint=exc.diagnostics[0].hint or "")
    except BaseException as exc:
        outcome.raised = Raised(type(exc).__name__, text=str(exc)[:500], traceback=traceback.format_exc())
    return outcome


def _child(args: list[str], conn: Connection) -> None:
    try:
        conn.send(_run(args))
    finally:
        conn.close()


def _run_isolated(case: Path, args: list[str], timeout: float) -> Outcome:
    """Run the case in a forked child (the working directory is inherited); kill it after `timeout`."""
    if "fork" not in multiprocessing.get_all_start_methods():  # no fork here: run in this process, unguarded
        return _run(args)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(args, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            child.kill()
            child.join()
            pytest.fail(f"{case.name}: no answer within {timeout:g}s (a hang): clausewise {' '.join(args)}")
        try:
            outcome: Outcome = receive.recv()
        except EOFError:
            child.join()
            pytest.fail(f"{case.name}: the evaluator died (exit code {child.exitcode}): clausewise {' '.join(args)}")
    finally:
        receive.close()
    child.join(timeout)
    return outcome


# ---- the test ---------------------------------------------------------------


def test_the_corpus_has_enough_cases() -> None:
    assert len(_cases()) >= 60


@pytest.fixture(scope="module", autouse=True)
def _parser_built_once() -> None:
    lark_parser()  # built in this process, so that every forked child starts with it
    evaluator.load(ROOT / "contracts" / "kaixin-spa.yaml")  # and with its lexer's scanners compiled (lazily, by lark)


@pytest.mark.parametrize("case", _ids())
def test_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expect = _expect(case)
    args = [str(a) for a in expect["args"]]
    monkeypatch.chdir(case)
    got = _run_isolated(case, args, float(expect.get("timeout", DEFAULT_TIMEOUT)))
    command = "clausewise " + " ".join(args)

    # The command: never a traceback, never an internal error, the exit code expected.
    assert not got.cli_crash, f"{command}: main() raised\n{got.cli_crash}"
    for stream in (got.stdout, got.stderr):
        assert "Traceback" not in stream, f"{command}: a traceback\n{stream}"
        assert "internal error" not in stream, f"{command}: an internal error\n{stream}"
    assert got.code == expect["exit"], f"{command}: exit {got.code}, expected {expect['exit']}\n{got.stderr}"

    if expect["exit"] == 0:
        assert got.stderr == "", f"{command}: exit 0 but\n{got.stderr}"
        assert got.raised is None, f"library: {got.raised}"
        return

    # The command's first diagnostic: file:line:col: error: message ...
    where = expect["file"] + (f":{expect['line']}:{expect['column']}" if expect["line"] else "")
    first = got.stderr.splitlines()[0] if got.stderr else ""
    assert first.startswith(f"{where}: error: "), f"{command}: expected '{where}: error: ...', got\n{got.stderr}"
    assert expect["message"] in first, f"{command}: '{expect['message']}' not in the first message\n{got.stderr}"
    if expect["line"]:
        # then that line of the file as it is (lines end at \n, as the parsers count them), a caret under the place
        lines = got.stderr.splitlines()
        gutter = f"{expect['line']:>5} | "
        source = Path(expect["file"]).read_bytes().decode("utf-8", "replace").split("\n")[expect["line"] - 1]
        assert len(lines) >= 3 and lines[1] == gutter + source.rstrip("\r"), (
            f"{command}: the source line shown is not line {expect['line']} of {expect['file']}\n{got.stderr}"
        )
        assert lines[2].index("^") - lines[2].index("|") - 2 == expect["column"] - 1, got.stderr
    if "hint" in expect:
        # the first diagnostic's hint: its lines run to the next "file:line:col: error: ..."
        block = [first] + list(itertools.takewhile(lambda s: ": error: " not in s, got.stderr.splitlines()[1:]))
        hints = [s for s in block if s.startswith("   hint: ")]
        assert hints and expect["hint"] in hints[0], f"{command}: '{expect['hint']}' not in its hint\n{got.stderr}"

    # The library: the same error, as the expected subclass, at the same place.
    raised = got.raised
    assert raised is not None, f"library: nothing raised for {command}"
    assert not raised.traceback, f"library: {raised.kind} is not a ContractError\n{raised.traceback}"
    assert raised.kind == expect["error"], f"library: {raised.kind} ({raised.text}), expected {expect['error']}"
    assert (raised.file, raised.line, raised.column) == (expect["file"], expect["line"], expect["column"]), (
        f"library: at {raised.file}:{raised.line}:{raised.column}, expected {where}"
    )
    assert expect["message"] in raised.text, f"library: '{expect['message']}' not in '{raised.text}'"
    if "hint" in expect:
        assert expect["hint"] in raised.hint, f"library: '{expect['hint']}' not in the hint '{raised.hint}'"
