"""Fixing files: bytes outside the fixed span survive, writes are atomic, and
files that cannot be read, decoded, parsed or written are reported while the
rest of the run completes."""

from __future__ import annotations

import os
import socket
import stat
import warnings
from pathlib import Path

import libcst as cst
import pytest

from emberlint.catalog import RuleDoc
from emberlint.config import Settings
from emberlint.errors import WriteError
from emberlint.registry import RuleSpec, all_rules
from emberlint.rule import Rule
from emberlint.runner import Runner, RunOptions
from emberlint.source import read_source, write_atomically

from .conftest import FIXED, HAZARD, invoke

HAZARD_EXPR = b"mx.ones(3) ** -0.5"
FIXED_EXPR = b"mx.rsqrt(mx.ones(3))"


def fix(*paths: str):
    return invoke("check", *paths, "--select", "EMB003", "--fix", "--unsafe-fixes")


@pytest.mark.parametrize(
    "original",
    [
        pytest.param(b"import mlx.core as mx\r\n# comment\r\ny = mx.ones(3) ** -0.5\r\n", id="crlf"),
        pytest.param(b"import mlx.core as mx\n\r\ny = mx.ones(3) ** -0.5\r\nz = 1\n", id="mixed-endings"),
        pytest.param(b"\xef\xbb\xbfimport mlx.core as mx\ny = mx.ones(3) ** -0.5\n", id="bom"),
        pytest.param(
            b"import mlx.core as mx\n\n\ndef f():\n\tx = 1  # tab-indented\n\treturn mx.ones(3) ** -0.5\n",
            id="tabs",
        ),
        pytest.param(
            b"# -*- coding: latin-1 -*-\nimport mlx.core as mx\n"
            b"label = 'caf\xe9'  # \xe9t\xe9\ny = mx.ones(3) ** -0.5\n",
            id="latin-1-cookie",
        ),
        pytest.param(
            b"import mlx.core as mx\ny = (  # keep me\n    mx.ones(3) ** -0.5  # and me\n)\n",
            id="comments",
        ),
        pytest.param(b"import mlx.core as mx\ny = mx.ones(3) ** -0.5", id="no-final-newline"),
    ],
)
def test_fix_changes_only_the_fixed_span(project, original):
    target = project / "a.py"
    target.write_bytes(original)
    result = fix("a.py")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert target.read_bytes() == original.replace(HAZARD_EXPR, FIXED_EXPR)


def test_added_import_uses_the_file_line_ending(project):
    target = project / "a.py"
    target.write_bytes(b"from mlx.core import ones\r\n\r\ny = ones(3) ** -0.5\r\n")
    assert fix("a.py").exit_code == 0
    assert target.read_bytes() == (
        b"from mlx.core import ones\r\nimport mlx.core as mx\r\n\r\ny = mx.rsqrt(ones(3))\r\n"
    )


def test_fix_preserves_the_file_mode_and_leaves_no_temporary_file(project):
    target = project / "a.py"
    target.write_text(HAZARD)
    target.chmod(0o640)
    assert fix("a.py").exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(path.name for path in project.iterdir()) == ["a.py"]


def test_fixing_twice_is_fixing_once(project):
    target = project / "a.py"
    target.write_text(HAZARD)
    fix("a.py")
    once = target.read_bytes()
    result = fix("a.py")
    assert result.exit_code == 0
    assert target.read_bytes() == once


def test_fixing_prints_no_python_warning_about_the_users_code(project):
    target = project / "a.py"
    target.write_text(HAZARD + "flag = len([]) is 0\n")  # CPython warns: "is" with a literal
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = fix("a.py")
    assert result.exit_code == 0
    assert "SyntaxWarning" not in result.output
    assert target.read_text() == FIXED + "flag = len([]) is 0\n"


def test_syntax_error_is_reported_never_rewritten_and_the_run_continues(project):
    broken = project / "broken.py"
    broken.write_text("import mlx.core as mx\ny = mx.ones(3) ** -0.5\ndef f(:\n")
    good = project / "good.py"
    good.write_text(HAZARD)
    result = fix("broken.py", "good.py")
    assert result.exit_code == 2
    assert broken.read_text() == "import mlx.core as mx\ny = mx.ones(3) ** -0.5\ndef f(:\n"
    assert good.read_text() == FIXED
    [error] = [line for line in result.stderr.splitlines() if "syntax error" in line]
    assert error.startswith("broken.py:3:")
    assert ": syntax error: " in error


