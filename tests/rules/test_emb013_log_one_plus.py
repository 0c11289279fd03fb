"""EMB013: `log(1 + x)` and its look-alikes."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("mx.log(1 + x)", "mx.log1p(x)"),
        ("mx.log(1.0 + x)", "mx.log1p(x)"),
        ("mx.log(x + 1)", "mx.log1p(x)"),
        ("mx.log(1 + a * b)", "mx.log1p(a * b)"),
        ("mx.log((1 + x))", "mx.log1p(x)"),
    ],
)
def test_flagged_and_fixed(expression, replacement):
    source = HEADER + f"y = {expression}\n"
    assert len(findings("EMB013", source)) == 1
    assert fixed("EMB013", source) == HEADER + f"y = {replacement}\n"


@pytest.mark.parametrize(
    "source",
    [
        HEADER + "y = mx.log(1 + mx.exp(x))\n",  # softplus: EMB007
        HEADER + "y = mx.log(2 + x)\n",
        HEADER + "y = mx.log(1 - x)\n",
        HEADER + "y = mx.log1p(x)\n",
        HEADER + "y = mx.log(1 + mx.floor((mx.arange(n) + offset) / scale))\n",
        "import numpy as np\ny = np.log(1 + x)\n",
        "import math\ny = math.log(1 + x)\n",
        "import torch\ny = torch.log(1 + x)\n",
    ],
)
def test_look_alikes_not_flagged(source):
    assert findings("EMB013", source) == []


def test_reported_without_fix_when_the_mx_alias_is_taken():
    source = "from mlx.core import log\n\nmx = None\ny = log(1 + x)\n"
    (finding,) = findings("EMB013", source)
    assert finding.fix is None
    assert fixed("EMB013", source) == source


def test_from_import_gets_mlx_core_imported():
    source = "from mlx.core import log\n\ny = log(1 + x)\n"
    assert fixed("EMB013", source) == "from mlx.core import log\nimport mlx.core as mx\n\ny = mx.log1p(x)\n"
