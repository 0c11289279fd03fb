"""EMB014: `exp(x) - 1` and its look-alikes."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("mx.exp(x) - 1", "mx.expm1(x)"),
        ("mx.exp(x) - 1.0", "mx.expm1(x)"),
        ("a * (mx.exp(x) - 1)", "a * mx.expm1(x)"),
        ("mx.exp(-t / tau) - 1", "mx.expm1(-t / tau)"),
    ],
)
def test_flagged_and_fixed(expression, replacement):
    source = HEADER + f"y = {expression}\n"
    assert len(findings("EMB014", source)) == 1
    assert fixed("EMB014", source) == HEADER + f"y = {replacement}\n"


@pytest.mark.parametrize(
    "source",
    [
        HEADER + "y = 1 - mx.exp(x)\n",
        HEADER + "y = mx.exp(x) - 2\n",
        HEADER + "y = mx.exp(x) + 1\n",
        HEADER + "y = mx.expm1(x)\n",
        "import numpy as np\ny = np.exp(x) - 1\n",
        "import torch\ny = torch.exp(x) - 1\n",
    ],
)
def test_look_alikes_not_flagged(source):
    assert findings("EMB014", source) == []
