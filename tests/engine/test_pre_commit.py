"""The pre-commit hooks, run for real with `pre-commit try-repo`.

try-repo builds a virtualenv from this checkout (so it needs PyPI) and only
sees committed and tracked-modified files; while the engine's files are still
untracked, the test commits a snapshot of the working tree to a scratch
repository and tries that instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXED, HAZARD

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGE_PATHS = ("emberlint", "rules", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "emberlint tests",
    "GIT_AUTHOR_EMAIL": "tests@emberlint.invalid",
    "GIT_COMMITTER_NAME": "emberlint tests",
    "GIT_COMMITTER_EMAIL": "tests@emberlint.invalid",
}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
        capture_output=True, text=True,
    ).stdout


def pypi_reachable(tmp_path: Path) -> bool:
    download = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(tmp_path), "hatchling"],
        capture_output=True, check=False, timeout=120,
    )
    return download.returncode == 0


def hook_repository(tmp_path: Path) -> Path:
    """This checkout if everything the hooks need is tracked, else a committed snapshot."""
    untracked = git("ls-files", "--others", "--exclude-standard", "--", *PACKAGE_PATHS, cwd=CHECKOUT)
    if not untracked.strip():
        return CHECKOUT
    snapshot = tmp_path / "emberlint-snapshot"
    snapshot.mkdir()
    for name in PACKAGE_PATHS:
        source = CHECKOUT / name
        if source.is_dir():
            shutil.copytree(source, snapshot / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, snapshot / name)
    git("init", "--quiet", cwd=snapshot)
    git("add", "--all", cwd=snapshot)
    git("commit", "--quiet", "-m", "snapshot of the working tree", cwd=snapshot)
    return snapshot


def try_repo(repository: Path, hook: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(repository), hook, "--all-files"],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def test_hooks_fail_on_a_hazard_and_pass_once_fixed(tmp_path):
    if not pypi_reachable(tmp_path / "probe"):
        pytest.skip("pre-commit try-repo builds a virtualenv from PyPI, which is unreachable")
    repository = hook_repository(tmp_path)
    project = tmp_path / "user-project"
    project.mkdir()
    git("init", "--quiet", cwd=project)
    (project / "model.py").write_text(HAZARD)
    # EMB003's fix is unsafe: the user opts in through the config, as try-repo takes no args.
    (project / "pyproject.toml").write_text("[tool.emberlint]\nunsafe-fixes = true\n")
    git("add", "--all", cwd=project)
    home = tmp_path / "pre-commit-home"

    check = try_repo(repository, "emberlint", project, home)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "model.py:2:5: EMB003" in check.stdout

    fix = try_repo(repository, "emberlint-fix", project, home)
    assert fix.returncode == 1, fix.stdout + fix.stderr  # pre-commit fails a hook that modifies files
    assert "files were modified by this hook" in fix.stdout
    assert (project / "model.py").read_text() == FIXED

    again = try_repo(repository, "emberlint", project, home)
    assert again.returncode == 0, again.stdout + again.stderr
