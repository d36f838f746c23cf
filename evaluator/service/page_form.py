"""The web page's HTML: the form made from a contract's input declarations, and the pages around it.

One field per input and period (a table per period set: inputs as rows, periods as columns), one field for an
input with one value, one for an input given by date (one value for every date; dates and values go in an
inputs file), a note for a ledger (its entries go in an inputs file); an inputs file to upload; the reading and
the as-of date. Every value shown is escaped. A problem with a typed figure is shown at its field in the CLI's
words, the others above the form as the CLI prints them. The page loads nothing from elsewhere: its style and
its one script (choosing a contract opens its form) are inline, allowed by their hashes.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import nodes as n
from ..contract import Contract
from ..errors import ContractError, Diagnostic, SourceLines
from .page_inputs import FIELD, FORM, field_name
from .problems import diagnostic

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:0 1rem 3rem;color:#1b1f24}
h1{font-size:1.5rem;margin:1.2rem 0 .2rem}
fieldset{border:1px solid #c9d1d9;border-radius:6px;margin:1rem 0;padding:.6rem 1rem}
legend{font-weight:600}
table{border-collapse:collapse}th,td{padding:.25rem .4rem;text-align:left;vertical-align:top}
thead th{border-bottom:1px solid #c9d1d9}
input[type=text]{width:9rem;font:inherit}
small{color:#57606a;display:block}
.problem{color:#b42318}.problem small{color:#b42318}
pre.problems{background:#fff4f2;border:1px solid #f3b8b0;padding:.6rem;overflow:auto;white-space:pre-wrap}
button{font:inherit;padding:.3rem 1rem}
""".strip()
_SCRIPT = "document.getElementById('pick').addEventListener('change',e=>e.target.form.submit());"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@dataclass
class State:
    """What the form shows: the contract chosen, the values as typed, and the problems to show."""

    contract: str | None
    values: Mapping[str, str] = field(default_factory=dict)  # field name -> text as typed
    reading: str = ""
    as_of: str = ""
    error: ContractError | None = None
    message: str = ""  # a problem that is not the inputs' (an unknown contract)
    base: Path | None = None  # the contracts folder: files are named relative to it


def document(title: str, body: str) -> str:
    csp = (f"default-src 'none'; style-src '{_hash(_CSS)}'; script-src '{_hash(_SCRIPT)}'; "
           "img-src data:; base-uri 'none'; form-action 'self'")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>", body,
        f"<script>{_SCRIPT}</script>", "</body>", "</html>", ""])


def page(contracts: Mapping[str, Contract], failed: Mapping[str, str], state: State) -> str:
    """The whole page: the contract picker, then the chosen contract's form."""
    out = ["<header><h1>clausewise</h1>",
           "<p>Evaluate an agreement's numeric terms on your figures: exact, with every figure explained.</p>",
           "</header>", "<main>", _picker(contracts, state.contract)]
    if failed:
        out.append('<details id="failed"><summary>Not served: ' + ", ".join(f"<code>{_e(k)}</code>" for k in failed)
                   + " (they failed to load)</summary>"
                   + "".join(f'<pre class="problems">{_e(v)}</pre>' for v in failed.values()) + "</details>")
    if state.message:
        out.append(f'<p class="problem" id="message">{_e(state.message)}</p>')
    chosen = contracts.get(state.contract or "")
    if chosen is not None:
        out.append(_form(state.contract or "", chosen, state))
    out.append("</main>")
    return document(f"clausewise: {chosen.title}" if chosen is not None else "clausewise", "\n".join(out))


def _picker(contracts: Mapping[str, Contract], chosen: str | None) -> str:
    options = "".join(f'<option value="{_e(k)}"{" selected" if k == chosen else ""}>{_e(k)}: {_e(c.title)}</option>'
                      for k, c in contracts.items())
    if not contracts:
        return "<p>No contracts are served.</p>"
    return ('<form method="get" action="/" id="pick-form"><label>Contract <select name="contract" id="pick">'
            f"{options}</select></label> <noscript><button type=\"submit\">Open</button></noscript></form>")


