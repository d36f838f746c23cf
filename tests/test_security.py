"""Issue 9, security and hangs: no foreign code through the parser cache, files confined to a root
folder, nothing but rule files quoted as rules, only regular files read and never more than the limit.
"""

from __future__ import annotations

import glob
import os
import pickle
import resource
import subprocess
import sys
import textwrap
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from lark import Lark
from lark.exceptions import LarkError

import evaluator
from evaluator import build_parser, datafile, parser_tables
from evaluator.cli import main
from evaluator.parser import lark_parser
from tests.helpers import ROOT

TIMEOUT = 30


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONHASHSEED")}
    env.update(extra)
    return env


def _clausewise(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evaluator", *args], cwd=cwd, env=env or _env(),
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


# ---- 1. The parser: shipped as plain data, never unpickled from a shared folder ----------------------

# The parser as clausewise built it before issue 9: lark cached it as a pickle in $TMPDIR, at a name
# anyone can compute, and unpickled whatever it found there.
_OLD_WAY = textwrap.dedent("""\
    from importlib import resources
    from lark import Lark
    grammar = resources.files("evaluator.grammar").joinpath("clausewise.lark").read_text(encoding="utf-8")
    Lark(grammar, parser="lalr", propagate_positions=True, cache=True, maybe_placeholders=False)
""")


class _Payload:
    """Unpickling this runs code: it writes the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
        return exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",)


def test_a_parser_cache_planted_in_tmpdir_is_never_unpickled(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = _env(TMPDIR=str(tmpdir))
    # Where lark keeps its cache for this grammar and these options: let lark itself write it there.
    subprocess.run([sys.executable, "-c", _OLD_WAY], env=env, check=True, timeout=TIMEOUT)
    (cache,) = tmpdir.glob(".lark_cache_*.tmp")
    header = cache.read_bytes().split(b"\n", 1)[0] + b"\n"  # the digest lark checks before it unpickles
    marker = tmp_path / "marker"

    def plant() -> None:
        cache.write_bytes(header + pickle.dumps(_Payload(marker)))

    # The planted file is one that lark executes: the old way of building the parser runs it.
    plant()
    subprocess.run([sys.executable, "-c", _OLD_WAY], env=env, capture_output=True, check=True, timeout=TIMEOUT)
    assert marker.read_text() == "pwned"
    marker.unlink()

    plant()
    done = _clausewise("check", "rules/kaixin/spa.rules", env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert not marker.exists()
    # 34 definitions: spa.rules's 31, and its 3 invariants (tranche_reconciles, shares_reconcile,
    # released_from_tranches); the parse, not the count, is the point here
    assert done.stdout.startswith("rules/kaixin/spa.rules: ok (34 definitions, 9 outputs; at most ")


def test_the_parser_is_loaded_from_the_shipped_tables() -> None:
    assert lark_parser().source_path == "<deserialized>"  # not rebuilt from the grammar, not from a cache


def test_the_shipped_tables_are_built_from_the_grammar_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    """Fails after an edit of grammar/clausewise.lark until `python -m evaluator.build_parser` is run."""
    grammar = parser_tables.grammar_text()
    assert parser_tables.fits(parser_tables.shipped(), grammar)
    assert build_parser.main(["--check"]) == 0
    folder = Path(str(resources.files("evaluator.grammar")))
    assert capsys.readouterr().out == f"{folder / 'clausewise.tables.json'}: built from {folder / 'clausewise.lark'}\n"


def test_an_edited_grammar_is_caught_and_built_from_the_grammar(monkeypatch: pytest.MonkeyPatch) -> None:
    edited = parser_tables.grammar_text().replace('"shares"', '"stocks"')
    assert not parser_tables.fits(parser_tables.shipped(), edited)
    monkeypatch.setattr(parser_tables, "grammar_text", lambda: edited)
    built = parser_tables.load()
    assert built.source_path != "<deserialized>"  # the shipped tables, made for another grammar, are not used
    assert [t.type for t in built.lex("3 stocks")] == ["NUMBER", "STOCKS"]


def _outcome(parser: Lark, text: str) -> Any:
    try:
        return parser.parse(text)
    except LarkError as exc:
        return type(exc).__name__, getattr(exc, "line", None), getattr(exc, "column", None)


def _tokens(parser: Lark, text: str) -> list[tuple[str, str, int | None]]:
    out = []
    try:
        for t in parser.lex(text):
            out.append((t.type, str(t), t.start_pos))
    except LarkError:
        out.append(("error", "", None))
    return out


def test_the_shipped_tables_parse_every_rule_file_as_the_grammar_does() -> None:
    built = parser_tables.build(parser_tables.grammar_text())
    shipped = lark_parser()
    files = [Path(f) for f in glob.glob(str(ROOT / "**" / "*.rules"), recursive=True) if Path(f).is_file()]
    assert len(files) > 100
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        assert _outcome(shipped, text) == _outcome(built, text), f
        assert _tokens(shipped, text) == _tokens(built, text), f


# ---- 2. Files a contract names: confined to a root folder; nothing else quoted as rules --------------

SECRET = "TOPSECRET words of a file that is not the contract's\n"
RULES = """\
currency RMB cites "1"
input revenue: RMB cites "1"
rule twice cites "1" = revenue * 2
outputs twice
"""
HEAD = """\
contract: bundle
title: A bundle
date: 2025-01-01
parties:
  - {id: A, name: Alpha}
"""
AMENDMENT = """\
amendment: first
title: First amendment
effective: 2025-06-01
consents:
  - {party: A, signed: 2025-05-01, by: Alpha}
"""


@pytest.fixture()
def bundle(tmp_path: Path) -> Path:
    """tmp/bundle: a contract and its files; tmp/outside: files beside it, outside the bundle."""
    inside, outside = tmp_path / "bundle", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    for folder in (inside, outside):
        (folder / "rules.rules").write_text(RULES, encoding="utf-8")
        (folder / "text.txt").write_text('[§ 1]\nThe price is twice the revenue.\n', encoding="utf-8")
        (folder / "narrative.yaml").write_text("summary:\n  - text: 'Twice: {twice}'\n", encoding="utf-8")
        (folder / "amendment.yaml").write_text(AMENDMENT + "amends: contract.yaml\nrules: [more.rules]\n",
                                               encoding="utf-8")
        (folder / "more.rules").write_text('rule thrice cites "1" = revenue * 3\n', encoding="utf-8")
    (outside / "secret.rules").write_text(SECRET, encoding="utf-8")
    (inside / "contract.yaml").write_text(HEAD + "rules: [rules.rules]\n", encoding="utf-8")
    (outside / "contract.yaml").write_text(HEAD + "rules: [rules.rules]\n", encoding="utf-8")
    return inside


def _contract(bundle: Path, lines: str) -> Path:
    path = bundle / "named.yaml"
    path.write_text(HEAD + lines, encoding="utf-8")
    return path


def test_a_bundle_inside_its_root_loads(bundle: Path) -> None:
    path = _contract(bundle, "rules: [rules.rules]\ntext: text.txt\nnarrative: narrative.yaml\n"
                             "amendments: [sub/amendment.yaml]\n")
    (bundle / "sub").mkdir()
    (bundle / "sub" / "amendment.yaml").write_text(AMENDMENT + "amends: ../named.yaml\nrules: [../more.rules]\n",
                                                   encoding="utf-8")
    contract = evaluator.load(path, root=bundle)  # '..' that stays inside the root is fine
    assert contract.evaluate({"revenue": 5}).outputs["twice"] == 10
    assert [p.name for p in contract.files_read] == ["named.yaml", "rules.rules", "amendment.yaml", "more.rules",
                                                     "text.txt", "narrative.yaml"]


def test_the_kaixin_contract_loads_inside_the_repository_and_not_inside_contracts() -> None:
    assert evaluator.load(ROOT / "contracts" / "kaixin-spa.yaml", root=ROOT).name == "kaixin-spa"
    with pytest.raises(evaluator.ContractFileError) as caught:
        evaluator.load(ROOT / "contracts" / "kaixin-spa.yaml", root=ROOT / "contracts")
    d = caught.value.diagnostics[0]
    assert (Path(d.file).name, d.line, d.column) == ("kaixin-spa.yaml", 27, 5)
    assert d.message == "../rules/kaixin/spa.rules leads outside the root folder"
    assert d.hint == "with a root folder, a contract names only files inside it, relative to the file naming them"


# (the line of the contract naming the file, the name, the message)
ESCAPES = [
    ("rules: [../outside/secret.rules]", "rules.0", "../outside/secret.rules leads outside the root folder"),
    ("rules: [{abs}/secret.rules]", "rules.0", "{abs}/secret.rules is an absolute path"),
    ("rules: [link.rules]", "rules.0", "link.rules is a link to a file outside the root folder"),
    ("rules: [rules.rules]\ntext: ../outside/text.txt", "text", "../outside/text.txt leads outside the root folder"),
    ("rules: [rules.rules]\nnarrative: ../outside/narrative.yaml", "narrative",
     "../outside/narrative.yaml leads outside the root folder"),
    ("rules: [rules.rules]\namendments: [../outside/amendment.yaml]", "amendments.0",
     "../outside/amendment.yaml leads outside the root folder"),
    ("rules: [rules.rules]\namendments: [linked.yaml]", "amendments.0",
     "linked.yaml is a link to a file outside the root folder"),
]


@pytest.mark.parametrize(("lines", "key", "message"), ESCAPES)
def test_a_file_outside_the_root_is_refused_at_its_name_unread(bundle: Path, monkeypatch: pytest.MonkeyPatch,
                                                                lines: str, key: str, message: str) -> None:
    outside = bundle.parent / "outside"
    (bundle / "link.rules").symlink_to(outside / "secret.rules")
    (bundle / "linked.yaml").symlink_to(outside / "amendment.yaml")
    path = _contract(bundle, lines.replace("{abs}", str(outside)) + "\n")
    read: list[str] = []
    real_read = datafile.read_text

    def spy(p: Path, error: type[evaluator.ContractError]) -> str:
        read.append(os.path.realpath(p))
        return real_read(p, error)

    for module in ("evaluator.datafile", "evaluator.parser", "evaluator.clauses"):
        monkeypatch.setattr(f"{module}.read_text", spy)
    with pytest.raises(evaluator.ContractFileError) as caught:
        evaluator.load(path, root=bundle)
    d = caught.value.diagnostics[0]
    line = 6 + lines.count("\n")
    assert (d.file, d.line, d.path, d.message) == (str(path), line, key, message.replace("{abs}", str(outside)))
    assert not [p for p in read if not p.startswith(os.path.realpath(bundle) + os.sep)]
    assert "TOPSECRET" not in caught.value.render()


def test_an_amendment_naming_files_outside_the_root_is_refused(bundle: Path) -> None:
    (bundle / "amendment.yaml").write_text(AMENDMENT + "amends: contract.yaml\nrules: [../outside/more.rules]\n",
                                           encoding="utf-8")
    with pytest.raises(evaluator.ContractFileError) as caught:
        evaluator.load(bundle / "amendment.yaml", root=bundle)
    d = caught.value.diagnostics[0]
    assert (d.file, d.line, d.message) == (str(bundle / "amendment.yaml"), 7,
                                           "../outside/more.rules leads outside the root folder")
    (bundle / "amendment.yaml").write_text(AMENDMENT + "amends: ../outside/contract.yaml\nrules: [more.rules]\n",
                                           encoding="utf-8")
    with pytest.raises(evaluator.ContractFileError) as caught:
        evaluator.load(bundle / "amendment.yaml", root=bundle)
    assert caught.value.diagnostics[0].message == "../outside/contract.yaml leads outside the root folder"


def test_a_contract_outside_the_root_is_refused(bundle: Path) -> None:
    outside = bundle.parent / "outside" / "contract.yaml"
    with pytest.raises(evaluator.ContractFileError) as caught:
        evaluator.load(outside, root=bundle)
    d = caught.value.diagnostics[0]
    assert (d.file, d.line, d.message) == (str(outside), 0, "the file is outside the root folder")
    with pytest.raises(evaluator.RuleSyntaxError) as rules:
        evaluator.load_rules([bundle / "rules.rules", bundle.parent / "outside" / "secret.rules"], root=bundle)
    assert [(Path(d.file).name, d.message) for d in rules.value.diagnostics] == [
        ("secret.rules", "the file is outside the root folder")]


@pytest.mark.parametrize(("key", "what"), [("rules: [secret]", "rule file"), ("text: secret", "agreement text"),
                                           ("narrative: secret", "narrative file"),
                                           ("amendments: [secret]", "amendment file")])
def test_a_file_not_named_for_its_kind_is_refused_unread(tmp_path: Path, key: str, what: str) -> None:
    (tmp_path / "secret").write_text(SECRET, encoding="utf-8")
    (tmp_path / "rules.rules").write_text(RULES, encoding="utf-8")
    rules = "" if key.startswith("rules") else "rules: [rules.rules]\n"
    path = tmp_path / "contract.yaml"
    path.write_text(HEAD + rules + key + "\n", encoding="utf-8")
    with pytest.raises(evaluator.ContractFileError) as caught:
        evaluator.load(path)
    a = "an" if what[0] in "aeiou" else "a"
    assert caught.value.diagnostics[0].message == f"secret is not named as {a} {what}"
    assert "TOPSECRET" not in caught.value.render()


def test_the_command_quotes_no_file_that_is_not_named_as_a_rule_file(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "secret").write_text(SECRET, encoding="utf-8")
    for args in (["check", "secret"], ["evaluate", "secret"], ["evaluate", str(ROOT / "contracts" / "kaixin-spa.yaml"),
                                                                "--inputs", "secret"]):
        assert main([a if a != "secret" else str(tmp_path / "secret") for a in args]) == 2
        err = capsys.readouterr().err
        assert "TOPSECRET" not in err and err.startswith(f"{tmp_path / 'secret'}: error: this is not named as a ")


def test_every_bundled_file_is_named_for_its_kind() -> None:
    for contract in ["contracts/kaixin-spa.yaml", "contracts/examples/kaixin-amendment-1.yaml"]:
        evaluator.load(ROOT / contract, root=ROOT)


# ---- 6. Only regular files are read, and never more than the limit ------------------------------------


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a runaway read fails fast, not the machine


def test_a_named_pipe_as_inputs_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "inputs.yaml")
    os.mkfifo(tmp_path / "pipe.rules")
    done = _clausewise("evaluate", str(ROOT / "contracts" / "kaixin-spa.yaml"), "--inputs", "inputs.yaml",
                       cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("inputs.yaml: error: this is a named pipe, not a regular file\n"
                           "   hint: only regular files are read: save the data to a file first\n")
    done = _clausewise("check", "pipe.rules", cwd=tmp_path)
    assert (done.returncode, done.stderr.splitlines()[0]) == (2, "pipe.rules: error: this is a named pipe, "
                                                                 "not a regular file")


def test_a_device_is_refused_before_it_is_read(tmp_path: Path) -> None:
    (tmp_path / "zero.rules").symlink_to("/dev/zero")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    done = subprocess.run([sys.executable, "-m", "evaluator", "check", "zero.rules", "zero.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=_limited, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert [line for line in done.stderr.splitlines() if "error" in line] == [
        "zero.rules: error: this is a device, not a regular file",
        "zero.yaml: error: this is a device, not a regular file",
    ]


def test_a_folder_named_as_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.rules").mkdir()
    with pytest.raises(evaluator.RuleSyntaxError) as caught:
        evaluator.load_rules([tmp_path / "folder.rules"])
    assert caught.value.diagnostics[0].message == "this is a folder, not a file"


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
def test_no_more_than_the_limit_is_read_from_a_file_larger_than_it_says(monkeypatch: pytest.MonkeyPatch) -> None:
    # Files in /proc say they hold 0 bytes and hold more, as a file that grows after its size was taken.
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    monkeypatch.setattr(datafile, "MAX_BYTES", 10)
    with pytest.raises(evaluator.ContractFileError) as caught:
        datafile.read_text(status, evaluator.ContractFileError)
    assert caught.value.diagnostics[0].message == "the file is over 10 bytes; at most 10 are read"
    calls: list[int] = []
    real_read = os.read
    monkeypatch.setattr(datafile.os, "read", lambda fd, n: calls.append(n) or real_read(fd, n))
    with pytest.raises(evaluator.ContractFileError):
        datafile.read_text(status, evaluator.ContractFileError)
    assert sum(calls) <= 11


def test_a_file_over_the_limit_is_refused_by_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.rules"
    big.write_text("# " + "x" * 100 + "\n", encoding="utf-8")
    monkeypatch.setattr(datafile, "MAX_BYTES", 50)
    with pytest.raises(evaluator.RuleSyntaxError) as caught:
        evaluator.load_rules([big])
    assert caught.value.diagnostics[0].message == "the file is 103 bytes; at most 50 are read"
