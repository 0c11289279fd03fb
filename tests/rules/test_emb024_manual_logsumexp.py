"""EMB024: log-sum-exp written without a max shift."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\n\n\ndef f(x: mx.array, m):\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("mx.log(mx.sum(mx.exp(x)))", "mx.logsumexp(x)"),
        ("mx.log(mx.sum(mx.exp(x), axis=-1))", "mx.logsumexp(x, axis=-1)"),
        ("mx.log(mx.sum(mx.exp(x), -1, keepdims=True))", "mx.logsumexp(x, -1, keepdims=True)"),
        ("mx.log(mx.exp(x).sum(axis=1))", "mx.logsumexp(x, axis=1)"),
        ("mx.log(mx.exp(x * 2).sum())", "mx.logsumexp(x * 2)"),
        ("mx.log(mx.sum(mx.exp(x - m), axis=0))", "mx.logsumexp(x - m, axis=0)"),
    ],
)
def test_flagged_and_fixed(expression, replacement):
    source = HEADER + f"    return {expression}\n"
    assert len(findings("EMB024", source)) == 1
    assert fixed("EMB024", source) == HEADER + f"    return {replacement}\n"


@pytest.mark.parametrize(
    "expression",
    [
        "mx.logsumexp(x, axis=-1)",
        "x.max(-1) + mx.log(mx.sum(mx.exp(x - x.max(-1, keepdims=True)), axis=-1))",
        "mx.log(mx.sum(mx.exp(x - mx.stop_gradient(m)), axis=-1))",
        "mx.log(mx.sum(x, axis=-1))",
        "mx.log(mx.exp(x))",
        "mx.log(mx.mean(mx.exp(x), axis=-1))",
    ],
)
def test_look_alikes_are_clean(expression):
    assert findings("EMB024", HEADER + f"    return {expression}\n") == []


def test_shift_through_a_name_is_clean():
    source = HEADER + "    peak = mx.stop_gradient(x.max(axis=-1, keepdims=True))\n    return peak + mx.log(mx.sum(mx.exp(x - peak), axis=-1, keepdims=True))\n"
    assert findings("EMB024", source) == []


def test_numpy_is_not_flagged():
    source = "import numpy as np\n\n\ndef f(x):\n    return np.log(np.sum(np.exp(x), axis=-1))\n"
    assert findings("EMB024", source) == []
