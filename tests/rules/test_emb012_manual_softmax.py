"""EMB012: hand-written softmax quotients and their look-alikes."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("mx.exp(s) / mx.sum(mx.exp(s), axis=-1, keepdims=True)", "mx.softmax(s, axis=-1, precise=True)"),
        ("mx.exp(s) / mx.sum(mx.exp(s), -1, True)", "mx.softmax(s, axis=-1, precise=True)"),
        ("mx.exp(s) / mx.exp(s).sum(-1, keepdims=True)", "mx.softmax(s, axis=-1, precise=True)"),
        ("mx.exp(q @ k) / mx.exp(q @ k).sum(axis=1, keepdims=True)", "mx.softmax(q @ k, axis=1, precise=True)"),
    ],
)
def test_flagged_and_fixed(expression, replacement):
    source = HEADER + f"p = {expression}\n"
    assert len(findings("EMB012", source)) == 1
    assert fixed("EMB012", source) == HEADER + f"p = {replacement}\n"


@pytest.mark.parametrize(
    "expression",
    [
        "mx.exp(s - mx.max(s, axis=-1, keepdims=True)) / mx.sum(mx.exp(s - mx.max(s, axis=-1, keepdims=True)), axis=-1, keepdims=True)",
        "mx.exp(s - s.max(-1, keepdims=True)) / mx.exp(s - s.max(-1, keepdims=True)).sum(-1, keepdims=True)",
        "mx.exp(s) / mx.sum(mx.exp(t), axis=-1, keepdims=True)",  # different logits
        "mx.exp(s) / mx.sum(mx.exp(s))",  # no keepdims: a normalisation over everything, not per row
        "mx.softmax(s, axis=-1)",
    ],
)
def test_look_alikes_not_flagged(expression):
    assert findings("EMB012", HEADER + f"p = {expression}\n") == []


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\np = np.exp(s) / np.sum(np.exp(s), axis=-1, keepdims=True)\n",
        "import torch\np = torch.exp(s) / torch.exp(s).sum(-1, keepdim=True)\n",
    ],
)
def test_numpy_and_torch_not_flagged(source):
    assert findings("EMB012", source) == []
