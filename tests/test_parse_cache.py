"""The command's cache of parsed rule files and data files (evaluator/parse_cache.py): data in the user's own
folder, never code; a hit gives the very tree (or value and places) a parse gives; anything damaged, foreign
or stale is parsed again."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import evaluator
from evaluator import datafile, parse_cache, parse_tree
from evaluator.parser import parse
from tests.helpers import KAIXIN, ROOT

DATA_FILES = sorted(p for p in {*ROOT.glob("contracts/**/*"), *ROOT.glob("rules/**/*"), *ROOT.glob("tests/data/**/*")}
                    if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
RULE_FILES = sorted({*ROOT.glob("rules/**/*.rules"), *ROOT.glob("contracts/**/*.rules")})
INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
SMALL = ("currency RMB\nperiods year\n  Y1 from 2026-01-01 to 2026-12-31\n"
         "parameter cap\n  means \"the cap\"\n  = RMB 1,000\n")


def _fresh(text: str, file: str) -> evaluator.nodes.RuleFile:
    return parse_tree.parse_text(text, file, ())


def _same(a: object, b: object, file: str) -> bool:
    """Equal trees, spans and values written alike included (== leaves spans out)."""
    return a == b and parse_cache._encode(a, file) == parse_cache._encode(b, file)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    return folder


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_rule_file_comes_back_as_parsed(path: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    text, file = path.read_text(encoding="utf-8"), str(path)
    tree = _fresh(text, file)
    assert parse_cache.get(folder, text, file) is None  # nothing kept yet
    parse_cache.put(folder, text, file, tree)
    kept = parse_cache.get(folder, text, file)
    assert kept is not None and kept is not tree
    assert _same(kept, tree, file) and kept.text == text and kept.path == file


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_data_file_comes_back_as_read(path: Path, tmp_path: Path) -> None:
    try:
        read = datafile.load(path, evaluator.ContractFileError)
    except evaluator.ContractError:
        return  # a file that is meant not to load (tests/data holds some): nothing is kept of it
    folder = _folder(tmp_path)
    with parse_cache.using(folder):
        first = datafile.load(path, evaluator.ContractFileError)  # read, and kept
        again = datafile.load(path, evaluator.ContractFileError)  # from what was kept
    assert len(list(folder.glob("*.json"))) == 1
    for made in (first, again):
        assert (made.value, made.places, made.keys, made.text, made.file) == \
            (read.value, read.places, read.keys, read.text, read.file)
        assert _types(made.value) == _types(read.value)  # Decimal stays Decimal, int int, True not 1


def _types(value: object) -> object:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return (type(value).__name__, str(value))


def test_a_damaged_data_entry_is_read_again(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    data = tmp_path / "inputs.yaml"
    data.write_text("sales:\n  FY1: 1.50\n  FY2: 2\n", encoding="utf-8")
    with parse_cache.using(folder):
        datafile.load(data, evaluator.InputError)
    entry = next(folder.glob("*.json"))
    document = json.loads(entry.read_text(encoding="utf-8"))
    for kept in (["{", "sales", ["$", 1.5]], [["{", 7, 1], [], []], [["?", 1], [], []], [["{", "a"], [], []],
                 [["$", 1.5], [], []], [1, [[["a"], 1, "x"]], []]):
        entry.write_text(json.dumps({**document, "kept": kept}), encoding="utf-8")
        assert parse_cache.get_data(folder, data.read_text(encoding="utf-8"), str(data)) is None
    with parse_cache.using(folder):
        again = datafile.load(data, evaluator.InputError)
    # 1.50 is read as the Decimal 1.50 (two places kept), 2 as the whole number 2, each at its line and column
    assert again.value == {"sales": {"FY1": Decimal("1.50"), "FY2": 2}}
    assert str(again.value["sales"]["FY1"]) == "1.50" and type(again.value["sales"]["FY2"]) is int
    assert again.places[("sales", "FY2")] == (3, 8)


def test_another_text_or_another_file_is_another_entry(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    tree = _fresh(SMALL, "a.rules")
    parse_cache.put(folder, SMALL, "a.rules", tree)
    changed = SMALL.replace("1,000", "2,000")
    assert parse_cache.get(folder, changed, "a.rules") is None  # a changed text is never given the old tree
    assert parse_cache.get(folder, SMALL, "b.rules") is None  # spans name their file: another file, another tree
    assert len(list(folder.glob("*.json"))) == 1


@pytest.mark.parametrize("damage", [
    lambda doc: {**doc, "key": "0" * 64},  # an entry renamed onto another's name
    lambda doc: {**doc, "format": 0},  # an older format
    lambda doc: {**doc, "kept": ["RuleFile", "a.rules"]},  # too few fields
    lambda doc: {**doc, "kept": ["Popen", "ls"]},  # a class that is not a node: never made
    lambda doc: {**doc, "kept": ["__import__", "os"]},
    lambda doc: {**doc, "kept": 7},  # not a tree
    lambda doc: json.loads(json.dumps(doc).replace('["@",', '["@","x",', 1)),  # a place that is not a number
], ids=["key", "format", "fields", "foreign-class", "import", "not-a-tree", "span"])
def test_a_damaged_or_foreign_entry_is_parsed_again(damage: object, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    text = SMALL + f"# {tmp_path.name}\n"  # a text of this test alone: parse() has not kept it in memory
    parse_cache.put(folder, text, "a.rules", _fresh(text, "a.rules"))
    entry = next(folder.glob("*.json"))
    entry.write_text(json.dumps(damage(json.loads(entry.read_text(encoding="utf-8")))),  # type: ignore[operator]
                     encoding="utf-8")
    assert parse_cache.get(folder, text, "a.rules") is None
    with parse_cache.using(folder):  # parse() then parses, and keeps the good tree in place of the bad one
        parsed = parse(text, "a.rules")
    assert _same(parsed, _fresh(text, "a.rules"), "a.rules")
    kept = parse_cache.get(folder, text, "a.rules")
    assert kept is not None and _same(kept, parsed, "a.rules")
    entry.write_bytes(entry.read_bytes()[:40])  # cut short
    assert parse_cache.get(folder, text, "a.rules") is None


def test_a_folder_others_may_write_to_or_a_link_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # anyone may put a file there: nothing is read from it (nor written)
    link = tmp_path / "link"
    link.symlink_to(_folder(tmp_path))
    for folder in (shared, link):
        with parse_cache.using(folder):
            assert parse_cache.folder() is None
            parse(SMALL + "# " + folder.name + "\n", "a.rules")
    assert not list(shared.iterdir()) and not list((tmp_path / "cache").iterdir())


def test_a_missing_folder_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "made" / "clausewise"
    with parse_cache.using(folder):
        assert parse_cache.folder() == folder
        parse(SMALL + "# made\n", "a.rules")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (entry,) = folder.glob("*.json")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600  # mkstemp's: the user's alone


def test_where_the_folder_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLAUSEWISE_CACHE", str(tmp_path / "mine"))
    assert parse_cache.default_folder() == tmp_path / "mine"
    for off in ("off", "OFF", "0", ""):
        monkeypatch.setenv("CLAUSEWISE_CACHE", off)
        assert parse_cache.default_folder() is None
    monkeypatch.delenv("CLAUSEWISE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert parse_cache.default_folder() == tmp_path / "xdg" / "clausewise"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert parse_cache.default_folder() == tmp_path / "home" / ".cache" / "clausewise"


def test_the_oldest_entries_go_beyond_the_most_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    monkeypatch.setattr(parse_cache, "MOST", 2)
    texts = [SMALL + f"# {i}\n" for i in range(3)]
    for i, text in enumerate(texts):
        parse_cache.put(folder, text, "a.rules", _fresh(text, "a.rules"))
        entry = max(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        os.utime(entry, ns=(i * 10**9, i * 10**9))  # written in this order, a second apart
    assert len(list(folder.glob("*.json"))) == 2
    assert parse_cache.get(folder, texts[0], "a.rules") is None  # the oldest went
    assert parse_cache.get(folder, texts[2], "a.rules") is not None


def test_the_library_keeps_nothing_on_disk(tmp_path: Path) -> None:
    # Only the command turns the cache on; the environment names a folder, but a library call writes nothing.
    env = {**os.environ, "CLAUSEWISE_CACHE": str(tmp_path / "cache")}
    code = f"import clausewise\nclausewise.load({str(KAIXIN)!r}).evaluate({str(INPUTS)!r})\n"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cache").exists()


def test_the_command_parses_once_and_then_reads_the_trees(tmp_path: Path) -> None:
    env = {**os.environ, "CLAUSEWISE_CACHE": str(tmp_path / "cache")}
    code = ("import sys\nfrom clausewise import cli\n"
            f"code = cli.main(['evaluate', {str(KAIXIN)!r}, '--inputs', {str(INPUTS)!r}])\n"
            "print('lark' in sys.modules, 'yaml' in sys.modules, code)\n")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                           check=False) for _ in range(2)]
    # the second run needs neither Lark nor PyYAML
    assert [r.stdout.splitlines()[-1] for r in runs] == ["True True 0", "False False 0"]
    assert runs[0].stdout == runs[1].stdout.replace("False False 0", "True True 0")  # the same report
    # Kaixin's three rule files; the contract, its narrative and the inputs file
    assert len(list((tmp_path / "cache").glob("*.json"))) == 3 + 3


def test_the_fingerprint_covers_every_module_that_builds_the_tree() -> None:
    code = ("import sys\nimport clausewise.parse_tree\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('clausewise.'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    imported = {m.removeprefix("clausewise.") + ".py" for m in done.stdout.split()}
    # the package's __init__ (names only), the grammar's package (the grammar is hashed itself), the way in and
    # the cache itself (its keys' hash)
    imported -= {"grammar.py", "parser.py", "parse_cache.py", "sha256.py", "version.py"}
    assert imported <= set(parse_cache.PARSING), imported - set(parse_cache.PARSING)
