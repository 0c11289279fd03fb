"""`emberlint server`: the Language Server Protocol over stdio, built on pygls.

Diagnostics are pushed when a Python file is opened, changed or saved (and
cleared when it is closed). Each carries the rule code, a link to the rule's
page and a severity by category: correctness -> Error, precision -> Warning,
performance -> Information, style -> Hint. Code actions: every finding's fix as
a `quickfix` (preferred when safe; unsafe ones say so in their title), a
`# noqa: CODE` for the finding's line, and "fix all" as the source action
`source.fixAll.emberlint` (the safe fixes, and the unsafe ones too where the
project sets `unsafe-fixes = true`, as `emberlint --fix` would). Settings come from the nearest
pyproject.toml with a `[tool.emberlint]` table above the file, read on every
lint, so edits to it apply at once. A file that does not parse has no
diagnostics until it does; the server never stops on one. Notebook documents
are not handled by the server (the command line lints `.ipynb` files).
"""

from __future__ import annotations

import difflib
import logging
import re
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from emberlint import __version__
from emberlint.catalog import RuleDoc, load_catalog
from emberlint.config import Settings, load_settings
from emberlint.discovery import Discoverer
from emberlint.errors import EmberlintError, FixFailed
from emberlint.findings import Finding
from emberlint.registry import RuleSpec, select_rules
from emberlint.runner import Runner, RunOptions, is_fixable

SEVERITIES = {
    "correctness": types.DiagnosticSeverity.Error,
    "precision": types.DiagnosticSeverity.Warning,
    "performance": types.DiagnosticSeverity.Information,
    "style": types.DiagnosticSeverity.Hint,
}
FIX_ALL = "source.fixAll.emberlint"
SOURCE = "emberlint"
_NOQA_CODES = re.compile(r"#\s*noqa:\s*[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*", re.IGNORECASE)
_BLANKET_NOQA = re.compile(r"#\s*noqa(?!:)", re.IGNORECASE)

log = logging.getLogger(__name__)


class EmberlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("emberlint", __version__)
        self.catalog: dict[str, RuleDoc] = load_catalog()

    def settings_for(self, document: TextDocument) -> tuple[list[RuleSpec], bool] | None:
        """The rules that apply to `document` under its project's settings, and
        whether unsafe fixes are on; None when the settings exclude the file or
        cannot be read (the user is told)."""
        path = Path(document.path) if document.uri.startswith("file:") else None
        try:
            settings = load_settings(path if path is not None else Path.cwd())
            rules = select_rules(
                select=settings.select, extend_select=settings.extend_select, ignore=settings.ignore
            )
        except EmberlintError as error:
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"emberlint: {error}")
            )
            return None
        if path is None:
            return rules, settings.unsafe_fixes
        if _excluded(settings, path):
            return None
        enabled = set(Runner(settings, rules, RunOptions(use_cache=False)).codes_for(path))
        return [spec for spec in rules if spec.code in enabled], settings.unsafe_fixes

    def findings(self, document: TextDocument) -> list[Finding]:
        """The document's findings; none when it does not parse (or a rule fails)."""
        import libcst as cst

        from emberlint.linter import lint_text
        from emberlint.registry import UNUSED_NOQA

        found = self.settings_for(document)
        if found is None or not found[0]:
            return []
        rules, _ = found
        try:
            return lint_text(
                document.source,
                document.path,
                rules,
                report_unused_noqa=any(spec.code == UNUSED_NOQA for spec in rules),
            )
        except cst.ParserSyntaxError:
            return []
        except Exception:  # a rule or libcst bug must not take the editor's server down
            log.exception("emberlint failed on %s", document.uri)
            return []

    def diagnostic(self, document: TextDocument, finding: Finding) -> types.Diagnostic:
        doc = self.catalog[finding.code]
        return types.Diagnostic(
            range=_range(document, finding),
            message=finding.message,
            severity=SEVERITIES[doc.category],
            code=finding.code,
            code_description=types.CodeDescription(href=doc.url),
            source=SOURCE,
        )

    def publish(self, document: TextDocument) -> None:
        diagnostics = [self.diagnostic(document, finding) for finding in self.findings(document)]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=document.uri, version=document.version, diagnostics=diagnostics
            )
        )


def _excluded(settings: Settings, path: Path) -> bool:
    """Excluded as `--force-exclude` would exclude it (an unsaved new file never is)."""
    return path.exists() and not Discoverer(settings, force_exclude=True).discover([path]).files


def _position(document: TextDocument, line: int, column: int) -> types.Position:
    """A 1-based line and column in code points, as the client counts (UTF-16 by default)."""
    from pygls.workspace.position_codec import ServerTextPosition

    return document.position_to_client_units(ServerTextPosition(line=line - 1, character=column - 1))


