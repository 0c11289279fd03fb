"""EMB008: which norm reductions are flagged, and how they are rewritten."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\n\n\ndef norm(x: mx.array, y):\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("mx.mean(x * x, axis=-1)", "mx.mean(mx.square(x.astype(mx.float32)), axis=-1)"),
        ("mx.mean(x ** 2, -1, keepdims=True)", "mx.mean(mx.square(x.astype(mx.float32)), -1, keepdims=True)"),
        ("mx.mean(mx.square(x), axis=-1)", "mx.mean(mx.square(x.astype(mx.float32)), axis=-1)"),
        ("(x * x).mean(-1)", "mx.square(x.astype(mx.float32)).mean(-1)"),
        ("x.square().mean(axis=-1, keepdims=True)", "mx.square(x.astype(mx.float32)).mean(axis=-1, keepdims=True)"),
        ("mx.var(x, axis=-1, keepdims=True)", "mx.var(x.astype(mx.float32), axis=-1, keepdims=True)"),
        ("mx.mean(mx.square(x[..., :4]), axis=-1)", "mx.mean(mx.square(x[..., :4].astype(mx.float32)), axis=-1)"),
    ],
)
def test_flagged_and_rewritten(expression, replacement):
    source = HEADER + f"    return {expression}\n"
    assert len(findings("EMB008", source)) == 1
    assert fixed("EMB008", source) == HEADER + f"    return {replacement}\n"


def test_name_rebound_from_itself_is_still_an_array():
    body = (
        "    x = x * mx.rsqrt(mx.mean(mx.square(x), axis=-1, keepdims=True) + 1e-6)\n"
        "    x = x.astype(y.dtype) * y\n    return x + y\n"
    )
    assert len(findings("EMB008", HEADER + body)) == 1


@pytest.mark.parametrize(
    "body",
    [
        "    return mx.mean(x * x)\n",  # whole-tensor mean: a loss, not a norm
        "    return mx.mean(y * y, axis=-1)\n",  # y is not known to be an MLX array
        "    return mx.mean(x * y, axis=-1)\n",
        "    return mx.mean(x, axis=-1)\n",
        "    return mx.mean(mx.square(x.astype(mx.float32)), axis=-1)\n",
        "    x32 = x.astype(mx.float32)\n    return mx.mean(x32 * x32, axis=-1)\n",
        "    x = x.astype(mx.float32)\n    return mx.var(x, axis=-1)\n",
        "    if y:\n        x = x.astype(mx.float32)\n    return mx.mean(mx.square(x), axis=-1)\n",
        "    return mx.fast.rms_norm(x, None, 1e-6)\n",
        (
            "    x_float = x.astype(mx.float32)\n    mean = mx.mean(x_float, axis=-1)\n"
            "    return mx.mean((x_float - mean) ** 2, axis=-1)\n"
        ),
        "    return mx.mean(mx.square(x.astype(mx.float32).reshape(2, -1)), axis=-1)\n",
    ],
)
def test_look_alikes_not_flagged(body):
    assert findings("EMB008", HEADER + body) == []


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\n\ndef norm(x):\n    return np.mean(x * x, axis=-1)\n",
        "import torch\n\ndef norm(x: torch.Tensor):\n    return (x * x).mean(-1)\n",
        "import torch\n\ndef norm(x):\n    return x.pow(2).mean(-1, keepdim=True)\n",
    ],
)
def test_numpy_and_torch_not_flagged(source):
    assert findings("EMB008", source) == []
