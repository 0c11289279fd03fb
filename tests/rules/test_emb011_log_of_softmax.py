"""EMB011: `log(softmax(...))` and its look-alikes."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\nimport mlx.nn as nn\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("mx.log(mx.softmax(x, axis=-1))", "nn.log_softmax(x, axis=-1)"),
        ("mx.log(mx.softmax(x, -1))", "nn.log_softmax(x, axis=-1)"),
        ("mx.log(mx.softmax(a @ b, axis=1))", "nn.log_softmax(a @ b, axis=1)"),
    ],
)
def test_flagged_and_fixed(expression, replacement):
    source = HEADER + f"y = {expression}\n"
    assert len(findings("EMB011", source)) == 1
    assert fixed("EMB011", source) == HEADER + f"y = {replacement}\n"


@pytest.mark.parametrize("expression", ["mx.log(mx.softmax(x))", "mx.log(mx.softmax(x, axis=-1, precise=True))"])
def test_flagged_without_fix(expression):
    (finding,) = findings("EMB011", HEADER + f"y = {expression}\n")
    assert finding.fix is None


@pytest.mark.parametrize(
    "source",
    [
        HEADER + "y = nn.log_softmax(x, axis=-1)\n",
        HEADER + "y = x - mx.logsumexp(x, axis=-1, keepdims=True)\n",
        HEADER + "y = mx.log(mx.sigmoid(x))\n",
        "import numpy as np\nfrom scipy.special import softmax\ny = np.log(softmax(x, axis=-1))\n",
        "import torch\ny = torch.log(torch.softmax(x, dim=-1))\n",
    ],
)
def test_look_alikes_not_flagged(source):
    assert findings("EMB011", source) == []
