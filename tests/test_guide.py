"""Every example in docs/editing-rules.md is run, so that the guide cannot go stale.

The convention (explained again in an HTML comment at the top of the guide):

- Each `##` or `###` heading starts a section, run in a fresh copy of the
  repository's contracts/ and rules/ in a temporary directory (the text before
  the first heading is a section too). Blocks run in order, from the top of
  the copy.
- Every fenced block is an example; its info string says what to do with it
  (the first word is only the highlighting shown to readers):
  - ```` ```console ```` (or ```` ```console exit=N ````): lines starting `$ `
    are `clausewise` commands; the lines after each, up to the next command,
    are what it prints (standard output, then standard error). A line `...`
    stands for any number of lines, none included. Trailing spaces do not
    count. Every command of the block must end with exit code N (default 0).
  - ```` ```diff edit PATH ````: a change to PATH. Lines starting `-` are
    removed, `+` added, a space (or an empty line) kept as context. The `-`
    and context lines must be found, consecutive, exactly once in PATH. A
    line `...` separates two such changes.
  - ```` ```LANG file PATH ````: PATH is created (or replaced) with the block's text.
  - ```` ```LANG excerpt PATH ````: the block's lines are lines of PATH,
    consecutive; a line `...` stands for lines left out.
  Any other fenced block fails the test.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from evaluator.cli import main
from tests.helpers import ROOT

GUIDE = ROOT / "docs" / "editing-rules.md"
ELLIPSIS = "..."
_FENCE = re.compile(r"^(`{3,})(.*)$")
_HEADING = re.compile(r"^(##|###) (.+)$")


class GuideError(AssertionError):
    """The guide does not follow its convention, or an example does not do what it shows."""


@dataclass
class Block:
    line: int  # of the opening fence, in the guide
    info: list[str]
    body: list[str]

    @property
    def where(self) -> str:
        return f"{GUIDE.relative_to(ROOT)}:{self.line}"


@dataclass
class Section:
    title: str
    line: int
    blocks: list[Block] = field(default_factory=list)


def _without_comments(text: str) -> list[str]:
    """The guide's lines, with HTML comments blanked out (line numbers kept)."""
    blanked = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return blanked.split("\n")


def parse(text: str) -> list[Section]:
    sections = [Section("(introduction)", 1)]
    fence: tuple[str, Block] | None = None
    for number, line in enumerate(_without_comments(text), start=1):
        if fence is not None:
            ticks, block = fence
            if line.strip() == ticks:
                sections[-1].blocks.append(block)
                fence = None
            else:
                block.body.append(line)
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = (opening.group(1), Block(number, opening.group(2).split(), []))
            continue
        heading = _HEADING.match(line)
        if heading:
            sections.append(Section(heading.group(2).strip(), number))
    if fence is not None:
        raise GuideError(f"{fence[1].where}: this code block is never closed")
    return sections


def kind(block: Block) -> str:
    info = block.info
    if info[:1] == ["console"] and all(re.fullmatch(r"exit=\d+", word) for word in info[1:]):
        return "console"
    if len(info) == 3 and info[1] in ("edit", "file", "excerpt"):
        if info[1] == "edit" and info[0] != "diff":
            raise GuideError(f"{block.where}: an edit block is written ```diff edit PATH")
        return info[1]
    raise GuideError(f"{block.where}: a code block the tests cannot run: ```{' '.join(info)}; use "
                     "```console, ```diff edit PATH, ```LANG file PATH or ```LANG excerpt PATH")


def _target(root: Path, block: Block) -> Path:
    rel = block.info[2]
    path = (root / rel).resolve()
    if Path(rel).is_absolute() or not path.is_relative_to(root.resolve()):
        raise GuideError(f"{block.where}: {rel} is not a path inside the repository")
    return path


# ---------------------------------------------------------------- edits


def hunks(block: Block) -> list[tuple[list[str], list[str]]]:
    """The changes of an edit block: (lines found, lines put in their place)."""
    out: list[tuple[list[str], list[str]]] = []
    old: list[str] = []
    new: list[str] = []
    changed = False
    for line in [*block.body, ELLIPSIS]:
        if line == ELLIPSIS:
            if not old:
                raise GuideError(f"{block.where}: a change with no '-' or context line: nothing says where it goes")
            if not changed:
                raise GuideError(f"{block.where}: a change with no '-' or '+' line changes nothing")
            out.append((old, new))
            old, new, changed = [], [], False
        elif line == "" or line.startswith(" "):
            old.append(line[1:])
            new.append(line[1:])
        elif line.startswith("-"):
            old.append(line[1:])
            changed = True
        elif line.startswith("+"):
            new.append(line[1:])
            changed = True
        else:
            raise GuideError(f"{block.where}: an edit line must start with '-', '+' or a space: {line!r}")
    return out


