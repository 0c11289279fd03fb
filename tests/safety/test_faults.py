"""`emberlint --fix` under faults: every bad file gets a clear message (exit 2), the run
goes on, and no file is half-written or lost.

Most tests run the real console script in a subprocess; the two races (a file edited
or deleted between read and write) run the CLI in-process with the linter's
`fix_text` wrapped to play the concurrent writer, which does not depend on any rule.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import emberlint.linter
from emberlint.cli import main
from emberlint.linter import fix_text
from emberlint.registry import select_rules

HAZARD = (
    "import mlx.core as mx\n"
    "\n"
    "\n"
    "def scale(x: mx.array) -> mx.array:\n"
    "    return x ** -0.5\n"
)
FIX_ARGS = ["--fix", "--unsafe-fixes", "--select", "ALL", "--no-cache"]


def expected_fix(text: str) -> str:
    fixed, applied, _ = fix_text(text, "expected.py", select_rules(["ALL"]), unsafe=True)
    assert applied, "the hazard used by these tests is no longer fixed by any rule"
    return fixed


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = dict(os.environ, EMBERLINT_CACHE_DIR=str(cwd / ".cache"), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "emberlint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=300,
    )


def leftovers(root: Path) -> list[Path]:
    """Temporary files a crashed or half-done write would leave behind."""
    return [path for path in root.rglob("*") if "emberlint-tmp" in path.name]


def test_fix_run_survives_every_kind_of_bad_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    elsewhere = tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    fixed_hazard = expected_fix(HAZARD)

    (project / "good.py").write_text(HAZARD)
    (project / "crlf.py").write_bytes(HAZARD.replace("\n", "\r\n").encode())
    (project / "bom.py").write_bytes(b"\xef\xbb\xbf" + HAZARD.encode())
    tabbed = HAZARD.replace("    return", "\tif True:\n\t\treturn")
    (project / "tabs.py").write_text(tabbed)
    latin1_cookie = "# -*- coding: latin-1 -*-\n# café\n" + HAZARD
    (project / "cookie.py").write_bytes(latin1_cookie.encode("latin-1"))
    undecodable = b"# caf\xe9 without a coding cookie\n" + HAZARD.encode()
    (project / "undecodable.py").write_bytes(undecodable)
    broken = HAZARD + "def broken(:\n"
    (project / "broken.py").write_text(broken)
    (project / "readonly.py").write_text(HAZARD)
    (project / "readonly.py").chmod(0o444)
    (elsewhere / "target.py").write_text(HAZARD)
    (project / "link.py").symlink_to(elsewhere / "target.py")
    plain = "print('no numerics here')\n"
    (project / "plain.py").write_text(plain)

    result = run_cli(*FIX_ARGS, "project", "missing.py", cwd=tmp_path)
    errors = result.stderr

    assert result.returncode == 2, result.stdout + errors
    assert (project / "good.py").read_text() == fixed_hazard
    crlf = (project / "crlf.py").read_bytes()
    assert crlf == fixed_hazard.replace("\n", "\r\n").encode()
    assert (project / "bom.py").read_bytes() == b"\xef\xbb\xbf" + fixed_hazard.encode()
    assert (project / "tabs.py").read_text() == expected_fix(tabbed)
    assert "\t\treturn mx.rsqrt(x)" in (project / "tabs.py").read_text()
    assert (project / "cookie.py").read_bytes() == expected_fix(latin1_cookie).encode("latin-1")
    assert (elsewhere / "target.py").read_text() == fixed_hazard
    assert (project / "link.py").is_symlink()
    assert os.readlink(project / "link.py") == str(elsewhere / "target.py")

    assert (project / "undecodable.py").read_bytes() == undecodable
    assert (project / "broken.py").read_text() == broken
    assert (project / "readonly.py").read_text() == HAZARD
    assert stat.S_IMODE((project / "readonly.py").stat().st_mode) == 0o444
    assert (project / "plain.py").read_text() == plain
    assert not leftovers(tmp_path)

    for name, reason in (
        ("undecodable.py", "decode"),
        ("broken.py", "syntax error"),
        ("readonly.py", "read-only"),
        ("missing.py", "no such file"),
    ):
        lines = [line for line in errors.splitlines() if name in line]
        assert lines, f"no message names {name}:\n{errors}"
        assert any(reason in line.lower() for line in lines), f"{name}: {lines}"
    assert "Traceback" not in errors


def _run_in_process(paths: list[Path], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", *FIX_ARGS, "--jobs", "1", *map(str, paths)])
    return exit_info.value.code, capsys.readouterr().err


@pytest.fixture
def racing_fixer(monkeypatch):
    """Make `fix_text` run `interfere(path)` after computing a fix, before the write."""
    def install(interfere) -> None:
        def fix_then_interfere(text, path, *args, **kwargs):
            outcome = fix_text(text, path, *args, **kwargs)
            interfere(Path(path))
            return outcome

        monkeypatch.setattr(emberlint.linter, "fix_text", fix_then_interfere)

    return install


def test_file_edited_between_read_and_write_is_not_overwritten(tmp_path, racing_fixer, capsys, monkeypatch) -> None:
    monkeypatch.setenv("EMBERLINT_CACHE_DIR", str(tmp_path / ".cache"))
    edited, other = tmp_path / "edited.py", tmp_path / "other.py"
    edited.write_text(HAZARD)
    other.write_text(HAZARD)
    concurrent = HAZARD + "# saved by the editor meanwhile\n"

    def editor_saves(path: Path) -> None:
        if path.name == "edited.py":
            path.write_text(concurrent)

    racing_fixer(editor_saves)
    code, errors = _run_in_process([edited, other], capsys)

    assert code == 2
    assert edited.read_text() == concurrent
    assert "edited.py" in errors and "changed on disk" in errors
    assert other.read_text() == expected_fix(HAZARD)
    assert not leftovers(tmp_path)


def test_file_deleted_between_read_and_write_stays_deleted(tmp_path, racing_fixer, capsys, monkeypatch) -> None:
    monkeypatch.setenv("EMBERLINT_CACHE_DIR", str(tmp_path / ".cache"))
    deleted, other = tmp_path / "deleted.py", tmp_path / "other.py"
    deleted.write_text(HAZARD)
    other.write_text(HAZARD)

    def remove_it(path: Path) -> None:
        if path.name == "deleted.py":
            path.unlink()

    racing_fixer(remove_it)
    code, errors = _run_in_process([deleted, other], capsys)

    assert code == 2
    assert not deleted.exists()
    assert "deleted.py" in errors and "vanished" in errors
    assert other.read_text() == expected_fix(HAZARD)
    assert not leftovers(tmp_path)


def test_directory_with_thousands_of_files(tmp_path: Path) -> None:
    project = tmp_path / "many"
    plain = {}
    for index in range(3000):
        folder = project / f"pkg{index % 30}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"module_{index}.py"
        if index % 10 == 0:
            path.write_text(HAZARD.replace("scale", f"scale_{index}"))
        else:
            text = f"VALUE_{index} = {index}\n"
            path.write_text(text)
            plain[path] = text

    result = run_cli(*FIX_ARGS, "many", cwd=tmp_path)

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    fixed_hazard = expected_fix(HAZARD)
    for index in range(0, 3000, 10):
        path = project / f"pkg{index % 30}" / f"module_{index}.py"
        assert path.read_text() == fixed_hazard.replace("scale", f"scale_{index}")
    assert all(path.read_text() == text for path, text in plain.items())
    assert not leftovers(tmp_path)


def test_five_megabyte_generated_file(tmp_path: Path) -> None:
    """A generated module embedding 5 MB of data next to one hazard."""
    row = "    " + repr("QUJD" * 500) + ",\n"
    data = "BLOB = [\n" + row * (5_000_000 // len(row) + 1) + "]\n"
    source = HAZARD + "\n\n" + data
    big = tmp_path / "generated.py"
    big.write_text(source)

    result = run_cli(*FIX_ARGS, "generated.py", cwd=tmp_path)

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    fixed = big.read_text()
    assert fixed == expected_fix(HAZARD) + "\n\n" + data
    assert not leftovers(tmp_path)