def test_invalid_utf8_is_reported_and_skipped(project):
    (project / "bad.py").write_bytes(b"import mlx.core as mx\nname = 'caf\xe9'\n")
    (project / "good.py").write_text(HAZARD)
    result = invoke("check", ".", "--select", "EMB003", "--output-format", "concise")
    assert result.exit_code == 2
    assert "bad.py: cannot decode:" in result.stderr
    assert "good.py:2:5: EMB003" in result.stdout


def test_unreadable_file_is_reported_and_the_run_continues(project):
    # A socket cannot be opened for reading, even by root (chmod 000 would not stop root).
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(project / "sock.py"))
    try:
        (project / "good.py").write_text(HAZARD)
        result = invoke("check", "sock.py", "good.py", "--select", "EMB003", "--output-format", "concise")
    finally:
        server.close()
    assert result.exit_code == 2
    assert "sock.py: cannot read:" in result.stderr
    assert "good.py:2:5: EMB003" in result.stdout


def test_read_only_file_is_not_fixed_and_says_so(project):
    target = project / "a.py"
    target.write_text(HAZARD)
    target.chmod(0o444)
    (project / "b.py").write_text(HAZARD)
    result = fix("a.py", "b.py")
    assert result.exit_code == 2
    assert "a.py: file is read-only; fix not written" in result.stderr
    assert target.read_text() == HAZARD
    assert (project / "b.py").read_text() == FIXED
    assert "a.py:2:5: EMB003" in result.stdout  # still reported as remaining


def test_write_refuses_a_file_changed_since_it_was_read(tmp_path):
    target = tmp_path / "a.py"
    target.write_text(HAZARD)
    source = read_source(target)
    target.write_text(HAZARD + "# edited meanwhile\n")
    with pytest.raises(WriteError, match="changed on disk while it was being fixed"):
        write_atomically(target, FIXED.encode(), source.raw)
    assert target.read_text() == HAZARD + "# edited meanwhile\n"


def test_write_reports_a_file_that_vanished(tmp_path):
    target = tmp_path / "a.py"
    target.write_text(HAZARD)
    source = read_source(target)
    target.unlink()
    with pytest.raises(WriteError, match="vanished"):
        write_atomically(target, FIXED.encode(), source.raw)
    assert not target.exists()


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_the_file_and_no_temporary(tmp_path, monkeypatch, failing):
    """The disk fails mid-write (full, read-only mount): the original survives, whoever runs it."""
    target = tmp_path / "a.py"
    target.write_text(HAZARD)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(WriteError, match="cannot write the fix: No space left on device"):
        write_atomically(target, FIXED.encode(), HAZARD.encode())
    monkeypatch.undo()
    assert target.read_text() == HAZARD
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.py"]


def test_fix_run_reports_a_failed_write_and_keeps_the_file(project, monkeypatch):
    (project / "a.py").write_text(HAZARD)

    def fail(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", fail)
    result = invoke("check", "a.py", "--fix", "--unsafe-fixes", "--no-cache")
    monkeypatch.undo()
    assert result.exit_code == 2
    assert "a.py: cannot write the fix: Read-only file system" in result.stderr
    assert (project / "a.py").read_text() == HAZARD


class _BrokenFix(Rule):
    """A deliberately buggy rule whose replacement does not parse."""

    code = "EMB098"

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Power):
            self.report(node, "broken", replacement=cst.Name("lambda"))


def test_a_fix_that_does_not_compile_leaves_the_file_untouched(tmp_path):
    doc = RuleDoc(
        code="EMB098", name="broken-fix", category="style", fix="safe", dtypes=("float32",),
        default=True, summary="test rule", triggers=("**",), body="", path=Path("EMB098.md"),
    )
    rules = [RuleSpec(doc, __name__), all_rules()["EMB003"]]
    target = tmp_path / "a.py"
    target.write_text(HAZARD)
    runner = Runner(Settings(root=tmp_path), rules, RunOptions(mode="fix", use_cache=False))
    [result] = runner.run([target]).files
    assert "fixing produced code that does not compile" in result.error
    assert target.read_text() == HAZARD
    assert sorted(finding.code for finding in result.findings) == ["EMB003", "EMB098"]