def apply_edit(path: Path, block: Block) -> None:
    if not path.is_file():
        raise GuideError(f"{block.where}: there is no file {block.info[2]} to edit")
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    for old, new in hunks(block):
        at = [i for i in range(len(lines) - len(old) + 1) if lines[i:i + len(old)] == old]
        if len(at) != 1:
            found = "are not in" if not at else f"are in {len(at)} places of"
            raise GuideError(f"{block.where}: the lines this edit changes {found} {block.info[2]}:\n"
                             + "\n".join(old))
        lines[at[0]:at[0] + len(old)] = new
    path.write_text("\n".join(lines), encoding="utf-8")


# ------------------------------------------------------------- excerpts


def check_excerpt(path: Path, block: Block) -> None:
    if not path.is_file():
        raise GuideError(f"{block.where}: there is no file {block.info[2]}")
    lines = path.read_text(encoding="utf-8").split("\n")
    start = 0
    chunks: list[list[str]] = [[]]
    for line in block.body:
        if line == ELLIPSIS:
            chunks.append([])
        else:
            chunks[-1].append(line)
    for chunk in filter(None, chunks):
        at = next((i for i in range(start, len(lines) - len(chunk) + 1) if lines[i:i + len(chunk)] == chunk), None)
        if at is None:
            raise GuideError(f"{block.where}: these lines are not in {block.info[2]} (in this order):\n"
                             + "\n".join(chunk))
        start = at + len(chunk)


