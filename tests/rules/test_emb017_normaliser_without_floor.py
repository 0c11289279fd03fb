"""EMB017 normaliser-without-floor: zero-able sources, the ways to write the total, look-alikes, the fix."""

from __future__ import annotations

import mlx.core as mx
import pytest
from rule_harness import findings, fixed, flagged_lines

HEADER = "import mlx.core as mx\nimport mlx.nn as nn\n\ndef f(g: mx.array, inds: mx.array, bias: mx.array):\n"


@pytest.mark.parametrize(
    "body",
    [
        "    s = mx.sigmoid(g)\n    return s / s.sum(axis=-1, keepdims=True)\n",
        "    s = mx.sigmoid(g)\n    return s / mx.sum(s, axis=-1, keepdims=True)\n",
        "    s = mx.sigmoid(g.astype(mx.float32))\n    s = mx.take_along_axis(s, inds, axis=-1)\n"
        "    total = s.sum(axis=-1, keepdims=True)\n    return s / total\n",
        "    s = nn.relu(g)\n    return s / s.sum(axis=-1, keepdims=True)\n",
        "    s = mx.sigmoid(g)[..., :4]\n    return s / s.sum(axis=-1, keepdims=True)\n",
    ],
)
def test_flagged(body):
    assert len(flagged_lines(HEADER + body, "EMB017")) == 1


@pytest.mark.parametrize(
    "body",
    [
        "    s = mx.softmax(g, axis=-1)\n    return s / s.sum(axis=-1, keepdims=True)\n",  # sums to 1
        "    s = mx.sigmoid(g)\n    return s / (s.sum(axis=-1, keepdims=True) + 1e-20)\n",
        "    s = mx.sigmoid(g)\n    total = s.sum(axis=-1, keepdims=True) + 1e-6\n    return s / total\n",
        "    s = mx.sigmoid(g) + bias\n    return s / s.sum(axis=-1, keepdims=True)\n",  # not all >= 0
        "    s = mx.sigmoid(g)\n    return s / g.sum(axis=-1, keepdims=True)\n",  # another array's sum
        "    s = g * 2\n    return s / s.sum(axis=-1, keepdims=True)\n",  # unknown values
        "    s = mx.exp(g - g.max(axis=-1, keepdims=True))\n    return s / s.sum(axis=-1, keepdims=True)\n",
        "    s = mx.sigmoid(g)\n    s = mx.softmax(s, axis=-1)\n    return s / s.sum(axis=-1, keepdims=True)\n",
    ],
)
def test_not_flagged(body):
    assert flagged_lines(HEADER + body, "EMB017") == []


def test_no_fix_is_offered():
    """The floor turns NaN into 0, not into the float64 result (rules/EMB017.md)."""
    (finding,) = findings(HEADER + "    s = mx.sigmoid(g)\n    return s / s.sum(axis=-1, keepdims=True)\n", "EMB017")
    assert finding.fix is None and finding.replacement is None
