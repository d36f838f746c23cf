"""The README is the front door: its commands run as written, its synopses are the parser's, its facts current."""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass

import pytest

import evaluator
from evaluator.cli import _arguments, main
from evaluator.result import RESULT_SCHEMA
from tests.helpers import KAIXIN, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
VENV = ".venv/bin/"


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, in README.md
    lang: str
    body: str


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of `text`."""
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if lines[i].startswith("```"):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            found.append(Block(i + 1, lines[i][3:].strip(), "\n".join(lines[i + 1:end])))
            i = end
        i += 1
    return found


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README.md has no section '{title}'"
    return match.group(1)


def commands(line: str) -> list[list[str]]:
    """The commands of a shell line, `a && b && c`, each as its words."""
    words = shlex.split(line, comments=True)
    out: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            out.append([])
        else:
            out[-1].append(word)
    return [c for c in out if c]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in _arguments()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings if o not in ("-h", "--help")}


def test_the_quick_start_is_two_commands_that_install_into_a_virtual_environment() -> None:
    # Debian's Python refuses a plain `pip install` (externally managed): each command makes .venv and runs
    # only what it installed there.
    shown = [b for b in blocks(section("Quick start")) if b.lang == "sh"]
    assert len(shown) == 2 and all("\n" not in b.body.strip() for b in shown)
    main_job, tests = (commands(b.body) for b in shown)
    for steps in (main_job, tests):
        assert steps[0] == ["python3", "-m", "venv", ".venv"]
        assert all(step[0].startswith(VENV) for step in steps[1:]), steps
    assert main_job[1:] == [[f"{VENV}pip", "install", "."], [f"{VENV}clausewise", "evaluate",
                            "contracts/kaixin-spa.yaml", "--inputs", "contracts/examples/kaixin-inputs.yaml"]]
    assert tests[1:] == [[f"{VENV}pip", "install", "-e", ".[test]"], [f"{VENV}python", "-m", "pytest"]]


def readme_command_lines() -> list[tuple[int, list[str]]]:
    """Every `clausewise ...` command in the README's shell blocks (the synopses are not commands)."""
    found = []
    for block in blocks(README):
        if block.lang != "sh" or "CONTRACT" in block.body:
            continue
        for offset, line in enumerate(block.body.splitlines(), start=1):
            for words in commands(line):
                if words[0].removeprefix(VENV) == "clausewise":
                    found.append((block.line + offset, words[1:]))
    return found


@pytest.mark.parametrize(("line", "argv"), readme_command_lines(), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_every_command_in_the_readme_runs_as_written(line: int, argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)  # as the Quick start says: from the top of this repository
    assert main(argv) == 0, f"README.md:{line}: clausewise {shlex.join(argv)}: {capsys.readouterr().err}"


def test_the_readme_shows_commands() -> None:
    # the Quick start's evaluate and the explain example at least
    assert {argv[0] for _, argv in readme_command_lines()} >= {"evaluate", "explain"}


def synopses() -> dict[str, str]:
    """The 'Using it' synopsis of each subcommand, its continuation lines joined."""
    block = next(b for b in blocks(section("Using it")) if "clausewise evaluate CONTRACT" in b.body)
    joined: list[str] = []
    for line in block.body.splitlines():
        if line.startswith(" ") and joined:
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    return {line.split()[1]: line for line in joined if line.startswith("clausewise ") and
            not line.split()[1].startswith("-")}


def test_the_synopses_are_the_parsers() -> None:
    documented, actual = synopses(), subcommands()
    every = documented.pop("COMMAND", "")  # options every command takes, shown once
    assert set(documented) == set(actual)
    for name, parser in actual.items():
        shown = set(re.findall(r"--[a-z][a-z-]*", documented[name] + " " + every))
        assert shown == options(parser), f"clausewise {name}: README.md shows {sorted(shown)}"
        for action in parser._actions:
            if action.choices and action.option_strings:
                listed = re.search(rf"{action.option_strings[0]} ([a-z|]+)", documented[name])
                assert listed and listed.group(1).split("|") == list(action.choices), (name, action.dest)
            elif action.choices:  # a positional with choices: schema result|contract|amendment|inputs
                assert "|".join(action.choices) in documented[name], (name, action.dest)
    for option in options(_arguments()):  # --debug
        assert f"clausewise {option} " in section("Using it")


def test_the_documented_json_is_the_json_printed() -> None:
    assert set(re.findall(r"clausewise/result/\d+", README)) == {RESULT_SCHEMA}
    sketch = next(line for line in README.splitlines() if f'{{"schema": "{RESULT_SCHEMA}"' in line)
    result = evaluator.load(KAIXIN).evaluate({})
    assert re.findall(r'"(\w+)":', sketch) == list(result.to_dict())
    assert '"trace": [...]' in README and "trace" in evaluator.load(KAIXIN).evaluate({}, trace=True).to_dict()
