"""`clausewise lsp`, tested as an editor uses it: a real client (pygls's) speaking JSON-RPC over the
standard input and output of `python -m evaluator lsp`, started as a subprocess.

The project is written to a temporary folder: a contract listing two rule files and an anchored
agreement text. The bundled rule files are opened too (read only, never written).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")
from lsprotocol import types as t  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from pygls.uris import from_fs_path, to_fs_path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = """\
contract: deal
title: A test deal
date: 2025-01-01
parties:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
rules:
  - ../rules/price.rules
  - ../rules/fee.rules
text: deal.txt
"""
AGREEMENT = """\
[§ A 1]
The price is USD 10.
[§ A 2]
The fee is twice the price.
"""
PRICE = """\
currency USD cites "A 1"

parameter price cites "A 1" means "the price of one widget" = USD 10
"""
FEE = """\
rule fee cites "A 2" means "twice the price" = price * 2

outputs fee
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    tmp_path = tmp_path / "a folder with spaces"  # a URI quotes them (%20): the server must know its document
    (tmp_path / "contracts").mkdir(parents=True)
    (tmp_path / "rules").mkdir()
    (tmp_path / "contracts" / "deal.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "contracts" / "deal.txt").write_text(AGREEMENT, encoding="utf-8")
    (tmp_path / "rules" / "price.rules").write_text(PRICE, encoding="utf-8")
    (tmp_path / "rules" / "fee.rules").write_text(FEE, encoding="utf-8")
    return tmp_path


def _key(uri: str) -> str:
    """A document's URI as a path: the server may quote a URI (a space as %20) otherwise than the client."""
    return to_fs_path(uri) or uri


class Session:
    """A client talking to a server it started, keeping the diagnostics the server publishes."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.diagnostics: dict[str, list[t.Diagnostic]] = {}
        self.arrived = asyncio.Event()

    def open(self, path: Path, text: str | None = None) -> str:
        uri = from_fs_path(str(path)) or ""
        self.arrived.clear()
        self.client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(
            uri=uri, language_id="clausewise", version=1,
            text=path.read_text(encoding="utf-8") if text is None else text)))
        return uri

    def change(self, uri: str, text: str, version: int = 2) -> None:
        self.arrived.clear()
        self.client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))

    def close(self, uri: str) -> None:
        self.arrived.clear()
        self.client.text_document_did_close(t.DidCloseTextDocumentParams(
            text_document=t.TextDocumentIdentifier(uri=uri)))

    async def published(self, uri: str) -> list[t.Diagnostic]:
        """The diagnostics of `uri` published after the last open or change (waits for them)."""
        while True:
            await asyncio.wait_for(self.arrived.wait(), 30)
            self.arrived.clear()
            if _key(uri) in self.diagnostics:
                return self.diagnostics.pop(_key(uri))


def exchange(body: Callable[[Session], Awaitable[None]], root: Path | None = None) -> None:
    async def run() -> None:
        client = LanguageClient("clausewise-test", "1")
        session = Session(client)

        @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diagnostics(params: t.PublishDiagnosticsParams) -> None:
            session.diagnostics[_key(params.uri)] = list(params.diagnostics)
            session.arrived.set()

        await client.start_io(sys.executable, "-m", "evaluator", "lsp")
        try:
            await asyncio.wait_for(client.initialize_async(t.InitializeParams(
                capabilities=t.ClientCapabilities(),
                root_uri=from_fs_path(str(root)) if root else None)), 60)
            client.initialized(t.InitializedParams())
            await asyncio.wait_for(body(session), 120)
            await asyncio.wait_for(client.shutdown_async(None), 30)
        finally:
            client.exit(None)
            try:
                await asyncio.wait_for(client.stop(), 30)
            finally:  # a server that does not exit is killed: a test never hangs on it
                server = client._server
                if server is not None and server.returncode is None:
                    server.kill()
                    await server.wait()

    asyncio.run(run())


def _at(text: str, word: str, into: int = 1) -> t.Position:
    """The place `into` characters into the first `word` of `text` (code points: ASCII text here)."""
    i = text.index(word) + into
    return t.Position(line=text[:i].count("\n"), character=i - (text[:i].rfind("\n") + 1))


def _range(d: Any) -> tuple[int, int, int, int]:
    return d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character


def test_diagnostics_on_open_and_change_are_the_cli_s(project: Path) -> None:
    fee = project / "rules" / "fee.rules"
    bad = FEE.replace("price * 2", "price + 2 shares")
    emoji = FEE.replace("twice the price", "twice the price \N{GRINNING FACE}").replace("price * 2", "price + 1")

    async def body(s: Session) -> None:
        uri = s.open(fee)
        assert await s.published(uri) == []
        s.change(uri, bad)
        [d] = await s.published(uri)
        assert d.message == ("cannot add shares to USD\nhint: amounts added together are in one unit; divide by an "
                             "amount in shares to get a ratio first")
        assert _range(d) == (0, 47, 0, 63) and d.source == "clausewise"
        assert d.severity == t.DiagnosticSeverity.Error
        s.change(uri, emoji, 3)  # a character past the BMP is two UTF-16 units: the range moves by one
        [d] = await s.published(uri)
        assert d.message == "cannot add ratio to USD\nhint: write USD 1"
        assert _range(d) == (0, 58, 0, 59)  # 57 and 58 in code points
        s.change(uri, "rule fee cites \"A 2\" = \n\noutputs fee\n", 4)
        [d] = await s.published(uri)
        assert (d.message.split("\n")[0], _range(d)) == ("unexpected 'outputs'", (2, 0, 2, 7))
        s.change(uri, FEE.replace('"A 2"', '"A 3"'), 5)  # a clause the agreement text does not have
        [d] = await s.published(uri)
        assert d.message == "'A 3' is not a clause of deal.txt\nhint: did you mean 'A 2'?"
        assert _range(d) == (0, 15, 0, 20)
        s.change(uri, FEE, 6)
        assert await s.published(uri) == []

    exchange(body, project)
    # the unsaved text was never written
    assert fee.read_text(encoding="utf-8") == FEE
    # the CLI gives the same message for the same text
    fee.write_text(bad, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "evaluator", "check", str(project / "contracts" / "deal.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "fee.rules:1:48: error: cannot add shares to USD" in done.stderr


def test_a_change_in_one_file_shows_in_another_open_file(project: Path) -> None:
    price, fee = project / "rules" / "price.rules", project / "rules" / "fee.rules"

    async def body(s: Session) -> None:
        fee_uri = s.open(fee)
        assert await s.published(fee_uri) == []
        price_uri = s.open(price)
        assert await s.published(price_uri) == []
        s.change(price_uri, PRICE.replace("parameter price", "parameter cost"))
        [d] = await s.published(fee_uri)
        assert d.message == "unknown name 'price'"
        assert _range(d) == (0, 47, 0, 52)
        s.close(fee_uri)  # its problems are cleared with it
        assert await s.published(fee_uri) == []

    exchange(body, project)


def test_hover_definition_references_symbols(project: Path) -> None:
    price, fee = project / "rules" / "price.rules", project / "rules" / "fee.rules"

    async def body(s: Session) -> None:
        uri = s.open(fee)
        await s.published(uri)
        c = s.client
        ident = t.TextDocumentIdentifier(uri=uri)
        shown = await c.text_document_hover_async(t.HoverParams(text_document=ident, position=_at(FEE, "price *")))
        assert shown is not None and isinstance(shown.contents, t.MarkupContent)
        assert shown.contents.value == ("**parameter price**: USD\n\nthe price of one widget\n\n"
                                        "**A 1**: The price is USD 10.")
        cited = await c.text_document_hover_async(t.HoverParams(text_document=ident, position=_at(FEE, '"A 2"')))
        assert cited is not None and isinstance(cited.contents, t.MarkupContent)
        assert cited.contents.value == "**A 2**: The fee is twice the price."
        own = await c.text_document_hover_async(t.HoverParams(text_document=ident, position=_at(FEE, "fee")))
        assert own is not None and isinstance(own.contents, t.MarkupContent)
        assert own.contents.value.startswith("**rule fee**: USD\n\ntwice the price")

        where = await c.text_document_definition_async(t.DefinitionParams(
            text_document=ident, position=_at(FEE, "price *")))
        assert isinstance(where, list) and [(w.uri, _range(w)) for w in where] == [
            (from_fs_path(str(price)), (2, 10, 2, 15))]

        refs = await c.text_document_references_async(t.ReferenceParams(
            text_document=ident, position=_at(FEE, "price *"), context=t.ReferenceContext(include_declaration=True)))
        assert refs is not None
        assert sorted((Path(r.uri).name, _range(r)) for r in refs) == [
            ("fee.rules", (0, 47, 0, 52)), ("price.rules", (2, 10, 2, 15))]
        refs = await c.text_document_references_async(t.ReferenceParams(
            text_document=ident, position=_at(FEE, "price *"), context=t.ReferenceContext(include_declaration=False)))
        assert refs is not None and [(Path(r.uri).name, _range(r)) for r in refs] == [("fee.rules", (0, 47, 0, 52))]
        usd = await c.text_document_references_async(t.ReferenceParams(
            text_document=t.TextDocumentIdentifier(uri=from_fs_path(str(price)) or ""), position=_at(PRICE, "USD"),
            context=t.ReferenceContext(include_declaration=True)))
        assert usd is not None and sorted(_range(r) for r in usd) == [(0, 9, 0, 12), (2, 62, 2, 65)]

        symbols = await c.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=ident))
        assert symbols is not None
        assert [(x.name, x.kind, _range(x), _range(type("R", (), {"range": x.selection_range})()))  # type: ignore
                for x in symbols if isinstance(x, t.DocumentSymbol)] == [
            ("fee", t.SymbolKind.Function, (0, 0, 0, 56), (0, 5, 0, 8))]

    exchange(body, project)


def test_completion_of_names_units_functions_and_clauses_and_formatting(project: Path) -> None:
    fee = project / "rules" / "fee.rules"
    typing = FEE.replace('cites "A 2"', 'cites "A ')
    messy = "rule   fee cites \"A 2\" means \"twice the price\" = price*2\noutputs fee"

    async def body(s: Session) -> None:
        uri = s.open(fee)
        await s.published(uri)
        ident = t.TextDocumentIdentifier(uri=uri)
        got = await s.client.text_document_completion_async(t.CompletionParams(
            text_document=ident, position=_at(FEE, "price *", 0)))
        assert isinstance(got, t.CompletionList)
        items = {i.label: i for i in got.items}
        assert items["price"].kind == t.CompletionItemKind.Variable and items["price"].detail == "parameter: USD"
        assert items["price"].documentation == "the price of one widget"
        assert items["USD"].kind == t.CompletionItemKind.Unit and items["shares"].kind == t.CompletionItemKind.Unit
        assert items["clamp"].kind == t.CompletionItemKind.Function
        assert items["clamp"].detail == "clamp(x, lowest, highest)"
        assert items["round"].kind == t.CompletionItemKind.Keyword
        s.change(uri, typing)
        await s.published(uri)
        got = await s.client.text_document_completion_async(t.CompletionParams(
            text_document=ident, position=_at(typing, 'cites "A ', 9)))
        assert isinstance(got, t.CompletionList)
        assert [(i.label, i.kind, i.documentation) for i in got.items] == [
            ("A 1", t.CompletionItemKind.Reference, "The price is USD 10."),
            ("A 2", t.CompletionItemKind.Reference, "The fee is twice the price.")]
        edit = got.items[1].text_edit
        assert isinstance(edit, t.TextEdit) and _range(edit) == (0, 16, 0, 18) and edit.new_text == "A 2"

        # formatting, through fmt
        from evaluator.fmt import format_text

        s.change(uri, messy, 3)
        await s.published(uri)
        edits = await s.client.text_document_formatting_async(t.DocumentFormattingParams(
            text_document=t.TextDocumentIdentifier(uri=uri), options=t.FormattingOptions(tab_size=2,
                                                                                          insert_spaces=True)))
        assert edits is not None and len(edits) == 1
        assert _range(edits[0]) == (0, 0, 1, 11)
        assert edits[0].new_text == format_text(messy, str(fee)) == (
            'rule fee cites "A 2" means "twice the price" = price * 2\noutputs fee\n')

    exchange(body, project)
    assert fee.read_text(encoding="utf-8") == FEE  # formatting edits the editor's text, never the file


def test_the_kaixin_rules_hover_with_the_agreement_s_words() -> None:
    spa = ROOT / "rules" / "kaixin" / "spa.rules"
    text = spa.read_text(encoding="utf-8")

    async def body(s: Session) -> None:
        uri = s.open(spa)
        assert await s.published(uri) == []  # checked with obligations.rules and ledger.rules, as the contract lists
        shown = await s.client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=_at(text, "rule own_shares", 6)))
        assert shown is not None and isinstance(shown.contents, t.MarkupContent)
        assert shown.contents.value.startswith(
            "**rule own_shares**: shares\n\nshares of the tranche earned by the year's own revenue\n\n"
            "**SPA 5.2(1)**: (1) If the actual Operating Revenue of the Target Company in any Assessment Year fails")

    exchange(body, ROOT)


def test_lsp_without_pygls_says_what_to_install() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys; sys.modules['pygls'] = None; "
                           "from evaluator.cli import main; sys.exit(main(['lsp']))"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr == ("clausewise: error: the language server needs pygls, which is not installed\n"
                           "   hint: pip install 'clausewise[lsp]'\n")


def bundled() -> list[Path]:
    return sorted({*ROOT.glob("rules/**/*.rules"), *ROOT.glob("tests/data/**/*.rules"),
                   *ROOT.glob("contracts/examples/*.rules")})


@pytest.mark.parametrize("path", [p if "kaixin" in p.parts else pytest.param(p, marks=pytest.mark.slow)
                                  for p in bundled()], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_bundled_rule_file_gets_the_problems_the_cli_gives_it(path: Path) -> None:  # others: slow, 1-2 s
    """What the server shows for a file (worked out by lsp_project, as the exchanges above show it) is what
    the CLI reports at that file: checking the contract (or amendment) that lists it, else the file alone."""
    import evaluator
    from evaluator import lsp_project
    from evaluator.contract_file import load_rules
    from evaluator.errors import ContractError

    analysis = lsp_project.analyse(path, {}, ROOT)
    try:
        if analysis.owner is None:
            load_rules([path])
        else:
            evaluator.load(analysis.owner.file)
        cli = []
    except ContractError as exc:
        cli = [d for d in exc.diagnostics if d.file and Path(d.file).resolve() == path.resolve()]
    assert analysis.problems_in(path) == cli
    if "rules/bad/" not in path.as_posix():
        assert analysis.files[path.resolve()].path == str(path.resolve())


def test_the_vscode_folder_uses_the_textmate_grammar_and_starts_the_server() -> None:
    import json

    folder = ROOT / "editors" / "vscode"
    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    [grammar] = package["contributes"]["grammars"]
    shipped = json.loads((folder / grammar["path"]).read_text(encoding="utf-8"))
    assert grammar["scopeName"] == shipped["scopeName"] == "source.clausewise"
    assert package["contributes"]["languages"][0]["extensions"] == [".rules"]
    assert package["contributes"]["configuration"]["properties"]["clausewise.command"]["default"] == [
        "clausewise", "lsp"]
    assert (folder / package["main"]).is_file()
