"""Which files get linted: excluded directories, .gitignore, symlinks."""

from __future__ import annotations

import os
from pathlib import Path

from emberlint.config import Settings
from emberlint.discovery import Discoverer

from .conftest import FIXED, HAZARD, invoke


def discover(root: Path, *paths: Path, force_exclude: bool = False, **settings) -> list[str]:
    discoverer = Discoverer(Settings(root=root, **settings), force_exclude=force_exclude)
    found = discoverer.discover(list(paths) or [root])
    return sorted(path.relative_to(root).as_posix() for path in found.files)


def touch(path: Path, text: str = HAZARD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_default_excluded_directories_and_virtualenvs(tmp_path):
    for name in (".git", ".hg", ".venv", "venv", "__pycache__", "build", "dist", ".tox", ".nox",
                 ".mypy_cache", ".ruff_cache", ".pytest_cache", "node_modules", "site-packages"):
        touch(tmp_path / "pkg" / name / "a.py")
    touch(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr\n")
    touch(tmp_path / "myenv" / "lib" / "a.py")
    touch(tmp_path / "pkg" / "kept.py")
    touch(tmp_path / "pkg" / "stubs.pyi")
    touch(tmp_path / "pkg" / "notes.txt")
    assert discover(tmp_path) == ["pkg/kept.py", "pkg/stubs.pyi"]


def test_nested_gitignores(tmp_path):
    touch(tmp_path / ".gitignore", "generated/\n*_pb2.py\n")
    touch(tmp_path / "generated" / "a.py")
    touch(tmp_path / "proto_pb2.py")
    touch(tmp_path / "src" / ".gitignore", "scratch.py\n!keep_pb2.py\n")
    touch(tmp_path / "src" / "scratch.py")
    touch(tmp_path / "src" / "keep_pb2.py")
    touch(tmp_path / "src" / "deep" / "scratch.py")
    touch(tmp_path / "src" / "model.py")
    touch(tmp_path / "scratch.py")
    assert discover(tmp_path) == ["scratch.py", "src/keep_pb2.py", "src/model.py"]
    assert "generated/a.py" in discover(tmp_path, respect_gitignore=False)


def test_gitignore_above_the_walked_directory_counts_inside_a_repository(tmp_path):
    (tmp_path / ".git").mkdir()
    touch(tmp_path / ".gitignore", "src/vendored/\n")
    touch(tmp_path / "src" / "vendored" / "a.py")
    touch(tmp_path / "src" / "own.py")
    assert discover(tmp_path, tmp_path / "src") == ["src/own.py"]


def test_explicit_files_are_linted_even_if_excluded_unless_force_exclude(tmp_path):
    excluded = touch(tmp_path / "build" / "a.py")
    assert discover(tmp_path, excluded) == ["build/a.py"]
    assert discover(tmp_path, excluded, force_exclude=True) == []
    touch(tmp_path / ".gitignore", "ignored.py\n")
    ignored = touch(tmp_path / "ignored.py")
    assert discover(tmp_path, ignored) == ["ignored.py"]
    assert discover(tmp_path, ignored, force_exclude=True) == []


def test_symlinked_directories_are_not_followed_but_symlinked_files_are_linted(tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    touch(outside / "elsewhere.py")
    root = tmp_path / "root"
    touch(root / "real.py")
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)
    (root / "linked_file.py").symlink_to(outside / "elsewhere.py")
    assert discover(root) == ["linked_file.py", "real.py"]


def test_fix_writes_through_a_symlink(project):
    target = touch(project / "real" / "model.py")
    link = project / "link.py"
    link.symlink_to(target)
    result = invoke("check", "link.py", "--select", "EMB003", "--fix", "--unsafe-fixes")
    assert result.exit_code == 0
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text() == FIXED


def test_missing_path_is_reported_and_the_rest_still_runs(project):
    touch(project / "a.py")
    result = invoke("check", "missing.py", "a.py", "--select", "EMB003", "--output-format", "concise")
    assert result.exit_code == 2
    assert "missing.py: no such file or directory" in result.stderr
    assert "a.py:2:5: EMB003" in result.stdout


def test_duplicate_paths_are_linted_once(tmp_path):
    file = touch(tmp_path / "a.py")
    assert discover(tmp_path, file, tmp_path, file) == ["a.py"]