# -------------------------------------------------------------- commands


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """(command line, expected output lines) for each `$ ` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    for line in block.body:
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif not out:
            raise GuideError(f"{block.where}: a console block starts with a '$ ' command line")
        else:
            out[-1][1].append(line.rstrip())
    if not out:
        raise GuideError(f"{block.where}: a console block with no '$ ' command")
    for _, expected in out:
        while expected and expected[-1] == "":
            expected.pop()
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` is `expected`, a line `...` standing for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == ELLIPSIS:
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and matches(expected[1:], actual[1:])


def run(root: Path, block: Block, line: str) -> tuple[int, list[str]]:
    argv = shlex.split(line)
    if argv[:1] != ["clausewise"]:
        raise GuideError(f"{block.where}: only clausewise commands can be run: $ {line}")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv[1:])
        except SystemExit as exc:  # bad usage: argparse exits
            code = exc.code if isinstance(exc.code, int) else 1
    printed = (out.getvalue() + err.getvalue()).rstrip("\n")
    return code, [text.rstrip() for text in printed.split("\n")] if printed else []


def check_console(root: Path, block: Block) -> None:
    exit_code = next((int(w.split("=")[1]) for w in block.info[1:]), 0)
    for line, expected in commands(block):
        code, actual = run(root, block, line)
        if not matches(expected, actual):
            diff = "\n".join(difflib.unified_diff(expected, actual, "the guide", "clausewise printed", lineterm=""))
            raise GuideError(f"{block.where}: $ {line}\nprints something else than the guide shows:\n{diff}")
        if code != exit_code:
            raise GuideError(f"{block.where}: $ {line}\nends with exit code {code}, the guide says {exit_code}")


# ---------------------------------------------------------------- sections


def fresh_copy(root: Path) -> Path:
    for part in ("contracts", "rules"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run_section(root: Path, section: Section) -> None:
    for block in section.blocks:
        what = kind(block)
        if what == "console":
            check_console(root, block)
        elif what == "edit":
            apply_edit(_target(root, block), block)
        elif what == "file":
            path = _target(root, block)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(block.body) + "\n", encoding="utf-8")
        else:
            check_excerpt(_target(root, block), block)


SECTIONS = parse(GUIDE.read_text(encoding="utf-8"))


def _id(section: Section) -> str:
    return f"{section.line}-" + re.sub(r"[^a-z0-9]+", "-", section.title.lower()).strip("-")


@pytest.mark.parametrize("section", [s for s in SECTIONS if s.blocks], ids=_id)
def test_every_example_of_the_guide_runs_as_shown(section: Section, tmp_path: Path) -> None:
    run_section(fresh_copy(tmp_path), section)


def test_the_guide_explains_its_convention_and_has_examples_of_each_kind() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert text.startswith("<!--") and "tests/test_guide.py" in text.split("-->")[0]
    kinds = [kind(b) for s in SECTIONS for b in s.blocks]
    assert {"console", "edit", "file", "excerpt"} <= set(kinds)
    titles = [s.title for s in SECTIONS]
    for topic in ("Reading a rule file", "Changing a target", "Changing the rounding", "Readings",
                  "Writing an amendment", "When something is wrong"):
        assert any(t.startswith(topic) for t in titles), topic
    assert sum(len(commands(b)) for s in SECTIONS for b in s.blocks if kind(b) == "console") >= 20
    assert any(b.info[1:] == ["exit=2"] for s in SECTIONS for b in s.blocks)


# ------------------------------------------------------------- the runner itself


def _block(info: str, *body: str) -> Block:
    return Block(1, info.split(), list(body))


def test_an_edit_whose_lines_are_missing_fails(tmp_path: Path) -> None:
    path = tmp_path / "a.rules"
    path.write_text("parameter x\n  cites \"SPA 1\"\n  = 5%\n", encoding="utf-8")
    with pytest.raises(GuideError, match="are not in"):
        apply_edit(path, _block("diff edit a.rules", "-  = 6%", "+  = 7%"))
    with pytest.raises(GuideError, match="are not in"):  # context lines must be there too
        apply_edit(path, _block("diff edit a.rules", " parameter y", "-  cites \"SPA 1\"", "+  cites \"SPA 2\""))
    path.write_text("a\nb\na\n", encoding="utf-8")
    with pytest.raises(GuideError, match="in 2 places"):
        apply_edit(path, _block("diff edit a.rules", "-a", "+c"))
    assert path.read_text(encoding="utf-8") == "a\nb\na\n"


def test_an_edit_applies_its_changes_in_order(tmp_path: Path) -> None:
    path = tmp_path / "a.rules"
    path.write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    apply_edit(path, _block("diff edit a.rules", " one", "-two", "+2", "...", "-four", "+4", "+five"))
    assert path.read_text(encoding="utf-8") == "one\n2\nthree\n4\nfive\n"
    with pytest.raises(GuideError, match="changes nothing"):
        apply_edit(path, _block("diff edit a.rules", " one"))


def test_an_excerpt_must_be_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.rules"
    path.write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    check_excerpt(path, _block("text excerpt a.rules", "two", "three", "...", "four"))
    with pytest.raises(GuideError, match="not in"):
        check_excerpt(path, _block("text excerpt a.rules", "two", "four"))
    with pytest.raises(GuideError, match="not in"):
        check_excerpt(path, _block("text excerpt a.rules", "three", "...", "one"))


def test_output_matching_and_elision() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "b"], ["a", "b"])
    assert matches(["..."], [])
    assert not matches(["a", "...", "d"], ["a", "b", "c"])
    assert not matches(["a", "b"], ["a", "b", "c"])


def test_console_blocks_must_match_and_exit_as_shown(tmp_path: Path) -> None:
    root = fresh_copy(tmp_path)
    check_console(root, _block("console", "$ clausewise check contracts/kaixin-spa.yaml", "..."))
    with pytest.raises(GuideError, match="prints something else"):
        check_console(root, _block("console", "$ clausewise check contracts/kaixin-spa.yaml", "not this"))
    with pytest.raises(GuideError, match="exit code 2"):
        check_console(root, _block("console", "$ clausewise check contracts/nothing.yaml", "..."))
    with pytest.raises(GuideError, match="only clausewise"):
        check_console(root, _block("console", "$ rm -rf contracts"))


def test_unknown_blocks_are_refused() -> None:
    for info in ("python", "text", "diff", "yaml edit a.yaml", "console exit=two"):
        with pytest.raises(GuideError, match="cannot run|written"):
            kind(_block(info))


def test_the_rounding_table_of_the_guide_is_right() -> None:
    """The table of rounding modes is prose, not an example: check it against the evaluator's modes."""
    from fractions import Fraction

    from evaluator.rounding import MODES

    rows = re.findall(r"^\| `([a-z ]+)`[^|]*\| (-?\d+) \| (-?\d+) \| (-?\d+) \|$", GUIDE.read_text(encoding="utf-8"),
                      flags=re.M)
    assert sorted(mode for mode, *_ in rows) == sorted(MODES)
    for mode, *results in rows:
        for value, result in zip(("2.5", "-2.5", "2.4"), results, strict=True):
            assert MODES[mode](Fraction(value)) == int(result), (mode, value)
