"""Fixtures for the guarantee tests: demo checkpoints and the hazard copy."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from guarantee_helpers import trained_gate_checkpoint  # noqa: E402


@pytest.fixture(scope="session")
def demo_checkpoint(tmp_path_factory):
    """``xlstm-model init-demo DIR --config tiny --seed 0``."""
    from xlstm_model.cli import init_demo

    return init_demo(tmp_path_factory.mktemp("guarantee") / "tiny", config="tiny", seed=0)


@pytest.fixture(scope="session")
def gated_checkpoint(tmp_path_factory):
    return trained_gate_checkpoint(tmp_path_factory.mktemp("guarantee") / "tiny-gated")


@pytest.fixture(scope="session")
def checkpoints(demo_checkpoint, gated_checkpoint):
    return {"demo": demo_checkpoint, "gated": gated_checkpoint}
