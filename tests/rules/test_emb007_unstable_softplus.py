"""EMB007: which softplus spellings are flagged, and how they are rewritten."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("mx.log(1 + mx.exp(x))", "mx.logaddexp(0, x)"),
        ("mx.log(1.0 + mx.exp(x))", "mx.logaddexp(0, x)"),
        ("mx.log(mx.exp(x) + 1)", "mx.logaddexp(0, x)"),
        ("mx.log1p(mx.exp(x))", "mx.logaddexp(0, x)"),
        ("mx.log(1 + mx.exp(-x))", "mx.logaddexp(0, -x)"),
        ("mx.log(1 + mx.exp(a @ b))", "mx.logaddexp(0, a @ b)"),
        ("2 * mx.log(1 + mx.exp(x))", "2 * mx.logaddexp(0, x)"),
    ],
)
def test_flagged_and_rewritten(expression, replacement):
    source = HEADER + f"y = {expression}\n"
    assert len(findings("EMB007", source)) == 1
    assert fixed("EMB007", source) == HEADER + f"y = {replacement}\n"


def test_from_import_gets_the_core_module_alias():
    source = "import mlx.core as mx\nfrom mlx.core import log, exp\ny = log(1 + exp(x))\n"
    assert fixed("EMB007", source).endswith("y = mx.logaddexp(0, x)\n")


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\ny = np.log(1 + np.exp(x))\n",
        "import torch\ny = torch.log1p(torch.exp(x))\n",
        HEADER + "y = mx.logaddexp(0, x)\n",
        HEADER + "y = -mx.log(1 + mx.exp(-x))\n",  # a log-sigmoid: EMB006
        HEADER + "y = mx.log(1 + mx.exp(x) * 2)\n",
        HEADER + "y = mx.log(mx.exp(x))\n",
    ],
)
def test_look_alikes_not_flagged(source):
    assert findings("EMB007", source) == []