def _range(document: TextDocument, finding: Finding) -> types.Range:
    return types.Range(
        start=_position(document, finding.line, finding.column),
        end=_position(document, finding.end_line, finding.end_column),
    )


def _overlaps(first: types.Range, second: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return (position.line, position.character)

    return key(first.start) <= key(second.end) and key(second.start) <= key(first.end)


def text_edits(before: str, after: str) -> list[types.TextEdit]:
    """Line-level edits turning `before` into `after`, so the editor keeps the
    cursor and folds outside the changed lines."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    edits = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            types.TextEdit(
                range=types.Range(
                    start=_line_start(old, old_start), end=_line_start(old, old_end)
                ),
                new_text="".join(new[new_start:new_end]),
            )
        )
    return edits


def _line_start(lines: list[str], index: int) -> types.Position:
    """The start of line `index`; past a last line without a newline, its end."""
    if index == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
        return types.Position(line=index - 1, character=len(lines[-1].encode("utf-16-le")) // 2)
    return types.Position(line=index, character=0)


def _noqa_line(document: TextDocument, finding: Finding) -> tuple[int, str] | None:
    """The 0-based line that takes the `# noqa` and its new text (without the
    ending); None when a blanket `# noqa` is already there."""
    lines = document.lines
    index = finding.line - 1
    if lines[index].rstrip("\r\n").endswith("\\"):
        index = finding.end_line - 1  # a comment cannot follow a line continuation
    text = lines[index].rstrip("\r\n")
    existing = _NOQA_CODES.search(text)
    if existing is not None:
        return index, text[: existing.end()] + f", {finding.code}" + text[existing.end() :]
    if _BLANKET_NOQA.search(text):
        return None
    return index, f"{text}  # noqa: {finding.code}"


def _workspace_edit(document: TextDocument, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=document.uri, version=document.version
                ),
                edits=edits,
            )
        ]
    )


def code_actions(
    server: EmberlintServer, document: TextDocument, params: types.CodeActionParams
) -> list[types.CodeAction]:
    from emberlint.linter import fix_finding, fix_text

    wanted = params.context.only
    actions: list[types.CodeAction] = []

    def want(kind: str) -> bool:
        return wanted is None or any(kind == only or kind.startswith(only + ".") for only in wanted)

    rules, unsafe_fixes = server.settings_for(document) or ([], False)
    findings = server.findings(document)
    for finding in findings:
        diagnostic = server.diagnostic(document, finding)
        if not _overlaps(diagnostic.range, params.range) or not want(types.CodeActionKind.QuickFix):
            continue
        if finding.replacement is not None:
            try:
                fixed = fix_finding(document.source, document.path, rules, finding)
            except FixFailed:
                fixed = None
            if fixed is not None:
                unsafe = finding.fix == "unsafe"
                actions.append(
                    types.CodeAction(
                        title=f"{'Unsafe fix' if unsafe else 'Fix'} {finding.code}: "
                        f"replace with `{finding.replacement}`"
                        + (" (may change values; see the rule's Fix safety)" if unsafe else ""),
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=not unsafe,
                        edit=_workspace_edit(document, text_edits(document.source, fixed)),
                    )
                )
        noqa = _noqa_line(document, finding)
        if noqa is not None:
            index, text = noqa
            line = document.lines[index].rstrip("\r\n")
            edit = types.TextEdit(
                range=types.Range(
                    start=types.Position(line=index, character=0),
                    end=types.Position(line=index, character=len(line.encode("utf-16-le")) // 2),
                ),
                new_text=text,
            )
            actions.append(
                types.CodeAction(
                    title=f"Disable {finding.code} for this line (# noqa)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=_workspace_edit(document, [edit]),
                )
            )
    if want(FIX_ALL) and any(is_fixable(finding, unsafe_fixes) for finding in findings):
        try:
            fixed_text, fixed, _ = fix_text(
                document.source, document.path, rules, unsafe=unsafe_fixes
            )
        except FixFailed:
            fixed = []
        if fixed:
            kinds = "safe and unsafe" if unsafe_fixes else "safe"
            actions.append(
                types.CodeAction(
                    title=f"emberlint: fix all ({len(fixed)} {kinds} fix{'' if len(fixed) == 1 else 'es'})",
                    kind=FIX_ALL,
                    edit=_workspace_edit(document, text_edits(document.source, fixed_text)),
                )
            )
    return actions


def create_server() -> EmberlintServer:
    server = EmberlintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: EmberlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(ls.workspace.get_text_document(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: EmberlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish(ls.workspace.get_text_document(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: EmberlintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.publish(ls.workspace.get_text_document(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: EmberlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False
        ),
    )
    def code_action(ls: EmberlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        document = ls.workspace.get_text_document(params.text_document.uri)
        return code_actions(ls, document, params)

    return server


def serve() -> None:
    """Speak LSP on stdin/stdout until the client shuts the server down."""
    create_server().start_io()
