"""EMB018 imprecise-half-softmax: operands not known float32, look-alikes, the fix."""

from __future__ import annotations

import pytest
from rule_harness import findings, fixed, flagged_lines

HEADER = "import mlx.core as mx\nimport mlx.nn as nn\nimport numpy as np\n\ndef f(x: mx.array, w: mx.array, n):\n"
LINE = 6


@pytest.mark.parametrize(
    "line",
    [
        "    return mx.softmax(x, axis=-1)\n",
        "    return mx.softmax(x @ w, -1)\n",
        "    return mx.softmax(n, axis=-1)\n",  # unknown dtype
        "    return mx.softmax(x.astype(mx.bfloat16), axis=-1)\n",
        "    return mx.softmax(x * 0.125, axis=-1)\n",  # a Python float keeps the half dtype
    ],
)
def test_flagged(line):
    assert flagged_lines(HEADER + line, "EMB018") == [LINE]


@pytest.mark.parametrize(
    "line",
    [
        "    return mx.softmax(x, axis=-1, precise=True)\n",
        "    return mx.softmax(x, axis=-1, precise=False)\n",  # an explicit choice
        "    return mx.softmax(x.astype(mx.float32), axis=-1)\n",
        "    return mx.softmax(x * mx.array(0.1, dtype=mx.float32), axis=-1)\n",  # promoted to float32
        "    return nn.softmax(x)\n",  # takes no `precise`
        "    return np.exp(x) / np.exp(x).sum()\n",
    ],
)
def test_not_flagged(line):
    assert flagged_lines(HEADER + line, "EMB018") == []


def test_a_name_assigned_a_float32_cast_is_not_flagged():
    body = "    s = (x @ w).astype(mx.float32)\n    return mx.softmax(s, axis=-1)\n"
    assert flagged_lines(HEADER + body, "EMB018") == []


def test_fix_adds_precise_true():
    new = fixed(HEADER + "    return mx.softmax(x, axis=-1)\n", "EMB018")
    assert new.splitlines()[-1] == "    return mx.softmax(x, axis=-1, precise=True)"
    (finding,) = findings(HEADER + "    return mx.softmax(x, axis=-1)\n", "EMB018")
    assert finding.fix == "unsafe"


def test_fix_keeps_a_trailing_comma_call_valid():
    new = fixed(HEADER + "    return mx.softmax(\n        x,\n        axis=-1,\n    )\n", "EMB018")
    compile(new, "<fixed>", "exec")
    assert "precise=True" in new
