"""EMB006: which log-sigmoid spellings are flagged, and how they are rewritten."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\nimport mlx.nn as nn\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("-mx.log(1 + mx.exp(-x))", "nn.log_sigmoid(x)"),
        ("-mx.log(1.0 + mx.exp(-x))", "nn.log_sigmoid(x)"),
        ("-mx.log(mx.exp(-x) + 1)", "nn.log_sigmoid(x)"),
        ("-mx.log1p(mx.exp(-x))", "nn.log_sigmoid(x)"),
        ("-mx.log(1 + mx.exp(-(a + b)))", "nn.log_sigmoid(a + b)"),
        ("-mx.log(1 + mx.exp(x))", "nn.log_sigmoid(-x)"),
        ("-mx.log(1 + mx.exp(a - b))", "nn.log_sigmoid(-(a - b))"),
        ("mx.log(mx.sigmoid(x))", "nn.log_sigmoid(x)"),
    ],
)
def test_flagged_and_rewritten(expression, replacement):
    source = HEADER + f"y = {expression}\n"
    assert len(findings("EMB006", source)) == 1
    assert fixed("EMB006", source) == HEADER + f"y = {replacement}\n"


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\ny = -np.log(1 + np.exp(-x))\n",
        "import torch\ny = torch.log(torch.sigmoid(x))\n",
        "import math\ny = -math.log(1 + math.exp(-x))\n",
        HEADER + "y = nn.log_sigmoid(x)\n",
        HEADER + "y = -mx.logaddexp(0, -x)\n",
        HEADER + "y = -mx.log(2 + mx.exp(-x))\n",  # not a log-sigmoid
        HEADER + "y = -mx.log(1 + x)\n",
        HEADER + "y = mx.log(1 + mx.exp(-x))\n",  # a softplus: EMB007
    ],
)
def test_look_alikes_not_flagged(source):
    assert findings("EMB006", source) == []


def test_reuses_the_module_alias_for_mlx_nn():
    source = "import mlx.core as mx\nfrom mlx import nn as mnn\ny = mx.log(mx.sigmoid(x))\n"
    assert fixed("EMB006", source).endswith("y = mnn.log_sigmoid(x)\n")


def test_adds_the_mlx_nn_import_when_missing():
    source = "import mlx.core as mx\n\ny = -mx.log(1 + mx.exp(-x))\n"
    assert fixed("EMB006", source) == "import mlx.core as mx\nimport mlx.nn as nn\n\ny = nn.log_sigmoid(x)\n"


def test_reported_without_fix_when_nn_is_another_module():
    source = "import mlx.core as mx\nfrom torch import nn\ny = -mx.log(1 + mx.exp(-x))\n"
    (finding,) = findings("EMB006", source)
    assert finding.fix is None
    assert fixed("EMB006", source) == source
