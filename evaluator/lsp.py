"""`clausewise lsp`: a language server for rule files over standard input and output (pygls).

It gives editors what `clausewise check` and the guide give: problems as you type (the CLI's
messages at their exact places), hover (a definition's meaning, unit and clause, in the agreement's
own words), go to definition, find references, completion (names, units, functions, keywords, and
clauses inside `cites "..."`), the outline of a file, and formatting by `clausewise fmt`. What it
knows of a file is worked out in lsp_project.py; this module speaks the protocol and converts places
to the client's units (UTF-16 by default). Needs `pip install 'clausewise[lsp]'`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from . import lsp_project as lp
from .errors import ContractError, Diagnostic
from .limits import DEFAULT, Limits

SOURCE = "clausewise"
_SYMBOL_KINDS = {
    "currency": t.SymbolKind.Constant, "unit": t.SymbolKind.Constant, "calendar": t.SymbolKind.Module,
    "periods": t.SymbolKind.Enum, "dimension": t.SymbolKind.Enum, "period": t.SymbolKind.EnumMember,
    "parameter": t.SymbolKind.Constant, "table": t.SymbolKind.Array, "input": t.SymbolKind.Variable,
    "rule": t.SymbolKind.Function, "allocation": t.SymbolKind.Function, "obligation": t.SymbolKind.Event,
    "interpretation": t.SymbolKind.Namespace, "replacement": t.SymbolKind.Property,
}
_COMPLETION_KINDS = {
    "name": t.CompletionItemKind.Variable, "unit": t.CompletionItemKind.Unit,
    "function": t.CompletionItemKind.Function, "keyword": t.CompletionItemKind.Keyword,
    "clause": t.CompletionItemKind.Reference,
}


class RulesServer(LanguageServer):
    def __init__(self, limits: Limits = DEFAULT) -> None:
        from .version import VERSION

        super().__init__("clausewise", VERSION, text_document_sync_kind=t.TextDocumentSyncKind.Full)
        self.limits = limits  # those of `check` (--max-cost, --max-digits)
        self.published: dict[str, list[t.Diagnostic]] = {}  # the problems last shown, by document (_doc)
        self.owners: dict[Path, lp.Owner | None] = {}  # the contract listing each rule file: found on open, save

    # -- the documents -----------------------------------------------------------------------------------
    def open_texts(self) -> dict[Path, str]:
        out = {}
        for uri, doc in self.workspace.text_documents.items():
            path = _path(uri)
            if path is not None:
                out[path.resolve()] = doc.source
        return out

    def top(self) -> Path | None:
        root = self.workspace.root_path
        return Path(root) if root else None

    def analysis(self, uri: str) -> tuple[lp.Analysis, TextDocument] | None:
        path = _path(uri)
        if path is None:
            return None
        path = path.resolve()
        if path not in self.owners:
            self.owners[path] = lp.find_owner(path, self.top())
        analysis = lp.analyse(path, self.open_texts(), self.top(), self.owners[path], self.limits)
        return analysis, self.workspace.get_text_document(uri)

    def forget_owners(self) -> None:
        """A file was saved (a contract may list other files now): look for the contracts again."""
        self.owners.clear()

    # -- places ------------------------------------------------------------------------------------------
    def client_range(self, lines: list[str], r: lp.Range) -> t.Range:
        codec = self.workspace.position_codec
        return codec.range_to_client_units(lines, t.Range(t.Position(*r[0]), t.Position(*r[1])))

    def server_place(self, doc: TextDocument, position: t.Position) -> lp.Place:
        p = self.workspace.position_codec.position_from_client_units(doc.source.split("\n"), position)
        return p.line, p.character

    def location(self, analysis: lp.Analysis, path: Path, start: int, end: int) -> t.Location:
        text = analysis.texts.get(path, "")
        r = (lp.place(text, start), lp.place(text, end))
        return t.Location(uri=from_fs_path(str(path)) or "", range=self.client_range(text.split("\n"), r))

    def publish(self, uri: str) -> None:
        """The problems of a document, and of the other open documents checked with it where they changed."""
        found = self.analysis(uri)
        if found is None:
            return
        analysis, _ = found
        own = _path(uri)
        for key, doc in list(self.workspace.text_documents.items()):
            path = _path(key)
            # the workspace keeps a URI as it normalises it (a space unquoted): the document's own is the client's
            this = path is not None and own is not None and path.resolve() == own.resolve()
            other_uri = uri if this else (from_fs_path(str(path)) if path is not None else None) or key
            if path is None or (path.resolve() not in analysis.texts and not this):
                continue
            lines = doc.source.split("\n")
            diagnostics = [self.diagnostic(d, doc.source, lines) for d in analysis.problems_in(path)]
            if not this and self.published.get(_doc(other_uri), []) == diagnostics:
                continue
            self.published[_doc(other_uri)] = diagnostics
            self.text_document_publish_diagnostics(
                t.PublishDiagnosticsParams(uri=other_uri, diagnostics=diagnostics, version=doc.version))

    def diagnostic(self, d: Diagnostic, text: str, lines: list[str]) -> t.Diagnostic:
        message = d.text() + (f"\nhint: {d.hint}" if d.hint else "")
        return t.Diagnostic(range=self.client_range(lines, lp.diagnostic_range(d, text)), message=message,
                            severity=t.DiagnosticSeverity.Error, source=SOURCE)


def _doc(uri: str) -> str:
    """A document as `published` keeps it: its path (a URI may quote a character or not), else its URI."""
    path = _path(uri)
    return str(path.resolve()) if path is not None else uri


def _path(uri: str) -> Path | None:
    fs = to_fs_path(uri)
    return Path(fs) if fs and uri.startswith("file:") else None


def make_server(limits: Limits = DEFAULT) -> RulesServer:
    """A server with every feature registered."""
    server = RulesServer(limits)

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RulesServer, params: t.DidOpenTextDocumentParams) -> None:
        ls.forget_owners()
        ls.publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RulesServer, params: t.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RulesServer, params: t.DidSaveTextDocumentParams) -> None:
        ls.forget_owners()
        ls.publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RulesServer, params: t.DidCloseTextDocumentParams) -> None:
        if ls.published.pop(_doc(params.text_document.uri), None):  # its problems leave with it
            ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                            diagnostics=[]))

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    def hover(ls: RulesServer, params: t.HoverParams) -> t.Hover | None:
        found = ls.analysis(params.text_document.uri)
        if found is None:
            return None
        analysis, doc = found
        shown = lp.hover(analysis, ls.server_place(doc, params.position))
        if shown is None:
            return None
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=shown))

    def _word(ls: RulesServer, params: Any) -> tuple[lp.Analysis, str] | None:
        found = ls.analysis(params.text_document.uri)
        if found is None:
            return None
        analysis, doc = found
        token = lp.token_at(doc.source, ls.server_place(doc, params.position))
        if token is None or token.type == "STRING":
            return None
        return analysis, token.value

    @server.feature(t.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: RulesServer, params: t.DefinitionParams) -> list[t.Location] | None:
        found = _word(ls, params)
        if found is None:
            return None
        analysis, name = found
        return [ls.location(analysis, d.file, d.name_span.start, d.name_span.end) for d in lp.defined(analysis, name)]

    @server.feature(t.TEXT_DOCUMENT_REFERENCES)
    def references(ls: RulesServer, params: t.ReferenceParams) -> list[t.Location] | None:
        found = _word(ls, params)
        if found is None:
            return None
        analysis, name = found
        definitions = {(d.file, d.name_span.start) for d in lp.defined(analysis, name)}
        return [ls.location(analysis, path, start, end) for path, start, end in lp.references(analysis, name)
                if params.context.include_declaration or (path, start) not in definitions]

    @server.feature(t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=['"', "."]))
    def completion(ls: RulesServer, params: t.CompletionParams) -> t.CompletionList | None:
        found = ls.analysis(params.text_document.uri)
        if found is None:
            return None
        analysis, doc = found
        at = ls.server_place(doc, params.position)
        typed = lp.citing(doc.source, at)
        items = []
        for c in lp.completions(analysis, at):
            item = t.CompletionItem(label=c.label, kind=_COMPLETION_KINDS[c.kind], detail=c.detail or None,
                                    documentation=c.documentation or None)
            if typed is not None:  # a clause's name has spaces: replace all that is typed of it
                start = (at[0], at[1] - len(typed))
                typed_range = ls.client_range(doc.source.split("\n"), (start, at))
                item.text_edit = t.TextEdit(range=typed_range, new_text=c.label)
            items.append(item)
        return t.CompletionList(is_incomplete=False, items=items)

    @server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbols(ls: RulesServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol] | None:
        found = ls.analysis(params.text_document.uri)
        if found is None:
            return None
        analysis, doc = found
        parsed = analysis.files.get(analysis.path)
        if parsed is None:
            return []
        lines = doc.source.split("\n")

        def symbol(d: lp.Definition) -> t.DocumentSymbol:
            about = getattr(d.decl, "about", None)
            return t.DocumentSymbol(
                name=d.name, kind=_SYMBOL_KINDS.get(d.kind, t.SymbolKind.Object),
                detail=" ".join(x for x in (d.kind, f"({about.citation})" if about and about.citation else "") if x),
                range=ls.client_range(lines, lp.span_range(d.span)),
                selection_range=ls.client_range(lines, lp.span_range(d.name_span)),
                children=[symbol(c) for c in d.children] or None)

        return [symbol(d) for d in lp.definitions(parsed, analysis.path)]

    @server.feature(t.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: RulesServer, params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
        from .fmt import format_text

        doc = ls.workspace.get_text_document(params.text_document.uri)
        try:
            formatted = format_text(doc.source, doc.path)
        except ContractError:  # a file that does not parse is left as it is: its problems are shown
            return None
        if formatted == doc.source:
            return []
        lines = doc.source.split("\n")
        end = (len(lines) - 1, len(lines[-1]))
        return [t.TextEdit(range=ls.client_range(lines, ((0, 0), end)), new_text=formatted)]

    return server


def main(limits: Limits = DEFAULT) -> int:
    """Serve one client over standard input and output until it says exit."""
    make_server(limits).start_io()
    return 0
