"""Fixtures for the fix-safety tests: the real mlx-lm corpus and the full rule set."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAFETY_DIR = Path(__file__).resolve().parent
if str(SAFETY_DIR) not in sys.path:
    sys.path.insert(0, str(SAFETY_DIR))  # for `import generators`


def _load_corpus_module():
    """`benchmarks/corpus.py` is a script folder, not a package: load it by path."""
    spec = importlib.util.spec_from_file_location(
        "emberlint_benchmark_corpus", REPO / "benchmarks" / "corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus_module()


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
