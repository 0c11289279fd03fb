"""Fixtures for the fix-safety tests: the real mlx-lm corpus and the full rule set."""

from __future__ import annotations

import sys
from pathlib import Path

import corpus  # benchmarks/corpus.py: tests/conftest.py puts its folder on the path
import pytest

SAFETY_DIR = Path(__file__).resolve().parent
if str(SAFETY_DIR) not in sys.path:
    sys.path.insert(0, str(SAFETY_DIR))  # for `import generators`


@pytest.fixture(scope="session")
def mlx_lm_package():
    """The pinned mlx-lm sources (downloaded once into the corpus cache)."""
    try:
        return corpus.fetch_package("mlx-lm", corpus.PINNED["mlx-lm"])
    except corpus.CorpusUnavailable as error:
        pytest.skip(f"the package registry is unreachable, no real corpus: {error}")


@pytest.fixture(scope="session")
def all_rules():
    from emberlint.registry import select_rules

    return select_rules(["ALL"])
