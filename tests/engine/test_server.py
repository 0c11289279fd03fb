"""`emberlint server`, driven over stdio by pytest-lsp's real LSP client, as an editor would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from .conftest import FIXED, HAZARD

MASK = (
    "import mlx.core as mx\n"
    "\n"
    "\n"
    "def masked_softmax(scores: mx.array, mask: mx.array) -> mx.array:\n"
    '    return mx.softmax(mx.where(mask, scores, -float("inf")), axis=-1)\n'
)


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "emberlint", "server"])
)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=tmp_path.as_uri(),
        )
    )
    yield
    await lsp_client.shutdown_session()


def write_project(root: Path, table: str = "") -> None:
    (root / "pyproject.toml").write_text(f"[project]\nname = 'demo'\n\n[tool.emberlint]\n{table}")


async def open_document(client: LanguageClient, path: Path, text: str) -> list[types.Diagnostic]:
    path.write_text(text)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="python", version=1, text=text
            )
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[path.as_uri()])


async def change_document(
    client: LanguageClient, path: Path, text: str, version: int
) -> list[types.Diagnostic]:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[path.as_uri()])


async def code_actions(
    client: LanguageClient,
    path: Path,
    diagnostics: list[types.Diagnostic],
    only: list[str] | None = None,
) -> list[types.CodeAction]:
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=10**6, character=0))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            range=diagnostics[0].range if diagnostics else whole,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
    )
    return list(actions or [])


def apply(text: str, action: types.CodeAction) -> str:
    """The text after the action's edit, as an editor applies it (ASCII text: UTF-16 == str index)."""
    assert text.isascii()
    (change,) = action.edit.document_changes
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    for edit in sorted(change.edits, key=lambda edit: offset(edit.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


@pytest.mark.asyncio
async def test_diagnostics_carry_code_link_severity_and_range(client: LanguageClient, tmp_path):
    write_project(tmp_path)
    diagnostics = await open_document(client, tmp_path / "attention.py", MASK + "y = mx.ones(3) ** -0.5\n")
    by_code = {diagnostic.code: diagnostic for diagnostic in diagnostics}
    assert sorted(by_code) == ["EMB002", "EMB003"]
    mask, power = by_code["EMB002"], by_code["EMB003"]
    assert mask.severity == types.DiagnosticSeverity.Error  # correctness
    assert power.severity == types.DiagnosticSeverity.Information  # performance
    assert mask.source == "emberlint"
    assert mask.code_description.href == "https://github.com/emberlint/emberlint/blob/main/rules/EMB002.md"
    assert mask.message  # the rule's own message, as the command line prints it
    # 0-based lines, end-exclusive characters: `mx.ones(3) ** -0.5` on line 6.
    assert (power.range.start.line, power.range.start.character) == (5, 4)
    assert (power.range.end.line, power.range.end.character) == (5, 22)


@pytest.mark.asyncio
async def test_positions_count_utf16_code_units(client: LanguageClient, tmp_path):
    write_project(tmp_path)
    # "𝔘" is one code point but two UTF-16 units, the LSP default encoding.
    text = 'import mlx.core as mx\nlabel = "𝔘"; y = mx.ones(3) ** -0.5\n'
    (diagnostic,) = await open_document(client, tmp_path / "wide.py", text)
    assert diagnostic.range.start == types.Position(line=1, character=18)
    assert diagnostic.range.end == types.Position(line=1, character=36)


@pytest.mark.asyncio
async def test_a_file_that_does_not_parse_has_no_diagnostics_and_the_server_goes_on(
    client: LanguageClient, tmp_path
):
    write_project(tmp_path)
    path = tmp_path / "model.py"
    assert [d.code for d in await open_document(client, path, HAZARD)] == ["EMB003"]
    assert await change_document(client, path, HAZARD + "def broken(:\n", version=2) == []
    assert [d.code for d in await change_document(client, path, HAZARD, version=3)] == ["EMB003"]


@pytest.mark.asyncio
async def test_quick_fixes_unsafe_fix_and_noqa(client: LanguageClient, tmp_path):
    write_project(tmp_path)
    path = tmp_path / "model.py"
    diagnostics = await open_document(client, path, HAZARD)
    actions = await code_actions(client, path, diagnostics)
    fix, noqa = actions  # no fix-all: EMB003's fix is unsafe and unsafe-fixes is off
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.title.startswith("Unsafe fix EMB003: replace with `mx.rsqrt(mx.ones(3))`")
    assert not fix.is_preferred
    assert fix.diagnostics[0].code == "EMB003"
    assert apply(HAZARD, fix) == FIXED
    assert noqa.kind == types.CodeActionKind.QuickFix
    assert noqa.title == "Disable EMB003 for this line (# noqa)"
    suppressed = apply(HAZARD, noqa)
    assert suppressed == "import mlx.core as mx\ny = mx.ones(3) ** -0.5  # noqa: EMB003\n"
    assert await change_document(client, path, suppressed, version=2) == []


@pytest.mark.asyncio
async def test_noqa_action_extends_an_existing_code_list(client: LanguageClient, tmp_path):
    write_project(tmp_path)
    path = tmp_path / "model.py"
    text = "import mlx.core as mx\ny = mx.ones(3) ** -0.5  # noqa: E501\n"
    diagnostics = await open_document(client, path, text)
    noqa = next(action for action in await code_actions(client, path, diagnostics) if "noqa" in action.title)
    assert apply(text, noqa) == "import mlx.core as mx\ny = mx.ones(3) ** -0.5  # noqa: E501, EMB003\n"


@pytest.mark.asyncio
async def test_fix_all_source_action_follows_the_unsafe_fixes_setting(client: LanguageClient, tmp_path):
    text = MASK + "y = mx.ones(3) ** -0.5\n"
    write_project(tmp_path)
    path = tmp_path / "model.py"
    await open_document(client, path, text)
    assert await code_actions(client, path, [], only=["source.fixAll.emberlint"]) == []

    write_project(tmp_path, "unsafe-fixes = true\n")
    (fix_all,) = await code_actions(client, path, [], only=["source.fixAll"])
    assert fix_all.kind == "source.fixAll.emberlint"
    assert fix_all.title == "emberlint: fix all (2 safe and unsafe fixes)"
    fixed = apply(text, fix_all)
    assert "mx.rsqrt(mx.ones(3))" in fixed and 'float("inf")' not in fixed
    assert await change_document(client, path, fixed, version=2) == []


@pytest.mark.asyncio
async def test_settings_come_from_the_workspace_pyproject(client: LanguageClient, tmp_path):
    write_project(tmp_path, 'ignore = ["EMB003"]\nextend-exclude = ["generated"]\n')
    text = MASK + "y = mx.ones(3) ** -0.5\n"
    assert [d.code for d in await open_document(client, tmp_path / "model.py", text)] == ["EMB002"]
    (tmp_path / "generated").mkdir()
    assert await open_document(client, tmp_path / "generated" / "model.py", text) == []


def test_cli_start_up_does_not_import_the_server():
    probe = (
        "import sys\nfrom emberlint.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(name for name in ('pygls', 'lsprotocol', 'emberlint.server') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"