def _form(key: str, contract: Contract, state: State) -> str:
    at_field, elsewhere = _problems(state.error, [str(f) for f in contract.files_read], state.base)
    program = contract.program
    out = [f"<h2>{_e(contract.title)}</h2>",
           f"<p>Contract <code>{_e(contract.name)}</code> of {_e(contract.date.isoformat())}. Type figures (a field "
           "left empty is not given: pending), or upload an inputs file, or both: typed figures are laid over the "
           "file's, as <code>--set</code> over <code>--inputs</code>.</p>"]
    if elsewhere:
        out.append('<pre class="problems" id="problems">' + _e(elsewhere) + "</pre>")
    out.append('<form method="post" action="/" enctype="multipart/form-data" id="evaluate">')
    out.append(f'<input type="hidden" name="contract" value="{_e(key)}">')
    out.append('<fieldset><legend>Figures</legend>')
    per_period: dict[str, list[tuple[str, n.InputDecl]]] = {}
    singles: list[str] = []
    for name, sym in program.symbols.items():
        decl = sym.decl
        if not isinstance(decl, n.InputDecl):
            continue
        about = " · ".join(x for x in (str(sym.type), decl.about.citation or "") if x)
        label = f'<code title="{_e(decl.about.meaning or name)}">{_e(name)}</code><small>{_e(about)}</small>'
        if decl.ledger is not None:
            singles.append(f'<p id="{_e("in-" + name)}">{label}a ledger of what happened: give its entries in an '
                           "inputs file</p>")
        elif decl.period_set is not None and not decl.by_date:
            per_period.setdefault(decl.period_set, []).append((name, decl))
        else:
            note = "one value for every date (dates and values: in an inputs file)" if decl.by_date else ""
            fname = field_name(name)
            singles.append(f"<p><label>{label}{_input(fname, sym.type.kind, state, at_field, name)}</label>"
                           + (f"<small>{_e(note)}</small>" if note else "") + "</p>")
    if not per_period and not singles:
        out.append("<p>The rules take no inputs.</p>")
    for ps, rows in per_period.items():
        periods = program.period_sets[ps].names
        out.append(f'<table class="inputs" id="{_e("set-" + ps)}"><thead><tr><th scope="col">{_e(ps)}</th>'
                   + "".join(f'<th scope="col">{_e(p)}</th>' for p in periods) + "</tr></thead><tbody>")
        for name, decl in rows:
            sym = program.symbols[name]
            about = " · ".join(x for x in (str(sym.type), decl.about.citation or "") if x)
            out.append(f'<tr><th scope="row"><code title="{_e(decl.about.meaning or name)}">{_e(name)}</code>'
                       f"<small>{_e(about)}</small></th>")
            for p in periods:
                out.append("<td>" + _input(field_name(name, p), sym.type.kind, state, at_field, f"{name} {p}")
                           + "</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
    out.extend(singles)
    out.append("</fieldset>")
    out.append('<fieldset><legend>Inputs file</legend><label>YAML or JSON, as for <code>--inputs</code> '
               '<input type="file" name="inputs_file" accept=".yaml,.yml,.json"></label></fieldset>')
    out.append('<fieldset><legend>Evaluation</legend>' + _reading(contract, state)
               + f' <label>As of <input type="date" name="as_of" value="{_e(state.as_of)}"></label>'
               + _at(at_field, "as_of")
               + "<small>Without a date, every figure given counts, and figures that depend on the date stay "
                 "pending.</small></fieldset>")
    out.append('<button type="submit" id="submit">Evaluate</button></form>')
    return "\n".join(out)


def _input(name: str, kind: str, state: State, at_field: Mapping[str, list[Diagnostic]], label: str) -> str:
    value = state.values.get(name, "")
    wrong = name in at_field
    aria = f' aria-label="{_e(label)}"' + (' aria-invalid="true"' if wrong else "")
    if kind == "bool":
        options = "".join(f'<option value="{v}"{" selected" if value == v else ""}>{t}</option>'
                          for v, t in (("", "not given"), ("true", "true"), ("false", "false")))
        control = f'<select name="{_e(name)}"{aria}>{options}</select>'
    else:
        hint = "YYYY-MM-DD" if kind == "date" else ""
        extra = f' placeholder="{hint}"' if hint else ' inputmode="decimal"'
        control = f'<input type="text" name="{_e(name)}" value="{_e(value)}"{extra}{aria}>'
    return control + _at(at_field, name[len(FIELD):] if name.startswith(FIELD) else name)


def _at(at_field: Mapping[str, list[Diagnostic]], path: str) -> str:
    found = at_field.get(FIELD + path) or at_field.get(path) or []
    return "".join(f'<span class="problem" data-field="{_e(path)}">{_e(d.message)}'
                   + (f"<small>hint: {_e(d.hint)}</small>" if d.hint else "") + "</span>" for d in found)


def _reading(contract: Contract, state: State) -> str:
    readings = contract.interpretations
    if not readings:
        return "<span>The rules have a single reading.</span>"
    chosen = state.reading or contract.default_interpretation or ""
    options = "".join(f'<option value="{_e(r)}"{" selected" if r == chosen else ""}>{_e(r)}'
                      + (" (default)" if r == contract.default_interpretation else "") + "</option>" for r in readings)
    return f'<label>Reading <select name="reading">{options}</select></label>'


class _Quoted(SourceLines):
    """The lines a page may quote: of the texts in hand (the form's, an upload's) and of the contract's own files,
    never of any other file of the server's (an upload named like one of them is quoted from the upload)."""

    def __init__(self, sources: Mapping[str, str], files: Sequence[str]) -> None:
        super().__init__(sources)
        self.files = set(files)

    def line(self, file: str, line: int) -> str | None:
        return super().line(file, line) if file in self.sources or file in self.files else None


def _problems(error: ContractError | None, files: Sequence[str] = (), base: Path | None = None
              ) -> tuple[dict[str, list[Diagnostic]], str]:
    """The problems shown at a field (a typed figure's, or the as-of date's), and the rest as the CLI prints them."""
    if error is None:
        return {}, ""
    at_field: dict[str, list[Diagnostic]] = {}
    rest: list[Diagnostic] = []
    for d in error.diagnostics:
        if d.path and (d.file == FORM or d.path == "as_of"):
            key = "as_of" if d.path == "as_of" else FIELD + d.path
            at_field.setdefault(key, []).append(d)
        else:
            rest.append(d)
    lines = _Quoted(error.sources, files)
    return at_field, "\n".join(diagnostic(d, base, lines)["text"] for d in rest)


def message_page(title: str, text: str, problems: Sequence[str] = ()) -> str:
    """A page for what is not a form: a damaged link, an evaluation past the time limit."""
    body = [f"<header><h1>{_e(title)}</h1></header>", "<main>", f'<p id="message">{_e(text)}</p>']
    if problems:
        body.append('<pre class="problems" id="problems">' + _e("\n".join(problems)) + "</pre>")
    body.append('<p><a href="/">Back to the form</a></p></main>')
    return document(title, "\n".join(body))
