"""EMB022: hand-written sigmoids."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\n\n\ndef f(x: mx.array, y):\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("1 / (1 + mx.exp(-x))", "mx.sigmoid(x)"),
        ("1.0 / (1.0 + mx.exp(-x))", "mx.sigmoid(x)"),
        ("1 / (mx.exp(-x) + 1)", "mx.sigmoid(x)"),
        ("1 / (1 + mx.exp(y))", "mx.sigmoid(-y)"),
        ("1 / (1 + mx.exp(-(x * 2)))", "mx.sigmoid(x * 2)"),
        ("1 / (1 + mx.exp(x - y))", "mx.sigmoid(-(x - y))"),
        ("(1 / (1 + mx.exp(-x))).astype(x.dtype)", "mx.sigmoid(x).astype(x.dtype)"),
        ("mx.reciprocal(1 + mx.exp(-x))", "mx.sigmoid(x)"),
    ],
)
def test_flagged_and_fixed(expression, replacement):
    source = HEADER + f"    return {expression}\n"
    assert len(findings("EMB022", source)) == 1
    assert fixed("EMB022", source) == HEADER + f"    return {replacement}\n"


@pytest.mark.parametrize(
    "expression",
    [
        "mx.sigmoid(x)",
        "2 / (1 + mx.exp(-x))",
        "1 / (2 + mx.exp(-x))",
        "1 / (1 + mx.abs(x))",
        "1 / (1 + x)",
        "x / (1 + mx.exp(-x)) * 0",
        "1 - mx.exp(-x)",
    ],
)
def test_look_alikes_are_clean(expression):
    assert findings("EMB022", HEADER + f"    return {expression}\n") == []


def test_numpy_sigmoid_is_not_flagged():
    source = "import numpy as np\n\n\ndef f(x):\n    return 1 / (1 + np.exp(-x))\n"
    assert findings("EMB022", source) == []


def test_exp_bound_to_another_module_is_not_flagged():
    source = "import mlx.core as mx\nimport numpy as mx\n\n\ndef f(x):\n    return 1 / (1 + mx.exp(-x))\n"
    assert findings("EMB022", source) == []
