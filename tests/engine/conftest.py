"""Shared helpers for the engine tests.

Every test gets its own cache directory (through EMBERLINT_CACHE_DIR) so runs
never see each other's cache; tests that count findings select EMB003 only, so
rules being added to the catalog do not change the figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emberlint.cli import app

# EMB003 (pow-negative-half): default on, unsafe fix `x ** -0.5` -> `mx.rsqrt(x)`.
HAZARD = "import mlx.core as mx\ny = mx.ones(3) ** -0.5\n"
FIXED = "import mlx.core as mx\ny = mx.rsqrt(mx.ones(3))\n"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch) -> Path:
    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("EMBERLINT_CACHE_DIR", str(directory))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return directory


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """An empty project directory, made the working directory."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def invoke(*args: str):
    """Run the CLI in-process (typer's CliRunner); stdout and stderr kept apart."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def run_emberlint(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed command line in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "emberlint", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
