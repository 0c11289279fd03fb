"""Fixtures: small random transformers xLSTM checkpoints and an init-demo checkpoint."""

import pytest
from xlstm_testutils import make_hf_model


@pytest.fixture(scope="session")
def hf_checkpoint(tmp_path_factory):
    """(folder, torch model) for a 2-block, 4-head model with chunk_size 16."""
    model = make_hf_model(seed=0)
    path = tmp_path_factory.mktemp("hf_xlstm")
    model.save_pretrained(path)
    return path, model


@pytest.fixture(scope="session")
def demo_checkpoint(tmp_path_factory):
    """A tiny init-demo checkpoint folder (random weights + trained tokenizer)."""
    from xlstm_model.cli import init_demo

    path = tmp_path_factory.mktemp("demo") / "tiny"
    init_demo(path, config="tiny", seed=0)
    return path
